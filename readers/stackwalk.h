/*
 * stackwalk.h - the chain of frames of one Python thread.
 *
 * Given a copy of a thread state, follows the frame chain from the newest
 * frame to the oldest and records, per Python function frame, the code
 * object's address and the instruction position (the raw material for a
 * name and a line).  Two chain shapes, chosen by the layout: frame objects
 * linked by f_back (<= 3.10) and interpreter frames linked by previous in
 * per-thread data-stack chunks (3.11+), skipping the entry and base frames
 * that are not Python functions.  Frames are taken from the sample's
 * snapshot when it holds them; anything read here is remembered in the
 * thread's memo so that the next sample can prefetch it in one batch.
 * Must not resolve names or lines (codecache.h does).
 */
#ifndef PEEKPY_STACKWALK_H
#define PEEKPY_STACKWALK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "layout.h"
#include "snapshot.h"

#define STACKWALK_MAX_DEPTH 65536

struct raw_frame {
	uint64_t code;        /* address of the code object */
	int64_t position;     /* f_lasti (<= 3.10) or the instruction pointer */
	int32_t tlbc_index;   /* thread-local bytecode copy (3.14t+), else 0 */
};

struct raw_frames {
	struct raw_frame *items;
	size_t count, cap;
};

/* What a walk read outside the blocks prefetched for it. */
struct stack_memo {
	uint64_t *objects;           /* frames read one by one */
	size_t n_objects, cap_objects;
	struct stack_memo_block {
		uint64_t addr;
		size_t len;
	} *blocks;                   /* older data-stack chunks */
	size_t n_blocks, cap_blocks;
};

void stack_memo_release(struct stack_memo *memo);

struct stackwalk {
	pid_t pid;
	const struct py_layout *layout;
	struct snapshot *snap;
	size_t frame_span;           /* bytes of a frame the walk reads */
	uint64_t stack_ref_mask;     /* tag bits to clear from f_executable */
};

void stackwalk_init(struct stackwalk *w, pid_t pid, const struct py_layout *layout,
		    struct snapshot *snap);

/*
 * The newest frame of a thread from its thread-state copy; for 3.11 and
 * 3.12 this follows tstate->cframe (looked up in the snapshot first).
 */
int stackwalk_top_frame(const struct stackwalk *w, const uint8_t *tstate, uint64_t *frame);

/*
 * Walk a thread's chain from frame, appending to out (newest first).
 * base_frame (3.15+) ends the chain; [chunk, chunk_top) is the data-stack
 * chunk in use (3.11+), prefetched into the snapshot by the caller.  The
 * memo is rewritten with the frames and chunks outside it.  PP_ETORN when
 * the chain is inconsistent (it changed while being read), PP_ETOODEEP past
 * the limit, -ESRCH when the process is gone.
 */
int stackwalk_thread(const struct stackwalk *w, uint64_t frame, uint64_t base_frame,
		     uint64_t chunk, uint64_t chunk_top, struct raw_frames *out,
		     struct stack_memo *memo);

#endif
