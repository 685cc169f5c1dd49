/*
 * events.h - waiting for the next tick, a signal, or the target's exit.
 *
 * peekpy keeps no signal-handler state: SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT are blocked and read from a signalfd, and the wait for the next
 * sampling deadline is one ppoll() on that fd and the target's pidfd.
 */
#ifndef PEEKPY_EVENTS_H
#define PEEKPY_EVENTS_H

#include <signal.h>
#include <stdint.h>

struct events {
	int signal_fd;
	sigset_t old_mask;     /* to restore in launched children */
};

enum event {
	EVENT_DEADLINE,        /* the deadline passed */
	EVENT_SIGNAL,          /* a stop signal arrived */
	EVENT_TARGET_EXIT,     /* the target's pidfd became readable */
};

/* Block the stop signals and open the signalfd; 0 or -errno. */
int events_init(struct events *events);
void events_release(struct events *events);

/*
 * Wait until deadline_ns (CLOCK_MONOTONIC), a stop signal (its number in
 * *signo) or the target's exit (pidfd, may be -1).
 */
enum event events_wait(struct events *events, uint64_t deadline_ns, int pidfd, int *signo);

#endif
