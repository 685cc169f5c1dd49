/*
 * rawwriter.c - writing the recorded-profile format (see rawwriter.h and
 * rawformat.h).
 */
#include "rawwriter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/index.h"
#include "../base/xalloc.h"
#include "rawformat.h"

/* --- encoding --- */

static void put_byte(uint8_t **buf, size_t *len, size_t *cap, uint8_t byte)
{
	XGROW(*buf, *cap, *len + 1);
	(*buf)[(*len)++] = byte;
}

static void put_varint(struct raw_writer *w, uint64_t value)
{
	while (value >= 0x80) {
		put_byte(&w->record, &w->n_record, &w->cap_record, (uint8_t)(value | 0x80));
		value >>= 7;
	}
	put_byte(&w->record, &w->n_record, &w->cap_record, (uint8_t)value);
}

/* Signed values zigzag: small magnitudes stay short. */
static void put_svarint(struct raw_writer *w, int64_t value)
{
	put_varint(w, ((uint64_t)value << 1) ^ (uint64_t)(value >> 63));
}

static void put_bytes(struct raw_writer *w, const void *data, size_t len)
{
	put_varint(w, len);
	XGROW(w->record, w->cap_record, w->n_record + len);
	memcpy(w->record + w->n_record, data, len);
	w->n_record += len;
}

static void put_string(struct raw_writer *w, const char *text)
{
	put_bytes(w, text ? text : "", text ? strlen(text) : 0);
}

static int deflate_pending(struct raw_writer *w, int flush)
{
	uint8_t out[CHUNK];

	w->zs.next_in = w->pending;
	w->zs.avail_in = (uInt)w->n_pending;
	do {
		w->zs.next_out = out;
		w->zs.avail_out = sizeof(out);
		if (deflate(&w->zs, flush) == Z_STREAM_ERROR)
			return -EIO;
		size_t have = sizeof(out) - w->zs.avail_out;
		if (have && fwrite(out, 1, have, w->out) != have)
			return errno ? -errno : -EIO;
	} while (w->zs.avail_out == 0);
	w->n_pending = 0;
	return 0;
}

/* Close the record being built as one of type. */
static void end_record(struct raw_writer *w, enum record_type type)
{
	size_t len = w->n_record, start = w->n_pending;
	uint64_t value = len;

	put_byte(&w->pending, &w->n_pending, &w->cap_pending, (uint8_t)type);
	while (value >= 0x80) {
		put_byte(&w->pending, &w->n_pending, &w->cap_pending, (uint8_t)(value | 0x80));
		value >>= 7;
	}
	put_byte(&w->pending, &w->n_pending, &w->cap_pending, (uint8_t)value);
	XGROW(w->pending, w->cap_pending, w->n_pending + len);
	memcpy(w->pending + w->n_pending, w->record, len);
	w->n_pending += len;
	w->n_record = 0;
	if (type != REC_CHECK) {
		w->crc = (uint32_t)crc32(w->crc, w->pending + start, (uInt)(w->n_pending - start));
		w->unchecked_bytes += w->n_pending - start;
	}
	if (w->n_pending >= CHUNK && !w->err)
		w->err = deflate_pending(w, Z_NO_FLUSH);
}

/* --- writing --- */

static void put_meta(struct raw_writer *w, const char *key, const char *value)
{
	put_string(w, key);
	put_string(w, value);
}

int rawfile_create(struct raw_writer *w, FILE *out, const struct strtab *strings,
		   const struct raw_meta *meta)
{
	uint8_t header[HEADER_LEN] = RAWFILE_MAGIC;
	char number[64];

	memset(w, 0, sizeof(*w));
	w->out = out;
	w->strings = strings;
	w->strings_written = 1;
	w->crc = (uint32_t)crc32(0, NULL, 0);
	index_init(&w->frame_ids);
	index_init(&w->stack_ids);
	if (deflateInit(&w->zs, 6) != Z_OK)
		return -ENOMEM;
	header[8] = RAWFILE_VERSION;
	if (fwrite(header, 1, sizeof(header), out) != sizeof(header))
		return errno ? -errno : -EIO;
	put_meta(w, "command", meta->command);
	put_meta(w, "python", meta->python);
	put_meta(w, "peekpy", meta->peekpy);
	snprintf(number, sizeof(number), "%u", meta->pid);
	put_meta(w, "pid", number);
	snprintf(number, sizeof(number), "%.17g", meta->rate_hz);
	put_meta(w, "rate_hz", number);
	snprintf(number, sizeof(number), "%llu", (unsigned long long)meta->started_unix_ns);
	put_meta(w, "started_unix_ns", number);
	put_meta(w, "subprocesses", meta->subprocesses ? "1" : "0");
	end_record(w, REC_META);
	return w->err;
}

static void write_new_strings(struct raw_writer *w)
{
	size_t count = strtab_count(w->strings);

	for (; w->strings_written < count; w->strings_written++) {
		uint32_t id = (uint32_t)w->strings_written;

		size_t len = strtab_len(w->strings, id);

		/* The payload is the string: its length is the record's. */
		XGROW(w->record, w->cap_record, w->n_record + len);
		memcpy(w->record + w->n_record, strtab_str(w->strings, id), len);
		w->n_record += len;
		end_record(w, REC_STRING);
	}
}

static uint64_t frame_hash(const struct sample_frame *frame)
{
	return index_hash(frame, sizeof(*frame));
}

struct frame_lookup {
	const struct raw_writer *w;
	const struct sample_frame *frame;
};

static bool same_frame(const void *ctx, uint32_t id)
{
	const struct frame_lookup *lookup = ctx;

	return memcmp(&lookup->w->frames[id - 1], lookup->frame, sizeof(*lookup->frame)) == 0;
}

/* The file's id for a frame, its record written when new. */
static uint32_t frame_id(struct raw_writer *w, const struct sample_frame *sampled)
{
	/* Only what an output shows is kept: not how the merge paired frames. */
	struct sample_frame kept = *sampled, *frame = &kept;
	struct frame_lookup lookup = { w, frame };

	kept.flags &= SAMPLE_FRAME_NATIVE | SAMPLE_FRAME_MARK;
	bool added;
	uint32_t *id = index_put_hashed(&w->frame_ids, frame_hash(frame), same_frame, &lookup,
					&added);

	if (!added)
		return *id;
	XGROW(w->frames, w->cap_frames, w->n_frames + 1);
	w->frames[w->n_frames] = *frame;
	*id = (uint32_t)++w->n_frames;
	put_varint(w, frame->name);
	put_varint(w, frame->file);
	put_varint(w, frame->short_file);
	put_svarint(w, frame->line);
	put_svarint(w, frame->first_line);
	if (frame->flags)
		put_varint(w, frame->flags);
	end_record(w, REC_FRAME);
	return (uint32_t)w->n_frames;
}

/* The stack node for frame called from parent (0: a root frame). */
static uint32_t stack_id(struct raw_writer *w, uint32_t parent, uint32_t frame)
{
	bool added;
	uint32_t *id = index_put(&w->stack_ids, (uint64_t)parent << 32 | frame, &added);

	if (!added)
		return *id;
	*id = (uint32_t)++w->n_stacks;
	put_varint(w, parent);
	put_varint(w, frame);
	end_record(w, REC_STACK);
	return (uint32_t)w->n_stacks;
}

/* Close what was written since the last check with a new one. */
static void put_check(struct raw_writer *w)
{
	uint8_t crc[4] = { (uint8_t)w->crc, (uint8_t)(w->crc >> 8), (uint8_t)(w->crc >> 16),
			   (uint8_t)(w->crc >> 24) };

	if (!w->unchecked_bytes)
		return;
	XGROW(w->record, w->cap_record, w->n_record + sizeof(crc));
	memcpy(w->record + w->n_record, crc, sizeof(crc));
	w->n_record += sizeof(crc);
	end_record(w, REC_CHECK);
	w->crc = (uint32_t)crc32(0, NULL, 0);
	w->unchecked_bytes = 0;
}

int rawfile_add_sample(struct raw_writer *w, const struct sample *sample)
{
	size_t t;

	if (w->err)
		return w->err;
	if (!w->samples)
		w->first_ns = w->last_ns = sample->time_ns;
	write_new_strings(w);
	/* Frames and stack nodes first: their records precede the sample's. */
	XGROW(w->thread_stacks, w->cap_thread_stacks, sample->n_threads + 1);
	for (t = 0; t < sample->n_threads; t++) {
		const struct sample_thread *thread = &sample->threads[t];
		const struct sample_frame *frames = sample_thread_frames(sample, thread);
		uint32_t node = 0;

		for (size_t i = thread->n_frames; i-- > 0;)
			node = stack_id(w, node, frame_id(w, &frames[i]));
		w->thread_stacks[t] = node;
	}
	/* A new run of a repeated command: said once, before its samples. */
	if (sample->run != w->run) {
		put_varint(w, sample->run);
		end_record(w, REC_RUN);
		w->run = sample->run;
	}
	put_varint(w, sample->time_ns >= w->last_ns ? sample->time_ns - w->last_ns : 0);
	put_varint(w, sample->pid);
	put_varint(w, sample->process_name);
	put_varint(w, sample->n_threads);
	for (t = 0; t < sample->n_threads; t++) {
		put_varint(w, sample->threads[t].tid);
		put_varint(w, sample->threads[t].flags);
		put_varint(w, sample->threads[t].name);
		put_varint(w, w->thread_stacks[t]);
	}
	end_record(w, REC_SAMPLE);
	if (sample->time_ns > w->last_ns)
		w->last_ns = sample->time_ns;
	w->samples++;
	if (w->unchecked_bytes >= CHECK_SPAN)
		put_check(w);
	return w->err;
}

/* Check what was written, compress it with zlib's flush mode, and hand
 * it to the file. */
static int close_span(struct raw_writer *w, int flush)
{
	put_check(w);
	if (!w->err)
		w->err = deflate_pending(w, flush);
	if (!w->err && fflush(w->out) != 0)
		w->err = errno ? -errno : -EIO;
	return w->err;
}

int rawfile_flush(struct raw_writer *w)
{
	return close_span(w, Z_SYNC_FLUSH);
}

int rawfile_finish(struct raw_writer *w, const struct raw_end *end)
{
	if (w->err)
		return w->err;
	put_varint(w, end->samples);
	put_varint(w, end->errors);
	put_varint(w, end->duration_ns);
	end_record(w, REC_END);
	return close_span(w, Z_FINISH);
}

void rawfile_release(struct raw_writer *w)
{
	deflateEnd(&w->zs);
	free(w->pending);
	free(w->record);
	free(w->frames);
	index_release(&w->frame_ids);
	index_release(&w->stack_ids);
	free(w->thread_stacks);
	memset(w, 0, sizeof(*w));
}
