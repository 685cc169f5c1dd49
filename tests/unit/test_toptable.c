/*
 * test_toptable.c - own and total counts of the top table, and its text.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/sample.h"
#include "../../base/strtab.h"
#include "../../output/toptable.h"

/* One thread whose frames are given innermost first as "name:line". */
static void add(struct strtab *strings, struct sample *s, uint32_t flags, const char *const *names)
{
	struct sample_thread *thread = sample_add_thread(s, 1);

	thread->flags = flags;
	for (; *names; names++) {
		char name[32];
		int line;
		struct sample_frame frame = { 0 };

		assert_int_equal(sscanf(*names, "%31[^:]:%d", name, &line), 2);
		frame.name = strtab_intern_cstr(strings, name);
		frame.short_file = frame.file = strtab_intern_cstr(strings, "m.py");
		frame.line = line;
		frame.first_line = 1;
		sample_push_frame(s, &frame);
	}
}

static void test_toptable_counts_own_and_total_once(void **state)
{
	static const char *const recursing[] = { "f:2", "f:3", "f:3", "main:9", NULL };
	static const char *const waiting[] = { "g:5", "main:8", NULL };
	struct strtab strings;
	struct toptable table;
	struct sample s;
	struct top_view view = { .width = 80, .height = 20, .sort = TOP_SORT_OWN,
				 .interval_s = 0.01, .title = "t", .rate = 100 };
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	strtab_init(&strings);
	sample_init(&s);
	toptable_init(&table, &strings, STACK_LINES_FUNCTION);
	for (int i = 0; i < 4; i++) {
		sample_clear(&s);
		add(&strings, &s, SAMPLE_THREAD_GIL, i < 3 ? recursing : waiting);
		toptable_add_sample(&table, &s, i == 3);
	}
	out = open_memstream(&text, &len);
	assert_int_equal(toptable_write(&table, &view, out), 0);
	fclose(out);
	/* By function: f is own in 3 of 4 ticks, counted once per stack in
	 * its total however deep the recursion; main is in every stack. */
	assert_non_null(strstr(text, "samples 4  rate 100/s  GIL 100.0%  active threads 1  errors 1"));
	assert_non_null(strstr(text, "  75.0    75.0    0.03s      0.03s  f (m.py:1)\n"));
	assert_non_null(strstr(text, "  25.0    25.0    0.01s      0.01s  g (m.py:1)\n"));
	assert_non_null(strstr(text, "   0.0   100.0    0.00s      0.04s  main (m.py:1)\n"));
	assert_true(strstr(text, "f (m.py:1)") < strstr(text, "g (m.py:1)"));
	free(text);
	/* Sorted by total, cut to 30 columns. */
	view.sort = TOP_SORT_TOTAL;
	view.width = 30;
	text = NULL;
	out = open_memstream(&text, &len);
	assert_int_equal(toptable_write(&table, &view, out), 0);
	fclose(out);
	assert_true(strstr(text, "   0.0   100.0") < strstr(text, "  75.0    75.0"));
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		assert_true(strlen(line) <= 30);
	free(text);
	toptable_release(&table);
	sample_release(&s);
	strtab_release(&strings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toptable_counts_own_and_total_once),
	};
	return cmocka_run_group_tests_name("toptable", tests, NULL, NULL);
}
