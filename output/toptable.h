/*
 * toptable.h - the live table of `peekpy top`: functions by own and total
 * samples.
 *
 * Every tick's threads are added; a frame's own count grows when it is the
 * innermost of a stack, its total once per stack it appears in (however
 * deep a recursion).  The table is written as text for a screen of a given
 * size, sorted by the column asked for.  Knows nothing of terminals or
 * processes: the caller clears the screen and reads the keys.
 */
#ifndef PEEKPY_TOPTABLE_H
#define PEEKPY_TOPTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/sample.h"
#include "../base/strtab.h"
#include "stacktree.h"

enum top_sort {
	TOP_SORT_OWN = 0,      /* own samples (and own time) */
	TOP_SORT_TOTAL,        /* total samples (and total time) */
	TOP_SORT_NAME,
};

struct toptable {
	struct stacktree names;    /* names frames as the line mode says */
	struct top_count {
		uint64_t own, total;
		uint32_t last_tick;    /* to count a frame once per stack */
	} *counts;                 /* by frame id */
	size_t cap_counts;
	uint32_t *scratch;
	size_t cap_scratch;
	uint64_t ticks, gil_ticks, errors;
	uint32_t active_threads;   /* running threads in the last tick */
	uint32_t stamp;
};

void toptable_init(struct toptable *table, struct strtab *strings, int lines);
void toptable_release(struct toptable *table);

/* Start again with another line mode (enum stack_lines): counts restart. */
void toptable_reset(struct toptable *table, int lines);

/* One tick: its threads (idle ones are added only if kept by the caller),
 * and whether it met an error. */
void toptable_add_sample(struct toptable *table, const struct sample *sample, bool error);

struct top_view {
	int width, height;         /* characters */
	enum top_sort sort;
	double interval_s;         /* one sample's worth of time */
	const char *title;         /* first line: what is watched */
	double rate;               /* achieved samples per second */
	bool paused;
	bool keys;                 /* show the key help line */
};

/* Write the table; 0 or -errno from the stream. */
int toptable_write(struct toptable *table, const struct top_view *view, FILE *out);

#endif
