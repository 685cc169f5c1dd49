/*
 * difftext.h - a comparison of two sides, stack by stack, as text for
 * scripts: collapsed lines with two counts ("frame;frame BEFORE AFTER",
 * the form flamegraph.pl's difffolded.pl writes and reads), or JSON with
 * each stack's change and interval.  Knows nothing of how the changes
 * were judged: it writes what it is given.
 */
#ifndef PEEKPY_DIFFTEXT_H
#define PEEKPY_DIFFTEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "compare.h"
#include "stacktree.h"

/* Per node of the tree: what a side's runs hold, and the judgement. */
struct node_change {
	struct change change;      /* valid where judged */
	bool judged;               /* big enough to be judged */
};

/* Nodes with own samples on either side, one line each, sorted bytewise.
 * The counts are samples summed over each side's runs.  0 or -errno. */
int difftext_collapsed(FILE *out, struct stacktree *tree, const struct node_change *nodes);

/* The same as JSON, with times, changes and verdicts.  0 or -errno. */
int difftext_json(FILE *out, struct stacktree *tree, const struct node_change *nodes,
		  bool timed, size_t base_runs, size_t new_runs);

#endif
