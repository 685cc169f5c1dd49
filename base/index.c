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

static void grow(struct index *ix)
{
	struct index_slot *old = ix->slots;
	size_t old_size = old ? ix->mask + 1 : 0, i;

	ix->mask = old ? old_size * 2 - 1 : INITIAL_SLOTS - 1;
	ix->slots = xcalloc(ix->mask + 1, sizeof(*ix->slots));
	for (i = 0; i < old_size; i++)
		if (old[i].used)
			*find(ix, old[i].key) = old[i];
	free(old);
}

uint32_t *index_put(struct index *ix, uint64_t key, bool *added)
{
	struct index_slot *slot;

	if (!ix->slots || (ix->count + 1) * 2 > ix->mask + 1)
		grow(ix);
	slot = find(ix, key);
	*added = !slot->used;
	if (!slot->used) {
		*slot = (struct index_slot){ .key = key, .used = true };
		ix->count++;
	}
	return &slot->value;
}
