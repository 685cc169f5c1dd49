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
	char *argv[32];
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
	assert_int_equal(parse(&o, why, (const char *const[]){ "peekpy", NULL }), PP_EUSAGE);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_attach_with_everything),
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test(test_options_command_keeps_its_own_flags),
		cmocka_unit_test(test_options_errors_say_what_is_wrong),
		cmocka_unit_test(test_options_help_and_version),
		cmocka_unit_test(test_options_numbers_in_range),
	};
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
