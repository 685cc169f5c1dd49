/*
 * emit.h - the last phase of a sample: the settled walks' raw frames made
 * the sample's frames.  The code objects of every thread are resolved
 * together, in one batch (codecache.h); each frame gets its function's
 * name, its file and the line of its instruction; frames that matched the
 * last sample's (stackmemo.h) are written as they were then.
 * Must not walk: it is handed settled frames.
 */
#ifndef PEEKPY_EMIT_H
#define PEEKPY_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/sample.h"
#include "codecache.h"
#include "codeset.h"
#include "snapshot.h"
#include "stackmemo.h"
#include "stackwalk.h"
#include "threadlist.h"

struct emitter {
	struct code_set codes;     /* the code objects of this sample */
	size_t resolved;           /* of them, those resolved so far */
	size_t *sources;           /* each thread of the sample: its place in the thread list */
	size_t cap_sources;
	/* Strtab ids of the marks put above a thread's frames: "<GC>" and
	 * "<waiting for GIL>" (0: not set, no mark). */
	uint32_t gc_mark, gil_wait_mark;
};

/* One thread's walk: its frames (newest first) and the last sample's. */
struct emit_walk {
	const struct raw_frame *frames;
	size_t n;
	struct thread_memo *memo;
	bool frame_objects;   /* <= 3.10: each frame has its own evaluation loop */
	bool mark_entries;    /* set SAMPLE_FRAME_EVAL_ENTRY (native stacks need it) */
};

void emitter_init(struct emitter *emitter);
void emitter_release(struct emitter *emitter);
void emitter_new_sample(struct emitter *emitter);

/* Note the code objects of a walk that the last sample did not resolve. */
void emitter_note_codes(struct emitter *emitter, const struct emit_walk *walk);

/* Note the code object of one more frame (asyncio chains). */
void emitter_note_frame(struct emitter *emitter, const struct raw_frame *frame);

/* Append a frame made from raw to the last thread of sample (its code
 * noted and resolved).  0 or PP_ETORN / a fatal code. */
int emitter_push_frame(struct emitter *emitter, struct code_cache *codes,
		       const struct raw_frame *raw, struct sample *sample);

/* Resolve every code object noted since the last call, in one batch.
 * 0 or a fatal code (codecache_resolve()). */
int emitter_resolve(struct emitter *emitter, struct code_cache *codes, struct snapshot *snap);

/*
 * Add a thread and its frames to sample; source is its place in the thread
 * list.  A thread with no Python frame is kept only when keep_empty.
 * PP_ETORN when a frame's code or position cannot be read (nothing is
 * added), or an error that ends the target.
 */
int emitter_thread(struct emitter *emitter, struct code_cache *codes, const struct emit_walk *walk,
		   const struct py_thread *thread, size_t source, bool keep_empty,
		   struct sample *sample);

/* The thread-list place of thread i of the last sample, or SIZE_MAX. */
size_t emitter_source(const struct emitter *emitter, const struct sample *sample, size_t i);

#endif
