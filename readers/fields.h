/*
 * fields.h - reading a field out of a copy of the target's memory.
 *
 * Copies are byte buffers with no alignment promised, so fields are taken
 * with memcpy.  Header only: these are the readers' smallest shared piece.
 * Bounds are the caller's to check; nothing here reads the target.
 */
#ifndef PEEKPY_FIELDS_H
#define PEEKPY_FIELDS_H

#include <stdint.h>
#include <string.h>

static inline uint64_t load_u64(const uint8_t *buf, uint32_t at)
{
	uint64_t value;

	memcpy(&value, buf + at, sizeof(value));
	return value;
}

static inline uint32_t load_u32(const uint8_t *buf, uint32_t at)
{
	uint32_t value;

	memcpy(&value, buf + at, sizeof(value));
	return value;
}

static inline int32_t load_i32(const uint8_t *buf, uint32_t at)
{
	int32_t value;

	memcpy(&value, buf + at, sizeof(value));
	return value;
}

#endif
