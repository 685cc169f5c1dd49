/*
 * test_landmarks.c - returns, calls and sends found in bytecode written
 * here with the real opcodes of 2.7, 3.10 and 3.12, and a loop's jump back
 * given its loop's line.
 */
#include "unit.h"

#include <string.h>

#include "../../readers/landmarks.h"

/* An opcode the layout's table of inline caches lists, and its caches. */
static uint8_t op_with_caches(const uint8_t caches[256])
{
	for (int op = 1; op < 256; op++)
		if (caches[op] > 1)
			return (uint8_t)op;
	fail_msg("no opcode with inline caches");
	return 0;
}

/* 2.7: 1- or 3-byte instructions; a call at 3, a return at 6. */
static void test_landmarks_27(void **state)
{
	const struct py_layout *L = layout_find(2, 7, false);
	const uint8_t code[] = { 100, 0, 0, (uint8_t)L->op_call_function, 1, 0,
				 (uint8_t)L->op_return_value };
	struct opcode_sets sets;
	struct landmarks marks = { 0 };
	struct linetable lines = { 0 };

	(void)state;
	landmarks_opcodes(L, &sets);
	assert_false(landmarks_leaves(&marks, 6));
	assert_true(landmarks_calls(&marks, 0));     /* not scanned: maybe */
	landmarks_scan(L, &sets, code, sizeof(code), &lines, &marks);
	assert_true(landmarks_calls(&marks, 3));
	assert_false(landmarks_calls(&marks, 0));
	assert_false(landmarks_calls(&marks, 4));
	assert_true(landmarks_leaves(&marks, 6));
	assert_false(landmarks_leaves(&marks, 3));
	landmarks_release(&marks);
}

/* 3.12: a call waits on its last inline cache; a send is no call. */
static void test_landmarks_312_inline_calls(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	uint8_t call = op_with_caches(L->inline_call_caches);
	uint8_t send = op_with_caches(L->inline_send_caches);
	size_t call_units = L->inline_call_caches[call];
	size_t send_at = 2 * call_units, return_at = send_at + 2 * L->inline_send_caches[send];
	uint8_t code[64] = { 0 };
	struct opcode_sets sets;
	struct landmarks marks = { 0 };
	struct linetable lines = { 0 };

	(void)state;
	assert_true(return_at + 2 <= sizeof(code));
	/* Cache entries are zeros: opcode 0 (CACHE) takes no part. */
	code[0] = call;
	code[send_at] = send;
	code[return_at] = (uint8_t)L->op_return_value;
	landmarks_opcodes(L, &sets);
	landmarks_scan(L, &sets, code, return_at + 2, &lines, &marks);
	assert_true(landmarks_calls(&marks, 0));
	assert_true(landmarks_calls(&marks, (int64_t)send_at - 2));
	assert_false(landmarks_calls(&marks, (int64_t)send_at));
	assert_false(landmarks_sends(&marks, 0));
	assert_true(landmarks_sends(&marks, (int64_t)send_at));
	assert_false(landmarks_iterates(&marks, (int64_t)send_at));
	assert_true(landmarks_leaves(&marks, (int64_t)return_at));
	assert_false(landmarks_leaves(&marks, 0));
	landmarks_release(&marks);
}

/*
 * 3.15: a waiting caller sits on its call's opcode.  A counter in another
 * instruction's cache entry whose low byte is a call's opcode makes no
 * instruction after it a call (fib's `if n < 2` under its RESUME's cache
 * counted as one, and a caller copied before its call passed for waiting).
 */
static void test_landmarks_315_cache_is_no_call(void **state)
{
	const struct py_layout *L = layout_find(3, 15, false);
	uint8_t call = op_with_caches(L->inline_call_caches);
	uint8_t code[32] = { 0 };
	struct opcode_sets sets;
	struct landmarks marks = { 0 };
	struct linetable lines = { 0 };

	(void)state;
	assert_true(L->rule_call_at_opcode);
	/* 0: an instruction with one cache entry at 2 holding the counter;
	 * 4, 6: plain instructions; 8: a real call. */
	code[0] = 1;
	code[2] = call;
	code[3] = 1;
	code[4] = 1;
	code[6] = 1;
	code[8] = call;
	landmarks_opcodes(L, &sets);
	landmarks_scan(L, &sets, code, sizeof(code), &lines, &marks);
	assert_false(landmarks_calls(&marks, 4));
	assert_false(landmarks_calls(&marks, 6));
	assert_true(landmarks_calls(&marks, 8));
	assert_false(landmarks_calls(&marks, 10));
	landmarks_release(&marks);
}

/* 3.10: a jump back to 0 with no line of its own takes line 6. */
static void test_landmarks_back_edge_line(void **state)
{
	const struct py_layout *L = layout_find(3, 10, false);
	/* 0-3 line 6, 4-5 none, 6-7 line 7. */
	static const uint8_t table[] = { 4, 1, 2, 0x80, 2, 1 };
	const uint8_t code[] = { 100, 0, 1, 0, (uint8_t)L->op_jump_absolute, 0, 83, 0 };
	struct opcode_sets sets;
	struct landmarks marks = { 0 };
	struct linetable lines;

	(void)state;
	assert_int_equal(linetable_decode(&lines, LINETABLE_310, table, sizeof(table), 5), 0);
	assert_int_equal(linetable_line(&lines, 4), LINE_NONE);
	landmarks_opcodes(L, &sets);
	landmarks_scan(L, &sets, code, sizeof(code), &lines, &marks);
	assert_int_equal(linetable_line(&lines, 4), 6);
	assert_int_equal(linetable_line(&lines, 6), 7);
	landmarks_release(&marks);
	linetable_release(&lines);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_landmarks_27),
		cmocka_unit_test(test_landmarks_312_inline_calls),
		cmocka_unit_test(test_landmarks_315_cache_is_no_call),
		cmocka_unit_test(test_landmarks_back_edge_line),
	};
	return cmocka_run_group_tests_name("landmarks", tests, NULL, NULL);
}
