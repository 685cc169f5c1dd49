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
 * snapshot, marked to be prefetched at the next sample.
 *
 * The target runs on while it is read: the thread state says which frame
 * was newest when it was copied, and the frames are copied a moment later.
 * settle_thread() turns what was copied into the stack at the moment the
 * frames were copied: frames that had returned since are dropped, callees
 * pushed since are found above their caller, and a chain that mixes two
 * moments is refused (docs/design.md, "Why a recorded stack existed").
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

enum raw_frame_flags {
	/* The next newer frame is a Python call made from this one without
	 * C in between. */
	RAW_INLINE_CALLEE = 1 << 0,
	/* The interpreter marks this frame as running, not waiting in a call
	 * (3.11 - 3.13: stacktop is -1). */
	RAW_RUNNING = 1 << 1,
	/* This frame had left the stack when it was copied: returned, raised
	 * or suspended (3.6 - 3.10: not executing; 3.14+: its code cleared;
	 * <= 3.10: freed). */
	RAW_POPPED = 1 << 2,
	/* <= 3.10: the frame object itself was freed (no references left), so
	 * its f_back may have been reused as a free-list link. */
	RAW_FREED = 1 << 4,
	/* It lies in the thread's current data-stack chunk, so a callee of it
	 * would follow it there (3.11+). */
	RAW_IN_CHUNK = 1 << 3,
	/* 3.11+: a generator's or coroutine's frame, copied on its own from
	 * the object that holds it. */
	RAW_GENERATOR = 1 << 5,
};

struct raw_frame {
	uint64_t addr;        /* the frame itself */
	uint64_t code;        /* address of the code object */
	int64_t position;     /* f_lasti (<= 3.10) or the instruction pointer */
	int32_t tlbc_index;   /* thread-local bytecode copy (3.14t+), else 0 */
	uint32_t flags;       /* enum raw_frame_flags */
	const uint8_t *copy;  /* the copy it was read from, until the next sample */
};

struct raw_frames {
	struct raw_frame *items;
	size_t count, cap;
};

/* Free a raw_frames' array (it can be used again after). */
void raw_frames_release(struct raw_frames *frames);

struct stackwalk {
	const struct py_layout *layout;
	struct snapshot *snap;
	uint32_t group;              /* the thread being walked (snapshot) */
	uint64_t *candidates;        /* scratch: frames that may be callees */
	size_t cap_candidates;
	struct snapshot_req *again;  /* scratch: second reads of callers */
	size_t cap_again;
	/* scratch: the interpreter's frames a walk passed (not in its
	 * output), each with how many Python frames came before it */
	struct passed_frame { uint64_t addr; size_t newer; } *passed;
	size_t n_passed, cap_passed;
	/* scratch: each frame the walk pushed, its copy's number in the
	 * snapshot (snapshot_set_depth_of) */
	uint32_t *frame_objects;
	size_t cap_frame_objects;
	size_t frame_span;           /* bytes of a frame the walk reads */
	uint64_t stack_ref_mask;     /* tag bits to clear from f_executable */
	/* in (settle_thread, 3.11+): the oldest steady_frames frames of this
	 * walk are, flag for flag, those of an earlier walk of steady_walked
	 * frames that settling left as it was: what its checks found among
	 * them is not checked again */
	size_t steady_frames, steady_walked;
	bool quiet;   /* out (settle_thread): no frame dropped or added */
};

void stackwalk_init(struct stackwalk *w, const struct py_layout *layout, struct snapshot *snap);
void stackwalk_release(struct stackwalk *w);

/* Where a thread's walk starts and ends, from its thread-state copy. */
struct stack_origin {
	uint64_t frame;       /* newest frame */
	uint64_t base_frame;  /* 3.15+: the sentinel that ends the chain */
	uint64_t chunk;       /* 3.11+: data-stack chunk in use, or 0 */
	uint64_t chunk_top;   /* its top */
	uint64_t chunk_end;   /* its end */
	uint64_t copied_at;   /* when what named the newest frame was copied */
};

/*
 * Fill origin from the copy of the thread state at tstate_addr: 3.11 and
 * 3.12 find the newest frame through tstate->cframe, and the chunk in use
 * is copied whole.  PP_ETORN when the copy caught an evaluation starting.
 */
int stackwalk_origin(const struct stackwalk *w, uint64_t tstate_addr, const uint8_t *tstate,
		     struct stack_origin *origin);

/*
 * Walk a thread's chain as copied, appending to out (newest first), popped
 * frames included.  PP_ETORN when the chain cannot be followed (it changed
 * while being read), PP_ETOODEEP past the limit, -ESRCH when the process is
 * gone.
 */
int stackwalk_thread(struct stackwalk *w, const struct stack_origin *origin,
		     struct raw_frames *out);

/* The parts of a walk settling reuses: one frame from its copy, and
 * whether an address lies in the thread's current data-stack chunk. */
bool stackwalk_in_chunk(const struct stackwalk *w, const struct stack_origin *origin,
			uint64_t addr);
void stackwalk_frame_object(const struct py_layout *L, uint64_t addr, const uint8_t *copy,
			    struct raw_frame *frame);
void stackwalk_interp_frame(const struct stackwalk *w, const struct stack_origin *origin,
			    uint64_t addr, const uint8_t *copy, struct raw_frame *frame);
bool stackwalk_is_interpreter_frame(const struct py_layout *L, const uint8_t *copy);
bool stackwalk_reached_first(const struct py_layout *L, const struct stack_origin *origin,
			     uint64_t end, const uint8_t *oldest, const uint8_t *oldest_python);

#endif
