/*
 * test_timeline.c - the speedscope and chrometrace writers.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/sample.h"
#include "../../base/strtab.h"
#include "../../output/chrometrace.h"
#include "../../output/speedscope.h"
#include "../../output/stacktree.h"

/* A sample of one thread whose frames are given root first by name. */
static void one_thread(struct strtab *strings, struct sample *s, uint64_t ns, uint32_t tid,
		       const char *const *names)
{
	size_t n = 0;

	while (names[n])
		n++;
	sample_add_thread(s, tid);
	s->time_ns = ns;
	s->pid = 5;
	while (n-- > 0) {
		struct sample_frame frame = {
			.name = strtab_intern_cstr(strings, names[n]),
			.file = strtab_intern_cstr(strings, "/a/b.py"),
			.short_file = strtab_intern_cstr(strings, "b.py"),
			.line = 7,
		};
		sample_push_frame(s, &frame);
	}
}

static char *trace_of(int n_samples, const char *const *const *stacks)
{
	struct stack_options options = { 0 };
	struct strtab strings;
	struct sample s;
	struct chrometrace trace;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	strtab_init(&strings);
	sample_init(&s);
	chrometrace_init(&trace, out, &strings, &options);
	for (int i = 0; i < n_samples; i++) {
		sample_clear(&s);
		one_thread(&strings, &s, 1000000000ull + (uint64_t)i * 1000, 9, stacks[i]);
		assert_int_equal(chrometrace_add_sample(&trace, &s), 0);
	}
	assert_int_equal(chrometrace_finish(&trace), 0);
	chrometrace_release(&trace);
	fclose(out);
	sample_release(&s);
	strtab_release(&strings);
	return text;
}

static void test_chrometrace_nests_begin_and_end(void **state)
{
	static const char *const a[] = { "main", "f", NULL };
	static const char *const b[] = { "main", "g", "h", NULL };
	static const char *const c[] = { "main", NULL };
	const char *const *stacks[] = { a, a, b, c };
	char *text = trace_of(4, stacks);
	const char *expected[] = {
		"\"ph\":\"B\",\"pid\":5,\"tid\":9,\"ts\":0.000,\"name\":\"main (b.py:7)\"",
		"\"ph\":\"B\",\"pid\":5,\"tid\":9,\"ts\":0.000,\"name\":\"f (b.py:7)\"",
		"\"ph\":\"E\",\"pid\":5,\"tid\":9,\"ts\":2.000,\"name\":\"f (b.py:7)\"",
		"\"ph\":\"B\",\"pid\":5,\"tid\":9,\"ts\":2.000,\"name\":\"g (b.py:7)\"",
		"\"ph\":\"B\",\"pid\":5,\"tid\":9,\"ts\":2.000,\"name\":\"h (b.py:7)\"",
		"\"ph\":\"E\",\"pid\":5,\"tid\":9,\"ts\":3.000,\"name\":\"h (b.py:7)\"",
		"\"ph\":\"E\",\"pid\":5,\"tid\":9,\"ts\":3.000,\"name\":\"g (b.py:7)\"",
		"\"ph\":\"E\",\"pid\":5,\"tid\":9,\"ts\":3.000,\"name\":\"main (b.py:7)\"",
	};
	const char *at = text;

	(void)state;
	assert_true(text[0] == '[');
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const char *found = strstr(at, expected[i]);

		if (!found)
			fail_msg("event %zu missing or out of order: %s\nin %s", i, expected[i], text);
		at = found + 1;
	}
	assert_non_null(strstr(at, "\n]\n"));
	free(text);
}

static void test_speedscope_weights_per_stack(void **state)
{
	struct stack_options options = { .thread_roots = true };
	struct speedscope_meta meta = { .name = "n", .rate_hz = 100, .exporter = "peekpy test" };
	static const char *const a[] = { "main", "f", NULL };
	static const char *const b[] = { "main", NULL };
	struct strtab strings;
	struct stacktree tree;
	struct sample s;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	strtab_init(&strings);
	sample_init(&s);
	stacktree_init(&tree, &strings, &options);
	for (int i = 0; i < 4; i++) {
		sample_clear(&s);
		one_thread(&strings, &s, (uint64_t)i, 9, i < 3 ? a : b);
		stacktree_add_sample(&tree, &s);
	}
	assert_int_equal(speedscope_write(&tree, &meta, out), 0);
	fclose(out);
	/* One profile for thread 9 (frame 0, left out of its stacks), frames
	 * shared, a sample per distinct stack in the tree's order, weights in
	 * seconds. */
	assert_non_null(strstr(text, "\"$schema\":\"https://www.speedscope.app/file-format-schema.json\""));
	assert_non_null(strstr(text, "{\"name\":\"main\",\"file\":\"b.py\",\"line\":7}"));
	assert_non_null(strstr(text, "\"name\":\"thread 9\",\"unit\":\"seconds\""));
	assert_non_null(strstr(text, "\"samples\":[[1],[1,2]],\"weights\":[0.01,0.03],\"endValue\":0.04"));
	free(text);
	stacktree_release(&tree);
	sample_release(&s);
	strtab_release(&strings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chrometrace_nests_begin_and_end),
		cmocka_unit_test(test_speedscope_weights_per_stack),
	};
	return cmocka_run_group_tests_name("timeline", tests, NULL, NULL);
}
