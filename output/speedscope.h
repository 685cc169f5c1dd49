/*
 * speedscope.h - a stack tree as a speedscope profile (speedscope.app).
 *
 * Sampled profiles sharing one frame table: one per thread when the tree
 * has a root frame per thread (--threads), else one for all.  Each
 * distinct stack is one sample, weighted by its samples times the interval
 * (seconds) when the rate is known, else by its count.  Knows nothing of
 * processes.
 */
#ifndef PEEKPY_SPEEDSCOPE_H
#define PEEKPY_SPEEDSCOPE_H

#include <stdio.h>

#include "stacktree.h"

struct speedscope_meta {
	const char *name;       /* the profile group's name */
	double rate_hz;         /* 0: weights are sample counts */
	const char *exporter;   /* "peekpy 0.1.0" */
};

/* Write the tree; 0 or -errno from the stream. */
int speedscope_write(struct stacktree *tree, const struct speedscope_meta *meta, FILE *out);

#endif
