/*
 * jsonl.c - samples as JSON lines (see jsonl.h).
 */
#include "jsonl.h"

#include <errno.h>
#include <string.h>

#include "escape.h"

void jsonl_init(struct jsonl *lines, FILE *out, const struct strtab *strings,
		const struct stack_options *options)
{
	memset(lines, 0, sizeof(*lines));
	lines->out = out;
	lines->strings = strings;
	lines->options = *options;
}

static void json_text(FILE *out, const struct strtab *strings, uint32_t id)
{
	escape_json(out, strtab_str(strings, id), strtab_len(strings, id));
}

static const char *kind_of(const struct sample_frame *frame)
{
	if (frame->flags & SAMPLE_FRAME_MARK)
		return "mark";
	return frame->flags & SAMPLE_FRAME_NATIVE ? "native" : "python";
}

static void write_frame(struct jsonl *lines, const struct sample_frame *frame)
{
	FILE *out = lines->out;
	int line = lines->options.lines == STACK_LINES_FUNCTION ? frame->first_line : frame->line;

	fputs("{\"name\":", out);
	json_text(out, lines->strings, frame->name);
	fputs(",\"file\":", out);
	json_text(out, lines->strings, lines->options.full_filenames ? frame->file
								     : frame->short_file);
	if (lines->options.lines != STACK_LINES_NONE)
		fprintf(out, ",\"line\":%d", line);
	fprintf(out, ",\"kind\":\"%s\"}", kind_of(frame));
}

static void write_thread(struct jsonl *lines, const struct sample *sample,
			 const struct sample_thread *thread, bool first)
{
	const struct sample_frame *frames = sample_thread_frames(sample, thread);
	FILE *out = lines->out;
	size_t i;

	fprintf(out, "%s{\"tid\":%u,\"name\":", first ? "" : ",", thread->tid);
	if (thread->name)
		json_text(out, lines->strings, thread->name);
	else
		fputs("null", out);
	fprintf(out, ",\"idle\":%s,\"gil\":%s,\"frames\":[",
		thread->flags & SAMPLE_THREAD_IDLE ? "true" : "false",
		thread->flags & SAMPLE_THREAD_GIL ? "true" : "false");
	/* The sample holds them innermost first. */
	for (i = thread->n_frames; i-- > 0;) {
		write_frame(lines, &frames[i]);
		if (i)
			putc(',', out);
	}
	fputs("]}", out);
}

int jsonl_add_sample(struct jsonl *lines, const struct sample *sample)
{
	FILE *out = lines->out;
	bool first = true;
	size_t t;

	if (!lines->started) {
		lines->first_ns = sample->time_ns;
		lines->started = true;
	}
	fprintf(out, "{\"time\":%.6f,\"pid\":%u", (double)(sample->time_ns - lines->first_ns) / 1e9,
		sample->pid);
	if (sample->run)
		fprintf(out, ",\"run\":%u", sample->run);
	fputs(",\"threads\":[", out);
	for (t = 0; t < sample->n_threads; t++) {
		const struct sample_thread *thread = &sample->threads[t];

		if ((thread->flags & SAMPLE_THREAD_IDLE) && !lines->options.include_idle)
			continue;
		write_thread(lines, sample, thread, first);
		first = false;
	}
	fputs("]}\n", out);
	return ferror(out) ? (errno ? -errno : -EIO) : 0;
}
