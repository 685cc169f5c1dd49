/*
 * monotonic.h - the one clock every layer reads: CLOCK_MONOTONIC in
 * nanoseconds.  Sample times, deadlines, caches' ages and backoffs are all
 * measured with it, so that they compare.  Never wall-clock time: that
 * jumps.
 */
#ifndef PEEKPY_MONOTONIC_H
#define PEEKPY_MONOTONIC_H

#include <stdint.h>

uint64_t monotonic_ns(void);

#endif
