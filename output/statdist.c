/*
 * statdist.c - Student's t distribution (see statdist.h).
 *
 * The tail of t is a regularized incomplete beta function, evaluated by
 * its continued fraction (Lentz's method); quantiles by bisection on the
 * tail, which is monotonic.  Accuracy of about 1e-10 is far more than a
 * decision at the 5% level needs.
 */
#include "statdist.h"

#include <float.h>
#include <math.h>

#define FRACTION_STEPS 300
#define TINY 1e-300

/* The continued fraction of I_x(a, b), good for x < (a + 1) / (a + b + 2). */
static double beta_fraction(double x, double a, double b)
{
	double c = 1, d = 1 - (a + b) * x / (a + 1), result;
	int m;

	if (fabs(d) < TINY)
		d = TINY;
	d = 1 / d;
	result = d;
	for (m = 1; m <= FRACTION_STEPS; m++) {
		double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		double step;

		d = 1 + even * d;
		c = 1 + even / c;
		d = fabs(d) < TINY ? 1 / TINY : 1 / d;
		c = fabs(c) < TINY ? TINY : c;
		result *= d * c;
		d = 1 + odd * d;
		c = 1 + odd / c;
		d = fabs(d) < TINY ? 1 / TINY : 1 / d;
		c = fabs(c) < TINY ? TINY : c;
		step = d * c;
		result *= step;
		if (fabs(step - 1) < 1e-14)
			break;
	}
	return result;
}

/* The regularized incomplete beta function I_x(a, b), 0 <= x <= 1. */
static double incomplete_beta(double x, double a, double b)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	/* The fraction converges fast on one side of the mean; the other side
	 * by symmetry, I_x(a, b) = 1 - I_{1-x}(b, a). */
	if (x < (a + 1) / (a + b + 2))
		return front * beta_fraction(x, a, b) / a;
	return 1 - front * beta_fraction(1 - x, b, a) / b;
}

double stat_t_two_sided(double t, double df)
{
	t = fabs(t);
	if (!isfinite(t))
		return 0;
	if (df >= STAT_DF_NORMAL)
		return erfc(t / sqrt(2));
	return incomplete_beta(df / (df + t * t), df / 2, 0.5);
}

double stat_t_quantile(double p, double df)
{
	double low = 0, high = 1;
	int i;

	if (p >= 1)
		return 0;
	if (p <= 0)
		return INFINITY;
	while (stat_t_two_sided(high, df) > p && high < 1e12)
		high *= 2;
	for (i = 0; i < 200 && high - low > 1e-12 * high; i++) {
		double mid = (low + high) / 2;

		if (stat_t_two_sided(mid, df) > p)
			low = mid;
		else
			high = mid;
	}
	return (low + high) / 2;
}
