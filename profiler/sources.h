/*
 * sources.h - reading the source files a profile names, for the pages that
 * show them (-f html).
 *
 * A target in a container or a chroot names files as it sees them: while
 * it runs, they are read through /proc/PID/root first; otherwise, and for
 * a recording rendered later, as the path says.  Files larger than
 * SOURCES_MAX_BYTES are not read.  Must not know output formats.
 */
#ifndef PEEKPY_SOURCES_H
#define PEEKPY_SOURCES_H

#include <stddef.h>
#include <sys/types.h>

#define SOURCES_MAX_BYTES (8u << 20)

struct source_root {
	pid_t pid;   /* the target whose root to try first; 0: none */
};

/* The heatmap's reader (ctx: a struct source_root): 0 or -errno. */
int sources_read(void *ctx, const char *path, char **text, size_t *len);

#endif
