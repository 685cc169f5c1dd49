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

static void test_clock_catches_up_at_twice_the_rate(void **state)
{
	struct sample_clock clock;
	uint64_t now = 5500000, deadline;
	int taken = 0;

	(void)state;
	clock_init(&clock, 1000, 0, 0);
	/* Not run for 5.5 ms: the ticks missed are taken half an interval
	 * apart, not at once and not dropped ... */
	assert_int_equal(clock_next(&clock, now), now + 500000);
	assert_int_equal(clock.skipped, 0);
	/* ... until the clock is back on its grid: a deadline of its own
	 * tick's slot, (tick - 1) ms before clock_next() moved on. */
	deadline = now + 500000;
	do {
		now = deadline;
		deadline = clock_next(&clock, now);
		taken++;
		if (deadline != (clock.tick - 2) * 1000000)
			assert_int_equal(deadline, now + 500000);
	} while (deadline != (clock.tick - 2) * 1000000 && taken < 100);
	/* Five ticks behind, gaining half a tick a sample: ten samples. */
	assert_int_equal(taken, 10);
	assert_int_equal(clock.skipped, 0);
}

static void test_clock_skips_what_it_cannot_catch_up(void **state)
{
	struct sample_clock clock;

	(void)state;
	clock_init(&clock, 1000, 0, 0);
	/* 1.2005 s late, more than CLOCK_CATCH_UP_NS: the slots before 1.2 s
	 * are gone, the one starting at 1.2 s is taken at once. */
	assert_int_equal(clock_next(&clock, 1200500000), 1200000000);
	assert_int_equal(clock.skipped, 1200);
	assert_int_equal(clock_next(&clock, 1200500001), 1201000000);
	assert_int_equal(clock.skipped, 1200);
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
		cmocka_unit_test(test_clock_catches_up_at_twice_the_rate),
		cmocka_unit_test(test_clock_skips_what_it_cannot_catch_up),
		cmocka_unit_test(test_clock_high_rates),
		cmocka_unit_test(test_clock_jitter_stays_in_its_interval),
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
