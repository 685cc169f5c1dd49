/*
 * functable.c - counts by function (see functable.h).
 *
 * The runset's tree numbers a node after its parent, so that one pass from
 * the last node to the first sums every subtree, and one pass from the
 * first to the last carries what the callers above a node are.
 */
#include "functable.h"

#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

/* "myapp/io.py" and "parse" -> "myapp.io.parse"; a package's __init__
 * is the package.  Frames that are not Python keep their name. */
static char *dotted_name(struct stacktree *tree, uint32_t frame)
{
	const struct frame_key *key = frametab_key(&tree->frames, frame);
	const char *name = strtab_str(tree->strings, key->name);
	const char *file = strtab_str(tree->strings, key->file);
	size_t len = strtab_len(tree->strings, key->file), i;
	char *text;

	if (key->kind != FRAME_PYTHON || !len || file[0] == '<')
		return xstrdup(name);
	if (len > 3 && strcmp(file + len - 3, ".py") == 0)
		len -= 3;
	else if (len > 4 && strcmp(file + len - 4, ".pyx") == 0)
		len -= 4;
	if (len >= 9 && memcmp(file + len - 9, "/__init__", 9) == 0)
		len -= 9;
	text = xmalloc(len + strlen(name) + 2);
	for (i = 0; i < len; i++)
		text[i] = file[i] == '/' ? '.' : file[i];
	text[len] = '.';
	strcpy(text + len + 1, name);
	return text;
}

/* Whether a node's function is called above it too (recursion): its
 * total is then counted at the outermost call only. */
static bool called_above(const struct stacktree *tree, size_t node)
{
	uint32_t frame = tree->nodes[node].frame;
	size_t at;

	for (at = tree->nodes[node].parent; at != 0; at = tree->nodes[at].parent)
		if (tree->nodes[at].frame == frame)
			return true;
	return false;
}

/* Each node's samples with its subtree's, for one run. */
static void subtree_counts(const struct stacktree *tree, const uint64_t *self, uint64_t *sums)
{
	size_t i;

	memcpy(sums, self, tree->n_nodes * sizeof(*sums));
	for (i = tree->n_nodes; i-- > 1;)
		sums[tree->nodes[i].parent] += sums[i];
}

void functable_build(struct functable *ft, struct runset *set)
{
	struct stacktree *tree = &set->tree;
	size_t n_nodes = tree->n_nodes, r, i;
	uint64_t *sums = xcalloc(n_nodes + 1, sizeof(*sums));
	bool *outermost = xcalloc(n_nodes + 1, sizeof(*outermost));

	memset(ft, 0, sizeof(*ft));
	ft->n_functions = tree->frames.count;
	measure_table_init(&ft->own, ft->n_functions, set->n_runs);
	measure_table_init(&ft->total, ft->n_functions, set->n_runs);
	ft->dotted = xcalloc(ft->n_functions + 1, sizeof(*ft->dotted));
	for (i = 0; i < ft->n_functions; i++)
		ft->dotted[i] = dotted_name(tree, (uint32_t)i);
	for (i = 1; i < n_nodes; i++)
		outermost[i] = !called_above(tree, i);
	for (r = 0; r < set->n_runs; r++) {
		const uint64_t *self = set->runs[r].self;

		subtree_counts(tree, self, sums);
		for (i = 1; i < n_nodes; i++) {
			uint32_t frame = tree->nodes[i].frame;

			measure_row(&ft->own, frame)[r] += (double)self[i];
			if (outermost[i])
				measure_row(&ft->total, frame)[r] += (double)sums[i];
		}
	}
	free(outermost);
	free(sums);
}

void functable_release(struct functable *ft)
{
	size_t i;

	for (i = 0; i < ft->n_functions; i++)
		free(ft->dotted[i]);
	free(ft->dotted);
	measure_table_release(&ft->own);
	measure_table_release(&ft->total);
	memset(ft, 0, sizeof(*ft));
}

void functable_count_matching(const struct runset *set, const bool *match, double *counts)
{
	const struct stacktree *tree = &set->tree;
	size_t n_nodes = tree->n_nodes, r, i;
	uint64_t *sums = xcalloc(n_nodes + 1, sizeof(*sums));
	/* Per node: whether a matching function calls it (from above). */
	bool *under_match = xcalloc(n_nodes + 1, sizeof(*under_match));

	for (i = 1; i < n_nodes; i++) {
		uint32_t parent = tree->nodes[i].parent;

		under_match[i] = parent && (under_match[parent] || match[tree->nodes[parent].frame]);
	}
	for (r = 0; r < set->n_runs; r++) {
		subtree_counts(tree, set->runs[r].self, sums);
		counts[r] = 0;
		for (i = 1; i < n_nodes; i++)
			if (match[tree->nodes[i].frame] && !under_match[i])
				counts[r] += (double)sums[i];
	}
	free(under_match);
	free(sums);
}
