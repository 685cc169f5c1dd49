/*
 * rawreader.c - reading the recorded-profile format back (see rawreader.h
 * and rawformat.h).
 */
#include "rawreader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "rawformat.h"

/* --- reading --- */

struct reader {
	FILE *in;
	z_stream zs;
	uint8_t in_buf[CHUNK];
	uint8_t *data;             /* inflated, not yet used */
	size_t start, len, cap;    /* next record at start */
	size_t unchecked;          /* records from here on await their check */
	bool too_long;             /* more than UNCHECKED_MAX bytes unchecked */
	bool stream_end, in_eof;
	bool bad_record;           /* a record's length cannot be right */
	int zerr;
	uint64_t consumed;         /* compressed bytes given to zlib */
	struct strtab *strings;
	uint32_t *string_ids;      /* file string id -> strtab id */
	size_t n_strings, cap_strings;
	struct sample_frame *frames;   /* file frame id - 1 -> frame */
	size_t n_frames, cap_frames;
	struct { uint32_t parent, frame; } *stacks;   /* node id - 1 */
	size_t n_stacks, cap_stacks;
	struct sample sample;
	uint64_t time_ns;
	struct raw_info *info;
	struct index tid_index;    /* thread id -> its place in info->tids */
};

/* Inflate more of the file; false at the end of the stream or on error. */
static bool inflate_more(struct reader *r)
{
	if (r->stream_end || r->zerr)
		return false;
	if (r->unchecked > 0) {
		memmove(r->data, r->data + r->unchecked, r->len - r->unchecked);
		r->len -= r->unchecked;
		r->start -= r->unchecked;
		r->unchecked = 0;
	}
	if (r->zs.avail_in == 0 && !r->in_eof) {
		size_t got = fread(r->in_buf, 1, sizeof(r->in_buf), r->in);

		if (got == 0)
			r->in_eof = true;
		r->zs.next_in = r->in_buf;
		r->zs.avail_in = (uInt)got;
		r->consumed += got;
	}
	if (r->zs.avail_in == 0 && r->in_eof)
		return false;
	if (r->len - r->unchecked > UNCHECKED_MAX) {
		r->too_long = true;
		return false;
	}
	XGROW(r->data, r->cap, r->len + CHUNK);
	if (r->cap > r->info->most_held)
		r->info->most_held = r->cap;
	r->zs.next_out = r->data + r->len;
	r->zs.avail_out = CHUNK;
	int ret = inflate(&r->zs, Z_NO_FLUSH);
	r->len += CHUNK - r->zs.avail_out;
	if (ret == Z_STREAM_END)
		r->stream_end = true;
	else if (ret != Z_OK && ret != Z_BUF_ERROR)
		r->zerr = ret;
	return true;
}

static bool get_varint(const uint8_t **at, const uint8_t *end, uint64_t *value)
{
	unsigned shift = 0;

	*value = 0;
	while (*at < end && shift < 64) {
		uint8_t byte = *(*at)++;

		*value |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return true;
		shift += 7;
	}
	return false;
}

static bool get_svarint(const uint8_t **at, const uint8_t *end, int64_t *value)
{
	uint64_t raw;

	if (!get_varint(at, end, &raw))
		return false;
	*value = (int64_t)(raw >> 1) ^ -(int64_t)(raw & 1);
	return true;
}

static bool get_bytes(const uint8_t **at, const uint8_t *end, const uint8_t **bytes, size_t *len)
{
	uint64_t n;

	if (!get_varint(at, end, &n) || n > (uint64_t)(end - *at))
		return false;
	*bytes = *at;
	*len = (size_t)n;
	*at += n;
	return true;
}

/* The next whole record; false at the end (or a record cut short). */
static bool next_record(struct reader *r, uint8_t *type, const uint8_t **payload, size_t *len)
{
	for (;;) {
		uint64_t n;

		/* (Nothing inflated yet: no pointer into the buffer to make.) */
		if (r->start < r->len) {
			const uint8_t *at = r->data + r->start, *end = r->data + r->len;
			const uint8_t *p = at + 1;
			bool have_len = get_varint(&p, end, &n);

			if (have_len && n > RECORD_MAX) {
				r->bad_record = true;
				return false;
			}
			if (have_len && n <= (uint64_t)(end - p)) {
				*type = at[0];
				*payload = p;
				*len = (size_t)n;
				r->start = (size_t)(p + n - r->data);
				return true;
			}
		}
		if (!inflate_more(r))
			return false;
	}
}

static void copy_text(char *out, size_t size, const uint8_t *bytes, size_t len)
{
	size_t n = len < size - 1 ? len : size - 1;

	memcpy(out, bytes, n);
	out[n] = '\0';
}

static bool read_meta(struct reader *r, const uint8_t *at, const uint8_t *end)
{
	struct raw_info *info = r->info;

	while (at < end) {
		const uint8_t *key, *value;
		size_t key_len, value_len;
		char text[64];

		if (!get_bytes(&at, end, &key, &key_len) || !get_bytes(&at, end, &value, &value_len))
			return false;
		copy_text(text, sizeof(text), value, value_len);
#define KEY(name) (key_len == strlen(name) && memcmp(key, name, key_len) == 0)
		if (KEY("command"))
			copy_text(info->command, sizeof(info->command), value, value_len);
		else if (KEY("python"))
			copy_text(info->python, sizeof(info->python), value, value_len);
		else if (KEY("peekpy"))
			copy_text(info->peekpy, sizeof(info->peekpy), value, value_len);
		else if (KEY("pid"))
			info->pid = (uint32_t)strtoul(text, NULL, 10);
		else if (KEY("rate_hz"))
			info->rate_hz = strtod(text, NULL);
		else if (KEY("started_unix_ns"))
			info->started_unix_ns = strtoull(text, NULL, 10);
		else if (KEY("subprocesses"))
			info->subprocesses = strcmp(text, "1") == 0;
#undef KEY
	}
	return true;
}

static uint32_t local_string(const struct reader *r, uint64_t id)
{
	return id && id <= r->n_strings ? r->string_ids[id - 1] : 0;
}

static bool read_frame(struct reader *r, const uint8_t *at, const uint8_t *end)
{
	uint64_t name, file, short_file;
	int64_t line, first;
	uint64_t flags = 0;

	if (!get_varint(&at, end, &name) || !get_varint(&at, end, &file) ||
	    !get_varint(&at, end, &short_file) || !get_svarint(&at, end, &line) ||
	    !get_svarint(&at, end, &first))
		return false;
	/* Native and mark frames carry their flags (format 1.1); a frame
	 * without is a Python frame. */
	if (at < end && !get_varint(&at, end, &flags))
		return false;
	XGROW(r->frames, r->cap_frames, r->n_frames + 1);
	r->frames[r->n_frames++] = (struct sample_frame){
		.name = local_string(r, name), .file = local_string(r, file),
		.short_file = local_string(r, short_file),
		.line = (int32_t)line, .first_line = (int32_t)first,
		.flags = (uint32_t)flags & (SAMPLE_FRAME_NATIVE | SAMPLE_FRAME_MARK),
	};
	return true;
}

static bool read_stack(struct reader *r, const uint8_t *at, const uint8_t *end)
{
	uint64_t parent, frame;

	if (!get_varint(&at, end, &parent) || !get_varint(&at, end, &frame) ||
	    parent > r->n_stacks || frame == 0 || frame > r->n_frames)
		return false;
	XGROW(r->stacks, r->cap_stacks, r->n_stacks + 1);
	r->stacks[r->n_stacks].parent = (uint32_t)parent;
	r->stacks[r->n_stacks].frame = (uint32_t)frame;
	r->n_stacks++;
	return true;
}

static void count_thread(struct reader *r, uint32_t tid)
{
	struct raw_info *info = r->info;
	bool added;
	uint32_t *at = index_put(&r->tid_index, tid, &added);

	if (added) {
		size_t cap = info->cap_tids;

		XGROW(info->tids, info->cap_tids, info->n_tids + 1);
		/* Grown with tids, not at every new thread: a realloc that
		 * moves (the sanitizers' always does) would be quadratic. */
		if (info->cap_tids != cap || !info->tid_samples)
			info->tid_samples = xreallocarray(info->tid_samples, info->cap_tids,
							  sizeof(*info->tid_samples));
		info->tid_samples[info->n_tids] = 0;
		info->tids[info->n_tids] = tid;
		*at = (uint32_t)info->n_tids++;
	}
	info->tid_samples[*at]++;
}

static bool read_sample(struct reader *r, const uint8_t *at, const uint8_t *end)
{
	uint64_t delta, pid, process_name, n_threads, t;

	if (!get_varint(&at, end, &delta) || !get_varint(&at, end, &pid) ||
	    !get_varint(&at, end, &process_name) || !get_varint(&at, end, &n_threads))
		return false;
	r->time_ns += delta;
	sample_clear(&r->sample);
	r->sample.time_ns = r->time_ns;
	r->sample.pid = (uint32_t)pid;
	r->sample.process_name = local_string(r, process_name);
	for (t = 0; t < n_threads; t++) {
		uint64_t tid, flags, name, node;
		struct sample_thread *thread;

		if (!get_varint(&at, end, &tid) || !get_varint(&at, end, &flags) ||
		    !get_varint(&at, end, &name) || !get_varint(&at, end, &node) ||
		    node > r->n_stacks)
			return false;
		thread = sample_add_thread(&r->sample, (uint32_t)tid);
		thread->flags = (uint32_t)flags;
		thread->name = local_string(r, name);
		/* Nodes point to their callers: innermost first, as samples are. */
		for (size_t depth = 0; node && depth <= r->n_stacks; depth++) {
			sample_push_frame(&r->sample, &r->frames[r->stacks[node - 1].frame - 1]);
			node = r->stacks[node - 1].parent;
		}
		count_thread(r, (uint32_t)tid);
	}
	if (!r->info->samples)
		r->info->first_ns = r->time_ns;
	r->info->last_ns = r->time_ns;
	r->info->samples++;
	return true;
}

static bool read_end(struct reader *r, const uint8_t *at, const uint8_t *end)
{
	struct raw_end *e = &r->info->end;

	if (!get_varint(&at, end, &e->samples) || !get_varint(&at, end, &e->errors) ||
	    !get_varint(&at, end, &e->duration_ns))
		return false;
	r->info->has_end = true;
	return true;
}

/* The samples that follow are of this run (fields added later are
 * skipped). */
static bool read_run(struct reader *r, const uint8_t *at, const uint8_t *end)
{
	uint64_t run;

	if (!get_varint(&at, end, &run) || run > UINT32_MAX)
		return false;
	r->sample.run = (uint32_t)run;
	if (run > r->info->runs)
		r->info->runs = (uint32_t)run;
	return true;
}

bool rawfile_is_recording(const uint8_t *head, size_t len)
{
	return len >= 8 && memcmp(head, RAWFILE_MAGIC, 8) == 0;
}

static int stopped(struct reader *r, const char *why)
{
	snprintf(r->info->problem, sizeof(r->info->problem),
		 "%s after %llu samples (%.3f s)", why, (unsigned long long)r->info->samples,
		 (double)r->info->last_ns / 1e9);
	return PP_EFORMAT;
}

/* One record whose check passed; false when it is malformed. */
static bool use_record(struct reader *r, uint8_t type, const uint8_t *payload, size_t len,
		       raw_sample_fn fn, void *ctx, bool *stop)
{
	const uint8_t *end = payload + len;
	bool ok = true;

	switch (type) {
	case REC_META:
		ok = read_meta(r, payload, end);
		break;
	case REC_STRING:
		XGROW(r->string_ids, r->cap_strings, r->n_strings + 1);
		r->string_ids[r->n_strings++] = len ? strtab_intern(r->strings,
								   (const char *)payload, len)
						    : 0;
		break;
	case REC_FRAME:
		ok = read_frame(r, payload, end);
		break;
	case REC_STACK:
		ok = read_stack(r, payload, end);
		break;
	case REC_SAMPLE:
		ok = read_sample(r, payload, end);
		if (ok && fn && fn(ctx, &r->sample))
			*stop = true;
		break;
	case REC_END:
		ok = read_end(r, payload, end);
		break;
	case REC_RUN:
		ok = read_run(r, payload, end);
		break;
	default:
		/* A record type from a later minor version: skipped. */
		break;
	}
	return ok;
}

/* The records from r->unchecked to check_at, now that their check passed. */
static int use_checked(struct reader *r, size_t check_at, raw_sample_fn fn, void *ctx,
		       bool *stop)
{
	const uint8_t *at = r->data + r->unchecked, *end = r->data + check_at;

	while (at < end && !*stop && !r->info->has_end) {
		const uint8_t *payload = at + 1;
		uint64_t len;

		if (!get_varint(&payload, end, &len) || len > (uint64_t)(end - payload) ||
		    !use_record(r, at[0], payload, (size_t)len, fn, ctx, stop))
			return stopped(r, "a damaged record");
		at = payload + len;
	}
	return 0;
}

static int read_records(struct reader *r, raw_sample_fn fn, void *ctx)
{
	uint8_t type;
	const uint8_t *payload;
	size_t len;
	bool stop = false;

	for (;;) {
		size_t record_at = r->start;
		uint32_t want, crc;
		int err;

		if (!next_record(r, &type, &payload, &len))
			break;
		if (type != REC_CHECK)
			continue;
		crc = (uint32_t)crc32(0, r->data + r->unchecked, (uInt)(record_at - r->unchecked));
		want = len == 4 ? (uint32_t)payload[0] | (uint32_t)payload[1] << 8 |
				  (uint32_t)payload[2] << 16 | (uint32_t)payload[3] << 24
				: ~crc;
		if (crc != want)
			return stopped(r, "damaged data");
		err = use_checked(r, record_at, fn, ctx, &stop);
		if (err || stop || r->info->has_end)
			return err;
		r->unchecked = r->start;
	}
	if (ferror(r->in))
		return -EIO;
	if (r->bad_record || r->too_long)
		return stopped(r, "a damaged record");
	if (r->zerr)
		return stopped(r, "damaged compressed data");
	return stopped(r, "the file ends before its end record (cut short, or still being written)");
}

int rawfile_read(FILE *in, struct strtab *strings, raw_sample_fn fn, void *ctx,
		 struct raw_info *info)
{
	uint8_t header[HEADER_LEN];
	struct reader r;
	int err;

	memset(info, 0, sizeof(*info));
	if (fread(header, 1, sizeof(header), in) != sizeof(header) ||
	    !rawfile_is_recording(header, sizeof(header))) {
		snprintf(info->problem, sizeof(info->problem), "not a peekpy recording");
		return ferror(in) ? -EIO : PP_EFORMAT;
	}
	if (header[8] != RAWFILE_VERSION) {
		snprintf(info->problem, sizeof(info->problem),
			 "a recording in format %u; this peekpy reads format %u", header[8],
			 RAWFILE_VERSION);
		return PP_EVERSION;
	}
	memset(&r, 0, sizeof(r));
	r.in = in;
	r.strings = strings;
	r.info = info;
	sample_init(&r.sample);
	if (inflateInit(&r.zs) != Z_OK)
		return -ENOMEM;
	err = read_records(&r, fn, ctx);
	inflateEnd(&r.zs);
	sample_release(&r.sample);
	free(r.data);
	free(r.string_ids);
	free(r.frames);
	free(r.stacks);
	index_release(&r.tid_index);
	return err;
}

void raw_info_release(struct raw_info *info)
{
	free(info->tids);
	free(info->tid_samples);
	info->tids = NULL;
	info->tid_samples = NULL;
	info->n_tids = info->cap_tids = 0;
}
