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

static int by_recent_use(const void *a, const void *b)
{
	const struct snapshot_plan *x = a, *y = b;

	return x->last_used > y->last_used ? -1 : x->last_used < y->last_used;
}

static int plan_by_key(const void *a, const void *b)
{
	const struct snapshot_plan *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->is_block - (int)y->is_block;
}

/* Record in the plan every range this sample used, and forget the ranges
 * no sample used for SNAPSHOT_PLAN_KEEP samples. */
static void note_use(struct snapshot *snap, const struct snapshot_entry *entry, bool is_block)
{
	struct snapshot_plan key = { .addr = entry->addr, .is_block = is_block };
	struct snapshot_plan *found;

	found = snap->n_plan_sorted ? bsearch(&key, snap->plan, snap->n_plan_sorted,
					      sizeof(*snap->plan), plan_by_key) : NULL;
	if (!found) {
		XGROW(snap->plan, snap->cap_plan, snap->n_plan + 1);
		found = &snap->plan[snap->n_plan++];
		*found = key;
	}
	found->len = entry->plan_len;
	found->verify = entry->verify;
	found->touched = entry->touched;
	found->last_used = snap->samples;
}

static void make_plan(struct snapshot *snap)
{
	size_t i, kept = 0;

	/* Look-ups go to the sorted part; new ranges are appended after it. */
	if (snap->n_plan)
		qsort(snap->plan, snap->n_plan, sizeof(*snap->plan), plan_by_key);
	snap->n_plan_sorted = snap->n_plan;
	for (i = 0; i <= snap->object_mask; i++)
		if (snap->objects[i].data && snap->objects[i].plan_len)
			note_use(snap, &snap->objects[i], false);
	for (i = 0; i < snap->n_blocks; i++)
		if (snap->blocks[i].plan_len)
			note_use(snap, &snap->blocks[i], true);
	for (i = 0; i < snap->n_plan; i++)
		if (snap->samples - snap->plan[i].last_used < SNAPSHOT_PLAN_KEEP)
			snap->plan[kept++] = snap->plan[i];
	snap->n_plan = kept;
	if (snap->n_plan > SNAPSHOT_PLAN_MAX) {
		qsort(snap->plan, snap->n_plan, sizeof(*snap->plan), by_recent_use);
		snap->n_plan = SNAPSHOT_PLAN_MAX;
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
	snap->touches = 0;
	snap->generation++;
}

/* Ranges nobody verifies first (by address), then the verified ones in the
 * order a sample first used them: thread state, then frames from the newest
 * down.  That order is much the same from one sample to the next, so the
 * frames that take turns at one depth (callers of one function) stay next
 * to each other in the copy. */
static int by_copy_order(const void *a, const void *b)
{
	const struct snapshot_plan *x = a, *y = b;

	if (x->verify != y->verify)
		return x->verify ? 1 : -1;
	if (x->verify && x->touched != y->touched)
		return x->touched < y->touched ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Copy the plan in one batch.  Objects close to each other are read as one
 * range, since the kernel pins pages and takes the target's mm lock once per
 * range (a 3.10 stack is a hundred frame objects, often in the same few
 * pools).  Ranges to verify are copied twice, mirrored: the first pass
 * takes them oldest first (deep frames, then newer ones, the thread state
 * last), the second newest first.  The kernel copies ranges in order, so
 * the intervals between the two copies of each range are nested: one
 * instant lies in all of them (what verification needs), and the ranges
 * that change fastest have their two copies almost back to back.
 */
static int fetch_plan(struct snapshot *snap, bool keep_marks, bool only_verify)
{
	size_t i, n_ranges = 0, n_reqs = 0, n_verify = 0, start = 0;
	size_t *first, *pass1, *pass2;
	bool *verify;
	struct mem_req *ranges;
	int err;

	if (snap->n_plan)
		qsort(snap->plan, snap->n_plan, sizeof(*snap->plan), by_copy_order);
	first = xcalloc(snap->n_plan + 1, sizeof(*first));
	verify = xcalloc(snap->n_plan + 1, sizeof(*verify));
	ranges = xcalloc(snap->n_plan + 1, sizeof(*ranges));
	/* The sort puts the ranges nobody verifies first: skip them when only
	 * the verified ones are wanted. */
	while (only_verify && start < snap->n_plan && !snap->plan[start].verify)
		start++;
	for (i = start; i < snap->n_plan; i++) {
		const struct snapshot_plan *plan = &snap->plan[i];
		struct mem_req *last = n_ranges ? &ranges[n_ranges - 1] : NULL;

		/* Join the range being built when close on either side: one copy
		 * of the hull is cheaper than two, and order inside it does not
		 * matter (a hundred frame objects of a recursion, newest first,
		 * often sit at falling addresses). */
		if (last && !plan->is_block && !snap->plan[i - 1].is_block &&
		    i > start && plan->verify == snap->plan[i - 1].verify) {
			uint64_t lo = plan->addr < last->addr ? plan->addr : last->addr;
			uint64_t hi = plan->addr + plan->len > last->addr + last->len
				      ? plan->addr + plan->len : last->addr + last->len;

			if (plan->addr <= last->addr + last->len + MERGE_GAP &&
			    last->addr <= plan->addr + plan->len + MERGE_GAP && hi - lo <= MERGE_MAX) {
				last->addr = lo;
				last->len = hi - lo;
				continue;
			}
		}
		first[n_ranges] = i;
		verify[n_ranges] = plan->verify;
		n_verify += plan->verify;
		ranges[n_ranges++] = (struct mem_req){ .addr = plan->addr, .len = plan->len };
	}
	first[n_ranges] = snap->n_plan;
	/* Ranges are sorted: not verified first, then verified newest first. */
	pass1 = xcalloc(n_ranges + 1, sizeof(*pass1));
	pass2 = xcalloc(n_ranges + 1, sizeof(*pass2));
	XGROW(snap->reqs, snap->cap_reqs, n_ranges + n_verify + 1);
	for (i = 0; i < n_ranges; i++) {
		pass2[i] = SIZE_MAX;
		if (!verify[i])
			pass1[i] = n_reqs++;
	}
	for (i = n_ranges; i-- > 0;)
		if (verify[i])
			pass1[i] = n_reqs++;
	for (i = 0; i < n_ranges; i++)
		if (verify[i])
			pass2[i] = n_reqs++;
	for (i = 0; i < n_ranges; i++) {
		snap->reqs[pass1[i]] = ranges[i];
		snap->reqs[pass1[i]].buf = alloc_copy(snap, ranges[i].len);
		if (pass2[i] != SIZE_MAX) {
			snap->reqs[pass2[i]] = ranges[i];
			snap->reqs[pass2[i]].buf = alloc_copy(snap, ranges[i].len);
		}
	}
	err = mem_read_many(snap->pid, snap->reqs, n_reqs);
	snap->syscalls += (n_reqs + 1023) / 1024;
	for (i = 0; i < n_ranges && !err; i++) {
		const struct mem_req *req = &snap->reqs[pass1[i]];
		const struct mem_req *again = pass2[i] != SIZE_MAX ? &snap->reqs[pass2[i]] : NULL;
		size_t p;

		snap->bytes += req->got + (again ? again->got : 0);
		for (p = first[i]; p < first[i + 1]; p++) {
			const struct snapshot_plan *plan = &snap->plan[p];
			size_t at = plan->addr - req->addr;
			const uint8_t *data = (const uint8_t *)req->buf + at;
			struct snapshot_entry *entry = NULL;

			/* A block may have shrunk or moved: keep whatever arrived. */
			if (plan->is_block && req->got > at)
				entry = add_block(snap, plan->addr, data, req->got - at);
			else if (!plan->is_block && req->got >= at + plan->len)
				entry = add_object(snap, plan->addr, data, plan->len);
			if (entry && again && again->got > at) {
				entry->check = (const uint8_t *)again->buf + at;
				entry->check_len = again->got - at < entry->len ? again->got - at
										 : entry->len;
			}
			if (entry && keep_marks) {
				entry->plan_len = plan->len;
				entry->verify = plan->verify;
				entry->touched = plan->touched;
			}
		}
	}
	free(first);
	free(verify);
	free(ranges);
	free(pass1);
	free(pass2);
	return err;
}

int snapshot_begin(struct snapshot *snap)
{
	make_plan(snap);
	clear(snap);
	snap->samples++;
	return fetch_plan(snap, false, false);
}

int snapshot_refetch(struct snapshot *snap)
{
	size_t i;

	/* Copy again what a walk depends on (the ranges to verify); copies of
	 * the rest (code objects, interpreter fields) stay valid as they are.
	 * Old copies stay where they are (the pages are not reset): only
	 * lookups move on to the new generation. */
	make_plan(snap);
	snap->generation++;
	for (i = 0; i <= snap->object_mask; i++)
		if (snap->objects[i].data && !snap->objects[i].verify &&
		    snap->objects[i].generation == snap->generation - 1)
			snap->objects[i].generation = snap->generation;
	snap->n_blocks = 0;
	return fetch_plan(snap, true, true);
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
static void mark_recur(struct snapshot *snap, struct snapshot_entry *entry, uint64_t addr,
		       size_t len, unsigned flags)
{
	if (!(flags & (SNAP_RECUR | SNAP_VERIFY)))
		return;
	if (!entry->touched)
		entry->touched = ++snap->touches;
	if (flags & SNAP_VERIFY)
		entry->verify = true;
	if (entry->addr == addr && entry->plan_len < len)
		entry->plan_len = len;
}

const uint8_t *snapshot_find(struct snapshot *snap, uint64_t addr, size_t len, unsigned flags)
{
	struct snapshot_entry *entry = find_entry(snap, addr, len);

	if (!entry)
		return NULL;
	mark_recur(snap, entry, addr, len, flags);
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
	mark_recur(snap, entry, addr, len, flags);
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
	entry->verify = true;
	if (!entry->touched)
		entry->touched = ++snap->touches;
	*data = entry->data;
	return 0;
}

const uint8_t *snapshot_check(struct snapshot *snap, uint64_t addr, size_t len)
{
	struct snapshot_entry *entry = find_entry(snap, addr, len);
	size_t at;

	if (!entry || !entry->check)
		return NULL;
	at = addr - entry->addr;
	return at + len <= entry->check_len ? entry->check + at : NULL;
}

int snapshot_reread(struct snapshot *snap, struct snapshot_req *reqs, size_t n)
{
	size_t i;
	int err;

	XGROW(snap->reqs, snap->cap_reqs, n);
	for (i = 0; i < n; i++)
		snap->reqs[i] = (struct mem_req){ .addr = reqs[i].addr, .len = reqs[i].len,
						  .buf = alloc_copy(snap, reqs[i].len) };
	err = mem_read_many(snap->pid, snap->reqs, n);
	snap->syscalls += (n + 1023) / 1024;
	for (i = 0; i < n; i++)
		reqs[i].data = !err && !snap->reqs[i].result ? snap->reqs[i].buf : NULL;
	return err;
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
			mark_recur(snap, entry, reqs[i].addr, reqs[i].len, flags);
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
		mark_recur(snap, entry, req->addr, req->len, flags);
	}
	/* Second pass: point every request at its copy. */
	for (i = 0; i < n; i++)
		if (!reqs[i].data)
			reqs[i].data = snapshot_find(snap, reqs[i].addr, reqs[i].len, 0);
	return 0;
}
