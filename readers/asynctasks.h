/*
 * asynctasks.h - asyncio's tasks as the interpreter keeps them: which task
 * a thread runs, which tasks await it, and where each waits.
 *
 * 3.14 made asyncio's tasks readable from outside: the _asyncio module
 * publishes where its task objects keep their name, coroutine and
 * awaiters, and where thread and interpreter states list the tasks, in a
 * 104-byte ELF section ".AsyncioDebug" of whichever file holds the module
 * (the interpreter itself, or the _asyncio extension once it is loaded).
 * A task's place in a call is then its chain: the task, the coroutine it
 * runs and the coroutines each one awaits; and the task awaiting it, and
 * so on up.  Versions before 3.14 (3.7 - 3.13) keep no such record:
 * there the same answers come from asyncio's objects (asyncobjs.h), and
 * the frames where each task waits are read here alike.
 *
 * Reads go through the sample's snapshot.  Must not format output: the
 * chain is raw frames (for the emitter) and task marks.
 */
#ifndef PEEKPY_ASYNCTASKS_H
#define PEEKPY_ASYNCTASKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/index.h"
#include "../base/strtab.h"
#include "asyncobjs.h"
#include "binary.h"
#include "layout.h"
#include "snapshot.h"
#include "stackwalk.h"

#define ASYNC_DEBUG_BYTES 104
/* Tasks listed per thread and sample, at most. */
#define ASYNC_MAX_TASKS 10000

/* The _asyncio module's offsets, from its .AsyncioDebug section. */
struct async_debug {
	uint64_t task_size, task_name, task_awaited_by, task_is_task, task_awaited_by_is_set,
		 task_coro, task_node;
	uint64_t interp_size, interp_tasks_head;
	uint64_t ts_size, ts_running_loop, ts_running_task, ts_tasks_head;
};

/* Parse the section's bytes: 0, or PP_EBADDATA when they are not offsets. */
int async_debug_parse(const uint8_t *block, size_t len, struct async_debug *out);

/* One step of a chain, innermost first: a frame of a task's coroutines, or
 * the mark of a task (named 'task "NAME"', a strtab id) below them. */
struct async_item {
	bool is_task;
	uint32_t task_name;
	uint64_t task;          /* the task, for a mark */
	struct raw_frame frame;
};

struct async_tasks {
	pid_t pid;
	const struct py_layout *layout;
	const struct py_binary *bin;
	struct strtab *strings;
	bool found;                 /* debug holds the module's offsets */
	bool from_objects;          /* ... taken from the layout table (< 3.14) */
	struct async_debug debug;
	struct async_objs objects;  /* < 3.14: asyncio's own objects */
	uint64_t now_ns;            /* this sample's time */
	uint64_t next_search_ns;    /* when to look for the module again */
	uint64_t search_wait_ns;    /* and the wait before that look */
	struct index names;         /* task -> strtab id of its mark */
	uint64_t *name_objects;     /* the name object each was made from */
	uint32_t *name_ids;         /* and the mark made */
	size_t cap_name_objects, cap_name_ids;
	uint32_t n_names;
	struct async_item *items;   /* this sample's chains, one after another */
	size_t n_items, cap_items;
	uint64_t *scratch;
	size_t cap_scratch;
};

void asynctasks_init(struct async_tasks *at, pid_t pid, const struct py_layout *layout,
		     const struct py_binary *bin, struct strtab *strings);
void asynctasks_release(struct async_tasks *at);

/* Whether this version's tasks can be read at all (3.7+). */
bool asynctasks_readable(const struct py_layout *layout);

/* Look for the module's offsets, or (< 3.14) for asyncio's objects in the
 * interpreter at interp, again until found (soon at first, then at most
 * once a second): asyncio is imported when the program gets to it.
 * Whether they are known. */
bool asynctasks_ready(struct async_tasks *at, uint64_t interp, uint64_t now_ns);

/* Forget the last sample's chains; now_ns is the new sample's time. */
void asynctasks_new_sample(struct async_tasks *at, uint64_t now_ns);

/* The task the thread whose state is at tstate (whose ident is ident) runs
 * now, 0 if none. */
int asynctasks_running(struct async_tasks *at, struct snapshot *snap, uint64_t tstate,
		       uint64_t ident, uint64_t *task);

/* Where task's coroutine frame is: the oldest frame of the task's own. */
uint64_t asynctasks_coro_frame(const struct async_tasks *at, struct snapshot *snap,
			       uint64_t task);

/*
 * Append to items the chain below task, innermost first: with own, the
 * frames of its coroutines where they wait; then its mark; then the same
 * for the task awaiting it (the first, when several do), and so on.
 * 0 or a snapshot error; a chain that cannot be read ends where it stops.
 */
int asynctasks_chain(struct async_tasks *at, struct snapshot *snap, uint64_t task, bool own);

/* Every task of the thread whose state is at tstate (ident: its ident)
 * and, with interp set, the interpreter's tasks whose thread is gone or
 * whose loop runs in no thread, into *tasks (the caller frees it); how
 * many.  Reads at most max tasks. */
size_t asynctasks_list(struct async_tasks *at, struct snapshot *snap, uint64_t tstate,
		       uint64_t ident, uint64_t interp, uint64_t **tasks, size_t *cap, size_t max);

#endif
