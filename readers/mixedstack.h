/*
 * mixedstack.h - one thread's Python frames and native frames, merged into
 * one stack in the order the calls were made.
 *
 * Each run of the interpreter's evaluation loop on the native stack ran a
 * group of Python frames: one frame up to 3.10, from 3.11 a frame entered
 * from C and the frames it called inline (SAMPLE_FRAME_EVAL_ENTRY marks
 * where each group starts).  The merge puts each group where its loop is.
 * A loop is known by the entry frame its C frame holds (3.12+: exact, and
 * needs no symbols), else by its name: then the k-th loop runs the k-th
 * group, counted from the thread's first frame when the unwind reached it,
 * from the newest frame when it was cut short.  Python frames no loop was
 * found for go below a mark "[native unwind lost]" (after what was
 * unwound, or just below the newer groups): the merge never drops a Python
 * frame and never fails.  Pure: no process is read.
 */
#ifndef PEEKPY_MIXEDSTACK_H
#define PEEKPY_MIXEDSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/sample.h"

#define NATIVE_LOST_MARK "[native unwind lost]"

enum native_symbol_flags {
	NATIVE_INTERPRETER = 1 << 0,  /* in the interpreter's executable or libpython */
	NATIVE_EVAL = 1 << 1,         /* the loop that runs Python frames */
	NATIVE_MACHINERY = 1 << 2,    /* calling machinery between Python frames */
	NATIVE_THREAD_ROOT = 1 << 3,  /* where a thread or the program starts */
};

#define NATIVE_NO_ANCHOR SIZE_MAX

/* One native frame: its frames as named (innermost inlined function
 * first), its flags, and, when its C frame holds one of the interpreter's
 * entry frames (3.12+ keep one on the C stack for each run of the loop),
 * how many Python frames are older than that entry frame. */
struct native_entry {
	const struct sample_frame *frames;
	uint32_t count;
	uint32_t flags;
	size_t anchor;          /* NATIVE_NO_ANCHOR when none */
};

struct merge_input {
	const struct sample_frame *python;     /* innermost first */
	size_t n_python;
	const struct native_entry *natives;    /* innermost first */
	size_t n_natives;
	bool complete;                         /* the unwind reached the first frame */
	bool show_internals;                   /* keep the loop and call machinery */
	uint32_t lost_name;                    /* strtab id of NATIVE_LOST_MARK */
};

/*
 * Push the merged frames, innermost first, onto the last thread of out.
 * Returns true when something was lost (the unwind was cut short, or a
 * group of Python frames had no loop to sit on).
 */
bool mixedstack_merge(const struct merge_input *in, struct sample *out);

#endif
