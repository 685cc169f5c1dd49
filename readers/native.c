/*
 * native.c - hold, copy, resume, then unwind, name and merge (native.h).
 */
#include "native.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/xalloc.h"
#include "mixedstack.h"
#include "nativesyms.h"
#include "procfs.h"
#include "threadstop.h"
#include "unwind.h"

struct native {
	pid_t pid;
	struct strtab *strings;
	struct threadstop stop;
	struct unwinder unwinder;
	struct native_syms syms;
	struct stack_copy *copies;     /* by place in stop.threads */
	bool *merged_copy;             /* the copy went to a Python thread */
	size_t n_copies, cap_copies;
	struct native_chain chain;
	uint32_t *symbol_ids;
	struct native_entry *entries;
	size_t cap_entries;
	struct sample merged;
	uint32_t lost_name;
	bool detached;                 /* native_detach(): no more holds */
};

int native_open(pid_t pid, const char *interpreter, struct strtab *strings,
		struct native **out)
{
	struct native *n = xcalloc(1, sizeof(*n));
	int err;

	n->pid = pid;
	n->strings = strings;
	threadstop_init(&n->stop, pid, procfs_parent(pid) == getpid());
	err = threadstop_hold(&n->stop);
	if (!err)
		threadstop_resume(&n->stop);
	if (!err)
		err = unwinder_open(&n->unwinder, pid);
	if (err) {
		threadstop_release(&n->stop);
		free(n);
		return err;
	}
	native_syms_init(&n->syms, strings, &n->unwinder, interpreter);
	sample_init(&n->merged);
	n->lost_name = strtab_intern_cstr(strings, NATIVE_LOST_MARK);
	*out = n;
	return 0;
}

void native_free(struct native *n)
{
	if (!n)
		return;
	threadstop_release(&n->stop);
	native_syms_release(&n->syms);
	unwinder_release(&n->unwinder);
	for (size_t i = 0; i < n->cap_copies; i++)
		stack_copy_release(&n->copies[i]);
	free(n->copies);
	free(n->merged_copy);
	free(n->symbol_ids);
	free(n->entries);
	sample_release(&n->merged);
	free(n);
}

int native_hold(struct native *n)
{
	int err = n->detached ? -ESRCH : threadstop_hold(&n->stop);
	size_t i;

	if (err)
		return err;
	if (n->stop.count > n->cap_copies) {
		n->copies = xreallocarray(n->copies, n->stop.count, sizeof(*n->copies));
		n->merged_copy = xreallocarray(n->merged_copy, n->stop.count, sizeof(bool));
		memset(n->copies + n->cap_copies, 0,
		       (n->stop.count - n->cap_copies) * sizeof(*n->copies));
		n->cap_copies = n->stop.count;
	}
	n->n_copies = n->stop.count;
	for (i = 0; i < n->n_copies; i++) {
		const struct held_thread *t = &n->stop.threads[i];

		n->merged_copy[i] = false;
		if (!t->held || stack_copy_take(&n->copies[i], &n->stop, n->pid, t->tid) != 0)
			n->copies[i].taken = false;
	}
	return 0;
}

/* Bucket of a pause: its power of two, and the next three bits. */
static size_t pause_bucket(uint64_t ns)
{
	unsigned power;

	if (ns < 8)
		return (size_t)ns;
	power = 63u - (unsigned)__builtin_clzll(ns);
	return power * 8 + ((ns >> (power - 3)) & 7);
}

void native_resume(struct native *n, struct native_stats *stats)
{
	uint64_t held_ns = threadstop_resume(&n->stop);

	if (!stats)
		return;
	stats->pauses[pause_bucket(held_ns)]++;
	stats->held++;
}

uint64_t native_stats_pause(const struct native_stats *stats, double quantile)
{
	uint64_t total = 0, seen = 0, rank;
	size_t i;

	for (i = 0; i < NATIVE_PAUSE_BUCKETS; i++)
		total += stats->pauses[i];
	if (!total)
		return 0;
	rank = (uint64_t)(quantile * (double)(total - 1));
	for (i = 0; i < NATIVE_PAUSE_BUCKETS; i++) {
		seen += stats->pauses[i];
		if (seen > rank)
			break;
	}
	if (i < 8)
		return i;
	/* The middle of the bucket. */
	return ((8 + (uint64_t)(i & 7)) << (i / 8 - 3)) + ((1ull << (i / 8 - 3)) >> 1);
}

bool native_thread_idle(const struct native *n, uint32_t tid)
{
	char state = threadstop_state_before(&n->stop, (pid_t)tid);

	return state && state != 'R';
}

static size_t copy_of(const struct native *n, uint32_t tid)
{
	for (size_t i = 0; i < n->n_copies; i++)
		if (n->copies[i].taken && (uint32_t)n->copies[i].tid == tid)
			return i;
	return SIZE_MAX;
}

/* The anchor whose address lies in native frame k's part of the stack:
 * from its stack pointer up to its caller's. */
static size_t anchor_in_frame(const struct native_chain *chain, size_t k,
			      const struct native_anchors *anchors)
{
	uint64_t low = chain->sps[k];
	uint64_t high = k + 1 < chain->count ? chain->sps[k + 1] : UINT64_MAX;

	if (!anchors || !low)
		return NATIVE_NO_ANCHOR;
	for (size_t i = 0; i < anchors->count; i++)
		if (anchors->items[i].addr >= low && anchors->items[i].addr < high)
			return anchors->items[i].older;
	return NATIVE_NO_ANCHOR;
}

/* Name every address of the chain; the entries point into the symbol
 * cache, so they are made only once no lookup can clear it. */
static void name_chain(struct native *n, const struct native_anchors *anchors)
{
	size_t i, count = n->chain.count;
	uint64_t generation;

	if (count > n->cap_entries) {
		n->entries = xreallocarray(n->entries, count, sizeof(*n->entries));
		n->symbol_ids = xreallocarray(n->symbol_ids, count, sizeof(*n->symbol_ids));
		n->cap_entries = count;
	}
	do {
		generation = n->unwinder.generation;
		for (i = 0; i < count; i++)
			n->symbol_ids[i] = native_syms_find(&n->syms, n->chain.pcs[i]);
	} while (generation != n->unwinder.generation);
	for (i = 0; i < count; i++) {
		const struct native_symbol *symbol = &n->syms.symbols[n->symbol_ids[i]];

		n->entries[i] = (struct native_entry){
			native_symbol_frames(&n->syms, symbol), symbol->count, symbol->flags,
			anchor_in_frame(&n->chain, i, anchors),
		};
	}
}

static void merge_thread(struct native *n, const struct native_options *options,
			 const struct sample_thread *thread, const struct sample_frame *python,
			 size_t copy, const struct native_anchors *anchors)
{
	struct sample_thread *added = sample_add_thread(&n->merged, thread->tid);
	struct merge_input in = {
		.python = python, .n_python = thread->n_frames,
		.show_internals = options->show_internals, .lost_name = n->lost_name,
	};

	added->name = thread->name;
	added->flags = thread->flags;
	n->chain.count = 0;
	n->chain.complete = false;
	if (copy != SIZE_MAX) {
		unwinder_walk(&n->unwinder, &n->copies[copy], &n->chain);
		name_chain(n, anchors);
		n->merged_copy[copy] = true;
	}
	in.natives = n->entries;
	in.n_natives = n->chain.count;
	in.complete = n->chain.complete;
	if (options->stats)
		options->stats->threads++;
	if (mixedstack_merge(&in, &n->merged) && options->stats)
		options->stats->lost++;
}

/* The threads that run no Python, as far as options want them. */
static void add_native_threads(struct native *n, const struct native_options *options)
{
	for (size_t i = 0; i < n->n_copies && !options->python_only; i++) {
		struct sample_thread thread = { .tid = (uint32_t)n->copies[i].tid };

		if (!n->copies[i].taken || n->merged_copy[i])
			continue;
		if (native_thread_idle(n, thread.tid))
			thread.flags |= SAMPLE_THREAD_IDLE;
		if ((thread.flags & SAMPLE_THREAD_IDLE) && !options->walk_idle)
			continue;
		merge_thread(n, options, &thread, NULL, i, NULL);
	}
}

void native_merge(struct native *n, const struct native_options *options,
		  struct sample *sample, const struct native_anchors *anchors)
{
	uint64_t lookups = n->syms.lookups, misses = n->syms.misses;
	struct sample swap;

	sample_clear(&n->merged);
	n->merged.time_ns = sample->time_ns;
	n->merged.pid = sample->pid;
	n->merged.process_name = sample->process_name;
	for (size_t i = 0; i < sample->n_threads; i++) {
		const struct sample_thread *thread = &sample->threads[i];

		merge_thread(n, options, thread, sample_thread_frames(sample, thread),
			     thread->tid ? copy_of(n, thread->tid) : SIZE_MAX,
			     anchors ? &anchors[i] : NULL);
	}
	add_native_threads(n, options);
	if (options->stats) {
		options->stats->symbol_lookups += n->syms.lookups - lookups;
		options->stats->symbol_misses += n->syms.misses - misses;
	}
	swap = *sample;
	*sample = n->merged;
	n->merged = swap;
}

void native_detach(struct native *n)
{
	pid_t pid = n->stop.pid;

	threadstop_release(&n->stop);
	threadstop_init(&n->stop, pid, false);
	n->detached = true;
}
