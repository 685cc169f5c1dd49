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
	clock_init(&clock, 100, start, 0);
	/* Tick k falls in [start + (k-1) interval, start + k interval); without
	 * jitter at its beginning.  However late a sample ends within its
	 * interval, the next deadline stays on the grid: no drift. */
	assert_int_equal(clock_next(&clock, start + 1), start);
	assert_int_equal(clock_next(&clock, start + 9999999), start + 10000000);
	assert_int_equal(clock_next(&clock, start + 10000000 + 9999999), start + 20000000);
	assert_int_equal(clock_next(&clock, start + 20000000 + 5), start + 30000000);
	assert_int_equal(clock.skipped, 0);
}

static void test_clock_skips_missed_ticks_instead_of_bursting(void **state)
{
	struct sample_clock clock;
	uint64_t start = 0;

	(void)state;
	clock_init(&clock, 1000, start, 0);
	/* A sample that took 5.5 ms: the slots before 5 ms are gone, the one
	 * starting at 5 ms is taken at once, then the grid goes on. */
	assert_int_equal(clock_next(&clock, 5500000), 5000000);
	assert_int_equal(clock.skipped, 5);
	assert_int_equal(clock_next(&clock, 5500001), 6000000);
	assert_int_equal(clock.skipped, 5);
}

static void test_clock_high_rates(void **state)
{
	struct sample_clock clock;

	(void)state;
	clock_init(&clock, 1e6, 0, 0);
	assert_int_equal(clock.interval_ns, 1000);
	clock_init(&clock, 3, 0, 0);
	assert_int_equal(clock.interval_ns, 333333333);
}

static void test_clock_jitter_stays_in_its_interval(void **state)
{
	struct sample_clock clock;
	uint64_t previous_slot = 0, deadline, sum_offsets = 0;
	const uint64_t interval = 1000000;   /* 1 kHz */
	int k, distinct = 0, last_offset = -1;

	(void)state;
	clock_init(&clock, 1000, 0, 12345);
	for (k = 1; k <= 10000; k++) {
		uint64_t slot_start = (uint64_t)(k - 1) * interval;

		deadline = clock_next(&clock, slot_start);
		/* Each sample in its own interval: the mean rate is exact. */
		assert_true(deadline >= slot_start && deadline < slot_start + interval);
		assert_true(k == 1 || slot_start > previous_slot);
		previous_slot = slot_start;
		sum_offsets += deadline - slot_start;
		if ((int)(deadline - slot_start) != last_offset)
			distinct++;
		last_offset = (int)(deadline - slot_start);
	}
	assert_int_equal(clock.skipped, 0);
	/* Offsets spread over the interval (mean near its middle). */
	assert_true(distinct > 9000);
	assert_true(sum_offsets / 10000 > interval / 3 && sum_offsets / 10000 < 2 * interval / 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_deadlines_are_absolute),
		cmocka_unit_test(test_clock_skips_missed_ticks_instead_of_bursting),
		cmocka_unit_test(test_clock_high_rates),
		cmocka_unit_test(test_clock_jitter_stays_in_its_interval),
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
