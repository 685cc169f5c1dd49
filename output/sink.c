/*
 * sink.c - the table of formats and the sink over them (see sink.h).
 */
#include "sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "chrometrace.h"
#include "collapsed.h"
#include "flamegraph.h"
#include "gecko.h"
#include "heatmap.h"
#include "jsonl.h"
#include "pprof.h"
#include "rawwriter.h"
#include "speedscope.h"

/* What a flame graph says of the profile. */
static struct flamegraph_meta graph_meta(const struct profile_meta *meta)
{
	return (struct flamegraph_meta){
		.title = meta->title,
		.command = meta->command,
		.python = meta->python,
		.duration_s = (double)meta->duration_ns / 1e9,
		.rate_hz = meta->rate_hz,
		.samples = meta->samples,
		.errors = meta->errors,
	};
}

static int write_svg(struct stacktree *tree, const struct profile_meta *meta, FILE *out)
{
	const struct flamegraph_meta about = graph_meta(meta);

	return flamegraph_write(tree, &about, out);
}

static int write_html(struct stacktree *tree, const struct profile_meta *meta, FILE *out)
{
	const struct heatmap_meta about = {
		.graph = graph_meta(meta),
		.read_source = meta->read_source,
		.source_ctx = meta->source_ctx,
		.only_file = meta->heatmap_file,
	};

	return heatmap_write(tree, &about, out);
}

static int write_collapsed(struct stacktree *tree, const struct profile_meta *meta, FILE *out)
{
	(void)meta;
	return collapsed_write(tree, out);
}

static int write_speedscope(struct stacktree *tree, const struct profile_meta *meta, FILE *out)
{
	const struct speedscope_meta about = {
		.name = meta->name,
		.rate_hz = meta->rate_hz,
		.exporter = "peekpy " PEEKPY_VERSION,
	};

	return speedscope_write(tree, &about, out);
}

static int write_pprof(struct stacktree *tree, const struct profile_meta *meta, FILE *out)
{
	const struct pprof_meta about = {
		.rate_hz = meta->rate_hz,
		.wall = tree->options.include_idle,
		.started_unix_ns = meta->started_unix_ns,
		.duration_ns = meta->duration_ns,
		.program = meta->python,
		.comments = { "peekpy " PEEKPY_VERSION, meta->command, meta->python },
	};

	return pprof_write(tree, &about, out);
}

static int start_raw(void **state, FILE *out, struct strtab *strings,
		     const struct stack_options *how, const struct profile_meta *meta)
{
	struct raw_writer *writer = xcalloc(1, sizeof(*writer));
	const struct raw_meta about = {
		.command = meta->command,
		.python = meta->python,
		.peekpy = PEEKPY_VERSION,
		.pid = meta->pid,
		.rate_hz = meta->rate_hz,
		.started_unix_ns = meta->started_unix_ns,
		.subprocesses = meta->subprocesses,
	};
	int err;

	(void)how;   /* a recording keeps everything, for render to choose */
	*state = writer;
	err = rawfile_create(writer, out, strings, &about);
	return err ? err : rawfile_flush(writer);
}

static int add_raw(void *state, const struct sample *sample)
{
	return rawfile_add_sample(state, sample);
}

static int flush_raw(void *state)
{
	return rawfile_flush(state);
}

static int end_raw(void *state, const struct profile_meta *meta)
{
	const struct raw_end end = {
		.samples = meta->samples,
		.errors = meta->errors,
		.duration_ns = meta->duration_ns,
	};

	return rawfile_finish(state, &end);
}

static void release_raw(void *state)
{
	rawfile_release(state);
	free(state);
}

static int start_chrometrace(void **state, FILE *out, struct strtab *strings,
			     const struct stack_options *how, const struct profile_meta *meta)
{
	struct chrometrace *trace = xcalloc(1, sizeof(*trace));

	(void)meta;
	chrometrace_init(trace, out, strings, how);
	*state = trace;
	return 0;
}

static int add_chrometrace(void *state, const struct sample *sample)
{
	return chrometrace_add_sample(state, sample);
}

/* Push a streamed text format's buffer to its file. */
static int flush_out(FILE *out)
{
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

static int flush_chrometrace(void *state)
{
	const struct chrometrace *trace = state;

	return flush_out(trace->out);
}

static int end_chrometrace(void *state, const struct profile_meta *meta)
{
	(void)meta;
	return chrometrace_finish(state);
}

static void release_chrometrace(void *state)
{
	chrometrace_release(state);
	free(state);
}

static int start_jsonl(void **state, FILE *out, struct strtab *strings,
		       const struct stack_options *how, const struct profile_meta *meta)
{
	struct jsonl *lines = xcalloc(1, sizeof(*lines));

	(void)meta;
	jsonl_init(lines, out, strings, how);
	*state = lines;
	return 0;
}

static int add_jsonl(void *state, const struct sample *sample)
{
	return jsonl_add_sample(state, sample);
}

static int flush_jsonl(void *state)
{
	const struct jsonl *lines = state;

	return flush_out(lines->out);
}

static int end_jsonl(void *state, const struct profile_meta *meta)
{
	(void)meta;
	return flush_jsonl(state);
}

static void release_jsonl(void *state)
{
	free(state);
}

struct gecko_state {
	struct gecko profile;
	char product[256];
	double interval_ms;
	uint64_t started_unix_ns;
};

/* What a profile's start says of it, kept for the end (which, from a
 * recording being rendered, knows less). */
static void gecko_note_meta(struct gecko_state *state, const struct profile_meta *meta)
{
	if (meta->command && meta->command[0])
		snprintf(state->product, sizeof(state->product), "peekpy: %s", meta->command);
	else if (meta->name && meta->name[0] && !state->product[0])
		snprintf(state->product, sizeof(state->product), "peekpy: %s", meta->name);
	if (meta->rate_hz > 0)
		state->interval_ms = 1e3 / meta->rate_hz;
	if (meta->started_unix_ns)
		state->started_unix_ns = meta->started_unix_ns;
}

static int start_gecko(void **state, FILE *out, struct strtab *strings,
		       const struct stack_options *how, const struct profile_meta *meta)
{
	struct gecko_state *gecko = xcalloc(1, sizeof(*gecko));

	gecko_init(&gecko->profile, out, strings, how);
	gecko_note_meta(gecko, meta);
	*state = gecko;
	return 0;
}

static int add_gecko(void *state, const struct sample *sample)
{
	struct gecko_state *gecko = state;

	gecko_add_sample(&gecko->profile, sample);
	return 0;
}

/* One JSON object, written whole at the end: nothing to push before. */
static int flush_gecko(void *state)
{
	(void)state;
	return 0;
}

static int end_gecko(void *state, const struct profile_meta *meta)
{
	struct gecko_state *gecko = state;
	struct gecko_meta about;

	gecko_note_meta(gecko, meta);
	about = (struct gecko_meta){
		.product = gecko->product,
		.interval_ms = gecko->interval_ms,
		.started_unix_ns = gecko->started_unix_ns,
	};
	return gecko_finish(&gecko->profile, &about);
}

static void release_gecko(void *state)
{
	struct gecko_state *gecko = state;

	gecko_release(&gecko->profile);
	free(gecko);
}

/* The first row is the default. */
static const struct format formats[] = {
	{ .name = "svg", .extension = "svg", .write = write_svg },
	{ .name = "collapsed", .extension = "txt", .write = write_collapsed },
	{ .name = "html", .extension = "html", .write = write_html },
	{ .name = "raw", .extension = "peek", .streamed = true, .recording = true, .compressed = true,
	  .start = start_raw, .add = add_raw, .flush = flush_raw, .end = end_raw,
	  .release = release_raw },
	{ .name = "speedscope", .extension = "speedscope.json", .write = write_speedscope },
	{ .name = "chrometrace", .extension = "trace.json", .streamed = true, .timeline = true,
	  .start = start_chrometrace, .add = add_chrometrace, .flush = flush_chrometrace,
	  .end = end_chrometrace, .release = release_chrometrace },
	{ .name = "pprof", .extension = "pb.gz", .write = write_pprof, .compressed = true,
	  .thread_roots = true },
	{ .name = "gecko", .extension = "gecko.json", .streamed = true, .timeline = true,
	  .start = start_gecko, .add = add_gecko, .flush = flush_gecko, .end = end_gecko,
	  .release = release_gecko },
	{ .name = "jsonl", .extension = "jsonl", .streamed = true, .timeline = true,
	  .start = start_jsonl, .add = add_jsonl, .flush = flush_jsonl, .end = end_jsonl,
	  .release = release_jsonl },
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

const struct format *format_find(const char *name)
{
	for (size_t i = 0; i < N_FORMATS; i++)
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	return NULL;
}

const struct format *format_default(void)
{
	return &formats[0];
}

const struct format *format_table(size_t *n)
{
	*n = N_FORMATS;
	return formats;
}

void format_names(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_FORMATS && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", formats[i].name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

void sink_init(struct sink *sink, const struct format *format, struct strtab *strings,
	       const struct stack_options *how)
{
	memset(sink, 0, sizeof(*sink));
	sink->format = format;
	sink->how = how;
	stacktree_init(&sink->tree, strings, how);
}

int sink_start(struct sink *sink, FILE *out, const struct profile_meta *meta)
{
	if (!sink->format->streamed)
		return 0;
	sink->out = out;
	return sink->format->start(&sink->state, out, sink->tree.strings, sink->how, meta);
}

int sink_add(struct sink *sink, const struct sample *sample)
{
	if (sink->format->streamed) {
		/* Counted as a flame graph of the file would show them. */
		for (size_t t = 0; t < sample->n_threads; t++)
			sink->stacks += stacktree_keeps(sink->how, &sample->threads[t]);
		return sink->format->add(sink->state, sample);
	}
	sink->stacks += stacktree_add_sample(&sink->tree, sample);
	return 0;
}

int sink_flush(struct sink *sink)
{
	return sink->format->streamed ? sink->format->flush(sink->state) : 0;
}

int sink_finish(struct sink *sink, const struct profile_meta *meta, FILE *out)
{
	if (sink->format->streamed)
		return sink->format->end(sink->state, meta);
	stacktree_compute_totals(&sink->tree);
	return sink->format->write(&sink->tree, meta, out);
}

void sink_release(struct sink *sink)
{
	if (sink->state)
		sink->format->release(sink->state);
	stacktree_release(&sink->tree);
	memset(sink, 0, sizeof(*sink));
}
