/*
 * rawformat.h - the constants of the recorded-profile format (.peek), the
 * code twin of docs/profile-format.md: the header, the record types, and
 * the bounds writers keep and readers enforce.  Shared by rawwriter.c and
 * rawreader.c; a change here is a change of the format.
 *
 * After a 12-byte header (the magic, the version byte, three zero bytes),
 * one zlib stream of records: a type byte, the payload's length as a
 * varint, the payload.  Strings, frames and stack nodes are numbered in the
 * order their records come, so that a sample names its threads' stacks
 * with one number each.  Every flush ends with a check record, the CRC-32
 * of the records since the one before: zlib's own checksum comes only at
 * the end of the stream, and a reader must not take damaged bytes for
 * samples.  A reader uses records only once their check has passed.
 */
#ifndef PEEKPY_RAWFORMAT_H
#define PEEKPY_RAWFORMAT_H

#define RAWFILE_MAGIC "PEEKPYRF"
#define RAWFILE_VERSION 1       /* a reader reads its own major version only */

enum record_type {
	REC_META = 1,     /* (key, value) string pairs */
	REC_STRING = 2,   /* the next string id's bytes */
	REC_FRAME = 3,    /* the next frame id: name, file, short file, line, first line */
	REC_STACK = 4,    /* the next stack node id: parent node, frame */
	REC_SAMPLE = 5,   /* time delta, pid, process name, threads: tid, flags,
			   * name, stack node */
	REC_END = 6,      /* samples, errors, duration */
	REC_CHECK = 7,    /* CRC-32 of the records since the last check */
	REC_RUN = 8,      /* the samples after it are of this run (record --repeat) */
};

#define HEADER_LEN 12
#define CHUNK (64 * 1024)
#define RECORD_MAX (16u << 20)   /* a reader's sanity bound on one record */
/* A CHECK closes every flush, and at least every CHECK_SPAN bytes of
 * records; a reader refuses more than UNCHECKED_MAX bytes without one, so
 * that damaged data never makes it buffer the whole file. */
#define CHECK_SPAN (1u << 20)
#define UNCHECKED_MAX (16u << 20)

#endif
