/*
 * events.c - one poll for clock, signals and target exit (see events.h).
 */
#include "events.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../base/monotonic.h"

int events_init(struct events *events)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &stop, &events->old_mask) != 0)
		return -errno;
	events->signal_fd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
	if (events->signal_fd < 0)
		return -errno;
	/* The default 50 us timer slack would blur high sampling rates. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	return 0;
}

void events_release(struct events *events)
{
	if (events->signal_fd >= 0)
		close(events->signal_fd);
	events->signal_fd = -1;
	sigprocmask(SIG_SETMASK, &events->old_mask, NULL);
}

static int read_signal(struct events *events)
{
	struct signalfd_siginfo info;

	if (read(events->signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info))
		return (int)info.ssi_signo;
	return 0;
}

enum event events_wait(struct events *events, uint64_t deadline_ns, int pidfd, int *signo)
{
	struct pollfd fds[2] = {
		{ .fd = events->signal_fd, .events = POLLIN },
		{ .fd = pidfd, .events = POLLIN },
	};

	for (;;) {
		uint64_t now = monotonic_ns();
		struct timespec timeout = { 0, 0 };
		int ready;

		if (now < deadline_ns) {
			uint64_t wait = deadline_ns - now;

			timeout.tv_sec = (time_t)(wait / 1000000000u);
			timeout.tv_nsec = (long)(wait % 1000000000u);
		}
		ready = ppoll(fds, pidfd >= 0 ? 2 : 1, &timeout, NULL);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready > 0 && (fds[0].revents & POLLIN)) {
			*signo = read_signal(events);
			if (*signo)
				return EVENT_SIGNAL;
		}
		if (ready > 0 && pidfd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)))
			return EVENT_TARGET_EXIT;
		if (monotonic_ns() >= deadline_ns)
			return EVENT_DEADLINE;
	}
}
