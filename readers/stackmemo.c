/*
 * stackmemo.c - the last sample's decoded stack of each thread (see
 * stackmemo.h).
 */
#include "stackmemo.h"

#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

/* Samples a thread's memo survives without being used. */
#define MEMO_KEEP 1024

void stackmemo_init(struct stackmemo *memo)
{
	memset(memo, 0, sizeof(*memo));
}

void stackmemo_release(struct stackmemo *memo)
{
	size_t i;

	for (i = 0; i < memo->n; i++) {
		free(memo->threads[i]->frames);
		free(memo->threads[i]);
	}
	free(memo->threads);
	memset(memo, 0, sizeof(*memo));
}

void stackmemo_new_sample(struct stackmemo *memo)
{
	size_t i, kept = 0;

	memo->sample++;
	for (i = 0; i < memo->n; i++) {
		if (memo->sample - memo->threads[i]->last_sample > MEMO_KEEP) {
			free(memo->threads[i]->frames);
			free(memo->threads[i]);
			continue;
		}
		memo->threads[kept++] = memo->threads[i];
	}
	memo->n = kept;
}

struct thread_memo *stackmemo_thread(struct stackmemo *memo, uint64_t tstate)
{
	struct thread_memo *t;
	size_t i;

	for (i = 0; i < memo->n; i++) {
		if (memo->threads[i]->tstate == tstate) {
			memo->threads[i]->last_sample = memo->sample;
			return memo->threads[i];
		}
	}
	XGROW(memo->threads, memo->cap, memo->n + 1);
	t = xcalloc(1, sizeof(*t));
	memo->threads[memo->n++] = t;
	t->tstate = tstate;
	t->last_sample = memo->sample;
	return t;
}

static bool same_frame(const struct memo_frame *m, const struct raw_frame *f)
{
	return m->addr == f->addr && m->code == f->code && m->position == f->position &&
	       m->tlbc_index == f->tlbc_index;
}

void stackmemo_match(struct thread_memo *t, const struct raw_frame *frames, size_t count)
{
	size_t depth = 0;

	t->flags_matched = 0;
	while (depth < count && depth < t->n && same_frame(&t->frames[depth], &frames[count - 1 - depth])) {
		if (t->flags_matched == depth &&
		    t->frames[depth].flags == frames[count - 1 - depth].flags)
			t->flags_matched++;
		depth++;
	}
	t->matched = depth;
}

size_t stackmemo_steady(const struct thread_memo *t)
{
	return t->stored_quiet ? t->flags_matched : 0;
}

struct memo_frame *stackmemo_at(struct thread_memo *t, size_t depth,
				const struct raw_frame *frame)
{
	return t && depth < t->matched && same_frame(&t->frames[depth], frame) ? &t->frames[depth]
									     : NULL;
}

void stackmemo_store(struct thread_memo *t, const struct raw_frame *frames,
		     const struct sample_frame *out, size_t count)
{
	size_t depth;

	if (t->matched > count)
		t->matched = count;
	XGROW(t->frames, t->cap, count);
	for (depth = 0; depth < t->matched; depth++)
		t->frames[depth].flags = frames[count - 1 - depth].flags;
	for (depth = t->matched; depth < count; depth++) {
		const struct raw_frame *f = &frames[count - 1 - depth];

		t->frames[depth] = (struct memo_frame){
			.addr = f->addr, .code = f->code, .position = f->position,
			.tlbc_index = f->tlbc_index, .flags = f->flags,
			.out = out[count - 1 - depth],
		};
	}
	t->stored_quiet = t->walked_quiet;
	t->n = count;
	t->matched = count;
}
