/*
 * settle.h - one moment's stack from the copies a walk made.
 *
 * The target keeps running while its frames are copied, so a walk's
 * copies can mix moments: frames that had returned, callees pushed after
 * their caller was copied, a chain cut where a generator suspended.
 * Settling drops, adds or refuses (PP_ETORN) until what is left is a
 * stack the thread really had.  What it knows of code comes through a
 * callback; must not read code objects itself or know output formats.
 */
#ifndef PEEKPY_SETTLE_H
#define PEEKPY_SETTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stackwalk.h"

/* What settle_thread() needs to know of a frame's code (codecache.h). */
struct code_facts {
	bool known;          /* a code object peekpy could read */
	bool left;           /* the frame is at an instruction that leaves it:
			      * a return, a yield */
	bool started;        /* past its first instruction (3.11+: RESUME), so
			      * it may be waiting in a call */
	bool at_call;        /* at an instruction that may be waiting for a
			      * function it called: <= 3.10 a call, 3.11+
			      * one that pushes the callee on top of it */
	bool at_send;        /* 3.12+: at one that may be waiting for a
			      * generator or coroutine it resumed on top of
			      * it (SEND) */
	bool at_iterate;     /* ... for a generator it resumed (FOR_ITER) */
	uint32_t framesize;  /* words the frame takes on the data stack, or 0 */
	bool shim;           /* 3.13+: the interpreter's own __init__ shim frame */
	bool resumable;      /* a generator's or coroutine's code: its frames
			      * run only while something resumes them */
	bool generator;      /* a generator's (not a coroutine's) */
	bool coroutine;      /* a coroutine's */
	bool awaits;         /* a coroutine's or an async generator's: code
			      * that can await a coroutine */
	uint64_t zombie_frame; /* <= 3.10, a popped frame's only: the frame
				* object the code keeps for its next call, as
				* of this sample */
};

typedef int (*code_facts_fn)(void *ctx, const struct raw_frame *frame, struct code_facts *facts);

/*
 * Make out->items[from..count) (one thread, newest first, as walked) the
 * stack at the moment its frames were copied: drop the frames that had
 * already returned or were no longer reachable from a running frame, then
 * add callees pushed after the thread state was copied.  PP_ETORN when the
 * copy cannot be one moment's stack; errors of facts() are passed on.
 */
int settle_thread(struct stackwalk *w, const struct stack_origin *origin,
		  struct raw_frames *out, size_t from, code_facts_fn facts, void *ctx);

#endif
