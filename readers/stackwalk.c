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
#include "mem.h"

/* More than any real data stack needs; bounds a corrupt chunk list. */
#define MAX_CHUNKS 8192
#define MAX_CHUNK_BYTES (64u << 20)

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

void stack_memo_release(struct stack_memo *memo)
{
	free(memo->objects);
	free(memo->blocks);
	memset(memo, 0, sizeof(*memo));
}

void stackwalk_init(struct stackwalk *w, pid_t pid, const struct py_layout *layout,
		    struct snapshot *snap)
{
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->layout = layout;
	w->snap = snap;
	w->frame_span = layout_frame_span(layout);
	w->stack_ref_mask = layout->stackref_tag_bits != LAYOUT_ABSENT
			    ? (uint64_t)layout->stackref_tag_bits : 0;
}

int stackwalk_top_frame(const struct stackwalk *w, const uint8_t *tstate, uint64_t *frame)
{
	const struct py_layout *L = w->layout;
	uint64_t cframe, at;
	const uint8_t *copy;

	if (L->ts_current_frame != LAYOUT_ABSENT) {
		*frame = load_u64(tstate, L->ts_current_frame);
		return 0;
	}
	if (L->ts_frame != LAYOUT_ABSENT) {
		*frame = load_u64(tstate, L->ts_frame);
		return 0;
	}
	/* 3.11, 3.12: the current frame hangs off a struct on the C stack. */
	cframe = load_u64(tstate, L->ts_cframe);
	if (!cframe) {
		*frame = 0;
		return 0;
	}
	at = cframe + L->cframe_current_frame;
	copy = snapshot_find(w->snap, at, 8);
	if (copy) {
		memcpy(frame, copy, 8);
		return 0;
	}
	return mem_read_u64(w->pid, at, frame);
}

/* Read the next older data-stack chunk (header, then its used part) into
 * the snapshot.  *next is the chunk to read, updated to the one after. */
static int read_older_chunk(const struct stackwalk *w, uint64_t *next,
			    struct stack_memo *memo)
{
	const struct py_layout *L = w->layout;
	uint8_t header[64];
	uint64_t chunk = *next, size, top, used;
	uint8_t *copy;
	int err;

	if (L->chunk_data > sizeof(header))
		return PP_EBADDATA;
	err = mem_read(w->pid, chunk, header, L->chunk_data);
	if (err)
		return err == -ESRCH ? err : PP_ETORN;
	size = load_u64(header, L->chunk_size);
	top = load_u64(header, L->chunk_top);
	used = L->chunk_data + top * 8;
	if (size > MAX_CHUNK_BYTES || used > size)
		return PP_ETORN;
	copy = snapshot_alloc(w->snap, used);
	err = mem_read(w->pid, chunk, copy, used);
	if (err)
		return err == -ESRCH ? err : PP_ETORN;
	snapshot_add_block(w->snap, chunk, copy, used);
	XGROW(memo->blocks, memo->cap_blocks, memo->n_blocks + 1);
	memo->blocks[memo->n_blocks++] = (struct stack_memo_block){ chunk, used };
	*next = load_u64(header, L->chunk_previous);
	return 0;
}

/* Take the next older chunk: from the snapshot when it was prefetched,
 * otherwise read it; either way the memo keeps it for the next sample. */
static int take_older_chunk(const struct stackwalk *w, uint64_t *next,
			    struct stack_memo *memo)
{
	const struct py_layout *L = w->layout;
	const uint8_t *header = snapshot_find(w->snap, *next, L->chunk_data);
	uint64_t used;

	if (!header)
		return read_older_chunk(w, next, memo);
	used = L->chunk_data + load_u64(header, L->chunk_top) * 8;
	XGROW(memo->blocks, memo->cap_blocks, memo->n_blocks + 1);
	memo->blocks[memo->n_blocks++] = (struct stack_memo_block){ *next, used };
	*next = load_u64(header, L->chunk_previous);
	return 0;
}

static bool within(uint64_t addr, size_t span, uint64_t start, uint64_t len)
{
	return addr >= start && addr - start <= len && span <= len - (addr - start);
}

static bool in_older_chunk(const struct stack_memo *memo, uint64_t addr, size_t span)
{
	size_t i = memo->n_blocks;

	/* The walk goes down the chunks in order: the last one is likeliest. */
	while (i-- > 0)
		if (within(addr, span, memo->blocks[i].addr, memo->blocks[i].len))
			return true;
	return false;
}

/* A frame's bytes: from the chunk in use, an older chunk, or on its own. */
static int fetch_frame(const struct stackwalk *w, uint64_t addr, const struct stack_memo_block *current,
		       uint64_t *older_chunk, int *chunks_taken, struct stack_memo *memo,
		       const uint8_t **frame)
{
	size_t span = w->frame_span;
	uint8_t *copy;
	int err;

	*frame = snapshot_find(w->snap, addr, span);
	if (*frame && (within(addr, span, current->addr, current->len) ||
		       in_older_chunk(memo, addr, span)))
		return 0;
	/* Leaving the chunks taken so far: the frame may be in an older one. */
	while (*older_chunk && *chunks_taken < MAX_CHUNKS && !in_older_chunk(memo, addr, span)) {
		err = take_older_chunk(w, older_chunk, memo);
		if (err)
			return err;
		(*chunks_taken)++;
	}
	if (in_older_chunk(memo, addr, span)) {
		*frame = snapshot_find(w->snap, addr, span);
		return *frame ? 0 : PP_ETORN;
	}
	if (!*frame) {
		copy = snapshot_alloc(w->snap, span);
		err = mem_read(w->pid, addr, copy, span);
		if (err)
			return err == -ESRCH || err == -EPERM ? err : PP_ETORN;
		snapshot_add_object(w->snap, addr, copy, span);
		*frame = copy;
	}
	/* A frame outside every chunk (a generator's, an entry frame on the
	 * C stack, any frame before 3.11): prefetch it next time. */
	XGROW(memo->objects, memo->cap_objects, memo->n_objects + 1);
	memo->objects[memo->n_objects++] = addr;
	return 0;
}

static void push(struct raw_frames *out, uint64_t code, int64_t position, int32_t tlbc)
{
	XGROW(out->items, out->cap, out->count + 1);
	out->items[out->count++] = (struct raw_frame){ code, position, tlbc };
}

int stackwalk_thread(const struct stackwalk *w, uint64_t frame, uint64_t base_frame,
		     uint64_t chunk, uint64_t chunk_top, struct raw_frames *out,
		     struct stack_memo *memo)
{
	const struct py_layout *L = w->layout;
	bool interp_frames = L->rule_lasti == LASTI_POINTER;
	uint64_t older_chunk = 0, tortoise = 0;
	size_t depth = 0, power = 1, lam = 0;
	struct stack_memo_block current = { chunk, chunk_top > chunk ? chunk_top - chunk : 0 };
	int chunks_taken = 0, err;

	memo->n_objects = 0;
	memo->n_blocks = 0;
	/* The chunk in use was prefetched; the ones before it are read when
	 * the walk leaves it, from the header's link. */
	if (interp_frames && chunk) {
		const uint8_t *header = snapshot_find(w->snap, chunk, L->chunk_data);

		older_chunk = header ? load_u64(header, L->chunk_previous) : 0;
	}
	while (frame) {
		const uint8_t *copy;

		if (frame == base_frame)
			break;
		if (++depth > STACKWALK_MAX_DEPTH)
			return PP_ETOODEEP;
		/* Brent's cycle check: a loop means the chain changed under us. */
		if (frame == tortoise)
			return PP_ETORN;
		if (++lam == power) {
			tortoise = frame;
			power *= 2;
			lam = 0;
		}
		if (frame & 7)
			return PP_ETORN;
		err = fetch_frame(w, frame, &current, &older_chunk, &chunks_taken, memo, &copy);
		if (err)
			return err;
		if (!interp_frames) {
			push(out, load_u64(copy, L->frame_code), load_i32(copy, L->frame_lasti), 0);
			frame = load_u64(copy, L->frame_back);
			continue;
		}
		{
			uint8_t owner = copy[L->iframe_owner];
			uint64_t next = load_u64(copy, L->iframe_previous);

			if (owner > 4)
				return PP_ETORN;
			/* Entry and base frames are the interpreter's, not calls. */
			if (L->iframe_owner_entry == LAYOUT_ABSENT || owner < L->iframe_owner_entry) {
				int32_t tlbc = L->iframe_tlbc_index != LAYOUT_ABSENT
					       ? load_i32(copy, L->iframe_tlbc_index) : 0;

				push(out, load_u64(copy, L->iframe_code) & ~w->stack_ref_mask,
				     (int64_t)load_u64(copy, L->iframe_instr), tlbc);
			}
			frame = next;
		}
	}
	return 0;
}
