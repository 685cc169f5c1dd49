/*
 * stackwalk.c - following a thread's frame chain, and checking it was read
 * at one moment (see stackwalk.h).
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

void raw_frames_release(struct raw_frames *frames)
{
	free(frames->items);
	free(frames->visited);
	free(frames->visited_copy);
	memset(frames, 0, sizeof(*frames));
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
					    SNAP_VERIFY, &copy);
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
			uint64_t size, plan;

			err = snapshot_read_block(w->snap, chunk, top - chunk, top - chunk, &data);
			if (err)
				return torn_unless_fatal(err);
			/* Next time, copy a little more (the stack may grow), but
			 * not past the chunk's end. */
			size = load_u64(data, L->chunk_size);
			plan = top - chunk + CHUNK_SLACK;
			if (size >= top - chunk && size <= MAX_CHUNK_BYTES && plan > size)
				plan = size;
			snapshot_read_block(w->snap, chunk, top - chunk, plan, &data);
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

	*frame = snapshot_find(w->snap, addr, w->frame_span, SNAP_VERIFY);
	/* Leaving the chunks copied so far: the frame may be in an older one
	 * (a deep recursion spans many chunks). */
	while (!*frame && *older_chunk && *chunks_taken < MAX_CHUNKS) {
		err = take_older_chunk(w, older_chunk);
		if (err)
			return err;
		(*chunks_taken)++;
		*frame = snapshot_find(w->snap, addr, w->frame_span, SNAP_VERIFY);
	}
	if (*frame)
		return 0;
	/* A frame outside every chunk: a generator's, an entry frame on the C
	 * stack, any frame before 3.11. */
	return torn_unless_fatal(snapshot_read(w->snap, addr, w->frame_span, SNAP_VERIFY, frame));
}

/* A frame object (<= 3.10) in use has references; a freed one, waiting on
 * the free list that f_back links, has none.  The count precedes ob_type
 * in every build of these versions. */
static bool frame_alive(const struct py_layout *L, const uint8_t *frame)
{
	return load_u64(frame, L->obj_type - 8) != 0;
}

static void push(struct raw_frames *out, uint64_t code, int64_t position, int32_t tlbc,
		 bool inline_callee)
{
	XGROW(out->items, out->cap, out->count + 1);
	out->items[out->count++] = (struct raw_frame){ code, position, tlbc, inline_callee };
}

static void visit(struct raw_frames *out, uint64_t addr, const uint8_t *copy)
{
	if (out->n_visited + 1 > out->cap_visited) {
		XGROW(out->visited, out->cap_visited, out->n_visited + 1);
		out->visited_copy = xreallocarray(out->visited_copy, out->cap_visited,
						  sizeof(*out->visited_copy));
	}
	out->visited[out->n_visited] = addr;
	out->visited_copy[out->n_visited++] = copy;
}

int stackwalk_thread(const struct stackwalk *w, const struct stack_origin *origin,
		     struct raw_frames *out)
{
	const struct py_layout *L = w->layout;
	bool interp_frames = L->rule_lasti == LASTI_POINTER;
	uint64_t frame = origin->frame, older_chunk = 0, tortoise = 0;
	size_t depth = 0, power = 1, lam = 0;
	bool python_callee = false;
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
		visit(out, frame, copy);
		if (!interp_frames) {
			if (!frame_alive(L, copy))
				return PP_ETORN;
			push(out, load_u64(copy, L->frame_code), load_i32(copy, L->frame_lasti), 0,
			     python_callee);
			python_callee = true;
			frame = load_u64(copy, L->frame_back);
			continue;
		}
		if (copy[L->iframe_owner] > 4)
			return PP_ETORN;
		/* Entry and base frames are the interpreter's, not calls: what is
		 * above one was called from C. */
		if (L->iframe_owner_entry != LAYOUT_ABSENT && copy[L->iframe_owner] >= L->iframe_owner_entry) {
			python_callee = false;
			frame = load_u64(copy, L->iframe_previous);
			continue;
		}
		/* A frame with a Python callee right above it is suspended in that
		 * call.  Where the interpreter marks running frames (3.12, 3.13:
		 * stacktop is -1 while a frame runs), a running one here means the
		 * copies mixed two moments. */
		if (python_callee && L->rule_stacktop_reset && load_i32(copy, L->iframe_stacktop) < 0)
			return PP_ETORN;
		push(out, load_u64(copy, L->iframe_code) & ~w->stack_ref_mask,
		     (int64_t)load_u64(copy, L->iframe_instr),
		     L->iframe_tlbc_index != LAYOUT_ABSENT ? load_i32(copy, L->iframe_tlbc_index) : 0,
		     python_callee);
		/* 3.11 marks the frames C code started instead of pushing entry
		 * frames: the frame below one of those has no Python callee. */
		python_callee = L->iframe_is_entry == LAYOUT_ABSENT || !copy[L->iframe_is_entry];
		frame = load_u64(copy, L->iframe_previous);
	}
	return 0;
}

/* --- verification --- */

/* The fields that place a frame in its chain.  The newest frame runs on, so
 * only its identity (code, caller, owner) must hold; a caller waits in a
 * call and must not have moved at all. */
static bool same_frame(const struct stackwalk *w, const uint8_t *a, const uint8_t *b, bool newest)
{
	const struct py_layout *L = w->layout;

	if (L->rule_lasti != LASTI_POINTER)
		return frame_alive(L, a) && frame_alive(L, b) &&
		       load_u64(a, L->frame_code) == load_u64(b, L->frame_code) &&
		       load_u64(a, L->frame_back) == load_u64(b, L->frame_back) &&
		       (newest || load_i32(a, L->frame_lasti) == load_i32(b, L->frame_lasti));
	return load_u64(a, L->iframe_code) == load_u64(b, L->iframe_code) &&
	       load_u64(a, L->iframe_previous) == load_u64(b, L->iframe_previous) &&
	       a[L->iframe_owner] == b[L->iframe_owner] &&
	       (newest || load_u64(a, L->iframe_instr) == load_u64(b, L->iframe_instr)) &&
	       (newest || L->iframe_stacktop == LAYOUT_ABSENT ||
		load_i32(a, L->iframe_stacktop) == load_i32(b, L->iframe_stacktop)) &&
	       (L->iframe_tlbc_index == LAYOUT_ABSENT ||
		load_i32(a, L->iframe_tlbc_index) == load_i32(b, L->iframe_tlbc_index));
}

/* Offset of the thread-state field the chain starts from. */
static uint32_t top_field(const struct py_layout *L)
{
	if (L->ts_current_frame != LAYOUT_ABSENT)
		return L->ts_current_frame;
	return L->ts_frame != LAYOUT_ABSENT ? L->ts_frame : L->ts_cframe;
}

enum check_kind {
	CHECK_TSTATE,    /* the field the chain starts from */
	CHECK_LINK,      /* 3.11, 3.12: the C-stack link to the newest frame */
	CHECK_NEWEST,    /* the running frame: the same activation */
	CHECK_CALLER,    /* a caller: the same activation at the same place */
};

struct check_item {
	int kind;                /* enum check_kind */
	uint64_t addr;
	size_t len;
	const uint8_t *first;    /* the copy the walk used */
	const uint8_t *second;   /* a copy taken after every first copy */
};

static int by_address(const void *a, const void *b, void *items)
{
	uint64_t x = ((const struct check_item *)items)[*(const size_t *)a].addr;
	uint64_t y = ((const struct check_item *)items)[*(const size_t *)b].addr;

	return x < y ? -1 : x > y;
}

/* Read every item again, now, in one batch: nearby items as one range. */
static int read_again(const struct stackwalk *w, struct check_item *items, size_t n)
{
	size_t *order = xmalloc(n * sizeof(*order));
	size_t *range_of = xmalloc(n * sizeof(*range_of));
	struct snapshot_req *reqs = xmalloc(n * sizeof(*reqs));
	size_t i, n_reqs = 0;
	int err;

	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), by_address, items);
	for (i = 0; i < n; i++) {
		const struct check_item *item = &items[order[i]];
		struct snapshot_req *last = n_reqs ? &reqs[n_reqs - 1] : NULL;
		uint64_t end = item->addr + item->len;

		if (last && item->addr <= last->addr + last->len + 512 &&
		    end - last->addr <= (1u << 20)) {
			if (end > last->addr + last->len)
				last->len = end - last->addr;
		} else {
			reqs[n_reqs++] = (struct snapshot_req){ .addr = item->addr, .len = item->len };
		}
		range_of[order[i]] = n_reqs - 1;
	}
	err = snapshot_reread(w->snap, reqs, n_reqs);
	for (i = 0; i < n && !err; i++) {
		const struct snapshot_req *req = &reqs[range_of[i]];

		items[i].second = req->data ? req->data + (items[i].addr - req->addr) : NULL;
	}
	free(order);
	free(range_of);
	free(reqs);
	return err;
}

int stackwalk_verify(const struct stackwalk *w, uint64_t tstate_addr, const uint8_t *tstate,
		     size_t tstate_len, const struct raw_frames *out, size_t from, bool may_reread)
{
	const struct py_layout *L = w->layout;
	size_t n = 0, i, frames = out->n_visited - from;
	struct check_item *items = xmalloc((frames + 2) * sizeof(*items));
	bool all_prefetched = true;
	uint32_t top = top_field(L);
	int err = 0;

	items[n++] = (struct check_item){ CHECK_TSTATE, tstate_addr, tstate_len, tstate, NULL };
	if (L->ts_cframe != LAYOUT_ABSENT && load_u64(tstate, L->ts_cframe)) {
		uint64_t link = load_u64(tstate, L->ts_cframe) + L->cframe_current_frame;

		items[n++] = (struct check_item){ CHECK_LINK, link, 8,
						  snapshot_find(w->snap, link, 8, 0), NULL };
	}
	for (i = 0; i < frames; i++)
		items[n++] = (struct check_item){ i ? CHECK_CALLER : CHECK_NEWEST,
						  out->visited[from + i], w->frame_span,
						  out->visited_copy[from + i], NULL };
	/* Second copies from the prefetch count only if the walk used nothing
	 * but first copies of that same batch.  Otherwise the copies are of
	 * different ages: better to copy everything again in one batch (the
	 * caller retries) than to compare them, unless this is the last try. */
	for (i = 0; i < n && all_prefetched; i++) {
		items[i].second = snapshot_check(w->snap, items[i].addr, items[i].len);
		all_prefetched = items[i].first && items[i].second;
	}
	if (!all_prefetched)
		err = may_reread ? read_again(w, items, n) : PP_ETORN;
	for (i = 0; i < n && !err; i++) {
		const struct check_item *item = &items[i];
		bool same;

		if (!item->first || !item->second) {
			err = PP_ETORN;
			break;
		}
		switch (item->kind) {
		case CHECK_TSTATE:
			same = load_u64(item->first, top) == load_u64(item->second, top);
			break;
		case CHECK_LINK:
			same = load_u64(item->first, 0) == load_u64(item->second, 0);
			break;
		default:
			same = same_frame(w, item->first, item->second, item->kind == CHECK_NEWEST);
		}
		if (!same)
			err = PP_ETORN;
	}
	free(items);
	return torn_unless_fatal(err);
}
