/*
 * target.h - the process being profiled: attached to, or launched.
 *
 * Launching runs a command as a child (as the invoking user when peekpy
 * runs under sudo) and reports a failed exec through a close-on-exec pipe.
 * Either way the target gets a pidfd, so the sampling loop can wait for its
 * exit in the same poll as its clock and signals.  Must not read the
 * target's memory (readers/ do).
 *
 * Calling sequence:
 *   1. events_init() (blocks the signals peekpy handles; see events.h);
 *   2. target_attach() or target_launch();
 *   3. ... sample, with target_exited() and target_pidfd() ...
 *   4. target_finish(): stop a launched child that is still running, reap it.
 */
#ifndef PEEKPY_TARGET_H
#define PEEKPY_TARGET_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "invoker.h"

struct target {
	pid_t pid;
	bool launched;
	int pidfd;            /* -1 when the kernel has no pidfd_open */
	bool exited;
	bool stopped;         /* peekpy ended it (target_finish) */
	int wait_status;      /* for a launched child, once exited */
};

#define TARGET_INIT { .pid = 0, .pidfd = -1 }

/* 0, -ESRCH (no such process) or -errno. */
int target_attach(struct target *target, pid_t pid);

/*
 * fork and exec argv as the user as names (invoker.h; itself when not
 * active); the child starts with signal mask restore_mask and default
 * signal handlers.  0, or -errno of the failed exec (why names the
 * command).
 */
int target_launch(struct target *target, char *const argv[], const sigset_t *restore_mask,
		  const struct invoker *as, char *why, size_t why_size);

/* Has the target exited?  Reaps a launched child. */
bool target_exited(struct target *target);

/* After sampling: stop a launched child still running (SIGTERM, then SIGKILL
 * after grace_ms), reap it, close the pidfd. */
void target_finish(struct target *target, int grace_ms);

/*
 * What a launched command's own ending says, to pass on as peekpy's exit
 * status: its exit status, 128 + the signal that killed it, or 0 when it
 * succeeded, was stopped by peekpy, or was not launched.
 */
int target_exit_status(const struct target *target);

#endif
