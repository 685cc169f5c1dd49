/*
 * outfile.h - an output file, opened before the work and put in place
 * after it.
 *
 * outfile_open() is called before sampling starts, so that a path that
 * cannot be written (a missing directory, no permission) is reported
 * before minutes of recording, not after.  What is written goes to a
 * temporary file beside the final path and is renamed over it by
 * outfile_commit(), so that a reader never sees half a file and an
 * existing file is replaced only by a finished one:
 *   - a whole-file format writes an unnamed temporary file (O_TMPFILE,
 *     where the file system has it): a killed peekpy leaves nothing;
 *   - a streamed format (a recording) writes PATH.XXXXXX, flushed as it
 *     goes, so that a killed peekpy leaves what was flushed there.
 * The path's symlinks are followed (the link stays, its target is
 * replaced); an existing file keeps its mode, and its owner where that
 * can be kept (else it is rewritten in place, which keeps both).  "-" is
 * standard output; devices, pipes and anything under /dev or /proc are
 * written in place.  Under sudo every path operation is made as the
 * invoking user (invoker.h): a path they could not write is refused.
 *
 * Calling sequence: outfile_open(); write to outfile_stream(); then
 * outfile_commit(), or outfile_discard() to leave no trace.  Must not
 * print.
 */
#ifndef PEEKPY_OUTFILE_H
#define PEEKPY_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "invoker.h"

enum outfile_how {
	OUTFILE_STDOUT,      /* "-" */
	OUTFILE_IN_PLACE,    /* a device, a pipe, or an owner to keep */
	OUTFILE_REPLACE,     /* a temporary file renamed over the path */
};

struct outfile {
	struct invoker *as;
	enum outfile_how how;
	char path[PATH_MAX];        /* where it ends up, symlinks followed */
	char temp[PATH_MAX + 16];   /* the named temporary, "" when unnamed */
	FILE *stream;
	bool truncate_at_commit;    /* in place over an old file, whole-file */
};

/*
 * Open path for writing (streamed: written and flushed as it goes).  0,
 * or -errno: nothing is left behind then.
 */
int outfile_open(struct outfile *out, const char *path, bool streamed, struct invoker *as);

/* Where to write (for a whole file in place: written at commit). */
FILE *outfile_stream(struct outfile *out);

/* Finish: flush, close and put the file in place.  0 or -errno (the
 * temporary file is removed then). */
int outfile_commit(struct outfile *out);

/* After a write failed (a full disk): put in place what reached the file,
 * without writing more.  0 or -errno. */
int outfile_keep(struct outfile *out);

/* Give up: close, and remove the temporary file. */
void outfile_discard(struct outfile *out);

/* A whole file at once: write(ctx, stream) into out (opened), then commit,
 * or discard when write fails.  0 or -errno. */
int outfile_finish_with(struct outfile *out, int (*write)(void *ctx, FILE *stream), void *ctx);

/* outfile_open() (not streamed) and outfile_finish_with(). */
int outfile_write(const char *path, struct invoker *as, int (*write)(void *ctx, FILE *stream),
		  void *ctx);

#endif
