/*
 * tidmap.h - kernel thread ids for interpreters that only store pthread_t.
 *
 * Before 3.11 a thread state holds the thread's pthread_t, which on Linux is
 * the address of the C library's thread descriptor; the kernel thread id is
 * a field of that descriptor (glibc: +720, musl: +48, but it depends on the
 * build).  The offset is calibrated once against the thread ids listed in
 * /proc/PID/task, then every sample reads the field of each thread through
 * the sample's snapshot (a descriptor is reused when a thread exits and
 * another starts, so a cached mapping would go stale).
 */
#ifndef PEEKPY_TIDMAP_H
#define PEEKPY_TIDMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

struct tid_map {
	pid_t pid;
	int32_t tid_offset;    /* -1 until calibrated */
};

void tidmap_init(struct tid_map *map, pid_t pid);

/*
 * Calibrate from the pthread_t values of the process's Python threads.
 * PP_EBADDATA when no offset maps them onto the process's thread ids.
 */
int tidmap_calibrate(struct tid_map *map, const uint64_t *pthreads, size_t n);

/* Kernel ids for pthreads[0..n) into tids (0 where unreadable). */
int tidmap_lookup(struct tid_map *map, struct snapshot *snap, const uint64_t *pthreads,
		  size_t n, uint32_t *tids);

/*
 * Find the descriptor offset given descriptor bytes: the smallest 4-aligned
 * offset at which every descriptor holds a distinct id from known_tids.
 * -1 when none.  (Exposed for tests.)
 */
int32_t tidmap_find_offset(const uint8_t *const *descriptors, size_t n, size_t len,
			   const uint32_t *known_tids, size_t n_known);

#endif
