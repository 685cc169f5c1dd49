/*
 * report.h - telling the user what went wrong, in one line.
 *
 * Readers and outputs return codes; this is the one place that turns a code
 * into a message, with the subject named and, where the cause is known, what
 * to do about it (ptrace_scope, sudo, a newer peekpy).  Messages go to
 * stderr, start with "peekpy: ", and never end with a full stop.
 */
#ifndef PEEKPY_REPORT_H
#define PEEKPY_REPORT_H

#include <stdbool.h>
#include <sys/types.h>

#include "../readers/pyproc.h"

/* printf-style "peekpy: ..." line on stderr. */
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Why a process could not be read (pyproc_open or a fatal sample). */
void report_target_error(pid_t pid, int code, const struct pyproc_details *details);

#endif
