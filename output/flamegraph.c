/*
 * flamegraph.c - writing a stack tree as an SVG flame graph (see
 * flamegraph.h).  The layout is computed here; the interactive part is
 * output/flamegraph.js, embedded at build time, which reads the layout back
 * from a small data block rather than from the drawing.
 */
#include "flamegraph.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "codekind.h"
#include "escape.h"
#include "flamegraph_assets.h"

#define WIDTH 1200
#define PAD 10
#define FRAME_H 16
#define TOP 92           /* title, notes, command line, controls */
#define BOTTOM 44        /* details line, legend */
#define MIN_PX 0.1       /* narrower frames are left out */
#define CHAR_PX 7.2      /* a character of the 12px label font, roughly */
#define SHADES 16
/* A differential graph's colours come after the kinds' shades. */
#define DIFF_COLOURS (CODE_KINDS * SHADES)
#define DIFF_STEPS (2 * FLAMEGRAPH_DIFF_SHADES + 1)

/* One drawn frame: a node of the tree, in pre-order. */
struct box {
	uint32_t node;
	uint32_t depth;
	uint64_t x;             /* samples before it at its depth */
	uint8_t colour;         /* kind * SHADES + shade */
};

struct drawing {
	struct stacktree *tree;
	const struct flamegraph_diff *diff; /* a differential graph's, or NULL */
	uint32_t *child_start, *children;   /* children of each node, sorted */
	uint64_t *idle_totals;              /* per node, or NULL: none idle */
	struct box *boxes;
	size_t n_boxes, cap_boxes;
	uint64_t too_narrow;                /* nodes left out */
	uint32_t max_depth;
	double px_per_sample;
};

/* --- layout --- */

static int compare_children(const void *a, const void *b, void *ctx)
{
	struct stacktree *tree = ctx;
	uint32_t fa = tree->nodes[*(const uint32_t *)a].frame;
	uint32_t fb = tree->nodes[*(const uint32_t *)b].frame;
	int c = strcmp(frametab_text(&tree->frames, fa), frametab_text(&tree->frames, fb));

	return c ? c : (fa > fb) - (fa < fb);
}

/* Children of every node, sorted by frame text: flamegraph.pl's order,
 * with frames that print alike kept apart by identity. */
static void index_children(struct drawing *d)
{
	struct stacktree *tree = d->tree;
	size_t n = tree->n_nodes, i;
	uint32_t *fill;

	d->child_start = xcalloc(n + 1, sizeof(*d->child_start));
	d->children = xcalloc(n ? n : 1, sizeof(*d->children));
	for (i = 1; i < n; i++)
		d->child_start[tree->nodes[i].parent + 1]++;
	for (i = 0; i < n; i++)
		d->child_start[i + 1] += d->child_start[i];
	fill = xcalloc(n ? n : 1, sizeof(*fill));
	for (i = 1; i < n; i++) {
		uint32_t parent = tree->nodes[i].parent;

		d->children[d->child_start[parent] + fill[parent]++] = (uint32_t)i;
	}
	free(fill);
	for (i = 0; i < n; i++) {
		uint32_t count = d->child_start[i + 1] - d->child_start[i];

		if (count > 1)
			qsort_r(d->children + d->child_start[i], count, sizeof(uint32_t),
				compare_children, tree);
	}
}

static uint8_t colour_of(const struct drawing *d, uint32_t index)
{
	struct stacktree *tree = d->tree;
	const struct stack_node *node = &tree->nodes[index];
	const struct frame_key *key = frametab_key(&tree->frames, node->frame);
	uint32_t path = key->path ? key->path : key->file;
	const char *text = strtab_str(tree->strings, path);
	size_t len = strtab_len(tree->strings, path);
	enum code_kind kind;

	if (d->diff)
		return (uint8_t)(DIFF_COLOURS + FLAMEGRAPH_DIFF_SHADES + d->diff->shade[index]);
	if (key->kind == FRAME_NATIVE)
		return (uint8_t)(CODE_NATIVE * SHADES + codekind_module_hash(text, len) % SHADES);
	if (key->kind != FRAME_PYTHON)
		return CODE_ROOT * SHADES;
	if (d->idle_totals && node->total && d->idle_totals[index] == node->total)
		kind = CODE_IDLE;
	else
		kind = codekind_of(text, len);
	return (uint8_t)(kind * SHADES + codekind_module_hash(text, len) % SHADES);
}

struct pending {
	uint32_t node, depth;
	uint64_t x;
};

struct pending_stack {
	struct pending *items;
	size_t n, cap;
};

/* Push a node's children so that they pop left to right, from x on. */
static void push_children(const struct drawing *d, struct pending_stack *stack, uint32_t node,
			  uint32_t depth, uint64_t x)
{
	uint32_t first = d->child_start[node], last = d->child_start[node + 1], i;

	for (i = first; i < last; i++)
		x += d->tree->nodes[d->children[i]].total;
	for (i = last; i-- > first;) {
		x -= d->tree->nodes[d->children[i]].total;
		XGROW(stack->items, stack->cap, stack->n + 1);
		stack->items[stack->n++] = (struct pending){ d->children[i], depth, x };
	}
}

/* The number of nodes in the subtree under node, itself included. */
static uint64_t subtree_size(const struct drawing *d, uint32_t node, struct pending_stack *scratch)
{
	uint64_t count = 0;

	scratch->n = 0;
	push_children(d, scratch, node, 0, 0);
	count = 1;
	while (scratch->n) {
		uint32_t below = scratch->items[--scratch->n].node;

		count++;
		push_children(d, scratch, below, 0, 0);
	}
	return count;
}

/* Pre-order walk from the root's children, x offsets in samples; subtrees
 * narrower than MIN_PX are counted, not drawn. */
static void lay_out(struct drawing *d)
{
	struct stacktree *tree = d->tree;
	struct pending_stack stack = { 0 }, scratch = { 0 };
	uint64_t min_samples = (uint64_t)ceil(MIN_PX / d->px_per_sample);

	if (min_samples == 0)
		min_samples = 1;
	push_children(d, &stack, 0, 0, 0);
	while (stack.n) {
		struct pending at = stack.items[--stack.n];
		const struct stack_node *node = &tree->nodes[at.node];

		if (node->total < min_samples) {
			d->too_narrow += subtree_size(d, at.node, &scratch);
			continue;
		}
		XGROW(d->boxes, d->cap_boxes, d->n_boxes + 1);
		d->boxes[d->n_boxes++] = (struct box){
			.node = at.node, .depth = at.depth, .x = at.x,
			.colour = colour_of(d, at.node),
		};
		if (at.depth > d->max_depth)
			d->max_depth = at.depth;
		push_children(d, &stack, at.node, at.depth + 1, at.x);
	}
	free(stack.items);
	free(scratch.items);
}

/* --- writing --- */

/* Hue range, saturation and lightness of each kind's colours. */
static const struct palette {
	double hue_from, hue_to, saturation, lightness;
} palettes[CODE_KINDS] = {
	[CODE_YOURS] = { 14, 48, 0.85, 0.60 },
	[CODE_LIBRARY] = { 85, 150, 0.50, 0.55 },
	[CODE_STDLIB] = { 190, 235, 0.55, 0.66 },
	[CODE_NATIVE] = { 330, 360, 0.60, 0.64 },
	[CODE_IDLE] = { 0, 0, 0.00, 0.72 },
	[CODE_ROOT] = { 255, 285, 0.30, 0.76 },
};

static void write_colour(FILE *out, unsigned colour)
{
	const struct palette *p = &palettes[colour / SHADES];
	double shade = (double)(colour % SHADES) / (SHADES - 1);
	double hue = p->hue_from + (p->hue_to - p->hue_from) * shade;
	double light = p->lightness + (p->saturation == 0 ? 0.1 * shade : 0);
	double chroma = (1 - fabs(2 * light - 1)) * p->saturation;
	double h = fmod(hue, 360) / 60, second = chroma * (1 - fabs(fmod(h, 2) - 1));
	double rgb[3] = { 0, 0, 0 }, base = light - chroma / 2;

	switch ((int)h % 6) {
	case 0: rgb[0] = chroma, rgb[1] = second; break;
	case 1: rgb[0] = second, rgb[1] = chroma; break;
	case 2: rgb[1] = chroma, rgb[2] = second; break;
	case 3: rgb[1] = second, rgb[2] = chroma; break;
	case 4: rgb[0] = second, rgb[2] = chroma; break;
	default: rgb[0] = chroma, rgb[2] = second; break;
	}
	fprintf(out, ".c%u{fill:#%02x%02x%02x}", colour, (int)lround((rgb[0] + base) * 255),
		(int)lround((rgb[1] + base) * 255), (int)lround((rgb[2] + base) * 255));
}

/* A differential graph's shade: grey, to red (slower) or blue (faster). */
static void write_diff_colour(FILE *out, int step)
{
	double strength = (double)abs(step) / FLAMEGRAPH_DIFF_SHADES;
	int grey = 212, red[3] = { 226, 40, 32 }, blue[3] = { 40, 96, 226 }, rgb[3], i;

	for (i = 0; i < 3; i++) {
		int to = step > 0 ? red[i] : blue[i];

		rgb[i] = (int)lround(grey + (to - grey) * (0.25 + 0.75 * strength) * (step != 0));
	}
	fprintf(out, ".c%d{fill:#%02x%02x%02x}", DIFF_COLOURS + FLAMEGRAPH_DIFF_SHADES + step,
		rgb[0], rgb[1], rgb[2]);
}

/* A coordinate with one decimal, without a useless ".0". */
static void write_coord(FILE *out, double value)
{
	long tenths = lround(value * 10);

	if (tenths % 10 == 0)
		fprintf(out, "%ld", tenths / 10);
	else
		fprintf(out, "%s%ld.%ld", tenths < 0 ? "-" : "", labs(tenths) / 10, labs(tenths) % 10);
}

static double box_y(const struct drawing *d, uint32_t depth)
{
	return TOP + (double)(d->max_depth - depth) * FRAME_H;
}

/* The label that fits in width pixels: the text, or its start and "..". */
static void write_label(FILE *out, const char *text, double width)
{
	size_t fit = width > 6 ? (size_t)((width - 6) / CHAR_PX) : 0;
	size_t len = strlen(text), chars = 0, at = 0, cut = 0;

	while (at < len) {
		unsigned code;
		size_t n = escape_utf8_at(text + at, len - at, &code);

		if (chars + 2 == fit)
			cut = at;
		at += n ? n : 1;
		chars++;
	}
	if (chars <= fit) {
		escape_xml(out, text, len);
	} else {
		escape_xml(out, text, cut);
		fputs("..", out);
	}
}

static void write_notes(FILE *out, const struct drawing *d, const struct flamegraph_meta *meta)
{
	const char *sep = "";

	if (meta->python && *meta->python) {
		escape_xml(out, meta->python, strlen(meta->python));
		sep = " \xc2\xb7 ";
	}
	if (meta->duration_s > 0) {
		fprintf(out, "%s%.1f s", sep, meta->duration_s);
		sep = " \xc2\xb7 ";
	}
	fprintf(out, "%s%llu samples", sep,
		(unsigned long long)(meta->samples ? meta->samples : d->tree->samples));
	if (meta->rate_hz > 0)
		fprintf(out, " at %g/s", meta->rate_hz);
	fprintf(out, " \xc2\xb7 %llu errors", (unsigned long long)meta->errors);
	if (d->too_narrow)
		fprintf(out, " \xc2\xb7 %llu frames too narrow to draw",
			(unsigned long long)d->too_narrow);
}

static void write_header(FILE *out, const struct drawing *d, const struct flamegraph_meta *meta,
			 int height)
{
	const char *title = meta->title && *meta->title ? meta->title : "Flame graph";
	unsigned colour;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" onload=\"init(evt)\">\n"
		"<style type=\"text/css\"><![CDATA[\n%s", WIDTH, height, WIDTH, height,
		flamegraph_css);
	for (colour = 0; colour < CODE_KINDS * SHADES; colour++) {
		write_colour(out, colour);
		if (colour % 4 == 3)
			putc('\n', out);
	}
	for (colour = 0; d->diff && colour < DIFF_STEPS; colour++)
		write_diff_colour(out, (int)colour - FLAMEGRAPH_DIFF_SHADES);
	fprintf(out, "]]></style>\n<rect id=\"bg\" class=\"bg\" width=\"%d\" height=\"%d\"/>\n"
		"<text id=\"title\" x=\"%d\" y=\"24\">", WIDTH, height, WIDTH / 2);
	escape_xml(out, title, strlen(title));
	fprintf(out, "</text>\n<text id=\"notes\" x=\"%d\" y=\"44\">", WIDTH / 2);
	write_notes(out, d, meta);
	fprintf(out, "</text>\n<text id=\"command\" x=\"%d\" y=\"62\">", WIDTH / 2);
	if (meta->command)
		escape_xml(out, meta->command, strlen(meta->command));
	fprintf(out, "</text>\n<g id=\"controls\" display=\"none\">"
		"<text id=\"reset\" class=\"ctl\" x=\"%d\" y=\"82\">Reset zoom</text>"
		"<text id=\"view\" class=\"ctl\" x=\"%d\" y=\"82\">Icicle</text>"
		"<text id=\"reverse\" class=\"ctl\" x=\"%d\" y=\"82\">Reversed</text>"
		"<text id=\"icase\" class=\"ctl\" x=\"%d\" y=\"82\">ic</text>"
		"<text id=\"search\" class=\"ctl end\" x=\"%d\" y=\"82\">Search</text>%s</g>\n",
		PAD, PAD + 110, PAD + 180, WIDTH - PAD - 110, WIDTH - PAD,
		d->diff ? "<text id=\"before\" class=\"ctl\" x=\"270\" y=\"82\">Before</text>" : "");
}

/*
 * Whether a box is drawn in the file: a pixel wide or more.  The narrower
 * ones (down to MIN_PX) are only in the data, for the script to draw when
 * zooming makes them wide enough: most boxes of a large profile are
 * slivers, and a browser takes long to load many thousands of elements.
 * flamegraph.js applies the same rule to tell which box each rect is.
 */
static bool drawn_in_file(const struct drawing *d, const struct box *b)
{
	return d->tree->nodes[b->node].total * (WIDTH - 2 * PAD) >= d->tree->samples;
}

static void write_boxes(FILE *out, struct drawing *d)
{
	size_t i;

	fputs("<g id=\"r\">\n", out);
	for (i = 0; i < d->n_boxes; i++) {
		const struct box *b = &d->boxes[i];

		if (!drawn_in_file(d, b))
			continue;
		fputs("<rect x=\"", out);
		write_coord(out, PAD + (double)b->x * d->px_per_sample);
		fputs("\" y=\"", out);
		write_coord(out, box_y(d, b->depth));
		fputs("\" width=\"", out);
		write_coord(out, (double)d->tree->nodes[b->node].total * d->px_per_sample);
		fprintf(out, "\" height=\"%d\" class=\"c%u\"/>\n", FRAME_H - 1, b->colour);
	}
	fputs("</g>\n<g id=\"t\">\n", out);
	for (i = 0; i < d->n_boxes; i++) {
		const struct box *b = &d->boxes[i];
		double width = (double)d->tree->nodes[b->node].total * d->px_per_sample;

		if (width < 6 + 3 * CHAR_PX)
			continue;
		fputs("<text x=\"", out);
		write_coord(out, PAD + (double)b->x * d->px_per_sample + 3);
		fputs("\" y=\"", out);
		write_coord(out, box_y(d, b->depth) + 11.5);
		fputs("\">", out);
		write_label(out, frametab_text(&d->tree->frames, d->tree->nodes[b->node].frame), width);
		fputs("</text>\n", out);
	}
	fputs("</g>\n", out);
}

static void write_diff_legend(FILE *out, int height)
{
	static const struct { int step; const char *name; } keys[] = {
		{ FLAMEGRAPH_DIFF_SHADES, "slower (surer: deeper)" },
		{ 0, "within noise" },
		{ -FLAMEGRAPH_DIFF_SHADES, "faster" },
	};
	int x = PAD;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" class=\"c%d\"/>"
			"<text x=\"%d\" y=\"%d\">%s</text>", x, height - 16,
			DIFF_COLOURS + FLAMEGRAPH_DIFF_SHADES + keys[i].step, x + 14, height - 7,
			keys[i].name);
		x += 24 + (int)(strlen(keys[i].name) * CHAR_PX);
	}
}

static void write_legend(FILE *out, int height, bool diff)
{
	int x = PAD, kind;

	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n<g id=\"legend\">",
		PAD, height - 26, WIDTH - PAD, height - 26);
	if (diff) {
		write_diff_legend(out, height);
		fputs("</g>\n", out);
		return;
	}
	for (kind = 0; kind < CODE_KINDS; kind++) {
		const char *name = codekind_name((enum code_kind)kind);

		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" class=\"c%d\"/>"
			"<text x=\"%d\" y=\"%d\">%s</text>", x, height - 16, kind * SHADES + SHADES / 2,
			x + 14, height - 7, name);
		x += 24 + (int)(strlen(name) * CHAR_PX);
	}
	fputs("</g>\n", out);
}

/* A differential graph's numbers per box, for the hover line. */
static void write_diff_data(FILE *out, const struct drawing *d)
{
	static const char *const labels[] = { "ob", "oa", "tb", "ta", "sb", "sa", "ch", "lo", "hi",
					      "v" };
	size_t i, k;

	for (k = 0; k < sizeof(labels) / sizeof(labels[0]); k++) {
		fprintf(out, "],\n%s:[", labels[k]);
		for (i = 0; i < d->n_boxes; i++) {
			const struct flamegraph_diff_node *n = &d->diff->nodes[d->boxes[i].node];
			const float values[] = { n->own_before, n->own_after, n->total_before,
						 n->total_after, n->samples_before, n->samples_after,
						 n->change, n->low, n->high };

			fputs(i ? (i % 32 ? "," : ",\n") : "", out);
			if (k == 9)
				fprintf(out, "%u", n->verdict);
			else if (isfinite(values[k]))
				fprintf(out, "%.4g", values[k]);
			else
				fputs("0", out);
		}
	}
}

/* The layout again, as data for the script: frames used, then per box its
 * depth, x, width (samples), frame and colour (and a differential graph's
 * hover line).  The first layout is P, with the picture's measures; a
 * differential graph's "before" layout is P.b. */
static void write_data(FILE *out, struct drawing *d, const struct flamegraph_meta *meta,
		       bool first)
{
	struct stacktree *tree = d->tree;
	uint32_t *frame_index = xcalloc(tree->frames.count + 1, sizeof(*frame_index));
	uint32_t n_frames = 0;
	size_t i;
	int kind;

	if (first) {
		fprintf(out, "var P={n:%llu,dt:%.9g,top:%d,fh:%d,pad:%d,width:%d,timed:%d,kinds:[",
			(unsigned long long)tree->samples,
			meta->rate_hz > 0 ? 1.0 / meta->rate_hz : 0.0, TOP, FRAME_H, PAD, WIDTH,
			d->diff ? d->diff->timed : 1);
		for (kind = 0; kind < CODE_KINDS; kind++) {
			const char *name = codekind_name((enum code_kind)kind);

			fputs(kind ? "," : "", out);
			escape_json(out, name, strlen(name));
		}
		fputs("],\nf:[", out);
	} else {
		fprintf(out, "P.b={n:%llu,\nf:[", (unsigned long long)tree->samples);
	}
	for (i = 0; i < d->n_boxes; i++) {
		uint32_t frame = tree->nodes[d->boxes[i].node].frame;
		const char *text;

		if (frame_index[frame])
			continue;
		frame_index[frame] = ++n_frames;
		text = frametab_text(&tree->frames, frame);
		fputs(n_frames > 1 ? (n_frames % 16 == 1 ? ",\n" : ",") : "", out);
		escape_json(out, text, strlen(text));
	}
#define WRITE_ARRAY(label, expr)                                              \
	do {                                                                  \
		fputs("],\n" label ":[", out);                                \
		for (i = 0; i < d->n_boxes; i++)                              \
			fprintf(out, i ? (i % 32 ? ",%llu" : ",\n%llu") : "%llu", \
				(unsigned long long)(expr));                  \
	} while (0)
	WRITE_ARRAY("d", d->boxes[i].depth);
	WRITE_ARRAY("x", d->boxes[i].x);
	WRITE_ARRAY("w", tree->nodes[d->boxes[i].node].total);
	WRITE_ARRAY("fr", frame_index[tree->nodes[d->boxes[i].node].frame] - 1);
	WRITE_ARRAY("c", d->boxes[i].colour);
#undef WRITE_ARRAY
	if (d->diff)
		write_diff_data(out, d);
	fputs("]};\n", out);
	free(frame_index);
}

/* Boxes in pre-order, from the tree's totals as they are. */
static void draw(struct drawing *d)
{
	struct stacktree *tree = d->tree;

	d->px_per_sample = tree->samples ? (double)(WIDTH - 2 * PAD) / (double)tree->samples : 0;
	index_children(d);
	if (!d->diff)
		d->idle_totals = stacktree_idle_totals(tree);
	if (tree->samples)
		lay_out(d);
}

static void drawing_release(struct drawing *d)
{
	free(d->boxes);
	free(d->idle_totals);
	free(d->children);
	free(d->child_start);
}

static void write_start(FILE *out, struct drawing *d, const struct flamegraph_meta *meta)
{
	int height = TOP + (int)(d->n_boxes ? d->max_depth + 1 : 1) * FRAME_H + BOTTOM;

	write_header(out, d, meta, height);
	write_boxes(out, d);
	write_legend(out, height, d->diff != NULL);
	fputs("<script type=\"text/ecmascript\"><![CDATA[\n", out);
	write_data(out, d, meta, true);
}

static int write_end(FILE *out)
{
	fputs(flamegraph_js, out);
	fputs("]]></script>\n</svg>\n", out);
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

int flamegraph_write(struct stacktree *tree, const struct flamegraph_meta *meta, FILE *out)
{
	struct drawing d = { .tree = tree };
	int err;

	draw(&d);
	write_start(out, &d, meta);
	err = write_end(out);
	drawing_release(&d);
	return err;
}

/* Give the tree one side's own counts, and totals from them. */
static void use_counts(struct stacktree *tree, const uint64_t *self)
{
	size_t i;

	tree->samples = 0;
	for (i = 0; i < tree->n_nodes; i++) {
		tree->nodes[i].self = self[i];
		tree->samples += self[i];
	}
	stacktree_compute_totals(tree);
}

int flamegraph_write_diff(struct stacktree *tree, const struct flamegraph_meta *meta,
			  const struct flamegraph_diff *diff, FILE *out)
{
	struct drawing after = { .tree = tree, .diff = diff }, before = after;
	uint64_t *kept = xcalloc(tree->n_nodes + 1, sizeof(*kept)), samples = tree->samples;
	size_t i;
	int err;

	for (i = 0; i < tree->n_nodes; i++)
		kept[i] = tree->nodes[i].self;
	use_counts(tree, diff->after_self);
	draw(&after);
	write_start(out, &after, meta);
	use_counts(tree, diff->before_self);
	draw(&before);
	write_data(out, &before, meta, false);
	err = write_end(out);
	use_counts(tree, kept);
	tree->samples = samples;
	drawing_release(&after);
	drawing_release(&before);
	free(kept);
	return err;
}
