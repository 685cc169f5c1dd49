/*
 * tasktree.c - the task tree of a sample (see tasktree.h).
 *
 * Sample frames are innermost first, so a chain is read from a stack's
 * last frame back: a task mark, its frames, the next task's mark, ...
 * Frames of one task are kept innermost first in the sample; printing
 * walks them backwards.
 */
#include "tasktree.h"

#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "escape.h"

#define NO_NODE UINT32_MAX

static bool is_task_mark(const struct strtab *strings, const struct sample_frame *frame)
{
	return (frame->flags & SAMPLE_FRAME_MARK) && frame->name &&
	       strncmp(strtab_str(strings, frame->name), "task ", 5) == 0;
}

static uint32_t child_named(const struct task_tree *tree, uint32_t parent, uint32_t name)
{
	for (size_t i = 0; i < tree->count; i++)
		if (tree->nodes[i].parent == parent && tree->nodes[i].name == name)
			return (uint32_t)i;
	return NO_NODE;
}

/* One stack: innermost first in frames[0..n); the chain from its root. */
static void add_chain(struct task_tree *tree, const struct strtab *strings,
		      const struct sample_thread *thread, const struct sample_frame *frames, size_t n)
{
	uint32_t parent = NO_NODE;
	size_t at = n;

	while (at > 0 && is_task_mark(strings, &frames[at - 1])) {
		const struct sample_frame *mark = &frames[at - 1];
		size_t end = at - 1, start = end;
		uint32_t node;
		bool innermost;

		/* The task's own frames run down to the next mark. */
		while (start > 0 && !is_task_mark(strings, &frames[start - 1]))
			start--;
		innermost = start == 0;
		node = child_named(tree, parent, mark->name);
		if (node == NO_NODE) {
			XGROW(tree->nodes, tree->cap, tree->count + 1);
			node = (uint32_t)tree->count++;
			tree->nodes[node] = (struct task_node){
				.name = mark->name, .parent = parent, .tid = thread->tid,
			};
		}
		/* A task's frames are best taken from its own stack, where it
		 * is the innermost task; any stack of its awaited tasks shows
		 * where it waits for them. */
		if (!tree->nodes[node].own || !tree->nodes[node].frames) {
			tree->nodes[node].frames = frames + start;
			tree->nodes[node].n_frames = end - start;
			tree->nodes[node].own = innermost;
			tree->nodes[node].running = innermost && !(thread->flags & SAMPLE_THREAD_IDLE);
		}
		parent = node;
		at = start;
	}
}

void tasktree_build(struct task_tree *tree, const struct sample *s, const struct strtab *strings)
{
	memset(tree, 0, sizeof(*tree));
	for (size_t t = 0; t < s->n_threads; t++) {
		const struct sample_thread *thread = &s->threads[t];
		const struct sample_frame *frames = sample_thread_frames(s, thread);

		if (thread->n_frames && is_task_mark(strings, &frames[thread->n_frames - 1]))
			add_chain(tree, strings, thread, frames, thread->n_frames);
	}
}

void tasktree_release(struct task_tree *tree)
{
	free(tree->nodes);
	memset(tree, 0, sizeof(*tree));
}

static void print_frame(const struct strtab *strings, const struct sample_frame *frame, FILE *out)
{
	fprintf(out, "%s (%s:%d)", strtab_str(strings, frame->name),
		strtab_str(strings, frame->short_file), frame->line);
}

static void print_node_text(const struct task_tree *tree, const struct strtab *strings,
			    uint32_t node, int depth, FILE *out)
{
	const struct task_node *task = &tree->nodes[node];

	fprintf(out, "%*s%s%s", 2 * depth, "", strtab_str(strings, task->name),
		task->running ? " (running)" : "");
	for (size_t i = task->n_frames; i-- > 0;) {
		fputs(i + 1 == task->n_frames ? ": " : " > ", out);
		print_frame(strings, &task->frames[i], out);
	}
	putc('\n', out);
	for (size_t i = 0; i < tree->count; i++)
		if (tree->nodes[i].parent == node)
			print_node_text(tree, strings, (uint32_t)i, depth + 1, out);
}

void tasktree_print_text(const struct task_tree *tree, const struct strtab *strings, FILE *out)
{
	fputs("\nasyncio tasks, each under the task awaiting it:\n", out);
	if (!tree->count)
		fputs("  (none)\n", out);
	for (size_t i = 0; i < tree->count; i++)
		if (tree->nodes[i].parent == NO_NODE)
			print_node_text(tree, strings, (uint32_t)i, 1, out);
}

static void json_text(const struct strtab *strings, uint32_t id, FILE *out)
{
	escape_json(out, strtab_str(strings, id), strtab_len(strings, id));
}

static void print_node_json(const struct task_tree *tree, const struct strtab *strings,
			    uint32_t node, FILE *out)
{
	const struct task_node *task = &tree->nodes[node];
	bool first = true;

	const char *mark = strtab_str(strings, task->name);
	size_t len = strtab_len(strings, task->name);

	/* 'task "NAME"' -> NAME */
	if (len >= 7 && strncmp(mark, "task \"", 6) == 0 && mark[len - 1] == '"') {
		mark += 6;
		len -= 7;
	}
	fputs("{\"name\":", out);
	escape_json(out, mark, len);
	fprintf(out, ",\"running\":%s,\"tid\":%u,\"frames\":[", task->running ? "true" : "false",
		task->tid);
	for (size_t i = task->n_frames; i-- > 0;) {
		fputs(i + 1 == task->n_frames ? "{\"name\":" : ",{\"name\":", out);
		json_text(strings, task->frames[i].name, out);
		fputs(",\"file\":", out);
		json_text(strings, task->frames[i].file, out);
		fprintf(out, ",\"line\":%d}", task->frames[i].line);
	}
	fputs("],\"awaits\":[", out);
	for (size_t i = 0; i < tree->count; i++) {
		if (tree->nodes[i].parent != node)
			continue;
		if (!first)
			putc(',', out);
		first = false;
		print_node_json(tree, strings, (uint32_t)i, out);
	}
	fputs("]}", out);
}

void tasktree_print_json(const struct task_tree *tree, const struct strtab *strings, FILE *out)
{
	bool first = true;

	putc('[', out);
	for (size_t i = 0; i < tree->count; i++) {
		if (tree->nodes[i].parent != NO_NODE)
			continue;
		if (!first)
			putc(',', out);
		first = false;
		print_node_json(tree, strings, (uint32_t)i, out);
	}
	putc(']', out);
}
