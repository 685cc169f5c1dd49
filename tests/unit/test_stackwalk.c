/*
 * test_stackwalk.c - walking frame chains built in this process's memory,
 * laid out as real versions lay them out: frame objects (3.10), interpreter
 * frames in data-stack chunks with entry frames (3.12), a recursion over
 * several chunks, and chains that are broken; then settling copies taken
 * while the stack changed into the stack of one moment.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../base/errors.h"
#include "../../readers/settle.h"
#include "../../readers/stackmemo.h"
#include "../../readers/stackwalk.h"

static void put64(uint8_t *at, uint32_t offset, uint64_t value)
{
	memcpy(at + offset, &value, 8);
}

static void put32(uint8_t *at, uint32_t offset, int32_t value)
{
	memcpy(at + offset, &value, 4);
}

struct walker {
	struct snapshot snap;
	struct stackwalk w;
	struct raw_frames raw;
};

static void walker_init(struct walker *t, const struct py_layout *L)
{
	memset(t, 0, sizeof(*t));
	snapshot_init(&t->snap, getpid());
	assert_int_equal(snapshot_begin(&t->snap), 0);
	stackwalk_init(&t->w, L, &t->snap);
}

static void walker_release(struct walker *t)
{
	raw_frames_release(&t->raw);
	stackwalk_release(&t->w);
	snapshot_release(&t->snap);
}

/* What the tests' code objects are like: code addresses are 0x1000 * n,
 * positions name what the instruction is. */
enum {
	AT_RETURN = 0x7770,      /* a return instruction */
	AT_CALL = 0x7780,        /* a call instruction (3.11 - 3.13: one that
				  * pushes its callee on top of its frame) */
	AT_START = 0x7790,       /* before the first instruction */
	AT_SEND = 0x77a0,        /* SEND: resumes a generator or coroutine */
	AT_ITERATE = 0x77b0,     /* FOR_ITER: resumes a generator */
	FRAME_WORDS = 16,        /* every test code's frame size */
	GENERATOR_CODE = 0x10000,/* codes from here on are generators', */
	COROUTINE_CODE = 0x20000,/* from here on coroutines' */
};

struct fake_codes {
	uint64_t zombie;         /* the frame every code keeps (<= 3.10) */
};

static int fake_facts(void *ctx, const struct raw_frame *frame, struct code_facts *facts)
{
	const struct fake_codes *codes = ctx;

	memset(facts, 0, sizeof(*facts));
	facts->known = frame->code && frame->code % 0x1000 == 0;
	facts->left = frame->position == AT_RETURN;
	facts->at_call = frame->position == AT_CALL;
	facts->at_send = frame->position == AT_SEND;
	facts->at_iterate = frame->position == AT_ITERATE;
	facts->started = frame->position != AT_START;
	facts->framesize = FRAME_WORDS;
	facts->resumable = frame->code >= GENERATOR_CODE;
	facts->generator = frame->code >= GENERATOR_CODE && frame->code < COROUTINE_CODE;
	facts->coroutine = facts->awaits = frame->code >= COROUTINE_CODE;
	facts->zombie_frame = codes ? codes->zombie : 0;
	return 0;
}

/* Walk and settle, as pyproc does. */
static int walk_settled(struct walker *t, const struct stack_origin *origin,
			struct fake_codes *codes)
{
	int err;

	t->raw.count = 0;
	err = stackwalk_thread(&t->w, origin, &t->raw);
	return err ? err : settle_thread(&t->w, origin, &t->raw, 0, fake_facts, codes);
}

/*
 * Three live frame objects, executing, frames[2] the newest: frames[i] runs
 * code 0x1000 * (i + 1) at position positions[i] and was called by
 * frames[i - 1].
 */
static void chain_frame_objects(const struct py_layout *L, uint8_t frames[3][512],
				const int32_t positions[3])
{
	memset(frames, 0, 3 * 512);
	for (int i = 0; i < 3; i++) {
		put64(frames[i], L->obj_type - 8, 1);   /* a live object has references */
		put64(frames[i], L->frame_code, 0x1000 * (uint64_t)(i + 1));
		put32(frames[i], L->frame_lasti, positions[i]);
		put64(frames[i], L->frame_back, i ? (uintptr_t)frames[i - 1] : 0);
		if (L->frame_executing != LAYOUT_ABSENT)
			frames[i][L->frame_executing] = (uint8_t)L->frame_executing_value;
	}
}

static void test_stackwalk_frame_objects(void **state)
{
	const struct py_layout *L = layout_find(3, 10, false);
	static uint8_t frames[3][512] __attribute__((aligned(16)));
	struct stack_origin origin = { .frame = (uintptr_t)frames[2] };
	struct walker t;

	(void)state;
	chain_frame_objects(L, frames, (const int32_t[]){ 0, 10, 20 });
	walker_init(&t, L);
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), 0);
	assert_int_equal(t.raw.count, 3);
	assert_int_equal(t.raw.items[0].code, 0x3000);   /* newest first */
	assert_int_equal(t.raw.items[0].position, 20);
	assert_int_equal(t.raw.items[2].code, 0x1000);

	/* A loop in the chain: it changed under us.  (A new sample: copies
	 * of this one would still show the old chain.) */
	put64(frames[0], L->frame_back, (uintptr_t)frames[1]);
	assert_int_equal(snapshot_begin(&t.snap), 0);
	t.raw.count = 0;
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), PP_ETORN);
	/* ... or into a freed frame (no references left) below one in use:
	 * the walk follows it, settling refuses it. */
	put64(frames[0], L->frame_back, 0);
	put64(frames[1], L->obj_type - 8, 0);
	assert_int_equal(snapshot_begin(&t.snap), 0);
	t.raw.count = 0;
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), 0);
	assert_true(t.raw.items[1].flags & RAW_FREED);
	assert_int_equal(settle_thread(&t.w, &origin, &t.raw, 0, fake_facts, NULL), PP_ETORN);
	put64(frames[1], L->obj_type - 8, 1);
	/* ... or into unmapped memory. */
	put64(frames[0], L->frame_back, 0x10);
	t.raw.count = 0;
	snapshot_invalidate(&t.snap);
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), PP_ETORN);
	walker_release(&t);
}

/* 3.12: a chunk with frames, the chain ending at an entry frame on the
 * "C stack"; another run of frames above a second entry frame. */
static void test_stackwalk_interpreter_frames_skip_entry_frames(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	static uint8_t chunk[4096] __attribute__((aligned(16)));
	static uint8_t entry1[128] __attribute__((aligned(16)));
	static uint8_t entry2[128] __attribute__((aligned(16)));
	static uint8_t tstate[512] __attribute__((aligned(16)));
	static uint64_t cframe[4];
	uint8_t *frame[4];
	struct stack_origin origin;
	struct walker t;
	int i;

	(void)state;
	memset(chunk, 0, sizeof(chunk));
	for (i = 0; i < 4; i++)
		frame[i] = chunk + L->chunk_data + 128 * (size_t)i;
	/* entry1 <- f0 <- f1 <- entry2 <- f2 <- f3 (newest) */
	put64(entry1, L->iframe_previous, 0);
	entry1[L->iframe_owner] = 3;
	put64(frame[0], L->iframe_previous, (uintptr_t)entry1);
	put64(frame[1], L->iframe_previous, (uintptr_t)frame[0]);
	put64(entry2, L->iframe_previous, (uintptr_t)frame[1]);
	entry2[L->iframe_owner] = 3;
	put64(frame[2], L->iframe_previous, (uintptr_t)entry2);
	put64(frame[3], L->iframe_previous, (uintptr_t)frame[2]);
	for (i = 0; i < 4; i++) {
		put64(frame[i], L->iframe_code, 0x1000 * (uint64_t)(i + 1));
		put64(frame[i], L->iframe_instr, 0x1100 * (uint64_t)(i + 1));
	}
	put64(chunk, L->chunk_size, sizeof(chunk));
	/* The thread state: current frame through the C-stack link. */
	memset(tstate, 0, sizeof(tstate));
	cframe[L->cframe_current_frame / 8] = (uintptr_t)frame[3];
	put64(tstate, L->ts_cframe, (uintptr_t)cframe);
	put64(tstate, L->ts_datastack_chunk, (uintptr_t)chunk);
	put64(tstate, L->ts_datastack_top, (uintptr_t)(frame[3] + 128));

	walker_init(&t, L);
	assert_int_equal(stackwalk_origin(&t.w, (uintptr_t)tstate, tstate, &origin), 0);
	assert_int_equal(origin.frame, (uintptr_t)frame[3]);
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), 0);
	assert_int_equal(t.raw.count, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(t.raw.items[i].code, 0x1000 * (uint64_t)(4 - i));
	/* Next sample: chunk, entry frames and C-stack link in one read. */
	assert_int_equal(snapshot_begin(&t.snap), 0);
	t.raw.count = 0;
	assert_int_equal(stackwalk_origin(&t.w, (uintptr_t)tstate, tstate, &origin), 0);
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), 0);
	assert_int_equal(t.raw.count, 4);
	assert_int_equal(t.snap.syscalls, 1);
	/* An owner no version has: garbage. */
	frame[1][L->iframe_owner] = 9;
	snapshot_invalidate(&t.snap);
	t.raw.count = 0;
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), PP_ETORN);
	walker_release(&t);
}

/* A recursion spread over three chunks: the walk finds the older ones
 * through each chunk's link, and the next sample prefetches them all. */
static void test_stackwalk_recursion_across_chunks(void **state)
{
	const struct py_layout *L = layout_find(3, 13, false);
	enum { CHUNKS = 3, PER_CHUNK = 40, FRAME = 96, SIZE = 8192 };
	static uint8_t entry[128] __attribute__((aligned(16)));
	uint8_t *chunks[CHUNKS];
	uint64_t previous = (uintptr_t)entry;   /* every chain starts at one */
	struct stack_origin origin = { 0 };
	struct walker t;
	int c, f;

	(void)state;
	entry[L->iframe_owner] = (uint8_t)L->iframe_owner_entry;
	for (c = 0; c < CHUNKS; c++) {
		chunks[c] = aligned_alloc(64, SIZE);
		memset(chunks[c], 0, SIZE);
		put64(chunks[c], L->chunk_previous, c ? (uintptr_t)chunks[c - 1] : 0);
		put64(chunks[c], L->chunk_size, SIZE);
		put64(chunks[c], L->chunk_top, (PER_CHUNK * FRAME) / 8);
		for (f = 0; f < PER_CHUNK; f++) {
			uint8_t *frame = chunks[c] + L->chunk_data + FRAME * (size_t)f;

			put64(frame, L->iframe_code, 0xabc0);
			put64(frame, L->iframe_previous, previous);
			previous = (uintptr_t)frame;
		}
	}
	origin.frame = previous;
	origin.chunk = (uintptr_t)chunks[CHUNKS - 1];
	origin.chunk_top = previous + FRAME;
	walker_init(&t, L);
	assert_int_equal(snapshot_read_block(&t.snap, origin.chunk, origin.chunk_top - origin.chunk,
					     0, &(const uint8_t *){ NULL }), 0);
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), 0);
	assert_int_equal(t.raw.count, CHUNKS * PER_CHUNK);
	assert_int_equal(snapshot_begin(&t.snap), 0);
	assert_int_equal(t.snap.syscalls, 1);
	t.raw.count = 0;
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), 0);
	assert_int_equal(t.raw.count, CHUNKS * PER_CHUNK);
	assert_int_equal(t.snap.syscalls, 1);
	walker_release(&t);
	for (c = 0; c < CHUNKS; c++)
		free(chunks[c]);
}

/* --- settling --- */

/* A 3.12+ data-stack chunk holding frames f[0] (oldest) .. f[n-1], each
 * FRAME_WORDS words, every one waiting in a call but the newest. */
struct chunk_stack {
	uint8_t *chunk;
	uint8_t *f[4];
	uint8_t entry[128] __attribute__((aligned(16)));  /* below f[0] */
	struct stack_origin origin;
};

static void chunk_stack_init(struct chunk_stack *cs, const struct py_layout *L)
{
	enum { SIZE = 4096 };
	int i;

	memset(cs, 0, sizeof(*cs));
	cs->chunk = aligned_alloc(64, SIZE);
	memset(cs->chunk, 0, SIZE);
	put64(cs->chunk, L->chunk_size, SIZE);
	/* 3.12+ start every chain at an entry frame; 3.11 has none. */
	cs->entry[L->iframe_owner] = (uint8_t)L->iframe_owner_entry;
	for (i = 0; i < 4; i++) {
		cs->f[i] = cs->chunk + L->chunk_data + (size_t)i * FRAME_WORDS * 8;
		put64(cs->f[i], L->iframe_code, 0x1000 * (uint64_t)(i + 1));
		put64(cs->f[i], L->iframe_previous,
		      i ? (uintptr_t)cs->f[i - 1]
			: L->iframe_owner_entry != LAYOUT_ABSENT ? (uintptr_t)cs->entry : 0);
		/* f0 and f1 wait in calls, f2 runs, f3 is a free slot. */
		put64(cs->f[i], L->iframe_instr, i < 2 ? AT_CALL : 0x100 * (uint64_t)(i + 1));
		if (L->iframe_stacktop != LAYOUT_ABSENT)
			put32(cs->f[i], L->iframe_stacktop, i < 2 ? 3 : -1);
	}
	cs->origin.chunk = (uintptr_t)cs->chunk;
	cs->origin.chunk_top = (uintptr_t)cs->f[3];
	cs->origin.chunk_end = (uintptr_t)cs->chunk + SIZE;
}

/* Copy the chunk as a sample would, then walk from frame from_frame and
 * settle; return the settled depth, or the error. */
static int settle_chunk(struct walker *t, struct chunk_stack *cs, int from_frame)
{
	const uint8_t *data;
	int err;

	assert_int_equal(snapshot_begin(&t->snap), 0);
	snapshot_invalidate(&t->snap);
	assert_int_equal(snapshot_read_block(&t->snap, cs->origin.chunk, 4096, 4096, &data), 0);
	cs->origin.frame = (uintptr_t)cs->f[from_frame];
	err = walk_settled(t, &cs->origin, NULL);
	return err ? err : (int)t->raw.count;
}

static void test_settle_311_to_313(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	struct chunk_stack cs;
	struct walker t;

	(void)state;
	walker_init(&t, L);
	chunk_stack_init(&cs, L);
	/* f2 runs; its callers wait: the stack as walked. */
	assert_int_equal(settle_chunk(&t, &cs, 2), 3);
	assert_int_equal(t.raw.items[0].code, 0x3000);
	/* f2 returned (it sits at its return) and f1 runs on: gone. */
	put64(cs.f[2], L->iframe_instr, AT_RETURN);
	put32(cs.f[1], L->iframe_stacktop, -1);
	assert_int_equal(settle_chunk(&t, &cs, 2), 2);
	assert_int_equal(t.raw.items[0].code, 0x2000);
	/* f2 raised (not at a return) and f1 caught it: gone just the same. */
	put64(cs.f[2], L->iframe_instr, 0x300);
	assert_int_equal(settle_chunk(&t, &cs, 2), 2);
	/* f2 at its return while f1 still waits: as good as returned (the
	 * interpreter makes f1 the current frame before it clears f2). */
	put64(cs.f[2], L->iframe_instr, AT_RETURN);
	put32(cs.f[1], L->iframe_stacktop, 3);
	assert_int_equal(settle_chunk(&t, &cs, 2), 2);
	/* The thread state named f1, and f1 now waits for f2, pushed after:
	 * found right after f1 in the chunk. */
	put64(cs.f[2], L->iframe_instr, 0x300);
	assert_int_equal(settle_chunk(&t, &cs, 1), 3);
	assert_int_equal(t.raw.items[0].code, 0x3000);
	assert_true(t.raw.items[1].flags & RAW_INLINE_CALLEE);
	/* ... but not when f1 runs (f2 is a stale frame above it).  And when
	 * f1 has not begun (the interpreter sets stacktop before the first
	 * instruction too), f1 is itself still being pushed: gone too. */
	put32(cs.f[1], L->iframe_stacktop, -1);
	assert_int_equal(settle_chunk(&t, &cs, 1), 2);
	put32(cs.f[1], L->iframe_stacktop, 3);
	put64(cs.f[1], L->iframe_instr, AT_START);
	assert_int_equal(settle_chunk(&t, &cs, 1), 1);
	/* A caller that has not begun cannot have a callee: its fields were
	 * copied before the ones above it were written. */
	assert_int_equal(settle_chunk(&t, &cs, 2), 1);
	/* f1 copied with the stacktop of a call but the position of an
	 * instruction before it (the target wrote both while they were
	 * copied): it had not called yet, whether f2 came from the thread
	 * state or was found above it. */
	put64(cs.f[1], L->iframe_instr, 0x200);
	assert_int_equal(settle_chunk(&t, &cs, 2), 2);
	assert_int_equal(t.raw.items[0].code, 0x2000);
	assert_int_equal(settle_chunk(&t, &cs, 1), 2);
	/* A frame above f2 that is not linked to it is not its callee. */
	put64(cs.f[1], L->iframe_instr, AT_CALL);
	put64(cs.f[2], L->iframe_instr, AT_CALL);
	put32(cs.f[2], L->iframe_stacktop, 3);
	put64(cs.f[3], L->iframe_previous, (uintptr_t)cs.f[0]);
	assert_int_equal(settle_chunk(&t, &cs, 2), 3);
	free(cs.chunk);
	walker_release(&t);
}

/*
 * Frames that are steady (the same, flags too, as in a walk settling left
 * as it was) are not checked again, the newest pair and the frames newer
 * than the steady ones are.
 */
static void test_settle_skips_what_a_steady_walk_checked(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	struct chunk_stack cs;
	struct walker t;

	(void)state;
	walker_init(&t, L);
	chunk_stack_init(&cs, L);
	assert_int_equal(settle_chunk(&t, &cs, 2), 3);
	assert_true(t.w.quiet);
	/* f0 moved off its call: checked, its callees are cut ... */
	put64(cs.f[0], L->iframe_instr, 0x100);
	assert_int_equal(settle_chunk(&t, &cs, 2), 1);
	assert_false(t.w.quiet);
	/* ... not when its pair with f1 is said to be checked already (a
	 * memo that matched f0 and f1 flag for flag in a quiet walk)... */
	t.w.steady_frames = 2;
	t.w.steady_walked = 3;
	assert_int_equal(settle_chunk(&t, &cs, 2), 3);
	/* ... but f1's pair with the newest frame, not steady, is. */
	put64(cs.f[0], L->iframe_instr, AT_CALL);
	put64(cs.f[1], L->iframe_instr, 0x200);
	assert_int_equal(settle_chunk(&t, &cs, 2), 2);
	/* A pair the earlier walk did not reach (beyond its newest callers
	 * looked at) is checked. */
	put64(cs.f[1], L->iframe_instr, AT_CALL);
	put64(cs.f[0], L->iframe_instr, 0x100);
	t.w.steady_walked = 1000;
	assert_int_equal(settle_chunk(&t, &cs, 2), 1);
	t.w.steady_frames = t.w.steady_walked = 0;
	free(cs.chunk);
	walker_release(&t);
}

/* What pyproc asks the memo: steady frames are equal, flags too, to those
 * of a walk that settling left as it was. */
static void test_stackmemo_steady_frames(void **state)
{
	struct stackmemo memo;
	struct thread_memo *t;
	struct raw_frame walk[3];
	struct sample_frame out[3];
	int i;

	(void)state;
	memset(out, 0, sizeof(out));
	for (i = 0; i < 3; i++)   /* newest first */
		walk[i] = (struct raw_frame){ .addr = 0x100 * (uint64_t)(3 - i),
					      .code = 0x1000 * (uint64_t)(3 - i), .position = 8 };
	stackmemo_init(&memo);
	stackmemo_new_sample(&memo);
	t = stackmemo_thread(&memo, 0x42);
	stackmemo_match(t, walk, 3);
	assert_int_equal(stackmemo_steady(t), 0);
	t->walked_quiet = true;
	stackmemo_store(t, walk, out, 3);
	/* The same walk again: every frame steady. */
	stackmemo_new_sample(&memo);
	t = stackmemo_thread(&memo, 0x42);
	stackmemo_match(t, walk, 3);
	assert_int_equal(stackmemo_steady(t), 3);
	/* The middle frame marked running now: steady below it only, though
	 * all three still match (their facts are the same). */
	walk[1].flags = RAW_RUNNING;
	stackmemo_match(t, walk, 3);
	assert_int_equal(t->matched, 3);
	assert_int_equal(stackmemo_steady(t), 1);
	/* Settling dropped the newest and pushed another at its depth: the
	 * memo of that depth is not the new frame's. */
	assert_non_null(stackmemo_at(t, 2, &walk[0]));
	{
		struct raw_frame other = walk[0];

		other.addr += 0x10;
		assert_null(stackmemo_at(t, 2, &other));
		assert_non_null(stackmemo_at(t, 1, &walk[1]));
	}
	/* Stored from a walk settling changed: nothing is steady. */
	t->walked_quiet = false;
	stackmemo_store(t, walk, out, 3);
	stackmemo_match(t, walk, 3);
	assert_int_equal(stackmemo_steady(t), 0);
	stackmemo_release(&memo);
}

static void test_settle_314(void **state)
{
	const struct py_layout *L = layout_find(3, 14, false);
	struct chunk_stack cs;
	struct walker t;

	(void)state;
	walker_init(&t, L);
	chunk_stack_init(&cs, L);
	put64(cs.f[3], L->iframe_code, 0);
	/* A popped frame has its code cleared: f2 had returned. */
	put64(cs.f[2], L->iframe_code, 0);
	assert_int_equal(settle_chunk(&t, &cs, 2), 2);
	assert_int_equal(t.raw.items[0].code, 0x2000);
	/* A callee pushed after the thread state was copied: in use. */
	put64(cs.f[2], L->iframe_code, 0x3000);
	assert_int_equal(settle_chunk(&t, &cs, 1), 3);
	/* ... unless returning, or not yet begun (being pushed). */
	put64(cs.f[2], L->iframe_instr, AT_RETURN);
	assert_int_equal(settle_chunk(&t, &cs, 1), 2);
	put64(cs.f[2], L->iframe_instr, AT_START);
	assert_int_equal(settle_chunk(&t, &cs, 1), 2);
	/* A caller at its start or at its return has no callee. */
	put64(cs.f[2], L->iframe_instr, 0x300);
	put64(cs.f[1], L->iframe_instr, AT_START);
	assert_int_equal(settle_chunk(&t, &cs, 2), 1);
	put64(cs.f[1], L->iframe_instr, AT_RETURN);
	assert_int_equal(settle_chunk(&t, &cs, 2), 1);
	/* Nor one copied at an instruction before its call (the callee was
	 * pushed after): whether the callee came from the thread state or
	 * was found above it. */
	put64(cs.f[1], L->iframe_instr, 0x200);
	assert_int_equal(settle_chunk(&t, &cs, 2), 2);
	assert_int_equal(t.raw.items[0].code, 0x2000);
	assert_int_equal(settle_chunk(&t, &cs, 1), 2);
	put64(cs.f[1], L->iframe_instr, AT_CALL);
	assert_int_equal(settle_chunk(&t, &cs, 2), 3);
	free(cs.chunk);
	walker_release(&t);
}

static void test_settle_frame_objects(void **state)
{
	const struct py_layout *L = layout_find(3, 10, false);
	static uint8_t frames[3][512] __attribute__((aligned(16)));
	struct fake_codes codes = { 0 };
	struct stack_origin origin = { 0 };
	struct walker t;
	size_t read_again;

	(void)state;
	chain_frame_objects(L, frames, (const int32_t[]){ 0, 10, 20 });
	walker_init(&t, L);
	snapshot_set_group(&t.snap, 1);
	t.w.group = 1;
	origin.frame = (uintptr_t)frames[2];
	assert_int_equal(walk_settled(&t, &origin, &codes), 0);
	assert_int_equal(t.raw.count, 3);
	/* f2 returned and was freed as its code's zombie frame (which keeps
	 * its f_back): dropped, its caller is the newest. */
	put64(frames[2], L->obj_type - 8, 0);
	codes.zombie = (uintptr_t)frames[2];
	assert_int_equal(snapshot_begin(&t.snap), 0);
	assert_int_equal(walk_settled(&t, &origin, &codes), 0);
	assert_int_equal(t.raw.count, 2);
	assert_int_equal(t.raw.items[0].code, 0x2000);
	/* Freed while another frame is the code's zombie: on the free list,
	 * whose link f_back now is: refused. */
	codes.zombie = (uintptr_t)frames[0];
	assert_int_equal(snapshot_begin(&t.snap), 0);
	assert_int_equal(walk_settled(&t, &origin, &codes), PP_ETORN);
	/* No zombie when the code was copied: this one, in use then. */
	codes.zombie = 0;
	assert_int_equal(snapshot_begin(&t.snap), 0);
	assert_int_equal(walk_settled(&t, &origin, &codes), 0);
	assert_int_equal(t.raw.count, 2);
	/* Alive (a traceback holds it) but no longer executing: dropped. */
	put64(frames[2], L->obj_type - 8, 1);
	frames[2][L->frame_executing] = 3;   /* FRAME_RAISED */
	assert_int_equal(snapshot_begin(&t.snap), 0);
	assert_int_equal(walk_settled(&t, &origin, &codes), 0);
	assert_int_equal(t.raw.count, 2);
	/* The thread state named f1, waiting at a call, and f2 (copied with
	 * this thread's frames, as a recent sample walked it) executes with
	 * f1 as its caller: it is f1's callee. */
	frames[2][L->frame_executing] = 0;
	put32(frames[1], L->frame_lasti, AT_CALL);
	origin.frame = (uintptr_t)frames[1];
	assert_int_equal(snapshot_begin(&t.snap), 0);
	assert_int_equal(walk_settled(&t, &origin, &codes), 0);
	assert_int_equal(t.raw.count, 3);
	assert_int_equal(t.raw.items[0].code, 0x3000);
	/* Not when f1 is not at a call. */
	put32(frames[1], L->frame_lasti, 10);
	assert_int_equal(snapshot_begin(&t.snap), 0);
	assert_int_equal(walk_settled(&t, &origin, &codes), 0);
	assert_int_equal(t.raw.count, 2);
	/* From f2: f1 (not at a call) is read again after the walk.  Still
	 * the same and f2 still hangs from it: it waited all along (a call
	 * through C). */
	origin.frame = (uintptr_t)frames[2];
	assert_int_equal(snapshot_begin(&t.snap), 0);
	assert_int_equal(walk_settled(&t, &origin, &codes), 0);
	assert_int_equal(t.raw.count, 3);
	read_again = t.snap.syscalls;
	/* Every caller at a call: nothing is read a second time. */
	put32(frames[0], L->frame_lasti, AT_CALL);
	put32(frames[1], L->frame_lasti, AT_CALL);
	assert_int_equal(snapshot_begin(&t.snap), 0);
	assert_int_equal(walk_settled(&t, &origin, &codes), 0);
	assert_int_equal(t.raw.count, 3);
	assert_int_equal(t.snap.syscalls + 1, read_again);
	put32(frames[0], L->frame_lasti, 0);
	put32(frames[1], L->frame_lasti, 10);
	/* The same again, but f2 returned between the copy (taken by
	 * snapshot_begin) and the second read: f1 may be a later call in the
	 * same frame object, at the same line, and was not waiting when
	 * copied.  Refused. */
	assert_int_equal(snapshot_begin(&t.snap), 0);
	frames[2][L->frame_executing] = 3;
	assert_int_equal(walk_settled(&t, &origin, &codes), PP_ETORN);
	/* ... unless f1 was at a call: then the call ended since. */
	frames[2][L->frame_executing] = 0;
	put32(frames[1], L->frame_lasti, AT_CALL);
	assert_int_equal(snapshot_begin(&t.snap), 0);
	frames[2][L->frame_executing] = 3;
	assert_int_equal(walk_settled(&t, &origin, &codes), 0);
	assert_int_equal(t.raw.count, 3);
	walker_release(&t);
}

/*
 * A generator that suspends clears its previous: a walk that copied it
 * after it yielded stops there, above nothing.  Refused on every version,
 * told by the chain's end: 3.12+ end at an entry frame, 3.15 at the
 * thread's base frame; 3.11 and older never start a thread with a
 * generator's frame.
 */
static void test_walk_refuses_a_chain_cut_at_a_generator(void **state)
{
	static uint8_t gen_frame[256] __attribute__((aligned(16)));
	static uint8_t base[128] __attribute__((aligned(16)));
	int minor;

	(void)state;
	/* 3.11 and every later version the table has. */
	for (minor = 11; layout_find(3, minor, false); minor++) {
		const struct py_layout *L = layout_find(3, minor, false);
		struct chunk_stack cs;
		struct walker t;

		walker_init(&t, L);
		chunk_stack_init(&cs, L);
		put64(cs.f[3], L->iframe_code, 0);
		memset(gen_frame, 0, sizeof(gen_frame));
		gen_frame[L->iframe_owner] = (uint8_t)L->iframe_owner_generator;
		put64(gen_frame, L->iframe_code, 0x5000);
		put64(gen_frame, L->iframe_instr, 0x500);
		if (L->iframe_stacktop != LAYOUT_ABSENT)
			put32(gen_frame, L->iframe_stacktop, -1);
		if (L->ts_base_frame != LAYOUT_ABSENT) {
			/* 3.15: the chain ends at the thread's base frame, below
			 * the entry frame. */
			memset(base, 0, sizeof(base));
			base[L->iframe_owner] = (uint8_t)L->iframe_owner_entry;
			put64(cs.entry, L->iframe_previous, (uintptr_t)base);
			cs.origin.base_frame = (uintptr_t)base;
		}
		/* f2 resumed the generator (its previous is f2, whatever
		 * instruction f2 is at): the whole stack. */
		put64(gen_frame, L->iframe_previous, (uintptr_t)cs.f[2]);
		assert_int_equal(snapshot_begin(&t.snap), 0);
		snapshot_invalidate(&t.snap);
		cs.origin.frame = (uintptr_t)gen_frame;
		t.raw.count = 0;
		assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw), 0);
		assert_int_equal(t.raw.count, 4);
		/* Suspended when copied: cut. */
		put64(gen_frame, L->iframe_previous, 0);
		snapshot_invalidate(&t.snap);
		t.raw.count = 0;
		assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw), PP_ETORN);
		/* Right above an entry frame that ends the chain (what the C
		 * stack held there by then): no thread starts with a generator. */
		if (L->iframe_owner_entry != LAYOUT_ABSENT) {
			put64(gen_frame, L->iframe_previous, (uintptr_t)cs.entry);
			snapshot_invalidate(&t.snap);
			t.raw.count = 0;
			assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw), PP_ETORN);
		}
		/* A function's frame whose link reads NULL is no thread's first
		 * frame either, from 3.12 on (3.11 has no entry frames). */
		put64(cs.f[1], L->iframe_previous, 0);
		cs.origin.frame = (uintptr_t)cs.f[2];
		snapshot_invalidate(&t.snap);
		t.raw.count = 0;
		assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw),
				 L->iframe_owner_entry != LAYOUT_ABSENT ? PP_ETORN : 0);
		/* 3.15: an entry frame that is not the base frame ends nothing. */
		put64(cs.f[1], L->iframe_previous, (uintptr_t)cs.f[0]);
		if (L->ts_base_frame != LAYOUT_ABSENT) {
			put64(cs.entry, L->iframe_previous, 0);
			snapshot_invalidate(&t.snap);
			t.raw.count = 0;
			assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw), PP_ETORN);
		}
		free(cs.chunk);
		walker_release(&t);
	}
}

/* <= 3.10: the oldest frame object of a chain is never a generator's. */
static void test_settle_refuses_a_chain_cut_at_a_generator(void **state)
{
	static const struct { int major, minor; } versions[] = { { 2, 7 }, { 3, 10 } };
	static uint8_t frames[3][512] __attribute__((aligned(16)));
	size_t v;

	(void)state;
	for (v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		const struct py_layout *L = layout_find(versions[v].major, versions[v].minor, false);
		struct fake_codes codes = { 0 };
		struct stack_origin origin = { .frame = (uintptr_t)frames[2] };
		struct walker t;

		chain_frame_objects(L, frames, (const int32_t[]){ AT_CALL, AT_CALL, AT_CALL });
		walker_init(&t, L);
		assert_int_equal(walk_settled(&t, &origin, &codes), 0);
		assert_int_equal(t.raw.count, 3);
		/* The oldest is a generator's frame: it had yielded (2.7 keeps
		 * no other sign of it). */
		put64(frames[0], L->frame_code, GENERATOR_CODE);
		assert_int_equal(snapshot_begin(&t.snap), 0);
		assert_int_equal(walk_settled(&t, &origin, &codes), PP_ETORN);
		/* A generator's frame above a function's is fine. */
		put64(frames[0], L->frame_code, 0x1000);
		put64(frames[1], L->frame_code, GENERATOR_CODE);
		assert_int_equal(snapshot_begin(&t.snap), 0);
		assert_int_equal(walk_settled(&t, &origin, &codes), 0);
		assert_int_equal(t.raw.count, 3);
		walker_release(&t);
	}
}

/* 3.11, 3.12: a thread's C-frame link other than its own root link, with
 * no frame yet, is an evaluation caught while it starts. */
static void test_origin_of_an_evaluation_starting(void **state)
{
	static const int minors[] = { 11, 12 };
	static uint8_t tstate[1024] __attribute__((aligned(16)));
	static uint64_t cframe[4];
	size_t v;

	(void)state;
	for (v = 0; v < sizeof(minors) / sizeof(minors[0]); v++) {
		const struct py_layout *L = layout_find(3, minors[v], false);
		struct stack_origin origin;
		struct walker t;

		walker_init(&t, L);
		memset(tstate, 0, sizeof(tstate));
		memset(cframe, 0, sizeof(cframe));
		/* The thread's own link, no Python running: an empty stack. */
		put64(tstate, L->ts_cframe, (uintptr_t)tstate + L->ts_root_cframe);
		assert_int_equal(stackwalk_origin(&t.w, (uintptr_t)tstate, tstate, &origin), 0);
		assert_int_equal(origin.frame, 0);
		/* A link on the C stack whose frame is not set yet: torn. */
		put64(tstate, L->ts_cframe, (uintptr_t)cframe);
		snapshot_invalidate(&t.snap);
		assert_int_equal(stackwalk_origin(&t.w, (uintptr_t)tstate, tstate, &origin),
				 PP_ETORN);
		cframe[L->cframe_current_frame / 8] = 0x1230;
		snapshot_invalidate(&t.snap);
		assert_int_equal(stackwalk_origin(&t.w, (uintptr_t)tstate, tstate, &origin), 0);
		assert_int_equal(origin.frame, 0x1230);
		walker_release(&t);
	}
}

/* Walk from origin (after a fresh copy) and settle: the depth, or the error. */
static int settled_depth(struct walker *t, const struct stack_origin *origin)
{
	int err;

	assert_int_equal(snapshot_begin(&t->snap), 0);
	err = walk_settled(t, origin, NULL);
	return err ? err : (int)t->raw.count;
}

/*
 * 3.11+: a walk needs its copies in one read with the thread state, the
 * newest frame after the state, a caller before its generator callee.  A
 * generator's frame read on its own after the batch is refused; the next
 * sample's batch copies state, chunk and generator in that order and the
 * walk passes.  The newest frame copied before the state is refused.
 */
static void test_stackwalk_needs_copies_in_walk_order(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	static uint8_t gen_frame[256] __attribute__((aligned(16)));
	static uint8_t tstate[64] __attribute__((aligned(16)));
	struct chunk_stack cs;
	const uint8_t *data;
	struct walker t;
	int sample;

	(void)state;
	walker_init(&t, L);
	chunk_stack_init(&cs, L);
	put64(cs.f[3], L->iframe_code, 0);
	put64(cs.f[2], L->iframe_instr, AT_ITERATE);
	put32(cs.f[2], L->iframe_stacktop, 3);
	memset(gen_frame, 0, sizeof(gen_frame));
	gen_frame[L->iframe_owner] = (uint8_t)L->iframe_owner_generator;
	put64(gen_frame, L->iframe_code, GENERATOR_CODE);
	put64(gen_frame, L->iframe_instr, 0x500);
	put64(gen_frame, L->iframe_previous, (uintptr_t)cs.f[2]);
	cs.origin.frame = (uintptr_t)gen_frame;
	snapshot_set_group(&t.snap, 1);
	for (sample = 0; sample < 2; sample++) {
		assert_int_equal(snapshot_begin(&t.snap), 0);
		assert_int_equal(snapshot_read(&t.snap, (uintptr_t)tstate, sizeof(tstate),
					       SNAP_ORIGIN, &data), 0);
		assert_int_equal(snapshot_read_block(&t.snap, cs.origin.chunk, 4096, 4096, &data), 0);
		cs.origin.copied_at = snapshot_copied_at(&t.snap, (uintptr_t)tstate, NULL);
		t.raw.count = 0;
		/* First read outside any plan; then in the sample's batch. */
		assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw),
				 sample ? 0 : PP_ETORN);
	}
	assert_int_equal(t.raw.count, 4);
	cs.origin.copied_at = snapshot_copied_at(&t.snap, (uintptr_t)gen_frame, NULL) + 1;
	t.raw.count = 0;
	assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw), PP_ETORN);
	snapshot_set_group(&t.snap, 0);
	free(cs.chunk);
	walker_release(&t);
}

/*
 * ... and an interpreter's entry frame between two generators' (one
 * resumed from C) is copied after its caller and before its callee: the
 * second sample's batch walk passes.
 */
static void test_stackwalk_orders_entry_frames(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	static uint8_t outer[256] __attribute__((aligned(16)));
	/* On a page of its own, as on a C stack: the walk plans the pages
	 * that hold entry frames, and the others here are no C stack's. */
	uint8_t *entry = aligned_alloc(4096, 4096);
	static uint8_t inner[256] __attribute__((aligned(16)));
	static uint8_t tstate[64] __attribute__((aligned(16)));
	struct chunk_stack cs;
	const uint8_t *data;
	struct walker t;
	int sample;

	(void)state;
	walker_init(&t, L);
	chunk_stack_init(&cs, L);
	put64(cs.f[3], L->iframe_code, 0);
	put64(cs.f[2], L->iframe_instr, AT_ITERATE);
	memset(outer, 0, sizeof(outer));
	memset(entry, 0, 4096);
	memset(inner, 0, sizeof(inner));
	outer[L->iframe_owner] = inner[L->iframe_owner] = (uint8_t)L->iframe_owner_generator;
	entry[L->iframe_owner] = (uint8_t)L->iframe_owner_entry;
	put64(outer, L->iframe_code, GENERATOR_CODE);
	put64(outer, L->iframe_instr, AT_CALL);
	put64(outer, L->iframe_previous, (uintptr_t)cs.f[2]);
	put64(entry, L->iframe_previous, (uintptr_t)outer);
	put64(inner, L->iframe_code, GENERATOR_CODE + 0x1000);
	put64(inner, L->iframe_instr, 0x500);
	put64(inner, L->iframe_previous, (uintptr_t)entry);
	cs.origin.frame = (uintptr_t)inner;
	snapshot_set_group(&t.snap, 1);
	for (sample = 0; sample < 2; sample++) {
		assert_int_equal(snapshot_begin(&t.snap), 0);
		assert_int_equal(snapshot_read(&t.snap, (uintptr_t)tstate, sizeof(tstate),
					       SNAP_ORIGIN, &data), 0);
		assert_int_equal(snapshot_read_block(&t.snap, cs.origin.chunk, 4096, 4096, &data), 0);
		cs.origin.copied_at = snapshot_copied_at(&t.snap, (uintptr_t)tstate, NULL);
		t.raw.count = 0;
		assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw),
				 sample ? 0 : PP_ETORN);
	}
	assert_int_equal(t.raw.count, 5);
	snapshot_set_group(&t.snap, 0);
	free(entry);
	free(cs.chunk);
	walker_release(&t);
}

/*
 * 3.12+: a generator's frame hangs from a caller at SEND (a generator or a
 * coroutine) or FOR_ITER (a generator only); a function's from one at a
 * call.  A pair that does not fit was copied from addresses that held
 * other objects a moment apart: refused.
 */
static void test_settle_callee_kinds(void **state)
{
	static const int minors[] = { 13, 14 };
	static uint8_t gen_frame[256] __attribute__((aligned(16)));
	size_t v;

	(void)state;
	for (v = 0; v < sizeof(minors) / sizeof(minors[0]); v++) {
		const struct py_layout *L = layout_find(3, minors[v], false);
		struct chunk_stack cs;
		struct walker t;

		walker_init(&t, L);
		chunk_stack_init(&cs, L);
		put64(cs.f[3], L->iframe_code, 0);
		memset(gen_frame, 0, sizeof(gen_frame));
		gen_frame[L->iframe_owner] = (uint8_t)L->iframe_owner_generator;
		put64(gen_frame, L->iframe_code, GENERATOR_CODE);
		put64(gen_frame, L->iframe_instr, 0x500);
		put64(gen_frame, L->iframe_previous, (uintptr_t)cs.f[2]);
		if (L->iframe_stacktop != LAYOUT_ABSENT)
			put32(cs.f[2], L->iframe_stacktop, 3);
		cs.origin.frame = (uintptr_t)gen_frame;
		/* A generator resumed by a for loop. */
		put64(cs.f[2], L->iframe_instr, AT_ITERATE);
		assert_int_equal(settled_depth(&t, &cs.origin), 4);
		/* A coroutine is never a for loop's. */
		put64(gen_frame, L->iframe_code, COROUTINE_CODE);
		assert_int_equal(settled_depth(&t, &cs.origin), PP_ETORN);
		/* ... but awaited (SEND) by a coroutine, it is. */
		put64(cs.f[2], L->iframe_instr, AT_SEND);
		put64(cs.f[2], L->iframe_code, COROUTINE_CODE + 0x3000);
		assert_int_equal(settled_depth(&t, &cs.origin), 4);
		/* A generator cannot yield from a coroutine: this coroutine's
		 * frame took the place of one the generator's SEND resumed. */
		put64(cs.f[2], L->iframe_code, GENERATOR_CODE + 0x3000);
		assert_int_equal(settled_depth(&t, &cs.origin), PP_ETORN);
		put64(cs.f[2], L->iframe_code, 0x3000);
		/* A call pushes a function's frame, not a generator's. */
		put64(cs.f[2], L->iframe_instr, AT_CALL);
		assert_int_equal(settled_depth(&t, &cs.origin), PP_ETORN);
		/* ... unless the generator is leaving: it goes anyway. */
		put64(gen_frame, L->iframe_instr, AT_RETURN);
		assert_int_equal(settled_depth(&t, &cs.origin), 3);
		/* A caller at no call at all had none: the stack is its. */
		put64(gen_frame, L->iframe_instr, 0x500);
		put64(cs.f[2], L->iframe_instr, 0x300);
		assert_int_equal(settled_depth(&t, &cs.origin), 3);
		assert_int_equal(t.raw.items[0].code, 0x3000);
		free(cs.chunk);
		walker_release(&t);
	}
}

/* 3.11 resumes generators through C (the callee is an entry frame), and
 * a for loop still resumes no coroutine. */
static void test_settle_311_for_loops_resume_generators(void **state)
{
	const struct py_layout *L = layout_find(3, 11, false);
	static uint8_t gen_frame[256] __attribute__((aligned(16)));
	struct chunk_stack cs;
	struct walker t;

	(void)state;
	walker_init(&t, L);
	chunk_stack_init(&cs, L);
	put64(cs.f[3], L->iframe_code, 0);
	put64(cs.f[2], L->iframe_instr, AT_ITERATE);
	memset(gen_frame, 0, sizeof(gen_frame));
	gen_frame[L->iframe_owner] = (uint8_t)L->iframe_owner_generator;
	gen_frame[L->iframe_is_entry] = 1;
	put64(gen_frame, L->iframe_code, GENERATOR_CODE);
	put64(gen_frame, L->iframe_instr, 0x500);
	put32(gen_frame, L->iframe_stacktop, -1);
	put64(gen_frame, L->iframe_previous, (uintptr_t)cs.f[2]);
	cs.origin.frame = (uintptr_t)gen_frame;
	assert_int_equal(settled_depth(&t, &cs.origin), 4);
	put64(gen_frame, L->iframe_code, COROUTINE_CODE);
	assert_int_equal(settled_depth(&t, &cs.origin), PP_ETORN);
	/* Resumed by a call (coro.send()): anything goes. */
	put64(cs.f[2], L->iframe_instr, AT_CALL);
	assert_int_equal(settled_depth(&t, &cs.origin), 4);
	free(cs.chunk);
	walker_release(&t);
}

/*
 * 3.12+: a caller whose callee came through C (an entry frame between
 * them) need not be at a call, but it must be under way: one copied at
 * its return or before its first instruction was copied at another moment
 * than the frames above it.
 */
static void test_settle_callers_through_c(void **state)
{
	const struct py_layout *L = layout_find(3, 13, false);
	static uint8_t entry[128] __attribute__((aligned(16)));
	struct chunk_stack cs;
	struct walker t;

	(void)state;
	walker_init(&t, L);
	chunk_stack_init(&cs, L);
	put64(cs.f[3], L->iframe_code, 0);
	/* entry <- f0 <- f1 <- entry <- f2: f1 called C, which called f2. */
	memset(entry, 0, sizeof(entry));
	entry[L->iframe_owner] = (uint8_t)L->iframe_owner_entry;
	put64(entry, L->iframe_previous, (uintptr_t)cs.f[1]);
	put64(cs.f[2], L->iframe_previous, (uintptr_t)entry);
	put64(cs.f[1], L->iframe_instr, 0x200);   /* any instruction calls C */
	put32(cs.f[1], L->iframe_stacktop, -1);   /* and runs meanwhile */
	assert_int_equal(settle_chunk(&t, &cs, 2), 3);
	/* f1 at its return: f2 is no callee of its (f1 itself goes too). */
	put64(cs.f[1], L->iframe_instr, AT_RETURN);
	assert_int_equal(settle_chunk(&t, &cs, 2), 1);
	assert_int_equal(t.raw.items[0].code, 0x1000);
	put64(cs.f[1], L->iframe_instr, AT_START);
	assert_int_equal(settle_chunk(&t, &cs, 2), 1);
	/* A thread with no frame at all settles to no frame. */
	cs.origin.frame = 0;
	assert_int_equal(settled_depth(&t, &cs.origin), 0);
	free(cs.chunk);
	walker_release(&t);
}

/*
 * 3.11+: generator frames are copied one by one from objects that are
 * freed and made anew at the same addresses.  A generator caller read
 * again after the walk must hold the same code; a callee that another
 * frame of the same caller replaced tells the same.
 */
static void test_settle_rereads_generator_callers(void **state)
{
	const struct py_layout *L = layout_find(3, 14, false);
	static uint8_t outer[256] __attribute__((aligned(16)));
	static uint8_t inner[256] __attribute__((aligned(16)));
	struct chunk_stack cs;
	struct walker t;

	(void)state;
	walker_init(&t, L);
	chunk_stack_init(&cs, L);
	put64(cs.f[3], L->iframe_code, 0);
	put64(cs.f[2], L->iframe_instr, AT_ITERATE);
	memset(outer, 0, sizeof(outer));
	memset(inner, 0, sizeof(inner));
	outer[L->iframe_owner] = inner[L->iframe_owner] = (uint8_t)L->iframe_owner_generator;
	put64(outer, L->iframe_code, GENERATOR_CODE);
	put64(outer, L->iframe_instr, AT_ITERATE);
	put64(outer, L->iframe_previous, (uintptr_t)cs.f[2]);
	put64(inner, L->iframe_code, GENERATOR_CODE + 0x1000);
	put64(inner, L->iframe_instr, 0x500);
	put64(inner, L->iframe_previous, (uintptr_t)outer);
	cs.origin.frame = (uintptr_t)inner;
	assert_int_equal(settled_depth(&t, &cs.origin), 5);
	/* The outer generator's address holds another generator by the
	 * time the walk is done. */
	assert_int_equal(snapshot_begin(&t.snap), 0);
	t.raw.count = 0;
	assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw), 0);
	put64(outer, L->iframe_code, GENERATOR_CODE + 0x2000);
	assert_int_equal(settle_thread(&t.w, &cs.origin, &t.raw, 0, fake_facts, NULL), PP_ETORN);
	put64(outer, L->iframe_code, GENERATOR_CODE);
	/* The inner one ended: no sign of anything (the outer moved on). */
	assert_int_equal(snapshot_begin(&t.snap), 0);
	t.raw.count = 0;
	assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw), 0);
	put64(inner, L->iframe_code, 0);
	put64(inner, L->iframe_previous, 0);
	assert_int_equal(settle_thread(&t.w, &cs.origin, &t.raw, 0, fake_facts, NULL), 0);
	assert_int_equal(t.raw.count, 5);
	/* Its place taken by another frame that the outer one resumed: the
	 * pair may never have been one. */
	put64(inner, L->iframe_code, GENERATOR_CODE + 0x1000);
	put64(inner, L->iframe_previous, (uintptr_t)outer);
	assert_int_equal(snapshot_begin(&t.snap), 0);
	t.raw.count = 0;
	assert_int_equal(stackwalk_thread(&t.w, &cs.origin, &t.raw), 0);
	put64(inner, L->iframe_code, GENERATOR_CODE + 0x3000);
	assert_int_equal(settle_thread(&t.w, &cs.origin, &t.raw, 0, fake_facts, NULL), PP_ETORN);
	free(cs.chunk);
	walker_release(&t);
}

/*
 * <= 3.10: a generator's new frame names its maker as f_back until the
 * generator object takes it.  A walk that copied the thread state when a
 * freed generator's frame, at the same address, was running, then copied
 * the address while the new one was being made, finds a generator that has
 * not begun above the caller making it.  The caller is the newest frame;
 * a function's frame not yet begun is being called, and stays.
 */
static void test_settle_drops_a_generator_being_made(void **state)
{
	const struct py_layout *layouts[] = { layout_find(2, 7, false), layout_find(3, 10, false) };
	static uint8_t frames[3][512] __attribute__((aligned(16)));
	struct stack_origin origin = { 0 };
	size_t v;

	(void)state;
	for (v = 0; v < sizeof(layouts) / sizeof(layouts[0]); v++) {
		const struct py_layout *L = layouts[v];
		struct walker t;

		chain_frame_objects(L, frames, (const int32_t[]){ AT_CALL, AT_CALL, AT_START });
		put64(frames[2], L->frame_code, GENERATOR_CODE);
		walker_init(&t, L);
		snapshot_set_group(&t.snap, 1);
		t.w.group = 1;
		origin.frame = (uintptr_t)frames[2];
		assert_int_equal(walk_settled(&t, &origin, NULL), 0);
		assert_int_equal(t.raw.count, 2);
		assert_int_equal(t.raw.items[0].code, 0x2000);
		/* Begun: it runs, resumed by its caller. */
		put32(frames[2], L->frame_lasti, 10);
		assert_int_equal(snapshot_begin(&t.snap), 0);
		assert_int_equal(walk_settled(&t, &origin, NULL), 0);
		assert_int_equal(t.raw.count, 3);
		/* A function's frame not yet begun stays. */
		put64(frames[2], L->frame_code, 0x3000);
		put32(frames[2], L->frame_lasti, AT_START);
		assert_int_equal(snapshot_begin(&t.snap), 0);
		assert_int_equal(walk_settled(&t, &origin, NULL), 0);
		assert_int_equal(t.raw.count, 3);
		walker_release(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stackwalk_frame_objects),
		cmocka_unit_test(test_stackwalk_interpreter_frames_skip_entry_frames),
		cmocka_unit_test(test_stackwalk_recursion_across_chunks),
		cmocka_unit_test(test_settle_311_to_313),
		cmocka_unit_test(test_settle_skips_what_a_steady_walk_checked),
		cmocka_unit_test(test_stackmemo_steady_frames),
		cmocka_unit_test(test_settle_314),
		cmocka_unit_test(test_settle_frame_objects),
		cmocka_unit_test(test_walk_refuses_a_chain_cut_at_a_generator),
		cmocka_unit_test(test_settle_refuses_a_chain_cut_at_a_generator),
		cmocka_unit_test(test_origin_of_an_evaluation_starting),
		cmocka_unit_test(test_settle_callee_kinds),
		cmocka_unit_test(test_stackwalk_needs_copies_in_walk_order),
		cmocka_unit_test(test_stackwalk_orders_entry_frames),
		cmocka_unit_test(test_settle_callers_through_c),
		cmocka_unit_test(test_settle_311_for_loops_resume_generators),
		cmocka_unit_test(test_settle_rereads_generator_callers),
		cmocka_unit_test(test_settle_drops_a_generator_being_made),
	};
	return cmocka_run_group_tests_name("stackwalk", tests, NULL, NULL);
}
