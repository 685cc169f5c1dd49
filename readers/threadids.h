/*
 * threadids.h - the kernel id of each Python thread, as /proc and the
 * outputs know it.
 *
 * A thread state names its thread by pthread_t (every version) and, from
 * 3.11, by its kernel thread id too.  Neither is always the id to show:
 *   - before 3.11 only the pthread_t is there: the id is read from the C
 *     library's thread descriptor it points to (tidmap.h);
 *   - a process in another PID namespace (a container) stores that
 *     namespace's ids: they are translated to the host's (NSpid);
 *   - a process that forked without telling Python (uWSGI's workers) keeps
 *     its parent's id in its main thread's state, and the states of the
 *     parent's other threads: an id that is none of the process's threads
 *     is looked up again through the pthread_t (the C library updates the
 *     surviving thread's descriptor in the child), and a state that matches
 *     no thread of the process is THREAD_ID_GONE (as is the older of two
 *     states that come to one thread: a thread started in the child may
 *     reuse the descriptor of one the fork left behind).
 * The process's list of threads is read again when an unknown id appears.
 * Must not walk frames.
 */
#ifndef PEEKPY_THREADIDS_H
#define PEEKPY_THREADIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/index.h"
#include "snapshot.h"
#include "tidmap.h"

/* The id of a thread state whose thread the process does not have (one a
 * fork left behind): not a thread to sample. */
#define THREAD_ID_GONE UINT32_MAX

struct thread_ids {
	pid_t pid;
	struct tid_map descriptors;  /* pthread_t -> id, calibrated when needed */
	struct index tasks;          /* the process's ids (its namespace's) -> host ids */
	struct index stale;          /* stored ids found to be none of its threads ->
				      * the id found through the pthread_t, or 0 */
	struct index seen;           /* scratch: ids given out in one call */
	bool namespaced;             /* its ids differ from the host's */
	bool listed;                 /* tasks read at least once */
};

void thread_ids_init(struct thread_ids *ids, pid_t pid);
void thread_ids_release(struct thread_ids *ids);

/*
 * Host ids into out[0..n) for the threads whose states hold pthreads[i]
 * and (3.11+; NULL before) stored[i]: 0 where none could be read,
 * THREAD_ID_GONE for a state of no thread of the process.  0 or -ESRCH.
 */
int thread_ids_resolve(struct thread_ids *ids, struct snapshot *snap, const uint64_t *pthreads,
		       const uint32_t *stored, size_t n, uint32_t *out);

#endif
