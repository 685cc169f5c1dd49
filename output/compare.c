/*
 * compare.c - the noise model and the comparison of two sides (see
 * compare.h).
 */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "statdist.h"

/*
 * The least sampling noise the fit may settle on, as a multiple of the
 * binomial's.  Sampling a program whose calls last longer than the
 * sampling period is much more even than drawing at random (a 10 ms call
 * sampled every 10 ms is seen once, every time); the floor keeps a fit on
 * a few runs that happened to agree from promising more than that.
 */
#define SAMPLING_FLOOR 0.05
#define FIT_ROUNDS 8
/* Fewer per-side variances than this fit the sampling noise alone. */
#define MIN_POINTS_FOR_SPREAD 4

void measure_table_init(struct measure_table *t, size_t n_rows, size_t n_runs)
{
	t->n_rows = n_rows;
	t->n_runs = n_runs;
	t->counts = xcalloc(n_rows * n_runs + 1, sizeof(*t->counts));
}

void measure_table_release(struct measure_table *t)
{
	free(t->counts);
	memset(t, 0, sizeof(*t));
}

const char *verdict_name(enum verdict verdict)
{
	static const char *const names[] = {
		[VERDICT_NOISE] = "within noise",
		[VERDICT_SMALL] = "below threshold",
		[VERDICT_SLOWER] = "SLOWER",
		[VERDICT_FASTER] = "faster",
		[VERDICT_NEW] = "new",
		[VERDICT_GONE] = "gone",
	};
	return names[verdict];
}

/* What a side's runs say of one row.  The row is measured in each run as
 * its share of the run's samples: a run on a slower machine slows every
 * function alike and leaves the shares as they were. */
struct side_stats {
	size_t runs;
	double share;         /* mean share of the runs' samples */
	double per_run;       /* mean samples per run (all rows) */
	double count;         /* share * per_run: the row's samples in a typical run */
	double mean;          /* time per run: count times the mean time per sample */
	double samples;       /* the row's, summed */
	double variance;      /* of the shares, in samples of a typical run (runs >= 2) */
};

static void side_stats(const struct runset *set, const double *counts, enum side side,
		       struct side_stats *s)
{
	double unit = 0;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < set->n_runs; i++) {
		const struct run *run = &set->runs[i];

		if (run->side != side)
			continue;
		s->runs++;
		s->share += run->samples ? counts[i] / (double)run->samples : 0;
		s->per_run += (double)run->samples;
		s->samples += counts[i];
		unit += runset_unit(set, run);
	}
	if (!s->runs)
		return;
	s->share /= (double)s->runs;
	s->per_run /= (double)s->runs;
	s->count = s->share * s->per_run;
	s->mean = s->count * unit / (double)s->runs;
	if (s->runs < 2)
		return;
	for (i = 0; i < set->n_runs; i++) {
		const struct run *run = &set->runs[i];
		double d;

		if (run->side != side || !run->samples)
			continue;
		d = (counts[i] / (double)run->samples - s->share) * s->per_run;
		s->variance += d * d;
	}
	s->variance /= (double)(s->runs - 1);
}

void side_mean(const struct runset *set, const double *counts, enum side side,
	       double *mean, double *share)
{
	struct side_stats s;

	side_stats(set, counts, side, &s);
	*mean = s.mean;
	*share = s.share;
}

/* One per-side variance the fit uses: observed, and its two parts' scales. */
struct fit_point {
	double observed, binomial, squared, df;
};

/* Weighted least squares of observed on binomial and squared, both
 * coefficients kept at their floors; weights from the last fit. */
static void fit_round(const struct fit_point *points, size_t n, struct noise_model *m,
		      bool with_spread)
{
	double s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0, det, a, b;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct fit_point *p = &points[i];
		double predicted = m->sampling * p->binomial + m->spread * p->squared;
		double w = p->df / (predicted * predicted);

		s11 += w * p->binomial * p->binomial;
		s12 += w * p->binomial * p->squared;
		s22 += w * p->squared * p->squared;
		s1y += w * p->binomial * p->observed;
		s2y += w * p->squared * p->observed;
	}
	det = s11 * s22 - s12 * s12;
	a = det > 0 ? (s1y * s22 - s2y * s12) / det : s1y / s11;
	b = det > 0 ? (s2y * s11 - s1y * s12) / det : 0;
	if (b < 0 || !with_spread) {
		b = 0;
		a = s1y / s11;
	}
	if (a < SAMPLING_FLOOR) {
		a = SAMPLING_FLOOR;
		b = s22 > 0 && with_spread ? fmax(0, (s2y - a * s12) / s22) : 0;
	}
	m->sampling = a;
	m->spread = b;
}

/* The per-side variances the fit rests on: rows seen often enough, on
 * sides of two runs or more. */
static size_t fit_points(const struct runset *set, const struct measure_table *table,
			 struct fit_point *points)
{
	size_t n = 0, row;
	int side;

	for (row = 0; row < table->n_rows; row++) {
		for (side = SIDE_BASE; side <= SIDE_NEW; side++) {
			struct side_stats s;

			side_stats(set, table->counts + row * table->n_runs, (enum side)side, &s);
			if (s.runs < 2 || s.count < 5)
				continue;
			points[n++] = (struct fit_point){
				.observed = s.variance,
				.binomial = s.count * (1 - s.share),
				.squared = s.count * s.count,
				.df = (double)(s.runs - 1),
			};
		}
	}
	return n;
}

/* Variance of the log of a side's mean share: its sampling and spread
 * parts. */
static void log_variance(const struct noise_model *m, const struct side_stats *s,
			 double *sampling_part, double *spread_part)
{
	/* Half a sample keeps a row seen zero times finite. */
	double count = s->count + 0.5;
	double share = fmin(s->share, 1);

	*sampling_part = m->sampling * (1 - share) / count / (double)s->runs;
	*spread_part = m->spread / (double)s->runs;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The yardstick: the change of the typical function's share (the median
 * over functions seen often on both sides).  A function that got slower
 * takes share from all the others; dividing by the median's change gives
 * them back their own (unchanged) ratio, and the changed one its whole
 * change.  The median's own noise, about pi/2 times a function's over the
 * functions it is taken from, is added to every comparison.
 */
static void fit_scale(struct noise_model *m, const struct runset *set,
		      const struct measure_table *table, size_t least)
{
	double *ratios = xcalloc(table->n_rows + 1, sizeof(*ratios)), variance = 0;
	size_t n = 0, row;

	for (row = 0; row < table->n_rows; row++) {
		struct side_stats before, after;
		double a1, b1, a2, b2;

		side_stats(set, table->counts + row * table->n_runs, SIDE_BASE, &before);
		side_stats(set, table->counts + row * table->n_runs, SIDE_NEW, &after);
		if (before.count < (double)least || after.count < (double)least)
			continue;
		ratios[n++] = log(after.share / before.share);
		log_variance(m, &before, &a1, &b1);
		log_variance(m, &after, &a2, &b2);
		variance += a1 + b1 + a2 + b2;
	}
	if (n) {
		qsort(ratios, n, sizeof(*ratios), compare_doubles);
		m->log_scale = n % 2 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
		m->scale_variance = M_PI / 2 * variance / (double)n / (double)n;
		m->scale_rows = n;
	}
	free(ratios);
}

/* A row's log ratio against a yardstick, and the variance of that. */
struct against {
	double log_ratio, variance, spread_variance;
};

static void row_against(const struct noise_model *m, const struct side_stats *before,
			const struct side_stats *after, double log_scale, double scale_variance,
			struct against *out)
{
	double a_base, b_base, a_new, b_new;

	log_variance(m, before, &a_base, &b_base);
	log_variance(m, after, &a_new, &b_new);
	out->spread_variance = b_base + b_new;
	out->variance = a_base + a_new + out->spread_variance + scale_variance;
	out->log_ratio = log((after->count + 0.5) / after->per_run) -
			 log((before->count + 0.5) / before->per_run) - log_scale;
}

/* The spread is estimated from few runs; the sampling part is known from
 * the counts: Welch-Satterthwaite gives the degrees of freedom of their
 * sum. */
static double degrees_of_freedom(const struct noise_model *m, const struct against *x)
{
	if (x->spread_variance <= 0 || m->spread_df <= 0)
		return STAT_DF_NORMAL;
	return fmin(STAT_DF_NORMAL, x->variance * x->variance /
				    (x->spread_variance * x->spread_variance / m->spread_df));
}

/*
 * The yardstick made sharper: the functions that did not move against the
 * median (at the 5% level, each alone) are pooled, and a row is measured
 * against the pool (less itself): a pool of many samples is known far
 * better than one median function, and a function that changed is not in
 * it to drag the others along.
 */
static void fit_pool(struct noise_model *m, const struct runset *set,
		     const struct measure_table *table)
{
	size_t row, r;

	m->steady = xcalloc(table->n_rows + 1, sizeof(*m->steady));
	m->pool = xcalloc(set->n_runs + 1, sizeof(*m->pool));
	m->n_pool = set->n_runs;
	for (row = 0; row < table->n_rows; row++) {
		const double *counts = table->counts + row * table->n_runs;
		struct side_stats before, after;
		struct against x;

		side_stats(set, counts, SIDE_BASE, &before);
		side_stats(set, counts, SIDE_NEW, &after);
		if (!before.samples || !after.samples)
			continue;
		row_against(m, &before, &after, m->log_scale, m->scale_variance, &x);
		if (stat_t_two_sided(x.log_ratio / sqrt(x.variance), degrees_of_freedom(m, &x)) < 0.05)
			continue;
		m->steady[row] = true;
		m->steady_rows++;
		for (r = 0; r < set->n_runs; r++)
			m->pool[r] += counts[r];
	}
}

void noise_fit(struct noise_model *m, const struct runset *set, const struct measure_table *table)
{
	struct fit_point *points = xcalloc(2 * table->n_rows + 1, sizeof(*points));
	size_t n, round;
	int side;

	memset(m, 0, sizeof(*m));
	m->sampling = 1;
	for (side = SIDE_BASE; side <= SIDE_NEW; side++) {
		size_t runs = runset_count(set, (enum side)side);

		if (runs >= 2)
			m->spread_df += (double)(runs - 1);
	}
	n = fit_points(set, table, points);
	if (n >= 2) {
		m->measured = true;
		m->variances = n;
		m->spread = 0.001;
		for (round = 0; round < FIT_ROUNDS; round++)
			fit_round(points, n, m, n >= MIN_POINTS_FOR_SPREAD);
	}
	free(points);
	if (runset_count(set, SIDE_BASE) && runset_count(set, SIDE_NEW)) {
		fit_scale(m, set, table, 20);
		if (!m->scale_rows)
			fit_scale(m, set, table, 5);
		fit_pool(m, set, table);
	}
}

void noise_release(struct noise_model *m)
{
	free(m->steady);
	free(m->pool);
	m->steady = NULL;
	m->pool = NULL;
}

/* The yardstick for a row: the pool less the row (when it is in it), or
 * the median when the pool is too thin. */
static void yardstick(const struct noise_model *m, const struct runset *set, const double *counts,
		      bool in_pool, double *log_scale, double *variance)
{
	double *pool = xcalloc(set->n_runs + 1, sizeof(*pool));
	struct side_stats before, after;
	double a1, b1, a2, b2;
	size_t r;

	*log_scale = m->log_scale;
	*variance = m->scale_variance;
	if (!m->pool || m->n_pool != set->n_runs) {
		free(pool);
		return;
	}
	for (r = 0; r < set->n_runs; r++)
		pool[r] = m->pool[r] - (in_pool ? counts[r] : 0);
	side_stats(set, pool, SIDE_BASE, &before);
	side_stats(set, pool, SIDE_NEW, &after);
	free(pool);
	if (before.count < 20 || after.count < 20)
		return;
	log_variance(m, &before, &a1, &b1);
	log_variance(m, &after, &a2, &b2);
	*log_scale = log(after.share) - log(before.share);
	/* A row and the pool share each run's samples: their shares move
	 * against each other by about sampling / n a run. */
	*variance = a1 + b1 + a2 + b2 +
		    2 * m->sampling * (1 / (before.per_run * (double)before.runs) +
				       1 / (after.per_run * (double)after.runs));
}

void compare_describe(const struct runset *set, const double *counts, struct change *out)
{
	struct side_stats before, after;

	side_stats(set, counts, SIDE_BASE, &before);
	side_stats(set, counts, SIDE_NEW, &after);
	memset(out, 0, sizeof(*out));
	out->before = before.mean;
	out->after = after.mean;
	out->before_share = before.share;
	out->after_share = after.share;
	out->before_samples = before.samples;
	out->after_samples = after.samples;
	out->ratio = before.samples > 0 ? after.share / before.share : INFINITY;
}

void compare_row(const struct noise_model *m, const struct runset *set, const double *counts,
		 bool in_pool, const struct judgement *how, struct change *out)
{
	struct side_stats before, after;
	double alpha = how->family_alpha / (double)(how->family ? how->family : 1);
	double log_scale, scale_variance, df, q, se;
	struct against x;

	side_stats(set, counts, SIDE_BASE, &before);
	side_stats(set, counts, SIDE_NEW, &after);
	compare_describe(set, counts, out);
	yardstick(m, set, counts, in_pool, &log_scale, &scale_variance);
	row_against(m, &before, &after, log_scale, scale_variance, &x);
	se = sqrt(x.variance);
	df = degrees_of_freedom(m, &x);
	q = stat_t_quantile(alpha, df);
	out->ratio = before.samples > 0 ? exp(x.log_ratio) : INFINITY;
	out->low = exp(x.log_ratio - q * se);
	out->high = exp(x.log_ratio + q * se);
	out->z = x.log_ratio / se;
	out->p = stat_t_two_sided(out->z, df);
	if (before.samples == 0 && after.samples > 0)
		out->verdict = VERDICT_NEW;
	else if (after.samples == 0 && before.samples > 0)
		out->verdict = VERDICT_GONE;
	else if (out->low <= 1 && out->high >= 1)
		out->verdict = VERDICT_NOISE;
	else if (out->ratio - 1 >= how->threshold)
		out->verdict = VERDICT_SLOWER;
	else if (out->ratio <= 1 / (1 + how->threshold))
		out->verdict = VERDICT_FASTER;
	else
		out->verdict = VERDICT_SMALL;
}
