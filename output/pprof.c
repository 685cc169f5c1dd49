/*
 * pprof.c - profile.proto written from a stack tree (see pprof.h).
 *
 * Field numbers are those of github.com/google/pprof's proto/profile.proto.
 * Ids of locations and functions start at 1 (0 means none); string 0 is "".
 */
#include "pprof.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../base/index.h"
#include "../base/xalloc.h"
#include "protobuf.h"

enum profile_field {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
};

enum { VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2 };
enum { SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3 };
enum { LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3 };
enum { LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_LINE = 4 };
enum { LINE_FUNCTION_ID = 1, LINE_LINE = 2 };
/* No system_name: go tool pprof takes a function whose name equals it for
 * an undemangled C++ symbol and strips "<...>", "<module>" included. */
enum { FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_FILENAME = 4 };
enum {
	MAPPING_ID = 1, MAPPING_FILENAME = 5, MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8, MAPPING_HAS_LINE_NUMBERS = 9,
};

/* The profile's string table: strtab ids and literals, each once. */
struct pprof_strings {
	const struct strtab *strtab;
	struct index by_strtab_id;   /* strtab id -> index in the table */
	const char **texts;
	size_t *lengths;
	size_t count, cap_texts, cap_lengths;
};

static int64_t add_string(struct pprof_strings *table, const char *text, size_t len)
{
	XGROW(table->texts, table->cap_texts, table->count + 1);
	XGROW(table->lengths, table->cap_lengths, table->count + 1);
	table->texts[table->count] = text;
	table->lengths[table->count] = len;
	return (int64_t)table->count++;
}

static int64_t literal(struct pprof_strings *table, const char *text)
{
	return add_string(table, text, strlen(text));
}

static int64_t string_of(struct pprof_strings *table, uint32_t id)
{
	bool added;
	uint32_t *slot;

	if (!id)
		return 0;
	slot = index_put(&table->by_strtab_id, id, &added);
	if (added)
		*slot = (uint32_t)add_string(table, strtab_str(table->strtab, id),
					     strtab_len(table->strtab, id));
	return *slot;
}

struct pprof_writer {
	struct stacktree *tree;
	struct pprof_strings strings;
	struct pbuf profile, message, inner;
	struct index function_of;    /* name << 32 | file -> function id */
	uint32_t n_functions;
	uint64_t *locations;         /* one sample's, leaf first */
	size_t cap_locations;
	int64_t key_thread, key_thread_id, key_pid, key_process;
};

static void value_type(struct pprof_writer *w, uint32_t field, const char *type,
		       const char *unit)
{
	pbuf_clear(&w->inner);
	pbuf_field_varint(&w->inner, VALUE_TYPE_TYPE, (uint64_t)literal(&w->strings, type));
	pbuf_field_varint(&w->inner, VALUE_TYPE_UNIT, (uint64_t)literal(&w->strings, unit));
	pbuf_field_bytes(&w->profile, field, w->inner.data, w->inner.len);
}

static bool is_root_frame(const struct frame_key *key)
{
	return key->kind == FRAME_THREAD || key->kind == FRAME_PROCESS;
}

static uint32_t function_id(struct pprof_writer *w, const struct frame_key *key)
{
	bool added;
	uint32_t *slot = index_put(&w->function_of, (uint64_t)key->name << 32 | key->file, &added);

	if (!added)
		return *slot;
	*slot = ++w->n_functions;
	pbuf_clear(&w->message);
	pbuf_field_varint(&w->message, FUNCTION_ID, *slot);
	pbuf_field_varint(&w->message, FUNCTION_NAME, (uint64_t)string_of(&w->strings, key->name));
	pbuf_field_varint(&w->message, FUNCTION_FILENAME,
			  (uint64_t)string_of(&w->strings, key->file));
	pbuf_field_bytes(&w->profile, PROFILE_FUNCTION, w->message.data, w->message.len);
	return *slot;
}

/* Every frame but thread and process roots is a location, id frame + 1. */
static void write_locations(struct pprof_writer *w)
{
	const struct frametab *frames = &w->tree->frames;

	for (size_t id = 0; id < frames->count; id++) {
		const struct frame_key *key = frametab_key(frames, (uint32_t)id);
		uint32_t function;

		if (is_root_frame(key))
			continue;
		function = function_id(w, key);
		pbuf_clear(&w->inner);
		pbuf_field_varint(&w->inner, LINE_FUNCTION_ID, function);
		if (key->line != FRAME_NO_LINE && key->line > 0)
			pbuf_field_varint(&w->inner, LINE_LINE, (uint64_t)key->line);
		pbuf_clear(&w->message);
		pbuf_field_varint(&w->message, LOCATION_ID, id + 1);
		pbuf_field_varint(&w->message, LOCATION_MAPPING_ID, 1);
		pbuf_field_bytes(&w->message, LOCATION_LINE, w->inner.data, w->inner.len);
		pbuf_field_bytes(&w->profile, PROFILE_LOCATION, w->message.data, w->message.len);
	}
}

static void label(struct pprof_writer *w, int64_t key, int64_t str, int64_t num, bool is_num)
{
	pbuf_clear(&w->inner);
	pbuf_field_varint(&w->inner, LABEL_KEY, (uint64_t)key);
	if (is_num)
		pbuf_field_varint(&w->inner, LABEL_NUM, (uint64_t)num);
	else
		pbuf_field_varint(&w->inner, LABEL_STR, (uint64_t)str);
	pbuf_field_bytes(&w->message, SAMPLE_LABEL, w->inner.data, w->inner.len);
}

static void root_labels(struct pprof_writer *w, const struct frame_key *key)
{
	bool thread = key->kind == FRAME_THREAD;

	label(w, thread ? w->key_thread_id : w->key_pid, 0, key->line, true);
	if (key->name)
		label(w, thread ? w->key_thread : w->key_process,
		      string_of(&w->strings, key->name), 0, false);
}

static void write_sample(struct pprof_writer *w, uint32_t node, const uint64_t *values,
			 size_t n_values)
{
	const struct stack_node *nodes = w->tree->nodes;
	size_t depth = 0;

	pbuf_clear(&w->message);
	for (uint32_t at = node; at != 0; at = nodes[at].parent) {
		const struct frame_key *key = frametab_key(&w->tree->frames, nodes[at].frame);

		if (is_root_frame(key)) {
			root_labels(w, key);
			continue;
		}
		XGROW(w->locations, w->cap_locations, depth + 1);
		w->locations[depth++] = (uint64_t)nodes[at].frame + 1;
	}
	pbuf_field_packed(&w->message, SAMPLE_LOCATION_ID, w->locations, depth);
	pbuf_field_packed(&w->message, SAMPLE_VALUE, values, n_values);
	pbuf_field_bytes(&w->profile, PROFILE_SAMPLE, w->message.data, w->message.len);
}

static void write_samples(struct pprof_writer *w, uint64_t period_ns)
{
	for (size_t i = 1; i < w->tree->n_nodes; i++) {
		uint64_t count = w->tree->nodes[i].self;
		uint64_t values[2] = { count, count * period_ns };

		if (count)
			write_sample(w, (uint32_t)i, values, period_ns ? 2 : 1);
	}
}

/* One mapping for every location, already symbolized: without it, pprof
 * says "Main binary filename not available" and would try to symbolize. */
static void write_mapping(struct pprof_writer *w, const char *name)
{
	pbuf_clear(&w->message);
	pbuf_field_varint(&w->message, MAPPING_ID, 1);
	pbuf_field_varint(&w->message, MAPPING_FILENAME,
			  (uint64_t)literal(&w->strings, name && name[0] ? name : "python"));
	pbuf_field_varint(&w->message, MAPPING_HAS_FUNCTIONS, 1);
	pbuf_field_varint(&w->message, MAPPING_HAS_FILENAMES, 1);
	pbuf_field_varint(&w->message, MAPPING_HAS_LINE_NUMBERS, 1);
	pbuf_field_bytes(&w->profile, PROFILE_MAPPING, w->message.data, w->message.len);
}

static void write_header(struct pprof_writer *w, const struct pprof_meta *meta,
			 uint64_t period_ns)
{
	const char *clock = meta->wall ? "wall" : "cpu";

	write_mapping(w, meta->program);

	value_type(w, PROFILE_SAMPLE_TYPE, "samples", "count");
	if (period_ns) {
		value_type(w, PROFILE_SAMPLE_TYPE, clock, "nanoseconds");
		value_type(w, PROFILE_PERIOD_TYPE, clock, "nanoseconds");
		pbuf_field_varint(&w->profile, PROFILE_PERIOD, period_ns);
	}
	if (meta->started_unix_ns)
		pbuf_field_varint(&w->profile, PROFILE_TIME_NANOS, meta->started_unix_ns);
	if (meta->duration_ns)
		pbuf_field_varint(&w->profile, PROFILE_DURATION_NANOS, meta->duration_ns);
	for (size_t i = 0; i < sizeof(meta->comments) / sizeof(meta->comments[0]); i++)
		if (meta->comments[i] && meta->comments[i][0])
			pbuf_field_varint(&w->profile, PROFILE_COMMENT,
					  (uint64_t)literal(&w->strings, meta->comments[i]));
}

static void write_string_table(struct pprof_writer *w)
{
	for (size_t i = 0; i < w->strings.count; i++)
		pbuf_field_bytes(&w->profile, PROFILE_STRING_TABLE, w->strings.texts[i],
				 w->strings.lengths[i]);
}

/* data[0..len) gzip-compressed to out. */
static int write_gzip(const uint8_t *data, size_t len, FILE *out)
{
	uint8_t chunk[65536];
	z_stream z;
	int status;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a window of 2^15 bytes, with a gzip header and trailer. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		status = deflate(&z, Z_FINISH);
		if (status == Z_STREAM_ERROR)
			break;
		fwrite(chunk, 1, sizeof(chunk) - z.avail_out, out);
	} while (status != Z_STREAM_END);
	deflateEnd(&z);
	if (status != Z_STREAM_END)
		return -EIO;
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

int pprof_write(struct stacktree *tree, const struct pprof_meta *meta, FILE *out)
{
	struct pprof_writer w = { .tree = tree };
	uint64_t period_ns = meta->rate_hz > 0 ? (uint64_t)(1e9 / meta->rate_hz + 0.5) : 0;
	int err;

	w.strings.strtab = tree->strings;
	index_init(&w.strings.by_strtab_id);
	index_init(&w.function_of);
	literal(&w.strings, "");
	w.key_thread = literal(&w.strings, "thread");
	w.key_thread_id = literal(&w.strings, "thread id");
	w.key_pid = literal(&w.strings, "pid");
	w.key_process = literal(&w.strings, "process");

	write_header(&w, meta, period_ns);
	write_locations(&w);
	write_samples(&w, period_ns);
	write_string_table(&w);
	err = write_gzip(w.profile.data, w.profile.len, out);

	pbuf_release(&w.profile);
	pbuf_release(&w.message);
	pbuf_release(&w.inner);
	index_release(&w.strings.by_strtab_id);
	index_release(&w.function_of);
	free(w.strings.texts);
	free(w.strings.lengths);
	free(w.locations);
	return err;
}
