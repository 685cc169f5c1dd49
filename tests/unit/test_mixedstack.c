/*
 * test_mixedstack.c - Python frames put where the evaluation loops ran
 * them: a whole unwind, one cut short, loops and groups that do not pair,
 * and the call machinery hidden or kept.  Frames are named by one letter
 * each, so that a merged stack reads as a string, innermost first.
 */
#include "unit.h"

#include <string.h>

#include "../../readers/mixedstack.h"

#define LOST 1000

static struct sample_frame frame(char letter, uint32_t flags)
{
	return (struct sample_frame){ .name = (uint32_t)letter, .flags = flags };
}

/* "py" frames, innermost first; a capital letter starts an eval group. */
static size_t python_frames(const char *spec, struct sample_frame *out)
{
	size_t n = strlen(spec);

	for (size_t i = 0; i < n; i++) {
		bool entry = spec[i] >= 'A' && spec[i] <= 'Z';

		out[i] = frame(entry ? (char)(spec[i] - 'A' + 'a') : spec[i],
			       entry ? SAMPLE_FRAME_EVAL_ENTRY : 0);
	}
	return n;
}

/* Native entries, innermost first: 'E' an eval loop, 'M' machinery,
 * 'R' a thread root, digits plain C functions. */
static size_t native_entries(const char *spec, struct sample_frame *frames,
			     struct native_entry *out)
{
	size_t n = strlen(spec);

	for (size_t i = 0; i < n; i++) {
		uint32_t flags = spec[i] == 'E' ? NATIVE_EVAL : spec[i] == 'M' ? NATIVE_MACHINERY
			       : spec[i] == 'R' ? NATIVE_THREAD_ROOT : 0;

		frames[i] = frame(spec[i], SAMPLE_FRAME_NATIVE);
		out[i] = (struct native_entry){ &frames[i], 1, flags | NATIVE_INTERPRETER,
						NATIVE_NO_ANCHOR };
	}
	return n;
}

/* The merged stack as letters ('!' for the lost mark); whether lost.
 * anchors, when given, are the entries' anchors (NATIVE_NO_ANCHOR for
 * none), innermost first. */
static bool merge_anchored(const char *python, const char *natives, const size_t *anchors,
			   bool complete, bool internals, char *text)
{
	struct sample_frame py[32], native_frames[32];
	struct native_entry entries[32];
	struct merge_input in = {
		.python = py, .n_python = python_frames(python, py),
		.natives = entries, .n_natives = native_entries(natives, native_frames, entries),
		.complete = complete, .show_internals = internals, .lost_name = LOST,
	};
	struct sample out;
	bool lost;
	size_t i;

	for (i = 0; anchors && i < in.n_natives; i++)
		entries[i].anchor = anchors[i];
	sample_init(&out);
	sample_add_thread(&out, 1);
	lost = mixedstack_merge(&in, &out);
	for (i = 0; i < out.n_frames; i++)
		text[i] = out.frames[i].name == LOST ? '!' : (char)out.frames[i].name;
	text[i] = 0;
	sample_release(&out);
	return lost;
}

static bool merge(const char *python, const char *natives, bool complete, bool internals,
		  char *text)
{
	return merge_anchored(python, natives, NULL, complete, internals, text);
}

/* <= 3.10: one loop per frame; machinery between them is hidden. */
static void test_merge_one_loop_per_frame(void **state)
{
	char text[64];

	(void)state;
	assert_false(merge("CBA", "1EM2EMER", true, false, text));
	assert_string_equal(text, "1c2baR");
	assert_false(merge("CBA", "1EM2EMER", true, true, text));
	assert_string_equal(text, "1cEM2bEMaER");
}

/* 3.11+: a loop runs a group of inline calls; C between groups. */
static void test_merge_groups(void **state)
{
	char text[64];

	(void)state;
	/* c and b run in one loop, entered for b; a in the loop below. */
	assert_false(merge("cBA", "12E3ER", true, false, text));
	assert_string_equal(text, "12cb3aR");
}

/* A loop just entered, its frame not linked yet: the newest loop is the
 * one left over, and it stays as a native frame. */
static void test_merge_loop_without_frame(void **state)
{
	char text[64];

	(void)state;
	assert_false(merge("BA", "EE1E2R", true, false, text));
	assert_string_equal(text, "Eb1a2R");
}

/* The unwind stopped early: the newest groups pair with the loops found,
 * the older ones come below the mark. */
static void test_merge_cut_short(void **state)
{
	char text[64];

	(void)state;
	assert_true(merge("CBA", "1E2", false, false, text));
	assert_string_equal(text, "1c2!ba");
	assert_true(merge("BA", "", false, false, text));
	assert_string_equal(text, "!ba");
}

/* A stack whose thread root was reached counts as whole even when libdw
 * reported an error at its end. */
static void test_merge_root_means_complete(void **state)
{
	char text[64];

	(void)state;
	assert_false(merge("A", "1ER", false, false, text));
	assert_string_equal(text, "1aR");
}

/* More groups than loops in a whole unwind (a loop the symbols do not
 * name): the unpaired newest groups go just above the oldest's loop, with
 * a mark between. */
static void test_merge_more_groups_than_loops(void **state)
{
	char text[64];

	(void)state;
	assert_true(merge("CBA", "1E2R", true, false, text));
	assert_string_equal(text, "1cb!a2R");
}

/* 3.12+: loops known by the entry frame in their C frame, whatever their
 * names; a loop just entered, whose frame was dropped, stays native. */
static void test_merge_by_anchor(void **state)
{
	/* x: older than every frame (ran nothing left); y: ran c and b;
	 * 2: ran a. */
	const size_t anchors[] = { 3, NATIVE_NO_ANCHOR, 1, 0, NATIVE_NO_ANCHOR };
	char text[16];

	(void)state;
	assert_false(merge_anchored("cBA", "x1y2R", anchors, true, false, text));
	assert_string_equal(text, "x1cbaR");
}

/* A thread with no Python: its native frames only. */
static void test_merge_native_only(void **state)
{
	char text[64];

	(void)state;
	assert_false(merge("", "12R", true, false, text));
	assert_string_equal(text, "12R");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_one_loop_per_frame),
		cmocka_unit_test(test_merge_groups),
		cmocka_unit_test(test_merge_loop_without_frame),
		cmocka_unit_test(test_merge_cut_short),
		cmocka_unit_test(test_merge_root_means_complete),
		cmocka_unit_test(test_merge_more_groups_than_loops),
		cmocka_unit_test(test_merge_native_only),
		cmocka_unit_test(test_merge_by_anchor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
