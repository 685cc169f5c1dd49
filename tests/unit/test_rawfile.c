/*
 * test_rawfile.c - the recorded-profile format: round trip, cut and damaged
 * files, another format version, bounded memory.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/errors.h"
#include "../../base/sample.h"
#include "../../base/strtab.h"
#include "../../output/rawformat.h"
#include "../../output/rawreader.h"
#include "../../output/rawwriter.h"

struct recorded {
	char *bytes;
	size_t len;
};

/* Sample i: thread 7 in main -> work(line 10 + i % 3); every other one
 * also thread 9 (named, idle) in main -> wait. */
static void fill_sample(struct strtab *strings, struct sample *s, int i)
{
	struct sample_frame main_frame = {
		.name = strtab_intern_cstr(strings, "main"),
		.file = strtab_intern_cstr(strings, "/srv/app.py"),
		.short_file = strtab_intern_cstr(strings, "app.py"),
		.line = 3, .first_line = 1,
	};
	struct sample_frame work = main_frame, wait = main_frame;
	struct sample_thread *thread;

	work.name = strtab_intern_cstr(strings, "work");
	work.line = 10 + i % 3;
	work.first_line = 9;
	wait.name = strtab_intern_cstr(strings, "w\xc3\xa4it");
	wait.line = -1;
	sample_clear(s);
	s->time_ns = 5000000000ull + (uint64_t)i * 10000000u;
	thread = sample_add_thread(s, 7);
	(void)thread;
	sample_push_frame(s, &work);
	sample_push_frame(s, &main_frame);
	if (i % 2) {
		thread = sample_add_thread(s, 9);
		thread->flags = SAMPLE_THREAD_IDLE;
		thread->name = strtab_intern_cstr(strings, "worker-1");
		sample_push_frame(s, &wait);
		sample_push_frame(s, &main_frame);
	}
}

static struct recorded record(int samples, bool finish)
{
	struct recorded out = { 0 };
	FILE *stream = open_memstream(&out.bytes, &out.len);
	struct strtab strings;
	struct sample sample;
	struct raw_writer w;
	struct raw_meta meta = { .command = "python3 app.py", .python = "CPython 3.12.1",
				 .peekpy = "0.1.0", .pid = 42, .rate_hz = 100,
				 .started_unix_ns = 1700000000000000000ull };
	struct raw_end end = { .samples = (uint64_t)samples, .errors = 2,
			       .duration_ns = (uint64_t)samples * 10000000u };
	int i;

	strtab_init(&strings);
	sample_init(&sample);
	assert_int_equal(rawfile_create(&w, stream, &strings, &meta), 0);
	for (i = 0; i < samples; i++) {
		fill_sample(&strings, &sample, i);
		assert_int_equal(rawfile_add_sample(&w, &sample), 0);
		if (i % 100 == 99)
			assert_int_equal(rawfile_flush(&w), 0);
	}
	if (finish)
		assert_int_equal(rawfile_finish(&w, &end), 0);
	else
		assert_int_equal(rawfile_flush(&w), 0);
	rawfile_release(&w);
	fclose(stream);
	sample_release(&sample);
	strtab_release(&strings);
	return out;
}

struct check {
	struct strtab *strings;
	int seen;
};

static int check_sample(void *ctx, struct sample *s)
{
	struct check *c = ctx;
	const struct sample_frame *frames = sample_thread_frames(s, &s->threads[0]);

	assert_int_equal(s->time_ns, (uint64_t)c->seen * 10000000u);
	assert_int_equal(s->n_threads, c->seen % 2 ? 2 : 1);
	assert_int_equal(s->threads[0].tid, 7);
	assert_int_equal(s->threads[0].n_frames, 2);
	assert_string_equal(strtab_str(c->strings, frames[0].name), "work");
	assert_string_equal(strtab_str(c->strings, frames[0].short_file), "app.py");
	assert_string_equal(strtab_str(c->strings, frames[0].file), "/srv/app.py");
	assert_int_equal(frames[0].line, 10 + c->seen % 3);
	assert_int_equal(frames[0].first_line, 9);
	assert_string_equal(strtab_str(c->strings, frames[1].name), "main");
	if (c->seen % 2) {
		const struct sample_frame *waiting = sample_thread_frames(s, &s->threads[1]);

		assert_int_equal(s->threads[1].tid, 9);
		assert_int_equal(s->threads[1].flags, SAMPLE_THREAD_IDLE);
		assert_string_equal(strtab_str(c->strings, s->threads[1].name), "worker-1");
		assert_string_equal(strtab_str(c->strings, waiting[0].name), "w\xc3\xa4it");
		assert_int_equal(waiting[0].line, -1);
	}
	c->seen++;
	return 0;
}

static int read_back(const struct recorded *r, size_t len, struct raw_info *info, int *seen)
{
	FILE *in = fmemopen(r->bytes, len, "rb");
	struct strtab strings;
	struct check c = { .strings = &strings };
	int err;

	strtab_init(&strings);
	err = rawfile_read(in, &strings, check_sample, &c, info);
	fclose(in);
	strtab_release(&strings);
	*seen = c.seen;
	return err;
}

static void test_rawfile_round_trip(void **state)
{
	struct recorded r = record(1000, true);
	struct raw_info info;
	int seen;

	(void)state;
	assert_int_equal(read_back(&r, r.len, &info, &seen), 0);
	assert_int_equal(seen, 1000);
	assert_int_equal(info.samples, 1000);
	assert_true(info.has_end);
	assert_int_equal(info.end.errors, 2);
	assert_string_equal(info.command, "python3 app.py");
	assert_string_equal(info.python, "CPython 3.12.1");
	assert_int_equal(info.pid, 42);
	assert_true(info.rate_hz == 100);
	assert_int_equal(info.n_tids, 2);
	assert_int_equal(info.tid_samples[0], 1000);
	assert_int_equal(info.tid_samples[1], 500);
	assert_string_equal(info.problem, "");
	/* Repeated stacks cost a few bytes each, compressed. */
	assert_true(r.len < 8000);
	raw_info_release(&info);
	free(r.bytes);
}

static void test_rawfile_cut_short_reads_up_to_the_cut(void **state)
{
	struct recorded r = record(1000, false);
	struct raw_info info;
	int seen, err;

	(void)state;
	/* Flushed, never finished (a killed peekpy): every sample is there. */
	assert_int_equal(read_back(&r, r.len, &info, &seen), PP_EFORMAT);
	assert_int_equal(seen, 1000);
	assert_false(info.has_end);
	assert_non_null(strstr(info.problem, "ends before its end record"));
	raw_info_release(&info);
	/* Cut anywhere: what came before is read, and nothing is made up. */
	for (size_t cut = 13; cut < r.len; cut += r.len / 7) {
		err = read_back(&r, cut, &info, &seen);
		assert_int_equal(err, PP_EFORMAT);
		assert_true(seen <= 1000);
		assert_int_equal((uint64_t)seen, info.samples);
		raw_info_release(&info);
	}
	free(r.bytes);
}

static void test_rawfile_damage_is_found(void **state)
{
	struct recorded r = record(1000, true);
	struct raw_info info;
	int seen;

	(void)state;
	r.bytes[r.len / 2] ^= 0x5a;
	assert_int_equal(read_back(&r, r.len, &info, &seen), PP_EFORMAT);
	assert_true(seen < 1000);
	assert_non_null(strstr(info.problem, "after"));
	raw_info_release(&info);
	free(r.bytes);
}

static void test_rawfile_other_version_and_other_files(void **state)
{
	struct recorded r = record(10, true);
	struct raw_info info;
	int seen;

	(void)state;
	r.bytes[8] = RAWFILE_VERSION + 1;
	assert_int_equal(read_back(&r, r.len, &info, &seen), PP_EVERSION);
	assert_non_null(strstr(info.problem, "format 2"));
	assert_int_equal(seen, 0);
	raw_info_release(&info);
	memcpy(r.bytes, "main;f 3\nx 1", 12);
	assert_int_equal(read_back(&r, r.len, &info, &seen), PP_EFORMAT);
	assert_string_equal(info.problem, "not a peekpy recording");
	raw_info_release(&info);
	assert_int_equal(read_back(&r, 3, &info, &seen), PP_EFORMAT);
	raw_info_release(&info);
	free(r.bytes);
}

/*
 * A file (56 KB) whose compressed data inflates to 55 MiB of records with
 * no CHECK among them: the reader stops once 16 MiB wait for a check,
 * instead of holding all of it (it took 526 MB for such a file).  The
 * reader says the most it held.
 */
static void test_rawfile_reader_memory_is_bounded(void **state)
{
	FILE *in = fopen(TEST_DATA "/recordings/endless-records.peek", "rb");
	struct strtab strings;
	struct raw_info info;

	(void)state;
	assert_non_null(in);
	strtab_init(&strings);
	assert_int_equal(rawfile_read(in, &strings, NULL, NULL, &info), PP_EFORMAT);
	assert_non_null(strstr(info.problem, "damaged"));
	/* 16 MiB awaiting a check, in a buffer that grows by doubling. */
	assert_true(info.most_held <= 2 * ((16u << 20) + (64u << 10)));
	raw_info_release(&info);
	strtab_release(&strings);
	fclose(in);
}

/* Counting the samples of 100,000 threads is not quadratic. */
static void test_rawfile_many_threads(void **state)
{
	struct recorded out = { 0 };
	FILE *stream = open_memstream(&out.bytes, &out.len);
	struct raw_meta meta = { .command = "x", .python = "y", .peekpy = "0" };
	struct raw_end end = { .samples = 2 };
	struct sample_frame frame = { .line = 1 };
	struct strtab strings;
	struct sample sample;
	struct raw_writer w;
	struct raw_info info;
	FILE *in;
	int pass;
	uint32_t tid;

	(void)state;
	strtab_init(&strings);
	sample_init(&sample);
	frame.name = frame.file = frame.short_file = strtab_intern_cstr(&strings, "f");
	assert_int_equal(rawfile_create(&w, stream, &strings, &meta), 0);
	for (pass = 0; pass < 2; pass++) {
		sample_clear(&sample);
		for (tid = 1; tid <= 100000; tid++) {
			sample_add_thread(&sample, tid);
			sample_push_frame(&sample, &frame);
		}
		assert_int_equal(rawfile_add_sample(&w, &sample), 0);
	}
	assert_int_equal(rawfile_finish(&w, &end), 0);
	rawfile_release(&w);
	fclose(stream);
	in = fmemopen(out.bytes, out.len, "rb");
	assert_int_equal(rawfile_read(in, &strings, NULL, NULL, &info), 0);
	assert_int_equal(info.n_tids, 100000);
	assert_int_equal(info.tids[99999], 100000);
	assert_int_equal(info.tid_samples[99999], 2);
	fclose(in);
	raw_info_release(&info);
	sample_release(&sample);
	strtab_release(&strings);
	free(out.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rawfile_round_trip),
		cmocka_unit_test(test_rawfile_cut_short_reads_up_to_the_cut),
		cmocka_unit_test(test_rawfile_damage_is_found),
		cmocka_unit_test(test_rawfile_other_version_and_other_files),
		cmocka_unit_test(test_rawfile_reader_memory_is_bounded),
		cmocka_unit_test(test_rawfile_many_threads),
	};
	return cmocka_run_group_tests_name("rawfile", tests, NULL, NULL);
}
