/*
 * rawwriter.h - writing peekpy's recorded-profile format (.peek).
 *
 * A recording keeps every sample with its time and threads, so that it can
 * be rendered later in any format, for any thread or time range.  It is
 * written as it goes, through zlib, flushed at least once a second: a kill
 * of peekpy loses at most the last second.  Memory stays bounded by the
 * distinct frames and stacks, not by the recording's length.  The byte
 * layout is in docs/profile-format.md and rawformat.h.  Knows nothing of
 * processes: it stores struct sample.
 */
#ifndef PEEKPY_RAWWRITER_H
#define PEEKPY_RAWWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#include "../base/index.h"
#include "../base/sample.h"
#include "../base/strtab.h"

/* What a recording says of itself (strings may be NULL when unknown). */
struct raw_meta {
	const char *command;     /* what was profiled */
	const char *python;      /* "CPython 3.12.1" */
	const char *peekpy;      /* peekpy's version */
	uint32_t pid;
	double rate_hz;
	uint64_t started_unix_ns; /* wall clock at the first sample */
	bool subprocesses;       /* samples of descendant processes too */
};

/* How it ended: written last; a file without it was cut short. */
struct raw_end {
	uint64_t samples, errors;
	uint64_t duration_ns;
};

struct raw_writer {
	FILE *out;
	z_stream zs;
	uint8_t *pending;          /* records not yet compressed */
	size_t n_pending, cap_pending;
	uint8_t *record;           /* the record being built */
	size_t n_record, cap_record;
	const struct strtab *strings;
	size_t strings_written;    /* strtab ids below this are in the file */
	struct sample_frame *frames;  /* frame id - 1 -> frame */
	size_t n_frames, cap_frames;
	struct index frame_ids;      /* frame -> its id in the file */
	struct index stack_ids;      /* parent << 32 | frame -> stack id */
	size_t n_stacks;
	uint32_t *thread_stacks;   /* scratch: a sample's stack per thread */
	size_t cap_thread_stacks;
	uint64_t first_ns, last_ns;
	uint64_t samples;
	uint32_t run;              /* of the last sample written */
	uint32_t crc;              /* of the records since the last check */
	size_t unchecked_bytes;    /* of records written since the last check */
	int err;                   /* the first write error, kept */
};

/* Start a recording on out (written from its current position). */
int rawfile_create(struct raw_writer *w, FILE *out, const struct strtab *strings,
		   const struct raw_meta *meta);

/* Add one sample (its time_ns, threads and frames); 0 or -errno. */
int rawfile_add_sample(struct raw_writer *w, const struct sample *sample);

/* Push everything added so far to the file, readable as it is. */
int rawfile_flush(struct raw_writer *w);

/* Write the end record and flush; the stream is left open for the caller. */
int rawfile_finish(struct raw_writer *w, const struct raw_end *end);

void rawfile_release(struct raw_writer *w);

#endif
