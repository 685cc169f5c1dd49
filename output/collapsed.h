/*
 * collapsed.h - the collapsed-stack text format.
 *
 * One line per distinct stack: frames root first joined by ';', a space and
 * the number of samples.  Lines are sorted bytewise, so identical samples
 * give byte-identical files.  This is the format flamegraph.pl, speedscope,
 * py-spy and austin tools read.  Knows nothing of processes.
 */
#ifndef PEEKPY_COLLAPSED_H
#define PEEKPY_COLLAPSED_H

#include <stdio.h>

#include "stacktree.h"

/* Write the tree; 0 or -errno from the stream. */
int collapsed_write(struct stacktree *tree, FILE *out);

#endif
