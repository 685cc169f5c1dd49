/*
 * test_stackwalk.c - walking frame chains built in this process's memory,
 * laid out as real versions lay them out: frame objects (3.10), interpreter
 * frames in data-stack chunks with entry frames (3.12), a recursion over
 * several chunks, and chains that are broken.
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
	snapshot_release(&t->snap);
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
	/* ... or into a freed frame (no references left). */
	put64(frames[0], L->frame_back, 0);
	put64(frames[0], L->obj_type - 8, 0);
	assert_int_equal(snapshot_begin(&t.snap), 0);
	t.raw.count = 0;
	assert_int_equal(stackwalk_thread(&t.w, &origin, &t.raw), PP_ETORN);
	put64(frames[0], L->obj_type - 8, 1);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stackwalk_frame_objects),
		cmocka_unit_test(test_stackwalk_interpreter_frames_skip_entry_frames),
		cmocka_unit_test(test_stackwalk_recursion_across_chunks),
	};
	return cmocka_run_group_tests_name("stackwalk", tests, NULL, NULL);
}
