/*
 * gecko.c - the Firefox Profiler's processed format (see gecko.h).
 *
 * The shape follows the profiler's own type definitions (src/types/
 * profile.ts) at processed version 70: the tables shared by every thread
 * live in "shared"; a stack is a frame and an offset back to its prefix
 * (0 for a root), stored parents first; a frame points at its function, a
 * function at its name in the string array and at its source file.
 */
#include "gecko.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "escape.h"

#define NO_PREFIX UINT32_MAX

enum gecko_category { CATEGORY_OTHER, CATEGORY_PYTHON, CATEGORY_NATIVE, CATEGORY_RUNTIME };

void gecko_init(struct gecko *profile, FILE *out, struct strtab *strings,
		const struct stack_options *options)
{
	struct stack_options naming = *options;

	memset(profile, 0, sizeof(*profile));
	profile->out = out;
	profile->strings = strings;
	/* Threads and processes are tracks here, not frames. */
	naming.thread_roots = false;
	naming.process_roots = false;
	stacktree_init(&profile->names, strings, &naming);
	index_init(&profile->stack_of);
	index_init(&profile->func_of);
	index_init(&profile->string_of);
	index_init(&profile->source_of);
	index_init(&profile->thread_of);
}

static struct gecko_thread *thread_of(struct gecko *profile, const struct sample *sample,
				      const struct sample_thread *thread)
{
	bool added;
	uint32_t *slot = index_put(&profile->thread_of, (uint64_t)sample->pid << 32 | thread->tid,
				   &added);
	struct gecko_thread *track;

	if (!added) {
		track = &profile->threads[*slot];
		if (thread->name)
			track->name = thread->name;
		return track;
	}
	*slot = (uint32_t)profile->n_threads;
	XGROW(profile->threads, profile->cap_threads, profile->n_threads + 1);
	track = &profile->threads[profile->n_threads++];
	memset(track, 0, sizeof(*track));
	track->pid = sample->pid;
	track->tid = thread->tid;
	track->name = thread->name;
	track->process = sample->process_name;
	return track;
}

/* The stack of frame ids[0..depth) (root first), added as needed. */
static uint32_t stack_of(struct gecko *profile, const uint32_t *ids, size_t depth)
{
	uint32_t prefix = NO_PREFIX;

	for (size_t i = 0; i < depth; i++) {
		bool added;
		uint32_t *slot = index_put(&profile->stack_of,
					   (uint64_t)(prefix + 1u) << 32 | ids[i], &added);

		if (added) {
			*slot = (uint32_t)profile->n_stacks;
			XGROW(profile->stack_frame, profile->cap_stack_frame, profile->n_stacks + 1);
			XGROW(profile->stack_prefix, profile->cap_stack_prefix, profile->n_stacks + 1);
			profile->stack_frame[profile->n_stacks] = ids[i];
			profile->stack_prefix[profile->n_stacks] = prefix;
			profile->n_stacks++;
		}
		prefix = *slot;
	}
	return prefix;
}

void gecko_add_sample(struct gecko *profile, const struct sample *sample)
{
	if (!profile->started) {
		profile->first_ns = sample->time_ns;
		profile->started = true;
	}
	profile->last_ns = sample->time_ns;
	for (size_t t = 0; t < sample->n_threads; t++) {
		const struct sample_thread *thread = &sample->threads[t];
		const struct sample_frame *frames = sample_thread_frames(sample, thread);
		struct gecko_thread *track;
		size_t depth = 0;

		if (!thread->n_frames || ((thread->flags & SAMPLE_THREAD_IDLE) &&
					  !profile->names.options.include_idle))
			continue;
		XGROW(profile->scratch, profile->cap_scratch, thread->n_frames);
		/* Sample frames are innermost first; stacks grow from the root. */
		for (size_t i = thread->n_frames; i-- > 0;)
			profile->scratch[depth++] = stacktree_frame_id(&profile->names, &frames[i]);
		track = thread_of(profile, sample, thread);
		XGROW(track->stacks, track->cap_stacks, track->n + 1);
		XGROW(track->times, track->cap_times, track->n + 1);
		track->stacks[track->n] = stack_of(profile, profile->scratch, depth);
		track->times[track->n] = (double)(sample->time_ns - profile->first_ns) / 1e6;
		track->n++;
	}
}

/* --- the shared tables, completed at the end --- */

static uint32_t string_index(struct gecko *profile, uint32_t id)
{
	bool added;
	uint32_t *slot = index_put(&profile->string_of, id, &added);

	if (added) {
		*slot = (uint32_t)profile->n_strings;
		XGROW(profile->string_ids, profile->cap_strings, profile->n_strings + 1);
		profile->string_ids[profile->n_strings++] = id;
	}
	return *slot;
}

/* The source of a file, or UINT32_MAX when the frame has none. */
static uint32_t source_index(struct gecko *profile, uint32_t file)
{
	bool added;
	uint32_t *slot;

	if (!file)
		return UINT32_MAX;
	slot = index_put(&profile->source_of, file, &added);
	if (added) {
		*slot = (uint32_t)profile->n_sources;
		XGROW(profile->source_files, profile->cap_sources, profile->n_sources + 1);
		profile->source_files[profile->n_sources++] = string_index(profile, file);
	}
	return *slot;
}

static uint8_t category_of(const struct frame_key *key)
{
	switch (key->kind) {
	case FRAME_PYTHON:
		return CATEGORY_PYTHON;
	case FRAME_NATIVE:
		return CATEGORY_NATIVE;
	default:
		return CATEGORY_RUNTIME;
	}
}

static void build_funcs(struct gecko *profile)
{
	const struct frametab *frames = &profile->names.frames;

	profile->n_frames = frames->count;
	XGROW(profile->frame_func, profile->cap_frame_func, frames->count + 1);
	for (size_t id = 0; id < frames->count; id++) {
		const struct frame_key *key = frametab_key(frames, (uint32_t)id);
		bool added;
		uint32_t *slot = index_put(&profile->func_of, (uint64_t)key->name << 32 | key->file,
					   &added);

		if (added) {
			*slot = (uint32_t)profile->n_funcs;
			XGROW(profile->funcs, profile->cap_funcs, profile->n_funcs + 1);
			profile->funcs[profile->n_funcs++] = (struct gecko_func){
				.name = key->name, .file = key->file, .category = category_of(key),
			};
		}
		profile->frame_func[id] = *slot;
	}
}

/* --- writing --- */

static void json_string(FILE *out, const char *text)
{
	escape_json(out, text, strlen(text));
}

/* "key":[v,v,...] of n copies of one literal. */
static void repeated(FILE *out, const char *key, const char *value, size_t n)
{
	fprintf(out, "\"%s\":[", key);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "," : "", value);
	fputs("],", out);
}

/* A column of numbers: "key":[v0,v1,...], where a negative value is null.
 * value(profile, i) gives row i's (and may add to the string and source
 * tables, which are written after the columns using them). */
typedef int64_t (*column_value)(struct gecko *profile, size_t i);

static void column(FILE *out, struct gecko *profile, const char *key, size_t n,
		   column_value value)
{
	fprintf(out, "\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		int64_t v = value(profile, i);

		if (i)
			putc(',', out);
		if (v < 0)
			fputs("null", out);
		else
			fprintf(out, "%" PRId64, v);
	}
	fputs("],", out);
}

static int64_t stack_frame(struct gecko *profile, size_t i)
{
	return profile->stack_frame[i];
}

static int64_t stack_prefix_offset(struct gecko *profile, size_t i)
{
	uint32_t prefix = profile->stack_prefix[i];

	return prefix == NO_PREFIX ? 0 : (int64_t)(i - prefix);
}

static int64_t frame_category(struct gecko *profile, size_t i)
{
	return profile->funcs[profile->frame_func[i]].category;
}

static int64_t frame_func(struct gecko *profile, size_t i)
{
	return profile->frame_func[i];
}

static int64_t frame_line(struct gecko *profile, size_t i)
{
	int32_t line = frametab_key(&profile->names.frames, (uint32_t)i)->line;

	return line != FRAME_NO_LINE && line > 0 ? line : -1;
}

static int64_t func_name(struct gecko *profile, size_t i)
{
	return string_index(profile, profile->funcs[i].name);
}

static int64_t func_source(struct gecko *profile, size_t i)
{
	uint32_t source = source_index(profile, profile->funcs[i].file);

	return source == UINT32_MAX ? -1 : (int64_t)source;
}

static int64_t source_filename(struct gecko *profile, size_t i)
{
	return profile->source_files[i];
}

static void write_meta(struct gecko *profile, const struct gecko_meta *meta)
{
	FILE *out = profile->out;
	double interval = meta->interval_ms > 0 ? meta->interval_ms : 10;
	double start = (double)meta->started_unix_ns / 1e6;

	fprintf(out, "{\"meta\":{\"interval\":%.6f,\"startTime\":%.3f,\"endTime\":%.3f,", interval,
		start, start + (double)(profile->last_ns - profile->first_ns) / 1e6 + interval);
	fputs("\"processType\":0,\"product\":", out);
	json_string(out, meta->product && meta->product[0] ? meta->product : "peekpy");
	fprintf(out, ",\"stackwalk\":0,\"version\":36,\"preprocessedProfileVersion\":%d,"
		"\"symbolicated\":true,\"markerSchema\":[],"
		"\"sampleUnits\":{\"time\":\"ms\",\"eventDelay\":\"ms\",\"threadCPUDelta\":\"µs\"},"
		"\"categories\":["
		"{\"name\":\"Other\",\"color\":\"grey\",\"subcategories\":[\"Other\"]},"
		"{\"name\":\"Python\",\"color\":\"yellow\",\"subcategories\":[\"Other\"]},"
		"{\"name\":\"Native\",\"color\":\"blue\",\"subcategories\":[\"Other\"]},"
		"{\"name\":\"Runtime\",\"color\":\"red\",\"subcategories\":[\"Other\"]}]},"
		"\"libs\":[],", GECKO_VERSION);
}

static void write_stack_table(struct gecko *profile)
{
	FILE *out = profile->out;

	fputs("\"stackTable\":{", out);
	column(out, profile, "frame", profile->n_stacks, stack_frame);
	column(out, profile, "prefixOffset", profile->n_stacks, stack_prefix_offset);
	fprintf(out, "\"length\":%zu},", profile->n_stacks);
}

static void write_frame_table(struct gecko *profile)
{
	FILE *out = profile->out;
	size_t n = profile->n_frames;

	fputs("\"frameTable\":{", out);
	repeated(out, "address", "-1", n);
	repeated(out, "lib", "-1", n);
	repeated(out, "inlineDepth", "0", n);
	column(out, profile, "category", n, frame_category);
	repeated(out, "subcategory", "0", n);
	column(out, profile, "func", n, frame_func);
	repeated(out, "nativeSymbol", "null", n);
	repeated(out, "innerWindowID", "null", n);
	column(out, profile, "line", n, frame_line);
	repeated(out, "column", "null", n);
	repeated(out, "originalLocation", "null", n);
	fprintf(out, "\"length\":%zu},", n);
}

static void write_func_table(struct gecko *profile)
{
	FILE *out = profile->out;
	size_t n = profile->n_funcs, i;

	fputs("\"funcTable\":{", out);
	column(out, profile, "name", n, func_name);
	fputs("\"isJS\":[", out);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "," : "",
			profile->funcs[i].category == CATEGORY_PYTHON ? "true" : "false");
	fputs("],", out);
	repeated(out, "relevantForJS", "false", n);
	repeated(out, "resource", "-1", n);
	column(out, profile, "source", n, func_source);
	repeated(out, "lineNumber", "null", n);
	repeated(out, "columnNumber", "null", n);
	repeated(out, "originalLocation", "null", n);
	fprintf(out, "\"length\":%zu},", n);
}

static void write_sources(struct gecko *profile)
{
	FILE *out = profile->out;
	size_t n = profile->n_sources;

	fputs("\"sources\":{", out);
	repeated(out, "id", "null", n);
	column(out, profile, "filename", n, source_filename);
	repeated(out, "startLine", "1", n);
	repeated(out, "startColumn", "1", n);
	repeated(out, "sourceMapURL", "null", n);
	repeated(out, "content", "null", n);
	fprintf(out, "\"length\":%zu},", n);
}

static void write_strings(struct gecko *profile)
{
	FILE *out = profile->out;

	fputs("\"stringArray\":[", out);
	for (size_t i = 0; i < profile->n_strings; i++) {
		uint32_t id = profile->string_ids[i];

		if (i)
			putc(',', out);
		escape_json(out, strtab_str(profile->strings, id), strtab_len(profile->strings, id));
	}
	fputs("]", out);
}

static void write_shared(struct gecko *profile)
{
	FILE *out = profile->out;

	fputs("\"shared\":{", out);
	write_stack_table(profile);
	write_frame_table(profile);
	/* Functions and sources fill the string array: written before it. */
	write_func_table(profile);
	write_sources(profile);
	fputs("\"resourceTable\":{\"length\":0,\"name\":[],\"host\":[],\"type\":[]},"
	      "\"nativeSymbols\":{\"libIndex\":[],\"address\":[],\"name\":[],\"functionSize\":[],"
	      "\"length\":0},"
	      "\"sourceLocationTable\":{\"source\":[],\"line\":[],\"column\":[],\"length\":0},", out);
	write_strings(profile);
	fputs("},", out);
}

static void write_thread(struct gecko *profile, const struct gecko_thread *track,
			 const struct gecko_meta *meta)
{
	FILE *out = profile->out;
	char fallback[32];
	size_t i;

	fputs("{\"processType\":\"default\",\"processStartupTime\":0,\"processShutdownTime\":null,"
	      "\"registerTime\":0,\"unregisterTime\":null,\"pausedRanges\":[],\"name\":", out);
	if (track->name) {
		escape_json(out, strtab_str(profile->strings, track->name),
			    strtab_len(profile->strings, track->name));
	} else {
		snprintf(fallback, sizeof(fallback), "thread %u", track->tid);
		json_string(out, fallback);
	}
	fprintf(out, ",\"isMainThread\":%s,\"processName\":",
		track->tid == track->pid ? "true" : "false");
	if (track->process)
		escape_json(out, strtab_str(profile->strings, track->process),
			    strtab_len(profile->strings, track->process));
	else
		json_string(out, meta->product && meta->product[0] ? meta->product : "python");
	fprintf(out, ",\"pid\":\"%u\",\"tid\":%u,\"samples\":{\"stack\":[", track->pid, track->tid);
	for (i = 0; i < track->n; i++)
		fprintf(out, "%s%u", i ? "," : "", track->stacks[i]);
	fputs("],\"time\":[", out);
	for (i = 0; i < track->n; i++)
		fprintf(out, "%s%.3f", i ? "," : "", track->times[i]);
	fprintf(out, "],\"weight\":null,\"weightType\":\"samples\",\"length\":%zu},", track->n);
	fputs("\"markers\":{\"data\":[],\"name\":[],\"startTime\":[],\"endTime\":[],\"phase\":[],"
	      "\"category\":[],\"length\":0}}", out);
}

int gecko_finish(struct gecko *profile, const struct gecko_meta *meta)
{
	FILE *out = profile->out;

	build_funcs(profile);
	write_meta(profile, meta);
	write_shared(profile);
	fputs("\"threads\":[", out);
	for (size_t i = 0; i < profile->n_threads; i++) {
		if (i)
			putc(',', out);
		write_thread(profile, &profile->threads[i], meta);
	}
	fputs("]}\n", out);
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

void gecko_release(struct gecko *profile)
{
	for (size_t i = 0; i < profile->n_threads; i++) {
		free(profile->threads[i].stacks);
		free(profile->threads[i].times);
	}
	free(profile->threads);
	free(profile->stack_frame);
	free(profile->stack_prefix);
	free(profile->frame_func);
	free(profile->funcs);
	free(profile->string_ids);
	free(profile->source_files);
	free(profile->scratch);
	index_release(&profile->stack_of);
	index_release(&profile->func_of);
	index_release(&profile->string_of);
	index_release(&profile->source_of);
	index_release(&profile->thread_of);
	stacktree_release(&profile->names);
	memset(profile, 0, sizeof(*profile));
}
