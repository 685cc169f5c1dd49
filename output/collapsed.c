/*
 * collapsed.c - writing collapsed stacks (see collapsed.h).
 */
#include "collapsed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

struct line {
	char *text;
	size_t len;
	uint64_t count;
};

static int compare_lines(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->text, y->text, n);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* The text of the stack ending at node: its frames root first, ';'-joined. */
static char *stack_text(struct stacktree *tree, uint32_t node, size_t *len,
			uint32_t **path, size_t *path_cap)
{
	size_t depth = 0, total = 0, i;
	char *text, *at;

	for (uint32_t n = node; n != 0; n = tree->nodes[n].parent) {
		XGROW(*path, *path_cap, depth + 1);
		(*path)[depth++] = tree->nodes[n].frame;
		total += strlen(frametab_text(&tree->frames, tree->nodes[n].frame)) + 1;
	}
	text = xmalloc(total + 1);
	at = text;
	for (i = depth; i-- > 0;) {
		const char *frame = frametab_text(&tree->frames, (*path)[i]);
		size_t n = strlen(frame);

		memcpy(at, frame, n);
		at += n;
		if (i)
			*at++ = ';';
	}
	*at = '\0';
	*len = (size_t)(at - text);
	return text;
}

int collapsed_write(struct stacktree *tree, FILE *out)
{
	struct line *lines = NULL;
	size_t n_lines = 0, cap = 0, i, path_cap = 0;
	uint32_t *path = NULL;
	int err = 0;

	for (i = 1; i < tree->n_nodes; i++) {
		struct line *line;

		if (!tree->nodes[i].self)
			continue;
		XGROW(lines, cap, n_lines + 1);
		line = &lines[n_lines++];
		line->text = stack_text(tree, (uint32_t)i, &line->len, &path, &path_cap);
		line->count = tree->nodes[i].self;
	}
	if (n_lines)
		qsort(lines, n_lines, sizeof(*lines), compare_lines);
	for (i = 0; i < n_lines; i++) {
		if (fwrite(lines[i].text, 1, lines[i].len, out) != lines[i].len ||
		    fprintf(out, " %llu\n", (unsigned long long)lines[i].count) < 0)
			err = -EIO;
		free(lines[i].text);
	}
	free(lines);
	free(path);
	if (fflush(out) != 0 || ferror(out))
		err = -errno ? -errno : -EIO;
	return err;
}
