/*
 * sides.h - the files given to check and diff, read into one runset: BASE's
 * and NEW's runs, refused as a whole (exit status 2) when a file cannot be
 * compared: unreadable, damaged, cut short, empty, or too few samples.
 * Must not judge: it hands check and diff whole runs or nothing.
 */
#ifndef PEEKPY_SIDES_H
#define PEEKPY_SIDES_H

#include <stdbool.h>

#include "../output/functable.h"
#include "../output/runset.h"
#include "options.h"

/* The fewest samples a side may have to be compared. */
#define SIDES_MIN_SAMPLES 100

/* What check and diff start from: the runs, their functions, and the
 * functions --function chose. */
struct sides {
	struct runset set;
	struct functable functions;
	bool *chosen;              /* per function */
	double min_share;          /* --min-share */
};

/* Read every file, count by function, choose: 0, or 2 (the exit status)
 * after one line on stderr.  sides_release() either way. */
int sides_open(struct sides *sides, const struct options *o);
void sides_release(struct sides *sides);

/* Samples of a side, summed over its runs. */
double sides_samples(const struct runset *set, enum side side);

/* Whether a row (counts per run) reaches --min-share on either side. */
bool sides_big_enough(const struct sides *sides, const double *counts);

#endif
