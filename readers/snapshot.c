/*
 * snapshot.c - per-sample copies of target memory, prefetched by plan
 * (see snapshot.h).
 */
#include "snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"

#define PAGE_BYTES (256u * 1024)
/* Objects this close are prefetched as one range (see snapshot_begin). */
#define MERGE_GAP 512
#define MERGE_MAX (16u * 1024)

void snapshot_init(struct snapshot *snap, pid_t pid)
{
	memset(snap, 0, sizeof(*snap));
	snap->pid = pid;
	snap->generation = 1;
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
	free(snap->plan);
	free(snap->reqs);
	memset(snap, 0, sizeof(*snap));
}

static uint8_t *alloc_copy(struct snapshot *snap, size_t len)
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
	return at;
}

static size_t object_slot(uint64_t addr, size_t mask)
{
	return (size_t)(((addr >> 3) * 0x9e3779b97f4a7c15ULL) >> 24) & mask;
}

static struct snapshot_entry *object_entry(struct snapshot *snap, uint64_t addr)
{
	size_t slot = object_slot(addr, snap->object_mask);

	while (snap->objects[slot].data && snap->objects[slot].addr != addr)
		slot = (slot + 1) & snap->object_mask;
	return &snap->objects[slot];
}

static void grow_objects(struct snapshot *snap)
{
	struct snapshot_entry *old = snap->objects;
	size_t old_size = snap->object_mask + 1, i;

	snap->object_mask = old_size * 2 - 1;
	snap->objects = xcalloc(old_size * 2, sizeof(*snap->objects));
	for (i = 0; i < old_size; i++)
		if (old[i].data)
			*object_entry(snap, old[i].addr) = old[i];
	free(old);
}

static struct snapshot_entry *add_object(struct snapshot *snap, uint64_t addr,
					 const uint8_t *data, size_t len)
{
	struct snapshot_entry *entry;

	if ((snap->n_objects + 1) * 2 > snap->object_mask + 1)
		grow_objects(snap);
	entry = object_entry(snap, addr);
	if (!entry->data)
		snap->n_objects++;
	*entry = (struct snapshot_entry){ .addr = addr, .len = len, .data = data,
					  .generation = snap->generation };
	return entry;
}

static struct snapshot_entry *add_block(struct snapshot *snap, uint64_t addr,
					const uint8_t *data, size_t len)
{
	struct snapshot_entry *entry = NULL;
	size_t i;

	/* A fresh copy of a block replaces the stale one. */
	for (i = 0; i < snap->n_blocks; i++)
		if (snap->blocks[i].addr == addr)
			entry = &snap->blocks[i];
	if (!entry) {
		XGROW(snap->blocks, snap->cap_blocks, snap->n_blocks + 1);
		entry = &snap->blocks[snap->n_blocks++];
	}
	*entry = (struct snapshot_entry){ .addr = addr, .len = len, .data = data,
					  .generation = snap->generation };
	return entry;
}

static void make_plan(struct snapshot *snap)
{
	size_t i;

	snap->n_plan = 0;
	for (i = 0; i <= snap->object_mask; i++) {
		const struct snapshot_entry *entry = &snap->objects[i];

		if (!entry->data || !entry->plan_len)
			continue;
		XGROW(snap->plan, snap->cap_plan, snap->n_plan + 1);
		snap->plan[snap->n_plan++] = (struct snapshot_plan){ entry->addr, entry->plan_len, 0 };
	}
	for (i = 0; i < snap->n_blocks; i++) {
		const struct snapshot_entry *entry = &snap->blocks[i];

		if (!entry->plan_len)
			continue;
		XGROW(snap->plan, snap->cap_plan, snap->n_plan + 1);
		snap->plan[snap->n_plan++] = (struct snapshot_plan){ entry->addr, entry->plan_len, 1 };
	}
}

static void clear(struct snapshot *snap)
{
	if (snap->n_objects)
		memset(snap->objects, 0, (snap->object_mask + 1) * sizeof(*snap->objects));
	snap->n_objects = 0;
	snap->n_blocks = 0;
	snap->page = 0;
	snap->page_used = 0;
	snap->bytes = 0;
	snap->syscalls = 0;
	snap->generation++;
}

static int by_address(const void *a, const void *b)
{
	const struct snapshot_plan *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Copy the plan: objects close to each other are read as one range, since
 * the kernel pins pages and takes the target's mm lock once per range (a
 * 3.10 stack is a hundred frame objects, often in the same few pools).
 */
int snapshot_begin(struct snapshot *snap)
{
	size_t i, n_reqs = 0;
	size_t *first;
	int err;

	make_plan(snap);
	clear(snap);
	qsort(snap->plan, snap->n_plan, sizeof(*snap->plan), by_address);
	first = xcalloc(snap->n_plan + 1, sizeof(*first));
	for (i = 0; i < snap->n_plan; i++) {
		const struct snapshot_plan *plan = &snap->plan[i];
		struct mem_req *last = n_reqs ? &snap->reqs[n_reqs - 1] : NULL;

		if (last && !plan->is_block && !snap->plan[i - 1].is_block &&
		    plan->addr >= last->addr && plan->addr - (last->addr + last->len) <= MERGE_GAP &&
		    plan->addr + plan->len - last->addr <= MERGE_MAX) {
			if (plan->addr + plan->len > last->addr + last->len)
				last->len = plan->addr + plan->len - last->addr;
			continue;
		}
		XGROW(snap->reqs, snap->cap_reqs, n_reqs + 1);
		first[n_reqs] = i;
		snap->reqs[n_reqs++] = (struct mem_req){ .addr = plan->addr, .len = plan->len };
	}
	first[n_reqs] = snap->n_plan;
	for (i = 0; i < n_reqs; i++)
		snap->reqs[i].buf = alloc_copy(snap, snap->reqs[i].len);
	err = mem_read_many(snap->pid, snap->reqs, n_reqs);
	snap->syscalls += (n_reqs + 1023) / 1024;
	for (i = 0; i < n_reqs && !err; i++) {
		const struct mem_req *req = &snap->reqs[i];
		size_t p;

		snap->bytes += req->got;
		for (p = first[i]; p < first[i + 1]; p++) {
			const struct snapshot_plan *plan = &snap->plan[p];
			size_t at = plan->addr - req->addr;
			const uint8_t *data = (const uint8_t *)req->buf + at;

			/* A block may have shrunk or moved: keep whatever arrived. */
			if (plan->is_block && req->got > at)
				add_block(snap, plan->addr, data, req->got - at);
			else if (!plan->is_block && req->got >= at + plan->len)
				add_object(snap, plan->addr, data, plan->len);
		}
	}
	free(first);
	return err;
}

void snapshot_invalidate(struct snapshot *snap)
{
	snap->generation++;
}

static struct snapshot_entry *find_entry(struct snapshot *snap, uint64_t addr, size_t len)
{
	struct snapshot_entry *entry;
	size_t i;

	if (snap->n_objects) {
		entry = object_entry(snap, addr);
		if (entry->data && entry->generation == snap->generation && entry->len >= len)
			return entry;
	}
	for (i = 0; i < snap->n_blocks; i++) {
		entry = &snap->blocks[i];
		if (entry->generation == snap->generation && addr >= entry->addr &&
		    addr - entry->addr <= entry->len && len <= entry->len - (addr - entry->addr))
			return entry;
	}
	return NULL;
}

/* Keep an object in the plan (a range inside a block is covered by the
 * block's own plan). */
static void mark_recur(struct snapshot_entry *entry, uint64_t addr, size_t len, unsigned flags)
{
	if ((flags & SNAP_RECUR) && entry->addr == addr && entry->plan_len < len)
		entry->plan_len = len;
}

const uint8_t *snapshot_find(struct snapshot *snap, uint64_t addr, size_t len, unsigned flags)
{
	struct snapshot_entry *entry = find_entry(snap, addr, len);

	if (!entry)
		return NULL;
	mark_recur(entry, addr, len, flags);
	return entry->data + (addr - entry->addr);
}

int snapshot_read(struct snapshot *snap, uint64_t addr, size_t len, unsigned flags,
		  const uint8_t **data)
{
	struct snapshot_entry *entry = find_entry(snap, addr, len);
	uint8_t *copy;
	int err;

	if (!entry) {
		copy = alloc_copy(snap, len);
		err = mem_read(snap->pid, addr, copy, len);
		snap->syscalls++;
		if (err)
			return err;
		snap->bytes += len;
		entry = add_object(snap, addr, copy, len);
	}
	mark_recur(entry, addr, len, flags);
	*data = entry->data + (addr - entry->addr);
	return 0;
}

int snapshot_read_block(struct snapshot *snap, uint64_t addr, size_t len, size_t plan_len,
			const uint8_t **data)
{
	struct snapshot_entry *entry = find_entry(snap, addr, len);
	uint8_t *copy;
	int err;

	if (!entry || entry->addr != addr) {
		copy = alloc_copy(snap, len);
		err = mem_read(snap->pid, addr, copy, len);
		snap->syscalls++;
		if (err)
			return err;
		snap->bytes += len;
		entry = add_block(snap, addr, copy, len);
	}
	entry->plan_len = plan_len > len ? plan_len : len;
	*data = entry->data;
	return 0;
}

int snapshot_read_many(struct snapshot *snap, struct snapshot_req *reqs, size_t n,
		       unsigned flags)
{
	size_t i, n_miss = 0;
	int err;

	for (i = 0; i < n; i++) {
		struct snapshot_entry *entry = find_entry(snap, reqs[i].addr, reqs[i].len);

		reqs[i].data = NULL;
		if (entry) {
			mark_recur(entry, reqs[i].addr, reqs[i].len, flags);
			reqs[i].data = entry->data + (reqs[i].addr - entry->addr);
			continue;
		}
		XGROW(snap->reqs, snap->cap_reqs, n_miss + 1);
		snap->reqs[n_miss++] = (struct mem_req){ .addr = reqs[i].addr, .len = reqs[i].len,
							 .buf = alloc_copy(snap, reqs[i].len) };
	}
	if (!n_miss)
		return 0;
	err = mem_read_many(snap->pid, snap->reqs, n_miss);
	snap->syscalls += (n_miss + 1023) / 1024;
	if (err)
		return err;
	for (i = 0; i < n_miss; i++) {
		const struct mem_req *req = &snap->reqs[i];
		struct snapshot_entry *entry;

		if (req->result)
			continue;
		snap->bytes += req->len;
		entry = add_object(snap, req->addr, req->buf, req->len);
		if (flags & SNAP_RECUR)
			entry->plan_len = req->len;
	}
	/* Second pass: point every request at its copy. */
	for (i = 0; i < n; i++)
		if (!reqs[i].data)
			reqs[i].data = snapshot_find(snap, reqs[i].addr, reqs[i].len, 0);
	return 0;
}
