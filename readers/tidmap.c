/*
 * tidmap.c - pthread_t to kernel thread id (see tidmap.h).
 */
#include "tidmap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "mem.h"
#include "procfs.h"

/* Big enough for glibc's descriptor head (tid at 720); musl's is at 48. */
#define DESCRIPTOR_SCAN 1024

void tidmap_init(struct tid_map *map, pid_t pid)
{
	map->pid = pid;
	map->tid_offset = -1;
}

static bool known(const uint32_t *tids, size_t n, uint32_t tid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

/*
 * Whether at is where the descriptors keep their thread's id: enough of
 * them (least) hold distinct ids of the process's threads there.  Not all:
 * in a process that forked without telling Python, the states of the
 * parent's other threads point at descriptors of threads the child lacks.
 */
static bool offset_fits(const uint8_t *const *descriptors, size_t n, size_t at,
			const uint32_t *known_tids, size_t n_known, size_t least)
{
	size_t i, j, matched = 0;

	for (i = 0; i < n; i++) {
		uint32_t tid;

		if (!descriptors[i])
			continue;
		memcpy(&tid, descriptors[i] + at, sizeof(tid));
		if (tid == 0 || !known(known_tids, n_known, tid))
			continue;
		for (j = 0; j < i; j++) {
			uint32_t other;

			if (!descriptors[j])
				continue;
			memcpy(&other, descriptors[j] + at, sizeof(other));
			if (other == tid)
				return false;
		}
		matched++;
	}
	return matched >= least;
}

int32_t tidmap_find_offset(const uint8_t *const *descriptors, size_t n, size_t len,
			   const uint32_t *known_tids, size_t n_known)
{
	/* Try the offsets of the C libraries we know before scanning. */
	static const size_t usual[] = { 720, 48 };
	size_t i, at;

	if (n == 0)
		return -1;
	/* A known place needs one match; any other, every descriptor. */
	for (i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
		if (usual[i] + 4 <= len &&
		    offset_fits(descriptors, n, usual[i], known_tids, n_known, 1))
			return (int32_t)usual[i];
	for (at = 0; at + 4 <= len; at += 4)
		if (offset_fits(descriptors, n, at, known_tids, n_known, n))
			return (int32_t)at;
	return -1;
}

int tidmap_calibrate(struct tid_map *map, const uint64_t *pthreads, size_t n)
{
	uint32_t *host = NULL, *tids = NULL;
	size_t n_tids = 0, i, n_read = 0;
	uint8_t **descriptors;
	int err;

	/* The descriptors hold ids as the process sees them: in a container,
	 * its own namespace's. */
	err = procfs_task_ids(map->pid, &host, &tids, &n_tids);
	free(host);
	if (err)
		return err;
	descriptors = xcalloc(n ? n : 1, sizeof(*descriptors));
	for (i = 0; i < n; i++) {
		uint8_t *buf;
		size_t j;

		/* Two states may name one descriptor (a thread a fork left
		 * behind, and one that reused its memory since): read it once. */
		for (j = 0; j < i && pthreads[j] != pthreads[i]; j++)
			;
		if (j < i)
			continue;
		buf = xcalloc(1, DESCRIPTOR_SCAN);

		/* musl keeps the main thread's descriptor near the end of a
		 * small mapping: a short read is normal, scan what arrived
		 * (the zeroed rest never matches a thread id). */
		if (mem_read_upto(map->pid, pthreads[i], buf, DESCRIPTOR_SCAN) > 0)
			descriptors[n_read++] = buf;
		else
			free(buf);
	}
	map->tid_offset = tidmap_find_offset((const uint8_t *const *)descriptors, n_read,
					     DESCRIPTOR_SCAN, tids, n_tids);
	for (i = 0; i < n_read; i++)
		free(descriptors[i]);
	free(descriptors);
	free(tids);
	return map->tid_offset >= 0 ? 0 : PP_EBADDATA;
}

int tidmap_lookup(struct tid_map *map, struct snapshot *snap, const uint64_t *pthreads,
		  size_t n, uint32_t *tids)
{
	struct snapshot_req *reqs;
	size_t i;
	int err;

	memset(tids, 0, n * sizeof(*tids));
	if (map->tid_offset < 0 || n == 0)
		return 0;
	reqs = xcalloc(n, sizeof(*reqs));
	for (i = 0; i < n; i++)
		reqs[i] = (struct snapshot_req){ .addr = pthreads[i] + (uint64_t)map->tid_offset,
						 .len = sizeof(uint32_t) };
	err = snapshot_read_many(snap, reqs, n, SNAP_RECUR);
	for (i = 0; i < n; i++)
		if (reqs[i].data)
			memcpy(&tids[i], reqs[i].data, sizeof(tids[i]));
	free(reqs);
	return err;
}
