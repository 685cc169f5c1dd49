/*
 * stacktree.h - samples aggregated into a tree of stacks.
 *
 * Every distinct stack is a path from the root; each node counts the
 * samples whose stack ended there (self) and through it (total).  Adding a
 * sample turns its frames into frame ids as the options say (line, first
 * line of the function or no line; short or full file names; a root frame
 * per thread) and walks down the tree.  Memory grows with the number of
 * distinct stacks, not with the number of samples.  Knows nothing of
 * processes: it reads struct sample only.
 */
#ifndef PEEKPY_STACKTREE_H
#define PEEKPY_STACKTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/index.h"
#include "../base/sample.h"
#include "../base/strtab.h"
#include "frametab.h"

enum stack_lines {
	STACK_LINES_EXECUTING = 0,  /* the line being executed */
	STACK_LINES_FUNCTION = 1,   /* the function's first line (--function) */
	STACK_LINES_NONE = 2,       /* no line (--nolineno) */
};

struct stack_options {
	int lines;               /* enum stack_lines */
	bool full_filenames;
	bool process_roots;      /* a root frame per process (--subprocesses) */
	bool thread_roots;       /* a root frame per thread (--threads) */
	bool include_idle;       /* keep threads marked idle (--idle) */
};

struct stack_node {
	uint32_t parent;         /* node index; the root is node 0 */
	uint32_t frame;          /* frametab id (unused for the root) */
	uint64_t self;           /* samples whose stack ends here */
	uint64_t total;          /* samples through here: see compute_totals */
};

struct stacktree {
	struct stack_options options;
	struct strtab *strings;
	struct frametab frames;
	struct stack_node *nodes;
	size_t n_nodes, cap_nodes;
	/* Of each node's self, the samples of threads that were idle; NULL
	 * until there is one (most trees have none). */
	uint64_t *idle;
	size_t cap_idle;
	/* children: open addressing on (parent, frame) -> node index + 1 */
	struct index child_of;          /* parent << 32 | frame -> node */
	uint64_t samples;        /* thread stacks added */
	/* The last path added per thread, reused while a stack's outer part
	 * does not change (deep stacks mostly change at the top). */
	struct stack_path {
		uint32_t tid;
		uint32_t *frames;
		uint32_t *nodes;
		size_t depth, cap;
		/* The sample frames behind frames[], root first (no thread
		 * frame): equal ones need not be looked up again. */
		struct sample_frame *seen;
		size_t n_seen, cap_seen;
	} *paths;
	size_t n_paths, cap_paths;
	uint32_t *scratch;
	size_t cap_scratch;
};

void stacktree_init(struct stacktree *tree, struct strtab *strings,
		    const struct stack_options *options);
void stacktree_release(struct stacktree *tree);

/* The frame under which a thread with no Python frame is counted (shown
 * with include_idle only). */
#define STACKTREE_NO_PYTHON "<no Python frame>"

/* Whether a thread's stack is shown: a running thread with a Python frame,
 * or any with include_idle. */
bool stacktree_keeps(const struct stack_options *how, const struct sample_thread *thread);

/* Add every thread of a sample that stacktree_keeps(); how many. */
size_t stacktree_add_sample(struct stacktree *tree, const struct sample *sample);

/* Add one stack of frame ids, root first, with a weight; idle: the
 * samples are of a thread that was not running. */
void stacktree_add_stack(struct stacktree *tree, const uint32_t *frames, size_t depth,
			 uint64_t count, bool idle);

/* Fill every node's totals from the self counts (after adding). */
void stacktree_compute_totals(struct stacktree *tree);

/* Of each node's total, the samples of idle threads: an array of n_nodes
 * the caller frees, or NULL when there were none. */
uint64_t *stacktree_idle_totals(const struct stacktree *tree);

/* Done adding: free what only adding needs and shrink the nodes to fit
 * (writing a large tree then takes less memory).  No stack can be added
 * after this. */
void stacktree_compact(struct stacktree *tree);

/* The frame id for a sample frame under the tree's options. */
uint32_t stacktree_frame_id(struct stacktree *tree, const struct sample_frame *frame);

#endif
