/*
 * waker.c - what waking up RATE times a second costs, doing nothing else.
 *
 * A baseline for `make bench`: it sleeps to absolute deadlines RATE times a
 * second for SECONDS, as peekpy's sampling loop does, but reads nothing.
 * It prints its own CPU time per wake-up; run beside a target, the target's
 * slowdown is what being interrupted costs, whoever interrupts it.
 *
 *   waker RATE SECONDS
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void)
{
	struct rusage usage;

	getrusage(RUSAGE_SELF, &usage);
	return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
	       (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	double rate = argc > 2 ? atof(argv[1]) : 0, seconds = argc > 2 ? atof(argv[2]) : 0;
	uint64_t start, deadline, interval, end;
	unsigned long wakes = 0;

	if (rate <= 0 || seconds <= 0) {
		fprintf(stderr, "usage: waker RATE SECONDS\n");
		return 2;
	}
	interval = (uint64_t)(1e9 / rate);
	start = now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	for (deadline = start + interval; deadline < end; deadline += interval) {
		uint64_t now = now_ns();

		if (deadline > now) {
			struct timespec wait = { (time_t)((deadline - now) / 1000000000u),
						 (long)((deadline - now) % 1000000000u) };

			if (ppoll(NULL, 0, &wait, NULL) < 0 && errno != EINTR)
				return 1;
		}
		wakes++;
	}
	printf("%lu wake-ups, %.2f us CPU each\n", wakes, wakes ? 1e6 * cpu_seconds() / wakes : 0);
	return 0;
}
