/*
 * render.h - the render command: a profile written before, drawn again.
 *
 * Reads collapsed stacks (peekpy's or any other tool's) into a stack tree
 * and writes it in the format asked for.  A file that is partly unreadable
 * still renders what could be read, and says where it stopped.
 */
#ifndef PEEKPY_RENDER_H
#define PEEKPY_RENDER_H

#include "options.h"

/* Run the command; returns the process exit status. */
int render_run(const struct options *options);

#endif
