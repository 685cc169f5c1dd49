/*
 * test_layout.c - choosing layouts and correcting them from real
 * _Py_DebugOffsets blocks (cut from the shipped binaries' .PyRuntime
 * sections by scripts/debug-offsets-fixtures.sh).
 */
#include "unit.h"

#include <dirent.h>
#include <stdbool.h>
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

/* The versions the layout table was made from: one file per interpreter
 * probed in scripts/layouts/ ("3.13.0t.txt", "3.14.10-sid.txt"). */
struct probed {
	int major, minor;
	bool free_threaded;
};

static size_t probed_versions(struct probed *out, size_t cap)
{
	DIR *dir = opendir("scripts/layouts");
	struct dirent *entry;
	size_t n = 0;

	assert_non_null(dir);
	while ((entry = readdir(dir)) && n < cap) {
		int major, minor, micro, used = 0;

		if (sscanf(entry->d_name, "%d.%d.%d%n", &major, &minor, &micro, &used) != 3)
			continue;
		out[n++] = (struct probed){ major, minor, entry->d_name[used] == 't' };
	}
	closedir(dir);
	return n;
}

static void test_layout_find_every_supported_version(void **state)
{
	struct probed versions[64];
	size_t i, n = probed_versions(versions, 64);
	int newest = 0;

	(void)state;
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		assert_non_null(layout_find(versions[i].major, versions[i].minor,
					    versions[i].free_threaded));
		if (versions[i].major == 3 && versions[i].minor > newest)
			newest = versions[i].minor;
	}
	assert_null(layout_find(3, 12, true));   /* no free-threaded 3.12 exists */
	/* Unknown: refuse, never guess. */
	assert_null(layout_find(3, newest + 1, false));
	assert_null(layout_find(3, 5, false));
}

/* Whether "3.13t" lies in one of the ranges of a list "2.7, 3.6-3.15, 3.13t-3.15t". */
static bool listed(const char *list, const struct probed *version)
{
	char copy[160], *item, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", list);
	for (item = strtok_r(copy, ", ", &save); item; item = strtok_r(NULL, ", ", &save)) {
		int lo_major, lo_minor, hi_major, hi_minor, used = 0;
		const char *dash = strchr(item, '-');
		bool item_free = strchr(item, 't') != NULL;

		if (sscanf(item, "%d.%d", &lo_major, &lo_minor) != 2)
			continue;
		hi_major = lo_major;
		hi_minor = lo_minor;
		if (dash)
			sscanf(dash + 1, "%d.%d%n", &hi_major, &hi_minor, &used);
		if (item_free == version->free_threaded && version->major == lo_major &&
		    version->major == hi_major && version->minor >= lo_minor &&
		    version->minor <= hi_minor)
			return true;
	}
	return false;
}

static void test_layout_supported_lists_ranges(void **state)
{
	struct probed versions[64];
	size_t i, n = probed_versions(versions, 64);
	char buf[160];

	(void)state;
	layout_supported(buf, sizeof(buf));
	for (i = 0; i < n; i++)
		assert_true(listed(buf, &versions[i]));
	/* Ranges, not every minor one by one. */
	assert_non_null(strchr(buf, '-'));
	assert_null(strstr(buf, "3.7"));
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
