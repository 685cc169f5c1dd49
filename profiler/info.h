/*
 * info.h - the info command: what a recording holds.
 *
 * Reads a recording through and prints its target, Python, start, length,
 * rate, samples, errors and threads, and whether it is whole (a recording
 * cut short says how far it can be read).
 */
#ifndef PEEKPY_INFO_H
#define PEEKPY_INFO_H

#include "options.h"

/* Run the command; returns the process exit status. */
int info_run(const struct options *options);

#endif
