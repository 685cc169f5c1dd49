/*
 * sides.c - reading check's and diff's files (see sides.h).
 */
#include "sides.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "invoker.h"
#include "report.h"

static int load_side(struct runset *set, enum side side,
		     char **files, size_t n, struct invoker *as)
{
	char why[1400];
	size_t i;

	for (i = 0; i < n; i++) {
		FILE *in = strcmp(files[i], "-") == 0 ? stdin : invoker_fopen(as, files[i], "rb");
		int err;

		if (!in) {
			report("cannot read '%s': %s", files[i], strerror(errno));
			return 2;
		}
		err = runset_add_file(set, side, in, files[i], why, sizeof(why));
		if (in != stdin)
			fclose(in);
		if (err) {
			report("%s; nothing compared", why);
			return 2;
		}
	}
	return 0;
}

double sides_samples(const struct runset *set, enum side side)
{
	double samples = 0;
	size_t i;

	for (i = 0; i < set->n_runs; i++)
		if (set->runs[i].side == side)
			samples += (double)set->runs[i].samples;
	return samples;
}

static int load(const struct options *o, struct runset *set)
{
	struct invoker as;
	int side;

	invoker_find(&as);
	if (load_side(set, SIDE_BASE, o->base_files, o->n_base, &as) ||
	    load_side(set, SIDE_NEW, o->new_files, o->n_new, &as))
		return 2;
	runset_finish(set);
	for (side = SIDE_BASE; side <= SIDE_NEW; side++) {
		double samples = sides_samples(set, (enum side)side);

		if ((side == SIDE_BASE && !o->n_base) || samples >= SIDES_MIN_SAMPLES)
			continue;
		report("%s has %.0f samples, too few to compare (at least %d): record longer, "
		       "at a higher rate, or more runs", side == SIDE_BASE ? "BASE" : "NEW", samples,
		       SIDES_MIN_SAMPLES);
		return 2;
	}
	return 0;
}

/* --function REGEX, on a function's text or its dotted name. */
static int choose(struct sides *sides, const char *regex)
{
	const struct functable *ft = &sides->functions;
	size_t n = ft->n_functions, i;
	regex_t re;
	int err;

	sides->chosen = xcalloc(n + 1, sizeof(*sides->chosen));
	if (!regex) {
		for (i = 0; i < n; i++)
			sides->chosen[i] = true;
		return 0;
	}
	err = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);
	if (err) {
		char text[200];

		regerror(err, &re, text, sizeof(text));
		report("--function '%s' is not a regular expression: %s", regex, text);
		return 2;
	}
	for (i = 0; i < n; i++)
		sides->chosen[i] =
			regexec(&re, frametab_text(&sides->set.tree.frames, (uint32_t)i), 0, NULL,
				0) == 0 || regexec(&re, ft->dotted[i], 0, NULL, 0) == 0;
	regfree(&re);
	return 0;
}

int sides_open(struct sides *sides, const struct options *o)
{
	int status;

	memset(sides, 0, sizeof(*sides));
	runset_init(&sides->set);
	sides->min_share = o->min_share;
	status = load(o, &sides->set);
	if (status)
		return status;
	functable_build(&sides->functions, &sides->set);
	return choose(sides, o->function_regex);
}

void sides_release(struct sides *sides)
{
	free(sides->chosen);
	if (sides->functions.dotted)
		functable_release(&sides->functions);
	runset_release(&sides->set);
}

bool sides_big_enough(const struct sides *sides, const double *counts)
{
	double mean, share;
	int side;

	for (side = SIDE_BASE; side <= SIDE_NEW; side++) {
		side_mean(&sides->set, counts, (enum side)side, &mean, &share);
		if (share > 0 && share >= sides->min_share)
			return true;
	}
	return false;
}
