/*
 * tasktree.h - the asyncio task tree of one sample, as `peekpy dump
 * --async` prints it: each task under the task awaiting it, with its
 * coroutines' frames down to the line where it waits (or runs).
 *
 * Built from a sample taken with asyncio-aware stacks: a stack that starts
 * at a task mark ('task "NAME"') is a chain of tasks, each followed by its
 * own frames.  Knows nothing of processes.
 */
#ifndef PEEKPY_TASKTREE_H
#define PEEKPY_TASKTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/sample.h"
#include "../base/strtab.h"

struct task_node {
	uint32_t name;            /* the mark's text, 'task "NAME"' */
	uint32_t parent;          /* node index; UINT32_MAX for a root */
	bool running;             /* its own stack was of a running thread */
	bool own;                 /* frames are from its own stack */
	const struct sample_frame *frames;   /* outermost first, in the sample */
	size_t n_frames;
	uint32_t tid;             /* the thread of its event loop */
};

struct task_tree {
	struct task_node *nodes;
	size_t count, cap;
};

/* The tasks of sample s (whose frames must outlive the tree). */
void tasktree_build(struct task_tree *tree, const struct sample *s, const struct strtab *strings);
void tasktree_release(struct task_tree *tree);

/* Indented text: "task "NAME" (running): f (file:line) > g (file:line)". */
void tasktree_print_text(const struct task_tree *tree, const struct strtab *strings, FILE *out);

/* A JSON array of the root tasks, each {"name", "running", "tid",
 * "frames" (outermost first), "awaits": [the tasks it awaits]}. */
void tasktree_print_json(const struct task_tree *tree, const struct strtab *strings, FILE *out);

#endif
