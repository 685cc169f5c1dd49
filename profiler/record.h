/*
 * record.h - the record command: sample a target, write its stacks.
 *
 * Joins the layers: a target (attached or launched, and waited for:
 * startup.h), a pyproc reader that fills samples on the clock's ticks, and
 * the sink of the format asked with its file (recordfile.h).  Whatever
 * ends the recording (the target's exit, the duration, Ctrl-C, SIGTERM, an
 * error), the samples taken so far are written.
 */
#ifndef PEEKPY_RECORD_H
#define PEEKPY_RECORD_H

#include "options.h"

/* Run the command; returns the process exit status. */
int record_run(const struct options *options);

#endif
