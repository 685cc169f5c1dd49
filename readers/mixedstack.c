/*
 * mixedstack.c - Python groups put in place of the evaluation loops that
 * ran them (mixedstack.h).
 */
#include "mixedstack.h"

#include <stdlib.h>

#include "../base/xalloc.h"

#define UNPAIRED SIZE_MAX

/* Group g (0: the newest) of the Python frames: [newest, oldest]. */
struct group {
	size_t newest, oldest;
};

struct merge {
	const struct merge_input *in;
	struct group *groups;
	size_t n_groups;
	size_t *group_of;      /* per native entry: the group its loop ran */
	size_t next_group;     /* groups before it are pushed */
	bool lost;
};

static void push_group(struct merge *m, size_t g, struct sample *out)
{
	for (size_t i = m->groups[g].newest; i <= m->groups[g].oldest; i++)
		sample_push_frame(out, &m->in->python[i]);
}

static void push_native(const struct native_entry *entry, struct sample *out)
{
	for (uint32_t i = 0; i < entry->count; i++)
		sample_push_frame(out, &entry->frames[i]);
}

static void push_mark(struct merge *m, struct sample *out)
{
	struct sample_frame mark = {
		.name = m->in->lost_name,
		.flags = SAMPLE_FRAME_MARK | SAMPLE_FRAME_NATIVE,
	};

	sample_push_frame(out, &mark);
	m->lost = true;
}

/* Push the groups before `until` not pushed yet (no loop was found for
 * them), under a mark: a Python frame is never dropped. */
static void push_unpaired(struct merge *m, size_t until, struct sample *out)
{
	if (m->next_group >= until)
		return;
	for (; m->next_group < until; m->next_group++)
		push_group(m, m->next_group, out);
	push_mark(m, out);
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

/* Loops known by the entry frame they hold: each runs the group whose
 * oldest frame is just above its entry frame. */
static void pair_by_anchor(struct merge *m)
{
	const struct merge_input *in = m->in;

	for (size_t i = 0; i < in->n_natives; i++) {
		size_t older = in->natives[i].anchor;

		m->group_of[i] = UNPAIRED;
		if (older == NATIVE_NO_ANCHOR || older >= in->n_python)
			continue;
		for (size_t g = 0; g < m->n_groups; g++)
			if (m->groups[g].oldest == in->n_python - 1 - older)
				m->group_of[i] = g;
	}
}

/* Loops known by name: the k-th loop runs the k-th group, counted from
 * the thread's first frame when the unwind reached it, else from the
 * newest frame. */
static void pair_by_count(struct merge *m, bool complete)
{
	const struct merge_input *in = m->in;
	size_t n_evals = 0, rank = 0, paired, i;

	for (i = 0; i < in->n_natives; i++)
		n_evals += (in->natives[i].flags & NATIVE_EVAL) != 0;
	paired = n_evals < m->n_groups ? n_evals : m->n_groups;
	for (i = 0; i < in->n_natives; i++) {
		size_t from_first;

		m->group_of[i] = UNPAIRED;
		if (!(in->natives[i].flags & NATIVE_EVAL))
			continue;
		if (!complete) {
			m->group_of[i] = rank < paired ? rank : UNPAIRED;
		} else {
			from_first = n_evals - 1 - rank;
			if (from_first < paired)
				m->group_of[i] = m->n_groups - 1 - from_first;
		}
		rank++;
	}
}

static bool has_anchors(const struct merge_input *in)
{
	for (size_t i = 0; i < in->n_natives; i++)
		if (in->natives[i].anchor != NATIVE_NO_ANCHOR)
			return true;
	return false;
}

bool mixedstack_merge(const struct merge_input *in, struct sample *out)
{
	struct group stack_groups[64];
	size_t stack_pairs[256];
	struct merge m = { .in = in, .groups = stack_groups, .group_of = stack_pairs };
	bool complete = in->complete ||
			(in->n_natives && (in->natives[in->n_natives - 1].flags & NATIVE_THREAD_ROOT));

	if (in->n_python > sizeof(stack_groups) / sizeof(stack_groups[0]))
		m.groups = xmalloc(in->n_python * sizeof(*m.groups));
	if (in->n_natives > sizeof(stack_pairs) / sizeof(stack_pairs[0]))
		m.group_of = xmalloc(in->n_natives * sizeof(*m.group_of));
	m.n_groups = split_groups(in, m.groups);
	if (has_anchors(in))
		pair_by_anchor(&m);
	else
		pair_by_count(&m, complete);

	for (size_t i = 0; i < in->n_natives; i++) {
		const struct native_entry *entry = &in->natives[i];
		size_t g = m.group_of[i];

		if (g != UNPAIRED && g >= m.next_group) {
			push_unpaired(&m, g, out);
			push_group(&m, g, out);
			m.next_group = g + 1;
			if (in->show_internals)
				push_native(entry, out);
			continue;
		}
		if ((entry->flags & NATIVE_MACHINERY) && !in->show_internals)
			continue;
		push_native(entry, out);
	}
	/* What the unwind did not reach comes last, below a mark. */
	if (!complete || m.next_group < m.n_groups) {
		push_mark(&m, out);
		for (; m.next_group < m.n_groups; m.next_group++)
			push_group(&m, m.next_group, out);
	}
	if (m.groups != stack_groups)
		free(m.groups);
	if (m.group_of != stack_pairs)
		free(m.group_of);
	return m.lost;
}
