/*
 * index.c - hash index from 64-bit keys to 32-bit values (see index.h).
 */
#include "index.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define INITIAL_SLOTS 64
#define INITIAL_SHIFT 58          /* 64 - log2(INITIAL_SLOTS) */

/* Fibonacci hashing: one multiply, and the product's top bits, which
 * every bit of the key reaches (addresses' low bits are all zero). */
static size_t slot_of(const struct index *ix, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> ix->shift);
}

static bool is_used(const struct index *ix, size_t at)
{
	return (ix->used[at / 64] >> (at % 64)) & 1;
}

static size_t used_words(size_t slots)
{
	return (slots + 63) / 64;
}

uint64_t index_hash(const void *data, size_t len)
{
	const uint8_t *bytes = data;
	uint64_t hash = 0x9e3779b97f4a7c15ULL, word;
	size_t at;

	for (at = 0; at + 8 <= len; at += 8) {
		memcpy(&word, bytes + at, 8);
		hash = (hash ^ word) * 0xff51afd7ed558ccdULL;
	}
	for (; at < len; at++)
		hash = (hash ^ bytes[at]) * 0x100000001b3ULL;
	/* Multiplying carries bits only upwards: fold the top ones down. */
	hash ^= hash >> 31;
	hash *= 0xff51afd7ed558ccdULL;
	return hash ^ (hash >> 33);
}

void index_init(struct index *ix)
{
	memset(ix, 0, sizeof(*ix));
}

void index_release(struct index *ix)
{
	free(ix->keys);
	free(ix->values);
	free(ix->used);
	memset(ix, 0, sizeof(*ix));
}

void index_clear(struct index *ix)
{
	if (ix->used && ix->count)
		memset(ix->used, 0, used_words(ix->mask + 1) * sizeof(*ix->used));
	ix->count = 0;
}

/* The slot of key, or the free slot where it would go. */
static size_t find(const struct index *ix, uint64_t key)
{
	size_t at = slot_of(ix, key);

	while (is_used(ix, at) && ix->keys[at] != key)
		at = (at + 1) & ix->mask;
	return at;
}

/* The slot holding hash whose record same() accepts, or the free slot
 * where it would go. */
static size_t find_hashed(const struct index *ix, uint64_t hash, index_same_fn same,
			  const void *ctx)
{
	size_t at = slot_of(ix, hash);

	while (is_used(ix, at) && (ix->keys[at] != hash || !same(ctx, ix->values[at])))
		at = (at + 1) & ix->mask;
	return at;
}

/* The slot of key in a table whose keys its caller keeps, or the free
 * slot where it would go. */
static size_t find_kept(const struct index *ix, uint64_t key, index_key_fn key_of,
			const void *ctx)
{
	size_t at = slot_of(ix, key);

	while (is_used(ix, at) && key_of(ctx, ix->values[at]) != key)
		at = (at + 1) & ix->mask;
	return at;
}

/* Double the slots (key_of: the keys are the caller's, not stored). */
static void grow(struct index *ix, index_key_fn key_of, const void *ctx)
{
	struct index old = *ix;
	size_t old_size = old.used ? old.mask + 1 : 0, i, at;

	ix->mask = old.used ? old_size * 2 - 1 : INITIAL_SLOTS - 1;
	ix->shift = old.used ? old.shift - 1 : INITIAL_SHIFT;
	ix->keys = key_of ? NULL : xmalloc((ix->mask + 1) * sizeof(*ix->keys));
	ix->values = xmalloc((ix->mask + 1) * sizeof(*ix->values));
	ix->used = xcalloc(used_words(ix->mask + 1), sizeof(*ix->used));
	/* Into the first free slot: hashed keys can repeat. */
	for (i = 0; i < old_size; i++) {
		uint64_t key;

		if (!is_used(&old, i))
			continue;
		key = key_of ? key_of(ctx, old.values[i]) : old.keys[i];
		at = slot_of(ix, key);
		while (is_used(ix, at))
			at = (at + 1) & ix->mask;
		if (ix->keys)
			ix->keys[at] = key;
		ix->values[at] = old.values[i];
		ix->used[at / 64] |= 1ull << (at % 64);
	}
	free(old.keys);
	free(old.values);
	free(old.used);
}

static void make_room(struct index *ix, index_key_fn key_of, const void *ctx)
{
	if (!ix->used || (ix->count + 1) * 2 > ix->mask + 1)
		grow(ix, key_of, ctx);
}

static uint32_t *take(struct index *ix, size_t at, uint64_t key, bool *added)
{
	*added = !is_used(ix, at);
	if (*added) {
		if (ix->keys)
			ix->keys[at] = key;
		ix->values[at] = 0;
		ix->used[at / 64] |= 1ull << (at % 64);
		ix->count++;
	}
	return &ix->values[at];
}

bool index_get(const struct index *ix, uint64_t key, uint32_t *value)
{
	size_t at;

	if (!ix->used)
		return false;
	at = find(ix, key);
	if (!is_used(ix, at))
		return false;
	*value = ix->values[at];
	return true;
}

uint32_t *index_put(struct index *ix, uint64_t key, bool *added)
{
	make_room(ix, NULL, NULL);
	return take(ix, find(ix, key), key, added);
}

bool index_get_hashed(const struct index *ix, uint64_t hash, index_same_fn same,
		      const void *ctx, uint32_t *value)
{
	size_t at;

	if (!ix->used)
		return false;
	at = find_hashed(ix, hash, same, ctx);
	if (!is_used(ix, at))
		return false;
	*value = ix->values[at];
	return true;
}

uint32_t *index_put_hashed(struct index *ix, uint64_t hash, index_same_fn same,
			   const void *ctx, bool *added)
{
	make_room(ix, NULL, NULL);
	return take(ix, find_hashed(ix, hash, same, ctx), hash, added);
}

bool index_get_kept(const struct index *ix, uint64_t key, index_key_fn key_of, const void *ctx,
		    uint32_t *value)
{
	size_t at;

	if (!ix->used)
		return false;
	at = find_kept(ix, key, key_of, ctx);
	if (!is_used(ix, at))
		return false;
	*value = ix->values[at];
	return true;
}

uint32_t *index_put_kept(struct index *ix, uint64_t key, index_key_fn key_of, const void *ctx,
			 bool *added)
{
	make_room(ix, key_of, ctx);
	return take(ix, find_kept(ix, key, key_of, ctx), key, added);
}
