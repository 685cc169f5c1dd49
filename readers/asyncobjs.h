/*
 * asyncobjs.h - asyncio's tasks before 3.14 (3.7 - 3.13), read from the
 * objects of asyncio and of its C module _asyncio.
 *
 * These versions keep no list of a thread's tasks and no record of who
 * awaits a task.  What they do keep:
 *   - asyncio.tasks' global _current_tasks, a dict from each running event
 *     loop to the task it runs now; a loop's _thread_id names its thread;
 *   - every task, in a WeakSet (_all_tasks; 3.12+ _scheduled_tasks, plus
 *     the set _eager_tasks);
 *   - each future's done-callbacks, which wake whatever awaits it.
 * A task's awaiter is found by following those callbacks: a task's wake-up
 * callback holds the task; gather's callback holds the gathering future in
 * its closure, wait_for's (before 3.12) a functools.partial holding the
 * future its caller awaits, a TaskGroup's is a method of the group, whose
 * _parent_task is the awaiter.  Where the members sit in _asyncio's C
 * objects is in the layout table, measured on live objects by
 * scripts/probe-asyncio.py.
 *
 * Every read is bounded and checked (garbage gives PP_EBADDATA).  Must not
 * walk frames or know about samples: asynctasks.c does both.
 */
#ifndef PEEKPY_ASYNCOBJS_H
#define PEEKPY_ASYNCOBJS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "layout.h"
#include "pyobj.h"

#define ASYNCOBJS_TYPES 32
#define ASYNCOBJS_LOOPS 16
/* A sample's reads of objects, kept as aligned blocks (see read_block()). */
#define ASYNCOBJS_BLOCKS 256
#define ASYNCOBJS_BLOCK_BYTES 256
#define ASYNCOBJS_RUNNING 64

struct async_objs {
	struct pyobj_reader objects;
	const struct py_layout *layout;
	uint64_t globals;        /* asyncio.tasks' module dict, 0 until found */
	uint64_t current_tasks;  /* its _current_tasks: event loop -> task */
	uint64_t task_type, future_type;
	uint64_t task_sets[2];   /* the sets holding weak refs to (or) every task */
	bool task_set_weak[2];
	struct async_type {
		uint64_t type;
		uint8_t kind;    /* enum in asyncobjs.c */
	} types[ASYNCOBJS_TYPES];
	size_t n_types;
	struct async_loop {
		uint64_t loop, ident;   /* an event loop and its thread (0: none) */
		uint64_t read_ns;
	} loops[ASYNCOBJS_LOOPS];
	size_t n_loops;
	struct async_running {
		uint64_t ident, task;
	} running[ASYNCOBJS_RUNNING];  /* this sample's, once read */
	size_t n_running;
	bool running_read;
	uint32_t sample;         /* counts samples; a block read in another is stale */
	struct async_block {
		uint64_t base;
		uint32_t sample;
		uint8_t bytes[ASYNCOBJS_BLOCK_BYTES];
	} blocks[ASYNCOBJS_BLOCKS];
};

void asyncobjs_init(struct async_objs *ao, pid_t pid, const struct py_layout *layout);

/* Whether this version's _asyncio objects are in the layout table. */
bool asyncobjs_known(const struct py_layout *layout);

/* Find asyncio.tasks and _asyncio in the interpreter at interp; whether
 * both are imported (try again later when not). */
bool asyncobjs_find(struct async_objs *ao, uint64_t interp);

/* Forget the running tasks read for the last sample. */
void asyncobjs_new_sample(struct async_objs *ao);

/* The task running in the thread whose ident is given, 0 if none. */
int asyncobjs_running(struct async_objs *ao, uint64_t ident, uint64_t now_ns, uint64_t *task);

/* Whether the object at addr is a task (an _asyncio.Task or a subclass). */
bool asyncobjs_is_task(struct async_objs *ao, uint64_t addr);

/* The task that the completion of task wakes: its awaiter, or 0;
 * PP_ETORN when task finished while it was read. */
int asyncobjs_awaiter(struct async_objs *ao, uint64_t task, uint64_t *awaiter);

/*
 * Every task whose event loop runs in the thread with ident (and, with
 * homeless, every task whose loop runs in no thread now) into *tasks (the
 * caller frees it); how many.  At most max.
 */
size_t asyncobjs_tasks(struct async_objs *ao, uint64_t ident, bool homeless, uint64_t now_ns,
		       uint64_t **tasks, size_t *cap, size_t max);

#endif
