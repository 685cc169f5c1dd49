/*
 * index.h - a small hash index from 64-bit keys to 32-bit values.
 *
 * Open addressing with linear probing, grown at half full; any key is
 * allowed (0 included).  Keys, values and a bit for "used" live in three
 * arrays (12 bytes a slot, 4 when the caller keeps the keys), so that big
 * tables stay small and clearing one touches only its bits.  Callers keep their records in their own arrays
 * and index them by position: index_put() gives the slot of a key's value,
 * new or found.  Must not know what its keys mean.
 */
#ifndef PEEKPY_INDEX_H
#define PEEKPY_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct index {
	uint64_t *keys;             /* by slot */
	uint32_t *values;           /* by slot */
	uint64_t *used;             /* a bit per slot */
	size_t mask;                /* slots - 1 (a power of two minus one) */
	unsigned shift;             /* 64 - log2(slots): a hash's top bits pick the slot */
	size_t count;
};

void index_init(struct index *ix);
void index_release(struct index *ix);

/* Forget every key (the storage is kept). */
void index_clear(struct index *ix);

/* The value of key into *value: false when key is not there. */
bool index_get(const struct index *ix, uint64_t key, uint32_t *value);

/* The value slot of key, added (with *added true, the value 0) when it is
 * not there.  The pointer is valid until the next index_put(). */
uint32_t *index_put(struct index *ix, uint64_t key, bool *added);

/*
 * Keys wider than 64 bits (strings, frames, stacks): the index holds their
 * hash, and same(ctx, value) says whether the record at value is the one
 * the caller looks for.  Records whose hashes collide are kept apart.
 * A table uses either these two or the two above, never both.
 */
typedef bool (*index_same_fn)(const void *ctx, uint32_t value);

/* A hash of len bytes for such keys (a word at a time); also good for
 * telling whether bytes changed since they were last hashed. */
uint64_t index_hash(const void *data, size_t len);

bool index_get_hashed(const struct index *ix, uint64_t hash, index_same_fn same,
		      const void *ctx, uint32_t *value);
uint32_t *index_put_hashed(struct index *ix, uint64_t hash, index_same_fn same,
			   const void *ctx, bool *added);

/*
 * Keys the caller keeps in its records: key_of(ctx, value) gives the key of
 * the record at value, and the index stores values only (4 bytes a slot,
 * for big tables of small records).  index_put_kept()'s caller must fill
 * in a new value before the next put: growing asks every value its key.
 * A table uses either these two or the others, never both.
 */
typedef uint64_t (*index_key_fn)(const void *ctx, uint32_t value);

bool index_get_kept(const struct index *ix, uint64_t key, index_key_fn key_of, const void *ctx,
		    uint32_t *value);
uint32_t *index_put_kept(struct index *ix, uint64_t key, index_key_fn key_of, const void *ctx,
			 bool *added);

#endif
