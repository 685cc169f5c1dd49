/*
 * gecko.h - samples as a Firefox Profiler profile (profiler.firefox.com):
 * its "processed" format, version 70, one track per thread, with each
 * sample's time.
 *
 * The tables the format shares between threads (stacks, frames, functions,
 * sources, strings) are built as samples come; the file is written at the
 * end, since the format is one JSON object whose tables come before the
 * threads' samples.  Frames are named as the stack options say (lines, file
 * names); idle threads are kept only when the options keep them.  Python
 * frames are in the category "Python" and count as the profile's script
 * language (isJS), C frames are "Native", marks (<GC>, <waiting for GIL>)
 * "Runtime".  Knows nothing of processes.
 */
#ifndef PEEKPY_GECKO_H
#define PEEKPY_GECKO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/index.h"
#include "../base/sample.h"
#include "../base/strtab.h"
#include "stacktree.h"

#define GECKO_VERSION 70

struct gecko_meta {
	const char *product;        /* "peekpy: python3 app.py" */
	double interval_ms;         /* 0: unknown, 10 is written */
	uint64_t started_unix_ns;   /* 0: unknown */
};

struct gecko {
	FILE *out;
	struct strtab *strings;
	struct stacktree names;     /* only for naming frames as the options say */
	/* Shared tables, by index. */
	uint32_t *stack_frame, *stack_prefix;      /* prefix: UINT32_MAX for roots */
	size_t n_stacks, cap_stack_frame, cap_stack_prefix;
	struct index stack_of;      /* (prefix + 1) << 32 | frame id -> stack */
	uint32_t *frame_func;       /* by frame id */
	size_t n_frames, cap_frame_func;
	struct gecko_func {
		uint32_t name, file;    /* strtab ids */
		uint8_t category;
	} *funcs;
	size_t n_funcs, cap_funcs;
	struct index func_of;       /* name << 32 | file -> func */
	uint32_t *string_ids;       /* the string array: strtab ids */
	size_t n_strings, cap_strings;
	struct index string_of;     /* strtab id -> string index */
	uint32_t *source_files;     /* sources: their file's string index */
	size_t n_sources, cap_sources;
	struct index source_of;     /* file strtab id -> source */
	struct gecko_thread {
		uint32_t pid, tid, name, process;   /* name, process: strtab ids */
		uint32_t *stacks;
		double *times;          /* ms from the first sample */
		size_t n, cap_stacks, cap_times;
	} *threads;
	size_t n_threads, cap_threads;
	struct index thread_of;     /* pid << 32 | tid -> thread */
	uint32_t *scratch;
	size_t cap_scratch;
	uint64_t first_ns, last_ns;
	bool started;
};

void gecko_init(struct gecko *profile, FILE *out, struct strtab *strings,
		const struct stack_options *options);

/* Add a sample (samples in time order). */
void gecko_add_sample(struct gecko *profile, const struct sample *sample);

/* Write the whole profile; 0 or -errno from the stream. */
int gecko_finish(struct gecko *profile, const struct gecko_meta *meta);

void gecko_release(struct gecko *profile);

#endif
