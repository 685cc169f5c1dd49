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
	FRAME_WORDS = 16,        /* every test code's frame size */
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
	facts->started = frame->position != AT_START;
	facts->framesize = FRAME_WORDS;
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
	return err ? err : stackwalk_settle(&t->w, origin, &t->raw, 0, fake_facts, codes);
}

static void test_stackwalk_frame_objects(void **state)
{
	const struct py_layout *L = layout_find(3, 10, false);
	static uint8_t frames[3][512] __attribute__((aligned(16)));
	struct stack_origin origin = { .frame = (uintptr_t)frames[2] };
	struct walker t;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		put64(frames[i], L->obj_type - 8, 1);   /* a live object has references */
		put64(frames[i], L->frame_code, 0x1000 * (uint64_t)(i + 1));
		put32(frames[i], L->frame_lasti, 10 * i);
		put64(frames[i], L->frame_back, i ? (uintptr_t)frames[i - 1] : 0);
	}
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
	assert_int_equal(stackwalk_settle(&t.w, &origin, &t.raw, 0, fake_facts, NULL), PP_ETORN);
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
	assert_int_equal(stackwalk_origin(&t.w, tstate, &origin), 0);
	assert_int_equal(origin.frame, (uintptr_t)frame[3]);
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), 0);
	assert_int_equal(t.raw.count, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(t.raw.items[i].code, 0x1000 * (uint64_t)(4 - i));
	/* Next sample: chunk, entry frames and C-stack link in one read. */
	assert_int_equal(snapshot_begin(&t.snap), 0);
	t.raw.count = 0;
	assert_int_equal(stackwalk_origin(&t.w, tstate, &origin), 0);
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
	uint8_t *chunks[CHUNKS];
	uint64_t previous = 0;
	struct stack_origin origin = { 0 };
	struct walker t;
	int c, f;

	(void)state;
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
	struct stack_origin origin;
};

static void chunk_stack_init(struct chunk_stack *cs, const struct py_layout *L)
{
	enum { SIZE = 4096 };
	int i;

	cs->chunk = aligned_alloc(64, SIZE);
	memset(cs->chunk, 0, SIZE);
	put64(cs->chunk, L->chunk_size, SIZE);
	for (i = 0; i < 4; i++) {
		cs->f[i] = cs->chunk + L->chunk_data + (size_t)i * FRAME_WORDS * 8;
		put64(cs->f[i], L->iframe_code, 0x1000 * (uint64_t)(i + 1));
		put64(cs->f[i], L->iframe_previous, i ? (uintptr_t)cs->f[i - 1] : 0);
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
	int i;

	(void)state;
	memset(frames, 0, sizeof(frames));   /* f_state 0: FRAME_EXECUTING */
	for (i = 0; i < 3; i++) {
		put64(frames[i], L->obj_type - 8, 1);
		put64(frames[i], L->frame_code, 0x1000 * (uint64_t)(i + 1));
		put32(frames[i], L->frame_lasti, 10 * i);
		put64(frames[i], L->frame_back, i ? (uintptr_t)frames[i - 1] : 0);
	}
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stackwalk_frame_objects),
		cmocka_unit_test(test_stackwalk_interpreter_frames_skip_entry_frames),
		cmocka_unit_test(test_stackwalk_recursion_across_chunks),
		cmocka_unit_test(test_settle_311_to_313),
		cmocka_unit_test(test_settle_314),
		cmocka_unit_test(test_settle_frame_objects),
	};
	return cmocka_run_group_tests_name("stackwalk", tests, NULL, NULL);
}
