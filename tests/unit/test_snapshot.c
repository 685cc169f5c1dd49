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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_prefetches_what_the_last_sample_used),
		cmocka_unit_test(test_snapshot_invalidate_forces_fresh_reads),
		cmocka_unit_test(test_snapshot_blocks_and_partial_copies),
		cmocka_unit_test(test_snapshot_read_many_batches_misses),
	};
	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
