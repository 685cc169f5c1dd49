/*
 * snapshot.c - per-sample copies of target memory (see snapshot.h).
 */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

#define PAGE_BYTES (256u * 1024)

void snapshot_init(struct snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	snap->object_mask = 255;
	snap->objects = xcalloc(snap->object_mask + 1, sizeof(*snap->objects));
}

void snapshot_release(struct snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->n_pages; i++)
		free(snap->pages[i]);
	free(snap->pages);
	free(snap->page_sizes);
	free(snap->blocks);
	free(snap->objects);
	memset(snap, 0, sizeof(*snap));
}

void snapshot_clear(struct snapshot *snap)
{
	snap->n_blocks = 0;
	if (snap->n_objects)
		memset(snap->objects, 0, (snap->object_mask + 1) * sizeof(*snap->objects));
	snap->n_objects = 0;
	snap->page = 0;
	snap->page_used = 0;
	snap->bytes = 0;
}

uint8_t *snapshot_alloc(struct snapshot *snap, size_t len)
{
	uint8_t *at;

	/* Move on to the next page that has room; allocate one if none. */
	while (snap->page < snap->n_pages &&
	       snap->page_used + len > snap->page_sizes[snap->page]) {
		snap->page++;
		snap->page_used = 0;
	}
	if (snap->page == snap->n_pages) {
		size_t size = len > PAGE_BYTES ? len : PAGE_BYTES;
		XGROW(snap->pages, snap->cap_pages, snap->n_pages + 1);
		snap->page_sizes = xreallocarray(snap->page_sizes, snap->cap_pages,
						 sizeof(*snap->page_sizes));
		snap->pages[snap->n_pages] = xmalloc(size);
		snap->page_sizes[snap->n_pages] = size;
		snap->n_pages++;
		snap->page_used = 0;
	}
	at = snap->pages[snap->page] + snap->page_used;
	/* Keep copies 8-aligned so that fields can be loaded from them. */
	snap->page_used += (len + 7) & ~(size_t)7;
	snap->bytes += len;
	return at;
}

void snapshot_add_block(struct snapshot *snap, uint64_t addr, const uint8_t *data, size_t len)
{
	XGROW(snap->blocks, snap->cap_blocks, snap->n_blocks + 1);
	snap->blocks[snap->n_blocks++] = (struct snapshot_block){ addr, len, data };
}

static size_t object_slot(uint64_t addr, size_t mask)
{
	return (size_t)(((addr >> 3) * 0x9e3779b97f4a7c15ULL) >> 24) & mask;
}

static void grow_objects(struct snapshot *snap)
{
	struct snapshot_object *old = snap->objects;
	size_t old_size = snap->object_mask + 1, i;

	snap->object_mask = old_size * 2 - 1;
	snap->objects = xcalloc(old_size * 2, sizeof(*snap->objects));
	for (i = 0; i < old_size; i++) {
		size_t slot;

		if (!old[i].data)
			continue;
		slot = object_slot(old[i].addr, snap->object_mask);
		while (snap->objects[slot].data)
			slot = (slot + 1) & snap->object_mask;
		snap->objects[slot] = old[i];
	}
	free(old);
}

void snapshot_add_object(struct snapshot *snap, uint64_t addr, const uint8_t *data, size_t len)
{
	size_t slot;

	if ((snap->n_objects + 1) * 2 > snap->object_mask + 1)
		grow_objects(snap);
	slot = object_slot(addr, snap->object_mask);
	while (snap->objects[slot].data && snap->objects[slot].addr != addr)
		slot = (slot + 1) & snap->object_mask;
	if (!snap->objects[slot].data)
		snap->n_objects++;
	snap->objects[slot] = (struct snapshot_object){ addr, len, data };
}

const uint8_t *snapshot_find(const struct snapshot *snap, uint64_t addr, size_t len)
{
	size_t i, slot;

	if (snap->n_objects) {
		slot = object_slot(addr, snap->object_mask);
		while (snap->objects[slot].data) {
			const struct snapshot_object *obj = &snap->objects[slot];

			if (obj->addr == addr)
				return obj->len >= len ? obj->data : NULL;
			slot = (slot + 1) & snap->object_mask;
		}
	}
	for (i = 0; i < snap->n_blocks; i++) {
		const struct snapshot_block *block = &snap->blocks[i];

		if (addr >= block->addr && addr - block->addr <= block->len &&
		    len <= block->len - (addr - block->addr))
			return block->data + (addr - block->addr);
	}
	return NULL;
}
