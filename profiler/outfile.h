/*
 * outfile.h - writing an output file whole or not at all.
 *
 * What a command writes goes to a temporary file beside the target path,
 * renamed into place once complete, so that a reader never sees half a
 * profile and a failed write leaves no debris.  Under sudo the file is
 * given to the user who ran sudo.  "-" means standard output; a device or
 * a pipe (/dev/null, a FIFO) is written in place.
 */
#ifndef PEEKPY_OUTFILE_H
#define PEEKPY_OUTFILE_H

#include <stdio.h>

/* Call write(ctx, stream) for path; 0 or -errno (its own or write's). */
int outfile_write(const char *path, int (*write)(void *ctx, FILE *out), void *ctx);

/* For a file written as it goes (a recording): opened in place, with the
 * same mode and owner; NULL with *err set on failure. */
FILE *outfile_open_stream(const char *path, int *err);

#endif
