/*
 * record.h - the record command: sample a target, write its stacks.
 *
 * Joins the layers: a target (attached or launched), a pyproc reader that
 * fills samples, a stack tree that aggregates them, and a writer.  Whatever
 * ends the recording (the target's exit, the duration, Ctrl-C, SIGTERM, an
 * error), the samples taken so far are written.
 */
#ifndef PEEKPY_RECORD_H
#define PEEKPY_RECORD_H

#include "options.h"

/* Run the command; returns the process exit status. */
int record_run(const struct options *options);

#endif
