/*
 * heatmap.h - a stack tree as one self-contained HTML page: the flame
 * graph, and under it the source of the hottest files with each line's
 * samples shaded (its own, and with what it calls).  Clicking a frame of
 * the graph zooms to it and shows its line in the source.
 *
 * Source files are read through a callback the caller gives (outputs
 * open no files); a file that cannot be read is listed with its lines'
 * counts only.  Lines of a recursive function count each sample once.
 * Knows nothing of processes.
 */
#ifndef PEEKPY_HEATMAP_H
#define PEEKPY_HEATMAP_H

#include <stddef.h>
#include <stdio.h>

#include "flamegraph.h"
#include "stacktree.h"

/* Read the file at path into *text (malloc'd, *len bytes): 0 or -errno. */
typedef int (*heatmap_read_fn)(void *ctx, const char *path, char **text, size_t *len);

/* Files shown when no one file is asked for: the hottest, by own samples. */
#define HEATMAP_FILES 10

struct heatmap_meta {
	struct flamegraph_meta graph;
	heatmap_read_fn read_source;   /* NULL: counts only */
	void *source_ctx;
	const char *only_file;         /* show this file only (its path ends so) */
};

/* Write the page; 0 or -errno from the stream. */
int heatmap_write(struct stacktree *tree, const struct heatmap_meta *meta, FILE *out);

#endif
