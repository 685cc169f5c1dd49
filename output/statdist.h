/*
 * statdist.h - the few probability distributions the regression checks
 * need: Student's t (with the normal as its limit), as tail probabilities
 * and quantiles.  Pure functions of numbers; nothing else.
 */
#ifndef PEEKPY_STATDIST_H
#define PEEKPY_STATDIST_H

/* Degrees of freedom from which t is taken as the normal. */
#define STAT_DF_NORMAL 1e7

/* P(|T| >= t) for Student's t with df degrees of freedom (df > 0). */
double stat_t_two_sided(double t, double df);

/* The t with P(|T| >= t) = p (0 < p < 1): the half-width, in standard
 * errors, of an interval of confidence 1 - p. */
double stat_t_quantile(double p, double df);

#endif
