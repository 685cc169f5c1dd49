/*
 * chrometrace.c - a timeline of samples in the Trace Event format (see
 * chrometrace.h).
 */
#include "chrometrace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "escape.h"

void chrometrace_init(struct chrometrace *trace, FILE *out, struct strtab *strings,
		      const struct stack_options *options)
{
	memset(trace, 0, sizeof(*trace));
	trace->out = out;
	stacktree_init(&trace->names, strings, options);
}

void chrometrace_release(struct chrometrace *trace)
{
	size_t i;

	for (i = 0; i < trace->n_threads; i++)
		free(trace->threads[i].open);
	free(trace->threads);
	free(trace->scratch);
	free(trace->pids);
	index_release(&trace->thread_index);
	stacktree_release(&trace->names);
	memset(trace, 0, sizeof(*trace));
}

static struct trace_thread *thread_of(struct chrometrace *trace, uint32_t tid)
{
	bool added;
	uint32_t *at = index_put(&trace->thread_index, tid, &added);

	if (added) {
		XGROW(trace->threads, trace->cap_threads, trace->n_threads + 1);
		memset(&trace->threads[trace->n_threads], 0, sizeof(trace->threads[0]));
		trace->threads[trace->n_threads].tid = tid;
		*at = (uint32_t)trace->n_threads++;
	}
	return &trace->threads[*at];
}

/* Microseconds since the first sample, as the format counts time. */
static double micros(const struct chrometrace *trace, uint64_t ns)
{
	return (double)(ns - trace->first_ns) / 1000.0;
}

static void event(struct chrometrace *trace, char phase, const struct trace_thread *thread,
		  uint32_t frame, uint64_t ns)
{
	const char *name = frametab_text(&trace->names.frames, frame);

	fprintf(trace->out, ",\n{\"ph\":\"%c\",\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"name\":", phase,
		thread->pid, thread->tid, micros(trace, ns));
	escape_json(trace->out, name, strlen(name));
	putc('}', trace->out);
}

static void name_thread(struct chrometrace *trace, struct trace_thread *thread,
			const struct sample_thread *from)
{
	const char *name = strtab_str(trace->names.strings, from->name);

	if (thread->named || !from->name)
		return;
	fprintf(trace->out, ",\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"name\":\"thread_name\","
		"\"args\":{\"name\":", thread->pid, from->tid);
	escape_json(trace->out, name, strlen(name));
	fputs("}}", trace->out);
	thread->named = true;
}

/* Move a thread from its open frames to frames[0..depth), root first. */
static void move_to(struct chrometrace *trace, struct trace_thread *thread,
		    const uint32_t *frames, size_t depth, uint64_t ns)
{
	size_t same = 0;

	while (same < depth && same < thread->depth && thread->open[same] == frames[same])
		same++;
	while (thread->depth > same)
		event(trace, 'E', thread, thread->open[--thread->depth], ns);
	XGROW(thread->open, thread->cap, depth);
	for (; thread->depth < depth; thread->depth++) {
		thread->open[thread->depth] = frames[thread->depth];
		event(trace, 'B', thread, frames[thread->depth], ns);
	}
}

/* A process's name, once, when its first sample comes. */
static void name_process(struct chrometrace *trace, const struct sample *sample)
{
	const char *name = sample->process_name ? strtab_str(trace->names.strings,
							      sample->process_name) : "python";
	size_t i;

	for (i = 0; i < trace->n_pids; i++)
		if (trace->pids[i] == sample->pid)
			return;
	XGROW(trace->pids, trace->cap_pids, trace->n_pids + 1);
	trace->pids[trace->n_pids++] = sample->pid;
	fprintf(trace->out, ",\n{\"ph\":\"M\",\"pid\":%u,\"name\":\"process_name\","
		"\"args\":{\"name\":", sample->pid);
	escape_json(trace->out, name, strlen(name));
	fputs("}}", trace->out);
}

int chrometrace_add_sample(struct chrometrace *trace, const struct sample *sample)
{
	size_t t, i;

	if (!trace->started) {
		trace->first_ns = sample->time_ns;
		fputs("[{\"ph\":\"M\",\"name\":\"peekpy\",\"args\":{}}", trace->out);
		trace->started = true;
	}
	name_process(trace, sample);
	trace->last_ns = sample->time_ns;
	trace->samples++;
	for (t = 0; t < sample->n_threads; t++) {
		const struct sample_thread *from = &sample->threads[t];
		const struct sample_frame *frames = sample_thread_frames(sample, from);
		struct trace_thread *thread = thread_of(trace, from->tid);

		size_t depth = 0;

		thread->pid = sample->pid;
		thread->seen = trace->samples;
		name_thread(trace, thread, from);
		if (!(from->flags & SAMPLE_THREAD_IDLE) || trace->names.options.include_idle) {
			XGROW(trace->scratch, trace->cap_scratch, (size_t)from->n_frames + 1);
			for (i = from->n_frames; i-- > 0;)
				trace->scratch[depth++] = stacktree_frame_id(&trace->names, &frames[i]);
		}
		move_to(trace, thread, trace->scratch, depth, sample->time_ns);
	}
	/* A thread of this process absent from this sample has no Python
	 * stack now. */
	for (i = 0; i < trace->n_threads; i++)
		if (trace->threads[i].pid == sample->pid && trace->threads[i].seen != trace->samples)
			move_to(trace, &trace->threads[i], NULL, 0, sample->time_ns);
	return ferror(trace->out) ? -EIO : 0;
}

int chrometrace_finish(struct chrometrace *trace)
{
	size_t i;

	if (!trace->started)
		fputs("[", trace->out);
	for (i = 0; i < trace->n_threads; i++)
		move_to(trace, &trace->threads[i], NULL, 0, trace->last_ns);
	fputs("\n]\n", trace->out);
	if (fflush(trace->out) != 0 || ferror(trace->out))
		return errno ? -errno : -EIO;
	return 0;
}
