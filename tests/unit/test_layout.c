/*
 * test_layout.c - choosing layouts and correcting them from real
 * _Py_DebugOffsets blocks (cut from the shipped binaries' .PyRuntime
 * sections by scripts/debug-offsets-fixtures.sh).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/errors.h"
#include "../../readers/layout.h"

static size_t load(const char *name, uint8_t *buf, size_t size)
{
	char path[256];
	FILE *fh;
	size_t got;

	snprintf(path, sizeof(path), TEST_DATA "/debug_offsets/%s.bin", name);
	fh = fopen(path, "rb");
	assert_non_null(fh);
	got = fread(buf, 1, size, fh);
	fclose(fh);
	return got;
}

static void test_layout_find_every_supported_version(void **state)
{
	static const int minors[] = { 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	size_t i;

	(void)state;
	assert_non_null(layout_find(2, 7, false));
	for (i = 0; i < sizeof(minors) / sizeof(minors[0]); i++)
		assert_non_null(layout_find(3, minors[i], false));
	assert_non_null(layout_find(3, 13, true));
	assert_null(layout_find(3, 12, true));   /* no free-threaded 3.12 exists */
	assert_null(layout_find(3, 16, false));  /* unknown: refuse, never guess */
	assert_null(layout_find(3, 5, false));
}

static void test_layout_supported_lists_ranges(void **state)
{
	char buf[160];

	(void)state;
	layout_supported(buf, sizeof(buf));
	assert_string_equal(buf, "2.7, 3.6-3.15, 3.13t-3.15t");
}

static void test_layout_known_offsets(void **state)
{
	const struct py_layout *l27 = layout_find(2, 7, false);
	const struct py_layout *l311 = layout_find(3, 11, false);
	const struct py_layout *l312 = layout_find(3, 12, false);

	(void)state;
	/* Values from cpython-internals.md section 1, verified live there. */
	assert_int_equal(l27->frame_lasti, 120);
	assert_int_equal(l27->code_name, 88);
	assert_int_equal(l27->rule_linetable, LINETABLE_LNOTAB_UNSIGNED);
	assert_int_equal(l311->cframe_current_frame, 8);
	assert_int_equal(l311->code_adaptive, 184);
	assert_int_equal(l311->iframe_owner_entry, LAYOUT_ABSENT);
	assert_int_equal(l312->cframe_current_frame, 0);
	assert_int_equal(l312->ts_thread_id, 136);
	assert_int_equal(l312->rule_lasti, LASTI_POINTER);
}

struct block_case {
	const char *file;
	int minor;
	bool free_threaded;
	uint32_t native_thread_id, code_adaptive, owner;
};

static void test_layout_debug_offsets_from_real_blocks(void **state)
{
	static const struct block_case cases[] = {
		{ "3.13.0", 13, false, 160, 200, 70 },
		{ "3.13.18", 13, false, 160, 200, 70 },
		{ "3.13.15t", 13, true, 160, 216, 70 },
		{ "3.14.10", 14, false, 160, 208, 74 },
		{ "3.15.2", 15, false, 184, 208, 74 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t block[1024];
		size_t len = load(cases[i].file, block, sizeof(block));
		struct py_layout layout = *layout_find(3, cases[i].minor, cases[i].free_threaded);

		/* Start from wrong numbers: the block must put the right ones in. */
		layout.ts_native_thread_id = 1;
		layout.code_adaptive = 2;
		assert_int_equal(layout_apply_debug_offsets(&layout, block, len, 0), 0);
		assert_int_equal(layout.ts_native_thread_id, cases[i].native_thread_id);
		assert_int_equal(layout.code_adaptive, cases[i].code_adaptive);
		assert_int_equal(layout.iframe_owner, cases[i].owner);
		assert_int_equal(layout.ts_datastack_top, layout.ts_datastack_chunk + 8);
		/* A member the build lacks stays absent, though the block says 0. */
		if (!cases[i].free_threaded && cases[i].minor >= 14)
			assert_int_equal(layout.code_tlbc, LAYOUT_ABSENT);
	}
}

static void test_layout_debug_offsets_refuse_mismatch(void **state)
{
	uint8_t block[1024];
	size_t len = load("3.14.10", block, sizeof(block));
	struct py_layout layout;

	(void)state;
	/* A 3.14 block read with the 3.15 layout. */
	layout = *layout_find(3, 15, false);
	assert_int_equal(layout_apply_debug_offsets(&layout, block, len, 0), PP_EBADDATA);
	/* Wrong build flavour. */
	layout = *layout_find(3, 14, true);
	assert_int_equal(layout_apply_debug_offsets(&layout, block, len, 0), PP_EBADDATA);
	/* Py_Version disagrees. */
	layout = *layout_find(3, 14, false);
	assert_int_equal(layout_apply_debug_offsets(&layout, block, len, 0x030e00f0), PP_EBADDATA);
	/* No cookie. */
	block[0] = 'X';
	assert_int_equal(layout_apply_debug_offsets(&layout, block, len, 0), PP_EBADDATA);
	/* Truncated. */
	block[0] = 'x';
	assert_int_equal(layout_apply_debug_offsets(&layout, block, 100, 0), PP_EBADDATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_find_every_supported_version),
		cmocka_unit_test(test_layout_supported_lists_ranges),
		cmocka_unit_test(test_layout_known_offsets),
		cmocka_unit_test(test_layout_debug_offsets_from_real_blocks),
		cmocka_unit_test(test_layout_debug_offsets_refuse_mismatch),
	};
	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
