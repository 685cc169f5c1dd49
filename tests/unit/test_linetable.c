/*
 * test_linetable.c - line numbers from real code objects' line tables.
 *
 * Fixtures (tests/data/linetables/X.Y.txt, written by
 * scripts/linetable-fixtures.py running under each interpreter) hold every
 * code object of a tricky source file: its line table bytes and the line
 * the interpreter itself reports for each instruction offset.  The decoder
 * must agree at every offset of every code object of every version.
 */
#include "unit.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/errors.h"
#include "../../readers/linetable.h"

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	if (strcmp(hex, "-") == 0)
		return 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned byte;

		sscanf(hex, "%2x", &byte);
		out[n++] = (uint8_t)byte;
	}
	return n;
}

/* Check one fixture file; returns the number of offsets compared. */
static size_t check_file(const char *path)
{
	FILE *fh = fopen(path, "r");
	static char line[1 << 20];
	static uint8_t table[1 << 18];
	int format;
	size_t compared = 0;

	assert_non_null(fh);
	assert_int_equal(fscanf(fh, "format %d\n", &format), 1);
	while (fgets(line, sizeof(line), fh)) {
		char name[256], hex[1 << 18];
		int first_line, count, at, i;
		struct linetable t;
		char *cursor;

		assert_int_equal(sscanf(line, "%255s %d %262143s %d %n", name, &first_line, hex,
					&count, &at), 4);
		assert_int_equal(linetable_decode(&t, format, table, unhex(hex, table), first_line), 0);
		cursor = line + at;
		for (i = 0; i < count; i++) {
			long offset, want;
			int used;

			assert_int_equal(sscanf(cursor, "%ld:%ld%n", &offset, &want, &used), 2);
			cursor += used;
			if (linetable_line(&t, offset) != want)
				fail_msg("%s: %s at offset %ld: line %d, interpreter says %ld", path,
					 name, offset, linetable_line(&t, offset), want);
			compared++;
		}
		linetable_release(&t);
	}
	fclose(fh);
	return compared;
}

/* How many distinct minor versions scripts/layouts/ holds a probe of
 * ("3.13.0.txt", "3.13.0t.txt" and "3.13.18-sid.txt" are one). */
static size_t probed_minors(void)
{
	DIR *dir = opendir("scripts/layouts");
	struct dirent *entry;
	bool seen[4][64] = { { false } };
	size_t n = 0;

	assert_non_null(dir);
	while ((entry = readdir(dir)) != NULL) {
		int major, minor;

		if (sscanf(entry->d_name, "%d.%d.", &major, &minor) != 2 || major < 0 || major > 3 ||
		    minor < 0 || minor >= 64 || seen[major][minor])
			continue;
		seen[major][minor] = true;
		n++;
	}
	closedir(dir);
	return n;
}

static void test_linetable_matches_every_interpreter(void **state)
{
	DIR *dir = opendir(TEST_DATA "/linetables");
	struct dirent *entry;
	size_t files = 0, offsets = 0;

	(void)state;
	assert_non_null(dir);
	while ((entry = readdir(dir)) != NULL) {
		char path[512];

		if (!strstr(entry->d_name, ".txt"))
			continue;
		snprintf(path, sizeof(path), TEST_DATA "/linetables/%s", entry->d_name);
		offsets += check_file(path);
		files++;
	}
	closedir(dir);
	/* One per minor version the layouts were made for: a missing file
	 * would weaken the test silently. */
	assert_int_equal(files, probed_minors());
	assert_true(offsets > 10000);
}

static void test_linetable_before_first_instruction_is_first_line(void **state)
{
	static const uint8_t lnotab[] = { 4, 1, 6, 2 };
	struct linetable t;

	(void)state;
	assert_int_equal(linetable_decode(&t, LINETABLE_LNOTAB_SIGNED, lnotab, sizeof(lnotab), 10), 0);
	assert_int_equal(linetable_line(&t, -1), 10);
	assert_int_equal(linetable_line(&t, 0), 10);
	assert_int_equal(linetable_line(&t, 3), 10);
	assert_int_equal(linetable_line(&t, 4), 11);
	assert_int_equal(linetable_line(&t, 9), 11);
	assert_int_equal(linetable_line(&t, 10), 13);
	assert_int_equal(linetable_line(&t, 1000), 13);
	linetable_release(&t);
}

static void test_linetable_lnotab_signedness(void **state)
{
	/* Line step 0xff: +255 in 2.7, -1 in 3.6+. */
	static const uint8_t lnotab[] = { 2, 0xff };
	struct linetable t;

	(void)state;
	assert_int_equal(linetable_decode(&t, LINETABLE_LNOTAB_UNSIGNED, lnotab, 2, 100), 0);
	assert_int_equal(linetable_line(&t, 2), 355);
	linetable_release(&t);
	assert_int_equal(linetable_decode(&t, LINETABLE_LNOTAB_SIGNED, lnotab, 2, 100), 0);
	assert_int_equal(linetable_line(&t, 2), 99);
	linetable_release(&t);
}

static void test_linetable_310_no_line_and_end(void **state)
{
	/* 4 bytes at +1, 2 bytes with no line, 2 bytes at +1 again. */
	static const uint8_t table[] = { 4, 1, 2, 0x80, 2, 1 };
	struct linetable t;

	(void)state;
	assert_int_equal(linetable_decode(&t, LINETABLE_310, table, sizeof(table), 5), 0);
	assert_int_equal(linetable_line(&t, 0), 6);
	assert_int_equal(linetable_line(&t, 4), LINE_NONE);
	assert_int_equal(linetable_line(&t, 6), 7);
	assert_int_equal(linetable_line(&t, 8), LINE_NONE);   /* past the end */
	linetable_release(&t);
}

/* A loop's jump back without a line of its own takes the loop's line;
 * every other instruction without one, the line before it. */
static void test_linetable_lines_where_cpython_has_none(void **state)
{
	/* 3.10: 0-3 line 6, 4-5 none, 6-7 line 7, 8-9 none, 10-11 line 8. */
	static const uint8_t table[] = { 4, 1, 2, 0x80, 2, 1, 2, 0x80, 2, 1 };
	struct linetable t;

	(void)state;
	assert_int_equal(linetable_decode(&t, LINETABLE_310, table, sizeof(table), 5), 0);
	/* The jump at 8 closes the loop that starts at 0. */
	linetable_set(&t, 8, 10, linetable_line(&t, 0));
	assert_int_equal(linetable_line(&t, 8), 6);
	assert_int_equal(linetable_line(&t, 6), 7);
	assert_int_equal(linetable_line(&t, 10), 8);
	assert_int_equal(linetable_line(&t, 4), LINE_NONE);
	linetable_fill_gaps(&t);
	assert_int_equal(linetable_line(&t, 4), 6);
	assert_int_equal(linetable_line(&t, 5), 6);
	assert_int_equal(linetable_line(&t, 8), 6);
	assert_int_equal(linetable_line(&t, 11), 8);
	assert_int_equal(linetable_line(&t, 12), LINE_NONE);   /* past the end */
	/* Inside one range: it splits in three. */
	linetable_set(&t, 1, 3, 42);
	assert_int_equal(linetable_line(&t, 0), 6);
	assert_int_equal(linetable_line(&t, 2), 42);
	assert_int_equal(linetable_line(&t, 3), 6);
	linetable_release(&t);
}

static void test_linetable_locations_rejects_garbage(void **state)
{
	static const uint8_t garbage[] = { 0x01, 0x02 };   /* no entry-start bit */
	struct linetable t;

	(void)state;
	assert_int_equal(linetable_decode(&t, LINETABLE_LOCATIONS, garbage, 2, 1), PP_EFORMAT);
	assert_int_equal(linetable_decode(&t, 99, garbage, 2, 1), PP_EFORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linetable_matches_every_interpreter),
		cmocka_unit_test(test_linetable_before_first_instruction_is_first_line),
		cmocka_unit_test(test_linetable_lnotab_signedness),
		cmocka_unit_test(test_linetable_310_no_line_and_end),
		cmocka_unit_test(test_linetable_lines_where_cpython_has_none),
		cmocka_unit_test(test_linetable_locations_rejects_garbage),
	};
	return cmocka_run_group_tests_name("linetable", tests, NULL, NULL);
}
