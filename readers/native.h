/*
 * native.h - native stacks of a process's threads, merged with their
 * Python frames: the one interface the sampling side uses for --native.
 *
 * Per sample: native_hold() stops every thread and copies its registers
 * and the top of its stack; the caller reads the Python frames while the
 * threads are held (so both sides are one moment) and calls
 * native_resume() at once; native_merge() then unwinds the copies and
 * rewrites the sample's threads as merged stacks, adding the threads that
 * run no Python.  Unwinding and naming happen after the target runs again.
 * Must not print or know about outputs.
 */
#ifndef PEEKPY_NATIVE_H
#define PEEKPY_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/sample.h"
#include "../base/strtab.h"

struct native;

/* Pauses are counted in buckets: 8 per power of two of nanoseconds. */
#define NATIVE_PAUSE_BUCKETS (64 * 8)

/* What --native did, added up over samples (and processes) by its owner. */
struct native_stats {
	uint64_t threads;          /* thread stacks merged */
	uint64_t lost;             /* of them, with "[native unwind lost]" */
	uint64_t held;             /* samples taken with the threads held */
	uint64_t pauses[NATIVE_PAUSE_BUCKETS];   /* how long threads were held */
	uint64_t symbol_lookups, symbol_misses;
};

/* A quantile (0.5: the median) of the pauses counted, in ns (within an
 * eighth of a power of two); 0 when none was. */
uint64_t native_stats_pause(const struct native_stats *stats, double quantile);

struct native_options {
	bool show_internals;  /* keep the evaluation loop and call machinery */
	bool walk_idle;       /* add threads with no Python that are not running */
	bool python_only;     /* add no thread that runs no Python (--gil) */
	struct native_stats *stats;   /* added to; NULL: not counted */
};

/*
 * Start reading native stacks of pid; interpreter is the file holding its
 * interpreter (to tell the interpreter's own functions).  0, -EPERM when it
 * may not be traced, -ESRCH when it is gone, -EINVAL when libdw fails.
 */
int native_open(pid_t pid, const char *interpreter, struct strtab *strings,
		struct native **out);
void native_free(struct native *n);

/* Stop every thread and copy what unwinding needs.  0, -ESRCH or -EPERM. */
int native_hold(struct native *n);
/* Whether thread tid was not running when native_hold() stopped it (a
 * held thread looks stopped to the kernel: ask this instead). */
bool native_thread_idle(const struct native *n, uint32_t tid);

/* Let the threads run again; the pause is counted in stats (or not, NULL). */
void native_resume(struct native *n, struct native_stats *stats);

/*
 * An entry frame of the interpreter's on a thread's C stack (3.12+ keep one
 * in the evaluation loop's C frame each time it is entered): the loop whose
 * C frame holds addr ran the Python frames newer than it (counted from the
 * oldest end, which stays put when the newest frame is dropped as one not
 * yet begun or already returned).
 */
struct native_anchor {
	uint64_t addr;
	size_t older;       /* Python frames of the thread older than it */
};

struct native_anchors {
	const struct native_anchor *items;
	size_t count;
};

/*
 * Rewrite sample (the Python stacks read while held) as merged stacks;
 * anchors[i] are thread i's entry frames (anchors may be NULL).
 */
void native_merge(struct native *n, const struct native_options *options,
		  struct sample *sample, const struct native_anchors *anchors);

/* Let the process go for good (its counters stay): before it is signalled
 * to stop, as a traced process would wait for us at each signal. */
void native_detach(struct native *n);

#endif
