/*
 * render.c - drawing a profile from a file (see render.h).
 */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/strtab.h"
#include "../output/collapsed.h"
#include "../output/flamegraph.h"
#include "../output/stacktree.h"
#include "outfile.h"
#include "report.h"

/* FILE with its extension replaced by the format's. */
static void default_output(const struct options *o, char *buf, size_t size)
{
	const char *base = strrchr(o->input, '/');
	const char *dot = strrchr(base ? base + 1 : o->input, '.');
	int stem = dot ? (int)(dot - o->input) : (int)strlen(o->input);

	snprintf(buf, size, "%.*s.%s", stem, o->input, options_format_extension(o->format));
}

struct rendering {
	const struct options *options;
	struct stacktree *tree;
};

static int write_tree(void *ctx, FILE *out)
{
	const struct rendering *r = ctx;
	const char *base = strrchr(r->options->input, '/');
	char title[512];
	struct flamegraph_meta meta = { .title = title };

	if (r->options->format == FORMAT_COLLAPSED)
		return collapsed_write(r->tree, out);
	snprintf(title, sizeof(title), "peekpy: %s", base ? base + 1 : r->options->input);
	stacktree_compute_totals(r->tree);
	return flamegraph_write(r->tree, &meta, out);
}

int render_run(const struct options *o)
{
	struct stack_options stack_options = { .lines = o->lines, .include_idle = true };
	struct collapsed_read how = { .thread = o->thread, .no_lines = o->lines == STACK_LINES_NONE };
	struct strtab strings;
	struct stacktree tree;
	char output[4096];
	FILE *in;
	int err, status = 0;

	if (o->output)
		snprintf(output, sizeof(output), "%s", o->output);
	else
		default_output(o, output, sizeof(output));
	if (strcmp(output, o->input) == 0) {
		report("'%s' would be written over the file it renders: give -o", o->input);
		return 2;
	}
	in = strcmp(o->input, "-") == 0 ? stdin : fopen(o->input, "r");
	if (!in) {
		report("cannot read '%s': %s", o->input, strerror(errno));
		return 1;
	}
	strtab_init(&strings);
	stacktree_init(&tree, &strings, &stack_options);
	err = collapsed_read(&tree, in, &how);
	stacktree_compact(&tree);
	if (in != stdin)
		fclose(in);
	if (err) {
		report("reading '%s' failed after line %llu: %s; rendering what was read", o->input,
		       (unsigned long long)how.lines, strerror(-err));
		status = 1;
	} else if (how.bad_lines) {
		report("%s: %llu of %llu lines are not collapsed stacks ('frame;frame COUNT'), "
		       "the first at line %llu; rendered the rest", o->input,
		       (unsigned long long)how.bad_lines, (unsigned long long)how.lines,
		       (unsigned long long)how.first_bad_line);
		status = 1;
	}
	err = outfile_write(output, write_tree, &(struct rendering){ o, &tree });
	if (err) {
		report("cannot write '%s': %s", output, strerror(-err));
		status = 1;
	}
	stacktree_release(&tree);
	strtab_release(&strings);
	return status;
}
