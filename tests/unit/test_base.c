/*
 * test_base.c - string interning, error names and messages, the sample.
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../base/errors.h"
#include "../../base/index.h"
#include "../../base/sample.h"
#include "../../base/strtab.h"

static void test_strtab_interns_and_keeps_pointers(void **state)
{
	struct strtab tab;
	uint32_t first, again;
	const char *text;
	char name[32];
	int i;

	(void)state;
	strtab_init(&tab);
	first = strtab_intern_cstr(&tab, "spin");
	text = strtab_str(&tab, first);
	/* Enough strings to grow every table several times. */
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "name%d", i);
		assert_int_not_equal(strtab_intern_cstr(&tab, name), 0);
	}
	again = strtab_intern(&tab, "spinning", 4);
	assert_int_equal(first, again);
	assert_ptr_equal(text, strtab_str(&tab, first));
	assert_string_equal(strtab_str(&tab, first), "spin");
	assert_int_equal(strtab_len(&tab, first), 4);
	assert_int_equal(strtab_find(&tab, "name19999", 9), strtab_intern_cstr(&tab, "name19999"));
	assert_int_equal(strtab_find(&tab, "absent", 6), 0);
	assert_string_equal(strtab_str(&tab, 0), "");
	assert_int_equal(strtab_count(&tab), 20002);
	strtab_release(&tab);
}

static void test_errors_have_names_and_messages(void **state)
{
	(void)state;
	assert_string_equal(pp_errname(PP_ETORN), "PP_ETORN");
	assert_string_equal(pp_strerror(PP_EVERSION), "unsupported Python version");
	assert_string_equal(pp_errname(-ESRCH), "ESRCH");
	assert_string_equal(pp_strerror(-ENOENT), strerror(ENOENT));
	assert_true(PP_ENOTPYTHON < -4096);   /* never an errno */
}

/* One answer for every caller: what ends a target, what is tried again. */
static void test_errors_have_one_class(void **state)
{
	(void)state;
	assert_int_equal(pp_error_class(-ESRCH), PP_GONE);
	assert_int_equal(pp_error_class(-EPERM), PP_FATAL);
	assert_int_equal(pp_error_class(-EACCES), PP_FATAL);
	assert_int_equal(pp_error_class(PP_EVERSION), PP_FATAL);
	assert_int_equal(pp_error_class(PP_ENOTREADY), PP_STARTING);
	assert_int_equal(pp_error_class(PP_ENOTPYTHON), PP_STARTING);
	assert_int_equal(pp_error_class(PP_EBADDATA), PP_RETRY);
	assert_int_equal(pp_error_class(-EFAULT), PP_RETRY);
	assert_true(pp_error_ends_target(-EACCES));
	assert_false(pp_error_ends_target(PP_ETORN));
	/* A failed read of a stack: torn, unless the target is out of reach. */
	assert_int_equal(pp_torn_unless_final(-EFAULT), PP_ETORN);
	assert_int_equal(pp_torn_unless_final(PP_ESHORTREAD), PP_ETORN);
	assert_int_equal(pp_torn_unless_final(-ESRCH), -ESRCH);
	assert_int_equal(pp_torn_unless_final(-EACCES), -EACCES);
	assert_int_equal(pp_torn_unless_final(0), 0);
}

static void test_sample_threads_and_frames(void **state)
{
	struct sample s;
	struct sample_frame frame = { .name = 1, .line = 3 };
	struct sample_thread *t;

	(void)state;
	sample_init(&s);
	t = sample_add_thread(&s, 10);
	sample_push_frame(&s, &frame);
	sample_push_frame(&s, &frame);
	assert_int_equal(t->n_frames, 2);
	t = sample_add_thread(&s, 11);
	sample_push_frame(&s, &frame);
	sample_drop_thread(&s);
	assert_int_equal(s.n_threads, 1);
	assert_int_equal(s.n_frames, 2);
	assert_int_equal(sample_thread_frames(&s, &s.threads[0])[1].line, 3);
	sample_clear(&s);
	assert_int_equal(s.n_threads, 0);
	sample_release(&s);
}

static void test_index_maps_any_key(void **state)
{
	struct index ix;
	uint32_t value = 0;
	bool added;
	uint64_t key;

	(void)state;
	index_init(&ix);
	assert_false(index_get(&ix, 0, &value));
	/* Keys 0 .. 99999 (0 is a key like any other), then far apart. */
	for (key = 0; key < 100000; key++) {
		*index_put(&ix, key * 0x1000, &added) = (uint32_t)key + 7;
		assert_true(added);
	}
	assert_int_equal(ix.count, 100000);
	for (key = 0; key < 100000; key++) {
		assert_true(index_get(&ix, key * 0x1000, &value));
		assert_int_equal(value, key + 7);
	}
	assert_false(index_get(&ix, 0x1001, &value));
	*index_put(&ix, 0, &added) = 42;
	assert_false(added);
	assert_true(index_get(&ix, 0, &value));
	assert_int_equal(value, 42);
	index_clear(&ix);
	assert_false(index_get(&ix, 0x1000, &value));
	assert_int_equal(ix.count, 0);
	index_release(&ix);
}

/* Records whose keys all hash alike: the index must keep them apart. */
#define N_WORDS 100
static char words[N_WORDS][8];

static bool same_word(const void *ctx, uint32_t value)
{
	return strcmp(words[value], (const char *)ctx) == 0;
}

static void test_index_keeps_colliding_hashes_apart(void **state)
{
	struct index ix;
	uint32_t value, i;
	bool added;

	(void)state;
	for (i = 0; i < N_WORDS; i++)
		snprintf(words[i], sizeof(words[i]), "w%u", i);
	index_init(&ix);
	/* 100 records under one hash: the index grows twice on the way, and
	 * growing must not merge them. */
	for (i = 0; i < N_WORDS; i++) {
		*index_put_hashed(&ix, 99, same_word, words[i], &added) = i;
		assert_true(added);
	}
	for (i = 0; i < N_WORDS; i++) {
		assert_int_equal(*index_put_hashed(&ix, 99, same_word, words[i], &added), i);
		assert_false(added);
		assert_true(index_get_hashed(&ix, 99, same_word, words[i], &value));
		assert_int_equal(value, i);
	}
	assert_false(index_get_hashed(&ix, 99, same_word, "zeta", &value));
	assert_false(index_get_hashed(&ix, 98, same_word, "w1", &value));
	index_release(&ix);
}

/* Keys kept by the caller: record i's key is its square (0 included). */
static uint64_t square_of(const void *ctx, uint32_t value)
{
	(void)ctx;
	return (uint64_t)value * value;
}

static void test_index_with_keys_kept_by_the_caller(void **state)
{
	struct index ix;
	uint32_t value, i;
	bool added;

	(void)state;
	index_init(&ix);
	/* 1,000 records: the index grows several times, asking each its key. */
	for (i = 0; i < 1000; i++) {
		*index_put_kept(&ix, (uint64_t)i * i, square_of, NULL, &added) = i;
		assert_true(added);
	}
	assert_null(ix.keys);
	for (i = 0; i < 1000; i++) {
		assert_true(index_get_kept(&ix, (uint64_t)i * i, square_of, NULL, &value));
		assert_int_equal(value, i);
		assert_int_equal(*index_put_kept(&ix, (uint64_t)i * i, square_of, NULL, &added), i);
		assert_false(added);
	}
	assert_false(index_get_kept(&ix, 2, square_of, NULL, &value));
	assert_int_equal(ix.count, 1000);
	index_release(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strtab_interns_and_keeps_pointers),
		cmocka_unit_test(test_errors_have_names_and_messages),
		cmocka_unit_test(test_errors_have_one_class),
		cmocka_unit_test(test_sample_threads_and_frames),
		cmocka_unit_test(test_index_maps_any_key),
		cmocka_unit_test(test_index_keeps_colliding_hashes_apart),
		cmocka_unit_test(test_index_with_keys_kept_by_the_caller),
	};
	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
