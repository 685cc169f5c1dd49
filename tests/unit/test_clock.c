/*
 * test_clock.c - absolute deadlines that do not drift, and skipped ticks.
 */
#include "unit.h"

#include "../../profiler/clock.h"

static void test_clock_deadlines_are_absolute(void **state)
{
	struct sample_clock clock;
	uint64_t start = 1000000000ull;

	(void)state;
	clock_init(&clock, 100, start);
	/* However late within an interval a sample ends, the next deadline
	 * stays on the grid: no drift. */
	assert_int_equal(clock_next(&clock, start + 1), start + 10000000);
	assert_int_equal(clock_next(&clock, start + 10000000 + 9999999), start + 20000000);
	assert_int_equal(clock_next(&clock, start + 20000000 + 5), start + 30000000);
	assert_int_equal(clock.skipped, 0);
}

static void test_clock_skips_missed_ticks_instead_of_bursting(void **state)
{
	struct sample_clock clock;
	uint64_t start = 0;

	(void)state;
	clock_init(&clock, 1000, start);
	/* A sample that took 5.5 ms: ticks 1-4 are gone, tick 5 (due at 5 ms)
	 * is taken at once, then the grid goes on. */
	assert_int_equal(clock_next(&clock, 5500000), 5000000);
	assert_int_equal(clock.skipped, 4);
	assert_int_equal(clock_next(&clock, 5500001), 6000000);
	assert_int_equal(clock.skipped, 4);
}

static void test_clock_high_rates(void **state)
{
	struct sample_clock clock;

	(void)state;
	clock_init(&clock, 1e6, 0);
	assert_int_equal(clock.interval_ns, 1000);
	clock_init(&clock, 3, 0);
	assert_int_equal(clock.interval_ns, 333333333);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_deadlines_are_absolute),
		cmocka_unit_test(test_clock_skips_missed_ticks_instead_of_bursting),
		cmocka_unit_test(test_clock_high_rates),
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
