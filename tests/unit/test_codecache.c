/*
 * test_codecache.c - reading code objects laid out as 2.7 lays them out,
 * built in this process's own memory: names, file and lines of a live
 * one, and nothing from one that has been freed (its type pointer stays,
 * its reference count does not).
 */
#include "unit.h"

#include <string.h>
#include <unistd.h>

#include "../../base/strtab.h"
#include "../../readers/codecache.h"

static uint8_t code_type_object[64], str_type_object[64];

static void put64(uint8_t *at, uint32_t offset, uint64_t value)
{
	memcpy(at + offset, &value, 8);
}

static void put32(uint8_t *at, uint32_t offset, int32_t value)
{
	memcpy(at + offset, &value, 4);
}

/* A 2.7 str object holding bytes[0..n). */
static void fake_str(const struct py_layout *L, uint8_t *obj, const void *bytes, size_t n)
{
	memset(obj, 0, 128);
	put64(obj, L->obj_type - 8, 1);
	put64(obj, L->obj_type, (uintptr_t)str_type_object);
	put64(obj, L->obj_size, n);
	memcpy(obj + L->bytes27_sval, bytes, n);
}

static void test_codecache_reads_live_code_not_freed_code(void **state)
{
	const struct py_layout *L = layout_find(2, 7, false);
	static uint8_t code[512] __attribute__((aligned(16)));
	static uint8_t name[128] __attribute__((aligned(16)));
	static uint8_t file[128] __attribute__((aligned(16)));
	static uint8_t lnotab[128] __attribute__((aligned(16)));
	static uint8_t bytecode[128] __attribute__((aligned(16)));
	static const uint8_t steps[] = { 6, 1 };   /* byte 6 on: one line on */
	static const uint8_t ops[] = { 100, 0, 0, 83, 0, 0, 83, 83 };
	const struct code_info *info;
	struct code_cache cc;
	struct snapshot snap;
	struct strtab strings;
	uint64_t addr = (uintptr_t)code;

	(void)state;
	fake_str(L, name, "work", 4);
	fake_str(L, file, "/srv/app.py", 11);
	fake_str(L, lnotab, steps, sizeof(steps));
	fake_str(L, bytecode, ops, sizeof(ops));
	memset(code, 0, sizeof(code));
	put64(code, L->obj_type - 8, 3);
	put64(code, L->obj_type, (uintptr_t)code_type_object);
	put32(code, L->code_firstlineno, 40);
	put64(code, L->code_name, (uintptr_t)name);
	put64(code, L->code_filename, (uintptr_t)file);
	put64(code, L->code_linetable, (uintptr_t)lnotab);
	put64(code, L->code_code, (uintptr_t)bytecode);

	strtab_init(&strings);
	snapshot_init(&snap, getpid());
	codecache_init(&cc, getpid(), L, (uintptr_t)code_type_object, (uintptr_t)str_type_object,
		       (uintptr_t)str_type_object, &strings);
	assert_int_equal(snapshot_begin(&snap), 0);
	assert_int_equal(codecache_resolve(&cc, &snap, &addr, 1, &info), 0);
	assert_non_null(info);
	assert_string_equal(strtab_str(&strings, info->name), "work");
	assert_string_equal(strtab_str(&strings, info->file), "/srv/app.py");
	assert_int_equal(linetable_line(&info->lines, 0), 40);
	assert_int_equal(linetable_line(&info->lines, 6), 41);
	assert_true(landmarks_leaves(&info->marks, 3));   /* RETURN_VALUE */

	/* Freed: pymalloc's free-list link where the count was, the type
	 * pointer and the stale fields left as they were. */
	put64(code, L->obj_type - 8, (uintptr_t)bytecode);
	codecache_new_sample(&cc);
	assert_int_equal(snapshot_begin(&snap), 0);
	assert_int_equal(codecache_resolve(&cc, &snap, &addr, 1, &info), 0);
	assert_null(info);
	put64(code, L->obj_type - 8, 0);   /* the last block of the list */
	codecache_new_sample(&cc);
	assert_int_equal(snapshot_begin(&snap), 0);
	assert_int_equal(codecache_resolve(&cc, &snap, &addr, 1, &info), 0);
	assert_null(info);

	codecache_release(&cc);
	snapshot_release(&snap);
	strtab_release(&strings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codecache_reads_live_code_not_freed_code),
	};
	return cmocka_run_group_tests_name("codecache", tests, NULL, NULL);
}
