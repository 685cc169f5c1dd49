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

/* Read every file; 0, or 2 (the exit status) after one line on stderr. */
int sides_load(const struct options *o, struct runset *set);

/* Samples of a side, summed over its runs. */
double sides_samples(const struct runset *set, enum side side);

/* Per function of ft, whether --function REGEX (NULL: any) matches its
 * text or its dotted name: an array the caller frees.  0, or 2 after a
 * line on stderr (not a regular expression). */
int sides_choose(struct runset *set, const struct functable *ft, const char *regex,
		 bool **chosen);

#endif
