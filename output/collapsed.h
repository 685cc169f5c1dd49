/*
 * collapsed.h - the collapsed-stack text format.
 *
 * One line per distinct stack: frames root first joined by ';', a space and
 * the number of samples.  Lines are sorted bytewise, so identical samples
 * give byte-identical files.  This is the format flamegraph.pl, speedscope,
 * py-spy and austin tools read.  Knows nothing of processes.
 */
#ifndef PEEKPY_COLLAPSED_H
#define PEEKPY_COLLAPSED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stacktree.h"

/* Write the tree; 0 or -errno from the stream. */
int collapsed_write(struct stacktree *tree, FILE *out);

/* What reading collapsed stacks keeps and what it found. */
struct collapsed_read {
	long thread;            /* keep only stacks under "thread TID"; -1: all */
	bool no_lines;          /* drop ":LINE" from "NAME (FILE:LINE)" frames */
	/* out: */
	uint64_t lines, bad_lines, first_bad_line;
	uint64_t samples;       /* the counts of the lines read, summed */
};

/* The most samples a profile holds: counts past it are bad lines (the
 * flame graph's script computes widths in doubles, exact up to 2^53). */
#define COLLAPSED_MAX_SAMPLES (1ull << 53)

/*
 * Add collapsed stacks from any tool (peekpy, py-spy, austin, perf with
 * stackcollapse) to the tree.  A frame written "NAME (FILE:LINE)" is read
 * as a Python frame, anything else by its text.  Lines that are not
 * "frame;frame COUNT" are skipped and counted, and so are lines whose
 * count would take the total past COLLAPSED_MAX_SAMPLES.  0 or -errno from the
 * stream.
 */
int collapsed_read(struct stacktree *tree, FILE *in, struct collapsed_read *how);

#endif
