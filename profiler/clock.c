/*
 * clock.c - absolute-deadline sampling clock (see clock.h).
 */
#include "clock.h"

#include <time.h>

void clock_init(struct sample_clock *clock, double rate_hz, uint64_t now_ns)
{
	double interval = 1e9 / rate_hz;

	clock->start_ns = now_ns;
	clock->interval_ns = interval < 1 ? 1 : (uint64_t)interval;
	clock->tick = 1;
	clock->skipped = 0;
}

uint64_t clock_next(struct sample_clock *clock, uint64_t now_ns)
{
	uint64_t deadline = clock->start_ns + clock->tick * clock->interval_ns;

	if (now_ns >= deadline + clock->interval_ns) {
		/* Behind by a whole interval or more: resume at the next
		 * deadline still in the future. */
		uint64_t late_ticks = (now_ns - deadline) / clock->interval_ns;

		clock->skipped += late_ticks;
		clock->tick += late_ticks;
		deadline = clock->start_ns + clock->tick * clock->interval_ns;
	}
	clock->tick++;
	return deadline;
}

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
