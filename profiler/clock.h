/*
 * clock.h - the sampling clock: absolute deadlines at a fixed rate.
 *
 * Each tick's deadline is the start time plus a whole number of intervals,
 * so the rate does not drift however long a sample takes.  Within its
 * interval each sample is placed at random (jitter), so that sampling never
 * locks onto the period of a loop in the target and keeps seeing the same
 * phase of it.  When sampling falls behind by more than an interval (peekpy
 * was not scheduled in time on a loaded machine), the ticks missed are
 * taken late, at twice the rate, until the clock is back on its grid; only
 * when it falls behind by more than CLOCK_CATCH_UP_NS (the rate asked is
 * more than peekpy can do) are they skipped, and counted.
 * Pure arithmetic on CLOCK_MONOTONIC nanoseconds: no sleeping, no system
 * calls.
 */
#ifndef PEEKPY_CLOCK_H
#define PEEKPY_CLOCK_H

#include <stdint.h>

/* A second: on a loaded machine peekpy can fall behind for a while and
 * still keep the rate asked over the run. */
#define CLOCK_CATCH_UP_NS 1000000000u

struct sample_clock {
	uint64_t start_ns;
	uint64_t interval_ns;
	uint64_t tick;         /* index of the next deadline */
	uint64_t skipped;      /* ticks missed because sampling fell behind */
	uint64_t random;       /* xorshift state for the jitter; 0 = none */
};

/* seed 0: no jitter (deadlines exactly on the grid, for tests). */
void clock_init(struct sample_clock *clock, double rate_hz, uint64_t now_ns, uint64_t seed);

/* The deadline of the next tick after a sample finished at now_ns. */
uint64_t clock_next(struct sample_clock *clock, uint64_t now_ns);

#endif
