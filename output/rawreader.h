/*
 * rawreader.h - reading peekpy's recorded-profile format (.peek) back.
 *
 * A cut or damaged file reads up to where it stops being whole; memory
 * stays bounded whatever the input (see rawformat.h's bounds).  Gives back
 * struct sample with the reader's own string ids.  Must not trust a byte
 * of the file before its check record has passed.
 */
#ifndef PEEKPY_RAWREADER_H
#define PEEKPY_RAWREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/sample.h"
#include "../base/strtab.h"
#include "rawwriter.h"   /* struct raw_end: what the END record holds */

/* What reading found: the meta, counts, and where and why it stopped. */
struct raw_info {
	char command[1024], python[96], peekpy[32];
	uint32_t pid;
	double rate_hz;
	uint64_t started_unix_ns;
	bool has_end;
	struct raw_end end;
	bool subprocesses;         /* recorded with descendant processes */
	uint32_t runs;             /* runs of a repeated command (record --repeat), 0: one */
	uint64_t samples;          /* samples read */
	uint64_t first_ns, last_ns;/* their times, from the start of the recording */
	uint32_t *tids;            /* distinct threads seen, in order of appearance */
	size_t n_tids, cap_tids;
	uint64_t *tid_samples;     /* samples per thread, as tids */
	char problem[256];         /* why reading stopped early, "" when whole */
	size_t most_held;          /* the most inflated bytes held at once */
};

/* Called per sample; the sample's strings are ids in the reader's strtab,
 * its time_ns the time since the first sample.  The sample is the reader's
 * scratch: the callee may change it.  Non-zero stops reading. */
typedef int (*raw_sample_fn)(void *ctx, struct sample *sample);

/*
 * Read a recording: info is filled, fn called per sample.  Returns 0 when
 * the file was whole; PP_EFORMAT when it is not a recording or stopped
 * early (info->problem says which, and where: what came before was read);
 * PP_EVERSION for another format version; -errno for a read error.
 */
int rawfile_read(FILE *in, struct strtab *strings, raw_sample_fn fn, void *ctx,
		 struct raw_info *info);

void raw_info_release(struct raw_info *info);

/* Whether the first bytes of a file are a recording's. */
bool rawfile_is_recording(const uint8_t *head, size_t len);

#endif
