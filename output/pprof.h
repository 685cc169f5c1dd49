/*
 * pprof.h - a stack tree as a pprof profile (profile.proto, gzip-compressed),
 * the format of `go tool pprof` and of most fleet-profiling backends.
 *
 * Each distinct stack is one sample with two values, its sample count and
 * that count times the sampling period in nanoseconds ("cpu", or "wall"
 * when idle threads were kept); with no known rate, the count alone.  A
 * location is a frame with its line, a function a name in a file.  Thread
 * and process root frames become labels ("thread", "thread id", "pid",
 * "process") instead of locations.  Knows nothing of processes.
 */
#ifndef PEEKPY_PPROF_H
#define PEEKPY_PPROF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stacktree.h"

struct pprof_meta {
	double rate_hz;             /* 0: unknown, counts only */
	bool wall;                  /* idle threads kept: the time is wall time */
	uint64_t started_unix_ns;   /* 0: unknown */
	uint64_t duration_ns;       /* 0: unknown */
	const char *program;        /* the mapping's file name ("python" if NULL) */
	const char *comments[4];    /* NULL or "" entries are skipped */
};

/* Write the tree; 0 or -errno from the stream (-ENOMEM from zlib). */
int pprof_write(struct stacktree *tree, const struct pprof_meta *meta, FILE *out);

#endif
