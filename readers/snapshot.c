/*
 * snapshot.c - per-sample copies of target memory, prefetched by plan
 * (see snapshot.h).
 */
#include "snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/errors.h"
#include "../base/xalloc.h"

#define PAGE_BYTES (256u * 1024)
/* Objects this close are prefetched as one range (see snapshot_begin). */
#define MERGE_GAP 512
#define MERGE_MAX (16u * 1024)
/* A batch slower than this was interrupted (see took_long). */
#define SLOW_BATCH_NS 20000u
#define SLOW_RANGE_NS 2000u
#define SLOW_BYTE_NS 2u

void snapshot_init(struct snapshot *snap, pid_t pid)
{
	memset(snap, 0, sizeof(*snap));
	snap->pid = pid;
	snap->generation = 1;
	index_init(&snap->object_at);
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
	index_release(&snap->object_at);
	free(snap->plan);
	free(snap->first);
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

/* The copy of the object at addr, or NULL. */
static struct snapshot_entry *object_entry(struct snapshot *snap, uint64_t addr)
{
	uint32_t at;

	return index_get(&snap->object_at, addr, &at) ? &snap->objects[at] : NULL;
}

/* A new copy of the object at addr; it replaces an older one. */
static struct snapshot_entry *add_object(struct snapshot *snap, uint64_t addr,
					 const uint8_t *data, size_t len)
{
	bool added;
	uint32_t *at = index_put(&snap->object_at, addr, &added);

	if (added) {
		XGROW(snap->objects, snap->cap_objects, snap->n_objects + 1);
		*at = (uint32_t)snap->n_objects++;
	}
	snap->objects[*at] = (struct snapshot_entry){ .addr = addr, .len = len, .data = data,
						      .generation = snap->generation,
						      .plan_at = UINT32_MAX };
	return &snap->objects[*at];
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
					  .generation = snap->generation, .plan_at = UINT32_MAX };
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

/* A plan entry now holds what the sample learned of the range it copied. */
static void note_use(struct snapshot *snap, struct snapshot_plan *slot,
		     const struct snapshot_entry *entry)
{
	slot->len = entry->plan_len;
	slot->kind = entry->kind;
	slot->group = entry->group;
	slot->touched = entry->touched;
	slot->depth = entry->depth;
	slot->last_used = snap->samples;
}

/* The entry was copied by the plan, whose entry for it is still in place. */
static bool planned_in_place(const struct snapshot *snap, const struct snapshot_entry *entry,
			     bool is_block)
{
	return entry->plan_at < snap->n_plan && snap->plan[entry->plan_at].addr == entry->addr &&
	       snap->plan[entry->plan_at].is_block == is_block;
}

/* A range the plan did not copy: found by key (the plan is sorted by key
 * up to n_plan_sorted), else added. */
static void note_unplanned(struct snapshot *snap, const struct snapshot_entry *entry,
			   bool is_block)
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
	note_use(snap, found, entry);
}

/* Note in the plan what this sample learned of the ranges the plan copied;
 * return how many used ranges it did not copy. */
static size_t note_planned(struct snapshot *snap, struct snapshot_entry *entries, size_t n,
			   bool is_block)
{
	size_t i, unplanned = 0;

	for (i = 0; i < n; i++) {
		struct snapshot_entry *entry = &entries[i];

		if (!entry->plan_len)
			continue;
		if (planned_in_place(snap, entry, is_block)) {
			note_use(snap, &snap->plan[entry->plan_at], entry);
			entry->noted = snap->plans_made;
		} else {
			unplanned++;
		}
	}
	return unplanned;
}

static void note_unplanned_all(struct snapshot *snap, struct snapshot_entry *entries, size_t n,
			       bool is_block)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (entries[i].plan_len && entries[i].noted != snap->plans_made)
			note_unplanned(snap, &entries[i], is_block);
}

/*
 * Record in the plan every range this sample used, and forget the ranges
 * no sample used for SNAPSHOT_PLAN_KEEP samples.  A steady program uses
 * what the plan copied, found through each copy's place in the plan; only
 * new ranges need the plan sorted by key, to be found or added.
 */
static void make_plan(struct snapshot *snap)
{
	size_t i, kept = 0, unplanned;

	snap->plans_made++;
	unplanned = note_planned(snap, snap->objects, snap->n_objects, false);
	unplanned += note_planned(snap, snap->blocks, snap->n_blocks, true);
	snap->n_plan_sorted = 0;
	if (unplanned) {
		if (snap->n_plan)
			qsort(snap->plan, snap->n_plan, sizeof(*snap->plan), plan_by_key);
		snap->n_plan_sorted = snap->n_plan;
		note_unplanned_all(snap, snap->objects, snap->n_objects, false);
		note_unplanned_all(snap, snap->blocks, snap->n_blocks, true);
	}
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
	index_clear(&snap->object_at);
	snap->n_objects = 0;
	snap->n_blocks = 0;
	snap->page = 0;
	snap->page_used = 0;
	snap->bytes = 0;
	snap->syscalls = 0;
	snap->touches = 0;
	snap->generation++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Whether a batch of n ranges and bytes bytes took longer than copying
 * them does: the sampler was switched out in the middle (or its virtual
 * CPU was), and the target ran meanwhile.  A range costs well under a
 * microsecond and a kilobyte a fraction of one; a switch lasts longer than
 * the allowance.  (Asking the kernel how often the thread was switched
 * out costs two system calls a sample, as much as a small batch itself,
 * and does not see a virtual CPU stolen by the host.)
 */
static bool took_long(uint64_t elapsed_ns, size_t n, size_t bytes)
{
	return elapsed_ns > SLOW_BATCH_NS + n * SLOW_RANGE_NS + bytes * SLOW_BYTE_NS;
}

/*
 * The copy clock: the number of the read (one batched system call, or one
 * range copied on its own) in its high bits, the bytes copied so far in
 * that read below.  new_read() starts the next read; tick() advances past
 * a range of len bytes copied now and returns the clock at its first byte
 * (the kernel copies a batch's ranges in order, each from its first byte
 * on).
 */
static void new_read(struct snapshot *snap)
{
	snap->clock = ((snap->clock >> SNAPSHOT_READ_SHIFT) + 1) << SNAPSHOT_READ_SHIFT;
}

static uint64_t tick(struct snapshot *snap, size_t len)
{
	uint64_t start = snap->clock + 1;

	snap->clock += (uint64_t)len + 1;
	return start;
}

/* Plain ranges first, by address; then thread by thread, its state and
 * then its frames, oldest first (by their depth when last walked), so that
 * a caller is copied before its callee.  Frames that take turns at one
 * depth (callees of one function) stay next to each other in the copy. */
static int by_copy_order(const void *a, const void *b)
{
	const struct snapshot_plan *x = a, *y = b;

	if ((x->kind == SNAP_KIND_PLAIN) != (y->kind == SNAP_KIND_PLAIN))
		return x->kind == SNAP_KIND_PLAIN ? -1 : 1;
	if (x->kind == SNAP_KIND_PLAIN)
		return x->addr < y->addr ? -1 : x->addr > y->addr;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	/* Data-stack chunks hold the oldest frames: before the frames copied
	 * on their own, which hang from them. */
	if (x->is_block != y->is_block)
		return x->is_block ? -1 : 1;
	/* Blocks in the order the walk first used them: the chunk in use
	 * first, right after the thread state that names its newest frame,
	 * then older chunks and the C stack's pages. */
	if (x->is_block && x->touched != y->touched)
		return x->touched < y->touched ? -1 : 1;
	if (x->kind == SNAP_KIND_CHAIN && x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	/* At one depth, the frame the last sample used last, next to its
	 * callee. */
	if (x->kind == SNAP_KIND_CHAIN && x->last_used != y->last_used)
		return x->last_used < y->last_used ? -1 : 1;
	if (x->touched != y->touched)
		return (x->touched < y->touched) == (x->kind == SNAP_KIND_ORIGIN) ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool in_copy_order(const struct snapshot_plan *plan, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (by_copy_order(&plan[i - 1], &plan[i]) > 0)
			return false;
	return true;
}

/* Grow range to the hull of itself and [addr, addr+len) if they are close
 * (one copy of the hull is cheaper than two) and the hull is not too big;
 * whether it did. */
static bool join_range(struct mem_req *range, uint64_t addr, size_t len)
{
	uint64_t lo = addr < range->addr ? addr : range->addr;
	uint64_t hi = addr + len > range->addr + range->len ? addr + len
							     : range->addr + range->len;

	if (addr > range->addr + range->len + MERGE_GAP ||
	    range->addr > addr + len + MERGE_GAP || hi - lo > MERGE_MAX)
		return false;
	range->addr = lo;
	range->len = hi - lo;
	return true;
}

/* Whether plan entry b may be copied in one range with a (its neighbour in
 * copy order): objects of the same kind and thread. */
static bool joinable(const struct snapshot_plan *a, const struct snapshot_plan *b)
{
	return !a->is_block && !b->is_block && a->kind == b->kind &&
	       (a->kind == SNAP_KIND_PLAIN || a->group == b->group);
}

/*
 * Copy the plan in one batch.  Objects close to each other are read as one
 * range, since the kernel pins pages and takes the target's mm lock once per
 * range (a 3.10 stack is a hundred frame objects, often in the same few
 * pools), and one range is copied at one moment.
 */
static int fetch_plan(struct snapshot *snap, bool keep_marks, bool only_threads)
{
	size_t i, n_ranges = 0, start = 0, bytes = 0;
	size_t *first;
	uint64_t started;
	bool interrupted;
	int err;

	/* Frames not seen lately go with the plain ranges (make_plan keeps
	 * their kind for when they are used again). */
	for (i = 0; i < snap->n_plan; i++)
		if (snap->plan[i].kind == SNAP_KIND_CHAIN && !snap->plan[i].is_block &&
		    snap->samples - snap->plan[i].last_used > SNAPSHOT_HOT_SAMPLES)
			snap->plan[i].kind = SNAP_KIND_PLAIN;
	/* A steady program's plan is in copy order already. */
	if (!in_copy_order(snap->plan, snap->n_plan))
		qsort(snap->plan, snap->n_plan, sizeof(*snap->plan), by_copy_order);
	XGROW(snap->first, snap->cap_first, snap->n_plan + 1);
	first = snap->first;
	XGROW(snap->reqs, snap->cap_reqs, snap->n_plan + 1);
	/* The sort puts plain ranges first: skip them when only the threads'
	 * are wanted. */
	while (only_threads && start < snap->n_plan && snap->plan[start].kind == SNAP_KIND_PLAIN)
		start++;
	for (i = start; i < snap->n_plan; i++) {
		const struct snapshot_plan *plan = &snap->plan[i];
		struct mem_req *last = n_ranges ? &snap->reqs[n_ranges - 1] : NULL;

		/* Join the range being built when close: one copy of the hull is
		 * cheaper than two.  The kernel copies a range from its first
		 * byte on, so frames join only at rising addresses, to stay in
		 * copy order; other ranges join on either side. */
		if (last && i > start && joinable(&snap->plan[i - 1], plan) &&
		    (plan->kind != SNAP_KIND_CHAIN || plan->addr > snap->plan[i - 1].addr) &&
		    join_range(last, plan->addr, plan->len))
			continue;
		first[n_ranges] = i;
		snap->reqs[n_ranges++] = (struct mem_req){ .addr = plan->addr, .len = plan->len };
	}
	first[n_ranges] = snap->n_plan;
	for (i = 0; i < n_ranges; i++) {
		snap->reqs[i].buf = alloc_copy(snap, snap->reqs[i].len);
		bytes += snap->reqs[i].len;
	}
	started = now_ns();
	err = mem_read_many(snap->pid, snap->reqs, n_ranges);
	snap->syscalls += (n_ranges + 1023) / 1024;
	/* A batch the sampler was switched out in the middle of spans the time
	 * the target ran meanwhile: its ranges are not one moment, each is a
	 * read of its own. */
	interrupted = took_long(now_ns() - started, n_ranges, bytes);
	new_read(snap);
	for (i = 0; i < n_ranges && !err; i++) {
		const struct mem_req *req = &snap->reqs[i];
		uint64_t start_clock;
		size_t p;

		if (interrupted)
			new_read(snap);
		start_clock = tick(snap, req->len);

		snap->bytes += req->got;
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
			if (!entry)
				continue;
			entry->copied_at = start_clock + at;
			entry->plan_at = (uint32_t)p;
			entry->planned_group = plan->kind == SNAP_KIND_CHAIN ? plan->group : 0;
			if (keep_marks) {
				entry->plan_len = plan->len;
				entry->kind = plan->kind;
				entry->group = plan->group;
				entry->touched = plan->touched;
				entry->depth = plan->depth;
			}
		}
	}
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

	/* Copy again what a walk depends on (thread states and frames); copies
	 * of the rest (code objects, interpreter fields) stay valid as they are.
	 * Old copies stay where they are (the pages are not reset): only
	 * lookups move on to the new generation. */
	make_plan(snap);
	snap->generation++;
	for (i = 0; i < snap->n_objects; i++)
		if (snap->objects[i].kind == SNAP_KIND_PLAIN &&
		    snap->objects[i].generation == snap->generation - 1)
			snap->objects[i].generation = snap->generation;
	snap->n_blocks = 0;
	return fetch_plan(snap, true, true);
}

void snapshot_invalidate(struct snapshot *snap)
{
	snap->generation++;
}

void snapshot_set_group(struct snapshot *snap, uint32_t group)
{
	snap->group = group;
}

size_t snapshot_thread_frames(struct snapshot *snap, uint32_t group, uint64_t **addrs,
			      size_t *cap)
{
	size_t i, n = 0;

	for (i = 0; group && i < snap->n_objects; i++) {
		const struct snapshot_entry *entry = &snap->objects[i];

		if (entry->generation != snap->generation ||
		    entry->planned_group != group)
			continue;
		XGROW(*addrs, *cap, n + 1);
		(*addrs)[n++] = entry->addr;
	}
	return n;
}

void snapshot_set_depth(struct snapshot *snap, uint64_t addr, uint32_t depth)
{
	struct snapshot_entry *entry = object_entry(snap, addr);

	if (entry && entry->generation == snap->generation)
		entry->depth = depth;
}

/* Blocks first: a frame in a data-stack chunk must be read from the
 * chunk's copy, one moment with its neighbours, even if it was once read
 * on its own (when the chunk copy did not reach it). */
static struct snapshot_entry *find_entry(struct snapshot *snap, uint64_t addr, size_t len)
{
	struct snapshot_entry *entry;
	size_t i;

	for (i = 0; i < snap->n_blocks; i++) {
		entry = &snap->blocks[i];
		/* A block only planned (snapshot_plan_block) holds nothing. */
		if (entry->generation == snap->generation && entry->data && addr >= entry->addr &&
		    addr - entry->addr <= entry->len && len <= entry->len - (addr - entry->addr))
			return entry;
	}
	entry = object_entry(snap, addr);
	if (entry && entry->generation == snap->generation && entry->len >= len)
		return entry;
	return NULL;
}

static bool is_block(const struct snapshot *snap, const struct snapshot_entry *entry)
{
	return snap->n_blocks && entry >= snap->blocks && entry < snap->blocks + snap->n_blocks;
}

uint64_t snapshot_copied_at(struct snapshot *snap, uint64_t addr, bool *in_block)
{
	const struct snapshot_entry *entry = find_entry(snap, addr, 1);

	if (in_block)
		*in_block = entry && is_block(snap, entry);
	return entry ? entry->copied_at + (addr - entry->addr) : 0;
}

/*
 * The ranges to copy for reqs (snap->reqs[0..return)): neighbours in the
 * order asked for are joined when close, on either side (a walk's frames
 * come newest first, often at falling addresses).  in_range[i] becomes the
 * range that holds reqs[i].
 */
static size_t join_requests(struct snapshot *snap, const struct snapshot_req *reqs, size_t n,
			    size_t *in_range)
{
	size_t i, n_ranges = 0;

	for (i = 0; i < n; i++) {
		const struct snapshot_req *req = &reqs[i];
		if (n_ranges && join_range(&snap->reqs[n_ranges - 1], req->addr, req->len)) {
			in_range[i] = n_ranges - 1;
			continue;
		}
		in_range[i] = n_ranges;
		snap->reqs[n_ranges++] = (struct mem_req){ .addr = req->addr, .len = req->len };
	}
	return n_ranges;
}

int snapshot_read_now(struct snapshot *snap, struct snapshot_req *reqs, size_t n)
{
	size_t i, n_ranges;
	int err;

	XGROW(snap->reqs, snap->cap_reqs, n);
	XGROW(snap->first, snap->cap_first, n);
	n_ranges = join_requests(snap, reqs, n, snap->first);
	for (i = 0; i < n_ranges; i++)
		snap->reqs[i].buf = alloc_copy(snap, snap->reqs[i].len);
	err = mem_read_many(snap->pid, snap->reqs, n_ranges);
	snap->syscalls += (n_ranges + 1023) / 1024;
	for (i = 0; i < n_ranges; i++)
		snap->bytes += snap->reqs[i].got;
	for (i = 0; i < n; i++) {
		struct snapshot_req *req = &reqs[i];
		const struct mem_req *copy = &snap->reqs[snap->first[i]];

		req->data = !err && copy->got >= req->addr - copy->addr + req->len
			    ? (const uint8_t *)copy->buf + (req->addr - copy->addr) : NULL;
	}
	return err;
}

/* Keep an object in the plan (a range inside a block is covered by the
 * block's own plan), remembering its place in the next copy order. */
static void mark_recur(struct snapshot *snap, struct snapshot_entry *entry, uint64_t addr,
		       size_t len, unsigned flags)
{
	if (!(flags & (SNAP_RECUR | SNAP_ORIGIN | SNAP_CHAIN)))
		return;
	if (!entry->touched) {
		entry->touched = ++snap->touches;
		entry->group = snap->group;
	}
	if ((flags & SNAP_ORIGIN) && entry->kind < SNAP_KIND_ORIGIN)
		entry->kind = SNAP_KIND_ORIGIN;
	/* A thread state stays one: a torn walk that follows a stale link to
	 * it as if to a frame must not move it after the thread's frames in
	 * the copy order (and so tear the walks that follow). */
	if ((flags & SNAP_CHAIN) && entry->kind == SNAP_KIND_PLAIN)
		entry->kind = SNAP_KIND_CHAIN;
	if (entry->addr == addr && entry->plan_len < len)
		entry->plan_len = len;
}


const uint8_t *snapshot_find_timed(struct snapshot *snap, uint64_t addr, size_t len,
				   unsigned flags, uint64_t *copied_at, bool *in_block,
				   uint32_t *object)
{
	struct snapshot_entry *entry = find_entry(snap, addr, len);

	if (!entry)
		return NULL;
	mark_recur(snap, entry, addr, len, flags);
	*copied_at = entry->copied_at + (addr - entry->addr);
	*in_block = is_block(snap, entry);
	*object = *in_block ? UINT32_MAX : (uint32_t)(entry - snap->objects);
	return entry->data + (addr - entry->addr);
}

const uint8_t *snapshot_find(struct snapshot *snap, uint64_t addr, size_t len, unsigned flags)
{
	uint64_t copied_at;
	bool in_block;
	uint32_t object;

	return snapshot_find_timed(snap, addr, len, flags, &copied_at, &in_block, &object);
}

void snapshot_set_depth_of(struct snapshot *snap, uint32_t object, uint32_t depth)
{
	if (object < snap->n_objects && snap->objects[object].generation == snap->generation)
		snap->objects[object].depth = depth;
}

/* A range the plan did not hold, copied on its own, now. */
static int copy_now(struct snapshot *snap, uint64_t addr, size_t len, uint8_t **copy,
		    uint64_t *copied_at)
{
	int err;

	*copy = alloc_copy(snap, len);
	err = mem_read(snap->pid, addr, *copy, len);
	snap->syscalls++;
	new_read(snap);
	*copied_at = tick(snap, len);
	if (!err)
		snap->bytes += len;
	return err;
}

/* The copy of the object at addr holding len bytes, never a block's. */
static struct snapshot_entry *find_object(struct snapshot *snap, uint64_t addr, size_t len)
{
	struct snapshot_entry *entry = object_entry(snap, addr);

	return entry && entry->generation == snap->generation && entry->len >= len ? entry : NULL;
}

uint64_t snapshot_origin_copied_at(struct snapshot *snap, uint64_t addr)
{
	const struct snapshot_entry *entry = find_object(snap, addr, 1);

	return entry ? entry->copied_at : 0;
}

int snapshot_read(struct snapshot *snap, uint64_t addr, size_t len, unsigned flags,
		  const uint8_t **data)
{
	/* Where a walk starts is copied at its own place in the batch, before
	 * the thread's frames: never taken from a block copied with them (a
	 * C-stack page holds 3.11 and 3.12's link to the newest frame). */
	struct snapshot_entry *entry = flags & SNAP_ORIGIN ? find_object(snap, addr, len)
							   : find_entry(snap, addr, len);
	uint8_t *copy;
	uint64_t copied_at;
	int err;

	if (!entry) {
		err = copy_now(snap, addr, len, &copy, &copied_at);
		if (err)
			return err;
		entry = add_object(snap, addr, copy, len);
		entry->copied_at = copied_at;
	}
	mark_recur(snap, entry, addr, len, flags);
	*data = entry->data + (addr - entry->addr);
	return 0;
}

/* This sample's block that starts at addr (copied, or only planned). */
static struct snapshot_entry *block_at(struct snapshot *snap, uint64_t addr)
{
	size_t i;

	for (i = 0; i < snap->n_blocks; i++)
		if (snap->blocks[i].addr == addr && snap->blocks[i].generation == snap->generation)
			return &snap->blocks[i];
	return NULL;
}

int snapshot_read_block(struct snapshot *snap, uint64_t addr, size_t len, size_t plan_len,
			const uint8_t **data)
{
	struct snapshot_entry *entry = block_at(snap, addr);
	uint8_t *copy;
	uint64_t copied_at;
	int err;

	if (!entry || !entry->data || entry->len < len) {
		err = copy_now(snap, addr, len, &copy, &copied_at);
		if (err)
			return err;
		entry = add_block(snap, addr, copy, len);
		entry->copied_at = copied_at;
	}
	entry->plan_len = plan_len > len ? plan_len : len;
	entry->kind = SNAP_KIND_CHAIN;
	if (!entry->touched) {
		entry->touched = ++snap->touches;
		entry->group = snap->group;
	}
	*data = entry->data;
	return 0;
}

void snapshot_plan_block(struct snapshot *snap, uint64_t addr, size_t len)
{
	struct snapshot_entry *entry = block_at(snap, addr);

	if (!entry)
		entry = add_block(snap, addr, NULL, 0);
	if (entry->plan_len < len)
		entry->plan_len = len;
	entry->kind = SNAP_KIND_CHAIN;
	if (!entry->touched) {
		entry->touched = ++snap->touches;
		entry->group = snap->group;
	}
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
	new_read(snap);
	if (err)
		return err;
	for (i = 0; i < n_miss; i++) {
		const struct mem_req *req = &snap->reqs[i];
		uint64_t start_clock = tick(snap, req->len);
		struct snapshot_entry *entry;

		if (req->result)
			continue;
		snap->bytes += req->len;
		entry = add_object(snap, req->addr, req->buf, req->len);
		entry->copied_at = start_clock;
		mark_recur(snap, entry, req->addr, req->len, flags);
	}
	/* Second pass: point every request at its copy. */
	for (i = 0; i < n; i++)
		if (!reqs[i].data)
			reqs[i].data = snapshot_find(snap, reqs[i].addr, reqs[i].len, 0);
	return 0;
}
