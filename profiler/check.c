/*
 * check.c - the check command (see check.h).
 */
#include "check.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "../output/checkreport.h"
#include "../output/compare.h"
#include "../output/functable.h"
#include "../output/runset.h"
#include "invoker.h"
#include "outfile.h"
#include "report.h"
#include "sides.h"

/* Rows the table shows; the JSON report has them all. */
#define TABLE_ROWS 25
/* Below this share of NEW's time in functions BASE also ran, the two
 * profiles are taken for different programs. */
#define MIN_COMMON_SHARE 0.5

struct checking {
	const struct options *options;
	struct sides sides;
	struct check_report report;
};

/* Whether a row holds (nearly) every sample of every run: the program's
 * outermost frames.  A share cannot move there, and testing it would only
 * widen every other row's interval. */
static bool holds_everything(const struct checking *c, const double *counts)
{
	size_t r;

	for (r = 0; r < c->sides.set.n_runs; r++)
		if (counts[r] < 0.99 * (double)c->sides.set.runs[r].samples)
			return false;
	return true;
}

static bool same_counts(const double *a, const double *b, size_t n)
{
	return memcmp(a, b, n * sizeof(*a)) == 0;
}

static void add_row(struct checking *c, size_t function, bool total)
{
	struct check_report *r = &c->report;

	r->rows = xreallocarray(r->rows, r->n_rows + 1, sizeof(*r->rows));
	r->rows[r->n_rows++] = (struct check_row){
		.function = frametab_text(&c->sides.set.tree.frames, (uint32_t)function),
		.dotted = c->sides.functions.dotted[function],
		.total = total,
		.id = function,
	};
}

/* The rows compared: own time of every function chosen and big enough,
 * and its total time where that differs from its own (not a leaf) and is
 * not the whole program. */
static void choose_rows(struct checking *c)
{
	struct functable *ft = &c->sides.functions;
	size_t runs = c->sides.set.n_runs, f;

	for (f = 0; f < ft->n_functions; f++) {
		const double *own = measure_row(&ft->own, f), *total = measure_row(&ft->total, f);

		if (!c->sides.chosen[f])
			continue;
		if (sides_big_enough(&c->sides, own))
			add_row(c, f, false);
		if (!same_counts(own, total, runs) && sides_big_enough(&c->sides, total) &&
		    !holds_everything(c, total))
			add_row(c, f, true);
	}
}

static void judge_rows(struct checking *c)
{
	struct check_report *r = &c->report;
	struct judgement how = { .threshold = c->options->threshold,
				 .family_alpha = COMPARE_FAMILY_ALPHA, .family = r->n_rows };
	size_t i;

	noise_fit(&r->noise, &c->sides.set, &c->sides.functions.own);
	for (i = 0; i < r->n_rows; i++) {
		struct check_row *row = &r->rows[i];
		struct measure_table *table = row->total ? &c->sides.functions.total
							 : &c->sides.functions.own;
		/* An own row the yardstick holds is left out of it. */
		bool in_pool = !row->total && r->noise.steady && r->noise.steady[row->id];

		compare_row(&r->noise, &c->sides.set, measure_row(table, row->id), in_pool, &how,
			    &row->change);
		r->regressions += row->change.verdict == VERDICT_SLOWER;
		r->improvements += row->change.verdict == VERDICT_FASTER;
	}
	checkreport_sort(r);
}

/* "20%" (a share) or "5ms", "2s", "300us" (seconds per run). */
static int parse_limit(const char *text, struct budget_result *b)
{
	static const struct { const char *suffix; double scale; } units[] = {
		{ "%", 0.01 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 },
	};
	char *end;
	size_t u;

	errno = 0;
	b->limit = strtod(text, &end);
	if (errno || end == text || !isfinite(b->limit) || b->limit < 0 || strchr(text, 'x'))
		return -1;
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (strcmp(end, units[u].suffix) == 0) {
			b->limit *= units[u].scale;
			b->is_share = u == 0;
			return 0;
		}
	}
	return -1;
}

/* One budget: the samples of NEW's runs in any matching function. */
static int check_budget(struct checking *c, const char *spec, struct budget_result *b)
{
	const char *eq = strrchr(spec, '=');
	size_t n = c->sides.functions.n_functions, f, r;
	bool *match = xcalloc(n + 1, sizeof(*match));
	double *counts = xcalloc(c->sides.set.n_runs + 1, sizeof(*counts)), share;
	char pattern[512];

	memset(b, 0, sizeof(*b));
	b->spec = spec;
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(pattern) || parse_limit(eq + 1, b)) {
		report("--budget needs PATTERN=LIMIT, a share (20%%) or a time per run (5ms), "
		       "not '%s'", spec);
		free(match);
		free(counts);
		return 2;
	}
	if (!b->is_share && !c->sides.set.timed) {
		report("--budget '%s' is a time, but collapsed stacks hold no time: give a "
		       "share (%%) or compare recordings (peekpy record -f raw)", spec);
		free(match);
		free(counts);
		return 2;
	}
	memcpy(pattern, spec, (size_t)(eq - spec));
	pattern[eq - spec] = '\0';
	for (f = 0; f < n; f++) {
		match[f] = fnmatch(pattern, c->sides.functions.dotted[f], 0) == 0 ||
			   fnmatch(pattern, frametab_text(&c->sides.set.tree.frames, (uint32_t)f), 0) == 0;
		b->functions += match[f];
	}
	functable_count_matching(&c->sides.set, match, counts);
	for (r = 0; r < c->sides.set.n_runs; r++)
		if (c->sides.set.runs[r].side != SIDE_NEW)
			counts[r] = 0;
	side_mean(&c->sides.set, counts, SIDE_NEW, &b->value, &share);
	if (b->is_share)
		b->value = share;
	b->exceeded = b->value > b->limit;
	free(match);
	free(counts);
	return 0;
}

/* Share of NEW's samples in functions BASE ran too. */
static double common_share(const struct checking *c)
{
	const struct functable *ft = &c->sides.functions;
	double common = 0, all = 0;
	size_t f, r;

	for (f = 0; f < ft->n_functions; f++) {
		const double *own = ft->own.counts + f * ft->own.n_runs;
		double before = 0, after = 0;

		for (r = 0; r < c->sides.set.n_runs; r++) {
			if (c->sides.set.runs[r].side == SIDE_BASE)
				before += own[r];
			else
				after += own[r];
		}
		all += after;
		if (before > 0)
			common += after;
	}
	return all > 0 ? common / all : 1;
}

static int write_markdown(void *ctx, FILE *out)
{
	checkreport_markdown(out, ctx, TABLE_ROWS);
	return ferror(out) ? -EIO : 0;
}

static int write_json(void *ctx, FILE *out)
{
	checkreport_json(out, ctx);
	return ferror(out) ? -EIO : 0;
}

static int write_reports(const struct checking *c)
{
	const struct options *o = c->options;
	struct invoker as;
	int err;

	invoker_find(&as);
	if (o->json_path) {
		err = outfile_write(o->json_path, &as, write_json, (void *)&c->report);
		if (err) {
			report("cannot write '%s': %s", o->json_path, strerror(-err));
			return 2;
		}
	}
	if (o->markdown_path) {
		err = outfile_write(o->markdown_path, &as, write_markdown, (void *)&c->report);
		if (err) {
			report("cannot write '%s': %s", o->markdown_path, strerror(-err));
			return 2;
		}
	}
	return 0;
}

static int check_all(struct checking *c)
{
	const struct options *o = c->options;
	struct check_report *r = &c->report;
	size_t i;
	int status;

	status = sides_open(&c->sides, o);
	if (status)
		return status;
	r->base_runs = runset_count(&c->sides.set, SIDE_BASE);
	r->new_runs = runset_count(&c->sides.set, SIDE_NEW);
	r->base_samples = sides_samples(&c->sides.set, SIDE_BASE);
	r->new_samples = sides_samples(&c->sides.set, SIDE_NEW);
	r->base_command = c->sides.set.command[SIDE_BASE];
	r->new_command = c->sides.set.command[SIDE_NEW];
	r->timed = c->sides.set.timed;
	r->threshold = o->threshold;
	r->min_share = o->min_share;
	r->family_alpha = COMPARE_FAMILY_ALPHA;
	if (r->base_runs && common_share(c) < MIN_COMMON_SHARE) {
		report("BASE and NEW look like different programs: only %.0f%% of NEW's samples "
		       "are in functions BASE ran; nothing compared", 100 * common_share(c));
		return 2;
	}
	if (r->base_runs) {
		choose_rows(c);
		judge_rows(c);
	}
	r->budgets = xcalloc(o->n_budgets + 1, sizeof(*r->budgets));
	for (i = 0; i < o->n_budgets; i++) {
		status = check_budget(c, o->budgets[i], &r->budgets[r->n_budgets]);
		if (status)
			return status;
		r->n_budgets++;
	}
	r->result = r->regressions ? CHECK_FAILED : CHECK_PASSED;
	for (i = 0; i < r->n_budgets; i++)
		if (r->budgets[i].exceeded)
			r->result = CHECK_FAILED;
	checkreport_text(stdout, r, TABLE_ROWS);
	fflush(stdout);
	status = write_reports(c);
	return status ? status : (int)r->result;
}

int check_run(const struct options *o)
{
	struct checking c = { .options = o };
	int status;

	status = check_all(&c);
	free(c.report.rows);
	free(c.report.budgets);
	noise_release(&c.report.noise);
	sides_release(&c.sides);
	return status;
}
