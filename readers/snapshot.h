/*
 * snapshot.h - copies of target memory taken during one sample.
 *
 * A sample reads target memory in as few system calls as it can: a whole
 * data-stack chunk at once (3.11+), and every frame the previous sample
 * found outside such a chunk in one batched read.  The walker then looks
 * frames up here before reading anything itself.  Two kinds of copies:
 * blocks (ranges searched by containment; few) and objects (looked up by
 * their exact start address; many).  Copies never move once taken, so
 * pointers into them stay valid until snapshot_clear().  Must not decide
 * what to read.
 */
#ifndef PEEKPY_SNAPSHOT_H
#define PEEKPY_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct snapshot {
	struct snapshot_block {
		uint64_t addr;
		size_t len;
		const uint8_t *data;
	} *blocks;
	size_t n_blocks, cap_blocks;
	/* Objects: open addressing by start address. */
	struct snapshot_object {
		uint64_t addr;
		size_t len;
		const uint8_t *data;
	} *objects;
	size_t object_mask, n_objects;
	/* Storage: pages of memory reused from sample to sample. */
	uint8_t **pages;
	size_t *page_sizes;
	size_t n_pages, cap_pages, page, page_used;
	size_t bytes;
};

void snapshot_init(struct snapshot *snap);
void snapshot_release(struct snapshot *snap);
/* Forget every copy (keeps the storage). */
void snapshot_clear(struct snapshot *snap);

/* Room for len bytes; fill it, then add it with one of the calls below. */
uint8_t *snapshot_alloc(struct snapshot *snap, size_t len);
void snapshot_add_block(struct snapshot *snap, uint64_t addr, const uint8_t *data, size_t len);
void snapshot_add_object(struct snapshot *snap, uint64_t addr, const uint8_t *data, size_t len);

/* The copy of [addr, addr+len), or NULL when no copy holds it. */
const uint8_t *snapshot_find(const struct snapshot *snap, uint64_t addr, size_t len);

#endif
