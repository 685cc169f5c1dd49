/*
 * flamegraph.h - a stack tree as an interactive SVG flame graph.
 *
 * One self-contained file: the picture is drawn as plain SVG (it opens in
 * an image viewer and in GitHub markdown), and a script embedded in it adds
 * hover details, click to zoom, search (regex, Matched %), icicle and
 * reversed (callers-of) views, and URL parameters that drive them:
 * flame.svg?s=REGEX&i=1 (search, ignoring case), ?zoom=REGEX (zoom to the
 * widest frame matching), ?v=icicle or ?v=reversed.  Frames are coloured by
 * kind of code, and within a kind by module.  Frames a pixel wide or more
 * are drawn in the file; narrower ones down to a tenth of a pixel are only
 * in the data, drawn when a zoom makes them wide enough (a browser loads a
 * file of a million samples in a fraction of a second); narrower still
 * are left out and counted in the notes.  Identical trees give
 * byte-identical files, and the file is valid XML whatever bytes the names
 * held.  Knows nothing of processes.
 */
#ifndef PEEKPY_FLAMEGRAPH_H
#define PEEKPY_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stacktree.h"

/* What the picture says it shows; NULL or 0 fields are left out. */
struct flamegraph_meta {
	const char *title;      /* default "Flame graph" */
	const char *command;    /* what was profiled: a command line, "process 12" */
	const char *python;     /* "CPython 3.12.1" */
	double duration_s;
	double rate_hz;         /* samples asked per second: gives estimated times */
	uint64_t samples;       /* samples taken; 0: the stacks in the tree */
	uint64_t errors;
};

/* Write the tree (totals computed); 0 or -errno from the stream. */
int flamegraph_write(struct stacktree *tree, const struct flamegraph_meta *meta, FILE *out);

/* The shades of a differential graph, each way from grey. */
#define FLAMEGRAPH_DIFF_SHADES 10

/*
 * A differential flame graph: the tree drawn twice, with each node's own
 * samples after (the view the file opens on) and before (a "Before"
 * control shows it: frames that vanished are there).  Per node, a shade
 * from -FLAMEGRAPH_DIFF_SHADES (faster, blue) through 0 (grey) to
 * +FLAMEGRAPH_DIFF_SHADES (slower, red), and the line hovering shows.
 */
enum flamegraph_diff_verdict {
	DIFF_NOT_JUDGED = 0, DIFF_NOISE, DIFF_SLOWER, DIFF_FASTER, DIFF_NEW, DIFF_GONE,
};

/* What hovering a node of a differential graph says: time per run (or
 * samples, untimed) and, where judged, the change of its own time. */
struct flamegraph_diff_node {
	float own_before, own_after, total_before, total_after;
	float samples_before, samples_after;   /* own samples, summed over a side's runs */
	float change, low, high;     /* ratio - 1 and its interval, where judged */
	uint8_t verdict;             /* enum flamegraph_diff_verdict */
};

struct flamegraph_diff {
	const uint64_t *after_self, *before_self;   /* per node */
	const int8_t *shade;                        /* per node */
	const struct flamegraph_diff_node *nodes;   /* per node */
	bool timed;                                 /* times in seconds, else samples */
};

/* The tree's counts are replaced while drawing and restored after. */
int flamegraph_write_diff(struct stacktree *tree, const struct flamegraph_meta *meta,
			  const struct flamegraph_diff *diff, FILE *out);

#endif
