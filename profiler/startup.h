/*
 * startup.h - how a recording starts: the target attached to or launched,
 * then the wait until it runs Python (a launched wrapper may exec Python
 * later; a process attached to right after it started may not have mapped
 * its interpreter yet), and the one line that says why it never did.
 * Must not sample: it hands record a target whose interpreter is open (or,
 * with --subprocesses, one that need not run Python at all).
 */
#ifndef PEEKPY_STARTUP_H
#define PEEKPY_STARTUP_H

#include <stddef.h>

#include "../base/strtab.h"
#include "events.h"
#include "invoker.h"
#include "options.h"
#include "target.h"
#include "tracked.h"

/* What starting works with: record's, borrowed. */
struct startup {
	const struct options *options;
	struct target *target;
	struct tracked *root;      /* the target's Python, once found */
	struct events *events;
	struct strtab *strings;
	const struct invoker *invoker;
};

/* Attach to --pid or launch the command; command gets its command line.
 * 0 or -errno, reported. */
int startup_target(const struct startup *start, char *command, size_t size);

/* Track the target (start->root) until its interpreter is open.  0; or
 * -EINTR (a signal came), -ETIMEDOUT (-d passed), or why it runs no
 * Python: for startup_report_no_python(). */
int startup_wait_for_python(const struct startup *start);

void startup_report_no_python(const struct startup *start, int err);

#endif
