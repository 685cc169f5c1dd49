/*
 * jsonl.h - samples as JSON lines, for scripts: one object per sample, on
 * its own line, written as the samples come (a file cut short keeps every
 * whole line).  Knows nothing of processes.
 *
 *   {"time": 0.0102, "pid": 12, "threads": [{"tid": 12, "name": "MainThread",
 *    "idle": false, "gil": true, "frames": [{"name": "main", "file": "app.py",
 *    "line": 9, "kind": "python"}, ...]}]}
 *
 * time is seconds since the first sample; frames are root first; file and
 * line follow the stack options (short or full file names; the line, the
 * function's first line, or none: line omitted).  Idle threads are
 * written only when the options keep them.
 */
#ifndef PEEKPY_JSONL_H
#define PEEKPY_JSONL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/sample.h"
#include "../base/strtab.h"
#include "stacktree.h"

struct jsonl {
	FILE *out;
	const struct strtab *strings;
	struct stack_options options;
	uint64_t first_ns;
	bool started;
};

void jsonl_init(struct jsonl *lines, FILE *out, const struct strtab *strings,
		const struct stack_options *options);

/* Write one sample's line; 0 or -errno from the stream. */
int jsonl_add_sample(struct jsonl *lines, const struct sample *sample);

#endif
