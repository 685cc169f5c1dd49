/*
 * stacktree.c - aggregating samples into a tree of stacks (see stacktree.h).
 */
#include "stacktree.h"

#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

void stacktree_init(struct stacktree *tree, struct strtab *strings,
		    const struct stack_options *options)
{
	memset(tree, 0, sizeof(*tree));
	tree->options = *options;
	tree->strings = strings;
	frametab_init(&tree->frames, strings);
	XGROW(tree->nodes, tree->cap_nodes, 1);
	memset(&tree->nodes[0], 0, sizeof(tree->nodes[0]));
	tree->n_nodes = 1;
	index_init(&tree->child_of);
}

/* What only adding stacks needs: the per-thread paths, scratch, the
 * children's hash. */
static void free_adding_state(struct stacktree *tree)
{
	size_t i;

	for (i = 0; i < tree->n_paths; i++) {
		free(tree->paths[i].frames);
		free(tree->paths[i].nodes);
		free(tree->paths[i].seen);
	}
	free(tree->paths);
	tree->paths = NULL;
	tree->n_paths = tree->cap_paths = 0;
	free(tree->scratch);
	tree->scratch = NULL;
	tree->cap_scratch = 0;
	index_release(&tree->child_of);
}

void stacktree_release(struct stacktree *tree)
{
	free_adding_state(tree);
	frametab_release(&tree->frames);
	free(tree->nodes);
	free(tree->idle);
	memset(tree, 0, sizeof(*tree));
}

static uint64_t child_key(uint32_t parent, uint32_t frame)
{
	return (uint64_t)parent << 32 | frame;
}

/* A node's key in the child index: the nodes hold it already. */
static uint64_t key_of_node(const void *ctx, uint32_t index)
{
	const struct stack_node *node = &((const struct stacktree *)ctx)->nodes[index];

	return child_key(node->parent, node->frame);
}

/* The node for frame under parent, added when new. */
static uint32_t child(struct stacktree *tree, uint32_t parent, uint32_t frame)
{
	bool added;
	uint32_t *at = index_put_kept(&tree->child_of, child_key(parent, frame), key_of_node,
				      tree, &added);
	struct stack_node *node;

	if (!added)
		return *at;
	XGROW(tree->nodes, tree->cap_nodes, tree->n_nodes + 1);
	node = &tree->nodes[tree->n_nodes];
	node->parent = parent;
	node->frame = frame;
	node->self = node->total = 0;
	*at = (uint32_t)tree->n_nodes++;
	return *at;
}

static struct stack_path *path_of(struct stacktree *tree, uint32_t tid)
{
	size_t i;

	for (i = 0; i < tree->n_paths; i++)
		if (tree->paths[i].tid == tid)
			return &tree->paths[i];
	if (tree->n_paths >= 4096)
		return NULL;
	XGROW(tree->paths, tree->cap_paths, tree->n_paths + 1);
	memset(&tree->paths[tree->n_paths], 0, sizeof(tree->paths[0]));
	tree->paths[tree->n_paths].tid = tid;
	return &tree->paths[tree->n_paths++];
}

/* Add a stack, reusing the nodes of the path's common prefix. */
static void add_path(struct stacktree *tree, struct stack_path *path, const uint32_t *frames,
		     size_t depth, uint64_t count, bool idle)
{
	size_t same = 0, i;
	uint32_t node = 0;

	if (path) {
		while (same < depth && same < path->depth && path->frames[same] == frames[same])
			same++;
		if (same)
			node = path->nodes[same - 1];
		if (depth > path->cap) {
			size_t cap = path->cap;

			XGROW(path->frames, cap, depth);
			path->nodes = xreallocarray(path->nodes, cap, sizeof(*path->nodes));
			path->cap = cap;
		}
	}
	for (i = same; i < depth; i++) {
		node = child(tree, node, frames[i]);
		if (path) {
			path->frames[i] = frames[i];
			path->nodes[i] = node;
		}
	}
	if (path)
		path->depth = depth;
	tree->nodes[node].self += count;
	if (idle) {
		if (node >= tree->cap_idle) {
			size_t old = tree->cap_idle;

			XGROW(tree->idle, tree->cap_idle, (size_t)node + 1);
			memset(tree->idle + old, 0, (tree->cap_idle - old) * sizeof(*tree->idle));
		}
		tree->idle[node] += count;
	}
	tree->samples += count;
}

void stacktree_add_stack(struct stacktree *tree, const uint32_t *frames, size_t depth,
			 uint64_t count, bool idle)
{
	add_path(tree, NULL, frames, depth, count, idle);
}

uint32_t stacktree_frame_id(struct stacktree *tree, const struct sample_frame *frame)
{
	struct frame_key key = {
		.kind = FRAME_PYTHON,
		.name = frame->name,
		.file = tree->options.full_filenames ? frame->file : frame->short_file,
		.path = frame->file,
	};

	if (frame->flags & SAMPLE_FRAME_MARK) {
		key = (struct frame_key){ .kind = FRAME_TEXT, .name = frame->name,
					  .line = FRAME_NO_LINE };
		return frametab_intern(&tree->frames, &key);
	}
	if (frame->flags & SAMPLE_FRAME_NATIVE) {
		/* A native frame's line is its own; a library without
		 * lines names only itself. */
		key.kind = FRAME_NATIVE;
		key.line = frame->line > 0 && tree->options.lines == STACK_LINES_EXECUTING
			   ? frame->line : FRAME_NO_LINE;
		return frametab_intern(&tree->frames, &key);
	}
	switch (tree->options.lines) {
	case STACK_LINES_FUNCTION:
		key.line = frame->first_line;
		break;
	case STACK_LINES_NONE:
		key.line = FRAME_NO_LINE;
		break;
	default:
		key.line = frame->line;
	}
	return frametab_intern(&tree->frames, &key);
}

/* Keep a thread's sample frames (innermost first) root first. */
static void remember_frames(struct stack_path *path, const struct sample_frame *frames, size_t n)
{
	size_t i;

	XGROW(path->seen, path->cap_seen, n);
	for (i = 0; i < n; i++)
		path->seen[i] = frames[n - 1 - i];
	path->n_seen = n;
}

static uint32_t no_python_frame(struct stacktree *tree)
{
	struct frame_key key = {
		.kind = FRAME_TEXT,
		.name = strtab_intern_cstr(tree->strings, STACKTREE_NO_PYTHON),
		.line = FRAME_NO_LINE,
	};

	return frametab_intern(&tree->frames, &key);
}

bool stacktree_keeps(const struct stack_options *how, const struct sample_thread *thread)
{
	return how->include_idle || (!(thread->flags & SAMPLE_THREAD_IDLE) && thread->n_frames > 0);
}

size_t stacktree_add_sample(struct stacktree *tree, const struct sample *sample)
{
	size_t t, added = 0;

	for (t = 0; t < sample->n_threads; t++) {
		const struct sample_thread *thread = &sample->threads[t];
		const struct sample_frame *frames = sample_thread_frames(sample, thread);
		struct stack_path *path;
		size_t depth = 0, roots, i;
		bool same;

		if (!stacktree_keeps(&tree->options, thread))
			continue;
		added++;
		XGROW(tree->scratch, tree->cap_scratch, (size_t)thread->n_frames + 3);
		path = path_of(tree, thread->tid);
		if (tree->options.process_roots) {
			struct frame_key key = {
				.kind = FRAME_PROCESS, .name = sample->process_name,
				.line = (int32_t)sample->pid,
			};
			tree->scratch[depth++] = frametab_intern(&tree->frames, &key);
		}
		if (tree->options.thread_roots) {
			struct frame_key key = {
				.kind = FRAME_THREAD, .name = thread->name,
				.line = (int32_t)thread->tid,
			};
			tree->scratch[depth++] = frametab_intern(&tree->frames, &key);
		}
		/* Sample frames are innermost first; the tree is root first.  The
		 * outer frames that did not change since this thread's last stack
		 * keep their ids. */
		roots = depth;
		same = path && path->depth >= roots &&
		       (roots == 0 ||
			memcmp(path->frames, tree->scratch, roots * sizeof(*tree->scratch)) == 0);
		for (i = thread->n_frames; i-- > 0;) {
			const struct sample_frame *frame = &frames[i];
			size_t k = depth - roots;

			same = same && k < path->n_seen && depth < path->depth &&
			       memcmp(&path->seen[k], frame, sizeof(*frame)) == 0;
			tree->scratch[depth] = same ? path->frames[depth]
						    : stacktree_frame_id(tree, frame);
			depth++;
		}
		/* A thread with no Python frame (C code, a thread not yet in
		 * Python): one frame that says so. */
		if (thread->n_frames == 0)
			tree->scratch[depth++] = no_python_frame(tree);
		if (path)
			remember_frames(path, frames, thread->n_frames);
		add_path(tree, path, tree->scratch, depth, 1,
			 (thread->flags & SAMPLE_THREAD_IDLE) != 0);
	}
	return added;
}

void stacktree_compute_totals(struct stacktree *tree)
{
	size_t i;

	for (i = 0; i < tree->n_nodes; i++)
		tree->nodes[i].total = tree->nodes[i].self;
	/* A child is always created after its parent: summing from the end
	 * adds every subtree before its parent is added to its own parent. */
	for (i = tree->n_nodes; i-- > 1;)
		tree->nodes[tree->nodes[i].parent].total += tree->nodes[i].total;
}

uint64_t *stacktree_idle_totals(const struct stacktree *tree)
{
	uint64_t *totals;
	size_t i;

	if (!tree->idle)
		return NULL;
	totals = xcalloc(tree->n_nodes, sizeof(*totals));
	for (i = 0; i < tree->n_nodes && i < tree->cap_idle; i++)
		totals[i] = tree->idle[i];
	for (i = tree->n_nodes; i-- > 1;)
		totals[tree->nodes[i].parent] += totals[i];
	return totals;
}

void stacktree_compact(struct stacktree *tree)
{
	free_adding_state(tree);
	tree->nodes = xreallocarray(tree->nodes, tree->n_nodes, sizeof(*tree->nodes));
	tree->cap_nodes = tree->n_nodes;
}
