/*
 * diff.h - the diff command: a differential flame graph (or its text) of
 * two sides of runs, judged as check judges them.
 */
#ifndef PEEKPY_DIFF_H
#define PEEKPY_DIFF_H

#include "options.h"

int diff_run(const struct options *options);

#endif
