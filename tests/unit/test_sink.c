/*
 * test_sink.c - every row of the format table, through the one sink
 * interface: named and found, fed a sample, written; whole-file formats
 * write the same file each time asked, streamed ones as samples come.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "../../base/sample.h"
#include "../../base/strtab.h"
#include "../../output/sink.h"

/* One thread: main (line 7) calling work (line 8). */
static void fill_sample(struct sample *sample, struct strtab *strings, uint64_t time_ns)
{
	const char *names[] = { "main", "work" };

	sample_clear(sample);
	sample->time_ns = time_ns;
	sample_add_thread(sample, 42);
	for (int i = 1; i >= 0; i--) {
		struct sample_frame frame = {
			.name = strtab_intern_cstr(strings, names[i]),
			.file = strtab_intern_cstr(strings, "/srv/work.py"),
			.short_file = strtab_intern_cstr(strings, "work.py"),
			.line = 7 + i,
			.first_line = 5,
		};

		sample_push_frame(sample, &frame);
	}
}

/* What the sink wrote to a memory stream: a string the caller frees. */
static char *write_through(const struct format *format, int times, size_t *len)
{
	struct stack_options how = { 0 };
	struct profile_meta meta = { .title = "t", .name = "n", .command = "python work.py",
				     .python = "CPython 3.12.1", .pid = 7, .rate_hz = 100,
				     .samples = 2 };
	struct strtab strings;
	struct sample sample;
	struct sink sink;
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	assert_non_null(out);
	strtab_init(&strings);
	sample_init(&sample);
	sink_init(&sink, format, &strings, &how);
	assert_int_equal(sink_start(&sink, out, &meta), 0);
	for (int i = 0; i < 2; i++) {
		fill_sample(&sample, &strings, 1000000u * (uint64_t)(i + 1));
		assert_int_equal(sink_add(&sink, &sample), 0);
	}
	assert_int_equal(sink_flush(&sink), 0);
	for (int i = 0; i < times; i++)
		assert_int_equal(sink_finish(&sink, &meta, out), 0);
	sink_release(&sink);
	sample_release(&sample);
	strtab_release(&strings);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void test_sink_every_format_writes(void **state)
{
	size_t n, i;
	const struct format *formats = format_table(&n);
	char names[128];

	(void)state;
	format_names(names, sizeof(names));
	assert_ptr_equal(format_default(), &formats[0]);
	assert_null(format_find("pdf"));
	for (i = 0; i < n; i++) {
		const struct format *format = &formats[i];
		size_t len;
		char *text;

		assert_ptr_equal(format_find(format->name), format);
		assert_non_null(strstr(names, format->name));
		assert_true(format->extension[0] != '\0');
		/* A row is one kind or the other, with what that kind needs. */
		if (format->streamed)
			assert_true(format->start && format->add && format->flush && format->end &&
				    format->release && !format->write);
		else
			assert_true(format->write && !format->start);
		text = write_through(format, 1, &len);
		assert_true(len > 0);
		/* The samples' function is in every format but the compressed
		 * ones (the recording, pprof). */
		if (!format->compressed)
			assert_non_null(strstr(text, "work"));
		free(text);
	}
}

static void test_sink_whole_file_writes_again(void **state)
{
	const struct format *format = format_find("collapsed");
	size_t once_len, twice_len;
	char *once, *twice;

	(void)state;
	once = write_through(format, 1, &once_len);
	twice = write_through(format, 2, &twice_len);
	assert_string_equal(once, "main (work.py:7);work (work.py:8) 2\n");
	assert_int_equal(twice_len, 2 * once_len);
	assert_memory_equal(twice, once, once_len);
	assert_memory_equal(twice + once_len, once, once_len);
	free(once);
	free(twice);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_every_format_writes),
		cmocka_unit_test(test_sink_whole_file_writes_again),
	};
	return cmocka_run_group_tests_name("sink", tests, NULL, NULL);
}
