/*
 * test_flamegraph.c - the SVG flame graph writer and what it stands on:
 * escaping arbitrary bytes, telling kinds of code and modules apart.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/strtab.h"
#include "../../output/codekind.h"
#include "../../output/escape.h"
#include "../../output/flamegraph.h"
#include "../../output/stacktree.h"

static char *escaped(void (*escape)(FILE *, const char *, size_t), const char *text, size_t len)
{
	char *out = NULL;
	size_t size = 0;
	FILE *stream = open_memstream(&out, &size);

	escape(stream, text, len);
	fclose(stream);
	return out;
}

static void test_escape_xml_makes_any_bytes_valid(void **state)
{
	/* Entities, a control character, a lone continuation byte, an overlong
	 * '/', a surrogate, and a valid two-byte and four-byte character. */
	static const char input[] = "a<b>&\"'\x01z\x80/\xc0\xaf\xed\xa0\x80\xc3\xa9\xf0\x9f\x90\x8d";
	char *out = escaped(escape_xml, input, sizeof(input) - 1);

	(void)state;
	assert_string_equal(out, "a&lt;b&gt;&amp;&quot;&#39;\xef\xbf\xbdz\xef\xbf\xbd/"
				 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
				 "\xc3\xa9\xf0\x9f\x90\x8d");
	free(out);
}

static void test_escape_json_is_safe_inside_cdata(void **state)
{
	static const char input[] = "]]></script>\"\\\n\xff\xe2\x80\xa8";
	char *out = escaped(escape_json, input, sizeof(input) - 1);

	(void)state;
	assert_string_equal(out, "\"]]\\u003e\\u003c/script\\u003e\\\"\\\\\\u000a\\ufffd\\u2028\"");
	assert_null(strstr(out, "]]>"));
	free(out);
}

static void test_codekind_of_paths(void **state)
{
	(void)state;
#define KIND(path) codekind_of(path, strlen(path))
	assert_int_equal(KIND("/srv/app/server.py"), CODE_YOURS);
	assert_int_equal(KIND("app/models.py"), CODE_YOURS);
	assert_int_equal(KIND("/usr/lib/python3/dist-packages/requests/api.py"), CODE_LIBRARY);
	assert_int_equal(KIND("/venv/lib/python3.12/site-packages/flask/app.py"), CODE_LIBRARY);
	assert_int_equal(KIND("/usr/lib/python3.11/threading.py"), CODE_STDLIB);
	assert_int_equal(KIND("/root/.pyenv/versions/2.7.18/lib/python2.7/json/decoder.py"),
			 CODE_STDLIB);
	assert_int_equal(KIND("<frozen importlib._bootstrap>"), CODE_STDLIB);
	assert_int_equal(KIND("/usr/lib/x86_64-linux-gnu/libc.so.6"), CODE_NATIVE);
	assert_int_equal(KIND("Objects/listobject.c"), CODE_NATIVE);
#undef KIND
}

static void test_codekind_module_hash_agrees_across_installs(void **state)
{
#define HASH(path) codekind_module_hash(path, strlen(path))
	(void)state;
	assert_int_equal(HASH("/usr/lib/python3.11/json/decoder.py"),
			 HASH("/venv/lib/python3.12/site-packages/json/decoder.py"));
	assert_int_equal(HASH("/srv/app/models/user.py"), HASH("models/user.py"));
	assert_int_not_equal(HASH("/srv/app/models/user.py"), HASH("/srv/app/models/order.py"));
#undef HASH
}

struct tree_fixture {
	struct strtab strings;
	struct stacktree tree;
};

/* Add count samples of a stack given root first as "name:line" words. */
static void add(struct tree_fixture *f, const char *const *frames, uint64_t count, int idle)
{
	uint32_t ids[16];
	size_t depth = 0;

	for (; frames[depth]; depth++) {
		char name[64];
		int line;
		struct frame_key key = { .kind = FRAME_PYTHON };

		assert_int_equal(sscanf(frames[depth], "%63[^:]:%d", name, &line), 2);
		key.name = strtab_intern_cstr(&f->strings, name);
		key.file = strtab_intern_cstr(&f->strings, "/srv/app/main.py");
		key.line = line;
		ids[depth] = frametab_intern(&f->tree.frames, &key);
	}
	stacktree_add_stack(&f->tree, ids, depth, count, idle);
}

static char *draw(struct tree_fixture *f)
{
	struct flamegraph_meta meta = { .title = "t<1>", .python = "CPython 3.12.1",
					.rate_hz = 100, .duration_s = 2 };
	char *svg = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&svg, &size);

	stacktree_compute_totals(&f->tree);
	assert_int_equal(flamegraph_write(&f->tree, &meta, out), 0);
	fclose(out);
	return svg;
}

static void fill(struct tree_fixture *f, const struct stack_options *options)
{
	strtab_init(&f->strings);
	stacktree_init(&f->tree, &f->strings, options);
	add(f, (const char *const[]){ "main:1", "work:5", NULL }, 600, 0);
	add(f, (const char *const[]){ "main:1", "rest:9", NULL }, 399400, 0);
	add(f, (const char *const[]){ "main:1", "wait:7", NULL }, 200, 1);
	/* One sample in 400,000: far under a tenth of a pixel. */
	add(f, (const char *const[]){ "main:1", "tiny:3", "tinier:4", NULL }, 1, 0);
}

static size_t count_of(const char *text, const char *word)
{
	size_t n = 0;

	for (const char *at = text; (at = strstr(at, word)); at += strlen(word))
		n++;
	return n;
}

static void test_flamegraph_draws_boxes_and_data(void **state)
{
	struct stack_options options = { .include_idle = true };
	struct tree_fixture f;
	char *svg, *again;

	(void)state;
	fill(&f, &options);
	svg = draw(&f);
	/* main, rest and work (a pixel wide or more) are drawn in the file;
	 * wait (0.6 px) is only in the data, for zooming; tiny and tinier
	 * (under 0.1 px) are counted. */
	assert_int_equal(count_of(strstr(svg, "<g id=\"r\">"), "<rect ") -
			 count_of(strstr(svg, "<g id=\"legend\">"), "<rect "), 3);
	assert_non_null(strstr(svg, "2 frames too narrow to draw"));
	assert_non_null(strstr(svg, "400201 samples at 100/s"));
	assert_non_null(strstr(svg, ">t&lt;1&gt;</text>"));
	assert_non_null(strstr(svg, "var P={n:400201,dt:0.01,"));
	assert_non_null(strstr(svg, "\nd:[0,1,1,1]"));
	/* Children sorted by text: rest, (tiny, left out but keeping its
	 * place), wait, work; offsets and widths in samples. */
	assert_non_null(strstr(svg, "\nw:[400201,399400,200,600]"));
	assert_non_null(strstr(svg, "\nx:[0,0,399401,399601]"));
	/* The idle-only frame gets the idle colours, the others their kind's. */
	assert_non_null(strstr(svg, "class=\"c"));
	assert_null(strstr(svg, "tinier"));
	stacktree_release(&f.tree);
	strtab_release(&f.strings);

	fill(&f, &options);
	again = draw(&f);
	assert_string_equal(svg, again);
	stacktree_release(&f.tree);
	strtab_release(&f.strings);
	free(svg);
	free(again);
}

static void test_flamegraph_colours_idle_frames_apart(void **state)
{
	struct stack_options options = { .include_idle = true };
	struct tree_fixture f;
	char *svg, *colours;
	unsigned c[4];

	(void)state;
	fill(&f, &options);
	svg = draw(&f);
	colours = strstr(svg, "\nc:[");
	assert_non_null(colours);
	assert_int_equal(sscanf(colours, "\nc:[%u,%u,%u,%u]", &c[0], &c[1], &c[2], &c[3]), 4);
	assert_int_equal(c[0] / 16, CODE_YOURS);
	assert_int_equal(c[2] / 16, CODE_IDLE);
	assert_int_equal(c[3] / 16, CODE_YOURS);
	stacktree_release(&f.tree);
	strtab_release(&f.strings);
	free(svg);
}

static void test_flamegraph_of_nothing(void **state)
{
	struct stack_options options = { 0 };
	struct tree_fixture f;
	char *svg;

	(void)state;
	strtab_init(&f.strings);
	stacktree_init(&f.tree, &f.strings, &options);
	svg = draw(&f);
	assert_non_null(strstr(svg, "0 samples"));
	assert_non_null(strstr(svg, "</svg>\n"));
	stacktree_release(&f.tree);
	strtab_release(&f.strings);
	free(svg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_xml_makes_any_bytes_valid),
		cmocka_unit_test(test_escape_json_is_safe_inside_cdata),
		cmocka_unit_test(test_codekind_of_paths),
		cmocka_unit_test(test_codekind_module_hash_agrees_across_installs),
		cmocka_unit_test(test_flamegraph_draws_boxes_and_data),
		cmocka_unit_test(test_flamegraph_colours_idle_frames_apart),
		cmocka_unit_test(test_flamegraph_of_nothing),
	};
	return cmocka_run_group_tests_name("flamegraph", tests, NULL, NULL);
}
