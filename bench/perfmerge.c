/*
 * perfmerge.c - can a native stack the kernel copied at a sampling
 * interrupt be merged with Python frames read afterwards?
 *
 * A measurement behind the choice docs/design.md explains ("Native
 * stacks"), run by `make bench`.  Two ways of taking a thread's native
 * stack are compared on the same target:
 *   held  - the thread is stopped with ptrace (what --native does), its
 *           registers and stack copied, its Python frames read, and it
 *           is let go;
 *   perf  - perf_event_open samples the thread's task clock with
 *           PERF_SAMPLE_REGS_USER and PERF_SAMPLE_STACK_USER: the kernel
 *           copies registers and stack at the interrupt, the target never
 *           stops, and its Python frames are read when the sample is seen.
 * For each sample it counts the evaluation loops on the native stack and
 * the groups of Python frames they must hold (mixedstack.h): a merge can
 * only be right when the two agree.  Given LIBRARY=FUNCTION pairs, it also
 * checks that a sample whose native stack is in LIBRARY has FUNCTION as
 * its newest Python frame (bench/run.py: libz=compress for a loop that
 * calls zlib.compress and hashlib.sha256 in turn).  It prints, per way,
 * the samples, the shares that agree, and how late the Python frames were
 * read.
 *
 * usage: perfmerge PID SECONDS [LIBRARY=FUNCTION...].  Not part of peekpy;
 * x86-64 only.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../base/monotonic.h"
#include "../base/sample.h"
#include "../base/strtab.h"
#include "../readers/nativesyms.h"
#include "../readers/pyproc.h"
#include "../readers/threadstop.h"
#include "../readers/unwind.h"

/* After readers/maps.h, whose own MAP_SHARED this macro would rename. */
#include <sys/mman.h>

#define RING_PAGES 64
#define STACK_BYTES 32768

struct tally {
	unsigned long samples, agree;
	unsigned long in_library, right_function;
	uint64_t late_ns[100000];
};

struct reader {
	pid_t pid;
	char **pairs;          /* LIBRARY=FUNCTION */
	int n_pairs;
	struct strtab strings;
	struct pyproc *proc;
	struct unwinder unwinder;
	struct native_syms syms;
	struct native_chain chain;
	struct sample sample;
};

/* Evaluation loops on the chain just unwound. */
static size_t count_loops(struct reader *r)
{
	size_t loops = 0;

	for (size_t i = 0; i < r->chain.count; i++) {
		uint32_t found = native_syms_find(&r->syms, r->chain.pcs[i]);

		loops += (r->syms.symbols[found].flags & NATIVE_EVAL) != 0;
	}
	return loops;
}

/* Groups of Python frames of thread tid in the last sample (-1: none). */
static long count_groups(const struct reader *r, uint32_t tid)
{
	for (size_t t = 0; t < r->sample.n_threads; t++) {
		const struct sample_thread *thread = &r->sample.threads[t];
		const struct sample_frame *frames = sample_thread_frames(&r->sample, thread);
		long groups = 0;

		if (thread->tid != tid)
			continue;
		for (size_t i = 0; i < thread->n_frames; i++)
			groups += (frames[i].flags & SAMPLE_FRAME_EVAL_ENTRY) != 0;
		return groups;
	}
	return -1;
}

/* The newest Python frame's function of thread tid, "" if none. */
static const char *python_leaf(const struct reader *r, uint32_t tid)
{
	for (size_t t = 0; t < r->sample.n_threads; t++) {
		const struct sample_thread *thread = &r->sample.threads[t];

		if (thread->tid == tid && thread->n_frames)
			return strtab_str(&r->strings, sample_thread_frames(&r->sample, thread)->name);
	}
	return "";
}

/* With LIBRARY=FUNCTION pairs: whether the native stack is in a library
 * named, and then whether the Python leaf is its function. */
static void check_library(struct reader *r, uint32_t tid, struct tally *tally)
{
	for (int p = 0; p < r->n_pairs; p++) {
		const char *equals = strchr(r->pairs[p], '=');
		size_t len = equals ? (size_t)(equals - r->pairs[p]) : 0;

		for (size_t i = 0; equals && i < r->chain.count; i++) {
			uint32_t found = native_syms_find(&r->syms, r->chain.pcs[i]);
			const struct native_symbol *symbol = &r->syms.symbols[found];
			const char *file = strtab_str(&r->strings,
						      native_symbol_frames(&r->syms, symbol)->short_file);

			if (strncmp(file, r->pairs[p], len) == 0) {
				tally->in_library++;
				tally->right_function += strcmp(python_leaf(r, tid), equals + 1) == 0;
				return;
			}
		}
	}
}

static void note(struct tally *tally, size_t loops, long groups, uint64_t late_ns)
{
	if (groups < 0 || !loops)
		return;
	if (tally->samples < sizeof(tally->late_ns) / sizeof(tally->late_ns[0]))
		tally->late_ns[tally->samples] = late_ns;
	tally->samples++;
	tally->agree += (long)loops == groups;
}

static void run_held(struct reader *r, double seconds, struct tally *tally)
{
	struct pyproc_options options = { .walk_idle = true, .eval_entries = true };
	struct threadstop stop;
	struct stack_copy copy = { 0 };
	uint64_t end = monotonic_ns() + (uint64_t)(seconds * 1e9);

	threadstop_init(&stop, r->pid, false);
	while (monotonic_ns() < end) {
		struct timespec pause = { 0, 5000000 };

		if (threadstop_hold(&stop) != 0)
			break;
		stack_copy_take(&copy, &stop, r->pid, r->pid);
		pyproc_sample(r->proc, &options, &r->sample);
		threadstop_resume(&stop);
		unwinder_walk(&r->unwinder, &copy, &r->chain);
		note(tally, count_loops(r), count_groups(r, (uint32_t)r->pid), 0);
		check_library(r, (uint32_t)r->pid, tally);
		nanosleep(&pause, NULL);
	}
	threadstop_release(&stop);
	stack_copy_release(&copy);
}

/* x86-64 perf register numbers, in DWARF order (threadstop.h). */
static const int perf_of_dwarf[NATIVE_REGS] = { 0, 3, 2, 1, 4, 5, 6, 7, 16, 17, 18, 19, 20,
						21, 22, 23, 8 };

static int open_sampler(pid_t tid, void **ring)
{
	struct perf_event_attr attr;
	uint64_t mask = 0;
	int fd;

	for (int i = 0; i < NATIVE_REGS; i++)
		mask |= 1ull << perf_of_dwarf[i];
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.sample_period = 5000000;   /* 5 ms of the thread's CPU time */
	attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_REGS_USER |
			   PERF_SAMPLE_STACK_USER;
	attr.sample_regs_user = mask;
	attr.sample_stack_user = STACK_BYTES;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	attr.wakeup_events = 1;
	attr.use_clockid = 1;
	attr.clockid = CLOCK_MONOTONIC;
	fd = (int)syscall(__NR_perf_event_open, &attr, tid, -1, -1, 0);
	if (fd < 0)
		return -errno;
	*ring = mmap(NULL, (RING_PAGES + 1) * (size_t)getpagesize(), PROT_READ | PROT_WRITE,
		     MAP_SHARED, fd, 0);
	if (*ring == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Copy len bytes at offset at of the ring's data (it wraps). */
static void ring_copy(const uint8_t *data, size_t size, uint64_t at, void *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)out)[i] = data[(at + i) % size];
}

static void take_perf_sample(struct reader *r, const uint8_t *data, size_t size, uint64_t at,
			     struct tally *tally)
{
	struct pyproc_options options = { .walk_idle = true, .eval_entries = true };
	struct stack_copy copy = { 0 };
	uint64_t regs[NATIVE_REGS + 8], perf_regs[24], abi, stack_size, time_ns, dyn_size;
	uint32_t ids[2];
	size_t n_regs = 0, off = at + sizeof(struct perf_event_header);

	ring_copy(data, size, off, ids, 8);
	off += 8;
	ring_copy(data, size, off, &time_ns, 8);
	off += 8;
	ring_copy(data, size, off, &abi, 8);
	off += 8;
	if (!abi)
		return;
	for (int bit = 0; bit < 24; bit++) {
		bool wanted = false;

		for (int i = 0; i < NATIVE_REGS; i++)
			wanted |= perf_of_dwarf[i] == bit;
		if (wanted) {
			ring_copy(data, size, off, &perf_regs[bit], 8);
			off += 8;
			n_regs++;
		}
	}
	ring_copy(data, size, off, &stack_size, 8);
	off += 8;
	copy.bytes = malloc(stack_size ? stack_size : 1);
	ring_copy(data, size, off, copy.bytes, stack_size);
	off += stack_size;
	ring_copy(data, size, off, &dyn_size, 8);
	for (int i = 0; i < NATIVE_REGS; i++)
		regs[i] = perf_regs[perf_of_dwarf[i]];
	memcpy(copy.regs, regs, sizeof(copy.regs));
	copy.tid = (pid_t)ids[1];
	copy.base = regs[NATIVE_REG_SP];
	copy.len = dyn_size < stack_size ? dyn_size : stack_size;
	copy.taken = true;
	/* The Python frames can only be read now, after the fact. */
	pyproc_sample(r->proc, &options, &r->sample);
	unwinder_walk(&r->unwinder, &copy, &r->chain);
	note(tally, count_loops(r), count_groups(r, ids[1]), monotonic_ns() - time_ns);
	check_library(r, ids[1], tally);
	free(copy.bytes);
}

static int run_perf(struct reader *r, double seconds, struct tally *tally)
{
	void *ring;
	int fd = open_sampler(r->pid, &ring);
	uint64_t end = monotonic_ns() + (uint64_t)(seconds * 1e9);
	size_t page = (size_t)getpagesize(), size = RING_PAGES * page;
	struct perf_event_mmap_page *meta;
	const uint8_t *data;

	if (fd < 0)
		return fd;
	meta = ring;
	data = (const uint8_t *)ring + page;
	while (monotonic_ns() < end) {
		struct pollfd wait = { fd, POLLIN, 0 };
		uint64_t head, tail;

		poll(&wait, 1, 100);
		head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
		tail = meta->data_tail;
		while (tail < head) {
			struct perf_event_header header;

			ring_copy(data, size, tail, &header, sizeof(header));
			if (header.type == PERF_RECORD_SAMPLE)
				take_perf_sample(r, data, size, tail, tally);
			tail += header.size;
		}
		__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	}
	munmap(ring, (RING_PAGES + 1) * page);
	close(fd);
	return 0;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *way, struct tally *tally)
{
	size_t kept = tally->samples < 100000 ? tally->samples : 100000;

	qsort(tally->late_ns, kept, sizeof(uint64_t), compare_u64);
	printf("%-5s %6lu samples, %5.1f%% with as many loops as Python groups; "
	       "Python frames read %.0f us after the native stack (median)\n",
	       way, tally->samples, tally->samples ? 100.0 * tally->agree / tally->samples : 0.0,
	       kept ? tally->late_ns[kept / 2] / 1e3 : 0.0);
	if (tally->in_library)
		printf("      %lu in the libraries named, %.1f%% of them under the right Python "
		       "function\n", tally->in_library,
		       100.0 * tally->right_function / tally->in_library);
}

int main(int argc, char **argv)
{
	static struct tally held, perf;
	struct reader r = { 0 };
	struct pyproc_details details;
	double seconds;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: perfmerge PID SECONDS [LIBRARY=FUNCTION...]\n");
		return 2;
	}
	r.pairs = argv + 3;
	r.n_pairs = argc - 3;
	r.pid = (pid_t)atoi(argv[1]);
	seconds = atof(argv[2]);
	strtab_init(&r.strings);
	sample_init(&r.sample);
	err = pyproc_open(r.pid, &r.strings, &r.proc, &details);
	if (!err)
		err = unwinder_open(&r.unwinder, r.pid);
	if (err) {
		fprintf(stderr, "perfmerge: cannot read process %d: %s\n", (int)r.pid, strerror(-err));
		return 1;
	}
	native_syms_init(&r.syms, &r.strings, &r.unwinder, details.binary);
	run_held(&r, seconds, &held);
	err = run_perf(&r, seconds, &perf);
	report("held", &held);
	if (err)
		printf("perf  not measured: perf_event_open: %s\n", strerror(-err));
	else
		report("perf", &perf);
	native_syms_release(&r.syms);
	unwinder_release(&r.unwinder);
	pyproc_free(r.proc);
	sample_release(&r.sample);
	strtab_release(&r.strings);
	return 0;
}
