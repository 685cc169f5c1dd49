/*
 * diff.c - the diff command (see diff.h).
 *
 * Every stack (a node of the runset's tree) is compared on its own time,
 * with the noise model fitted on the functions; stacks big enough are
 * judged together, as check's rows are.  The graph's shade says which way
 * a stack's time went and how sure that is.
 */
#include "diff.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "../output/checkreport.h"
#include "../output/compare.h"
#include "../output/difftext.h"
#include "../output/flamegraph.h"
#include "../output/functable.h"
#include "../output/runset.h"
#include "invoker.h"
#include "outfile.h"
#include "report.h"
#include "sides.h"

struct diffing {
	const struct options *options;
	struct sides sides;
	struct noise_model noise;
	struct node_change *nodes;    /* per node */
	uint64_t *side_self[2];       /* per node, summed over a side's runs */
	uint64_t *side_total[2];
	int8_t *shade;
};

static void node_counts(const struct runset *set, size_t node, double *counts)
{
	for (size_t r = 0; r < set->n_runs; r++)
		counts[r] = (double)set->runs[r].self[node];
}

static void sum_sides(struct diffing *d)
{
	const struct stacktree *tree = &d->sides.set.tree;
	size_t n = tree->n_nodes, r, i;
	int side;

	for (side = 0; side < 2; side++) {
		d->side_self[side] = xcalloc(n + 1, sizeof(uint64_t));
		d->side_total[side] = xcalloc(n + 1, sizeof(uint64_t));
	}
	for (r = 0; r < d->sides.set.n_runs; r++)
		for (i = 0; i < n; i++)
			d->side_self[d->sides.set.runs[r].side][i] += d->sides.set.runs[r].self[i];
	for (side = 0; side < 2; side++) {
		memcpy(d->side_total[side], d->side_self[side], n * sizeof(uint64_t));
		for (i = n; i-- > 1;)
			d->side_total[side][tree->nodes[i].parent] += d->side_total[side][i];
	}
}

/* Which stacks are judged: own share above --min-share on either side,
 * of a function --function chose. */
static bool judged(const struct diffing *d, size_t node, const double *counts)
{
	return d->sides.chosen[d->sides.set.tree.nodes[node].frame] &&
	       sides_big_enough(&d->sides, counts);
}

static void judge_nodes(struct diffing *d)
{
	size_t n = d->sides.set.tree.n_nodes, i, family = 0;
	double *counts = xcalloc(d->sides.set.n_runs + 1, sizeof(*counts));
	struct judgement how = { .threshold = 0, .family_alpha = COMPARE_FAMILY_ALPHA };

	d->nodes = xcalloc(n + 1, sizeof(*d->nodes));
	for (i = 1; i < n; i++) {
		node_counts(&d->sides.set, i, counts);
		d->nodes[i].judged = judged(d, i, counts);
		family += d->nodes[i].judged;
	}
	how.family = family;
	for (i = 1; i < n; i++) {
		/* A stack is part of its function: out of the yardstick too. */
		bool in_pool = d->noise.steady && d->noise.steady[d->sides.set.tree.nodes[i].frame];

		node_counts(&d->sides.set, i, counts);
		if (d->nodes[i].judged)
			compare_row(&d->noise, &d->sides.set, counts, in_pool, &how, &d->nodes[i].change);
		else
			compare_describe(&d->sides.set, counts, &d->nodes[i].change);
	}
	free(counts);
}

/* Red or blue where the change is real, deeper the surer; grey else. */
static int8_t shade_of(const struct node_change *n)
{
	const struct change *c = &n->change;
	double margin, half_width, strength;
	int sign;

	if (!n->judged)
		return 0;
	if (c->verdict == VERDICT_NEW || c->verdict == VERDICT_GONE)
		return c->verdict == VERDICT_NEW ? FLAMEGRAPH_DIFF_SHADES : -FLAMEGRAPH_DIFF_SHADES;
	if (c->verdict == VERDICT_NOISE)
		return 0;
	sign = c->z > 0 ? 1 : -1;
	/* How far the interval keeps from "unchanged", in half-widths: from
	 * just real (a third of the scale) to a half-width away (all of it). */
	margin = sign > 0 ? log(c->low) : -log(c->high);
	half_width = (log(c->high) - log(c->low)) / 2;
	strength = half_width > 0 ? fmin(1, margin / half_width) : 1;
	return (int8_t)(sign * (int)lround(fmax(3, strength * FLAMEGRAPH_DIFF_SHADES)));
}

/* A side's mean time per sample (1 for untimed input). */
static double side_unit(const struct runset *set, enum side side)
{
	double sum = 0;
	size_t n = 0, r;

	for (r = 0; r < set->n_runs; r++) {
		if (set->runs[r].side != side)
			continue;
		sum += runset_unit(set, &set->runs[r]);
		n++;
	}
	return n ? sum / (double)n : 1;
}

/* A side's summed count, as a time per run. */
static double per_run(const struct runset *set, enum side side, uint64_t summed)
{
	size_t runs = runset_count(set, side);

	return runs ? (double)summed / (double)runs * side_unit(set, side) : 0;
}

static uint8_t hover_verdict(const struct node_change *n)
{
	if (!n->judged)
		return DIFF_NOT_JUDGED;
	switch (n->change.verdict) {
	case VERDICT_NEW: return DIFF_NEW;
	case VERDICT_GONE: return DIFF_GONE;
	case VERDICT_NOISE: return DIFF_NOISE;
	default: return n->change.z > 0 ? DIFF_SLOWER : DIFF_FASTER;
	}
}

/* What hovering each node says. */
static struct flamegraph_diff_node *hover_nodes(const struct diffing *d)
{
	size_t n = d->sides.set.tree.n_nodes, i;
	struct flamegraph_diff_node *nodes = xcalloc(n + 1, sizeof(*nodes));

	for (i = 1; i < n; i++) {
		const struct node_change *c = &d->nodes[i];

		nodes[i] = (struct flamegraph_diff_node){
			.own_before = (float)per_run(&d->sides.set, SIDE_BASE, d->side_self[SIDE_BASE][i]),
			.own_after = (float)per_run(&d->sides.set, SIDE_NEW, d->side_self[SIDE_NEW][i]),
			.total_before = (float)per_run(&d->sides.set, SIDE_BASE, d->side_total[SIDE_BASE][i]),
			.total_after = (float)per_run(&d->sides.set, SIDE_NEW, d->side_total[SIDE_NEW][i]),
			.samples_before = (float)d->side_self[SIDE_BASE][i],
			.samples_after = (float)d->side_self[SIDE_NEW][i],
			.change = (float)(c->change.ratio - 1),
			.low = (float)(c->change.low - 1),
			.high = (float)(c->change.high - 1),
			.verdict = hover_verdict(c),
		};
	}
	return nodes;
}

static int write_svg(void *ctx, FILE *out)
{
	struct diffing *d = ctx;
	struct stacktree *tree = &d->sides.set.tree;
	size_t n = tree->n_nodes, i;
	char title[256];
	struct flamegraph_diff diff;
	int err;

	struct flamegraph_diff_node *hover = hover_nodes(d);

	d->shade = xcalloc(n + 1, sizeof(*d->shade));
	for (i = 1; i < n; i++)
		d->shade[i] = shade_of(&d->nodes[i]);
	diff = (struct flamegraph_diff){ .after_self = d->side_self[SIDE_NEW],
					 .before_self = d->side_self[SIDE_BASE],
					 .shade = d->shade, .nodes = hover, .timed = d->sides.set.timed };
	snprintf(title, sizeof(title), "peekpy diff: %zu run%s before, %zu after",
		 runset_count(&d->sides.set, SIDE_BASE), runset_count(&d->sides.set, SIDE_BASE) == 1 ? "" : "s",
		 runset_count(&d->sides.set, SIDE_NEW));
	err = flamegraph_write_diff(tree, &(struct flamegraph_meta){
					    .title = title, .command = d->sides.set.command[SIDE_NEW] },
				    &diff, out);
	free(hover);
	free(d->shade);
	d->shade = NULL;
	return err;
}

static int write_collapsed(void *ctx, FILE *out)
{
	struct diffing *d = ctx;

	return difftext_collapsed(out, &d->sides.set.tree, d->nodes);
}

static int write_json(void *ctx, FILE *out)
{
	struct diffing *d = ctx;

	return difftext_json(out, &d->sides.set.tree, d->nodes, d->sides.set.timed,
			     runset_count(&d->sides.set, SIDE_BASE), runset_count(&d->sides.set, SIDE_NEW));
}

static int diff_all(struct diffing *d)
{
	const struct options *o = d->options;
	const char *format = o->diff_format ? o->diff_format : "svg";
	char output[4096];
	struct invoker as;
	int status, err;

	status = sides_open(&d->sides, o);
	if (status)
		return status;
	noise_fit(&d->noise, &d->sides.set, &d->sides.functions.own);
	sum_sides(d);
	judge_nodes(d);
	if (o->output)
		snprintf(output, sizeof(output), "%s", o->output);
	else
		snprintf(output, sizeof(output), "diff.%s",
			 strcmp(format, "collapsed") == 0 ? "txt" : format);
	invoker_find(&as);
	err = outfile_write(output, &as,
			    strcmp(format, "svg") == 0         ? write_svg
			    : strcmp(format, "collapsed") == 0 ? write_collapsed
							       : write_json,
			    d);
	if (err) {
		report("cannot write '%s': %s", output, strerror(-err));
		return 1;
	}
	return 0;
}

int diff_run(const struct options *o)
{
	struct diffing d = { .options = o };
	int status, side;

	status = diff_all(&d);
	for (side = 0; side < 2; side++) {
		free(d.side_self[side]);
		free(d.side_total[side]);
	}
	free(d.nodes);
	noise_release(&d.noise);
	sides_release(&d.sides);
	return status;
}
