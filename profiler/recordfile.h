/*
 * recordfile.h - where record's samples go: the sink of the format asked
 * (output/sink.h) and the file it ends in (outfile.h), kept whatever goes
 * wrong.  A streamed format is pushed to its file once a second, and a
 * write that fails keeps what was pushed before; a whole-file format that
 * cannot be written where asked is written to the temporary directory
 * instead.  Every failure is reported here, once.
 *
 * Calling sequence: recordfile_init(); recordfile_open() before sampling;
 * recordfile_start(); recordfile_add() per sample; recordfile_finish();
 * recordfile_release() always.
 * Must not sample, nor know about targets: record hands it samples and
 * what the profile says of itself.
 */
#ifndef PEEKPY_RECORDFILE_H
#define PEEKPY_RECORDFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/sample.h"
#include "../base/strtab.h"
#include "../output/sink.h"
#include "invoker.h"
#include "outfile.h"

struct record_file {
	struct sink sink;
	struct outfile out;
	struct invoker *invoker;   /* who ran sudo: files are theirs to write */
	pid_t pid;                 /* the target's, for the files' names */
	bool open;                 /* opened, not yet put in place or removed */
	uint64_t pushed_ns;        /* when samples were last pushed to the file */
	uint64_t added, pushed;    /* samples added, and of them pushed (streamed) */
	int err;                   /* the write that failed: no more samples */
};

void recordfile_init(struct record_file *file, const struct format *format,
		     struct strtab *strings, const struct stack_options *how,
		     struct invoker *invoker);

/* Open path, or (NULL) peekpy-PID-TIME.EXT in the working directory: a
 * path that cannot be written is told before sampling.  0 or -errno,
 * reported. */
int recordfile_open(struct record_file *file, const char *path, pid_t pid);

/* A streamed format writes its start.  0 or -errno, reported. */
int recordfile_start(struct record_file *file, const struct profile_meta *meta);

/* Add a sample (at its time_ns); -errno once a write failed: the
 * recording must stop (recordfile_finish() says what was kept). */
int recordfile_add(struct record_file *file, const struct sample *sample);

/* End the file and put it in place, or keep what can be kept.  0, or
 * -errno after a failure it reported. */
int recordfile_finish(struct record_file *file, const struct profile_meta *meta);

void recordfile_release(struct record_file *file);

#endif
