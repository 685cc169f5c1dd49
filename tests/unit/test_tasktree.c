/*
 * test_tasktree.c - the asyncio task tree of a sample, and the _asyncio
 * module's offsets block.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/errors.h"
#include "../../base/sample.h"
#include "../../base/strtab.h"
#include "../../output/tasktree.h"
#include "../../readers/asynctasks.h"

/* A thread whose frames are given root first: "task NAME" for a task's
 * mark, "NAME:LINE" for a frame. */
static void add_stack(struct sample *s, struct strtab *strings, uint32_t tid, uint32_t flags,
		      const char *const *frames, size_t n)
{
	struct sample_thread *thread = sample_add_thread(s, tid);

	thread->flags = flags;
	for (size_t i = n; i-- > 0;) {
		struct sample_frame frame = { 0 };
		char text[64];

		if (strncmp(frames[i], "task ", 5) == 0) {
			snprintf(text, sizeof(text), "task \"%s\"", frames[i] + 5);
			frame.name = strtab_intern_cstr(strings, text);
			frame.flags = SAMPLE_FRAME_MARK;
		} else {
			const char *colon = strchr(frames[i], ':');

			frame.name = strtab_intern(strings, frames[i], (size_t)(colon - frames[i]));
			frame.file = frame.short_file = strtab_intern_cstr(strings, "app.py");
			frame.line = atoi(colon + 1);
		}
		sample_push_frame(s, &frame);
	}
}

static void test_tree_of_chains(void **state)
{
	static const char *const running[] = { "task main", "main:9", "task crunch", "crunch:4",
					       "spin:2" };
	static const char *const waiting_main[] = { "task main", "main:9" };
	static const char *const waiting_sleeper[] = { "task main", "main:9", "task sleeper",
						       "sleeper:7", "sleep:100" };
	static const char *const plain[] = { "module:1", "run_once:50" };
	struct strtab strings;
	struct task_tree tree;
	struct sample s;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	strtab_init(&strings);
	sample_init(&s);
	add_stack(&s, &strings, 7, 0, running, 5);
	add_stack(&s, &strings, 7, SAMPLE_THREAD_IDLE, waiting_main, 2);
	add_stack(&s, &strings, 7, SAMPLE_THREAD_IDLE, waiting_sleeper, 5);
	add_stack(&s, &strings, 8, 0, plain, 2);   /* no task: not in the tree */
	tasktree_build(&tree, &s, &strings);
	assert_int_equal(tree.count, 3);
	out = open_memstream(&text, &len);
	tasktree_print_text(&tree, &strings, out);
	fclose(out);
	assert_string_equal(text,
		"\nasyncio tasks, each under the task awaiting it:\n"
		"  task \"main\": main (app.py:9)\n"
		"    task \"crunch\" (running): crunch (app.py:4) > spin (app.py:2)\n"
		"    task \"sleeper\": sleeper (app.py:7) > sleep (app.py:100)\n");
	free(text);
	out = open_memstream(&text, &len);
	tasktree_print_json(&tree, &strings, out);
	fclose(out);
	assert_non_null(strstr(text, "[{\"name\":\"main\",\"running\":false,\"tid\":7,"));
	assert_non_null(strstr(text, "{\"name\":\"crunch\",\"running\":true"));
	free(text);
	tasktree_release(&tree);
	sample_release(&s);
	strtab_release(&strings);
}

static void test_async_debug_block(void **state)
{
	/* The block 3.14 publishes: task object (size, name, awaited_by,
	 * is_task, awaited_by_is_set, coro, node), interpreter (size, tasks
	 * head), thread (size, running loop, running task, tasks head). */
	uint64_t words[13] = { 200, 120, 152, 168, 169, 112, 136, 8000, 7900, 1200, 1000,
			       1008, 1016 };
	struct async_debug debug;

	(void)state;
	assert_int_equal(async_debug_parse((const uint8_t *)words, sizeof(words), &debug), 0);
	assert_int_equal(debug.task_name, 120);
	assert_int_equal(debug.task_node, 136);
	assert_int_equal(debug.interp_tasks_head, 7900);
	assert_int_equal(debug.ts_running_task, 1008);
	assert_int_equal(debug.ts_tasks_head, 1016);
	assert_int_equal(async_debug_parse((const uint8_t *)words, 96, &debug), PP_EBADDATA);
	words[5] = 400;   /* the coroutine past the task's end */
	assert_int_equal(async_debug_parse((const uint8_t *)words, sizeof(words), &debug),
			 PP_EBADDATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_of_chains),
		cmocka_unit_test(test_async_debug_block),
	};
	return cmocka_run_group_tests_name("tasktree", tests, NULL, NULL);
}
