/*
 * stackwalk.h - the chain of frames of one Python thread.
 *
 * Given a copy of a thread state, follows the frame chain from the newest
 * frame to the oldest and records, per Python function frame, the code
 * object's address and the instruction position (the raw material for a
 * name and a line).  Two chain shapes, chosen by the layout: frame objects
 * linked by f_back (<= 3.10) and interpreter frames linked by previous in
 * per-thread data-stack chunks (3.11+), skipping the entry and base frames
 * that are not Python functions.  Every read goes through the sample's
 * snapshot, marked to be prefetched (twice) at the next sample.
 *
 * The target runs on while its frames are copied, so a chain read piece by
 * piece can mix moments and describe a stack that never existed.
 * stackwalk_verify() rules that out: it compares the fields that make the
 * chain with a second copy of each, taken after all the first copies.  If
 * the callers are unchanged and the newest frame is the same activation,
 * then at the instant between the two copies every frame was as read.
 * Must not resolve names or lines (codecache.h does).
 */
#ifndef PEEKPY_STACKWALK_H
#define PEEKPY_STACKWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "snapshot.h"

#define STACKWALK_MAX_DEPTH 65536

struct raw_frame {
	uint64_t code;        /* address of the code object */
	int64_t position;     /* f_lasti (<= 3.10) or the instruction pointer */
	int32_t tlbc_index;   /* thread-local bytecode copy (3.14t+), else 0 */
	bool inline_callee;   /* the next newer frame is a Python call made
			       * from this one without C in between */
};

struct raw_frames {
	struct raw_frame *items;
	size_t count, cap;
	/* Every frame the walk went through (entry frames too), newest first,
	 * with the copy it used: what stackwalk_verify() checks. */
	uint64_t *visited;
	const uint8_t **visited_copy;
	size_t n_visited, cap_visited;
};

/* Free a raw_frames' arrays (it can be used again after). */
void raw_frames_release(struct raw_frames *frames);

struct stackwalk {
	const struct py_layout *layout;
	struct snapshot *snap;
	size_t frame_span;           /* bytes of a frame the walk reads */
	uint64_t stack_ref_mask;     /* tag bits to clear from f_executable */
};

void stackwalk_init(struct stackwalk *w, const struct py_layout *layout, struct snapshot *snap);

/* Where a thread's walk starts and ends, from its thread-state copy. */
struct stack_origin {
	uint64_t frame;       /* newest frame */
	uint64_t base_frame;  /* 3.15+: the sentinel that ends the chain */
	uint64_t chunk;       /* 3.11+: data-stack chunk in use, or 0 */
	uint64_t chunk_top;   /* its top */
};

/*
 * Fill origin from a thread-state copy: 3.11 and 3.12 find the newest frame
 * through tstate->cframe, and the chunk in use is copied whole.
 */
int stackwalk_origin(const struct stackwalk *w, const uint8_t *tstate,
		     struct stack_origin *origin);

/*
 * Walk a thread's chain, appending to out (newest first).  PP_ETORN when
 * the chain is inconsistent (it changed while being read), PP_ETOODEEP past
 * the limit, -ESRCH when the process is gone.
 */
int stackwalk_thread(const struct stackwalk *w, const struct stack_origin *origin,
		     struct raw_frames *out);

/*
 * Check that a walk read one moment of the thread's stack: the thread
 * state (tstate[0..tstate_len) at tstate_addr, as the walk used it) and the
 * frames out->visited[from..] against second copies taken after all first
 * copies, which the snapshot's prefetch provides when the walk used nothing
 * else.  When it did read something on its own, PP_ETORN (copy again and
 * retry), or with may_reread, read everything again now and compare.
 * PP_ETORN when they differ.
 */
int stackwalk_verify(const struct stackwalk *w, uint64_t tstate_addr, const uint8_t *tstate,
		     size_t tstate_len, const struct raw_frames *out, size_t from,
		     bool may_reread);

#endif
