/*
 * threadlist.h - the thread states of every interpreter of a process, as
 * one sample sees them: which thread holds the GIL or runs Python, its
 * kernel thread id (threadids.h) and its Python name (threadnames.h).
 *
 * Read through the sample's snapshot: each thread state is copied in its
 * thread's group, so that the next sample copies it right before that
 * thread's frames.  Must not walk frames.
 */
#ifndef PEEKPY_THREADLIST_H
#define PEEKPY_THREADLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/strtab.h"
#include "binary.h"
#include "layout.h"
#include "snapshot.h"
#include "threadids.h"
#include "threadnames.h"

struct py_thread {
	uint64_t addr;             /* the thread state */
	const uint8_t *copy;       /* its bytes, in the snapshot */
	uint32_t tid;              /* kernel thread id, 0 unknown, or THREAD_ID_GONE */
	uint32_t flags;            /* enum sample_thread_flags: GIL, GC, EXCEPTION (IDLE
				    * and GIL_WAIT are the sampler's) */
	uint32_t name;             /* Python thread name (strtab id), or 0 */
	bool running;              /* holds the GIL or is attached (3.13+) */
};

struct thread_list {
	pid_t pid;
	const struct py_layout *layout;
	const struct py_binary *bin;
	bool free_threaded;
	size_t tstate_span;        /* bytes of a thread state copied */
	struct py_thread *items;
	size_t count, cap;
	uint64_t main_interp;      /* the oldest interpreter, whose threading names threads */
	bool look_for_gc;          /* mark the thread collecting garbage (SAMPLE_THREAD_GC) */
	bool look_for_exceptions;  /* mark threads raising or handling one */
	bool look_for_gil_waits;   /* find where the GIL's futexes are */
#define THREADLIST_GIL_RANGES 2
	struct gil_range {
		uint64_t lo, hi;
	} gil_ranges[THREADLIST_GIL_RANGES];
	size_t n_gil_ranges;
	/* Per thread, for the lookups of ids and names. */
	uint64_t *pthreads;        /* each thread's ident (pthread id) */
	uint32_t *stored_tids;     /* what the thread states say (3.11+) */
	uint32_t *tid_buf, *name_buf;
	size_t cap_ids;
	struct thread_ids tids;
	struct threadnames names;
};

/* layout and bin must outlive the list. */
void threadlist_init(struct thread_list *list, pid_t pid, const struct py_layout *layout,
		     const struct py_binary *bin, bool free_threaded, struct strtab *strings);
void threadlist_release(struct thread_list *list);

/* Where the pointer to the first interpreter lives, 0 if nowhere known. */
uint64_t threadlist_head_addr(const struct py_layout *layout, const struct py_binary *bin);

/*
 * List every thread of every interpreter, through snap, and find their
 * kernel ids and names (now: CLOCK_MONOTONIC ns, for the name cache).
 * PP_ENOTREADY while the process has no interpreter yet; PP_ETORN when a
 * list changed while being read; fatal codes as the snapshot returns them.
 */
int threadlist_read(struct thread_list *list, struct snapshot *snap, uint64_t now);

/* Whether addr (a futex a thread sleeps on) is inside the GIL, as the
 * last read found it (look_for_gil_waits). */
bool threadlist_in_gil(const struct thread_list *list, uint64_t addr);

/* Copy thread i's state again, in its current group (after a torn walk). */
int threadlist_copy_again(struct thread_list *list, struct snapshot *snap, size_t i);

#endif
