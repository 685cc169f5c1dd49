/*
 * sides.c - reading check's and diff's files (see sides.h).
 */
#include "sides.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
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

int sides_load(const struct options *o, struct runset *set)
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

int sides_choose(struct runset *set, const struct functable *ft, const char *regex, bool **chosen)
{
	size_t n = ft->n_functions, i;
	regex_t re;
	int err;

	*chosen = xcalloc(n + 1, sizeof(**chosen));
	if (!regex) {
		for (i = 0; i < n; i++)
			(*chosen)[i] = true;
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
		(*chosen)[i] = regexec(&re, frametab_text(&set->tree.frames, (uint32_t)i), 0, NULL,
				       0) == 0 || regexec(&re, ft->dotted[i], 0, NULL, 0) == 0;
	regfree(&re);
	return 0;
}
