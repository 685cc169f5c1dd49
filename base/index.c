/*
 * index.c - hash index from 64-bit keys to 32-bit values (see index.h).
 */
#include "index.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define INITIAL_SLOTS 64

/* A 64-bit finalizer (splitmix64's): neighbouring keys (addresses, thread
 * ids) spread over the whole table. */
static size_t slot_of(uint64_t key, size_t mask)
{
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 31;
	return (size_t)key & mask;
}

void index_init(struct index *ix)
{
	memset(ix, 0, sizeof(*ix));
}

void index_release(struct index *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

void index_clear(struct index *ix)
{
	if (ix->slots)
		memset(ix->slots, 0, (ix->mask + 1) * sizeof(*ix->slots));
	ix->count = 0;
}

static struct index_slot *find(const struct index *ix, uint64_t key)
{
	size_t at = slot_of(key, ix->mask);

	while (ix->slots[at].used && ix->slots[at].key != key)
		at = (at + 1) & ix->mask;
	return &ix->slots[at];
}

bool index_get(const struct index *ix, uint64_t key, uint32_t *value)
{
	const struct index_slot *slot;

	if (!ix->slots)
		return false;
	slot = find(ix, key);
	if (!slot->used)
		return false;
	*value = slot->value;
	return true;
}

/* The slot holding key whose record same() accepts, or the empty slot
 * where it would go. */
static struct index_slot *find_hashed(const struct index *ix, uint64_t hash,
				      index_same_fn same, const void *ctx)
{
	size_t at = slot_of(hash, ix->mask);

	while (ix->slots[at].used &&
	       (ix->slots[at].key != hash || !same(ctx, ix->slots[at].value)))
		at = (at + 1) & ix->mask;
	return &ix->slots[at];
}

static void grow(struct index *ix)
{
	struct index_slot *old = ix->slots;
	size_t old_size = old ? ix->mask + 1 : 0, i, at;

	ix->mask = old ? old_size * 2 - 1 : INITIAL_SLOTS - 1;
	ix->slots = xcalloc(ix->mask + 1, sizeof(*ix->slots));
	/* Into the first free slot: hashed keys can repeat. */
	for (i = 0; i < old_size; i++) {
		if (!old[i].used)
			continue;
		at = slot_of(old[i].key, ix->mask);
		while (ix->slots[at].used)
			at = (at + 1) & ix->mask;
		ix->slots[at] = old[i];
	}
	free(old);
}

static uint32_t *take(struct index *ix, struct index_slot *slot, uint64_t key, bool *added)
{
	*added = !slot->used;
	if (!slot->used) {
		*slot = (struct index_slot){ .key = key, .used = true };
		ix->count++;
	}
	return &slot->value;
}

static void make_room(struct index *ix)
{
	if (!ix->slots || (ix->count + 1) * 2 > ix->mask + 1)
		grow(ix);
}

uint32_t *index_put(struct index *ix, uint64_t key, bool *added)
{
	make_room(ix);
	return take(ix, find(ix, key), key, added);
}

bool index_get_hashed(const struct index *ix, uint64_t hash, index_same_fn same,
		      const void *ctx, uint32_t *value)
{
	const struct index_slot *slot;

	if (!ix->slots)
		return false;
	slot = find_hashed(ix, hash, same, ctx);
	if (!slot->used)
		return false;
	*value = slot->value;
	return true;
}

uint32_t *index_put_hashed(struct index *ix, uint64_t hash, index_same_fn same,
			   const void *ctx, bool *added)
{
	make_room(ix);
	return take(ix, find_hashed(ix, hash, same, ctx), hash, added);
}
