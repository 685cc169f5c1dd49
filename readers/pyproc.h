/*
 * pyproc.h - one CPython process, read from outside.
 *
 * The readers' front door.  pyproc_open() finds the interpreter in a
 * process (its ELF, version and layout) and pyproc_sample() takes one
 * sample of every thread's Python stack into a struct sample, without
 * stopping the process.  A steady stack costs one system call per sample
 * whatever its depth: the snapshot (snapshot.h) copies, in one batched
 * read, everything the previous sample needed (thread states, data-stack
 * chunks, frames outside them, the fields that validate cached code
 * objects), and only what changed is read on its own.
 *
 * Calling sequence:
 *   1. pyproc_open(pid, strings, &proc, &details); on PP_ENOTREADY the
 *      interpreter is still starting: try again a little later;
 *   2. pyproc_sample(proc, &options, &sample) once per tick;
 *   3. pyproc_free(proc).
 * Must not print, know about output formats, or read the command line.
 */
#ifndef PEEKPY_PYPROC_H
#define PEEKPY_PYPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/sample.h"
#include "../base/strtab.h"
#include "version.h"

struct pyproc;

/* What pyproc_open() found, filled in as far as it got (for messages). */
struct pyproc_details {
	char binary[512];      /* file holding the interpreter, "" if none */
	char version[48];      /* "3.12.1", "" if not found */
	char supported[160];   /* versions peekpy can read */
};

int pyproc_open(pid_t pid, struct strtab *strings, struct pyproc **out,
		struct pyproc_details *details);
void pyproc_free(struct pyproc *proc);

const struct py_version *pyproc_version(const struct pyproc *proc);
pid_t pyproc_pid(const struct pyproc *proc);
/* "CPython 3.12.1", "CPython 3.13.15 (free-threaded)". */
void pyproc_describe(const struct pyproc *proc, char *buf, size_t size);

/* Whether this build says when its garbage collector runs (--gc), and
 * where its GIL is (waits for it): 2.7 and 3.6 say so only through their
 * symbol tables, which a stripped binary lacks. */
bool pyproc_sees_gc(const struct pyproc *proc);
bool pyproc_sees_gil_waits(const struct pyproc *proc);
/* Whether its asyncio tasks can be read (3.14+ publish where they are). */
bool pyproc_sees_tasks(const struct pyproc *proc);

struct native_stats;

struct pyproc_options {
	bool walk_idle;        /* also walk threads not running on a CPU */
	bool mark_idle;        /* look up each thread's CPU state */
	bool gil_only;         /* only the thread holding the GIL (on a
				* free-threaded build: threads running Python) */
	bool native;           /* merge native frames in (native.h): every
				* thread is held for a moment per sample */
	bool native_internals; /* keep the evaluation loop and call machinery */
	struct native_stats *native_stats;   /* --native counts added here */
	bool eval_entries;     /* mark SAMPLE_FRAME_EVAL_ENTRY without --native */
	bool gc;               /* a "<GC>" frame above the collecting thread's */
	bool exceptions;       /* only threads raising or handling an exception */
	bool mark_exceptions;  /* mark those threads (SAMPLE_THREAD_EXCEPTION),
				* keeping the others */
	bool gil_wait;         /* a "<waiting for GIL>" frame above the frames of
				* threads asleep waiting for it (with walk_idle) */
	bool async_tasks;      /* asyncio: a running task's stack goes on into the
				* tasks awaiting it; with walk_idle, waiting tasks
				* too (3.14+) */
};

/*
 * Fill sample with the threads that have Python frames.  Returns 0; or a
 * transient code (PP_ETORN, PP_EBADDATA, PP_ETOODEEP) when some thread could
 * not be read consistently even on a second try (the sample holds the
 * others); or a fatal one: -ESRCH (the process is gone), -EPERM.
 * PP_ENOTREADY while the interpreter has no thread yet.
 */
int pyproc_sample(struct pyproc *proc, const struct pyproc_options *options,
		  struct sample *sample);

struct frame_vars;

/*
 * The arguments and local variables of frame number `frame` (innermost
 * first) of thread number `thread` of sample, which must be the last one
 * pyproc_sample() filled.  Reads the target again, at once: PP_ETORN when
 * the frame has moved on since (framevars.h).
 */
int pyproc_frame_vars(struct pyproc *proc, const struct sample *sample, size_t thread,
		      size_t frame, struct frame_vars *vars);

struct pyproc_stats {
	uint64_t code_hits, code_misses, code_invalidated;
	uint64_t retries;          /* threads walked a second time */
	uint64_t snapshot_bytes;   /* bytes copied by the last sample */
	uint64_t reads_last_sample;/* process_vm_readv calls it made */
	uint64_t name_lookups;     /* reads of threading's table of threads */
};
void pyproc_stats(const struct pyproc *proc, struct pyproc_stats *stats);

/* Start reading native stacks (done by the first --native sample anyway):
 * 0, or why not (PP_ETRACED, -EPERM, -ESRCH), before sampling starts. */
int pyproc_native_start(struct pyproc *proc);
/* Stop tracing the process (--native), keeping its counters. */
void pyproc_native_detach(struct pyproc *proc);

#endif
