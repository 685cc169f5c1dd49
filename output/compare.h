/*
 * compare.h - deciding which changes between two sides of runs are real.
 *
 * Anything counted per run (a function's own or total samples, a frame's
 * own samples, what a budget covers) is a row of a measure table.  In each
 * run it is measured as its share of the run's samples, so that a run on
 * a slower machine (every function slower alike) changes nothing; the two
 * sides' mean shares are compared as a ratio, with an interval, against
 * the change of the typical function's share (the median), so that one
 * function getting slower is not taken for all the others getting faster.
 *
 * The noise of a count is modelled as sampling noise (a multiple of the
 * binomial's, since sampling at a steady rate can be more or less even
 * than drawing at random) plus a run-to-run spread proportional to the
 * count (the machine, the program's own variation).  Both are fitted on
 * every row at once, from the runs each side has: with three runs a side
 * and fifty functions, the noise rests on a hundred variances, not on two.
 * With a single run a side, only the binomial sampling noise is counted,
 * and the model says so.  Intervals hold jointly over the rows tested
 * (Bonferroni), so checking 500 functions raises no more false alarms
 * than checking one.  docs/ci.md explains it in words.
 * Knows nothing of files: it reads a runset's runs and counts.
 */
#ifndef PEEKPY_COMPARE_H
#define PEEKPY_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "runset.h"

/* Counts per run of each row: row * n_runs + run. */
struct measure_table {
	size_t n_rows, n_runs;
	double *counts;
};

void measure_table_init(struct measure_table *t, size_t n_rows, size_t n_runs);
void measure_table_release(struct measure_table *t);
static inline double *measure_row(struct measure_table *t, size_t row)
{
	return t->counts + row * t->n_runs;
}

/* The noise fitted: a count's variance is sampling * n p (1 - p) +
 * spread * (n p)^2 for a run of n samples of which a share p is the row's. */
struct noise_model {
	double sampling;        /* 1: as drawing at random */
	double spread;          /* squared relative run-to-run spread */
	double spread_df;       /* degrees of freedom behind spread */
	bool measured;          /* fitted from runs (else one run a side: sampling only) */
	size_t variances;       /* how many per-side variances it rests on */
	/* The yardstick: log of the typical function's share change, NEW over
	 * BASE, which every row's change is measured against; its variance;
	 * and the functions it was taken over (0: none, no rescaling). */
	double log_scale, scale_variance;
	size_t scale_rows;
	/* The sharper yardstick: per row of the fitted table, whether it kept
	 * still against the median; per run, the samples of those rows. */
	bool *steady;
	size_t steady_rows;
	double *pool;
	size_t n_pool;
};

/* Fit the model on the rows of a table (normally the functions' own
 * counts, which are nearly independent). */
void noise_fit(struct noise_model *model, const struct runset *set,
	       const struct measure_table *table);
void noise_release(struct noise_model *model);

enum verdict {
	VERDICT_NOISE = 0,      /* the change is within the noise */
	VERDICT_SMALL,          /* real, but within the threshold */
	VERDICT_SLOWER,         /* real and beyond the threshold: a regression */
	VERDICT_FASTER,         /* real and beyond the threshold, the good way */
	VERDICT_NEW,            /* no sample before */
	VERDICT_GONE,           /* no sample after */
};

const char *verdict_name(enum verdict verdict);

struct change {
	double before, after;         /* mean per run: seconds, or samples when untimed */
	double before_share, after_share;  /* of the side's samples */
	double before_samples, after_samples;  /* summed over the side's runs */
	double ratio;                 /* after / before, 1 = unchanged */
	double low, high;             /* the ratio's interval */
	double z;                     /* log ratio over its standard error */
	double p;                     /* two-sided, for this row alone */
	enum verdict verdict;
};

/* The chance of any false alarm among the rows judged together. */
#define COMPARE_FAMILY_ALPHA 0.05

/* How the rows are judged. */
struct judgement {
	double threshold;       /* relative: 0.05 */
	double family_alpha;    /* chance of any false alarm among the rows: 0.05 */
	size_t family;          /* rows tested together (Bonferroni) */
};

/* Compare one row's counts; in_pool: the row is a row of the fitted table
 * the model found steady (model->steady), left out of its own yardstick. */
void compare_row(const struct noise_model *model, const struct runset *set,
		 const double *counts, bool in_pool, const struct judgement *how,
		 struct change *out);

/* Only what the two sides hold (times, shares, samples; the ratio of the
 * shares): for rows too small to be judged. */
void compare_describe(const struct runset *set, const double *counts, struct change *out);

/* Mean per run of one side: seconds (or samples) and share. */
void side_mean(const struct runset *set, const double *counts, enum side side,
	       double *mean, double *share);

#endif
