/*
 * snapshot.h - the target's memory as one sample sees it.
 *
 * Every read a sample makes goes through here.  A snapshot remembers which
 * ranges the sample needed again and again (thread states, data-stack
 * chunks, frames, code objects' identifying fields) and, when the next
 * sample begins, copies all of them in one batched process_vm_readv.  Reads
 * the previous sample did not predict fall through to the target and are
 * remembered for the next one.  So a steady stack costs one system call per
 * sample, and everything a sample walks was copied within microseconds.
 *
 * The kernel copies the ranges of a batch one after the other, so their
 * order matters.  Ranges are grouped by thread: a thread's state (where its
 * walk starts) is copied right before its frames, and its frames oldest
 * first, so that a caller is copied before its callee and the newest
 * frames, which change fastest, as close as possible to the thread state.
 *
 * Two kinds of copies: objects (looked up by their exact start address) and
 * blocks (ranges found by containment: data-stack chunks).  Copies never
 * move, so pointers into them stay valid until the next snapshot_begin().
 * Must not interpret what it copies.
 */
#ifndef PEEKPY_SNAPSHOT_H
#define PEEKPY_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/index.h"
#include "mem.h"

/* Samples a range stays planned after its last use: long enough that a
 * function seen one sample in twenty keeps its frames prefetched. */
#define SNAPSHOT_PLAN_KEEP 256
/* Frames used within this many samples are copied right after their
 * thread's state; older ones (a stack not seen lately) are copied first,
 * with the other ranges, so as not to come between a caller and a callee. */
#define SNAPSHOT_HOT_SAMPLES 16
/* A plan larger than this drops its least recently used ranges. */
#define SNAPSHOT_PLAN_MAX (1u << 17)

enum snapshot_flags {
	SNAP_RECUR = 1 << 0,   /* prefetch this range at the next sample too */
	/* ... as where a thread's walk starts (its thread state), copied just
	 * before the thread's frames, */
	SNAP_ORIGIN = 1 << 1,
	/* ... as one of a thread's frames: copied oldest first. */
	SNAP_CHAIN = 1 << 2,
};

enum snapshot_kind { SNAP_KIND_PLAIN, SNAP_KIND_ORIGIN, SNAP_KIND_CHAIN };

struct snapshot_entry {
	uint64_t addr;
	size_t len;            /* bytes copied */
	const uint8_t *data;
	size_t plan_len;       /* bytes to prefetch next time; 0 = none */
	uint8_t kind;          /* enum snapshot_kind, for the next copy order */
	uint32_t group;        /* the thread that first used it (ordering) */
	uint32_t touched;      /* when this sample first used it (ordering) */
	uint32_t depth;        /* a frame's depth from the oldest (ordering) */
	uint32_t planned_group;/* the thread whose frame the plan copied it as,
				* or 0 (see snapshot_thread_frames) */
	uint32_t generation;   /* copies of older generations are stale */
	uint32_t plan_at;      /* its place in the plan when the plan copied it,
				* or UINT32_MAX (see make_plan) */
	uint32_t noted;        /* the make_plan() that noted it */
	uint64_t copied_at;    /* the copy clock when its first byte was copied */
};

struct snapshot {
	pid_t pid;
	uint32_t generation;
	/* Objects: in the order copied, found by start address. */
	struct snapshot_entry *objects;
	size_t n_objects, cap_objects;
	struct index object_at;
	/* Blocks: few, searched linearly. */
	struct snapshot_entry *blocks;
	size_t n_blocks, cap_blocks;
	/* Storage: pages reused from sample to sample. */
	uint8_t **pages;
	size_t *page_sizes;
	size_t n_pages, cap_pages, page, page_used;
	/* The plan: what to prefetch at the next snapshot_begin().  A range
	 * stays in it long after its last use (SNAPSHOT_PLAN_KEEP samples), so that a
	 * program moving among its usual stacks finds them all prefetched: a
	 * walk that has to read on its own is retried a little later, and
	 * retrying only the samples of rarely seen stacks would bias the
	 * profile against them. */
	struct snapshot_plan {
		uint64_t addr;
		size_t len;
		bool is_block;
		uint8_t kind;          /* enum snapshot_kind */
		uint32_t group;        /* thread of first use in its last sample */
		uint32_t touched;      /* order of first use in its last sample */
		uint32_t depth;        /* frame depth from the oldest, last seen */
		uint32_t last_used;    /* the sample that last used it */
	} *plan;
	size_t n_plan, cap_plan, n_plan_sorted;
	/* Scratch for a batch of ranges joined: fetch_plan's first plan entry
	 * of each range, snapshot_read_now's range of each request. */
	size_t *first;
	size_t cap_first;
	uint32_t touches;      /* counter behind snapshot_entry.touched */
	uint32_t group;        /* thread reads are now made for (ordering) */
	uint32_t samples;      /* snapshot_begin() calls so far */
	uint32_t plans_made;   /* make_plan() calls so far */
	struct mem_req *reqs;
	size_t cap_reqs;
	/* When a byte was copied (snapshot_copied_at): reads counted above
	 * SNAPSHOT_READ_SHIFT, and below the bytes copied in the read so far,
	 * in the order the kernel copies them. */
	uint64_t clock;
	/* Counters for the last sample. */
	size_t bytes, syscalls;
};

void snapshot_init(struct snapshot *snap, pid_t pid);
void snapshot_release(struct snapshot *snap);

/*
 * Start a sample: forget the last one's copies and prefetch what it marked
 * SNAP_RECUR, in one batched read.  Returns 0, or -ESRCH / -EPERM.
 */
int snapshot_begin(struct snapshot *snap);

/*
 * Make later lookups miss every copy taken so far (after a torn read, to
 * start again from fresh copies).  The plan is kept.
 */
void snapshot_invalidate(struct snapshot *snap);

/*
 * Copy again, in one batched read, the thread states and frames this sample
 * has used so far, replacing their copies (other copies stay valid): a
 * second chance after a torn read that is as tight as the first.  The plan
 * for the next sample is unchanged.  0, or -ESRCH / -EPERM.
 */
int snapshot_refetch(struct snapshot *snap);

/*
 * When the byte at addr (an object's first byte, or any byte of a block)
 * was copied, on the snapshot's copy clock (later copies have larger
 * values); 0 when this sample has no copy of it.
 * *in_block (if not NULL) tells whether it was copied as part of a block.  Copies of one
 * read (snapshot_one_read) were taken microseconds apart; between reads,
 * a sample may do anything.  A walk compares the copies it pairs.
 */
uint64_t snapshot_copied_at(struct snapshot *snap, uint64_t addr, bool *in_block);

/* The same for a range read with SNAP_ORIGIN (copied on its own, never as
 * part of a block). */
uint64_t snapshot_origin_copied_at(struct snapshot *snap, uint64_t addr);

#define SNAPSHOT_READ_SHIFT 40

static inline bool snapshot_one_read(uint64_t copied_at, uint64_t other_copied_at)
{
	return copied_at >> SNAPSHOT_READ_SHIFT == other_copied_at >> SNAPSHOT_READ_SHIFT;
}

/* Reads from now on are for thread number group (1, 2, ...; 0 = none):
 * the next sample copies each thread's state and frames together. */
void snapshot_set_group(struct snapshot *snap, uint32_t group);

/*
 * The frames of thread group that this sample's prefetch copied (frames
 * some recent sample walked), whether this sample used them or not: where
 * to look for a callee pushed after the thread state was copied.  Fills
 * *addrs (reused between calls; the caller frees it) and returns how many.
 */
size_t snapshot_thread_frames(struct snapshot *snap, uint32_t group, uint64_t **addrs,
			      size_t *cap);

/* The object at addr (a frame) is depth frames above its thread's oldest:
 * the next sample copies a thread's frames by ascending depth. */
void snapshot_set_depth(struct snapshot *snap, uint64_t addr, uint32_t depth);

/* The copy of [addr, addr+len) if the snapshot holds it, else NULL.  With
 * SNAP_RECUR, an object found is prefetched at the next sample too. */
const uint8_t *snapshot_find(struct snapshot *snap, uint64_t addr, size_t len, unsigned flags);

/* snapshot_find(), and when it was copied (as snapshot_copied_at()), and
 * the copy's number among this sample's objects (UINT32_MAX for a block's)
 * for snapshot_set_depth_of(). */
const uint8_t *snapshot_find_timed(struct snapshot *snap, uint64_t addr, size_t len,
				   unsigned flags, uint64_t *copied_at, bool *in_block,
				   uint32_t *object);

/* snapshot_set_depth() of the object snapshot_find_timed() numbered. */
void snapshot_set_depth_of(struct snapshot *snap, uint32_t object, uint32_t depth);

/*
 * [addr, addr+len) from the snapshot, read from the target when missing.
 * With SNAP_RECUR the range is prefetched at the next sample.  A range read
 * with SNAP_ORIGIN is looked for among objects only, never in a block: it
 * is copied at its own place, before the thread's frames.  0, or a code
 * from mem.h.
 */
int snapshot_read(struct snapshot *snap, uint64_t addr, size_t len, unsigned flags,
		  const uint8_t **data);

/*
 * A block: [addr, addr+len) found by containment later, one of a thread's
 * frames (SNAP_CHAIN).  Next time plan_len bytes from addr are prefetched
 * (more than len, where the block is expected to grow: a data-stack
 * chunk's top moves).
 */
int snapshot_read_block(struct snapshot *snap, uint64_t addr, size_t len, size_t plan_len,
			const uint8_t **data);

/*
 * Plan [addr, addr+len) as a block of the current thread's frames from the
 * next sample on, without copying it now: a range where frames were found
 * outside every block, at addresses that change from sample to sample (the
 * interpreter's entry frames on a thread's C stack, one per C caller).
 */
void snapshot_plan_block(struct snapshot *snap, uint64_t addr, size_t len);

struct snapshot_req {
	uint64_t addr;
	size_t len;
	const uint8_t *data;   /* out: NULL when unreadable */
};

/*
 * Copy ranges now, in one batch, without keeping them for later lookups
 * (reqs[i].data is NULL where unreadable): a second look at what a walk
 * used.  0, -ESRCH, -EPERM.
 */
int snapshot_read_now(struct snapshot *snap, struct snapshot_req *reqs, size_t n);

/* Several objects; the missing ones read in one batch.  0, -ESRCH, -EPERM. */
int snapshot_read_many(struct snapshot *snap, struct snapshot_req *reqs, size_t n,
		       unsigned flags);

#endif
