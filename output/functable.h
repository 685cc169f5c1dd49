/*
 * functable.h - a runset's counts by function: per run, each function's
 * own samples (its frame innermost) and total samples (its frame anywhere
 * in the stack, a recursive call counted once), and the samples of any
 * set of functions taken together (a budget's).  A function is a frame of
 * the runset's tree, whose frames carry no line: "parse (myapp/io.py)".
 * Knows nothing of statistics nor of files.
 */
#ifndef PEEKPY_FUNCTABLE_H
#define PEEKPY_FUNCTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "compare.h"
#include "runset.h"

struct functable {
	size_t n_functions;            /* frame ids 0 .. n-1 */
	struct measure_table own, total;
	char **dotted;                 /* per function: "myapp.io.parse" */
};

/* After runset_finish(). */
void functable_build(struct functable *ft, struct runset *set);
void functable_release(struct functable *ft);

/* Per run, the samples whose stack holds any function with match[id]
 * (each sample once): counts has a slot per run. */
void functable_count_matching(const struct runset *set, const bool *match, double *counts);

#endif
