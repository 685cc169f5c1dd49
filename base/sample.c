/*
 * sample.c - the reusable sample container (see sample.h).
 */
#include "sample.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void sample_init(struct sample *s)
{
	memset(s, 0, sizeof(*s));
}

void sample_release(struct sample *s)
{
	free(s->threads);
	free(s->frames);
	memset(s, 0, sizeof(*s));
}

void sample_clear(struct sample *s)
{
	s->n_threads = 0;
	s->n_frames = 0;
	s->time_ns = 0;
}

struct sample_thread *sample_add_thread(struct sample *s, uint32_t tid)
{
	struct sample_thread *thread;

	XGROW(s->threads, s->cap_threads, s->n_threads + 1);
	thread = &s->threads[s->n_threads++];
	memset(thread, 0, sizeof(*thread));
	thread->tid = tid;
	thread->first_frame = (uint32_t)s->n_frames;
	return thread;
}

void sample_push_frame(struct sample *s, const struct sample_frame *frame)
{
	XGROW(s->frames, s->cap_frames, s->n_frames + 1);
	s->frames[s->n_frames++] = *frame;
	s->threads[s->n_threads - 1].n_frames++;
}

void sample_push_innermost(struct sample *s, const struct sample_frame *frame)
{
	struct sample_thread *thread = &s->threads[s->n_threads - 1];
	struct sample_frame *first;

	XGROW(s->frames, s->cap_frames, s->n_frames + 1);
	first = s->frames + thread->first_frame;
	memmove(first + 1, first, thread->n_frames * sizeof(*first));
	*first = *frame;
	thread->n_frames++;
	s->n_frames++;
}

void sample_keep_innermost(struct sample *s, size_t n)
{
	struct sample_thread *thread = &s->threads[s->n_threads - 1];

	if (n >= thread->n_frames)
		return;
	thread->n_frames = (uint32_t)n;
	s->n_frames = thread->first_frame + n;
}

void sample_drop_frames(struct sample *s)
{
	struct sample_thread *thread = &s->threads[s->n_threads - 1];

	s->n_frames = thread->first_frame;
	thread->n_frames = 0;
}

void sample_drop_thread(struct sample *s)
{
	sample_drop_frames(s);
	s->n_threads--;
}
