/*
 * test_options.c - parsing peekpy's command line.
 */
#include "unit.h"

#include <string.h>

#include "../../base/errors.h"
#include "../../output/stacktree.h"
#include "../../profiler/options.h"

static int parse(struct options *o, char *why, const char *const *args)
{
	/* Options keep pointers into argv (files, -o): it outlives the call. */
	static char *argv[32];
	int argc = 0;

	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	return options_parse(argc, argv, o, why, 256);
}

#define PARSE(o, why, ...) parse(o, why, (const char *const[]){ "peekpy", __VA_ARGS__, NULL })

static void test_options_attach_with_everything(void **state)
{
	struct options o;
	char why[256];

	(void)state;
	assert_int_equal(PARSE(&o, why, "record", "--pid", "1234", "-o", "out.txt", "-f",
			       "collapsed", "-r", "250.5", "-d", "3", "--idle", "--threads",
			       "--full-filenames", "--nolineno"), 0);
	assert_int_equal(o.command, COMMAND_RECORD);
	assert_int_equal(o.pid, 1234);
	assert_string_equal(o.output, "out.txt");
	assert_string_equal(o.format->name, "collapsed");
	assert_true(o.rate == 250.5);
	assert_true(o.duration == 3);
	assert_true(o.idle && o.threads && o.full_filenames);
	assert_int_equal(o.lines, STACK_LINES_NONE);
	assert_null(o.argv);
}

static void test_options_defaults(void **state)
{
	struct options o;
	char why[256];

	(void)state;
	assert_int_equal(PARSE(&o, why, "record", "-p", "7"), 0);
	assert_true(o.rate == 100);
	assert_true(o.duration == 0);
	assert_null(o.output);
	assert_ptr_equal(o.format, format_default());
	assert_false(o.gil);
	assert_int_equal(PARSE(&o, why, "record", "--gil", "-p", "7"), 0);
	assert_true(o.gil);
	assert_int_equal(o.lines, STACK_LINES_EXECUTING);
	assert_false(o.idle || o.threads || o.full_filenames);
}

static void test_options_command_keeps_its_own_flags(void **state)
{
	struct options o;
	char why[256];

	(void)state;
	assert_int_equal(PARSE(&o, why, "record", "--function", "--", "python3", "app.py", "-d",
			       "--pid", "9"), 0);
	assert_int_equal(o.pid, 0);
	assert_int_equal(o.lines, STACK_LINES_FUNCTION);
	assert_string_equal(o.argv[0], "python3");
	assert_string_equal(o.argv[2], "-d");
	assert_string_equal(o.argv[3], "--pid");
	assert_null(o.argv[5]);
	/* Without "--" too: the first non-option starts the command. */
	assert_int_equal(PARSE(&o, why, "record", "-r", "10", "python3", "-c", "pass"), 0);
	assert_string_equal(o.argv[0], "python3");
	assert_string_equal(o.argv[1], "-c");
}

static void test_options_errors_say_what_is_wrong(void **state)
{
	struct options o;
	char why[256];

	(void)state;
	assert_int_equal(PARSE(&o, why, "record", "--frobnicate"), PP_EUSAGE);
	assert_non_null(strstr(why, "unknown option '--frobnicate'"));
	assert_int_equal(PARSE(&o, why, "record", "-p", "abc"), PP_EUSAGE);
	assert_non_null(strstr(why, "--pid"));
	assert_int_equal(PARSE(&o, why, "record", "-p", "0"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "record", "-p", "5", "-r", "0"), PP_EUSAGE);
	assert_non_null(strstr(why, "--rate"));
	assert_int_equal(PARSE(&o, why, "record", "-p", "5", "-r", "nan"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "record", "-p", "5", "-d", "-1"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "record", "-p", "5", "-f", "png"), PP_EUSAGE);
	assert_non_null(strstr(why, "unknown format 'png'"));
	assert_int_equal(PARSE(&o, why, "record", "-p", "5", "--nolineno", "--function"),
			 PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "record", "-p", "5", "--", "python3"), PP_EUSAGE);
	assert_non_null(strstr(why, "not both"));
	assert_int_equal(PARSE(&o, why, "record"), PP_EUSAGE);
	assert_non_null(strstr(why, "nothing to record"));
	assert_int_equal(PARSE(&o, why, "record", "-p"), PP_EUSAGE);
	assert_non_null(strstr(why, "needs a value"));
	assert_int_equal(PARSE(&o, why, "frobnicate"), PP_EUSAGE);
	assert_non_null(strstr(why, "unknown command 'frobnicate'"));
	/* No command: parsed as none, and main prints the usage. */
	assert_int_equal(parse(&o, why, (const char *const[]){ "peekpy", NULL }), 0);
	assert_int_equal(o.command, COMMAND_NONE);
	/* An option of another command names the commands that take it. */
	assert_int_equal(PARSE(&o, why, "render", "--pid", "5", "x.peek"), PP_EUSAGE);
	assert_non_null(strstr(why, "--pid is an option of record, top, dump, not of render"));
	assert_int_equal(PARSE(&o, why, "diff", "--json", "x", "a", "b"), PP_EUSAGE);
	assert_non_null(strstr(why, "--json is an option of dump, check, not of diff"));
	assert_int_equal(PARSE(&o, why, "completions", "tcsh"), PP_EUSAGE);
	assert_non_null(strstr(why, "bash, zsh or fish"));
	assert_int_equal(PARSE(&o, why, "completions", "fish"), 0);
	assert_string_equal(o.shell, "fish");
}

/* Numbers out of range, in hex, padded or in exponent form for an id are
 * refused with a message; nothing later divides by zero or overflows
 * (-r 1e-11 was a SIGFPE, -d 2e10 and --time-range 1e300: overflowed). */
static void test_options_numbers_in_range(void **state)
{
	static const char *const bad[][3] = {
		{ "-r", "1e-11" }, { "-r", "0" }, { "-r", "2e6" }, { "-r", "0x10" },
		{ "-r", "nan" }, { "-r", "inf" }, { "-r", " 5" }, { "-d", "2e10" },
		{ "-d", "0" }, { "-d", "-1" }, { "--pid", "0x10" }, { "--pid", "1e3" },
		{ "--pid", " 12" }, { "--pid", "12 " }, { "--pid", "0" }, { "--pid", "4194305" },
		{ "--pid", "99999999999999999999" },
	};
	struct options o;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[] = { "peekpy", "record", "--pid", "1", bad[i][0], bad[i][1], NULL };

		assert_int_equal(parse(&o, why, args), PP_EUSAGE);
		assert_non_null(strstr(why, bad[i][1]));
	}
	assert_int_equal(PARSE(&o, why, "render", "x", "--time-range", "1e300:"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "render", "x", "--thread", "0x10"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "record", "--pid", "4194304", "-r", "0.01", "-d", "1e8"), 0);
	assert_int_equal(o.pid, 4194304);
	assert_int_equal(PARSE(&o, why, "render", "x", "--time-range", ".5:2", "--thread", "7"), 0);
	assert_true(o.time_from == 0.5 && o.time_to == 2 && o.thread == 7);
}

static void test_options_help_and_version(void **state)
{
	struct options o;
	char why[256];

	(void)state;
	assert_int_equal(PARSE(&o, why, "--help"), 0);
	assert_true(o.help);
	assert_int_equal(PARSE(&o, why, "--version"), 0);
	assert_true(o.version);
	assert_int_equal(PARSE(&o, why, "record", "--help"), 0);
	assert_true(o.help);
	assert_int_equal(o.command, COMMAND_RECORD);
}

static void test_options_check_and_diff_sides(void **state)
{
	struct options o;
	char why[256];

	(void)state;
	/* Two files: BASE and NEW. */
	assert_int_equal(PARSE(&o, why, "check", "a.peek", "b.peek", "--threshold", "10%"), 0);
	assert_int_equal(o.command, COMMAND_CHECK);
	assert_int_equal(o.n_base, 1);
	assert_int_equal(o.n_new, 1);
	assert_string_equal(o.base_files[0], "a.peek");
	assert_string_equal(o.new_files[0], "b.peek");
	assert_true(o.threshold == 0.1);
	assert_true(o.min_share == 0.01);
	/* Several a side, options on both sides of "--". */
	assert_int_equal(PARSE(&o, why, "check", "--min-share", "2", "b1", "b2", "b3", "--", "n1",
			       "--json", "r.json", "n2", "--budget", "x=5%", "--budget", "y=1ms"), 0);
	assert_int_equal(o.n_base, 3);
	assert_int_equal(o.n_new, 2);
	assert_string_equal(o.base_files[2], "b3");
	assert_string_equal(o.new_files[0], "n1");
	assert_string_equal(o.new_files[1], "n2");
	assert_string_equal(o.json_path, "r.json");
	assert_int_equal(o.n_budgets, 2);
	assert_string_equal(o.budgets[1], "y=1ms");
	assert_true(o.min_share == 0.02);
	/* Budgets alone: one file is NEW. */
	assert_int_equal(PARSE(&o, why, "check", "n.peek", "--budget", "x=5%"), 0);
	assert_int_equal(o.n_base, 0);
	assert_int_equal(o.n_new, 1);
	assert_int_equal(PARSE(&o, why, "check", "n.peek"), PP_EUSAGE);
	assert_non_null(strstr(why, "needs BASE and NEW"));
	assert_int_equal(PARSE(&o, why, "check", "a", "b", "c"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "check", "-o", "x", "a", "b"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "check", "--threshold", "5x", "a", "b"), PP_EUSAGE);
	/* diff: its own formats, and not check's reports. */
	assert_int_equal(PARSE(&o, why, "diff", "a", "b", "-f", "json", "-o", "d.json"), 0);
	assert_int_equal(o.command, COMMAND_DIFF);
	assert_string_equal(o.diff_format, "json");
	assert_int_equal(PARSE(&o, why, "diff", "a", "b", "-f", "speedscope"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "diff", "a", "b", "--json", "x"), PP_EUSAGE);
}

static void test_options_repeat(void **state)
{
	struct options o;
	char why[256];

	(void)state;
	assert_int_equal(PARSE(&o, why, "record", "--", "python3", "x.py"), 0);
	assert_int_equal(o.repeat, 1);
	assert_int_equal(PARSE(&o, why, "record", "--repeat", "5", "--", "python3", "x.py"), 0);
	assert_int_equal(o.repeat, 5);
	assert_int_equal(PARSE(&o, why, "record", "--repeat", "0", "--", "python3"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "record", "--repeat", "2.5", "--", "python3"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "record", "--repeat", "2", "--pid", "12"), PP_EUSAGE);
	assert_int_equal(PARSE(&o, why, "top", "--repeat", "2", "--", "python3"), PP_EUSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_check_and_diff_sides),
		cmocka_unit_test(test_options_repeat),
		cmocka_unit_test(test_options_attach_with_everything),
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test(test_options_command_keeps_its_own_flags),
		cmocka_unit_test(test_options_errors_say_what_is_wrong),
		cmocka_unit_test(test_options_help_and_version),
		cmocka_unit_test(test_options_numbers_in_range),
	};
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
