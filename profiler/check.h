/*
 * check.h - the check command: are NEW's functions slower than BASE's, or
 * over their budgets?  Exit status 0 (no), 1 (yes) or 2 (could not
 * compare), a table on standard output, JSON and Markdown reports on
 * request.  docs/ci.md is its manual.
 */
#ifndef PEEKPY_CHECK_H
#define PEEKPY_CHECK_H

#include "options.h"

int check_run(const struct options *options);

#endif
