/*
 * test_collapsed.c - aggregating samples and writing collapsed stacks.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/sample.h"
#include "../../base/strtab.h"
#include "../../output/collapsed.h"
#include "../../output/stacktree.h"

struct fixture {
	struct strtab strings;
	struct sample sample;
	int calls;
};

/* Add a thread whose frames are given root first as "name@file@line@first". */
static void add_thread(struct fixture *f, uint32_t tid, uint32_t flags, const char *const *frames)
{
	struct sample_thread *thread = sample_add_thread(&f->sample, tid);
	size_t n = 0;

	thread->flags = flags;
	while (frames[n])
		n++;
	while (n-- > 0) {
		char name[128], file[128];
		int line, first;
		struct sample_frame frame = { 0 };
		char full[160];

		assert_int_equal(sscanf(frames[n], "%127[^@]@%127[^@]@%d@%d", name, file, &line,
					&first), 4);
		snprintf(full, sizeof(full), "/srv/app/%s", file);
		frame.name = strtab_intern_cstr(&f->strings, name);
		frame.file = strtab_intern_cstr(&f->strings, full);
		frame.short_file = strtab_intern_cstr(&f->strings, file);
		frame.line = line;
		frame.first_line = first;
		sample_push_frame(&f->sample, &frame);
	}
}

static char *render(struct fixture *f, const struct stack_options *options, int repeat,
		    void (*fill)(struct fixture *))
{
	struct stacktree tree;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int i;

	stacktree_init(&tree, &f->strings, options);
	for (i = 0; i < repeat; i++) {
		sample_clear(&f->sample);
		fill(f);
		stacktree_add_sample(&tree, &f->sample);
	}
	stacktree_compute_totals(&tree);
	assert_int_equal(collapsed_write(&tree, out), 0);
	fclose(out);
	stacktree_release(&tree);
	return text;
}

static void two_threads(struct fixture *f)
{
	add_thread(f, 11, 0, (const char *const[]){ "main@app.py@10@1", "work@app.py@20@18", NULL });
	add_thread(f, 12, SAMPLE_THREAD_IDLE,
		   (const char *const[]){ "main@app.py@10@1", "wait@lib.py@5@3", NULL });
}

static void setup(struct fixture *f)
{
	f->calls = 0;
	strtab_init(&f->strings);
	sample_init(&f->sample);
}

static void teardown(struct fixture *f)
{
	sample_release(&f->sample);
	strtab_release(&f->strings);
}

static void test_collapsed_default_skips_idle(void **state)
{
	struct fixture f;
	struct stack_options options = { 0 };
	char *text;

	(void)state;
	setup(&f);
	text = render(&f, &options, 3, two_threads);
	assert_string_equal(text, "main (app.py:10);work (app.py:20) 3\n");
	free(text);
	teardown(&f);
}

static void test_collapsed_idle_threads_and_sorting(void **state)
{
	struct fixture f;
	struct stack_options options = { .include_idle = true, .thread_roots = true };
	char *text;

	(void)state;
	setup(&f);
	text = render(&f, &options, 2, two_threads);
	assert_string_equal(text,
			    "thread 11;main (app.py:10);work (app.py:20) 2\n"
			    "thread 12;main (app.py:10);wait (lib.py:5) 2\n");
	free(text);
	teardown(&f);
}

static void test_collapsed_line_modes(void **state)
{
	struct fixture f;
	struct stack_options options = { .lines = STACK_LINES_FUNCTION, .full_filenames = true };
	char *text;

	(void)state;
	setup(&f);
	text = render(&f, &options, 1, two_threads);
	assert_string_equal(text, "main (/srv/app/app.py:1);work (/srv/app/app.py:18) 1\n");
	free(text);
	options.lines = STACK_LINES_NONE;
	options.full_filenames = false;
	text = render(&f, &options, 1, two_threads);
	assert_string_equal(text, "main (app.py);work (app.py) 1\n");
	free(text);
	teardown(&f);
}

static void varied(struct fixture *f)
{
	/* Frames that differ only in line merge per line; same text never
	 * splits, whatever the order samples came in. */
	const char *lines[] = { "spin@w.py@5@1", "spin@w.py@6@1" };

	add_thread(f, 7, 0, (const char *const[]){ "a@w.py@1@1", lines[f->calls++ % 2], NULL });
	add_thread(f, 8, 0, (const char *const[]){ "a.b@w.py@1@1", "x;y\nz\x01@w.py@9@9", NULL });
}

static void test_collapsed_is_byte_stable_and_sanitised(void **state)
{
	struct fixture f1, f2;
	struct stack_options options = { 0 };
	char *first, *second;

	(void)state;
	setup(&f1);
	setup(&f2);
	first = render(&f1, &options, 5, varied);
	second = render(&f2, &options, 5, varied);
	assert_string_equal(first, second);
	assert_string_equal(first,
			    "a (w.py:1);spin (w.py:5) 3\n"
			    "a (w.py:1);spin (w.py:6) 2\n"
			    "a.b (w.py:1);x\xef\xbc\x9by\\nz\\x01 (w.py:9) 5\n");
	free(first);
	free(second);
	teardown(&f1);
	teardown(&f2);
}

static void test_collapsed_thread_names_are_quoted(void **state)
{
	struct fixture f;
	struct stacktree tree;
	struct stack_options options = { .thread_roots = true };
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	setup(&f);
	add_thread(&f, 42, 0, (const char *const[]){ "main@app.py@1@1", NULL });
	f.sample.threads[0].name = strtab_intern_cstr(&f.strings, "Worker \"1\"");
	stacktree_init(&tree, &f.strings, &options);
	stacktree_add_sample(&tree, &f.sample);
	out = open_memstream(&text, &len);
	assert_int_equal(collapsed_write(&tree, out), 0);
	fclose(out);
	assert_string_equal(text, "thread 42 \"Worker \\\"1\\\"\";main (app.py:1) 1\n");
	free(text);
	stacktree_release(&tree);
	teardown(&f);
}

static void test_stacktree_totals_and_memory(void **state)
{
	struct fixture f;
	struct stacktree tree;
	struct stack_options options = { 0 };
	int i;

	(void)state;
	setup(&f);
	stacktree_init(&tree, &f.strings, &options);
	for (i = 0; i < 10000; i++) {
		sample_clear(&f.sample);
		two_threads(&f);
		stacktree_add_sample(&tree, &f.sample);
	}
	stacktree_compute_totals(&tree);
	/* Root, main, work: memory follows distinct stacks, not samples. */
	assert_int_equal(tree.n_nodes, 3);
	assert_int_equal(tree.nodes[0].total, 10000);
	assert_int_equal(tree.nodes[2].self, 10000);
	stacktree_release(&tree);
	teardown(&f);
}

/* Counts that would take the total past 2^53 are bad lines, never a sum
 * that wraps around (two lines of 2^64 - 1 drew a negative width). */
static void test_collapsed_read_counts_do_not_wrap(void **state)
{
	static const char text[] = "a;b 18446744073709551615\n"
				   "a;b 18446744073709551615\n"
				   "a;c 9007199254740990\n"
				   "a;d 3\n"
				   "a;e 2\n";
	struct stack_options options = { .lines = STACK_LINES_EXECUTING, .include_idle = true };
	struct collapsed_read how = { .thread = -1 };
	struct strtab strings;
	struct stacktree tree;
	FILE *in = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)state;
	strtab_init(&strings);
	stacktree_init(&tree, &strings, &options);
	assert_int_equal(collapsed_read(&tree, in, &how), 0);
	assert_int_equal(how.lines, 5);
	assert_int_equal(how.bad_lines, 3);
	assert_int_equal(how.first_bad_line, 1);
	assert_int_equal(how.samples, 9007199254740992ull);
	stacktree_compute_totals(&tree);
	assert_int_equal(tree.nodes[0].total, 9007199254740992ull);
	fclose(in);
	stacktree_release(&tree);
	strtab_release(&strings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collapsed_default_skips_idle),
		cmocka_unit_test(test_collapsed_idle_threads_and_sorting),
		cmocka_unit_test(test_collapsed_line_modes),
		cmocka_unit_test(test_collapsed_is_byte_stable_and_sanitised),
		cmocka_unit_test(test_collapsed_thread_names_are_quoted),
		cmocka_unit_test(test_stacktree_totals_and_memory),
		cmocka_unit_test(test_collapsed_read_counts_do_not_wrap),
	};
	return cmocka_run_group_tests_name("collapsed", tests, NULL, NULL);
}
