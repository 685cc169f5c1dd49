/*
 * test_pprof.c - the protobuf wire format, and a stack tree as profile.proto
 * read back field by field.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../base/strtab.h"
#include "../../output/pprof.h"
#include "../../output/protobuf.h"
#include "../../output/stacktree.h"

static void test_varints_and_fields_match_the_spec(void **state)
{
	struct pbuf buf;
	/* protobuf's documentation: 1 is 01, 150 is 96 01, 300 is ac 02; field
	 * 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 ...; packed field 4
	 * = [3, 270, 86942] is 22 06 03 8e 02 9e a7 05. */
	static const uint8_t want[] = {
		0x01, 0x96, 0x01, 0xac, 0x02,
		0x08, 0x96, 0x01,
		0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g',
		0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
	};
	const uint64_t packed[] = { 3, 270, 86942 };

	(void)state;
	pbuf_init(&buf);
	pbuf_varint(&buf, 1);
	pbuf_varint(&buf, 150);
	pbuf_varint(&buf, 300);
	pbuf_field_varint(&buf, 1, 150);
	pbuf_field_bytes(&buf, 2, "testing", 7);
	pbuf_field_packed(&buf, 4, packed, 3);
	pbuf_field_packed(&buf, 5, packed, 0);   /* nothing */
	pbuf_varint(&buf, UINT64_MAX);
	assert_int_equal(buf.len, sizeof(want));
	assert_memory_equal(buf.data, want, sizeof(want));
	pbuf_release(&buf);
}

/* --- a reader just big enough to check what pprof_write wrote --- */

struct field {
	uint32_t number;
	uint64_t value;           /* varint */
	const uint8_t *data;      /* bytes */
	size_t len;
};

static uint64_t read_varint(const uint8_t **at, const uint8_t *end)
{
	uint64_t value = 0;
	unsigned shift = 0;

	while (*at < end) {
		uint8_t byte = *(*at)++;

		value |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return value;
		shift += 7;
	}
	fail_msg("varint runs past the end");
	return 0;
}

/* The next field of [*at, end), false at the end. */
static bool next_field(const uint8_t **at, const uint8_t *end, struct field *f)
{
	uint64_t key;

	if (*at >= end)
		return false;
	key = read_varint(at, end);
	memset(f, 0, sizeof(*f));
	f->number = (uint32_t)(key >> 3);
	if ((key & 7) == 0) {
		f->value = read_varint(at, end);
	} else {
		assert_int_equal(key & 7, 2);
		f->len = read_varint(at, end);
		assert_true(f->len <= (size_t)(end - *at));
		f->data = *at;
		*at += f->len;
	}
	return true;
}

static uint8_t *gunzip(FILE *in, size_t *len)
{
	uint8_t packed[1 << 16];
	size_t n = fread(packed, 1, sizeof(packed), in);
	uint8_t *out = malloc(1 << 20);
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = packed;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = 1 << 20;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	*len = z.total_out;
	inflateEnd(&z);
	return out;
}

struct profile {
	const char *strings[64];
	size_t n_strings;
	size_t n_samples, n_locations, n_functions, n_mappings;
	uint64_t values[8][2];        /* per sample */
	uint64_t leaf[8];             /* each sample's first location */
	size_t depth[8];
	int64_t thread_id[8];         /* label "thread id", -1 none */
	uint64_t period;
};

static void read_sample(struct profile *p, const uint8_t *at, const uint8_t *end)
{
	size_t i = p->n_samples++;
	struct field f;

	p->thread_id[i] = -1;
	while (next_field(&at, end, &f)) {
		const uint8_t *in = f.data, *in_end = f.data + f.len;
		size_t k = 0;

		if (f.number == 1) {
			p->leaf[i] = read_varint(&in, in_end);
			for (p->depth[i] = 1; in < in_end; p->depth[i]++)
				read_varint(&in, in_end);
		} else if (f.number == 2) {
			while (in < in_end)
				p->values[i][k++] = read_varint(&in, in_end);
		} else if (f.number == 3) {
			struct field label;
			uint64_t key = 0, num = 0;

			while (next_field(&in, in_end, &label)) {
				if (label.number == 1)
					key = label.value;
				if (label.number == 3)
					num = label.value;
			}
			if (key < p->n_strings && strcmp(p->strings[key], "thread id") == 0)
				p->thread_id[i] = (int64_t)num;
		}
	}
}

static void read_profile(struct profile *p, const uint8_t *data, size_t len)
{
	const uint8_t *at = data, *end = data + len;
	struct field f;

	memset(p, 0, sizeof(*p));
	/* Strings first: samples' labels name them. */
	while (next_field(&at, end, &f))
		if (f.number == 6)
			p->strings[p->n_strings++] = strndup((const char *)f.data, f.len);
	for (at = data; next_field(&at, end, &f);) {
		if (f.number == 2)
			read_sample(p, f.data, f.data + f.len);
		p->n_locations += f.number == 4;
		p->n_functions += f.number == 5;
		p->n_mappings += f.number == 3;
		if (f.number == 12)
			p->period = f.value;
	}
}

static void free_profile(struct profile *p)
{
	for (size_t i = 0; i < p->n_strings; i++)
		free((char *)p->strings[i]);
}

static bool has_string(const struct profile *p, const char *text)
{
	for (size_t i = 0; i < p->n_strings; i++)
		if (strcmp(p->strings[i], text) == 0)
			return true;
	return false;
}

static void add_thread(struct sample *s, struct strtab *strings, uint32_t tid,
		       const char *const *names, size_t n)
{
	struct sample_thread *thread = sample_add_thread(s, tid);

	thread->name = strtab_intern_cstr(strings, "worker");
	/* names are root first; a sample holds frames innermost first. */
	for (size_t i = n; i-- > 0;) {
		struct sample_frame frame = {
			.name = strtab_intern_cstr(strings, names[i]),
			.file = strtab_intern_cstr(strings, "app.py"),
			.short_file = strtab_intern_cstr(strings, "app.py"),
			.line = (int32_t)(10 + i), .first_line = 1,
		};
		sample_push_frame(s, &frame);
	}
}

static void test_tree_as_profile(void **state)
{
	static const char *const deep[] = { "<module>", "main", "parse" };
	static const char *const shallow[] = { "<module>", "main" };
	struct stack_options how = { .thread_roots = true };
	struct pprof_meta meta = { .rate_hz = 100, .program = "CPython 3.12.1",
				   .comments = { "peekpy test" } };
	struct strtab strings;
	struct stacktree tree;
	struct sample s;
	struct profile p;
	size_t len, with_parse = SIZE_MAX;
	uint8_t *data;
	FILE *file = tmpfile();

	(void)state;
	strtab_init(&strings);
	stacktree_init(&tree, &strings, &how);
	sample_init(&s);
	for (int i = 0; i < 3; i++) {
		sample_clear(&s);
		add_thread(&s, &strings, 41, deep, 3);
		add_thread(&s, &strings, 42, shallow, 2);
		stacktree_add_sample(&tree, &s);
	}
	stacktree_compute_totals(&tree);
	assert_int_equal(pprof_write(&tree, &meta, file), 0);
	rewind(file);
	data = gunzip(file, &len);
	read_profile(&p, data, len);

	assert_true(p.n_strings > 0);
	assert_string_equal(p.strings[0], "");
	assert_true(has_string(&p, "samples") && has_string(&p, "cpu") &&
		    has_string(&p, "nanoseconds") && has_string(&p, "peekpy test"));
	assert_int_equal(p.period, 10000000);
	assert_int_equal(p.n_mappings, 1);
	/* Two stacks, one per thread; the thread frames are labels. */
	assert_int_equal(p.n_samples, 2);
	assert_int_equal(p.n_locations, 3);   /* <module>:10, main:11, parse:12 */
	assert_int_equal(p.n_functions, 3);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(p.values[i][0], 3);
		assert_int_equal(p.values[i][1], 30000000);
		if (p.depth[i] == 3)
			with_parse = i;
	}
	assert_true(with_parse != SIZE_MAX);
	assert_int_equal(p.thread_id[with_parse], 41);
	assert_int_equal(p.thread_id[1 - with_parse], 42);
	assert_int_equal(p.depth[1 - with_parse], 2);
	assert_true(has_string(&p, "worker") && has_string(&p, "parse"));

	free_profile(&p);
	free(data);
	fclose(file);
	sample_release(&s);
	stacktree_release(&tree);
	strtab_release(&strings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varints_and_fields_match_the_spec),
		cmocka_unit_test(test_tree_as_profile),
	};
	return cmocka_run_group_tests_name("pprof", tests, NULL, NULL);
}
