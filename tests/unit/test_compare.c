/*
 * test_compare.c - the statistics of peekpy check, on simulated runs with
 * a fixed seed: false alarms stay under 5% however many functions, a
 * slowdown is found and measured whole, a slower machine changes nothing;
 * and the counts by function that feed them.
 */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../output/compare.h"
#include "../../output/functable.h"
#include "../../output/runset.h"
#include "../../output/statdist.h"

static void test_t_quantiles(void **state)
{
	(void)state;
	assert_true(fabs(stat_t_quantile(0.05, 4) - 2.7764) < 1e-3);
	assert_true(fabs(stat_t_quantile(0.05, 1) - 12.7062) < 1e-3);
	assert_true(fabs(stat_t_quantile(0.01, 30) - 2.7500) < 1e-3);
	assert_true(fabs(stat_t_quantile(0.05, STAT_DF_NORMAL) - 1.9600) < 1e-3);
	assert_true(fabs(stat_t_two_sided(2.7764, 4) - 0.05) < 1e-4);
}

/* xorshift64*: the same numbers on every machine. */
static double uniform(uint64_t *seed)
{
	*seed ^= *seed >> 12;
	*seed ^= *seed << 25;
	*seed ^= *seed >> 27;
	return (double)((*seed * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

#define FUNCTIONS 10
#define RUNS 6        /* 3 a side */

struct simulation {
	struct runset set;
	struct run runs[RUNS];
	struct measure_table own;
};

/* Each run draws its samples at random among the functions, by weight
 * (NEW's weights multiplied by slower[f]); a side's runs have per_run
 * samples each. */
static void simulate(struct simulation *sim, const double *weights, const double *slower,
		     const unsigned *per_run, uint64_t *seed)
{
	size_t r, f;

	memset(sim, 0, sizeof(*sim));
	sim->set.runs = sim->runs;
	sim->set.n_runs = RUNS;
	sim->set.timed = true;
	measure_table_init(&sim->own, FUNCTIONS, RUNS);
	for (r = 0; r < RUNS; r++) {
		enum side side = r < RUNS / 2 ? SIDE_BASE : SIDE_NEW;
		double cumulative[FUNCTIONS], sum = 0;
		unsigned s;

		sim->runs[r].side = side;
		sim->runs[r].samples = per_run[side];
		sim->runs[r].seconds_per_sample = 0.01;
		for (f = 0; f < FUNCTIONS; f++) {
			sum += weights[f] * (side == SIDE_NEW ? slower[f] : 1);
			cumulative[f] = sum;
		}
		for (s = 0; s < per_run[side]; s++) {
			double at = uniform(seed) * sum;

			for (f = 0; f < FUNCTIONS - 1 && at >= cumulative[f]; f++)
				;
			measure_row(&sim->own, f)[r]++;
		}
	}
}

/* Judge every function; the verdicts counted. */
static void judge(struct simulation *sim, unsigned counts[], struct change *changes)
{
	struct noise_model model;
	struct judgement how = { .threshold = 0.05, .family_alpha = 0.05, .family = FUNCTIONS };
	size_t f;

	noise_fit(&model, &sim->set, &sim->own);
	for (f = 0; f < FUNCTIONS; f++) {
		compare_row(&model, &sim->set, measure_row(&sim->own, f),
			    model.steady && model.steady[f], &how, &changes[f]);
		counts[changes[f].verdict]++;
	}
	noise_release(&model);
	measure_table_release(&sim->own);
}

static const double weights[FUNCTIONS] = { 20, 15, 12, 10, 10, 9, 8, 7, 5, 4 };

static void test_same_against_same_rarely_fails(void **state)
{
	static const double same[FUNCTIONS] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const unsigned per_run[2] = { 3000, 3000 };
	uint64_t seed = 42;
	unsigned alarms = 0, by_eye = 0, pair;

	(void)state;
	for (pair = 0; pair < 400; pair++) {
		struct simulation sim;
		struct change changes[FUNCTIONS];
		unsigned verdicts[VERDICT_GONE + 1] = { 0 };
		bool moved = false;

		simulate(&sim, weights, same, per_run, &seed);
		judge(&sim, verdicts, changes);
		alarms += verdicts[VERDICT_SLOWER] > 0;
		/* Two flame graphs compared by eye: a share up by over 5%. */
		for (size_t f = 0; f < FUNCTIONS; f++)
			moved |= changes[f].after_share > 1.05 * changes[f].before_share;
		by_eye += moved;
	}
	/* At most 5% of pairs with any function called slower. */
	printf("same against same: %u false alarms in 400 pairs (a share up by 5%%: %u)\n",
	       alarms, by_eye);
	assert_true(alarms <= 20);
}

static void test_slowdown_is_found_and_measured_whole(void **state)
{
	/* Function 1 (15% of the time) 30% slower; a slower machine on NEW's
	 * side: twice the samples a run, the same shares. */
	static const double slower[FUNCTIONS] = { 1, 1.3, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const unsigned per_run[2] = { 5000, 10000 };
	uint64_t seed = 7;
	unsigned caught = 0, others = 0, pair;
	double ratios = 0;

	(void)state;
	for (pair = 0; pair < 100; pair++) {
		struct simulation sim;
		struct change changes[FUNCTIONS];
		unsigned verdicts[VERDICT_GONE + 1] = { 0 };

		simulate(&sim, weights, slower, per_run, &seed);
		judge(&sim, verdicts, changes);
		caught += changes[1].verdict == VERDICT_SLOWER;
		others += verdicts[VERDICT_SLOWER] - (changes[1].verdict == VERDICT_SLOWER);
		ratios += changes[1].ratio;
	}
	printf("30%% slower: caught in %u of 100 pairs, mean ratio %.3f; others called "
	       "slower %u times\n", caught, ratios / 100, others);
	assert_true(caught >= 95);
	/* The whole change, not what is left of it in its share (1.26). */
	assert_true(fabs(ratios / 100 - 1.3) < 0.02);
	assert_true(others <= 5);
}

static void test_one_run_a_side_counts_sampling_only(void **state)
{
	/* Five functions of 200 samples in 1000; in NEW, the first 40% slower
	 * (280 against 200 of 1080: 259 of 1000) and the others as before. */
	static const double before[5] = { 200, 200, 200, 200, 200 };
	static const double after[5] = { 259, 185, 185, 185, 186 };
	struct runset set = { 0 };
	struct run runs[2] = { { .side = SIDE_BASE, .samples = 1000, .seconds_per_sample = 0.01 },
			       { .side = SIDE_NEW, .samples = 1000, .seconds_per_sample = 0.01 } };
	struct measure_table own;
	struct noise_model model;
	struct change change;
	struct judgement how = { .threshold = 0.05, .family_alpha = 0.05, .family = 5 };
	size_t f;

	(void)state;
	set.runs = runs;
	set.n_runs = 2;
	set.timed = true;
	measure_table_init(&own, 5, 2);
	for (f = 0; f < 5; f++) {
		measure_row(&own, f)[0] = before[f];
		measure_row(&own, f)[1] = after[f];
	}
	noise_fit(&model, &set, &own);
	assert_false(model.measured);
	assert_true(model.sampling == 1);
	compare_row(&model, &set, measure_row(&own, 0), model.steady && model.steady[0], &how,
		    &change);
	assert_int_equal(change.verdict, VERDICT_SLOWER);
	assert_true(fabs(change.ratio - 1.4) < 0.01);
	assert_true(change.before == 2.0 && fabs(change.after - 2.59) < 1e-9);
	for (f = 1; f < 5; f++) {
		compare_row(&model, &set, measure_row(&own, f), model.steady && model.steady[f],
			    &how, &change);
		assert_int_equal(change.verdict, VERDICT_NOISE);
	}
	noise_release(&model);
	measure_table_release(&own);
}

/* Collapsed stacks through runset and functable: recursion is counted once
 * in a total, and a budget's functions count each sample once. */
static void test_functions_own_and_total(void **state)
{
	static const char stacks[] = "main (m.py:1);f (m.py:2);g (m.py:3);f (m.py:4) 3\n"
				     "main (m.py:1);g (m.py:3) 2\n"
				     "main (m.py:1) 1\n";
	struct runset set;
	struct functable ft;
	char why[256];
	FILE *in = fmemopen((void *)stacks, strlen(stacks), "r");
	size_t f, main_id = 0, f_id = 0, g_id = 0;
	bool *match;
	double counts[1];

	(void)state;
	runset_init(&set);
	assert_int_equal(runset_add_file(&set, SIDE_NEW, in, "stacks", why, sizeof(why)), 0);
	fclose(in);
	runset_finish(&set);
	functable_build(&ft, &set);
	for (f = 0; f < ft.n_functions; f++) {
		if (strcmp(ft.dotted[f], "m.main") == 0)
			main_id = f;
		else if (strcmp(ft.dotted[f], "m.f") == 0)
			f_id = f;
		else if (strcmp(ft.dotted[f], "m.g") == 0)
			g_id = f;
	}
	assert_true(measure_row(&ft.total, main_id)[0] == 6);
	assert_true(measure_row(&ft.own, main_id)[0] == 1);
	assert_true(measure_row(&ft.total, f_id)[0] == 3);   /* not 6: recursion */
	assert_true(measure_row(&ft.own, f_id)[0] == 3);
	assert_true(measure_row(&ft.total, g_id)[0] == 5);
	assert_true(measure_row(&ft.own, g_id)[0] == 2);
	match = calloc(ft.n_functions, sizeof(*match));
	match[f_id] = match[g_id] = true;
	functable_count_matching(&set, match, counts);
	assert_true(counts[0] == 5);
	free(match);
	functable_release(&ft);
	runset_release(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t_quantiles),
		cmocka_unit_test(test_same_against_same_rarely_fails),
		cmocka_unit_test(test_slowdown_is_found_and_measured_whole),
		cmocka_unit_test(test_one_run_a_side_counts_sampling_only),
		cmocka_unit_test(test_functions_own_and_total),
	};
	return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
