/*
 * test_snapshot.c - one batched read per sample: what a sample needed is
 * prefetched by the next, nearby objects share a range, blocks that end
 * early keep what arrived.  The target is this process.
 */
#include "unit.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../readers/snapshot.h"

static uint8_t memory[8192] __attribute__((aligned(64)));

static void test_snapshot_prefetches_what_the_last_sample_used(void **state)
{
	struct snapshot snap;
	const uint8_t *data;

	(void)state;
	memset(memory, 0, sizeof(memory));
	snapshot_init(&snap, getpid());
	assert_int_equal(snapshot_begin(&snap), 0);
	memory[100] = 1;
	assert_int_equal(snapshot_read(&snap, (uintptr_t)memory + 100, 8, SNAP_RECUR, &data), 0);
	assert_int_equal(data[0], 1);
	assert_int_equal(snapshot_read(&snap, (uintptr_t)memory + 4000, 8, SNAP_RECUR, &data), 0);
	assert_int_equal(snapshot_read(&snap, (uintptr_t)memory + 7000, 8, 0, &data), 0);
	assert_int_equal(snap.syscalls, 3);

	/* Next sample: the two SNAP_RECUR ranges arrive in one read, fresh. */
	memory[100] = 2;
	assert_int_equal(snapshot_begin(&snap), 0);
	assert_int_equal(snap.syscalls, 1);
	memory[100] = 3;   /* changes after the copy are not seen this sample */
	assert_int_equal(snapshot_read(&snap, (uintptr_t)memory + 100, 8, SNAP_RECUR, &data), 0);
	assert_int_equal(data[0], 2);
	assert_non_null(snapshot_find(&snap, (uintptr_t)memory + 4000, 8, SNAP_RECUR));
	assert_null(snapshot_find(&snap, (uintptr_t)memory + 7000, 8, 0));
	assert_int_equal(snap.syscalls, 1);

	/* A range no longer used stays prefetched for a while (a stack seen
	 * now and then keeps its frames ready), then is forgotten. */
	{
		int kept = 0;

		while (kept <= SNAPSHOT_PLAN_KEEP + 1) {
			assert_int_equal(snapshot_begin(&snap), 0);
			if (!snapshot_find(&snap, (uintptr_t)memory + 100, 8, 0))
				break;
			kept++;
		}
		assert_int_equal(kept, SNAPSHOT_PLAN_KEEP);
	}
	snapshot_release(&snap);
}

static void test_snapshot_invalidate_forces_fresh_reads(void **state)
{
	struct snapshot snap;
	const uint8_t *data;

	(void)state;
	snapshot_init(&snap, getpid());
	assert_int_equal(snapshot_begin(&snap), 0);
	memory[0] = 7;
	assert_int_equal(snapshot_read(&snap, (uintptr_t)memory, 8, SNAP_RECUR, &data), 0);
	memory[0] = 8;
	snapshot_invalidate(&snap);
	assert_int_equal(snapshot_read(&snap, (uintptr_t)memory, 8, SNAP_RECUR, &data), 0);
	assert_int_equal(data[0], 8);
	snapshot_release(&snap);
}

static void test_snapshot_blocks_and_partial_copies(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *area = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct snapshot snap;
	const uint8_t *data;

	(void)state;
	assert_true(area != MAP_FAILED);
	/* The second page is unreadable: a block planned past it is cut. */
	assert_int_equal(mprotect(area + page, (size_t)page, PROT_NONE), 0);
	area[page - 8] = 42;
	snapshot_init(&snap, getpid());
	assert_int_equal(snapshot_begin(&snap), 0);
	assert_int_equal(snapshot_read_block(&snap, (uintptr_t)area, 64, (size_t)page + 4096, &data), 0);
	assert_int_equal(snapshot_begin(&snap), 0);
	/* Inside the part that arrived: found by containment. */
	data = snapshot_find(&snap, (uintptr_t)area + (uintptr_t)page - 8, 8, 0);
	assert_non_null(data);
	assert_int_equal(data[0], 42);
	assert_null(snapshot_find(&snap, (uintptr_t)area + (uintptr_t)page - 4, 8, 0));
	/* An object in unreadable memory is an error, not a crash. */
	assert_int_not_equal(snapshot_read(&snap, (uintptr_t)area + (uintptr_t)page, 8, 0, &data), 0);
	snapshot_release(&snap);
	munmap(area, (size_t)page * 2);
}

static void test_snapshot_read_many_batches_misses(void **state)
{
	struct snapshot snap;
	struct snapshot_req reqs[4];
	size_t i;

	(void)state;
	snapshot_init(&snap, getpid());
	assert_int_equal(snapshot_begin(&snap), 0);
	for (i = 0; i < 4; i++) {
		memory[1000 + 200 * i] = (uint8_t)(10 + i);
		reqs[i] = (struct snapshot_req){ .addr = (uintptr_t)memory + 1000 + 200 * i, .len = 16 };
	}
	reqs[3].addr = 8;   /* never mapped */
	assert_int_equal(snapshot_read_many(&snap, reqs, 4, SNAP_RECUR), 0);
	assert_int_equal(snap.syscalls, 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(reqs[i].data[0], 10 + i);
	assert_null(reqs[3].data);
	/* Next sample: the three neighbours are one range of one read. */
	assert_int_equal(snapshot_begin(&snap), 0);
	assert_int_equal(snap.syscalls, 1);
	assert_int_equal(snap.bytes, 16 + 2 * 200);
	snapshot_release(&snap);
}

static uint64_t copied_at(struct snapshot *snap, const void *addr, bool *in_block)
{
	return snapshot_copied_at(snap, (uintptr_t)addr, in_block);
}

/*
 * A thread's walk: its state, a data-stack chunk holding the oldest frames,
 * and frames copied on their own, the caller (depth 1) at a higher address
 * than its callee (depth 2), close enough to share one range.  The next
 * sample copies them in one read, in the order a walk needs them: state,
 * chunk, then frames oldest first.  A range read outside the plan is a
 * read of its own.
 */
static void test_snapshot_copies_a_thread_in_walk_order(void **state)
{
	struct snapshot snap;
	const uint8_t *data;
	uint8_t *tstate = memory + 100, *chunk = memory + 2000;
	uint8_t *callee = memory + 5000, *caller = memory + 5200;
	uint64_t at_tstate, at_chunk, at_caller, at_callee, at_other;
	bool in_block;

	(void)state;
	snapshot_init(&snap, getpid());
	assert_int_equal(snapshot_begin(&snap), 0);
	snapshot_set_group(&snap, 1);
	assert_int_equal(snapshot_read(&snap, (uintptr_t)tstate, 64, SNAP_ORIGIN, &data), 0);
	assert_int_equal(snapshot_read_block(&snap, (uintptr_t)chunk, 256, 256, &data), 0);
	assert_int_equal(snapshot_read(&snap, (uintptr_t)callee, 64, SNAP_CHAIN, &data), 0);
	assert_int_equal(snapshot_read(&snap, (uintptr_t)caller, 64, SNAP_CHAIN, &data), 0);
	snapshot_set_depth(&snap, (uintptr_t)caller, 1);
	snapshot_set_depth(&snap, (uintptr_t)callee, 2);
	snapshot_set_group(&snap, 0);
	/* Read outside any plan: each its own read. */
	assert_false(snapshot_one_read(copied_at(&snap, tstate, &in_block),
				       copied_at(&snap, callee, &in_block)));

	assert_int_equal(snapshot_begin(&snap), 0);
	at_tstate = copied_at(&snap, tstate, &in_block);
	assert_false(in_block);
	at_chunk = copied_at(&snap, chunk + 40, &in_block);
	assert_true(in_block);
	at_caller = copied_at(&snap, caller, &in_block);
	assert_false(in_block);
	at_callee = copied_at(&snap, callee, &in_block);
	assert_true(snapshot_one_read(at_tstate, at_callee));
	assert_true(snapshot_one_read(at_chunk, at_caller));
	assert_true(at_tstate < at_chunk);
	assert_true(at_chunk < at_caller);
	assert_true(at_caller < at_callee);
	/* Bytes of one block: later ones later. */
	assert_int_equal(copied_at(&snap, chunk + 48, &in_block), at_chunk + 8);
	assert_int_equal(copied_at(&snap, memory + 7000, &in_block), 0);

	assert_int_equal(snapshot_read(&snap, (uintptr_t)memory + 7000, 8, 0, &data), 0);
	at_other = copied_at(&snap, memory + 7000, &in_block);
	assert_true(at_other > at_callee);
	assert_false(snapshot_one_read(at_other, at_callee));
	snapshot_release(&snap);
}

static void test_snapshot_a_thread_state_read_as_a_frame_stays_first(void **state)
{
	struct snapshot snap;
	const uint8_t *data;
	uint8_t *tstate = memory + 100, *chunk = memory + 2000;
	bool in_block;
	int sample;

	(void)state;
	snapshot_init(&snap, getpid());
	for (sample = 0; sample < 3; sample++) {
		assert_int_equal(snapshot_begin(&snap), 0);
		/* From the second sample on, the thread state must come before
		 * the chunk in the batch, whatever the last sample did. */
		if (sample)
			assert_true(copied_at(&snap, tstate, &in_block) <
				    copied_at(&snap, chunk, &in_block));
		snapshot_set_group(&snap, 1);
		assert_int_equal(snapshot_read(&snap, (uintptr_t)tstate, 64, SNAP_ORIGIN, &data), 0);
		assert_int_equal(snapshot_read_block(&snap, (uintptr_t)chunk, 256, 256, &data), 0);
		/* A torn walk follows a stale link to the thread state. */
		assert_int_equal(snapshot_read(&snap, (uintptr_t)tstate, 32, SNAP_CHAIN, &data), 0);
		snapshot_set_group(&snap, 0);
	}
	snapshot_release(&snap);
}

static void test_snapshot_planned_blocks_are_copied_next_time(void **state)
{
	struct snapshot snap;
	uint8_t *page = memory + 4096, *tstate = memory + 100;
	const uint8_t *data;
	uint64_t at_page;
	bool in_block;

	(void)state;
	snapshot_init(&snap, getpid());
	assert_int_equal(snapshot_begin(&snap), 0);
	snapshot_set_group(&snap, 1);
	assert_int_equal(snapshot_read(&snap, (uintptr_t)tstate, 64, SNAP_ORIGIN, &data), 0);
	snapshot_plan_block(&snap, (uintptr_t)page, 4096);
	snapshot_set_group(&snap, 0);
	/* Planned, not copied: nothing in it is found this sample. */
	assert_null(snapshot_find(&snap, (uintptr_t)page + 100, 8, 0));
	assert_int_equal(snap.syscalls, 1);

	page[300] = 7;
	assert_int_equal(snapshot_begin(&snap), 0);
	assert_int_equal(snap.syscalls, 1);
	data = snapshot_find(&snap, (uintptr_t)page + 300, 8, 0);
	assert_non_null(data);
	assert_int_equal(data[0], 7);
	/* Any address inside, copied with the thread state, after it. */
	at_page = copied_at(&snap, page + 300, &in_block);
	assert_true(in_block);
	assert_true(snapshot_one_read(at_page, copied_at(&snap, tstate, &in_block)));
	assert_true(copied_at(&snap, tstate, &in_block) < copied_at(&snap, page, &in_block));
	/* Where a walk starts (3.12's link to the newest frame, on the C
	 * stack) is never taken from the block: it is copied before it. */
	snapshot_set_group(&snap, 1);
	assert_int_equal(snapshot_read(&snap, (uintptr_t)page + 64, 8, SNAP_ORIGIN, &data), 0);
	snapshot_set_group(&snap, 0);
	assert_int_equal(snap.syscalls, 2);
	assert_int_equal(snapshot_begin(&snap), 0);
	assert_int_equal(snapshot_read(&snap, (uintptr_t)page + 64, 8, SNAP_ORIGIN, &data), 0);
	assert_int_equal(snap.syscalls, 1);
	assert_ptr_not_equal(data, snapshot_find(&snap, (uintptr_t)page + 64, 8, 0));
	assert_true(snapshot_origin_copied_at(&snap, (uintptr_t)page + 64) <
		    copied_at(&snap, page, &in_block));
	snapshot_release(&snap);
}

static void test_snapshot_read_now_joins_neighbours(void **state)
{
	struct snapshot snap;
	struct snapshot_req reqs[5];
	int i;

	(void)state;
	snapshot_init(&snap, getpid());
	assert_int_equal(snapshot_begin(&snap), 0);
	for (i = 0; i < (int)sizeof(memory); i++)
		memory[i] = (uint8_t)(i / 8);
	/* Falling addresses, as a walk's frames come, and one far away. */
	for (i = 0; i < 4; i++)
		reqs[i] = (struct snapshot_req){ .addr = (uintptr_t)memory + 3000 - 400 * (size_t)i,
						 .len = 360 };
	reqs[4] = (struct snapshot_req){ .addr = (uintptr_t)memory + 7800, .len = 64 };
	snap.syscalls = 0;
	assert_int_equal(snapshot_read_now(&snap, reqs, 5), 0);
	assert_int_equal(snap.syscalls, 1);
	for (i = 0; i < 5; i++) {
		size_t at = reqs[i].addr - (uintptr_t)memory;

		assert_non_null(reqs[i].data);
		assert_memory_equal(reqs[i].data, memory + at, reqs[i].len);
	}
	/* Two ranges: the four neighbours joined, the far one on its own. */
	assert_int_equal(snap.reqs[0].len, 3 * 400 + 360);
	assert_int_equal(snap.reqs[1].addr, (uintptr_t)memory + 7800);
	snapshot_release(&snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_prefetches_what_the_last_sample_used),
		cmocka_unit_test(test_snapshot_invalidate_forces_fresh_reads),
		cmocka_unit_test(test_snapshot_blocks_and_partial_copies),
		cmocka_unit_test(test_snapshot_read_many_batches_misses),
		cmocka_unit_test(test_snapshot_copies_a_thread_in_walk_order),
		cmocka_unit_test(test_snapshot_a_thread_state_read_as_a_frame_stays_first),
		cmocka_unit_test(test_snapshot_planned_blocks_are_copied_next_time),
		cmocka_unit_test(test_snapshot_read_now_joins_neighbours),
	};
	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
