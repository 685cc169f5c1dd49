/*
 * stackmemo.h - what the last sample made of each thread's stack.
 *
 * A deep stack mostly changes at its newest end.  For every thread, the
 * memo keeps the frames of the last sample, oldest first: their identity
 * (frame, code object, instruction position) and what was worked out from
 * them (code facts for settling, the frame as written).  A new walk whose
 * oldest frames match reuses those results instead of resolving code
 * objects and lines again: sampling cost follows what changed, not depth.
 * A matching frame is the same frame at the same instruction, so what it
 * names cannot differ (a frame in use keeps its code object alive).
 * Must not read target memory.
 */
#ifndef PEEKPY_STACKMEMO_H
#define PEEKPY_STACKMEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/sample.h"
#include "settle.h"

struct memo_frame {
	uint64_t addr, code;
	int64_t position;
	int32_t tlbc_index;
	uint32_t flags;           /* the raw frame's, as walked */
	bool has_facts;
	struct code_facts facts;
	struct sample_frame out;
};

struct thread_memo {
	uint64_t tstate;          /* the thread it is for */
	uint32_t last_sample;     /* when it was last used */
	struct memo_frame *frames;/* oldest first */
	size_t n, cap;
	size_t matched;           /* frames from the oldest equal to the walk's */
	size_t flags_matched;     /* ... of them, from the oldest, with equal flags */
	bool walked_quiet;        /* settling left this sample's walk as walked */
	bool stored_quiet;        /* ... the walk the memo holds */
};

struct stackmemo {
	struct thread_memo **threads;  /* each allocated on its own: stable */
	size_t n, cap;
	uint32_t sample;
};

void stackmemo_init(struct stackmemo *memo);
void stackmemo_release(struct stackmemo *memo);

/* A new sample: memos of threads not seen for long are dropped. */
void stackmemo_new_sample(struct stackmemo *memo);

/* The memo of the thread whose state is at tstate (created empty); valid
 * until the next stackmemo_new_sample(). */
struct thread_memo *stackmemo_thread(struct stackmemo *memo, uint64_t tstate);

/*
 * Compare a walk (frames[0..count), newest first) with the memo from the
 * oldest frame: t->matched becomes the number of equal frames.
 */
void stackmemo_match(struct thread_memo *t, const struct raw_frame *frames, size_t count);

/*
 * How many of the oldest frames of the walk last matched are, flag for
 * flag, those the memo holds, when settling left the memo's walk as it was
 * walked; else 0.
 */
size_t stackmemo_steady(const struct thread_memo *t);

/* The memo of frame, depth frames above the oldest, if it matched and is
 * that frame (settling may have put another where one was dropped); t may
 * be NULL. */
struct memo_frame *stackmemo_at(struct thread_memo *t, size_t depth,
				const struct raw_frame *frame);

/*
 * Replace the memo with a settled walk (frames[0..count), newest first)
 * and the frames written for it (out[0..count), same order); what matched
 * keeps its facts.  t->walked_quiet tells whether settling left it as
 * walked.
 */
void stackmemo_store(struct thread_memo *t, const struct raw_frame *frames,
		     const struct sample_frame *out, size_t count);

#endif
