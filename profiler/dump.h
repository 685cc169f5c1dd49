/*
 * dump.h - the dump command: every thread's stack, once.
 *
 * Attaches, takes one sample of every thread (idle ones too) and prints,
 * for a person or as JSON: the process and its command line, the Python
 * version, then per thread its kernel id, Python thread name where known,
 * state (active, idle, holds the GIL) and frames, innermost first.  The
 * target is read while it runs: never stopped, never left stopped.
 */
#ifndef PEEKPY_DUMP_H
#define PEEKPY_DUMP_H

#include "options.h"

/* Run the command; returns the process exit status. */
int dump_run(const struct options *options);

#endif
