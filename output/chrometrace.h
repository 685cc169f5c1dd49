/*
 * chrometrace.h - samples as a timeline for chrome://tracing and Perfetto.
 *
 * Each thread's consecutive samples become nested begin/end events: a
 * frame begins at the first sample that shows it and ends at the first
 * that does not, so the events always nest.  Written as the samples come
 * (the Trace Event JSON array form, whose closing bracket readers do not
 * require: a file cut short still loads).  Frames are named as in the
 * other outputs, under the stack options given (lines, file names, idle
 * threads).  Knows nothing of processes.
 */
#ifndef PEEKPY_CHROMETRACE_H
#define PEEKPY_CHROMETRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/index.h"
#include "../base/sample.h"
#include "../base/strtab.h"
#include "stacktree.h"

struct chrometrace {
	FILE *out;
	struct stacktree names;     /* only for naming frames as the options say */
	struct trace_thread {
		uint32_t pid, tid;
		uint32_t *open;         /* frame ids begun and not ended, root first */
		size_t depth, cap;
		uint64_t seen;          /* the last sample that had it */
		bool named;
	} *threads;
	size_t n_threads, cap_threads;
	struct index thread_index;  /* tid -> its place in threads */
	uint64_t samples;
	uint32_t *scratch;
	size_t cap_scratch;
	uint32_t *pids;             /* processes named so far */
	size_t n_pids, cap_pids;
	uint64_t first_ns, last_ns;
	bool started;
};

void chrometrace_init(struct chrometrace *trace, FILE *out, struct strtab *strings,
		      const struct stack_options *options);

/* Add a sample; 0 or -errno from the stream. */
int chrometrace_add_sample(struct chrometrace *trace, const struct sample *sample);

/* End every open frame at the last sample's time and close the array. */
int chrometrace_finish(struct chrometrace *trace);

void chrometrace_release(struct chrometrace *trace);

#endif
