/*
 * threadlist.c - every interpreter's thread states, the GIL, and each
 * thread's kernel id and name (see threadlist.h).
 */
#include "threadlist.h"

#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/sample.h"
#include "../base/xalloc.h"
#include "fields.h"

#define MAX_INTERPRETERS 256
#define MAX_THREADS 65536

/* tstate->state of a thread running Python (3.13+). */
#define THREAD_ATTACHED 1

void threadlist_init(struct thread_list *list, pid_t pid, const struct py_layout *layout,
		     const struct py_binary *bin, bool free_threaded, struct strtab *strings)
{
	memset(list, 0, sizeof(*list));
	list->pid = pid;
	list->layout = layout;
	list->bin = bin;
	list->free_threaded = free_threaded;
	list->tstate_span = layout_tstate_span(layout);
	thread_ids_init(&list->tids, pid);
	threadnames_init(&list->names, pid, layout, strings);
}

void threadlist_release(struct thread_list *list)
{
	free(list->items);
	free(list->pthreads);
	free(list->stored_tids);
	free(list->tid_buf);
	free(list->name_buf);
	thread_ids_release(&list->tids);
	threadnames_release(&list->names);
	memset(list, 0, sizeof(*list));
}

uint64_t threadlist_head_addr(const struct py_layout *layout, const struct py_binary *bin)
{
	if (bin->runtime && layout->runtime_interpreters_head != LAYOUT_ABSENT)
		return bin->runtime + layout->runtime_interpreters_head;
	return bin->interp_head;
}

static int copy_tstate(struct thread_list *list, struct snapshot *snap, uint64_t addr,
		       const uint8_t **copy)
{
	return pp_torn_unless_final(snapshot_read(snap, addr, list->tstate_span, SNAP_ORIGIN, copy));
}

int threadlist_copy_again(struct thread_list *list, struct snapshot *snap, size_t i)
{
	return copy_tstate(list, snap, list->items[i].addr, &list->items[i].copy);
}

/* An interpreter's next pointer and thread list, in one read. */
static int read_interp(struct thread_list *list, struct snapshot *snap, uint64_t interp,
		       uint64_t *next, uint64_t *threads)
{
	const struct py_layout *L = list->layout;
	uint32_t lo = L->interp_next < L->interp_threads_head ? L->interp_next
							       : L->interp_threads_head;
	uint32_t hi = L->interp_next > L->interp_threads_head ? L->interp_next
							       : L->interp_threads_head;
	const uint8_t *copy;
	int err = snapshot_read(snap, interp + lo, hi - lo + 8, SNAP_RECUR, &copy);

	if (err)
		return pp_torn_unless_final(err);
	*next = load_u64(copy, L->interp_next - lo);
	*threads = load_u64(copy, L->interp_threads_head - lo);
	return 0;
}

/* The thread state holding the GIL of interp, 0 when it is free (<= 3.12;
 * later versions keep the fact in each thread state). */
static int gil_holder(struct thread_list *list, struct snapshot *snap, uint64_t interp,
		      uint64_t *holder)
{
	const struct py_layout *L = list->layout;
	const struct py_binary *bin = list->bin;
	uint64_t gil = 0;
	const uint8_t *copy;
	int32_t locked;
	int err;

	*holder = 0;
	if (bin->tstate_current) {
		/* 2.7, 3.6: the running thread's state, NULL while released. */
		err = snapshot_read(snap, bin->tstate_current, 8, SNAP_RECUR, &copy);
		if (!err)
			*holder = load_u64(copy, 0);
		return pp_torn_unless_final(err);
	}
	if (L->runtime_gil_locked != LAYOUT_ABSENT && bin->runtime) {
		gil = bin->runtime + L->runtime_gil_last_holder - L->gil_last_holder;
	} else if (L->interp_gil_ptr != LAYOUT_ABSENT && L->ts_state == LAYOUT_ABSENT) {
		err = snapshot_read(snap, interp + L->interp_gil_ptr, 8, SNAP_RECUR, &copy);
		if (err)
			return pp_torn_unless_final(err);
		gil = load_u64(copy, 0);
	}
	if (!gil)
		return 0;
	err = snapshot_read(snap, gil + L->gil_last_holder, L->gil_locked - L->gil_last_holder + 4,
			    SNAP_RECUR, &copy);
	if (err)
		return pp_torn_unless_final(err);
	memcpy(&locked, copy + (L->gil_locked - L->gil_last_holder), sizeof(locked));
	/* The last holder stays set after release: only a locked GIL counts. */
	if (locked)
		*holder = load_u64(copy, 0);
	return 0;
}

/* GIL and attachment flags of each thread of one interpreter. */
static int mark_running(struct thread_list *list, struct snapshot *snap, uint64_t interp,
			size_t from, size_t to)
{
	const struct py_layout *L = list->layout;
	uint64_t holder;
	size_t i;
	int err = gil_holder(list, snap, interp, &holder);

	if (err)
		return err;
	for (i = from; i < to; i++) {
		struct py_thread *thread = &list->items[i];
		bool gil, attached;

		if (L->ts_holds_gil != LAYOUT_ABSENT)
			gil = load_i32(thread->copy, L->ts_holds_gil) != 0;
		else if (L->ts_status_holds_gil_mask != LAYOUT_ABSENT)
			gil = (load_u32(thread->copy, L->ts_status) & L->ts_status_holds_gil_mask) != 0;
		else
			gil = holder && holder == thread->addr;
		/* 3.13+: attached means running Python, with or without a GIL. */
		attached = L->ts_state != LAYOUT_ABSENT &&
			   load_i32(thread->copy, L->ts_state) == THREAD_ATTACHED;
		/* Without a GIL (free-threaded), every attached thread is as
		 * good as its holder. */
		if (gil || (attached && list->free_threaded))
			thread->flags |= SAMPLE_THREAD_GIL;
		if (gil || attached)
			thread->running = true;
	}
	return 0;
}

/* Where interp's collector says whether it is running (an int), 0 when
 * this build does not say. */
static uint64_t gc_flag_addr(const struct thread_list *list, uint64_t interp)
{
	const struct py_layout *L = list->layout;

	if (L->interp_gc != LAYOUT_ABSENT)
		return interp + L->interp_gc + L->gc_collecting;
	if (L->runtime_gc != LAYOUT_ABSENT)
		return list->bin->runtime ? list->bin->runtime + L->runtime_gc + L->gc_collecting : 0;
	return list->bin->gc_collecting;
}

/* While interp's garbage collector runs, the thread running Python (the
 * GIL's holder, or in a free-threaded build the one thread attached while
 * the others are stopped) is collecting. */
static int mark_collecting(struct thread_list *list, struct snapshot *snap, uint64_t interp,
			   size_t from, size_t to)
{
	uint64_t addr = gc_flag_addr(list, interp);
	const uint8_t *copy;
	int err;

	if (!addr)
		return 0;
	err = snapshot_read(snap, addr, 4, SNAP_RECUR, &copy);
	if (err)
		return pp_torn_unless_final(err);
	if (!load_i32(copy, 0))
		return 0;
	for (size_t i = from; i < to; i++)
		if (list->items[i].flags & SAMPLE_THREAD_GIL)
			list->items[i].flags |= SAMPLE_THREAD_GC;
	return 0;
}

/* Sizes of the 2.7 and 3.6 GIL's parts (glibc x86_64): a semaphore, a
 * mutex and a condition variable. */
#define SEM_BYTES 32
#define MUTEX_BYTES 40
#define COND_BYTES 48

static void add_gil_range(struct thread_list *list, uint64_t addr, uint64_t len)
{
	if (addr && list->n_gil_ranges < THREADLIST_GIL_RANGES) {
		list->gil_ranges[list->n_gil_ranges].lo = addr;
		list->gil_ranges[list->n_gil_ranges].hi = addr + len;
		list->n_gil_ranges++;
	}
}

/* Where interp's GIL lives: a thread asleep on a futex there waits for it. */
static int find_gil(struct thread_list *list, struct snapshot *snap, uint64_t interp)
{
	const struct py_layout *L = list->layout;
	const struct py_binary *bin = list->bin;
	const uint8_t *copy;
	int err;

	list->n_gil_ranges = 0;
	if (L->runtime_gil != LAYOUT_ABSENT) {
		if (bin->runtime)
			add_gil_range(list, bin->runtime + L->runtime_gil, L->gil_size);
		return 0;
	}
	if (L->interp_gil_ptr != LAYOUT_ABSENT && L->gil_size != LAYOUT_ABSENT) {
		err = snapshot_read(snap, interp + L->interp_gil_ptr, 8, SNAP_RECUR, &copy);
		if (err)
			return pp_torn_unless_final(err);
		add_gil_range(list, load_u64(copy, 0), L->gil_size);
		return 0;
	}
	if (bin->interpreter_lock) {
		/* 2.7: a pointer to the lock, NULL until a second thread ran. */
		err = snapshot_read(snap, bin->interpreter_lock, 8, SNAP_RECUR, &copy);
		if (err)
			return pp_torn_unless_final(err);
		add_gil_range(list, load_u64(copy, 0), SEM_BYTES);
		return 0;
	}
	add_gil_range(list, bin->gil_mutex, MUTEX_BYTES);
	add_gil_range(list, bin->gil_cond, COND_BYTES);
	return 0;
}

/* An object pointer that stands for an exception: set, and not None. */
static bool is_exception(const struct thread_list *list, uint64_t object)
{
	return object && object != list->bin->none;
}

/* Deepest chain of exceptions being handled that is followed: one link
 * per generator or coroutine handling one. */
#define MAX_HANDLED_CHAIN 64

/*
 * Whether a thread is handling an exception (in an except or finally
 * block): 2.7 and 3.6 keep it in the thread state; later versions keep a
 * chain of items, one per generator running, whose first item holding
 * one is what sys.exc_info() returns.
 */
static int handling_exception(struct thread_list *list, struct snapshot *snap,
			      const struct py_thread *thread, bool *handling)
{
	const struct py_layout *L = list->layout;
	uint32_t held = L->erritem_exc_type != LAYOUT_ABSENT ? L->erritem_exc_type
							     : L->erritem_exc_value;
	uint64_t item;

	*handling = false;
	if (L->ts_exc_type != LAYOUT_ABSENT) {
		*handling = is_exception(list, load_u64(thread->copy, L->ts_exc_type));
		return 0;
	}
	if (L->ts_exc_info == LAYOUT_ABSENT)
		return 0;
	item = load_u64(thread->copy, L->ts_exc_info);
	for (int depth = 0; item && depth < MAX_HANDLED_CHAIN; depth++) {
		uint32_t span = (held > L->erritem_previous ? held : L->erritem_previous) + 8;
		const uint8_t *copy;
		int err = snapshot_read(snap, item, span, SNAP_RECUR, &copy);

		if (err)
			return pp_torn_unless_final(err);
		if (is_exception(list, load_u64(copy, held))) {
			*handling = true;
			return 0;
		}
		item = load_u64(copy, L->erritem_previous);
	}
	return 0;
}

/* Threads raising an exception or handling one. */
static int mark_exceptions(struct thread_list *list, struct snapshot *snap, size_t from,
			   size_t to)
{
	const struct py_layout *L = list->layout;
	uint32_t raised = L->ts_current_exception != LAYOUT_ABSENT ? L->ts_current_exception
								   : L->ts_curexc_type;

	for (size_t i = from; i < to; i++) {
		struct py_thread *thread = &list->items[i];
		bool handling = false;
		int err;

		if (raised != LAYOUT_ABSENT && load_u64(thread->copy, raised)) {
			thread->flags |= SAMPLE_THREAD_EXCEPTION;
			continue;
		}
		err = handling_exception(list, snap, thread, &handling);
		if (err)
			return err;
		if (handling)
			thread->flags |= SAMPLE_THREAD_EXCEPTION;
	}
	return 0;
}

/* One interpreter's thread states, appended to the list. */
static int list_interp_threads(struct thread_list *list, struct snapshot *snap, uint64_t interp,
			       uint64_t tstate)
{
	const struct py_layout *L = list->layout;

	while (tstate && list->count < MAX_THREADS) {
		struct py_thread *thread;
		const uint8_t *copy;
		int err;

		/* The next sample copies each thread's state right before its
		 * frames. */
		snapshot_set_group(snap, (uint32_t)list->count + 1);
		err = copy_tstate(list, snap, tstate, &copy);
		if (err)
			return err;
		/* A thread state must point back at its interpreter; otherwise
		 * the list changed while it was read. */
		if (load_u64(copy, L->ts_interp) != interp)
			return PP_ETORN;
		XGROW(list->items, list->cap, list->count + 1);
		thread = &list->items[list->count++];
		memset(thread, 0, sizeof(*thread));
		thread->addr = tstate;
		thread->copy = copy;
		tstate = load_u64(copy, L->ts_next);
	}
	return 0;
}

static int list_threads(struct thread_list *list, struct snapshot *snap)
{
	uint64_t head_addr = threadlist_head_addr(list->layout, list->bin), interp;
	const uint8_t *head;
	int n_interps = 0, err;

	list->count = 0;
	if (!head_addr)
		return PP_ENOTPYTHON;
	err = snapshot_read(snap, head_addr, 8, SNAP_RECUR, &head);
	if (err)
		return pp_error_ends_target(err) ? err : PP_EBADDATA;
	interp = load_u64(head, 0);
	if (!interp)
		return PP_ENOTREADY;
	while (interp && n_interps++ < MAX_INTERPRETERS) {
		uint64_t next_interp, tstate;
		size_t first = list->count;

		err = read_interp(list, snap, interp, &next_interp, &tstate);
		if (!err)
			err = list_interp_threads(list, snap, interp, tstate);
		snapshot_set_group(snap, 0);
		if (!err)
			err = mark_running(list, snap, interp, first, list->count);
		if (!err && list->look_for_gc)
			err = mark_collecting(list, snap, interp, first, list->count);
		if (!err && list->look_for_exceptions)
			err = mark_exceptions(list, snap, first, list->count);
		if (err)
			return err;
		list->main_interp = interp;
		interp = next_interp;
	}
	/* The main interpreter's GIL, the one its threads share. */
	if (list->look_for_gil_waits)
		return find_gil(list, snap, list->main_interp);
	return 0;
}

/* Kernel thread ids, as /proc and the outputs know them (threadids.h). */
static int find_tids(struct thread_list *list, struct snapshot *snap)
{
	const struct py_layout *L = list->layout;
	bool stored = L->ts_native_thread_id != LAYOUT_ABSENT;
	size_t i;
	int err;

	if (list->count > list->cap_ids) {
		list->cap_ids = list->count;
		list->pthreads = xreallocarray(list->pthreads, list->cap_ids, sizeof(*list->pthreads));
		list->stored_tids = xreallocarray(list->stored_tids, list->cap_ids,
						  sizeof(*list->stored_tids));
		list->tid_buf = xreallocarray(list->tid_buf, list->cap_ids, sizeof(*list->tid_buf));
		list->name_buf = xreallocarray(list->name_buf, list->cap_ids,
					       sizeof(*list->name_buf));
	}
	for (i = 0; i < list->count; i++) {
		list->pthreads[i] = load_u64(list->items[i].copy, L->ts_thread_id);
		if (stored)
			list->stored_tids[i] = (uint32_t)load_u64(list->items[i].copy,
								  L->ts_native_thread_id);
	}
	err = thread_ids_resolve(&list->tids, snap, list->pthreads,
				 stored ? list->stored_tids : NULL, list->count, list->tid_buf);
	if (err)
		return pp_error_ends_target(err) ? err : 0;
	for (i = 0; i < list->count; i++)
		list->items[i].tid = list->tid_buf[i];
	return 0;
}

/* Python thread names, from the threading module (cached: threadnames.h). */
static void name_threads(struct thread_list *list, uint64_t now)
{
	threadnames_lookup(&list->names, list->main_interp, list->pthreads, list->count, now,
			   list->name_buf);
	for (size_t i = 0; i < list->count; i++)
		list->items[i].name = list->name_buf[i];
}

bool threadlist_in_gil(const struct thread_list *list, uint64_t addr)
{
	for (size_t i = 0; i < list->n_gil_ranges; i++)
		if (addr >= list->gil_ranges[i].lo && addr < list->gil_ranges[i].hi)
			return true;
	return false;
}

int threadlist_read(struct thread_list *list, struct snapshot *snap, uint64_t now)
{
	int err = list_threads(list, snap);

	if (!err)
		err = find_tids(list, snap);
	if (!err)
		name_threads(list, now);
	return err;
}
