/*
 * threadids.c - kernel ids of Python threads (see threadids.h).
 */
#include "threadids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "procfs.h"

void thread_ids_init(struct thread_ids *ids, pid_t pid)
{
	memset(ids, 0, sizeof(*ids));
	ids->pid = pid;
	tidmap_init(&ids->descriptors, pid);
	index_init(&ids->tasks);
	index_init(&ids->stale);
	index_init(&ids->seen);
}

void thread_ids_release(struct thread_ids *ids)
{
	index_release(&ids->tasks);
	index_release(&ids->stale);
	index_release(&ids->seen);
}

/* Read the process's list of threads again (and forget what was found
 * stale: a new thread may have an id a stale state holds). */
static int list_tasks(struct thread_ids *ids)
{
	uint32_t *host, *inner;
	size_t n, i;
	int err = procfs_task_ids(ids->pid, &host, &inner, &n);

	if (err)
		return err == -ENOENT ? -ESRCH : err;
	index_clear(&ids->tasks);
	index_clear(&ids->stale);
	for (i = 0; i < n; i++) {
		bool added;

		*index_put(&ids->tasks, inner[i], &added) = host[i];
		ids->namespaced |= inner[i] != host[i];
	}
	ids->listed = true;
	free(host);
	free(inner);
	return 0;
}

/* The host id of the thread the process knows as id, or 0. */
static uint32_t host_id(const struct thread_ids *ids, uint32_t id)
{
	uint32_t host;

	return id && index_get(&ids->tasks, id, &host) ? host : 0;
}

/*
 * The pthread_t's descriptor, for states whose stored id is none of the
 * process's threads.  Calibrated on the states whose ids are right.
 */
static uint32_t through_descriptor(struct thread_ids *ids, struct snapshot *snap,
				   const uint64_t *pthreads, const uint32_t *stored, size_t n,
				   size_t which)
{
	uint32_t id = 0;

	if (ids->descriptors.tid_offset < 0) {
		uint64_t *good = calloc(n ? n : 1, sizeof(*good));
		size_t n_good = 0, i;

		for (i = 0; good && i < n; i++)
			if (host_id(ids, stored[i]))
				good[n_good++] = pthreads[i];
		if (good)
			tidmap_calibrate(&ids->descriptors, n_good ? good : pthreads,
					 n_good ? n_good : n);
		free(good);
	}
	tidmap_lookup(&ids->descriptors, snap, &pthreads[which], 1, &id);
	return host_id(ids, id);
}

/*
 * Two states that come to one thread: the thread that reused a stale
 * state's C library descriptor, and that state.  The interpreter lists its
 * states newest first, and the thread's own is the newer one.
 */
static void one_state_per_thread(struct thread_ids *ids, uint32_t *out, size_t n)
{
	size_t i;

	if (n < 2)
		return;
	index_clear(&ids->seen);
	for (i = 0; i < n; i++) {
		bool added;

		if (!out[i] || out[i] == THREAD_ID_GONE)
			continue;
		index_put(&ids->seen, out[i], &added);
		if (!added)
			out[i] = THREAD_ID_GONE;
	}
}

int thread_ids_resolve(struct thread_ids *ids, struct snapshot *snap, const uint64_t *pthreads,
		       const uint32_t *stored, size_t n, uint32_t *out)
{
	bool listed_now = false;
	size_t i;
	int err;

	if (n == 0)
		return 0;
	if (!ids->listed) {
		err = list_tasks(ids);
		if (err)
			return err;
		listed_now = true;
	}
	if (!stored) {
		/* Before 3.11: the descriptors are the only source (calibrated
		 * until it works: a thread starting may not have its id yet). */
		if (ids->descriptors.tid_offset < 0) {
			err = tidmap_calibrate(&ids->descriptors, pthreads, n);
			if (err == -ESRCH)
				return err;
		}
		err = tidmap_lookup(&ids->descriptors, snap, pthreads, n, out);
		if (err == -ESRCH)
			return err;
	} else {
		memcpy(out, stored, n * sizeof(*out));
	}
	for (i = 0; i < n; i++) {
		uint32_t host = host_id(ids, out[i]), found;

		if (host || !out[i]) {
			out[i] = host;
			continue;
		}
		if (index_get(&ids->stale, out[i], &found)) {
			out[i] = found;
			continue;
		}
		/* An id we do not know: a new thread (read the list again, once
		 * per call), or a state a fork left with its parent's id. */
		if (!listed_now) {
			err = list_tasks(ids);
			if (err)
				return err;
			listed_now = true;
			host = host_id(ids, out[i]);
			if (host) {
				out[i] = host;
				continue;
			}
		}
		found = stored ? through_descriptor(ids, snap, pthreads, stored, n, i) : 0;
		if (!found)
			found = THREAD_ID_GONE;
		*index_put(&ids->stale, out[i], &(bool){ false }) = found;
		out[i] = found;
	}
	one_state_per_thread(ids, out, n);
	return 0;
}
