/*
 * difftext.c - a comparison as collapsed lines or JSON (see difftext.h).
 */
#include "difftext.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "escape.h"

static bool has_samples(const struct node_change *n)
{
	return n->change.before_samples > 0 || n->change.after_samples > 0;
}

/* The node's frames, root first: at most cap, their number returned. */
static size_t path_of(const struct stacktree *tree, uint32_t node, uint32_t *frames, size_t cap)
{
	size_t depth = 0, i;

	for (uint32_t at = node; at != 0 && depth < cap; at = tree->nodes[at].parent)
		frames[depth++] = tree->nodes[at].frame;
	for (i = 0; i < depth / 2; i++) {
		uint32_t swap = frames[i];

		frames[i] = frames[depth - 1 - i];
		frames[depth - 1 - i] = swap;
	}
	return depth;
}

static size_t tree_depth(const struct stacktree *tree)
{
	size_t deepest = 0, i;
	size_t *depth = xcalloc(tree->n_nodes + 1, sizeof(*depth));

	for (i = 1; i < tree->n_nodes; i++) {
		depth[i] = depth[tree->nodes[i].parent] + 1;
		if (depth[i] > deepest)
			deepest = depth[i];
	}
	free(depth);
	return deepest;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *collapsed_line(struct stacktree *tree, uint32_t node, const struct node_change *n,
			    uint32_t *frames, size_t cap)
{
	size_t depth = path_of(tree, node, frames, cap), len = 64, i, at = 0;
	char *line;

	for (i = 0; i < depth; i++)
		len += strlen(frametab_text(&tree->frames, frames[i])) + 1;
	line = xmalloc(len);
	for (i = 0; i < depth; i++)
		at += (size_t)snprintf(line + at, len - at, "%s%s", i ? ";" : "",
				       frametab_text(&tree->frames, frames[i]));
	snprintf(line + at, len - at, " %.0f %.0f", n->change.before_samples,
		 n->change.after_samples);
	return line;
}

int difftext_collapsed(FILE *out, struct stacktree *tree, const struct node_change *nodes)
{
	size_t cap = tree_depth(tree) + 1, n_lines = 0, i;
	uint32_t *frames = xcalloc(cap, sizeof(*frames));
	char **lines = xcalloc(tree->n_nodes + 1, sizeof(*lines));

	for (i = 1; i < tree->n_nodes; i++)
		if (has_samples(&nodes[i]))
			lines[n_lines++] = collapsed_line(tree, (uint32_t)i, &nodes[i], frames, cap);
	qsort(lines, n_lines, sizeof(*lines), compare_lines);
	for (i = 0; i < n_lines; i++) {
		fputs(lines[i], out);
		putc('\n', out);
		free(lines[i]);
	}
	free(lines);
	free(frames);
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

static void json_number(FILE *out, const char *key, double value)
{
	fprintf(out, ", \"%s\": ", key);
	if (isfinite(value))
		fprintf(out, "%.9g", value);
	else
		fputs("null", out);
}

int difftext_json(FILE *out, struct stacktree *tree, const struct node_change *nodes,
		  bool timed, size_t base_runs, size_t new_runs)
{
	size_t cap = tree_depth(tree) + 1, i, j, written = 0;
	uint32_t *frames = xcalloc(cap, sizeof(*frames));

	fprintf(out, "{\n  \"base_runs\": %zu,\n  \"new_runs\": %zu,\n  \"time_unit\": \"%s\",\n"
		"  \"stacks\": [", base_runs, new_runs, timed ? "seconds" : "samples");
	for (i = 1; i < tree->n_nodes; i++) {
		const struct node_change *n = &nodes[i];
		size_t depth;

		if (!has_samples(n))
			continue;
		depth = path_of(tree, (uint32_t)i, frames, cap);
		fputs(written++ ? ",\n    {\"frames\": [" : "\n    {\"frames\": [", out);
		for (j = 0; j < depth; j++) {
			const char *text = frametab_text(&tree->frames, frames[j]);

			fputs(j ? ", " : "", out);
			escape_json(out, text, strlen(text));
		}
		fputs("]", out);
		json_number(out, "before_samples", n->change.before_samples);
		json_number(out, "after_samples", n->change.after_samples);
		json_number(out, "before", n->change.before);
		json_number(out, "after", n->change.after);
		if (n->judged) {
			json_number(out, "change", n->change.ratio - 1);
			json_number(out, "low", n->change.low - 1);
			json_number(out, "high", n->change.high - 1);
			fprintf(out, ", \"verdict\": \"%s\"}", verdict_name(n->change.verdict));
		} else {
			fputs(", \"verdict\": \"not judged\"}", out);
		}
	}
	fputs(written ? "\n  ]\n}\n" : "]\n}\n", out);
	free(frames);
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
