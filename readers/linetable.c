/*
 * linetable.c - decoding CPython line tables (see linetable.h).
 *
 * Every decoder produces the same thing: ranges [starts[i], starts[i+1])
 * each with one line, adjacent ranges of equal line merged.
 */
#include "linetable.h"

#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"

struct builder {
	struct linetable *t;
	size_t cap;
};

static void add_range(struct builder *b, uint32_t start, int32_t line)
{
	struct linetable *t = b->t;

	if (t->count && t->starts[t->count - 1] == start) {
		/* A later entry for the same start wins (lnotab line steps at
		 * one address accumulate). */
		t->lines[t->count - 1] = line;
		if (t->count > 1 && t->lines[t->count - 2] == line)
			t->count--;
		return;
	}
	if (t->count && t->lines[t->count - 1] == line)
		return;
	if (t->count + 1 > b->cap) {
		size_t cap = b->cap;

		XGROW(t->starts, cap, t->count + 1);
		t->lines = xreallocarray(t->lines, cap, sizeof(*t->lines));
		b->cap = cap;
	}
	t->starts[t->count] = start;
	t->lines[t->count] = line;
	t->count++;
}

/* co_lnotab: pairs (address step, line step); the line of offset A is the
 * first line plus every line step whose address is <= A. */
static int decode_lnotab(struct builder *b, const uint8_t *table, size_t len, int is_signed)
{
	uint32_t addr = 0;
	int32_t line = b->t->first_line;
	size_t i;

	add_range(b, 0, line);
	for (i = 0; i + 1 < len; i += 2) {
		addr += table[i];
		line += is_signed ? (int8_t)table[i + 1] : table[i + 1];
		add_range(b, addr, line);
	}
	b->t->end = UINT32_MAX;
	return 0;
}

/* 3.10: pairs (range length in bytes, line step); step -128 = no line. */
static int decode_310(struct builder *b, const uint8_t *table, size_t len)
{
	uint32_t end = 0;
	int32_t line = b->t->first_line;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		uint32_t start = end;
		int8_t step = (int8_t)table[i + 1];
		int32_t this_line;

		end = start + table[i];
		if (step == -128) {
			this_line = LINE_NONE;
		} else {
			line += step;
			this_line = line;
		}
		if (start != end)
			add_range(b, start, this_line);
	}
	b->t->end = end;
	return 0;
}

static int read_varint(const uint8_t *table, size_t len, size_t *at, uint32_t *value)
{
	uint32_t result = 0;
	unsigned shift = 0;
	uint8_t byte;

	do {
		if (*at >= len || shift > 28)
			return PP_EFORMAT;
		byte = table[(*at)++];
		result |= (uint32_t)(byte & 63) << shift;
		shift += 6;
	} while (byte & 64);
	*value = result;
	return 0;
}

static int read_svarint(const uint8_t *table, size_t len, size_t *at, int32_t *value)
{
	uint32_t raw;
	int err = read_varint(table, len, at, &raw);

	if (err)
		return err;
	*value = (raw & 1) ? -(int32_t)(raw >> 1) : (int32_t)(raw >> 1);
	return 0;
}

/* 3.11+: entries of 1 CCCC LLL headers; C the form, L+1 code units. */
static int decode_locations(struct builder *b, const uint8_t *table, size_t len)
{
	uint32_t unit = 0, ignored;
	int32_t line = b->t->first_line, step;
	size_t at = 0;

	while (at < len) {
		uint8_t head = table[at++];
		unsigned code = (head >> 3) & 15, units = (head & 7) + 1u;
		int32_t this_line;

		if (!(head & 0x80))
			return PP_EFORMAT;
		step = 0;
		if (code <= 9) {
			at += 1;                          /* column byte */
		} else if (code <= 12) {
			step = (int32_t)code - 10;
			at += 2;                          /* start and end column */
		} else if (code == 13) {
			if (read_svarint(table, len, &at, &step))
				return PP_EFORMAT;
		} else if (code == 14) {
			if (read_svarint(table, len, &at, &step) ||
			    read_varint(table, len, &at, &ignored) ||
			    read_varint(table, len, &at, &ignored) ||
			    read_varint(table, len, &at, &ignored))
				return PP_EFORMAT;
		}
		if (at > len)
			return PP_EFORMAT;
		line += step;
		this_line = code == 15 ? LINE_NONE : line;
		add_range(b, unit * 2, this_line);
		unit += units;
	}
	b->t->end = unit * 2;
	return 0;
}

int linetable_decode(struct linetable *out, int format, const uint8_t *table,
		     size_t len, int32_t first_line)
{
	struct builder b = { .t = out };
	int err;

	memset(out, 0, sizeof(*out));
	out->first_line = first_line;
	switch (format) {
	case LINETABLE_LNOTAB_UNSIGNED:
		err = decode_lnotab(&b, table, len, 0);
		break;
	case LINETABLE_LNOTAB_SIGNED:
		err = decode_lnotab(&b, table, len, 1);
		break;
	case LINETABLE_310:
		err = decode_310(&b, table, len);
		break;
	case LINETABLE_LOCATIONS:
		err = decode_locations(&b, table, len);
		break;
	default:
		err = PP_EFORMAT;
	}
	if (err)
		linetable_release(out);
	return err;
}

void linetable_release(struct linetable *t)
{
	free(t->starts);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

static size_t range_of(const struct linetable *t, uint32_t offset);

int32_t linetable_line(const struct linetable *t, int64_t offset)
{
	size_t at;

	if (offset < 0)
		return t->first_line;
	if ((uint64_t)offset >= t->end)
		return LINE_NONE;
	at = range_of(t, (uint32_t)offset);
	return at == t->count ? LINE_NONE : t->lines[at];
}

/* Index of the range holding offset (t->count when none does): the last
 * one starting at or before it. */
static size_t range_of(const struct linetable *t, uint32_t offset)
{
	size_t lo = 0, hi = t->count;

	if (t->count == 0 || offset >= t->end || offset < t->starts[0])
		return t->count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->starts[mid] <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Make offset the start of a range (splitting the one that holds it). */
static size_t split_at(struct linetable *t, uint32_t offset)
{
	size_t at = range_of(t, offset);

	if (at == t->count || t->starts[at] == offset)
		return at;
	t->starts = xreallocarray(t->starts, t->count + 1, sizeof(*t->starts));
	t->lines = xreallocarray(t->lines, t->count + 1, sizeof(*t->lines));
	memmove(t->starts + at + 2, t->starts + at + 1, (t->count - at - 1) * sizeof(*t->starts));
	memmove(t->lines + at + 2, t->lines + at + 1, (t->count - at - 1) * sizeof(*t->lines));
	t->starts[at + 1] = offset;
	t->lines[at + 1] = t->lines[at];
	t->count++;
	return at + 1;
}

void linetable_set(struct linetable *t, uint32_t start, uint32_t end, int32_t line)
{
	size_t first, last;

	if (start >= end || start >= t->end || range_of(t, start) == t->count)
		return;
	if (end > t->end)
		end = t->end;
	first = split_at(t, start);
	last = end < t->end ? split_at(t, end) : t->count;
	for (size_t i = first; i < last; i++)
		t->lines[i] = line;
}

void linetable_fill_gaps(struct linetable *t)
{
	int32_t before = t->first_line;

	for (size_t i = 0; i < t->count; i++) {
		if (t->lines[i] == LINE_NONE)
			t->lines[i] = before;
		before = t->lines[i];
	}
}
