/*
 * test_pyobj.c - reading values: objects laid out as 3.12 lays them out,
 * built in this process's own memory and read back through the same
 * system call a target is read with.
 */
#include "unit.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "../../base/errors.h"
#include "../../readers/pyobj.h"
#include "../../readers/pyrepr.h"
#include "../../readers/pystr.h"

struct fake_type {
	uint8_t bytes[1024] __attribute__((aligned(16)));
};

static void make_type(const struct py_layout *L, struct fake_type *type, const char *name)
{
	uint64_t name_ptr = (uintptr_t)name, basicsize = 16;

	memset(type, 0, sizeof(*type));
	memcpy(type->bytes + L->type_name, &name_ptr, 8);
	memcpy(type->bytes + L->type_basicsize, &basicsize, 8);
}

static void set_type(const struct py_layout *L, uint8_t *obj, const struct fake_type *type)
{
	uint64_t addr = (uintptr_t)type->bytes;

	memcpy(obj + L->obj_type, &addr, 8);
}

static void repr_of(struct pyobj_reader *r, const void *obj, char *out, size_t size)
{
	pyrepr_format(r, (uintptr_t)obj, out, size);
}

static void test_pyobj_floats_read_back_as_python_prints_them(void **state)
{
	static const struct { double value; const char *text; } cases[] = {
		{ 0.1, "0.1" }, { 2.5, "2.5" }, { 100000.0, "100000.0" }, { 1e16, "1e+16" },
		{ 1.5e-07, "1.5e-07" }, { 0.0001, "0.0001" }, { 123456789.125, "123456789.125" },
		{ -0.0, "-0.0" }, { 0.1 + 0.2, "0.30000000000000004" }, { 1e22, "1e+22" },
		{ 9007199254740993.0, "9007199254740992.0" },
	};
	const struct py_layout *L = layout_find(3, 12, false);
	struct fake_type type;
	uint8_t obj[64] __attribute__((aligned(16)));
	struct pyobj_reader r;
	char out[64];

	(void)state;
	pyobj_init(&r, getpid(), L);
	make_type(L, &type, "float");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(obj, 0, sizeof(obj));
		set_type(L, obj, &type);
		memcpy(obj + L->float_value, &cases[i].value, 8);
		repr_of(&r, obj, out, sizeof(out));
		assert_string_equal(out, cases[i].text);
	}
	memcpy(obj + L->float_value, &(double){ NAN }, 8);
	repr_of(&r, obj, out, sizeof(out));
	assert_string_equal(out, "nan");
	memcpy(obj + L->float_value, &(double){ -INFINITY }, 8);
	repr_of(&r, obj, out, sizeof(out));
	assert_string_equal(out, "-inf");
}

/* A compact non-ASCII str of UCS-4 characters. */
static void make_str(const struct py_layout *L, uint8_t *obj, const struct fake_type *type,
		     const uint32_t *chars, size_t n)
{
	uint64_t length = n;
	uint32_t shift = (uint32_t)__builtin_ctz(L->unicode_kind_mask);
	uint32_t state = (4u << shift) | L->unicode_compact_mask;

	memset(obj, 0, L->unicode_compact_data);
	set_type(L, obj, type);
	memcpy(obj + L->unicode_length, &length, 8);
	memcpy(obj + L->unicode_state, &state, 4);
	memcpy(obj + L->unicode_compact_data, chars, n * 4);
}

static void test_pyobj_long_str_is_cut_between_characters(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	static uint8_t obj[4096] __attribute__((aligned(16)));
	uint32_t chars[70];
	struct fake_type type;
	struct pyobj_reader r;
	char out[1024], want[1024];
	size_t i, at = 0;

	(void)state;
	pyobj_init(&r, getpid(), L);
	make_type(L, &type, "str");
	for (i = 0; i < 70; i++)
		chars[i] = i % 2 ? 0x1F600 : 'x';      /* x😀x😀... */
	make_str(L, obj, &type, chars, 70);
	repr_of(&r, obj, out, sizeof(out));
	want[at++] = '\'';
	for (i = 0; i < 60; i++) {
		memcpy(want + at, i % 2 ? "\xf0\x9f\x98\x80" : "x", i % 2 ? 4 : 1);
		at += i % 2 ? 4 : 1;
	}
	strcpy(want + at, "'... (70 characters)");
	assert_string_equal(out, want);

	/* A buffer too small ends the text with "..." after a whole character. */
	repr_of(&r, obj, out, 32);
	assert_true(strlen(out) < 32);
	assert_string_equal(out + strlen(out) - 3, "...");
	{
		size_t end = strlen(out) - 3;
		char check[64];
		size_t n = pystr_bytes_to_utf8(out, end, check);

		/* Valid UTF-8 converts to itself. */
		assert_int_equal(n, end);
		assert_memory_equal(check, out, end);
	}
}

static void test_pyobj_str_escapes_like_python(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	static uint8_t obj[512] __attribute__((aligned(16)));
	static const uint32_t chars[] = { 'i', 't', '\'', 's', '\n', 0x01, '\\', 0xe9 };
	struct fake_type type;
	struct pyobj_reader r;
	char out[128];

	(void)state;
	pyobj_init(&r, getpid(), L);
	make_type(L, &type, "str");
	make_str(L, obj, &type, chars, 8);
	repr_of(&r, obj, out, sizeof(out));
	assert_string_equal(out, "\"it's\\n\\x01\\\\\xc3\xa9\"");
}

/* A dict with unicode keys {name: value, ...} as 3.12 lays it out. */
static void test_pyobj_dict_lookup_and_heads(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	static uint8_t keys_obj[4][512] __attribute__((aligned(16)));
	static uint8_t value_obj[4][64] __attribute__((aligned(16)));
	static uint8_t keys[1024] __attribute__((aligned(16)));
	static uint8_t dict[128] __attribute__((aligned(16)));
	static const char *names[] = { "alpha", "beta", "gamma", "delta" };
	struct fake_type str_type, int_type, dict_type;
	struct pyobj_reader r;
	uint64_t found, addr, nentries = 4, used = 4;
	char out[256];

	(void)state;
	pyobj_init(&r, getpid(), L);
	make_type(L, &str_type, "str");
	make_type(L, &int_type, "int");
	make_type(L, &dict_type, "dict");
	memset(keys, 0, sizeof(keys));
	keys[L->keys_log2_size] = 3;
	keys[L->keys_log2_index_bytes] = 3;
	keys[L->keys_kind] = 1;                           /* unicode keys */
	memcpy(keys + L->keys_nentries, &nentries, 8);
	for (int i = 0; i < 4; i++) {
		uint32_t chars[8];
		uint64_t tag = (1u << L->long_non_size_bits), digit = (uint64_t)(i + 1) * 10;
		size_t n = strlen(names[i]);

		for (size_t c = 0; c < n; c++)
			chars[c] = (uint8_t)names[i][c];
		make_str(L, keys_obj[i], &str_type, chars, n);
		memset(value_obj[i], 0, sizeof(value_obj[i]));
		set_type(L, value_obj[i], &int_type);
		memcpy(value_obj[i] + L->long_tag, &tag, 8);
		memcpy(value_obj[i] + L->long_digits, &digit, 4);
		addr = (uintptr_t)keys_obj[i];
		memcpy(keys + L->keys_indices + 8 + i * L->uentry_size + L->uentry_key, &addr, 8);
		addr = (uintptr_t)value_obj[i];
		memcpy(keys + L->keys_indices + 8 + i * L->uentry_size + L->uentry_value, &addr, 8);
	}
	memset(dict, 0, sizeof(dict));
	set_type(L, dict, &dict_type);
	addr = (uintptr_t)keys;
	memcpy(dict + L->dict_keys, &addr, 8);
	memcpy(dict + L->dict_used, &used, 8);

	assert_int_equal(pyobj_dict_get(&r, (uintptr_t)dict, "gamma", &found), 0);
	assert_int_equal(found, (uintptr_t)value_obj[2]);
	assert_int_equal(pyobj_dict_get(&r, (uintptr_t)dict, "gamm", &found), PP_EBADDATA);
	assert_int_equal(pyobj_dict_get(&r, (uintptr_t)dict, "gammas", &found), PP_EBADDATA);
	repr_of(&r, dict, out, sizeof(out));
	assert_string_equal(out, "{'alpha': 10, 'beta': 20, 'gamma': 30, 'delta': 40}");

	/* A deleted entry is skipped; garbage counts are refused. */
	memset(keys + L->keys_indices + 8 + 1 * L->uentry_size + L->uentry_value, 0, 8);
	used = 3;
	memcpy(dict + L->dict_used, &used, 8);
	repr_of(&r, dict, out, sizeof(out));
	assert_string_equal(out, "{'alpha': 10, 'gamma': 30, 'delta': 40}");
	nentries = 1ull << 40;
	memcpy(keys + L->keys_nentries, &nentries, 8);
	assert_int_equal(pyobj_dict_get(&r, (uintptr_t)dict, "gamma", &found), PP_EBADDATA);
}

static void test_pyobj_unreadable_is_named_not_fatal(void **state)
{
	const struct py_layout *L = layout_find(3, 12, false);
	struct pyobj_reader r;
	char out[64];

	(void)state;
	pyobj_init(&r, getpid(), L);
	pyrepr_format(&r, 0x10, out, sizeof(out));
	assert_string_equal(out, "<unreadable at 0x10>");
	pyrepr_format(&r, 0, out, sizeof(out));
	assert_string_equal(out, "<unreadable at 0x0>");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pyobj_floats_read_back_as_python_prints_them),
		cmocka_unit_test(test_pyobj_long_str_is_cut_between_characters),
		cmocka_unit_test(test_pyobj_str_escapes_like_python),
		cmocka_unit_test(test_pyobj_dict_lookup_and_heads),
		cmocka_unit_test(test_pyobj_unreadable_is_named_not_fatal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
