/*
 * sink.h - every format peekpy writes, in one table, behind one interface.
 *
 * A sink takes samples and ends as a file.  A whole-file format (svg,
 * collapsed, speedscope) adds them to a stack tree and writes the file at
 * the end, as many times as asked (a copy rescued to another place is a
 * second write).  A streamed one (raw, chrometrace) writes each sample as
 * it comes, so that a recording cut short keeps what was flushed.  The
 * command line, record and render all go through the table: a new format
 * is one module and one row.
 * Must not open files or read a process: it is handed a FILE and samples.
 */
#ifndef PEEKPY_SINK_H
#define PEEKPY_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/sample.h"
#include "../base/strtab.h"
#include "stacktree.h"

/* What a profile says of itself; strings may be NULL or "" when unknown. */
struct profile_meta {
	const char *title;        /* "peekpy: process 12" (a flame graph's) */
	const char *name;         /* what a viewer lists it as (speedscope) */
	const char *command;      /* what was profiled */
	const char *python;       /* "CPython 3.12.1" */
	uint32_t pid;
	double rate_hz;           /* samples asked per second, 0 unknown */
	bool subprocesses;        /* samples of descendant processes too */
	uint64_t started_unix_ns; /* wall clock at the start */
	/* Reading source files (-f html): the callback and its context, and
	 * the one file to show (NULL: the hottest). */
	int (*read_source)(void *ctx, const char *path, char **text, size_t *len);
	void *source_ctx;
	const char *heatmap_file;
	/* Known at the end. */
	uint64_t samples;         /* 0: the stacks in the tree */
	uint64_t errors;
	uint64_t duration_ns;
};

struct format {
	const char *name;         /* as -f takes it */
	const char *extension;    /* of a default output file's name */
	bool streamed;            /* written as samples come */
	bool timeline;            /* needs samples in time order: from a recording only */
	bool recording;           /* a recording (raw): rendered later, not by render;
				   * keeps idle threads, marked, for render to choose */
	bool compressed;          /* not text: raw and pprof are deflated */
	bool thread_roots;        /* keeps threads apart by itself (as labels): its
				   * tree has a root frame per thread, always */
	/* Whole-file formats: the file, from the tree (totals computed). */
	int (*write)(struct stacktree *tree, const struct profile_meta *meta, FILE *out);
	/* Streamed formats: begin (state allocated), add, push to the file,
	 * write the end, free the state.  0 or -errno from the stream. */
	int (*start)(void **state, FILE *out, struct strtab *strings,
		     const struct stack_options *how, const struct profile_meta *meta);
	int (*add)(void *state, const struct sample *sample);
	int (*flush)(void *state);
	int (*end)(void *state, const struct profile_meta *meta);
	void (*release)(void *state);
};

/* The format named, or NULL. */
const struct format *format_find(const char *name);
const struct format *format_default(void);
/* Every format, n of them. */
const struct format *format_table(size_t *n);
/* "svg, collapsed, raw, speedscope, chrometrace", cut to size. */
void format_names(char *buf, size_t size);

struct sink {
	const struct format *format;
	struct stacktree tree;    /* whole-file formats: the samples */
	const struct stack_options *how;
	void *state;              /* streamed formats: the writer's */
	FILE *out;                /* streamed formats: where, once started */
	uint64_t stacks;          /* thread stacks added that a flame graph shows */
};

void sink_init(struct sink *sink, const struct format *format, struct strtab *strings,
	       const struct stack_options *how);
/* Streamed formats begin writing to out (a recording's header); a no-op
 * for whole-file ones.  0 or -errno. */
int sink_start(struct sink *sink, FILE *out, const struct profile_meta *meta);
/* 0 or -errno (streamed formats). */
int sink_add(struct sink *sink, const struct sample *sample);
/* Push what was added to the file (streamed formats). */
int sink_flush(struct sink *sink);
/* Streamed formats: write the end (out is the one started with, ignored).
 * Whole-file ones: write the file to out, again each time. */
int sink_finish(struct sink *sink, const struct profile_meta *meta, FILE *out);
void sink_release(struct sink *sink);

#endif
