/*
 * unwind.c - native call chains from copied stacks, with libdw (unwind.h).
 * The only file that drives libdw's unwinder; it reads nothing live.
 */
#include "unwind.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <stdlib.h>
#include <string.h>

#include "../base/monotonic.h"
#include "../base/xalloc.h"
#include "../base/index.h"
#include "mem.h"
#include "procfs.h"

/* The x86-64 ABI's red zone: 128 bytes below the stack pointer. */
#define RED_ZONE 128

/* An unknown address reports the modules again at most this often: a
 * garbage return address must not make every sample re-read the maps.
 * The wait starts short and doubles each time the maps had not changed,
 * up to the longest: a program that is importing (mapping extension
 * modules and their libraries one after another) gets each one known at
 * the sample that meets it, not up to ten samples later. */
#define REPORT_INTERVAL_MIN_NS 1000000ull
#define REPORT_INTERVAL_MAX_NS 100000000ull

/* libdw wants a pointer to the search path; NULL is its default path. */
static char *const debuginfo_path;

static const Dwfl_Callbacks module_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = (char **)&debuginfo_path,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	(void)dwfl;
	(void)arg;
	(void)thread_arg;
	return 0;   /* threads are asked for by id only */
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_arg)
{
	struct unwinder *u = arg;

	(void)dwfl;
	*thread_arg = u;
	return u->current && u->current->tid == tid;
}

/* Every word the unwinder reads comes from the copy, or not at all. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	const struct stack_copy *copy = ((struct unwinder *)arg)->current;

	(void)dwfl;
	if (addr < copy->base || addr - copy->base > copy->len ||
	    copy->len - (addr - copy->base) < sizeof(*result))
		return false;
	memcpy(result, copy->bytes + (addr - copy->base), sizeof(*result));
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct stack_copy *copy = ((struct unwinder *)thread_arg)->current;

	return dwfl_thread_state_registers(thread, 0, NATIVE_REGS, copy->regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* Whether the file at name is the one a maps line says is mapped. */
static bool same_file(const char *name, const char *line)
{
	unsigned dev_major, dev_minor;
	unsigned long long inode;
	struct stat st;

	/* "START-END PERMS OFFSET MAJOR:MINOR INODE PATH" */
	if (sscanf(line, "%*s %*s %*s %x:%x %llu", &dev_major, &dev_minor, &inode) != 3)
		return false;
	return stat(name, &st) == 0 && st.st_ino == (ino_t)inode &&
	       st.st_dev == makedev(dev_major, dev_minor);
}

/*
 * The name the rewritten maps give the file at path, added when new.  The
 * path itself when it opens the file mapped (a debug file beside it is then
 * found too); else the path under the process's root (a container); else
 * the magic link of its first mapping, which opens the very file mapped
 * even after it was replaced or deleted.
 */
static const char *link_name(struct unwinder *u, const char *path, size_t path_len,
			     const char *line)
{
	struct mapped_file *file;
	uint64_t start, end;
	size_t i, cap;

	for (i = 0; i < u->n_files; i++)
		if (strlen(u->files[i].path) == path_len &&
		    memcmp(u->files[i].path, path, path_len) == 0)
			return u->files[i].link;
	XGROW(u->files, u->cap_files, u->n_files + 1);
	file = &u->files[u->n_files++];
	file->path = xstrndup(path, path_len);
	cap = path_len + 80;
	file->link = xmalloc(cap);
	if (same_file(file->path, line)) {
		snprintf(file->link, cap, "%s", file->path);
		return file->link;
	}
	snprintf(file->link, cap, "/proc/%d/root%s", (int)u->pid, file->path);
	if (same_file(file->link, line))
		return file->link;
	/* maps pads addresses to 8 digits; map_files' names are not padded. */
	if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2)
		start = end = 0;
	snprintf(file->link, cap, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)u->pid, start,
		 end);
	return file->link;
}

static void forget_files(struct unwinder *u)
{
	for (size_t i = 0; i < u->n_files; i++) {
		free(u->files[i].path);
		free(u->files[i].link);
	}
	u->n_files = 0;
}

/* The maps text with each file named by link_name(), into *rewritten. */
static int rewrite_maps(struct unwinder *u, const char *text, char **rewritten, size_t *used)
{
	const char *line, *next;
	FILE *maps;

	forget_files(u);
	*rewritten = NULL;
	*used = 0;
	maps = open_memstream(rewritten, used);
	if (!maps)
		return -ENOMEM;
	for (line = text; line && *line; line = next) {
		const char *end = strchr(line, '\n'), *slash = NULL, *blank = strchr(line, ' ');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		next = end ? end + 1 : NULL;
		/* The path is the sixth field: the first " /" of the line. */
		for (const char *at = line + 1; at < line + n; at++) {
			if (*at == '/' && at[-1] == ' ') {
				slash = at;
				break;
			}
		}
		if (!slash || !blank || blank > slash) {
			fprintf(maps, "%.*s\n", (int)n, line);
			continue;
		}
		fprintf(maps, "%.*s%s\n", (int)(slash - line), line,
			link_name(u, slash, (size_t)(line + n - slash), line));
	}
	fclose(maps);
	return 0;
}

/*
 * Report the vDSO, whose maps line names no file: reading the maps from a
 * stream, libdw leaves it out (it finds it only from the auxiliary vector
 * of a process it reads itself), and a thread stopped in it, in
 * clock_gettime() say, could not be unwound.  Named so, libdw reads its
 * image from the process's memory.
 */
static void report_vdso(struct unwinder *u, const char *maps_text)
{
	const char *line = strstr(maps_text, "[vdso]");
	uint64_t start, end;
	char name[32];

	if (!line)
		return;
	while (line > maps_text && line[-1] != '\n')
		line--;
	if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2)
		return;
	snprintf(name, sizeof(name), "[vdso: %d]", (int)u->pid);
	dwfl_report_module(u->dwfl, name, start, end);
}

/*
 * Report the modules, when the maps changed since they were last reported:
 * a program that only runs on keeps its modules, and every name found in
 * them (the generation moves only on a change).
 */
static int report_modules(struct unwinder *u)
{
	char path[64], *text, *rewritten;
	size_t len, used;
	uint64_t hash;
	FILE *maps;
	int err;

	u->last_report_ns = monotonic_ns();
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)u->pid);
	err = procfs_slurp(path, &text, &len);
	if (err)
		return err;
	/* The maps as read, before any file is looked at: an unknown
	 * address (the vDSO, a trampoline) costs one read, not a stat per
	 * file, when nothing changed. */
	hash = index_hash(text, len);
	if (u->generation && hash == u->maps_hash) {
		free(text);
		u->report_interval_ns = u->report_interval_ns * 2 > REPORT_INTERVAL_MAX_NS
					? REPORT_INTERVAL_MAX_NS : u->report_interval_ns * 2;
		return 0;
	}
	u->report_interval_ns = REPORT_INTERVAL_MIN_NS;
	err = rewrite_maps(u, text, &rewritten, &used);
	if (err) {
		free(text);
		return err;
	}
	maps = fmemopen(rewritten, used, "r");
	if (!maps) {
		free(text);
		free(rewritten);
		return -ENOMEM;
	}
	dwfl_report_begin(u->dwfl);
	err = dwfl_linux_proc_maps_report(u->dwfl, maps);
	if (!err)
		report_vdso(u, text);
	if (dwfl_report_end(u->dwfl, NULL, NULL) != 0 && !err)
		err = -1;
	fclose(maps);
	free(rewritten);
	free(text);
	u->maps_hash = hash;
	u->generation++;
	return err > 0 ? -err : err < 0 ? -EINVAL : 0;
}

const char *unwind_file_name(const struct unwinder *u, const char *name)
{
	/* As the maps say: the pid libdw needs in the name would make the
	 * same frame differ from one run to the next. */
	if (strncmp(name, "[vdso: ", 7) == 0)
		return "[vdso]";
	for (size_t i = 0; i < u->n_files; i++)
		if (strcmp(u->files[i].link, name) == 0)
			return u->files[i].path;
	return name;
}


int unwinder_open(struct unwinder *u, pid_t pid)
{
	int err;

	memset(u, 0, sizeof(*u));
	u->pid = pid;
	u->dwfl = dwfl_begin(&module_callbacks);
	if (!u->dwfl)
		return -ENOMEM;
	err = report_modules(u);
	if (!err && !dwfl_attach_state(u->dwfl, NULL, pid, &thread_callbacks, u))
		err = -EINVAL;
	if (err) {
		dwfl_end(u->dwfl);
		u->dwfl = NULL;
	}
	return err;
}

void unwinder_release(struct unwinder *u)
{
	if (u->dwfl)
		dwfl_end(u->dwfl);
	u->dwfl = NULL;
	forget_files(u);
	free(u->files);
	u->files = NULL;
	u->cap_files = 0;
}

int stack_copy_take(struct stack_copy *copy, const struct threadstop *ts, pid_t pid,
		    pid_t tid)
{
	ssize_t got;

	copy->tid = tid;
	copy->taken = false;
	copy->len = 0;
	if (threadstop_regs(ts, tid, copy->regs) != 0)
		return -ESRCH;
	if (!copy->bytes) {
		copy->cap = STACK_COPY_MAX;
		copy->bytes = xmalloc(copy->cap);
	}
	/* From the red zone below the stack pointer: a thread stopped in an
	 * epilogue has popped its caller's registers, and the unwind table
	 * restores them from there.  The main thread's stack may end just
	 * below the stack pointer: then the copy starts at it. */
	copy->base = copy->regs[NATIVE_REG_SP] - RED_ZONE;
	got = mem_read_upto(pid, copy->base, copy->bytes, copy->cap);
	if (got <= 0) {
		copy->base = copy->regs[NATIVE_REG_SP];
		got = mem_read_upto(pid, copy->base, copy->bytes, copy->cap);
	}
	copy->len = got > 0 ? (size_t)got : 0;
	copy->taken = true;
	return 0;
}

void stack_copy_release(struct stack_copy *copy)
{
	free(copy->bytes);
	memset(copy, 0, sizeof(*copy));
}

static int take_frame(Dwfl_Frame *frame, void *arg)
{
	struct unwinder *u = arg;
	struct native_chain *chain = u->chain;
	Dwarf_Addr pc;
	Dwarf_Word sp;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	/* A return address names the instruction after the call. */
	if (!activation && pc)
		pc--;
	if (!pc || chain->count == UNWIND_MAX_FRAMES)
		return DWARF_CB_ABORT;
	if (dwfl_frame_reg(frame, NATIVE_REG_SP, &sp) != 0)
		sp = 0;
	chain->sps[chain->count] = sp;
	chain->pcs[chain->count++] = pc;
	return DWARF_CB_OK;
}

static void walk_from(struct unwinder *u, const struct stack_copy *copy,
		      struct native_chain *chain)
{
	int result;

	u->current = copy;
	u->chain = chain;
	result = dwfl_getthread_frames(u->dwfl, copy->tid, take_frame, u);
	/* libdw ends a chain at a frame whose return address is undefined (the
	 * thread's first) without an error. */
	chain->complete = result == 0 && chain->count > 0;
	u->current = NULL;
	u->chain = NULL;
}

/*
 * Code outside every file (a libffi closure trampoline, JIT code) has no
 * unwind table, nor has some hand-written assembly in libraries (string
 * functions).  Such code pushes little or nothing: the return address is
 * one of the first words at the stack pointer.  Each is tried; the first
 * from which the chain reaches the thread's start is kept, else the chain
 * stays cut short as it was.
 */
#define STUB_WORDS 3

static void walk_past_stub(struct unwinder *u, const struct stack_copy *copy,
			   struct native_chain *chain)
{
	uint64_t stub_pc = chain->pcs[0], at = copy->regs[NATIVE_REG_SP] - copy->base;
	size_t i, word;

	for (word = 0; word < STUB_WORDS && at + (word + 1) * 8 <= copy->len; word++) {
		struct stack_copy caller = *copy;

		memcpy(&caller.regs[NATIVE_REG_IP], copy->bytes + at + word * 8, 8);
		caller.regs[NATIVE_REG_SP] += (word + 1) * 8;
		if (!dwfl_addrmodule(u->dwfl, caller.regs[NATIVE_REG_IP]))
			continue;
		chain->count = 0;
		walk_from(u, &caller, chain);
		if (chain->complete && chain->count + 1 <= UNWIND_MAX_FRAMES)
			break;
	}
	if (word == STUB_WORDS || at + (word + 1) * 8 > copy->len) {
		chain->count = 1;
		chain->complete = false;
		chain->pcs[0] = stub_pc;
		chain->sps[0] = copy->regs[NATIVE_REG_SP];
		return;
	}
	for (i = chain->count; i > 0; i--) {
		chain->pcs[i] = chain->pcs[i - 1];
		chain->sps[i] = chain->sps[i - 1];
	}
	chain->count++;
	chain->pcs[0] = stub_pc;
	chain->sps[0] = copy->regs[NATIVE_REG_SP];
	/* The caller's pc was a return address, taken as a running one. */
	chain->pcs[1]--;
}

void unwinder_walk(struct unwinder *u, const struct stack_copy *copy,
		   struct native_chain *chain)
{
	chain->count = 0;
	chain->complete = false;
	if (!u->dwfl || !copy->taken)
		return;
	unwinder_knows(u, copy->regs[NATIVE_REG_IP]);
	walk_from(u, copy, chain);
	if (!chain->complete && chain->count <= 1) {
		chain->count = 1;
		chain->pcs[0] = copy->regs[NATIVE_REG_IP];
		chain->sps[0] = copy->regs[NATIVE_REG_SP];
		walk_past_stub(u, copy, chain);
	}
}

bool unwinder_knows(struct unwinder *u, uint64_t pc)
{
	if (!u->dwfl)
		return false;
	if (dwfl_addrmodule(u->dwfl, pc))
		return true;
	if (monotonic_ns() - u->last_report_ns < u->report_interval_ns)
		return false;
	report_modules(u);
	return dwfl_addrmodule(u->dwfl, pc) != NULL;
}
