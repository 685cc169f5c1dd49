/*
 * linetable.h - instruction offset to line number, CPython's way.
 *
 * Three formats: co_lnotab (2.7 with unsigned line steps, 3.6-3.9 signed),
 * the 3.10 co_linetable of (length, line step) ranges, and the 3.11+
 * location table.  A table is decoded once into sorted ranges, so that each
 * lookup afterwards is a binary search.  Offsets are in bytes of bytecode.
 * Pure functions on bytes: must not read a process.
 */
#ifndef PEEKPY_LINETABLE_H
#define PEEKPY_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"

/* Line 0 means "no line": an instruction CPython gives no line number. */
#define LINE_NONE 0

struct linetable {
	uint32_t *starts;     /* byte offset where each range starts, ascending */
	int32_t *lines;       /* its line, or LINE_NONE */
	size_t count;
	uint32_t end;         /* offsets at or past this have no line */
	int32_t first_line;   /* co_firstlineno: the line before any instruction */
};

/* Decode table[0..len) of the given enum layout_linetable format. */
int linetable_decode(struct linetable *out, int format, const uint8_t *table,
		     size_t len, int32_t first_line);
void linetable_release(struct linetable *t);

/* The line executing at byte offset (negative: not started yet). */
int32_t linetable_line(const struct linetable *t, int64_t offset);

/*
 * What a profile shows where CPython has no line.  linetable_set() gives
 * the instructions at [start, end) a line (a loop's jump back, the line of
 * the loop it closes); linetable_fill_gaps() then gives every other one
 * without a line the line of the instruction before it (the first line
 * before any), so that no frame ever reads line 0.
 */
void linetable_set(struct linetable *t, uint32_t start, uint32_t end, int32_t line);
void linetable_fill_gaps(struct linetable *t);

#endif
