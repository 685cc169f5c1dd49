/*
 * render.c - drawing a profile from a file (see render.h).
 */
#include "render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/strtab.h"
#include "../output/collapsed.h"
#include "../output/rawreader.h"
#include "../output/sink.h"
#include "../output/stacktree.h"
#include "invoker.h"
#include "outfile.h"
#include "report.h"
#include "sources.h"

/* FILE with its extension replaced by the format's. */
static void default_output(const struct options *o, char *buf, size_t size)
{
	const char *base = strrchr(o->input, '/');
	const char *dot = strrchr(base ? base + 1 : o->input, '.');
	int stem = dot ? (int)(dot - o->input) : (int)strlen(o->input);

	snprintf(buf, size, "%.*s.%s", stem, o->input, o->format->extension);
}

struct rendering {
	const struct options *options;
	struct sink *sink;
	const struct raw_info *info;   /* of a recording; NULL for collapsed input */
	uint64_t samples;              /* of a recording, those rendered */
};

/* What the profile says of itself: from the recording, or only its name. */
static void describe_profile(const struct rendering *r, char *title, size_t size,
			     struct profile_meta *meta)
{
	const char *input = r->options->input, *base = strrchr(input, '/');
	const struct raw_info *info = r->info;

	snprintf(title, size, "peekpy: %s", base ? base + 1 : input);
	*meta = (struct profile_meta){
		.title = title, .name = input, .read_source = sources_read,
		.heatmap_file = r->options->heatmap,
	};
	if (!info)
		return;
	if (info->command[0])
		meta->name = info->command;
	meta->command = info->command;
	meta->python = info->python;
	meta->rate_hz = info->rate_hz;
	meta->samples = r->samples;
	meta->errors = info->end.errors;
	meta->duration_ns = info->has_end ? info->end.duration_ns : info->last_ns;
}

static int write_tree(void *ctx, FILE *out)
{
	const struct rendering *r = ctx;
	struct profile_meta meta;
	char title[512];

	describe_profile(r, title, sizeof(title), &meta);
	return sink_finish(r->sink, &meta, out);
}

/* --- recordings --- */

struct recording_filter {
	const struct options *options;
	struct sink *sink;              /* where kept samples go */
	uint64_t from_ns, to_ns;
	uint64_t kept;
};

/* --no-native: a recording made with --native, drawn with Python frames
 * only.  Each thread's frames are compacted in place: threads keep their
 * order in the array of frames, so the writes never pass the reads. */
static void drop_native_frames(struct sample *s)
{
	size_t t, i, at = 0;

	for (t = 0; t < s->n_threads; t++) {
		struct sample_thread *thread = &s->threads[t];
		size_t first = thread->first_frame, n = thread->n_frames;

		thread->first_frame = (uint32_t)at;
		thread->n_frames = 0;
		for (i = first; i < first + n; i++) {
			if (s->frames[i].flags & (SAMPLE_FRAME_NATIVE | SAMPLE_FRAME_MARK))
				continue;
			s->frames[at++] = s->frames[i];
			thread->n_frames++;
		}
	}
	s->n_frames = at;
}

static int add_recorded_sample(void *ctx, struct sample *s)
{
	struct recording_filter *f = ctx;
	size_t t, kept = 0;

	if (s->time_ns < f->from_ns || s->time_ns > f->to_ns)
		return 0;
	/* Keep only the threads asked for (one, the GIL's holder; with
	 * --idle, every thread, as record --gil --idle marked them). */
	if (f->options->thread >= 0 || (f->options->gil && !f->options->idle)) {
		for (t = 0; t < s->n_threads; t++)
			if ((f->options->thread < 0 ||
			     s->threads[t].tid == (uint32_t)f->options->thread) &&
			    (!f->options->gil || f->options->idle ||
			     (s->threads[t].flags & SAMPLE_THREAD_GIL)))
				s->threads[kept++] = s->threads[t];
		s->n_threads = kept;
		if (!kept)
			return 0;
	}
	if (f->options->no_native)
		drop_native_frames(s);
	f->kept++;
	return sink_add(f->sink, s);
}

/* A timeline (-f chrometrace): the samples stream from the recording to the
 * file. */
struct trace_rendering {
	const struct options *options;
	FILE *in;
	struct strtab *strings;
	struct raw_info *info;
	int read_err;
};

static int write_trace(void *ctx, FILE *out)
{
	struct trace_rendering *t = ctx;
	const struct options *o = t->options;
	struct stack_options stack_options = {
		.lines = o->lines, .include_idle = o->idle, .full_filenames = o->full_filenames,
	};
	struct sink sink;
	struct profile_meta meta = { .name = o->input };
	struct recording_filter filter = {
		.options = o, .sink = &sink,
		.from_ns = (uint64_t)(o->time_from * 1e9),
		.to_ns = o->time_to < 0 ? UINT64_MAX : (uint64_t)(o->time_to * 1e9),
	};
	int err;

	sink_init(&sink, o->format, t->strings, &stack_options);
	err = sink_start(&sink, out, &meta);
	if (!err) {
		t->read_err = rawfile_read(t->in, t->strings, add_recorded_sample, &filter, t->info);
		err = sink_finish(&sink, &meta, out);
	}
	sink_release(&sink);
	/* Nothing readable: no file rather than an empty timeline. */
	if (t->read_err && !t->info->samples)
		return t->read_err;
	return err;
}

static int render_trace(const struct options *o, FILE *in, const char *output,
			struct invoker *as)
{
	struct raw_info info;
	struct strtab strings;
	struct trace_rendering t = { .options = o, .in = in, .strings = &strings, .info = &info };
	int err, status = 0;

	memset(&info, 0, sizeof(info));
	strtab_init(&strings);
	err = outfile_write(output, as, write_trace, &t);
	if (t.read_err == PP_EFORMAT && info.samples) {
		report("%s: %s; rendering what came before", o->input, info.problem);
		status = 1;
	} else if (t.read_err) {
		report("cannot render %s: %s", o->input,
		       t.read_err == PP_EFORMAT || t.read_err == PP_EVERSION ? info.problem
									 : strerror(-t.read_err));
		status = 1;
	} else if (err) {
		report("cannot write '%s': %s", output, strerror(-err));
		status = 1;
	}
	strtab_release(&strings);
	raw_info_release(&info);
	return status;
}

static int read_recording(const struct options *o, FILE *in, struct sink *sink,
			  struct raw_info *info, uint64_t *kept)
{
	struct recording_filter filter = {
		.options = o, .sink = sink,
		.from_ns = (uint64_t)(o->time_from * 1e9),
		.to_ns = o->time_to < 0 ? UINT64_MAX : (uint64_t)(o->time_to * 1e9),
	};
	int err = rawfile_read(in, sink->tree.strings, add_recorded_sample, &filter, info);

	*kept = filter.kept;
	return err;
}

static int stop_reading(void *ctx, struct sample *sample)
{
	(void)ctx;
	(void)sample;
	return 1;
}

/* Whether a recording was made with --subprocesses (its stacks then go
 * under process frames): its first records say, before any sample. */
static bool recording_has_processes(FILE *in)
{
	struct raw_info info;
	struct strtab scratch;
	bool several;

	strtab_init(&scratch);
	rawfile_read(in, &scratch, stop_reading, NULL, &info);
	several = info.subprocesses;
	raw_info_release(&info);
	strtab_release(&scratch);
	rewind(in);
	return several;
}

static bool is_recording(FILE *in)
{
	uint8_t head[8];
	size_t got = fread(head, 1, sizeof(head), in);
	bool yes = rawfile_is_recording(head, got);

	rewind(in);
	return yes;
}

int render_run(const struct options *o)
{
	struct stack_options stack_options = { .lines = o->lines, .include_idle = true };
	struct collapsed_read how = { .thread = o->thread, .no_lines = o->lines == STACK_LINES_NONE };
	struct raw_info info;
	struct strtab strings;
	struct sink sink;
	struct rendering rendering = { .options = o, .sink = &sink };
	struct invoker as;
	char output[4096];
	FILE *in;
	int err, status = 0;

	if (o->output)
		snprintf(output, sizeof(output), "%s", o->output);
	else
		default_output(o, output, sizeof(output));
	if (strcmp(output, o->input) == 0) {
		report("'%s' would be written over the file it renders: give -o", o->input);
		return 2;
	}
	invoker_find(&as);
	in = strcmp(o->input, "-") == 0 ? stdin : invoker_fopen(&as, o->input, "r");
	if (!in) {
		report("cannot read '%s': %s", o->input, strerror(errno));
		return 1;
	}
	memset(&info, 0, sizeof(info));
	strtab_init(&strings);
	if (in != stdin && is_recording(in) && o->format->timeline) {
		status = render_trace(o, in, output, &as);
		fclose(in);
		strtab_release(&strings);
		return status;
	}
	if (o->format->timeline) {
		report("%s holds collapsed stacks, without time: a %s timeline needs a "
		       "recording (peekpy record -f raw)", o->input, o->format->name);
		if (in != stdin)
			fclose(in);
		strtab_release(&strings);
		return 2;
	}
	if (in != stdin && is_recording(in)) {
		stack_options.include_idle = o->idle;
		stack_options.thread_roots = o->threads || o->format->thread_roots;
		stack_options.full_filenames = o->full_filenames;
		stack_options.process_roots = recording_has_processes(in);
		sink_init(&sink, o->format, &strings, &stack_options);
		err = read_recording(o, in, &sink, &info, &rendering.samples);
		rendering.info = &info;
		fclose(in);
		if (err == PP_EFORMAT && info.samples) {
			report("%s: %s; rendering what came before", o->input, info.problem);
			status = 1;
		} else if (err) {
			report("cannot render %s: %s", o->input, err == PP_EFORMAT || err == PP_EVERSION
								 ? info.problem : strerror(-err));
			sink_release(&sink);
			strtab_release(&strings);
			raw_info_release(&info);
			return 1;
		}
		stacktree_compact(&sink.tree);
		goto write;
	}
	if (o->idle || o->gil || o->lines == STACK_LINES_FUNCTION || o->threads ||
	    o->full_filenames || o->time_from > 0 || o->time_to >= 0) {
		report("%s holds collapsed stacks: --idle, --gil, --function, --threads, "
		       "--full-filenames and --time-range need a recording (peekpy record -f raw)",
		       o->input);
		if (in != stdin)
			fclose(in);
		strtab_release(&strings);
		return 2;
	}
	sink_init(&sink, o->format, &strings, &stack_options);
	err = collapsed_read(&sink.tree, in, &how);
	stacktree_compact(&sink.tree);
	if (in != stdin)
		fclose(in);
	if (err) {
		report("reading '%s' failed after line %llu: %s; rendering what was read", o->input,
		       (unsigned long long)how.lines, strerror(-err));
		status = 1;
	} else if (how.bad_lines) {
		report("%s: %llu of %llu lines are not collapsed stacks ('frame;frame COUNT'), "
		       "the first at line %llu; rendered the rest", o->input,
		       (unsigned long long)how.bad_lines, (unsigned long long)how.lines,
		       (unsigned long long)how.first_bad_line);
		status = 1;
	}
write:
	err = outfile_write(output, &as, write_tree, &rendering);
	if (err) {
		report("cannot write '%s': %s", output, strerror(-err));
		status = 1;
	}
	sink_release(&sink);
	strtab_release(&strings);
	raw_info_release(&info);
	return status;
}
