/*
 * clock.c - absolute-deadline sampling clock (see clock.h).
 */
#include "clock.h"


void clock_init(struct sample_clock *clock, double rate_hz, uint64_t now_ns, uint64_t seed)
{
	double interval = 1e9 / rate_hz;

	clock->start_ns = now_ns;
	clock->interval_ns = interval < 1 ? 1 : (uint64_t)interval;
	clock->tick = 1;
	clock->skipped = 0;
	clock->random = seed;
}

/* A random offset in [0, interval): xorshift64, plenty for spreading phases. */
static uint64_t jitter(struct sample_clock *clock)
{
	uint64_t x = clock->random;

	if (!x)
		return 0;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	clock->random = x;
	return x % clock->interval_ns;
}

/* Tick k is taken somewhere in [start + (k-1)*interval, start + k*interval):
 * the mean rate is exact and no phase of the target is favoured. */
static uint64_t on_grid(struct sample_clock *clock)
{
	return clock->start_ns + (clock->tick - 1) * clock->interval_ns + jitter(clock);
}

uint64_t clock_next(struct sample_clock *clock, uint64_t now_ns)
{
	uint64_t deadline = on_grid(clock);

	if (now_ns >= deadline + clock->interval_ns) {
		uint64_t late_ticks = (now_ns - deadline) / clock->interval_ns;

		if (late_ticks > CLOCK_CATCH_UP_NS / clock->interval_ns) {
			/* Too far behind to catch up: the rate asked is more
			 * than peekpy can do.  Resume at the next deadline
			 * still in the future. */
			clock->skipped += late_ticks;
			clock->tick += late_ticks;
			deadline = on_grid(clock);
		} else {
			/* Late by a few ticks (peekpy was not run in time): take
			 * them, at twice the rate until back on the grid, so
			 * that none is lost and none comes in a burst. */
			deadline = now_ns + clock->interval_ns / 2;
		}
	}
	clock->tick++;
	return deadline;
}
