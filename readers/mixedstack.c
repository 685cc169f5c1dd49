/*
 * mixedstack.c - Python groups put in place of the evaluation loops that
 * ran them (mixedstack.h).
 */
#include "mixedstack.h"

#include <stdlib.h>

#include "../base/xalloc.h"

/* Group g (0: the newest) of the Python frames: [newest, oldest]. */
struct group {
	size_t newest, oldest;
};

struct merge {
	const struct merge_input *in;
	struct group *groups;
	size_t n_groups, n_evals, paired;
	bool complete;
};

static void push_group(const struct merge *m, size_t g, struct sample *out)
{
	for (size_t i = m->groups[g].newest; i <= m->groups[g].oldest; i++)
		sample_push_frame(out, &m->in->python[i]);
}

static void push_native(const struct native_entry *entry, struct sample *out)
{
	for (uint32_t i = 0; i < entry->count; i++)
		sample_push_frame(out, &entry->frames[i]);
}

static void push_mark(const struct merge *m, struct sample *out)
{
	struct sample_frame mark = {
		.name = m->in->lost_name,
		.flags = SAMPLE_FRAME_MARK | SAMPLE_FRAME_NATIVE,
	};

	sample_push_frame(out, &mark);
}

/* The group the eval loop with this rank (0: the newest loop) ran, or
 * SIZE_MAX when it is not paired. */
static size_t group_of_eval(const struct merge *m, size_t rank)
{
	if (m->complete) {
		size_t from_first = m->n_evals - 1 - rank;

		return from_first < m->paired ? m->n_groups - 1 - from_first : SIZE_MAX;
	}
	return rank < m->paired ? rank : SIZE_MAX;
}

static size_t split_groups(const struct merge_input *in, struct group *groups)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i < in->n_python; i++) {
		if ((in->python[i].flags & SAMPLE_FRAME_EVAL_ENTRY) || i + 1 == in->n_python) {
			groups[n++] = (struct group){ start, i };
			start = i + 1;
		}
	}
	return n;
}

bool mixedstack_merge(const struct merge_input *in, struct sample *out)
{
	struct group stack_groups[64];
	struct merge m = { .in = in, .groups = stack_groups };
	size_t i, g, rank = 0;
	bool lost = false;

	if (in->n_python > sizeof(stack_groups) / sizeof(stack_groups[0]))
		m.groups = xmalloc(in->n_python * sizeof(*m.groups));
	m.n_groups = split_groups(in, m.groups);
	for (i = 0; i < in->n_natives; i++)
		m.n_evals += (in->natives[i].flags & NATIVE_EVAL) != 0;
	m.paired = m.n_evals < m.n_groups ? m.n_evals : m.n_groups;
	m.complete = in->complete ||
		     (in->n_natives && (in->natives[in->n_natives - 1].flags & NATIVE_THREAD_ROOT));

	/* Newer Python frames than any loop found: above everything. */
	if (m.complete && m.n_groups > m.paired) {
		for (g = 0; g < m.n_groups - m.paired; g++)
			push_group(&m, g, out);
		push_mark(&m, out);
		lost = true;
	}
	for (i = 0; i < in->n_natives; i++) {
		const struct native_entry *entry = &in->natives[i];

		if (entry->flags & NATIVE_EVAL) {
			g = group_of_eval(&m, rank++);
			if (g != SIZE_MAX) {
				push_group(&m, g, out);
				if (in->show_internals)
					push_native(entry, out);
				continue;
			}
		} else if ((entry->flags & NATIVE_MACHINERY) && !in->show_internals) {
			continue;
		}
		push_native(entry, out);
	}
	/* The unwind stopped short: what it did not reach comes below a mark. */
	if (!m.complete) {
		push_mark(&m, out);
		for (g = m.paired; g < m.n_groups; g++)
			push_group(&m, g, out);
		lost = true;
	}
	if (m.groups != stack_groups)
		free(m.groups);
	return lost;
}
