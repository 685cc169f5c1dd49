/*
 * stackwalk.c - following a thread's frame chain (see stackwalk.h).
 */
#include "stackwalk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"

/* More than any real data stack needs; bounds a corrupt chunk list. */
#define MAX_CHUNKS 8192
#define MAX_CHUNK_BYTES (64u << 20)
/* Room for the stack to grow before the next sample's prefetch. */
#define CHUNK_SLACK 4096

static uint64_t load_u64(const uint8_t *buf, uint32_t at)
{
	uint64_t value;

	memcpy(&value, buf + at, sizeof(value));
	return value;
}

static int32_t load_i32(const uint8_t *buf, uint32_t at)
{
	int32_t value;

	memcpy(&value, buf + at, sizeof(value));
	return value;
}

/* Reads of the chain: a failure other than "gone" means it changed. */
static int torn_unless_fatal(int err)
{
	return err == -ESRCH || err == -EPERM || err == 0 ? err : PP_ETORN;
}

void stackwalk_init(struct stackwalk *w, const struct py_layout *layout, struct snapshot *snap)
{
	memset(w, 0, sizeof(*w));
	w->layout = layout;
	w->snap = snap;
	w->frame_span = layout_frame_span(layout);
	w->stack_ref_mask = layout->stackref_tag_bits != LAYOUT_ABSENT
			    ? (uint64_t)layout->stackref_tag_bits : 0;
}

int stackwalk_origin(const struct stackwalk *w, const uint8_t *tstate,
		     struct stack_origin *origin)
{
	const struct py_layout *L = w->layout;
	const uint8_t *copy;
	int err;

	memset(origin, 0, sizeof(*origin));
	if (L->ts_base_frame != LAYOUT_ABSENT)
		origin->base_frame = load_u64(tstate, L->ts_base_frame);
	if (L->ts_current_frame != LAYOUT_ABSENT) {
		origin->frame = load_u64(tstate, L->ts_current_frame);
	} else if (L->ts_frame != LAYOUT_ABSENT) {
		origin->frame = load_u64(tstate, L->ts_frame);
	} else {
		/* 3.11, 3.12: the newest frame hangs off a struct on the C stack. */
		uint64_t cframe = load_u64(tstate, L->ts_cframe);

		if (cframe) {
			err = snapshot_read(w->snap, cframe + L->cframe_current_frame, 8,
					    SNAP_RECUR, &copy);
			if (err)
				return torn_unless_fatal(err);
			origin->frame = load_u64(copy, 0);
		}
	}
	if (L->ts_datastack_chunk != LAYOUT_ABSENT) {
		uint64_t chunk = load_u64(tstate, L->ts_datastack_chunk);
		uint64_t top = load_u64(tstate, L->ts_datastack_top);

		if (chunk && top > chunk && top - chunk <= MAX_CHUNK_BYTES) {
			const uint8_t *data;
			uint64_t size;

			/* The chunk's size bounds next time's prefetch. */
			err = snapshot_read_block(w->snap, chunk, top - chunk, top - chunk, &data);
			if (err)
				return torn_unless_fatal(err);
			size = load_u64(data, L->chunk_size);
			if (size >= top - chunk && size <= MAX_CHUNK_BYTES)
				snapshot_read_block(w->snap, chunk, top - chunk,
						    top - chunk + CHUNK_SLACK < size
						    ? top - chunk + CHUNK_SLACK : size, &data);
			origin->chunk = chunk;
			origin->chunk_top = top;
		}
	}
	return 0;
}

/* Copy the next older data-stack chunk (its used part) into the snapshot;
 * *next becomes the one before it. */
static int take_older_chunk(const struct stackwalk *w, uint64_t *next)
{
	const struct py_layout *L = w->layout;
	const uint8_t *header, *data;
	uint64_t size, used;
	int err;

	/* An older chunk does not change while newer ones are in use: its
	 * header's top stays as it was when the next chunk was pushed. */
	err = snapshot_read(w->snap, *next, L->chunk_data, 0, &header);
	if (err)
		return torn_unless_fatal(err);
	size = load_u64(header, L->chunk_size);
	used = L->chunk_data + load_u64(header, L->chunk_top) * 8;
	if (size > MAX_CHUNK_BYTES || used > size)
		return PP_ETORN;
	err = snapshot_read_block(w->snap, *next, used, used, &data);
	if (err)
		return torn_unless_fatal(err);
	*next = load_u64(header, L->chunk_previous);
	return 0;
}

/* A frame's bytes: from a chunk copy, or on their own. */
static int fetch_frame(const struct stackwalk *w, uint64_t addr, uint64_t *older_chunk,
		       int *chunks_taken, const uint8_t **frame)
{
	int err;

	*frame = snapshot_find(w->snap, addr, w->frame_span, SNAP_RECUR);
	/* Leaving the chunks copied so far: the frame may be in an older one
	 * (a deep recursion spans many chunks). */
	while (!*frame && *older_chunk && *chunks_taken < MAX_CHUNKS) {
		err = take_older_chunk(w, older_chunk);
		if (err)
			return err;
		(*chunks_taken)++;
		*frame = snapshot_find(w->snap, addr, w->frame_span, SNAP_RECUR);
	}
	if (*frame)
		return 0;
	/* A frame outside every chunk: a generator's, an entry frame on the C
	 * stack, any frame before 3.11. */
	return torn_unless_fatal(snapshot_read(w->snap, addr, w->frame_span, SNAP_RECUR, frame));
}

static void push(struct raw_frames *out, uint64_t code, int64_t position, int32_t tlbc)
{
	XGROW(out->items, out->cap, out->count + 1);
	out->items[out->count++] = (struct raw_frame){ code, position, tlbc };
}

int stackwalk_thread(const struct stackwalk *w, const struct stack_origin *origin,
		     struct raw_frames *out)
{
	const struct py_layout *L = w->layout;
	bool interp_frames = L->rule_lasti == LASTI_POINTER;
	uint64_t frame = origin->frame, older_chunk = 0, tortoise = 0;
	size_t depth = 0, power = 1, lam = 0;
	int chunks_taken = 0, err;

	if (origin->chunk) {
		const uint8_t *header = snapshot_find(w->snap, origin->chunk, L->chunk_data, 0);

		older_chunk = header ? load_u64(header, L->chunk_previous) : 0;
	}
	while (frame && frame != origin->base_frame) {
		const uint8_t *copy;

		if (++depth > STACKWALK_MAX_DEPTH)
			return PP_ETOODEEP;
		/* Brent's cycle check: a loop means the chain changed under us. */
		if (frame == tortoise || (frame & 7))
			return PP_ETORN;
		if (++lam == power) {
			tortoise = frame;
			power *= 2;
			lam = 0;
		}
		err = fetch_frame(w, frame, &older_chunk, &chunks_taken, &copy);
		if (err)
			return err;
		if (!interp_frames) {
			push(out, load_u64(copy, L->frame_code), load_i32(copy, L->frame_lasti), 0);
			frame = load_u64(copy, L->frame_back);
			continue;
		}
		if (copy[L->iframe_owner] > 4)
			return PP_ETORN;
		/* Entry and base frames are the interpreter's, not calls. */
		if (L->iframe_owner_entry == LAYOUT_ABSENT || copy[L->iframe_owner] < L->iframe_owner_entry)
			push(out, load_u64(copy, L->iframe_code) & ~w->stack_ref_mask,
			     (int64_t)load_u64(copy, L->iframe_instr),
			     L->iframe_tlbc_index != LAYOUT_ABSENT ? load_i32(copy, L->iframe_tlbc_index)
								   : 0);
		frame = load_u64(copy, L->iframe_previous);
	}
	return 0;
}
