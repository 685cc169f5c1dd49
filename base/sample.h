/*
 * sample.h - one sample of a process: its threads and their Python frames.
 *
 * This is the whole interface between the readers (which fill a sample from
 * a target's memory) and the outputs (which aggregate and write samples).
 * It holds no addresses and no pids of anything but threads, and its strings
 * are ids in a struct strtab the caller owns.  A sample is reused tick after
 * tick: sample_clear() keeps the arrays, so steady sampling does not allocate.
 */
#ifndef PEEKPY_SAMPLE_H
#define PEEKPY_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

enum sample_frame_flags {
	/* A native frame: name is a C function, file its source file (or the
	 * library's path when there is no line), short_file the base name. */
	SAMPLE_FRAME_NATIVE = 1 << 0,
	/* A Python frame the interpreter's evaluation loop was entered for
	 * (called from C), not one called inline by the frame below it. */
	SAMPLE_FRAME_EVAL_ENTRY = 1 << 1,
	/* Not code: a mark such as "[native unwind lost]". */
	SAMPLE_FRAME_MARK = 1 << 2,
};

struct sample_frame {
	uint32_t name;        /* qualified name (3.11+) or co_name */
	uint32_t file;        /* file name as the interpreter holds it */
	uint32_t short_file;  /* the same, relative to its package root */
	int32_t line;         /* line being executed; 0 when it has none */
	int32_t first_line;   /* first line of the function (co_firstlineno) */
	uint32_t flags;       /* enum sample_frame_flags */
};

enum sample_thread_flags {
	SAMPLE_THREAD_IDLE = 1 << 0,  /* not running on a CPU */
	SAMPLE_THREAD_GIL = 1 << 1,   /* holds the GIL */
	/* Collecting garbage: its innermost frame is the mark SAMPLE_GC_MARK. */
	SAMPLE_THREAD_GC = 1 << 2,
	/* Asleep waiting for the GIL: its innermost frame is the mark
	 * SAMPLE_GIL_WAIT_MARK. */
	SAMPLE_THREAD_GIL_WAIT = 1 << 3,
	/* Raising or handling an exception. */
	SAMPLE_THREAD_EXCEPTION = 1 << 4,
};

#define SAMPLE_GC_MARK "<GC>"
#define SAMPLE_GIL_WAIT_MARK "<waiting for GIL>"

struct sample_thread {
	uint32_t tid;          /* kernel thread id (0 when unknown) */
	uint32_t name;         /* Python thread name, 0 when unknown */
	uint32_t flags;        /* enum sample_thread_flags */
	uint32_t first_frame;  /* index into sample.frames */
	uint32_t n_frames;     /* frames, innermost first */
};

struct sample {
	uint64_t time_ns;      /* CLOCK_MONOTONIC when the sample started */
	uint32_t pid;
	uint32_t process_name; /* the process's command line (strtab id), 0 if unset */
	/* Which run of a command recorded several times (record --repeat),
	 * from 1; 0 when it was recorded once.  Kept by sample_clear(). */
	uint32_t run;
	struct sample_thread *threads;
	size_t n_threads, cap_threads;
	struct sample_frame *frames;
	size_t n_frames, cap_frames;
};

void sample_init(struct sample *s);
void sample_release(struct sample *s);
/* Forget threads and frames, keep the memory. */
void sample_clear(struct sample *s);

/* Start a new thread; its frames are the ones pushed until the next call. */
struct sample_thread *sample_add_thread(struct sample *s, uint32_t tid);
/* Append a frame to the last thread added. */
void sample_push_frame(struct sample *s, const struct sample_frame *frame);
/* Put a frame innermost in the last thread added (a mark above its
 * frames). */
void sample_push_innermost(struct sample *s, const struct sample_frame *frame);
/* Keep the n innermost frames of the last thread added, drop the others. */
void sample_keep_innermost(struct sample *s, size_t n);
/* Drop the frames of the last thread added (after a failed walk). */
void sample_drop_frames(struct sample *s);
/* Remove the last thread added, with its frames. */
void sample_drop_thread(struct sample *s);

static inline const struct sample_frame *
sample_thread_frames(const struct sample *s, const struct sample_thread *t)
{
	return s->frames + t->first_frame;
}

#endif
