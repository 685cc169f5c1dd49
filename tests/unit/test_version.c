/*
 * test_version.c - finding the exact version: version strings, hex values,
 * file names.
 */
#include "unit.h"

#include <string.h>

#include "../../readers/version.h"

static void test_version_scan_finds_py_getversion_strings(void **state)
{
	static const char mem[] = "\0\0\0garbage 13.9.18 (no)\0"
				  "3.9.18 (main, May  9 2026, 07:33:49) \n[GCC 12.2.0]\0";
	struct py_version v;
	char text[32];

	(void)state;
	assert_true(version_scan(mem, sizeof(mem), &v));
	assert_int_equal(v.major, 3);
	assert_int_equal(v.minor, 9);
	assert_int_equal(v.micro, 18);
	assert_false(v.free_threaded);
	version_format(&v, text, sizeof(text));
	assert_string_equal(text, "3.9.18");
}

static void test_version_scan_free_threaded_and_prereleases(void **state)
{
	static const char ft[] = "3.13.15 experimental free-threading build (main, Oct";
	static const char rc[] = "\x01" "3.14.0rc2 (main";
	static const char old[] = "2.7.18 (default, Apr";
	static const char none[] = "Python 3.12 is great; version 3.12.1.";
	struct py_version v;
	char text[32];

	(void)state;
	assert_true(version_scan(ft, sizeof(ft), &v));
	assert_true(v.free_threaded);
	version_format(&v, text, sizeof(text));
	assert_string_equal(text, "3.13.15t");
	assert_true(version_scan(rc, sizeof(rc), &v));
	assert_int_equal(v.level, 0xC);
	assert_int_equal(v.serial, 2);
	version_format(&v, text, sizeof(text));
	assert_string_equal(text, "3.14.0rc2");
	assert_true(version_scan(old, sizeof(old), &v));
	assert_int_equal(v.major, 2);
	assert_false(version_scan(none, sizeof(none), &v));
}

static void test_version_from_hex_and_filename(void **state)
{
	struct py_version v;
	char text[32];

	(void)state;
	version_from_hex(0x030f02f0, &v);
	version_format(&v, text, sizeof(text));
	assert_string_equal(text, "3.15.2");
	version_from_hex(0x030e00a1, &v);
	version_format(&v, text, sizeof(text));
	assert_string_equal(text, "3.14.0a1");
	assert_true(version_from_filename("libpython3.7m.so.1.0", &v));
	assert_int_equal(v.minor, 7);
	assert_false(v.free_threaded);
	assert_true(version_from_filename("python3.13t", &v));
	assert_true(v.free_threaded);
	version_format(&v, text, sizeof(text));
	assert_string_equal(text, "3.13t");
	assert_true(version_from_filename("libpython2.7.so", &v));
	assert_int_equal(v.major, 2);
	assert_false(version_from_filename("libc.so.6", &v));
	assert_false(version_from_filename("python", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_scan_finds_py_getversion_strings),
		cmocka_unit_test(test_version_scan_free_threaded_and_prereleases),
		cmocka_unit_test(test_version_from_hex_and_filename),
	};
	return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
