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

/* --- reading --- */

/* "NAME (FILE:LINE)" or "NAME (FILE)": a Python frame; else its text. */
static uint32_t read_frame(struct stacktree *tree, const char *text, size_t len, bool no_lines)
{
	struct frame_key key = { .kind = FRAME_TEXT, .line = FRAME_NO_LINE };
	const char *open = NULL, *colon = NULL, *end = text + len;
	size_t i;

	if (len > 3 && text[len - 1] == ')') {
		for (i = len - 1; i-- > 0;) {
			if (text[i] == '(' && i > 0 && text[i - 1] == ' ') {
				open = text + i;
				break;
			}
		}
	}
	if (open) {
		const char *digits;
		char *stop;
		long line;

		for (colon = end - 1; colon > open && *colon != ':'; colon--)
			;
		digits = colon + 1;
		line = colon > open ? strtol(digits, &stop, 10) : 0;
		if (colon > open && stop == end - 1 && stop > digits) {
			key.line = no_lines ? FRAME_NO_LINE : (int32_t)line;
		} else {
			colon = end - 1;
		}
		key.kind = FRAME_PYTHON;
		key.name = strtab_intern(tree->strings, text, (size_t)(open - 1 - text));
		key.file = strtab_intern(tree->strings, open + 1, (size_t)(colon - open - 1));
		key.path = key.file;
	} else {
		key.name = strtab_intern(tree->strings, text, len);
	}
	return frametab_intern(&tree->frames, &key);
}

/* Whether a stack's root frame is the thread asked for. */
static bool wanted_thread(const char *line, size_t len, long thread)
{
	char prefix[32];
	int n = snprintf(prefix, sizeof(prefix), "thread %ld", thread);

	return thread < 0 || ((size_t)n <= len && memcmp(line, prefix, (size_t)n) == 0 &&
			      ((size_t)n == len || line[n] == ' ' || line[n] == ';'));
}

static bool read_line(struct stacktree *tree, char *line, size_t len, struct collapsed_read *how,
		      uint32_t **frames, size_t *cap)
{
	char *space, *stop, *at;
	unsigned long long count;
	size_t depth = 0;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (len == 0)
		return true;
	space = memrchr(line, ' ', len);
	if (!space || space == line)
		return false;
	errno = 0;
	count = strtoull(space + 1, &stop, 10);
	if (errno || stop == space + 1 || *stop || space[1] == '-')
		return false;
	if (count > COLLAPSED_MAX_SAMPLES - how->samples)
		return false;
	if (!wanted_thread(line, (size_t)(space - line), how->thread))
		return true;
	for (at = line; at < space;) {
		char *semi = memchr(at, ';', (size_t)(space - at));
		char *frame_end = semi ? semi : space;

		if (frame_end > at) {
			XGROW(*frames, *cap, depth + 1);
			(*frames)[depth++] = read_frame(tree, at, (size_t)(frame_end - at), how->no_lines);
		}
		at = frame_end + 1;
	}
	if (depth && count) {
		stacktree_add_stack(tree, *frames, depth, count, false);
		how->samples += count;
	}
	return true;
}

int collapsed_read(struct stacktree *tree, FILE *in, struct collapsed_read *how)
{
	char *line = NULL;
	size_t line_cap = 0, frames_cap = 0;
	uint32_t *frames = NULL;
	ssize_t len;
	int err = 0;

	how->lines = how->bad_lines = how->first_bad_line = how->samples = 0;
	while ((len = getline(&line, &line_cap, in)) >= 0) {
		how->lines++;
		if (!read_line(tree, line, (size_t)len, how, &frames, &frames_cap)) {
			if (!how->bad_lines++)
				how->first_bad_line = how->lines;
		}
	}
	if (ferror(in))
		err = errno ? -errno : -EIO;
	free(line);
	free(frames);
	return err;
}
