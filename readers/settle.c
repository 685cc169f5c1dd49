/*
 * settle.c - one moment's stack from a walk's copies (see settle.h).
 */
#include "settle.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "fields.h"

/* Callers looked at for a sign that a copy mixed two moments. */
#define CUT_SCAN 128

static void drop_newest(struct raw_frames *out, size_t from, size_t n)
{
	memmove(out->items + from, out->items + from + n,
		(out->count - from - n) * sizeof(*out->items));
	out->count -= n;
}

static void push_newest(struct raw_frames *out, size_t from, const struct raw_frame *frame)
{
	XGROW(out->items, out->cap, out->count + 1);
	memmove(out->items + from + 1, out->items + from,
		(out->count - from) * sizeof(*out->items));
	out->items[from] = *frame;
	out->count++;
	out->items[from + 1].flags |= RAW_INLINE_CALLEE;
}

/*
 * <= 3.10: whether a frame object may have been waiting for a function it
 * called when it was copied: at a call instruction (where it also sits
 * while the call is set up and torn down).
 */
static int waits_in_call(const struct raw_frame *frame, code_facts_fn facts, void *ctx,
			 bool *waits)
{
	struct code_facts frame_facts;
	int err;

	*waits = false;
	if (frame->flags & RAW_POPPED)
		return 0;
	err = facts(ctx, frame, &frame_facts);
	if (err || !frame_facts.known)
		return err;
	*waits = frame_facts.at_call;
	return 0;
}

/*
 * Whether a frame, as copied, can have been any frame's caller, through C
 * or not: it has begun and is not leaving.  (A frame caught before its
 * first instruction or at its return was copied a moment before or after
 * the frames above it: the slot it held may be another frame's now.)
 */
static bool is_under_way(const struct code_facts *frame_facts)
{
	return frame_facts->started && !frame_facts->left;
}

/*
 * 3.11+: whether a frame, as copied, can have had a callee pushed on top of
 * it.  It must have begun and not be leaving, and be at an instruction
 * that pushes a Python frame: the position is written at every
 * instruction, so a copy taken while the target wrote the frame can pair
 * a position from before a call with a callee pushed since.  3.11 - 3.13
 * also mark a frame running (stacktop -1) until it calls.  (3.14+ need no
 * such mark: they clear the frames they pop.)
 */
static bool can_hold_callee(const struct py_layout *L, const struct raw_frame *frame,
			    const struct code_facts *frame_facts)
{
	return frame_facts->known && !(frame->flags & (RAW_RUNNING | RAW_POPPED)) &&
	       is_under_way(frame_facts) &&
	       (!L->rule_inline_calls || frame_facts->at_call || frame_facts->at_send ||
		frame_facts->at_iterate);
}

/*
 * 3.11+: whether the instruction a caller was copied at pushes a frame like
 * its callee's: a call pushes a function's, SEND resumes a generator's or
 * a coroutine's, FOR_ITER a generator's.  Only code that awaits (a
 * coroutine, an async generator) resumes a coroutine: a generator cannot
 * yield from one.  (One made a coroutine by @types.coroutine can: its rare
 * samples are refused.)  Generators and coroutines are freed and made anew
 * all the time at the same addresses, one kind where the other was: a
 * callee copied a moment after its caller may be another object's frame,
 * linked to whatever the caller's address held by then.
 */
static bool pushes(const struct py_layout *L, const struct code_facts *caller_facts,
		   const struct raw_frame *callee, const struct code_facts *callee_facts)
{
	if (!L->rule_inline_calls)
		return true;
	if (!(callee->flags & RAW_GENERATOR))
		return caller_facts->at_call;
	if (callee_facts->known && callee_facts->coroutine)
		return caller_facts->at_send && caller_facts->awaits;
	return caller_facts->at_send ||
	       (caller_facts->at_iterate && (!callee_facts->known || callee_facts->generator));
}

/*
 * Whether a caller whose callee came through C shows an instruction that
 * can resume no such frame: a for loop iterates generators, never a
 * coroutine (3.11 resumes every generator through C; so do the others,
 * unspecialized).  The instructions that stand in for any other count as
 * calls, which may resume anything.
 */
static bool resumes_no_such(const struct py_layout *L, const struct code_facts *caller_facts,
			    const struct raw_frame *callee, const struct code_facts *callee_facts)
{
	return L->rule_inline_calls && (callee->flags & RAW_GENERATOR) && caller_facts->known &&
	       caller_facts->at_iterate && !caller_facts->at_call && !caller_facts->at_send &&
	       callee_facts->known && is_under_way(callee_facts) && !callee_facts->generator;
}

/*
 * Whether the caller depth frames above the oldest and its callee are
 * steady, and the earlier walk they come from checked that pair: it was
 * within the newest CUT_SCAN callers there too.
 */
static bool checked_before(const struct stackwalk *w, size_t depth)
{
	size_t checked_from = w->steady_walked > CUT_SCAN ? w->steady_walked - CUT_SCAN : 0;

	return depth + 1 < w->steady_frames && depth >= checked_from;
}

/*
 * A caller that cannot have been waiting in a call when it was copied had
 * no callee then: what the copy shows above it is gone, or not yet there.
 * Such is a frame that has not begun or is returning, and, when its callee
 * is a Python call (no C between them), one that is not at an instruction
 * that pushes a callee, and (3.11 - 3.13) one the interpreter marks as
 * running.  Callers are copied before their callees (oldest first), so the
 * oldest such caller decides: the stack is the one of the moment it was
 * copied.  (A frame's fields can even be copied a moment apart, when the
 * target writes them meanwhile: its position then dates from before the
 * call its stacktop tells of.)  A caller at an instruction that pushes
 * another kind of frame than the one above it may have been waiting, but
 * not for that frame: the copy is refused.  Only the newest CUT_SCAN
 * callers are looked at: in the microsecond a copy takes, a thread cannot
 * return from more calls than that.
 */
static int cut_at_idle_caller(const struct stackwalk *w, struct raw_frames *out, size_t from,
			      code_facts_fn facts, void *ctx)
{
	const struct py_layout *L = w->layout;
	size_t i;
	int err;

	if (L->rule_lasti != LASTI_POINTER)
		return 0;
	for (i = out->count - from > CUT_SCAN ? from + CUT_SCAN : out->count; i-- > from + 1;) {
		const struct raw_frame *frame = &out->items[i];
		struct code_facts frame_facts, callee_facts;

		if (frame->flags & RAW_POPPED)
			continue;
		if (checked_before(w, out->count - 1 - i))
			continue;
		err = facts(ctx, frame, &frame_facts);
		if (err)
			return err;
		if (!(frame->flags & RAW_INLINE_CALLEE)) {
			/* Its callee came through C. */
			if (frame_facts.known && !is_under_way(&frame_facts))
				goto cut;
			err = facts(ctx, &out->items[i - 1], &callee_facts);
			if (err)
				return err;
			if (resumes_no_such(L, &frame_facts, &out->items[i - 1], &callee_facts))
				return PP_ETORN;
			continue;
		}
		if (frame->flags & RAW_RUNNING)
			goto cut;
		if (!frame_facts.known)
			continue;
		if (!can_hold_callee(L, frame, &frame_facts))
			goto cut;
		err = facts(ctx, &out->items[i - 1], &callee_facts);
		if (err)
			return err;
		/* A callee leaving or not yet begun goes anyway (see
		 * drop_returned): only one under way must be of the kind. */
		if (!(out->items[i - 1].flags & RAW_POPPED) && callee_facts.known &&
		    is_under_way(&callee_facts) &&
		    !pushes(L, &frame_facts, &out->items[i - 1], &callee_facts))
			return PP_ETORN;
	}
	return 0;
cut:
	/* A caller that had no callee: it is the newest. */
	drop_newest(out, from, i - from);
	return 0;
}

/*
 * Drop the newest frames that had returned when copied: popped, or at a
 * return or a yield (a frame that returns stays at that instruction; one
 * still executing its return is as good as gone).  One that has not begun
 * (3.11+) is still being pushed: its caller's copy may predate the call, so
 * it goes too.  So does a generator's or a coroutine's not begun (<= 3.10):
 * a new one names its maker as caller until the generator object takes
 * it, and a thread state copied while a freed one ran at that address
 * leads the walk to it.  What is left must be frames in use.
 */
static int drop_returned(const struct py_layout *L, struct raw_frames *out, size_t from,
			 code_facts_fn facts, void *ctx)
{
	size_t i, popped = 0;
	int err;

	while (out->count > from) {
		struct raw_frame *top = &out->items[from];
		struct code_facts top_facts;

		err = facts(ctx, top, &top_facts);
		if (err)
			return err;
		if (top->flags & RAW_POPPED) {
			/*
			 * A freed frame object (<= 3.10) on the free list has its
			 * f_back reused as the list's link; only a code's zombie
			 * frame keeps it, pointing at its last caller.  The code
			 * was copied before the frame: an empty zombie slot then
			 * means it was in use, by this frame most likely; the
			 * caller must then be in use.  Cleared interpreter frames
			 * (3.14+) keep their link.
			 */
			if ((top->flags & RAW_FREED) &&
			    (!top_facts.known ||
			     (top_facts.zombie_frame != top->addr && top_facts.zombie_frame != 0) ||
			     (top_facts.zombie_frame == 0 && out->count > from + 1 &&
			      (out->items[from + 1].flags & RAW_POPPED))))
				return PP_ETORN;
			popped++;
		} else if (!top_facts.known) {
			return PP_ETORN;
		} else if (!top_facts.left &&
			   (top_facts.started || out->count == from + 1 ||
			    (L->rule_lasti != LASTI_POINTER && !top_facts.resumable))) {
			break;
		}
		drop_newest(out, from, 1);
	}
	/* A popped frame below one in use: the copy mixes two moments. */
	for (i = from; i < out->count; i++)
		if (out->items[i].flags & RAW_POPPED)
			return PP_ETORN;
	return popped && out->count == from ? PP_ETORN : 0;
}

/*
 * The frame a Python call from top would have pushed: right after top in
 * its chunk (framesize words on), linked back to it.  3.11+ only.
 */
static bool find_callee(const struct stackwalk *w, const struct stack_origin *origin,
			const struct raw_frame *top, uint32_t framesize, struct raw_frame *callee)
{
	const struct py_layout *L = w->layout;
	uint64_t addr = top->addr + (uint64_t)framesize * 8;
	const uint8_t *copy;

	if (!stackwalk_in_chunk(w, origin, addr))
		return false;
	copy = snapshot_find(w->snap, addr, w->frame_span, 0);
	if (!copy || load_u64(copy, L->iframe_previous) != top->addr ||
	    copy[L->iframe_owner] > 4 || stackwalk_is_interpreter_frame(L, copy))
		return false;
	/* 3.11: pushed by C code, so not top's own call. */
	if (L->iframe_is_entry != LAYOUT_ABSENT && copy[L->iframe_is_entry])
		return false;
	stackwalk_interp_frame(w, origin, addr, copy, callee);
	return !(callee->flags & RAW_POPPED);
}

/*
 * 3.11+: callees pushed after the thread state was copied, each right after
 * its caller in the chunk, in use and not leaving, from a caller that can
 * hold it (see can_hold_callee).
 */
static int extend_in_chunk(const struct stackwalk *w, const struct stack_origin *origin,
			   struct raw_frames *out, size_t from, code_facts_fn facts, void *ctx)
{
	const struct py_layout *L = w->layout;
	int err;

	while (out->count > from && out->count - from < STACKWALK_MAX_DEPTH) {
		struct raw_frame *top = &out->items[from], callee;
		struct code_facts top_facts, callee_facts;

		if (!(top->flags & RAW_IN_CHUNK))
			return 0;
		err = facts(ctx, top, &top_facts);
		if (err)
			return err;
		/* Frames in the chunk are functions' (a generator's lives in
		 * its object): top must be at a call. */
		if (!can_hold_callee(L, top, &top_facts) ||
		    (L->rule_inline_calls && !top_facts.at_call) || !top_facts.framesize ||
		    !find_callee(w, origin, top, top_facts.framesize, &callee))
			return 0;
		err = facts(ctx, &callee, &callee_facts);
		if (err)
			return err;
		/* One not yet begun is still being pushed: the caller's copy,
		 * taken a moment before, may predate the call. */
		if (!callee_facts.known || callee_facts.left || !callee_facts.started)
			return 0;
		push_newest(out, from, &callee);
	}
	return 0;
}

/*
 * 3.6 - 3.10: callees pushed after the thread state was copied, among the
 * frame objects the snapshot copied for this thread: an executing frame
 * whose f_back is the newest one, which waits at a call.  (2.7 cannot tell
 * an executing frame from one a traceback keeps.)
 */
static int extend_frame_objects(struct stackwalk *w, struct raw_frames *out, size_t from,
				code_facts_fn facts, void *ctx)
{
	const struct py_layout *L = w->layout;
	size_t n, i;
	int err;

	if (L->frame_executing == LAYOUT_ABSENT)
		return 0;
	n = snapshot_thread_frames(w->snap, w->group, &w->candidates, &w->cap_candidates);
	while (out->count > from && out->count - from < STACKWALK_MAX_DEPTH) {
		uint64_t top = out->items[from].addr;
		struct raw_frame callee;
		struct code_facts callee_facts;
		bool found = false, waits;

		err = waits_in_call(&out->items[from], facts, ctx, &waits);
		if (err || !waits)
			return err;
		for (i = 0; i < n && !found; i++) {
			const uint8_t *copy = snapshot_find(w->snap, w->candidates[i], w->frame_span, 0);

			if (!copy || load_u64(copy, L->frame_back) != top)
				continue;
			stackwalk_frame_object(L, w->candidates[i], copy, &callee);
			found = !(callee.flags & RAW_POPPED);
		}
		if (!found)
			return 0;
		err = facts(ctx, &callee, &callee_facts);
		if (err)
			return err;
		if (!callee_facts.known || callee_facts.left)
			return 0;
		push_newest(out, from, &callee);
	}
	return 0;
}

/* Ask for a caller and its callee to be read again (w->again[n], [n + 1]);
 * the requests now asked. */
static size_t ask_again(struct stackwalk *w, size_t n, uint64_t caller, uint64_t callee)
{
	if (n + 2 > w->cap_again) {
		w->cap_again = w->cap_again ? 2 * w->cap_again : 8;
		w->again = xreallocarray(w->again, w->cap_again, sizeof(*w->again));
	}
	w->again[n++] = (struct snapshot_req){ .addr = caller, .len = w->frame_span };
	w->again[n++] = (struct snapshot_req){ .addr = callee, .len = w->frame_span };
	return n;
}

/*
 * <= 3.10: frame objects are copied one by one, so a caller copied before
 * its callee started can pair with it.  A caller at a call instruction
 * when copied was waiting there, and its callee, copied after it and still
 * executing, was the one it waited for (or its call ended since: the pair
 * was then real when the caller was copied).  Any other caller must not
 * have moved: its frame and its callee's are read again, now, and it must
 * be unchanged (position, link, first local) with that callee still
 * executing and linked to it.  ("Unchanged" alone is not enough: a frame
 * object is reused at once by the next call of the same depth, which can
 * look the same at the same line, so the callee must still hang from it.)
 * Most callers wait at calls, and most samples then read nothing again.
 */
static bool caller_held(const struct stackwalk *w, const struct raw_frame *frame,
			const struct raw_frame *callee, const uint8_t *again,
			const uint8_t *callee_again, uint64_t caller_of_frame)
{
	const struct py_layout *L = w->layout;
	struct raw_frame later, callee_later;

	if (!again || !callee_again || !frame->copy)
		return false;
	stackwalk_frame_object(L, frame->addr, again, &later);
	stackwalk_frame_object(L, callee->addr, callee_again, &callee_later);
	return later.code == frame->code && later.position == frame->position &&
	       !(later.flags & RAW_POPPED) && load_u64(again, L->frame_back) == caller_of_frame &&
	       load_u64(again, L->frame_localsplus) == load_u64(frame->copy, L->frame_localsplus) &&
	       !(callee_later.flags & RAW_POPPED) &&
	       load_u64(callee_again, L->frame_back) == frame->addr;
}

static int check_callers_held(struct stackwalk *w, const struct raw_frames *out, size_t from,
			      code_facts_fn facts, void *ctx)
{
	size_t i, k, n = 0;
	int err;

	/* Each caller not at a call, and its callee, in pairs. */
	for (i = from + 1; i < out->count; i++) {
		bool waits;

		if (!waits_in_call(&out->items[i], facts, ctx, &waits) && waits)
			continue;
		n = ask_again(w, n, out->items[i].addr, out->items[i - 1].addr);
	}
	if (!n)
		return 0;
	err = snapshot_read_now(w->snap, w->again, n);
	if (err)
		return err;
	/* The pairs asked for, in the order asked: each caller is found again
	 * by its address, further down the stack than the last. */
	for (k = 0, i = from + 1; k < n; k += 2, i++) {
		while (out->items[i].addr != w->again[k].addr)
			i++;
		if (!caller_held(w, &out->items[i], &out->items[i - 1], w->again[k].data,
				 w->again[k + 1].data, i + 1 < out->count ? out->items[i + 1].addr : 0))
			return PP_ETORN;
	}
	return 0;
}

/*
 * 3.11+: a generator's frame lives in the generator object and is copied on
 * its own, like the frame objects of <= 3.10.  Generators are freed and
 * made anew all the time, often at the same address: the frame a callee
 * names as its caller may, when that address was copied a moment before,
 * still have been the frame of the generator freed there.  Read each such
 * caller and its callee again, now: a caller that holds other code than
 * when copied, or a callee whose place another frame of that caller took,
 * tells of addresses reused meanwhile, and the pair may never have been
 * one.  (The same code at the same address is a new generator of the same
 * function, which makes the same stack.)
 */
static uint64_t code_of(const struct stackwalk *w, const uint8_t *frame)
{
	return load_u64(frame, w->layout->iframe_code) & ~w->stack_ref_mask;
}

static int check_generator_callers(struct stackwalk *w, const struct raw_frames *out, size_t from)
{
	const struct py_layout *L = w->layout;
	size_t i, n = 0;
	int err;

	for (i = from + 1; i < out->count; i++) {
		if (!(out->items[i].flags & RAW_GENERATOR))
			continue;
		n = ask_again(w, n, out->items[i].addr, out->items[i - 1].addr);
	}
	if (!n)
		return 0;
	err = snapshot_read_now(w->snap, w->again, n);
	if (err)
		return err;
	for (i = from + 1, n = 0; i < out->count; i++) {
		if (!(out->items[i].flags & RAW_GENERATOR))
			continue;
		const uint8_t *caller = w->again[n++].data, *callee = w->again[n++].data;

		if (!caller || !callee || code_of(w, caller) != out->items[i].code)
			return PP_ETORN;
		/* A callee that has ended is no sign; one whose place another
		 * frame took, from the same caller, is. */
		if (code_of(w, callee) != out->items[i - 1].code &&
		    load_u64(callee, L->iframe_previous) == out->items[i].addr)
			return PP_ETORN;
	}
	return 0;
}

/*
 * <= 3.10: a frame object does not say who owns it, but a generator's or a
 * coroutine's frame is never the oldest of a thread's (see
 * reached_first_frame): one found there was suspended, its f_back cleared,
 * when it was copied.
 */
static int check_oldest(struct raw_frames *out, size_t from, code_facts_fn facts, void *ctx)
{
	struct code_facts oldest_facts;
	int err;

	if (out->count == from)
		return 0;
	err = facts(ctx, &out->items[out->count - 1], &oldest_facts);
	if (err)
		return err;
	return oldest_facts.known && oldest_facts.resumable ? PP_ETORN : 0;
}

/*
 * 3.13+: between a caller and the __init__ of a class it calls, the
 * interpreter pushes a frame of its own (it checks that __init__ returned
 * None).  It is no function of the program, and it never starts the way a
 * function's frame does: left in, it would look like a callee not yet
 * begun and cut the stack at its caller.
 */
static int drop_shims(const struct stackwalk *w, struct raw_frames *out, size_t from,
		      code_facts_fn facts, void *ctx)
{
	size_t i, kept = from, steady_from = out->count;

	if (w->layout->op_exit_init_check == LAYOUT_ABSENT)
		return 0;
	/* Steady frames (the oldest) were no shims the last time. */
	if (w->steady_frames <= out->count - from)
		steady_from -= w->steady_frames;
	for (i = from; i < out->count; i++) {
		struct code_facts frame_facts;

		if (i < steady_from) {
			int err = facts(ctx, &out->items[i], &frame_facts);

			if (err)
				return err;
			if (frame_facts.known && frame_facts.shim)
				continue;
		}
		out->items[kept++] = out->items[i];
	}
	out->count = kept;
	return 0;
}

int settle_thread(struct stackwalk *w, const struct stack_origin *origin,
		  struct raw_frames *out, size_t from, code_facts_fn facts, void *ctx)
{
	bool interp_frames = w->layout->rule_lasti == LASTI_POINTER;
	size_t walked = out->count, kept;
	int err;

	w->quiet = false;
	/* Before 3.11 no check uses what an earlier walk found. */
	if (!interp_frames)
		w->steady_frames = 0;
	/* First, while the copies are fresh: the later steps read code. */
	err = interp_frames ? check_generator_callers(w, out, from)
			    : check_oldest(out, from, facts, ctx);
	if (!err)
		err = drop_shims(w, out, from, facts, ctx);
	if (!err)
		err = cut_at_idle_caller(w, out, from, facts, ctx);
	if (!err)
		err = drop_returned(w->layout, out, from, facts, ctx);
	if (err)
		return err;
	kept = out->count;
	if (interp_frames)
		err = extend_in_chunk(w, origin, out, from, facts, ctx);
	else
		err = extend_frame_objects(w, out, from, facts, ctx);
	if (!err && !interp_frames)
		err = check_callers_held(w, out, from, facts, ctx);
	w->quiet = !err && kept == walked && out->count == walked;
	return err;
}
