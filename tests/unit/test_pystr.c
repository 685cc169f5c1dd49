/*
 * test_pystr.c - interpreter strings to UTF-8, and reading str objects laid
 * out like each version's (built in this process's own memory).
 */
#include "unit.h"

#include <string.h>
#include <unistd.h>

#include "../../base/errors.h"
#include "../../base/strtab.h"
#include "../../readers/pystr.h"

static void test_pystr_latin1_is_not_utf8(void **state)
{
	static const uint8_t latin1[] = { 'm', 0xf3, 'd' };   /* "mód" */
	char out[16];
	size_t n = pystr_units_to_utf8(latin1, 3, 1, out);

	(void)state;
	assert_int_equal(n, 4);
	assert_memory_equal(out, "m\xc3\xb3" "d", 4);
}

static void test_pystr_ucs2_and_ucs4(void **state)
{
	static const uint16_t ucs2[] = { 0x95a2, 0x6570 };          /* 関数 */
	static const uint32_t ucs4[] = { 0x20000, '_', 0x2a6d6 };    /* 𠀀_𪛖 */
	char out[32];
	size_t n;

	(void)state;
	n = pystr_units_to_utf8(ucs2, 2, 2, out);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "\xe9\x96\xa2\xe6\x95\xb0", 6);
	n = pystr_units_to_utf8(ucs4, 3, 4, out);
	assert_int_equal(n, 9);
	assert_memory_equal(out, "\xf0\xa0\x80\x80_\xf0\xaa\x9b\x96", 9);
}

static void test_pystr_surrogates_become_replacement(void **state)
{
	static const uint16_t lone[] = { 0xd800 };
	static const uint32_t too_big[] = { 0x110000 };
	char out[16];

	(void)state;
	assert_int_equal(pystr_units_to_utf8(lone, 1, 2, out), 3);
	assert_memory_equal(out, "\xef\xbf\xbd", 3);
	assert_int_equal(pystr_units_to_utf8(too_big, 1, 4, out), 3);
	assert_memory_equal(out, "\xef\xbf\xbd", 3);
}

static void test_pystr_bytes_keep_valid_utf8_replace_the_rest(void **state)
{
	/* Valid "é", then a lone continuation byte, an overlong '/' and a
	 * truncated sequence. */
	static const uint8_t raw[] = { 0xc3, 0xa9, 0x80, 0xc0, 0xaf, 'a', 0xe6, 0x95 };
	char out[64];
	size_t n = pystr_bytes_to_utf8(raw, sizeof(raw), out);

	(void)state;
	assert_int_equal(n, 2 + 3 + 3 + 3 + 1 + 3 + 3);
	assert_memory_equal(out, "\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "a"
			    "\xef\xbf\xbd\xef\xbf\xbd", n);
}

/* A fake compact str object in this process, laid out as layout says. */
static void fake_str(const struct py_layout *L, uint8_t *obj, uint64_t type, int kind,
		     bool ascii, const void *chars, size_t n)
{
	uint64_t length = n;
	uint32_t shift = (uint32_t)__builtin_ctz(L->unicode_kind_mask);
	uint32_t state = ((uint32_t)kind << shift) | L->unicode_compact_mask |
			 (ascii ? L->unicode_ascii_mask : 0);

	memset(obj, 0, 256);
	memcpy(obj + L->obj_type, &type, 8);
	memcpy(obj + L->unicode_length, &length, 8);
	memcpy(obj + L->unicode_state, &state, 4);
	memcpy(obj + (ascii ? L->unicode_ascii_data : L->unicode_compact_data), chars,
	       n * (size_t)kind);
}

static void test_pystr_read_compact_forms_of_each_version(void **state)
{
	static const int minors[] = { 6, 11, 12, 13, 14, 15 };
	static const uint16_t ucs2[] = { 0x95a2, 0x6570 };
	uint8_t obj[256] __attribute__((aligned(16)));
	uint64_t type = 0x1234560;
	struct strtab tab;
	uint32_t id;
	size_t i;

	(void)state;
	strtab_init(&tab);
	for (i = 0; i < sizeof(minors) / sizeof(minors[0]); i++) {
		for (int ft = 0; ft <= 1; ft++) {
			const struct py_layout *L = layout_find(3, minors[i], ft);

			if (!L)
				continue;
			fake_str(L, obj, type, 1, true, "spin", 4);
			assert_int_equal(pystr_read(getpid(), L, type, (uintptr_t)obj, &tab, &id), 0);
			assert_string_equal(strtab_str(&tab, id), "spin");
			fake_str(L, obj, type, 2, false, ucs2, 2);
			assert_int_equal(pystr_read(getpid(), L, type, (uintptr_t)obj, &tab, &id), 0);
			assert_string_equal(strtab_str(&tab, id), "\xe9\x96\xa2\xe6\x95\xb0");
			/* Wrong type: not a str. */
			assert_int_equal(pystr_read(getpid(), L, type + 8, (uintptr_t)obj, &tab, &id),
					 PP_EBADDATA);
		}
	}
	strtab_release(&tab);
}

static void test_pystr_read_rejects_implausible(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	uint8_t obj[256] __attribute__((aligned(16)));
	uint64_t huge = 1u << 30;
	struct strtab tab;
	uint32_t id;

	(void)state;
	strtab_init(&tab);
	fake_str(L, obj, 0, 1, true, "x", 1);
	memcpy(obj + L->unicode_length, &huge, 8);
	assert_int_equal(pystr_read(getpid(), L, 0, (uintptr_t)obj, &tab, &id), PP_EBADDATA);
	assert_int_equal(pystr_read(getpid(), L, 0, 0, &tab, &id), PP_EBADDATA);
	assert_int_equal(pystr_read(getpid(), L, 0, (uintptr_t)obj + 1, &tab, &id), PP_EBADDATA);
	strtab_release(&tab);
}

static void test_pystr_read_python2_bytes(void **state)
{
	const struct py_layout *L = layout_find(2, 7, false);
	uint8_t obj[256] __attribute__((aligned(16)));
	uint64_t size = 7;
	struct strtab tab;
	uint32_t id;

	(void)state;
	strtab_init(&tab);
	memset(obj, 0, sizeof(obj));
	memcpy(obj + L->obj_size, &size, 8);
	memcpy(obj + L->bytes27_sval, "m\xc3\xb3" "d\xff.p", 7);
	assert_int_equal(pystr_read(getpid(), L, 0, (uintptr_t)obj, &tab, &id), 0);
	assert_string_equal(strtab_str(&tab, id), "m\xc3\xb3" "d\xef\xbf\xbd.p");
	strtab_release(&tab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pystr_latin1_is_not_utf8),
		cmocka_unit_test(test_pystr_ucs2_and_ucs4),
		cmocka_unit_test(test_pystr_surrogates_become_replacement),
		cmocka_unit_test(test_pystr_bytes_keep_valid_utf8_replace_the_rest),
		cmocka_unit_test(test_pystr_read_compact_forms_of_each_version),
		cmocka_unit_test(test_pystr_read_rejects_implausible),
		cmocka_unit_test(test_pystr_read_python2_bytes),
	};
	return cmocka_run_group_tests_name("pystr", tests, NULL, NULL);
}
