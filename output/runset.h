/*
 * runset.h - the runs of a program to compare: a BASE side and a NEW side,
 * each one or more runs, read from recordings (.peek, whose --repeat runs
 * are kept apart) or collapsed stacks (one run a file).
 *
 * Every run goes into one tree of stacks, with line numbers dropped (a
 * change moves lines; the functions stay), so that the same path is the
 * same node on both sides; per run, each node's own samples are kept.
 * Knows nothing of statistics: compare.h reads the counts.  Knows nothing
 * of processes: it reads files through output/'s readers.
 */
#ifndef PEEKPY_RUNSET_H
#define PEEKPY_RUNSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/strtab.h"
#include "stacktree.h"

enum side { SIDE_BASE = 0, SIDE_NEW = 1 };

struct run {
	enum side side;
	uint64_t samples;          /* thread stacks counted (idle threads left out) */
	double seconds_per_sample; /* of one thread stack; 0 when the input has no time */
	uint64_t *self;            /* per tree node, its own samples in this run */
	size_t n_self;             /* nodes the tree had when the run was read */
};

struct runset {
	struct strtab strings;
	struct stacktree tree;     /* of every run; its counts are all runs' */
	struct run *runs;
	size_t n_runs, cap_runs;
	uint64_t *counted;         /* per node: self samples already given a run */
	size_t cap_counted;
	char command[2][1024];     /* what each side profiled (its first recording's) */
	bool timed;                /* every run knows its time per sample */
};

void runset_init(struct runset *set);
void runset_release(struct runset *set);

/*
 * Add the runs of one file to a side.  0; or, with a line for the user in
 * why: PP_EFORMAT (not a profile, damaged or cut short: a comparison must
 * not rest on part of a run), PP_EVERSION, or -errno.
 */
int runset_add_file(struct runset *set, enum side side, FILE *in, const char *name,
		    char *why, size_t why_size);

/* Done adding: every run's counts cover the whole tree.  Call once. */
void runset_finish(struct runset *set);

/* Runs on a side. */
size_t runset_count(const struct runset *set, enum side side);

/* A run's time per sample: seconds, or 1 (a sample) when the input has no
 * time (collapsed stacks). */
double runset_unit(const struct runset *set, const struct run *run);

#endif
