/*
 * pyproc.c - attaching to a CPython process and sampling it (see pyproc.h).
 *
 * A sample has three phases, all reading through the snapshot, which copies
 * at its start everything the previous sample needed in one batched read:
 *   1. list the thread states of every interpreter (threadlist.h);
 *   2. walk each thread's frame chain (its data-stack chunk copied whole)
 *      and settle what the copy holds into one moment's stack
 *      (settle_thread);
 *   3. resolve the code objects of all threads together and turn positions
 *      into lines (emit.h).
 * A thread whose copy cannot be settled (it changed too much while being
 * read) is walked again from fresh reads, up to RETRIES times, before its
 * sample counts as an error.
 */
#include "pyproc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "../base/errors.h"
#include "../base/monotonic.h"
#include "../base/xalloc.h"
#include "asynctasks.h"
#include "binary.h"
#include "codecache.h"
#include "emit.h"
#include "fields.h"
#include "framevars.h"
#include "idlethreads.h"
#include "landmarks.h"
#include "layout.h"
#include "maps.h"
#include "mem.h"
#include "procfs.h"
#include "settle.h"
#include "snapshot.h"
#include "stackmemo.h"
#include "stackwalk.h"
#include "threadids.h"
#include "threadlist.h"
#include "native.h"

/* Fresh walks of a torn thread before its sample counts as an error. */
#define RETRIES 8

/* What a sample's walk made of one thread (of threads.items, by index). */
struct thread_walk {
	size_t raw_start, raw_count;   /* its frames in raw */
	struct thread_memo *memo;  /* what the last sample made of its stack */
	int error;                 /* why its walk failed, 0 if it did not */
	size_t anchor_start, anchor_count;  /* --native: its entry frames in anchors */
	/* --async: the chain below its running task, in async.items */
	size_t async_start, async_count;
	size_t async_keep;         /* its frames to keep, innermost first */
	size_t async_keep_emitted; /* the same counted in the sample's frames
				    * (marks such as <GC> above them included) */
};

/* --async --idle: a task waiting, shown as a thread of its own. */
struct waiting_task {
	uint32_t tid, name;        /* of the thread whose loop it belongs to */
	size_t start, count;       /* its chain, in async.items */
};

struct pyproc {
	pid_t pid;
	struct maps maps;
	struct py_binary bin;
	struct py_version version;
	struct py_layout layout;
	struct strtab *strings;
	struct code_cache codes;
	struct thread_list threads;
	struct idle_threads idle;
	struct snapshot snap;
	struct stackwalk walker;
	struct stackmemo memo;
	uint32_t sample_count;

	struct thread_walk *walks;
	size_t cap_walks;
	struct raw_frames raw;
	struct emitter emit;       /* phase 3 */
	struct pyobj_reader objects;   /* for dump's frame variables */
	uint64_t retries;
	size_t last_syscalls;
	uint64_t version_rescan_ns;   /* when to look for the micro version again */
	uint64_t version_backoff_ns;  /* and how long to wait after that */
	struct native *native;        /* --native: opened at its first sample */
	bool eval_entries;            /* this sample marks SAMPLE_FRAME_EVAL_ENTRY */
	struct native_anchor *anchors;   /* the entry frames each walk passed */
	size_t n_anchors, cap_anchors;
	struct native_anchors *thread_anchors;   /* by sample thread */
	size_t cap_thread_anchors;
	struct async_tasks async;     /* --async */
	struct waiting_task *waiting;
	size_t n_waiting, cap_waiting;
	uint64_t *task_list, *running_tasks;
	size_t cap_task_list, n_running, cap_running;
	struct sample spliced;        /* --async: the sample, chains added */
	/* The threads the sample's Python frames were emitted for (SIZE_MAX
	 * until they are, this sample): merging keeps them first. */
	size_t python_threads;
};

int pyproc_frame_vars(struct pyproc *p, const struct sample *sample, size_t thread,
		      size_t frame, struct frame_vars *vars)
{
	const struct thread_walk *walked;
	const struct raw_frame *raw;
	size_t i = emitter_source(&p->emit, sample, thread);

	if (i == SIZE_MAX)
		return PP_EBADDATA;
	walked = &p->walks[i];
	if (frame >= walked->raw_count || p->threads.items[i].tid != sample->threads[thread].tid)
		return PP_EBADDATA;
	raw = &p->raw.items[walked->raw_start + frame];
	return framevars_read(&p->objects, raw->addr, raw->code, vars);
}

/* --- opening --- */

static int read_debug_offsets(struct pyproc *p, uint8_t **block, size_t *len)
{
	/* The block's size depends on the minor version; every layout row
	 * of that minor knows it. */
	const struct py_layout *row = layout_find(p->version.major, p->version.minor, false);
	int err;

	*block = NULL;
	if (!row || !row->debug_offsets_size || !p->bin.runtime)
		return 0;
	*len = row->debug_offsets_size;
	*block = xmalloc(*len);
	err = mem_read(p->pid, p->bin.runtime, *block, *len);
	if (err) {
		free(*block);
		*block = NULL;
	}
	return err;
}

static int choose_layout(struct pyproc *p, struct pyproc_details *details)
{
	const struct py_layout *row;
	uint8_t *block = NULL;
	size_t block_len = 0;
	int err;

	/* 3.13+: the target describes itself, including whether it is a
	 * free-threaded build (which selects another row). */
	err = read_debug_offsets(p, &block, &block_len);
	if (err)
		return err;
	if (block && memcmp(block, "xdebugpy", 8) == 0) {
		if (!p->bin.version_hex) {
			version_from_hex((uint32_t)load_u64(block, 8), &p->version);
			p->version.source = "_Py_DebugOffsets";
		}
		p->version.free_threaded = load_u64(block, 16) == 1;
	}
	version_format(&p->version, details->version, sizeof(details->version));
	row = layout_find(p->version.major, p->version.minor, p->version.free_threaded);
	if (!row) {
		free(block);
		return PP_EVERSION;
	}
	p->layout = *row;
	if (block) {
		err = layout_apply_debug_offsets(&p->layout, block, block_len, p->bin.version_hex);
		free(block);
		if (err)
			return err;
	} else if (row->debug_offsets_size) {
		return PP_EBADDATA;
	}
	return 0;
}

static int read_interp_head(struct pyproc *p, uint64_t *interp)
{
	uint64_t at = threadlist_head_addr(&p->layout, &p->bin);

	return at ? mem_read_u64(p->pid, at, interp) : PP_ENOTPYTHON;
}

int pyproc_open(pid_t pid, struct strtab *strings, struct pyproc **out,
		struct pyproc_details *details)
{
	struct pyproc *p = xcalloc(1, sizeof(*p));
	uint64_t interp = 0;
	int err;

	memset(details, 0, sizeof(*details));
	layout_supported(details->supported, sizeof(details->supported));
	p->pid = pid;
	p->strings = strings;
	*out = NULL;
	err = maps_load(&p->maps, pid);
	if (err == -EACCES)
		err = -EPERM;
	if (!err)
		err = binary_find(pid, &p->maps, &p->bin);
	if (!err) {
		snprintf(details->binary, sizeof(details->binary), "%s", p->bin.path);
		err = version_detect(pid, &p->bin, &p->version);
	}
	if (!err)
		err = choose_layout(p, details);
	if (!err)
		err = read_interp_head(p, &interp);
	if (!err && !interp)
		err = PP_ENOTREADY;
	if (err) {
		maps_release(&p->maps);
		free(p);
		return err;
	}
	p->version_backoff_ns = 5000000;
	codecache_init(&p->codes, pid, &p->layout, p->bin.code_type,
		       p->layout.rule_strings == STRINGS_BYTES ? p->bin.string_type
							      : p->bin.unicode_type,
		       p->bin.string_type, strings);
	threadlist_init(&p->threads, pid, &p->layout, &p->bin, p->version.free_threaded, strings);
	idle_threads_init(&p->idle, pid);
	snapshot_init(&p->snap, pid);
	stackwalk_init(&p->walker, &p->layout, &p->snap);
	stackmemo_init(&p->memo);
	pyobj_init(&p->objects, pid, &p->layout);
	emitter_init(&p->emit);
	asynctasks_init(&p->async, pid, &p->layout, &p->bin, strings);
	sample_init(&p->spliced);
	p->emit.gc_mark = strtab_intern_cstr(strings, SAMPLE_GC_MARK);
	p->emit.gil_wait_mark = strtab_intern_cstr(strings, SAMPLE_GIL_WAIT_MARK);
	*out = p;
	return 0;
}

void pyproc_free(struct pyproc *p)
{
	if (!p)
		return;
	native_free(p->native);
	free(p->walks);
	free(p->anchors);
	free(p->thread_anchors);
	raw_frames_release(&p->raw);
	stackwalk_release(&p->walker);
	stackmemo_release(&p->memo);
	emitter_release(&p->emit);
	asynctasks_release(&p->async);
	free(p->waiting);
	free(p->task_list);
	free(p->running_tasks);
	sample_release(&p->spliced);
	codecache_release(&p->codes);
	idle_threads_release(&p->idle);
	threadlist_release(&p->threads);
	snapshot_release(&p->snap);
	maps_release(&p->maps);
	free(p);
}

const struct py_version *pyproc_version(const struct pyproc *p)
{
	return &p->version;
}

pid_t pyproc_pid(const struct pyproc *p)
{
	return p->pid;
}

bool pyproc_sees_gc(const struct pyproc *p)
{
	const struct py_layout *L = &p->layout;

	return L->interp_gc != LAYOUT_ABSENT || (L->runtime_gc != LAYOUT_ABSENT && p->bin.runtime) ||
	       p->bin.gc_collecting;
}

bool pyproc_sees_gil_waits(const struct pyproc *p)
{
	const struct py_layout *L = &p->layout;

	return L->runtime_gil != LAYOUT_ABSENT || L->interp_gil_ptr != LAYOUT_ABSENT ||
	       p->bin.interpreter_lock || p->bin.gil_mutex;
}

bool pyproc_sees_tasks(const struct pyproc *p)
{
	return asynctasks_readable(&p->layout);
}

void pyproc_describe(const struct pyproc *p, char *buf, size_t size)
{
	struct py_version plain = p->version;
	char version[48];

	plain.free_threaded = false;
	version_format(&plain, version, sizeof(version));
	snprintf(buf, size, "CPython %s%s", version,
		 p->version.free_threaded ? " (free-threaded)" : "");
}

void pyproc_stats(const struct pyproc *p, struct pyproc_stats *stats)
{
	stats->code_hits = p->codes.stats.hits;
	stats->code_misses = p->codes.stats.misses;
	stats->code_invalidated = p->codes.stats.invalidated;
	stats->retries = p->retries;
	stats->snapshot_bytes = p->snap.bytes;
	stats->reads_last_sample = p->last_syscalls;
	stats->name_lookups = p->threads.names.reads;
}

/* --- phase 2: walking --- */

/* Whose walk frame_facts() is asked about. */
struct walk_ctx {
	struct pyproc *p;
	struct thread_walk *walked;
};

/* What settling a walk needs to know of a frame's code (stackwalk.h). */
/* <= 3.10: a popped frame's code's zombie frame, as of this sample (it
 * changes from sample to sample, so it is never memoized). */
static void note_zombie(struct pyproc *p, const struct raw_frame *frame, struct code_facts *facts)
{
	const uint8_t *code;

	if (p->layout.code_zombieframe == LAYOUT_ABSENT || !(frame->flags & RAW_POPPED))
		return;
	code = snapshot_find(&p->snap, frame->code, p->codes.span, 0);
	if (code)
		memcpy(&facts->zombie_frame, code + p->layout.code_zombieframe, 8);
}

static int frame_facts(void *ctx, const struct raw_frame *frame, struct code_facts *facts)
{
	const struct walk_ctx *walking = ctx;
	struct pyproc *p = walking->p;
	const struct thread_walk *walked = walking->walked;
	const struct code_info *info;
	struct memo_frame *memo = NULL;
	int64_t offset;
	int err;

	/* A frame of the walk that matched the last sample's: its facts are
	 * known (depth from the oldest does not move as settling drops or adds
	 * newest frames; stackmemo_at() tells a frame added where one was
	 * dropped). */
	if (frame >= p->raw.items + walked->raw_start && frame < p->raw.items + p->raw.count) {
		size_t depth = (size_t)(p->raw.items + p->raw.count - 1 - frame);

		memo = stackmemo_at(walked->memo, depth, frame);
		if (memo && memo->has_facts) {
			*facts = memo->facts;
			note_zombie(p, frame, facts);
			return 0;
		}
	}
	memset(facts, 0, sizeof(*facts));
	err = codecache_resolve(&p->codes, &p->snap, &frame->code, 1, &info);
	if (err)
		return err;
	if (!info)
		return 0;
	err = codecache_offset(&p->codes, info, frame->position, frame->tlbc_index, &offset);
	if (pp_error_ends_target(err))
		return err;
	if (err)
		return 0;
	facts->known = true;
	facts->left = landmarks_leaves(&info->marks, offset);
	facts->started = offset > info->first_traceable;
	facts->at_call = landmarks_calls(&info->marks, offset);
	facts->at_send = landmarks_sends(&info->marks, offset);
	facts->at_iterate = landmarks_iterates(&info->marks, offset);
	facts->framesize = info->framesize;
	facts->shim = info->shim;
	facts->resumable = info->resumable;
	facts->generator = info->generator;
	facts->coroutine = info->coroutine;
	facts->awaits = info->awaits;
	if (memo) {
		memo->facts = *facts;
		memo->has_facts = true;
	}
	note_zombie(p, frame, facts);
	return 0;
}

/* Walk a thread and settle what was copied into one moment's stack. */
/* --native: the interpreter's entry frames the walk passed on the C stack,
 * which tell the evaluation loops apart on the native stack. */
static void keep_anchors(struct pyproc *p, struct thread_walk *walked)
{
	const struct stackwalk *w = &p->walker;
	size_t walked_frames = p->raw.count - walked->raw_start;

	walked->anchor_start = p->n_anchors;
	walked->anchor_count = w->n_passed;
	XGROW(p->anchors, p->cap_anchors, p->n_anchors + w->n_passed);
	for (size_t i = 0; i < w->n_passed; i++)
		p->anchors[p->n_anchors++] = (struct native_anchor){
			w->passed[i].addr, walked_frames - w->passed[i].newer,
		};
}

static int walk(struct pyproc *p, size_t i)
{
	const struct py_thread *thread = &p->threads.items[i];
	struct thread_walk *walked = &p->walks[i];
	struct walk_ctx walking = { p, walked };
	struct stack_origin origin;
	int err;

	/* Group i + 1: the thread's state was copied in it (threadlist.h). */
	snapshot_set_group(&p->snap, (uint32_t)i + 1);
	p->walker.group = (uint32_t)i + 1;
	walked->raw_start = p->raw.count;
	walked->memo = stackmemo_thread(&p->memo, thread->addr);
	err = stackwalk_origin(&p->walker, thread->addr, thread->copy, &origin);
	if (!err)
		err = stackwalk_thread(&p->walker, &origin, &p->raw);
	if (!err && p->native)
		keep_anchors(p, walked);
	if (!err) {
		size_t count = p->raw.count - walked->raw_start;

		stackmemo_match(walked->memo, p->raw.items + walked->raw_start, count);
		p->walker.steady_frames = stackmemo_steady(walked->memo);
		p->walker.steady_walked = walked->memo->n;
		err = settle_thread(&p->walker, &origin, &p->raw, walked->raw_start,
				    frame_facts, &walking);
		walked->memo->walked_quiet = !err && p->walker.quiet;
	}
	snapshot_set_group(&p->snap, 0);
	if (err)
		p->raw.count = walked->raw_start;
	walked->raw_count = p->raw.count - walked->raw_start;
	return err;
}

/* --- phase 3: names and lines --- */

/* Thread i's walk, as emit.h takes it. */
static struct emit_walk walk_of(const struct pyproc *p, size_t i)
{
	const struct thread_walk *walked = &p->walks[i];

	return (struct emit_walk){ p->raw.items + walked->raw_start, walked->raw_count,
				   walked->memo, p->layout.rule_lasti != LASTI_POINTER,
				   p->eval_entries };
}

/* --- the sample --- */

/*
 * A Python found while starting (launched by peekpy) may not have formatted
 * its version string yet, leaving only major.minor from the file name: look
 * again while it runs, soon after start, then every second at most.  Timed
 * rather than counted: on a loaded machine starting can take long.
 */
static void refine_version(struct pyproc *p, uint64_t now)
{
	struct py_version found;

	if (p->version.micro >= 0 || now < p->version_rescan_ns)
		return;
	p->version_rescan_ns = now + p->version_backoff_ns;
	if (p->version_backoff_ns < 1000000000u)
		p->version_backoff_ns *= 2;
	if (version_detect(p->pid, &p->bin, &found) == 0 && found.micro >= 0 &&
	    found.major == p->version.major && found.minor == p->version.minor) {
		found.free_threaded = p->version.free_threaded;
		p->version = found;
	}
}

/* Asleep on a futex inside the GIL: waiting for it, not for I/O or a lock. */
static bool waits_for_gil(struct pyproc *p, uint32_t tid)
{
	long number;
	uint64_t futex;

	return idle_threads_syscall(&p->idle, tid, &number, &futex) == 0 &&
	       number == SYS_futex && threadlist_in_gil(&p->threads, futex);
}

static void classify_idle(struct pyproc *p, const struct pyproc_options *options, uint64_t now)
{
	size_t i;

	/* Asked only for the GIL's holder, or for every thread unmarked:
	 * nothing to ask the kernel. */
	if (options->gil_only || (!options->mark_idle && options->walk_idle))
		return;
	idle_threads_begin(&p->idle, p->threads.count);
	for (i = 0; i < p->threads.count; i++) {
		struct py_thread *thread = &p->threads.items[i];

		/* A thread running Python needs no question to the kernel. */
		if (thread->running || !thread->tid || thread->tid == THREAD_ID_GONE)
			continue;
		if (options->native && p->native
		    ? native_thread_idle(p->native, thread->tid)
		    : idle_threads_ask(&p->idle, thread->tid, thread->copy, p->threads.tstate_span,
				       now))
			thread->flags |= SAMPLE_THREAD_IDLE;
		if ((thread->flags & SAMPLE_THREAD_IDLE) && options->gil_wait &&
		    waits_for_gil(p, thread->tid))
			thread->flags |= SAMPLE_THREAD_GIL_WAIT;
	}
	idle_threads_end(&p->idle, now);
}

static bool wanted(const struct py_thread *thread, const struct pyproc_options *options)
{
	if (thread->tid == THREAD_ID_GONE)
		return false;   /* a state a fork left behind: no thread */
	if (options->exceptions && !(thread->flags & SAMPLE_THREAD_EXCEPTION))
		return false;
	if (options->gil_only)
		return thread->flags & SAMPLE_THREAD_GIL;
	return options->walk_idle || !(thread->flags & SAMPLE_THREAD_IDLE);
}

/* asyncio's tasks (--async) */

/* Where in walk i the running task's own frames end: the index of its
 * coroutine's frame, or SIZE_MAX when the walk does not hold it. */
static size_t task_frames_end(const struct pyproc *p, size_t i, uint64_t coro_frame)
{
	const struct thread_walk *walked = &p->walks[i];

	for (size_t k = 0; k < walked->raw_count; k++)
		if (p->raw.items[walked->raw_start + k].addr == coro_frame)
			return k;
	return SIZE_MAX;
}

static bool is_running(const struct pyproc *p, uint64_t task)
{
	for (size_t i = 0; i < p->n_running; i++)
		if (p->running_tasks[i] == task)
			return true;
	return false;
}

/* A thread running a task: its frames from the task's coroutine up, then
 * the chain of tasks awaiting it instead of the event loop's frames. */
static int chain_running_task(struct pyproc *p, size_t i)
{
	struct thread_walk *walked = &p->walks[i];
	uint64_t task = 0, coro_frame;
	size_t end;
	const struct py_thread *thread = &p->threads.items[i];
	int err = asynctasks_running(&p->async, &p->snap, thread->addr,
				     load_u64(thread->copy, p->layout.ts_thread_id), &task);

	if (err || !task)
		return err;
	coro_frame = asynctasks_coro_frame(&p->async, &p->snap, task);
	end = coro_frame ? task_frames_end(p, i, coro_frame) : SIZE_MAX;
	/* The task's frames are not on this stack: it is starting, or the
	 * loop switched tasks between the copies of the thread state and of
	 * the frames.  It is then shown where it waits, like the others. */
	if (end == SIZE_MAX)
		return 0;
	XGROW(p->running_tasks, p->cap_running, p->n_running + 1);
	p->running_tasks[p->n_running++] = task;
	walked->async_start = p->async.n_items;
	err = asynctasks_chain(&p->async, &p->snap, task, false);
	walked->async_count = p->async.n_items - walked->async_start;
	/* The walk stays whole (the memo of its frames counts from the
	 * oldest); the event loop's frames are dropped once emitted. */
	walked->async_keep = end + 1;
	return err;
}

/* Every task that is not running, where it waits (--idle). */
static int chain_waiting_tasks(struct pyproc *p)
{
	for (size_t i = 0; i < p->threads.count; i++) {
		const struct py_thread *thread = &p->threads.items[i];
		/* The interpreter's list (tasks of threads gone) once. */
		size_t n = asynctasks_list(&p->async, &p->snap, thread->addr,
					   load_u64(thread->copy, p->layout.ts_thread_id),
					   i == 0 ? load_u64(thread->copy, p->layout.ts_interp) : 0,
					   &p->task_list, &p->cap_task_list, ASYNC_MAX_TASKS);

		for (size_t t = 0; t < n; t++) {
			struct waiting_task *waiting;
			int err;

			if (is_running(p, p->task_list[t]))
				continue;
			XGROW(p->waiting, p->cap_waiting, p->n_waiting + 1);
			waiting = &p->waiting[p->n_waiting++];
			waiting->tid = thread->tid;
			waiting->name = thread->name;
			waiting->start = p->async.n_items;
			err = asynctasks_chain(&p->async, &p->snap, p->task_list[t], true);
			waiting->count = p->async.n_items - waiting->start;
			if (pp_error_ends_target(err))
				return err;
			/* A task that changed while it was read is left out of
			 * this sample; the others are still shown. */
			if (err) {
				p->async.n_items = waiting->start;
				p->n_waiting--;
			}
		}
	}
	return 0;
}

static int find_tasks(struct pyproc *p, const struct pyproc_options *options, uint64_t now)
{
	int err = 0;

	asynctasks_new_sample(&p->async, now);
	p->n_waiting = 0;
	p->n_running = 0;
	if (!asynctasks_ready(&p->async, p->threads.main_interp, now))
		return 0;
	for (size_t i = 0; i < p->threads.count && !err; i++)
		if (wanted(&p->threads.items[i], options) && !p->walks[i].error)
			err = chain_running_task(p, i);
	if (!err && options->walk_idle)
		err = chain_waiting_tasks(p);
	for (size_t k = 0; k < p->async.n_items; k++)
		if (!p->async.items[k].is_task)
			emitter_note_frame(&p->emit, &p->async.items[k].frame);
	return pp_error_ends_target(err) ? err : 0;
}

/* Append the chain items[start, start + count) to the sample's last thread. */
static int push_chain(struct pyproc *p, struct sample *sample, size_t start, size_t count)
{
	for (size_t k = start; k < start + count; k++) {
		const struct async_item *item = &p->async.items[k];
		int err;

		if (item->is_task) {
			const struct sample_frame mark = {
				.name = item->task_name, .flags = SAMPLE_FRAME_MARK,
			};

			sample_push_frame(sample, &mark);
			continue;
		}
		err = emitter_push_frame(&p->emit, &p->codes, &item->frame, sample);
		if (err)
			return err;
	}
	return 0;
}

static int emit_waiting_tasks(struct pyproc *p, struct sample *sample)
{
	for (size_t w = 0; w < p->n_waiting; w++) {
		const struct waiting_task *waiting = &p->waiting[w];
		struct sample_thread *thread = sample_add_thread(sample, waiting->tid);
		int err;

		thread->flags = SAMPLE_THREAD_IDLE;
		thread->name = waiting->name;
		err = push_chain(p, sample, waiting->start, waiting->count);
		if (err) {
			sample_drop_thread(sample);
			return err;
		}
	}
	return 0;
}

/* Walk one thread again, after a torn walk, from a fresh copy of the
 * ranges walks depend on, taken in one batch like a sample's first. */
static int rewalk(struct pyproc *p, size_t i)
{
	int err;

	p->retries++;
	err = snapshot_refetch(&p->snap);
	if (err)
		return err;
	p->raw.count = p->walks[i].raw_start;
	err = threadlist_copy_again(&p->threads, &p->snap, i);
	return err ? err : walk(p, i);
}

static int read_python(struct pyproc *p, const struct pyproc_options *options,
		       struct sample *sample)
{
	size_t i, n;
	int err, result = 0;

	sample_clear(sample);
	p->python_threads = SIZE_MAX;
	sample->pid = (uint32_t)p->pid;
	sample->time_ns = monotonic_ns();
	p->sample_count++;
	codecache_new_sample(&p->codes);
	stackmemo_new_sample(&p->memo);
	p->raw.count = 0;
	p->n_anchors = 0;
	p->eval_entries = options->native || options->eval_entries;
	emitter_new_sample(&p->emit);

	err = snapshot_begin(&p->snap);
	p->threads.look_for_gc = options->gc;
	p->threads.look_for_exceptions = options->exceptions || options->mark_exceptions;
	p->threads.look_for_gil_waits = options->gil_wait;
	if (!err)
		err = threadlist_read(&p->threads, &p->snap, sample->time_ns);
	if (err)
		return err;
	n = p->threads.count;
	if (n > p->cap_walks) {
		p->walks = xreallocarray(p->walks, n, sizeof(*p->walks));
		p->cap_walks = n;
	}
	/* No thread state yet (an interpreter starting): walks may be NULL. */
	if (n)
		memset(p->walks, 0, n * sizeof(*p->walks));
	classify_idle(p, options, sample->time_ns);
	refine_version(p, sample->time_ns);

	for (i = 0; i < n; i++) {
		struct thread_walk *walked = &p->walks[i];

		if (!wanted(&p->threads.items[i], options))
			continue;
		walked->error = walk(p, i);
		/* A torn walk is taken again at once, from a fresh copy of what
		 * it depends on (rare: settling resolves the usual changes). */
		for (int attempt = 0; attempt < RETRIES && walked->error == PP_ETORN; attempt++)
			walked->error = rewalk(p, i);
		if (pp_error_ends_target(walked->error))
			return walked->error;
	}
	if (options->async_tasks) {
		err = find_tasks(p, options, sample->time_ns);
		if (err)
			return err;
	}
	for (i = 0; i < n; i++) {
		struct emit_walk walk = walk_of(p, i);

		if (!p->walks[i].error)
			emitter_note_codes(&p->emit, &walk);
	}
	err = emitter_resolve(&p->emit, &p->codes, &p->snap);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		struct emit_walk walk = walk_of(p, i);
		size_t before = sample->n_threads;

		if (!wanted(&p->threads.items[i], options) || p->walks[i].error)
			continue;
		p->walks[i].error = emitter_thread(&p->emit, &p->codes, &walk, &p->threads.items[i],
						   i, options->walk_idle, sample);
		if (!p->walks[i].error && p->walks[i].async_count && sample->n_threads > before) {
			struct sample_thread *added = &sample->threads[sample->n_threads - 1];
			/* Marks (<GC>) were put above the walk's frames. */
			size_t marks = added->n_frames - p->walks[i].raw_count;

			/* The chain goes on below them once the sample is
			 * whole (splice_tasks()): --native merges the walk
			 * first, and needs all of it. */
			p->walks[i].async_keep_emitted = marks + p->walks[i].async_keep;
		}
	}
	p->python_threads = sample->n_threads;
	for (i = 0; i < n; i++)
		if (wanted(&p->threads.items[i], options) && p->walks[i].error && !result)
			result = p->walks[i].error;
	p->last_syscalls = p->snap.syscalls;
	return result;
}

/* Each sample thread's entry frames, for native_merge(). */
static const struct native_anchors *anchors_by_thread(struct pyproc *p,
						      const struct sample *sample)
{
	if (sample->n_threads > p->cap_thread_anchors) {
		p->thread_anchors = xreallocarray(p->thread_anchors, sample->n_threads,
						  sizeof(*p->thread_anchors));
		p->cap_thread_anchors = sample->n_threads;
	}
	for (size_t i = 0; i < sample->n_threads; i++) {
		size_t source = emitter_source(&p->emit, sample, i);
		const struct thread_walk *walked = source == SIZE_MAX ? NULL : &p->walks[source];

		p->thread_anchors[i] = walked && walked->anchor_count
			? (struct native_anchors){ p->anchors + walked->anchor_start,
						   walked->anchor_count }
			: (struct native_anchors){ NULL, 0 };
	}
	return p->thread_anchors;
}

/* How many of a merged stack's frames, innermost first, hold its first
 * python_frames frames from before the merge (which keeps every one of
 * them, in order, and marks what it adds as native); SIZE_MAX if fewer. */
static size_t merged_prefix(const struct sample_frame *frames, size_t count,
			    size_t python_frames)
{
	size_t seen = 0;

	for (size_t k = 0; k < count; k++)
		if (!(frames[k].flags & SAMPLE_FRAME_NATIVE) && ++seen == python_frames)
			return k + 1;
	return SIZE_MAX;
}

/*
 * --async: the stack of a thread running a task keeps its frames down to
 * the task's coroutine (with --native, the native ones between them too)
 * and goes on into the chain of tasks awaiting it, in place of the event
 * loop's frames.  Waiting tasks are added after, with no native frames: a
 * suspended coroutine is on no C stack.  Done once the sample is whole, so
 * that --native merges whole walks.
 */
static int splice_tasks(struct pyproc *p, struct sample *sample)
{
	size_t python_threads = p->python_threads;
	struct sample *out = &p->spliced;
	struct sample swap;
	int err = 0;

	sample_clear(out);
	out->time_ns = sample->time_ns;
	out->pid = sample->pid;
	out->process_name = sample->process_name;
	out->run = sample->run;
	for (size_t i = 0; i < sample->n_threads; i++) {
		const struct sample_thread *thread = &sample->threads[i];
		const struct sample_frame *frames = sample_thread_frames(sample, thread);
		size_t source = i < python_threads ? emitter_source(&p->emit, sample, i) : SIZE_MAX;
		const struct thread_walk *walked = source == SIZE_MAX ? NULL : &p->walks[source];
		size_t keep = walked && !walked->error && walked->async_count
			? merged_prefix(frames, thread->n_frames, walked->async_keep_emitted)
			: SIZE_MAX;
		struct sample_thread *added = sample_add_thread(out, thread->tid);

		added->name = thread->name;
		added->flags = thread->flags;
		for (size_t k = 0; k < thread->n_frames && k < keep; k++)
			sample_push_frame(out, &frames[k]);
		if (keep != SIZE_MAX && !pp_error_ends_target(err)) {
			/* A chain cut short by a change is kept as read. */
			int chain_err = push_chain(p, out, walked->async_start, walked->async_count);

			if (chain_err && !pp_error_ends_target(err))
				err = chain_err;
		}
	}
	if (!pp_error_ends_target(err)) {
		int waiting_err = emit_waiting_tasks(p, out);

		if (waiting_err)
			err = waiting_err;
	}
	swap = *sample;
	*sample = *out;
	*out = swap;
	return err;
}

/* --native: every thread is held while its Python frames are read, and
 * unwound once it runs again. */
static int sample_native(struct pyproc *p, const struct pyproc_options *options,
			 struct sample *sample)
{
	struct native_options merge = {
		.show_internals = options->native_internals,
		.walk_idle = options->walk_idle,
		.python_only = options->gil_only,
		.stats = options->native_stats,
	};
	int err = pyproc_native_start(p);

	if (err)
		return err;
	err = native_hold(p->native);
	if (err)
		return err;
	err = read_python(p, options, sample);
	native_resume(p->native, options->native_stats);
	if (!pp_error_ends_target(err) && err != PP_ENOTREADY)
		native_merge(p->native, &merge, sample, anchors_by_thread(p, sample));
	return err;
}

int pyproc_sample(struct pyproc *p, const struct pyproc_options *options,
		  struct sample *sample)
{
	int err = options->native ? sample_native(p, options, sample)
				  : read_python(p, options, sample);

	if (options->async_tasks && p->python_threads != SIZE_MAX && !pp_error_ends_target(err)) {
		int spliced = splice_tasks(p, sample);

		if (spliced && (!err || pp_error_ends_target(spliced)))
			err = spliced;
	}
	return err;
}

int pyproc_native_start(struct pyproc *p)
{
	if (p->native)
		return 0;
	return native_open(p->pid, p->bin.path, p->strings, &p->native);
}

void pyproc_native_detach(struct pyproc *p)
{
	if (p && p->native)
		native_detach(p->native);
}

