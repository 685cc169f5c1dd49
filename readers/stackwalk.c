/*
 * stackwalk.c - following a thread's frame chain as copied (see
 * stackwalk.h); settle.c makes one moment's stack of it.
 */
#include "stackwalk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "fields.h"

/* More than any real data stack needs; bounds a corrupt chunk list. */
#define MAX_CHUNKS 8192
#define MAX_CHUNK_BYTES (64u << 20)
/* Room for the stack to grow before the next sample's prefetch: a few
 * frames.  More is copied every sample between the thread state and what
 * follows the chunk (the C stack's entry frames), which then has more time
 * to change: with 4 KiB, 0.8-0.9% of sympy's samples on 3.15 were torn,
 * with 1 KiB 0.2-0.3%, with 512 bytes 0.3-0.7% (stacks grew past it). */
#define CHUNK_SLACK 1024
/* The C stack around entry frames is planned in pages this large. */
#define ENTRY_PAGE 4096u

void raw_frames_release(struct raw_frames *frames)
{
	free(frames->items);
	memset(frames, 0, sizeof(*frames));
}

void stackwalk_init(struct stackwalk *w, const struct py_layout *layout, struct snapshot *snap)
{
	memset(w, 0, sizeof(*w));
	w->layout = layout;
	w->snap = snap;
	w->frame_span = layout_frame_span(layout);
	w->stack_ref_mask = layout_stackref_mask(layout);
}

void stackwalk_release(struct stackwalk *w)
{
	free(w->candidates);
	free(w->again);
	free(w->passed);
	free(w->frame_objects);
	w->candidates = NULL;
	w->again = NULL;
	w->passed = NULL;
	w->frame_objects = NULL;
	w->cap_candidates = w->cap_again = w->n_passed = w->cap_passed = 0;
	w->cap_frame_objects = 0;
}

int stackwalk_origin(const struct stackwalk *w, uint64_t tstate_addr, const uint8_t *tstate,
		     struct stack_origin *origin)
{
	const struct py_layout *L = w->layout;
	const uint8_t *copy;
	int err;

	memset(origin, 0, sizeof(*origin));
	origin->copied_at = snapshot_origin_copied_at(w->snap, tstate_addr);
	if (L->ts_base_frame != LAYOUT_ABSENT)
		origin->base_frame = load_u64(tstate, L->ts_base_frame);
	if (L->ts_current_frame != LAYOUT_ABSENT) {
		origin->frame = load_u64(tstate, L->ts_current_frame);
	} else if (L->ts_frame != LAYOUT_ABSENT) {
		origin->frame = load_u64(tstate, L->ts_frame);
	} else {
		/* 3.11, 3.12: the newest frame hangs off a struct on the C stack. */
		uint64_t cframe = load_u64(tstate, L->ts_cframe), named_at;

		if (cframe) {
			err = snapshot_read(w->snap, cframe + L->cframe_current_frame, 8,
					    SNAP_ORIGIN, &copy);
			if (err)
				return pp_torn_unless_final(err);
			origin->frame = load_u64(copy, 0);
			/* The thread state names it, and it names the newest
			 * frame (see copied_in_order). */
			named_at = snapshot_origin_copied_at(w->snap, cframe + L->cframe_current_frame);
			if (origin->copied_at) {
				if (named_at < origin->copied_at ||
				    !snapshot_one_read(named_at, origin->copied_at))
					return PP_ETORN;
				origin->copied_at = named_at;
			}
		}
		/* Only the thread's own link may have no frame: another one
		 * belongs to an evaluation starting (it gets its frame a moment
		 * after it is linked) or one that has ended since. */
		if (!origin->frame && cframe && L->ts_root_cframe != LAYOUT_ABSENT &&
		    cframe != tstate_addr + L->ts_root_cframe)
			return PP_ETORN;
	}
	if (L->ts_datastack_chunk != LAYOUT_ABSENT) {
		uint64_t chunk = load_u64(tstate, L->ts_datastack_chunk);
		uint64_t top = load_u64(tstate, L->ts_datastack_top);

		if (chunk && top > chunk && top - chunk <= MAX_CHUNK_BYTES) {
			const uint8_t *data;
			uint64_t size, plan;

			err = snapshot_read_block(w->snap, chunk, top - chunk, top - chunk, &data);
			if (err)
				return pp_torn_unless_final(err);
			/* Next time, copy a little more (the stack may grow), but
			 * not past the chunk's end. */
			size = load_u64(data, L->chunk_size);
			plan = top - chunk + CHUNK_SLACK;
			if (size >= top - chunk && size <= MAX_CHUNK_BYTES && plan > size)
				plan = size;
			snapshot_read_block(w->snap, chunk, top - chunk, plan, &data);
			origin->chunk = chunk;
			origin->chunk_top = top;
			origin->chunk_end = size >= top - chunk && size <= MAX_CHUNK_BYTES
					    ? chunk + size : top;
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
		return pp_torn_unless_final(err);
	size = load_u64(header, L->chunk_size);
	used = L->chunk_data + load_u64(header, L->chunk_top) * 8;
	if (size > MAX_CHUNK_BYTES || used > size)
		return PP_ETORN;
	err = snapshot_read_block(w->snap, *next, used, used, &data);
	if (err)
		return pp_torn_unless_final(err);
	*next = load_u64(header, L->chunk_previous);
	return 0;
}

/* When a frame was copied, and whether as part of a chunk. */
struct copy_time {
	uint64_t at;
	bool in_block;
	uint32_t object;   /* its number among the snapshot's objects, or UINT32_MAX */
};

/* A frame's bytes: from a chunk copy, or on their own. */
static int fetch_frame(const struct stackwalk *w, uint64_t addr, uint64_t *older_chunk,
		       int *chunks_taken, const uint8_t **frame, struct copy_time *copied)
{
	int err;

	*frame = snapshot_find_timed(w->snap, addr, w->frame_span, SNAP_CHAIN, &copied->at,
				     &copied->in_block, &copied->object);
	if (*frame)
		return 0;
	/* Leaving the chunks copied so far: the frame may be in an older one
	 * (a deep recursion spans many chunks). */
	while (!*frame && *older_chunk && *chunks_taken < MAX_CHUNKS) {
		err = take_older_chunk(w, older_chunk);
		if (err)
			return err;
		(*chunks_taken)++;
		*frame = snapshot_find(w->snap, addr, w->frame_span, SNAP_CHAIN);
	}
	if (!*frame) {
		/* A frame outside every chunk: a generator's, an entry frame on
		 * the C stack, any frame before 3.11. */
		err = snapshot_read(w->snap, addr, w->frame_span, SNAP_CHAIN, frame);
		if (err)
			return pp_torn_unless_final(err);
	}
	copied->at = snapshot_copied_at(w->snap, addr, &copied->in_block);
	copied->object = UINT32_MAX;
	return 0;
}

/* The walk's k-th frame was copy number object of the snapshot. */
static void note_object(struct stackwalk *w, size_t k, uint32_t object)
{
	XGROW(w->frame_objects, w->cap_frame_objects, k + 1);
	w->frame_objects[k] = object;
}

static void push(struct raw_frames *out, const struct raw_frame *frame)
{
	XGROW(out->items, out->cap, out->count + 1);
	out->items[out->count++] = *frame;
}

bool stackwalk_in_chunk(const struct stackwalk *w, const struct stack_origin *origin,
			uint64_t addr)
{
	return origin->chunk && addr >= origin->chunk + w->layout->chunk_data &&
	       addr + w->frame_span <= origin->chunk_end;
}

/* A frame object (<= 3.10) from its copy.  One in use has references; a
 * freed one (on a free list, or kept as its code's zombie frame) has none.
 * The count precedes ob_type in every build of these versions.  3.6 - 3.10
 * also say whether it is executing. */
void stackwalk_frame_object(const struct py_layout *L, uint64_t addr, const uint8_t *copy,
			    struct raw_frame *frame)
{
	*frame = (struct raw_frame){
		.addr = addr,
		.code = load_u64(copy, L->frame_code),
		.position = load_i32(copy, L->frame_lasti),
		.copy = copy,
	};
	if (load_u64(copy, L->obj_type - 8) == 0)
		frame->flags |= RAW_POPPED | RAW_FREED;
	if (L->frame_executing != LAYOUT_ABSENT &&
	    (int8_t)copy[L->frame_executing] != (int8_t)L->frame_executing_value)
		frame->flags |= RAW_POPPED;
}

/* An interpreter frame (3.11+) from its copy. */
void stackwalk_interp_frame(const struct stackwalk *w, const struct stack_origin *origin,
			    uint64_t addr, const uint8_t *copy, struct raw_frame *frame)
{
	const struct py_layout *L = w->layout;

	*frame = (struct raw_frame){
		.addr = addr,
		.code = load_u64(copy, L->iframe_code) & ~w->stack_ref_mask,
		.position = (int64_t)load_u64(copy, L->iframe_instr),
		.tlbc_index = L->iframe_tlbc_index != LAYOUT_ABSENT
			      ? load_i32(copy, L->iframe_tlbc_index) : 0,
		.copy = copy,
	};
	if (L->rule_stacktop_reset && load_i32(copy, L->iframe_stacktop) < 0)
		frame->flags |= RAW_RUNNING;
	if (L->rule_popped_code_null && frame->code == 0)
		frame->flags |= RAW_POPPED;
	if (stackwalk_in_chunk(w, origin, addr))
		frame->flags |= RAW_IN_CHUNK;
	if (copy[L->iframe_owner] == L->iframe_owner_generator)
		frame->flags |= RAW_GENERATOR;
}

/* Entry and base frames are the interpreter's, not calls (3.12+ owner). */
bool stackwalk_is_interpreter_frame(const struct py_layout *L, const uint8_t *copy)
{
	return L->iframe_owner_entry != LAYOUT_ABSENT && copy[L->iframe_owner] >= L->iframe_owner_entry;
}

/*
 * Whether a walk that ended at end (NULL, or the thread's base frame) after
 * the frame copied at oldest reached the thread's first frame.  A frame
 * that leaves the stack can unlink itself: a generator that suspends clears
 * its previous, so a walk that copied it after it yielded stops there, and
 * what the thread state named above it hangs from nothing.  A thread's
 * first Python frame is never a generator's (something resumes it): it is
 * pushed on the thread's data stack.  Below it, 3.12 - 3.14 start every
 * chain with an entry frame of the interpreter's, and 3.15 ends every
 * chain at the thread's base frame.  (<= 3.10 frame objects do not say who owns them:
 * settle_thread() asks their code.)
 */
bool stackwalk_reached_first(const struct py_layout *L, const struct stack_origin *origin,
			     uint64_t end, const uint8_t *oldest, const uint8_t *oldest_python)
{
	if (!oldest)
		return true;
	if (oldest_python && oldest_python[L->iframe_owner] != L->iframe_owner_thread)
		return false;
	if (origin->base_frame)
		return end == origin->base_frame;
	return L->iframe_owner_entry == LAYOUT_ABSENT || stackwalk_is_interpreter_frame(L, oldest);
}

/*
 * Next time, copy this thread's frames oldest first (frames in chunks go
 * with their chunk).  A Python frame d frames above the oldest sorts at
 * 2d + 2; an interpreter's frame passed between it and its callee at
 * 2d + 3, so that each is copied after its caller and before its callee;
 * one below every Python frame at 1.
 */
static void note_depths(struct stackwalk *w, const struct raw_frames *out, size_t from)
{
	size_t i, n = out->count - from;

	for (i = from; i < out->count; i++) {
		uint32_t depth = (uint32_t)(2 * (out->count - 1 - i) + 2);

		if (out->items[i].flags & RAW_IN_CHUNK)
			continue;
		if (w->frame_objects[i - from] != UINT32_MAX)
			snapshot_set_depth_of(w->snap, w->frame_objects[i - from], depth);
		else
			snapshot_set_depth(w->snap, out->items[i].addr, depth);
	}
	for (i = 0; i < w->n_passed; i++)
		snapshot_set_depth(w->snap, w->passed[i].addr,
				   (uint32_t)(2 * (n - w->passed[i].newer) + 1));
}

/*
 * 3.12+: the interpreter's entry frames outside the data stack live on the
 * thread's C stack, each at an address that depends on the C code that
 * called into Python: a program moving among many stacks seldom meets one
 * at an address a recent sample planned, and a frame read on its own comes
 * in a read apart from the thread state (copied_in_order refuses it).  So
 * the pages that held them are planned whole, as blocks copied with the
 * thread's frames: a frame a page down or up the same stack is found in
 * them.  A block is the pages a frame spans, which are mapped (a range
 * that is not would end the batch's system call early).
 */
static void plan_entry_pages(const struct stackwalk *w)
{
	size_t i;

	for (i = 0; i < w->n_passed; i++) {
		uint64_t page = w->passed[i].addr & ~(uint64_t)(ENTRY_PAGE - 1);
		uint64_t end = (w->passed[i].addr + w->frame_span + ENTRY_PAGE - 1) &
			       ~(uint64_t)(ENTRY_PAGE - 1);

		snapshot_plan_block(w->snap, page, end - page);
	}
}

/*
 * 3.11+: whether the frame at addr was copied in the order the walk needs:
 * in one read with the thread state (reads apart leave time for a frame to
 * end and its memory to be reused, linked to anything), the newest frame
 * after the thread state that named it, any other before its callee when
 * that was copied on its own.  A frame copied out of that order may hold
 * what its address held before it became this frame: a generator's freed a
 * moment ago, say, or an entry frame of another C call at the same depth.
 * The plan copies frames not walked lately before the thread states, and a
 * frame read outside the plan comes in a read of its own.  A callee in a
 * data-stack chunk does not count: one copy of a chunk cannot come after
 * the generators' frames below it and before the ones above;
 * settle_thread() reads such callers again.  *callee_at becomes this
 * frame's time, or 0 if it came with a chunk.
 */
static bool copied_in_order(const struct stack_origin *origin, const struct copy_time *copied,
			    bool newest, uint64_t *callee_at)
{
	uint64_t copied_at = copied->at;
	uint64_t named_at = *callee_at;

	*callee_at = copied->in_block ? 0 : copied_at;
	if (!origin->copied_at)
		return true;   /* an origin not copied (made by hand): no order */
	if (!snapshot_one_read(copied_at, origin->copied_at))
		return false;
	return newest ? copied_at > origin->copied_at : !named_at || copied_at < named_at;
}

int stackwalk_thread(struct stackwalk *w, const struct stack_origin *origin,
		     struct raw_frames *out)
{
	const struct py_layout *L = w->layout;
	bool interp_frames = L->rule_lasti == LASTI_POINTER;
	uint64_t addr = origin->frame, older_chunk = 0, tortoise = 0;
	const uint8_t *oldest = NULL;   /* the last frame copied */
	const uint8_t *oldest_python = NULL;   /* ... of a Python function */
	size_t depth = 0, power = 1, lam = 0;
	uint32_t carry = 0;   /* flags the next older frame inherits */
	size_t start = out->count;
	bool stale = false;   /* a frame copied out of order */
	uint64_t callee_at = 0;   /* when the last frame was copied, if on its own */
	int chunks_taken = 0, err;

	w->n_passed = 0;
	if (origin->chunk) {
		const uint8_t *header = snapshot_find(w->snap, origin->chunk, L->chunk_data, 0);

		older_chunk = header ? load_u64(header, L->chunk_previous) : 0;
	}
	while (addr && addr != origin->base_frame) {
		struct raw_frame frame;
		struct copy_time copied;
		const uint8_t *copy;

		if (++depth > STACKWALK_MAX_DEPTH)
			return PP_ETOODEEP;
		/* Brent's cycle check: a loop means the chain changed under us. */
		if (addr == tortoise || (addr & 7))
			return PP_ETORN;
		if (++lam == power) {
			tortoise = addr;
			power *= 2;
			lam = 0;
		}
		err = fetch_frame(w, addr, &older_chunk, &chunks_taken, &copy, &copied);
		if (err)
			return err;
		oldest = copy;
		/* <= 3.10 read their frame objects again instead (see
		 * check_callers_held): refusing each new frame object's first
		 * copy would refuse half of a churning program's samples. */
		if (interp_frames && !copied_in_order(origin, &copied, depth == 1, &callee_at))
			stale = true;
		if (!interp_frames) {
			stackwalk_frame_object(L, addr, copy, &frame);
			frame.flags |= carry;
			push(out, &frame);
			note_object(w, out->count - 1 - start, copied.object);
			carry = RAW_INLINE_CALLEE;
			addr = load_u64(copy, L->frame_back);
			continue;
		}
		if (copy[L->iframe_owner] > 4)
			return PP_ETORN;
		/* What is above an entry or base frame was called from C. */
		if (stackwalk_is_interpreter_frame(L, copy)) {
			if (!stackwalk_in_chunk(w, origin, addr)) {
				XGROW(w->passed, w->cap_passed, w->n_passed + 1);
				w->passed[w->n_passed++] =
					(struct passed_frame){ addr, out->count - start };
			}
			carry &= ~(uint32_t)RAW_INLINE_CALLEE;
			addr = load_u64(copy, L->iframe_previous);
			continue;
		}
		stackwalk_interp_frame(w, origin, addr, copy, &frame);
		frame.flags |= carry;
		push(out, &frame);
		note_object(w, out->count - 1 - start, copied.object);
		oldest_python = copy;
		/* 3.11 marks the frames C code started instead of pushing entry
		 * frames: the frame below one of those has no Python callee. */
		carry = L->iframe_is_entry == LAYOUT_ABSENT || !copy[L->iframe_is_entry]
			? RAW_INLINE_CALLEE : 0;
		addr = load_u64(copy, L->iframe_previous);
	}
	/* Even a torn walk tells the order to copy its frames in again. */
	note_depths(w, out, start);
	plan_entry_pages(w);
	if (stale || (interp_frames && !stackwalk_reached_first(L, origin, addr, oldest, oldest_python)))
		return PP_ETORN;
	return 0;
}
