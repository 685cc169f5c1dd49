/*
 * options.c - command-line parsing (see options.h).
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../output/stacktree.h"

static const char main_help[] =
	"usage: peekpy <command> [options]\n"
	"\n"
	"A sampling profiler for CPython 2.7 to 3.15 that reads a running program\n"
	"from outside: no import, no restart, no change to the target.\n"
	"\n"
	"commands:\n"
	"  record    sample a running process or a command and write its stacks\n"
	"  render    draw a flame graph (or other format) from a recording or\n"
	"            collapsed stacks\n"
	"  info      say what a recording holds\n"
	"  dump      print every thread's stack of a running process, once\n"
	"  top       watch the hottest functions of a process, live\n"
	"  check     compare two sets of profiles and fail on a slowdown (CI)\n"
	"  diff      a differential flame graph of two sets of profiles\n"
	"  completions  print a completion script for bash, zsh or fish\n"
	"\n"
	"  peekpy record --help     options of a command\n"
	"  peekpy --version         print the version\n"
	"\n"
	"examples:\n"
	"  peekpy record --pid 1234 -o flame.svg\n"
	"  peekpy record -r 1000 -d 30 -o stacks.txt -f collapsed -- python3 app.py\n"
	"  peekpy render stacks.txt -o flame.svg\n";

static const char render_help[] =
	"usage: peekpy render [options] FILE\n"
	"\n"
	"Draw a recording (peekpy record -f raw) or collapsed stacks (from peekpy,\n"
	"py-spy, austin, perf + stackcollapse: 'frame;frame COUNT' lines) as a\n"
	"flame graph, or in another format.\n"
	"\n"
	"  -o, --output FILE      where to write (default: FILE with the format's\n"
	"                         extension; '-' for standard output)\n"
	"  -f, --format FORMAT    svg (the default), html (the flame graph and the\n"
	"                         hottest source files, each line shaded by its\n"
	"                         samples), collapsed, speedscope, pprof,\n"
	"                         or chrometrace, gecko and jsonl (recordings only:\n"
	"                         they need the samples in time order)\n"
	"      --heatmap FILE     -f html showing this source file only (a path or\n"
	"                         its end: app.py, pkg/mod.py)\n"
	"      --thread TID       only this thread's stacks\n"
	"      --nolineno         frames without line numbers\n"
	"recordings only:\n"
	"      --time-range A:B   only samples from A to B seconds after the start\n"
	"                         (either may be left out: 10: or :5)\n"
	"  -i, --idle             keep threads that were not running on a CPU\n"
	"      --gil              only the thread that held the GIL\n"
	"      --function         the function's first line instead of the line\n"
	"      --threads          a root frame per thread\n"
	"      --no-native        leave out the native frames of a --native recording\n"
	"      --full-filenames   file names in full\n"
	"  -h, --help             this help\n";

static const char top_help[] =
	"usage: peekpy top [options] --pid PID\n"
	"       peekpy top [options] -- COMMAND [ARGS...]\n"
	"\n"
	"A live table of the functions a process spends its time in, redrawn\n"
	"every second: own and total share of samples and time, by line or by\n"
	"function.  Keys: 1-4 sort by %Own, %Total, OwnTime, TotalTime; n by name;\n"
	"l toggles lines and functions; p pauses the display; q quits.\n"
	"\n"
	"  -p, --pid PID          attach to a running process\n"
	"  -- COMMAND ARGS...     run a command and watch it\n"
	"  -r, --rate HZ          samples per second (default 100)\n"
	"  -d, --duration SECS    stop after this many seconds\n"
	"  -i, --idle             count threads that are not running on a CPU\n"
	"      --gil              only the thread holding the GIL (with --idle:\n"
	"                         all, those waiting for it marked)\n"
	"      --gc               count garbage collection as a function, <GC>\n"
	"      --exceptions       only threads raising or handling an exception\n"
	"      --async            asyncio tasks' stacks (3.7+)\n"
	"      --subprocesses     also every Python process descending from it\n"
	"      --native           C frames too (see peekpy record --help)\n"
	"      --function         by function from the start (l toggles)\n"
	"  -h, --help             this help\n";

static const char dump_help[] =
	"usage: peekpy dump [--locals] [--json] [--subprocesses] [--native] [--async]\n"
	"                   --pid PID\n"
	"\n"
	"Print every thread's Python stack once, innermost frame first: the\n"
	"process and its command line, the Python version, then per thread its\n"
	"kernel id, Python thread name where known, and state (active, idle,\n"
	"holds GIL).  The process runs on while it is read.\n"
	"\n"
	"  -p, --pid PID          the process\n"
	"  -l, --locals           each frame's arguments and local variables too\n"
	"      --json             the same as JSON\n"
	"      --async            then the asyncio task tree: each task under the\n"
	"                         task awaiting it, with the line it waits at\n"
	"                         (CPython 3.14+)\n"
	"      --subprocesses     also every Python process descending from it\n"
	"                         (with --json: a list of processes)\n"
	"      --native           C frames merged in, and threads that run no\n"
	"                         Python (the process is stopped for a moment)\n"
	"      --native-internals --native with the evaluation loop and call\n"
	"                         machinery kept\n"
	"  -h, --help             this help\n";

static const char check_help[] =
	"usage: peekpy check [options] BASE NEW\n"
	"       peekpy check [options] BASE... -- NEW...\n"
	"       peekpy check --budget PATTERN=LIMIT [...] NEW\n"
	"\n"
	"Compare each function's own and total time between two sets of runs\n"
	"(recordings, whose record --repeat runs count one by one, or collapsed\n"
	"stacks), decide which changes are beyond the noise, print a table, and\n"
	"exit 0 (no regression), 1 (a regression beyond the threshold, or a\n"
	"budget exceeded) or 2 (could not compare).  See docs/ci.md.\n"
	"\n"
	"      --threshold PCT    a real slowdown beyond this fails (default 5%)\n"
	"      --min-share PCT    compare functions above this share of the samples\n"
	"                         on either side (default 1%)\n"
	"      --function REGEX   only functions whose name matches\n"
	"      --budget P=LIMIT   fail when the functions matching the glob P take\n"
	"                         more than LIMIT: a share (20%) or a time per run\n"
	"                         (5ms, 2s, 300us); may be repeated\n"
	"      --json FILE        every row, for scripts\n"
	"      --markdown FILE    a summary for a pull request or\n"
	"                         $GITHUB_STEP_SUMMARY\n"
	"  -h, --help             this help\n";

static const char diff_help[] =
	"usage: peekpy diff [options] BASE NEW\n"
	"       peekpy diff [options] BASE... -- NEW...\n"
	"\n"
	"A differential flame graph: NEW's stacks, each frame coloured by how its\n"
	"own time changed (red slower, blue faster, deeper when surer; grey\n"
	"within noise), with before and after on hover.  Frames that vanished\n"
	"are drawn in the 'Before' view.\n"
	"\n"
	"  -o, --output FILE      where to write (default diff.svg; '-' for\n"
	"                         standard output)\n"
	"  -f, --format FORMAT    svg (default); collapsed: 'stack BEFORE AFTER'\n"
	"                         lines; json: every stack with its change\n"
	"      --min-share PCT    judge frames above this share (default 1%)\n"
	"      --function REGEX   judge only frames whose name matches\n"
	"  -h, --help             this help\n";

static const char completions_help[] =
	"usage: peekpy completions SHELL\n"
	"\n"
	"Print the completion script for bash, zsh or fish: its commands, options,\n"
	"formats, and Python processes for --pid.  make install puts them where\n"
	"each shell looks; by hand:\n"
	"\n"
	"  peekpy completions bash > /etc/bash_completion.d/peekpy\n"
	"  peekpy completions zsh > /usr/local/share/zsh/site-functions/_peekpy\n"
	"  peekpy completions fish > ~/.config/fish/completions/peekpy.fish\n";

static const char info_help[] =
	"usage: peekpy info FILE\n"
	"\n"
	"Say what a recording (peekpy record -f raw) holds: the target, its Python,\n"
	"when and how long it was recorded, the rate, samples, errors, threads, and\n"
	"whether the file is whole.\n";

static const char record_help[] =
	"usage: peekpy record [options] --pid PID\n"
	"       peekpy record [options] -- COMMAND [ARGS...]\n"
	"\n"
	"Sample the Python stacks of a process until it exits, the duration\n"
	"passes, or Ctrl-C; then write them.  The target is never stopped\n"
	"(but for a moment per sample with --native).\n"
	"\n"
	"target:\n"
	"  -p, --pid PID          attach to a running process\n"
	"  -- COMMAND ARGS...     run a command and sample it from its start (as\n"
	"                         the invoking user when run through sudo)\n"
	"output:\n"
	"  -o, --output FILE      where to write (default peekpy-PID-DATE-TIME.EXT;\n"
	"                         '-' for standard output)\n"
	"  -f, --format FORMAT    svg: an interactive flame graph (the default);\n"
	"                         collapsed: frames root first joined by ';',\n"
	"                         a space, the count; raw: every sample with its\n"
	"                         time and thread, for peekpy render and info;\n"
	"                         html: the flame graph and the hottest source\n"
	"                         lines shaded by their samples;\n"
	"                         speedscope (speedscope.app); chrometrace: a\n"
	"                         timeline for chrome://tracing and Perfetto;\n"
	"                         gecko: the Firefox Profiler's format, a track\n"
	"                         per thread (profiler.firefox.com);\n"
	"                         pprof: gzipped profile.proto (go tool pprof),\n"
	"                         threads as labels; jsonl: one JSON object per\n"
	"                         sample, for scripts\n"
	"sampling:\n"
	"  -r, --rate HZ          samples per second (default 100)\n"
	"  -d, --duration SECS    stop after this many seconds\n"
	"  -i, --idle             keep threads that are not running on a CPU\n"
	"      --gil              only the thread holding the GIL (free-threaded\n"
	"                         builds: the threads running Python); with\n"
	"                         --idle, every thread, and those asleep waiting\n"
	"                         for the GIL under a frame '<waiting for GIL>'\n"
	"      --gc               a frame '<GC>' on top of the thread collecting\n"
	"                         garbage while the collector runs\n"
	"      --exceptions       only threads raising or handling an exception\n"
	"      --async            asyncio: a task's stack goes on into the tasks\n"
	"                         awaiting it, each under 'task \"NAME\"'; with\n"
	"                         --idle, waiting tasks too (CPython 3.14+)\n"
	"      --subprocesses     also every Python process descending from the\n"
	"                         target, under a root frame 'process PID \"CMD\"'\n"
	"      --native           merge C, C++ and Cython frames into the Python\n"
	"                         stacks; threads running no Python are shown too.\n"
	"                         Each thread is stopped for a moment per sample\n"
	"                         (ptrace), then unwound while it runs again\n"
	"      --native-internals --native, keeping the interpreter's evaluation\n"
	"                         loop and call machinery between Python frames\n"
	"      --repeat N         run the command N times, one after the other (-d\n"
	"                         limits each run); a raw recording keeps the runs\n"
	"                         apart, so that peekpy check can measure how much\n"
	"                         they vary\n"
	"stacks:\n"
	"      --threads          put each thread's stacks under a root frame\n"
	"                         'thread TID \"NAME\"'\n"
	"      --nolineno         leave line numbers out of frames\n"
	"      --function         aggregate by function: show its first line\n"
	"      --full-filenames   show file names in full, not package-relative\n"
	"other:\n"
	"  -v, --verbose          say what was found and how sampling went\n"
	"  -q, --quiet            no status line while recording, no summary\n"
	"                         (errors are still printed)\n"
	"  -h, --help             this help\n"
	"\n"
	"examples:\n"
	"  peekpy record --pid 1234 -d 10 -o stacks.txt -f collapsed\n"
	"  sudo peekpy record -r 500 -o stacks.txt -- python3 app.py\n";

void options_print_help(const struct options *options, FILE *to)
{
	fputs(options_help_text(options->command), to);
}

static int reason(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reason(char *why, size_t size, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(why, size, fmt, args);
	va_end(args);
	return PP_EUSAGE;
}

/* Bounds that keep every later conversion to nanoseconds in range. */
#define MIN_RATE 0.01          /* samples per second */
#define MAX_RATE 1e6
#define MAX_SECONDS 1e8        /* about three years: durations, time ranges */
#define MAX_ID 4194304         /* the kernel's largest pid_max */
#define MAX_REPEAT 1000        /* runs of one recorded command */

/* A plain decimal number ("10", "2.5", "1e3"; not hex, not padded), within
 * [min, max]. */
static int parse_number(const char *text, double min, double max, double *value)
{
	char *end;

	if (!isdigit((unsigned char)text[0]) && !(text[0] == '.' && isdigit((unsigned char)text[1])))
		return -1;
	if (strpbrk(text, "xXpP"))
		return -1;
	errno = 0;
	*value = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(*value) || *value < min || *value > max)
		return -1;
	return 0;
}

/* A process or thread id: decimal digits only, 1 to MAX_ID. */
static int parse_id(const char *text, long *value)
{
	char *end;

	if (!*text || strspn(text, "0123456789") != strlen(text) || strlen(text) > 8)
		return -1;
	*value = strtol(text, &end, 10);
	return *value >= 1 && *value <= MAX_ID ? 0 : -1;
}

/* The long options without a letter; each means the same in every command
 * that takes it. */
enum {
	OPT_NOLINENO = 256, OPT_FUNCTION, OPT_THREADS, OPT_FULL_FILENAMES, OPT_GIL,
	OPT_SUBPROCESSES, OPT_THREAD, OPT_TIME_RANGE, OPT_JSON, OPT_NATIVE, OPT_NATIVE_INTERNALS,
	OPT_NO_NATIVE, OPT_REPEAT, OPT_THRESHOLD, OPT_MIN_SHARE, OPT_FUNCTION_REGEX, OPT_JSON_FILE,
	OPT_MARKDOWN, OPT_BUDGET, OPT_GC, OPT_EXCEPTIONS, OPT_HEATMAP, OPT_ASYNC,
};

#define LONG_FLAG(name, value) { name, no_argument, NULL, value }
#define LONG_VALUE(name, value) { name, required_argument, NULL, value }
#define LONG_END { NULL, 0, NULL, 0 }

/* Each command's long options; the command table below gives its letters. */
static const struct option record_longs[] = {
	LONG_VALUE("pid", 'p'), LONG_VALUE("output", 'o'), LONG_VALUE("format", 'f'),
	LONG_VALUE("rate", 'r'), LONG_VALUE("duration", 'd'), LONG_FLAG("idle", 'i'),
	LONG_FLAG("gil", OPT_GIL), LONG_FLAG("gc", OPT_GC), LONG_FLAG("exceptions", OPT_EXCEPTIONS),
	LONG_FLAG("async", OPT_ASYNC), LONG_FLAG("subprocesses", OPT_SUBPROCESSES),
	LONG_FLAG("native", OPT_NATIVE), LONG_FLAG("native-internals", OPT_NATIVE_INTERNALS),
	LONG_VALUE("repeat", OPT_REPEAT), LONG_FLAG("threads", OPT_THREADS),
	LONG_FLAG("nolineno", OPT_NOLINENO), LONG_FLAG("function", OPT_FUNCTION),
	LONG_FLAG("full-filenames", OPT_FULL_FILENAMES), LONG_FLAG("verbose", 'v'),
	LONG_FLAG("quiet", 'q'), LONG_FLAG("help", 'h'), LONG_END,
};

static const struct option top_longs[] = {
	LONG_VALUE("pid", 'p'), LONG_VALUE("rate", 'r'), LONG_VALUE("duration", 'd'),
	LONG_FLAG("idle", 'i'), LONG_FLAG("gil", OPT_GIL), LONG_FLAG("gc", OPT_GC),
	LONG_FLAG("exceptions", OPT_EXCEPTIONS), LONG_FLAG("async", OPT_ASYNC),
	LONG_FLAG("subprocesses", OPT_SUBPROCESSES), LONG_FLAG("native", OPT_NATIVE),
	LONG_FLAG("native-internals", OPT_NATIVE_INTERNALS), LONG_FLAG("function", OPT_FUNCTION),
	LONG_FLAG("help", 'h'), LONG_END,
};

static const struct option render_longs[] = {
	LONG_VALUE("output", 'o'), LONG_VALUE("format", 'f'), LONG_VALUE("heatmap", OPT_HEATMAP),
	LONG_VALUE("thread", OPT_THREAD), LONG_VALUE("time-range", OPT_TIME_RANGE),
	LONG_FLAG("idle", 'i'), LONG_FLAG("gil", OPT_GIL), LONG_FLAG("nolineno", OPT_NOLINENO),
	LONG_FLAG("function", OPT_FUNCTION), LONG_FLAG("threads", OPT_THREADS),
	LONG_FLAG("no-native", OPT_NO_NATIVE), LONG_FLAG("full-filenames", OPT_FULL_FILENAMES),
	LONG_FLAG("help", 'h'), LONG_END,
};

static const struct option dump_longs[] = {
	LONG_VALUE("pid", 'p'), LONG_FLAG("locals", 'l'), LONG_FLAG("json", OPT_JSON),
	LONG_FLAG("async", OPT_ASYNC), LONG_FLAG("subprocesses", OPT_SUBPROCESSES),
	LONG_FLAG("native", OPT_NATIVE), LONG_FLAG("native-internals", OPT_NATIVE_INTERNALS),
	LONG_FLAG("help", 'h'), LONG_END,
};

static const struct option check_longs[] = {
	LONG_VALUE("threshold", OPT_THRESHOLD), LONG_VALUE("min-share", OPT_MIN_SHARE),
	LONG_VALUE("function", OPT_FUNCTION_REGEX), LONG_VALUE("budget", OPT_BUDGET),
	LONG_VALUE("json", OPT_JSON_FILE), LONG_VALUE("markdown", OPT_MARKDOWN),
	LONG_FLAG("help", 'h'), LONG_END,
};

static const struct option diff_longs[] = {
	LONG_VALUE("output", 'o'), LONG_VALUE("format", 'f'), LONG_VALUE("min-share", OPT_MIN_SHARE),
	LONG_VALUE("function", OPT_FUNCTION_REGEX), LONG_FLAG("help", 'h'), LONG_END,
};

static const struct option help_longs[] = { LONG_FLAG("help", 'h'), LONG_END };

/* '+': record and top stop at the first non-option, the start of a command. */
static const struct command_options commands[] = {
	{ "record", COMMAND_RECORD, "+:p:o:f:r:d:ivqh", record_longs, record_help },
	{ "top", COMMAND_TOP, "+:p:r:d:ih", top_longs, top_help },
	{ "render", COMMAND_RENDER, ":o:f:ih", render_longs, render_help },
	{ "info", COMMAND_INFO, ":h", help_longs, info_help },
	{ "dump", COMMAND_DUMP, ":p:lh", dump_longs, dump_help },
	{ "check", COMMAND_CHECK, ":h", check_longs, check_help },
	{ "diff", COMMAND_DIFF, ":o:f:h", diff_longs, diff_help },
	{ "completions", COMMAND_COMPLETIONS, ":h", help_longs, completions_help },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct command_options *options_commands(size_t *n)
{
	*n = N_COMMANDS;
	return commands;
}

static const struct command_options *command_named(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static const struct command_options *command_of(enum command command)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (commands[i].command == command)
			return &commands[i];
	return NULL;
}

const char *options_help_text(enum command command)
{
	const struct command_options *spec = command_of(command);

	return spec ? spec->help : main_help;
}

/* An option this command does not take: say which commands do. */
static int unknown_option(const char *given, enum command command, char *why, size_t size)
{
	char name[64], others[128] = "";
	size_t len = strcspn(given, "="), used = 0;

	if (strncmp(given, "--", 2) != 0 || len - 2 >= sizeof(name))
		return reason(why, size, "unknown option '%s' (see peekpy %s --help)", given,
			      command_of(command)->name);
	memcpy(name, given + 2, len - 2);
	name[len - 2] = '\0';
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const struct option *opt;

		for (opt = commands[i].longs; opt->name && strcmp(opt->name, name); opt++)
			;
		if (opt->name && used < sizeof(others))
			used += (size_t)snprintf(others + used, sizeof(others) - used, "%s%s",
						 used ? ", " : "", commands[i].name);
	}
	if (used)
		return reason(why, size, "--%s is an option of %s, not of %s (see peekpy %s --help)",
			      name, others, command_of(command)->name, command_of(command)->name);
	return reason(why, size, "unknown option '%s' (see peekpy %s --help)", given,
		      command_of(command)->name);
}

/* What getopt gave that no command takes as its own: --help (parsing stops
 * there, with no error), a missing value, or an unknown option. */
static int help_or_unknown(int c, char **argv, struct options *o, char *why, size_t size)
{
	if (c == 'h') {
		o->help = true;
		return 0;
	}
	if (c == ':')
		return reason(why, size, "option '%s' needs a value", argv[optind - 1]);
	return unknown_option(argv[optind - 1], o->command, why, size);
}

static int parse_pid(const char *text, struct options *o, char *why, size_t size)
{
	long id;

	if (parse_id(text, &id))
		return reason(why, size, "--pid needs a process id (1 to %d), not '%s'", MAX_ID,
			      text);
	o->pid = (pid_t)id;
	return 0;
}

static int parse_format(const char *name, struct options *o, char *why, size_t size)
{
	char known[128];

	o->format = format_find(name);
	if (o->format)
		return 0;
	format_names(known, sizeof(known));
	return reason(why, size, "unknown format '%s' (known: %s)", name, known);
}

/* "5%", "0.5%" or "5" (a percentage either way), as a fraction. */
static int parse_percent(const char *text, double min, double max, double *fraction)
{
	char number[64];
	size_t len = strlen(text);
	double value;

	if (len && text[len - 1] == '%')
		len--;
	if (!len || len >= sizeof(number))
		return -1;
	memcpy(number, text, len);
	number[len] = '\0';
	if (parse_number(number, min, max, &value))
		return -1;
	*fraction = value / 100;
	return 0;
}

static const char *const diff_formats[] = { "svg", "collapsed", "json" };
#define N_DIFF_FORMATS (sizeof(diff_formats) / sizeof(diff_formats[0]))

static int parse_diff_format(const char *name, struct options *o, char *why, size_t size)
{
	for (size_t i = 0; i < N_DIFF_FORMATS; i++) {
		if (strcmp(name, diff_formats[i]) == 0) {
			o->diff_format = diff_formats[i];
			return 0;
		}
	}
	return reason(why, size, "diff writes svg, collapsed or json, not '%s'", name);
}

size_t options_format_names(enum command command, const char **names, size_t max)
{
	const struct format *table;
	size_t n_formats, n = 0;

	if (command == COMMAND_DIFF) {
		for (; n < N_DIFF_FORMATS && n < max; n++)
			names[n] = diff_formats[n];
		return n;
	}
	table = format_table(&n_formats);
	for (size_t i = 0; i < n_formats && n < max; i++)
		if (command == COMMAND_RECORD || !table[i].recording)
			names[n++] = table[i].name;
	return n;
}

/* "A:B", "A:" or ":B", seconds. */
static int parse_time_range(const char *text, struct options *o, char *why, size_t size)
{
	const char *colon = strchr(text, ':');
	char from[64];
	double value;

	if (!colon || (size_t)(colon - text) >= sizeof(from))
		goto bad;
	memcpy(from, text, (size_t)(colon - text));
	from[colon - text] = '\0';
	o->time_from = 0;
	o->time_to = -1;
	if (from[0] && parse_number(from, 0, MAX_SECONDS, &value))
		goto bad;
	if (from[0])
		o->time_from = value;
	if (colon[1] && (parse_number(colon + 1, 0, MAX_SECONDS, &value) || value < o->time_from))
		goto bad;
	if (colon[1])
		o->time_to = value;
	return 0;
bad:
	return reason(why, size, "--time-range needs START:END in seconds (either may be "
		      "left out), not '%s'", text);
}

/* Apply one option getopt returned (its value in optarg); 1 for none of
 * these (help, an unknown option, a missing value). */
static int apply_option(int c, struct options *o, char *why, size_t size)
{
	switch (c) {
	case 'p':
		return parse_pid(optarg, o, why, size);
	case 'o':
		o->output = optarg;
		return 0;
	case 'f':
		if (o->command == COMMAND_DIFF)
			return parse_diff_format(optarg, o, why, size);
		return parse_format(optarg, o, why, size);
	case 'r':
		if (parse_number(optarg, MIN_RATE, MAX_RATE, &o->rate))
			return reason(why, size, "--rate needs a number of samples per second "
				      "from %g to %g, not '%s'", MIN_RATE, MAX_RATE, optarg);
		return 0;
	case 'd':
		if (parse_number(optarg, 0, MAX_SECONDS, &o->duration) || o->duration <= 0)
			return reason(why, size, "--duration needs a number of seconds above 0 and "
				      "up to %g, not '%s'", MAX_SECONDS, optarg);
		return 0;
	case OPT_THREAD:
		if (parse_id(optarg, &o->thread))
			return reason(why, size, "--thread needs a thread id (1 to %d), not '%s'",
				      MAX_ID, optarg);
		return 0;
	case OPT_TIME_RANGE:
		return parse_time_range(optarg, o, why, size);
	case OPT_NOLINENO:
	case OPT_FUNCTION:
		if (o->lines_asked)
			return reason(why, size, "%s", "--nolineno and --function cannot be combined");
		o->lines = c == OPT_FUNCTION ? STACK_LINES_FUNCTION : STACK_LINES_NONE;
		o->lines_asked = true;
		return 0;
	case 'i':
		o->idle = true;
		return 0;
	case 'l':
		o->locals = true;
		return 0;
	case 'v':
		o->verbose = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case OPT_THREADS:
		o->threads = true;
		return 0;
	case OPT_GIL:
		o->gil = true;
		return 0;
	case OPT_GC:
		o->gc = true;
		return 0;
	case OPT_ASYNC:
		o->async_tasks = true;
		return 0;
	case OPT_HEATMAP:
		o->heatmap = optarg;
		return 0;
	case OPT_EXCEPTIONS:
		o->exceptions = true;
		return 0;
	case OPT_FULL_FILENAMES:
		o->full_filenames = true;
		return 0;
	case OPT_SUBPROCESSES:
		o->subprocesses = true;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_NATIVE:
		o->native = true;
		return 0;
	case OPT_NATIVE_INTERNALS:
		o->native = true;
		o->native_internals = true;
		return 0;
	case OPT_NO_NATIVE:
		o->no_native = true;
		return 0;
	case OPT_THRESHOLD:
		if (parse_percent(optarg, 0, 1000, &o->threshold))
			return reason(why, size, "--threshold needs a percentage from 0 to 1000 "
				      "(5%%), not '%s'", optarg);
		return 0;
	case OPT_MIN_SHARE:
		if (parse_percent(optarg, 0, 100, &o->min_share))
			return reason(why, size, "--min-share needs a percentage from 0 to 100 "
				      "(1%%), not '%s'", optarg);
		return 0;
	case OPT_FUNCTION_REGEX:
		o->function_regex = optarg;
		return 0;
	case OPT_JSON_FILE:
		o->json_path = optarg;
		return 0;
	case OPT_MARKDOWN:
		o->markdown_path = optarg;
		return 0;
	case OPT_BUDGET:
		if (o->n_budgets == MAX_BUDGETS)
			return reason(why, size, "at most %d --budget options", MAX_BUDGETS);
		o->budgets[o->n_budgets++] = optarg;
		return 0;
	case OPT_REPEAT: {
		double runs;

		if (parse_number(optarg, 1, MAX_REPEAT, &runs) || runs != (unsigned)runs)
			return reason(why, size, "--repeat needs a number of runs from 1 to %d, not '%s'",
				      MAX_REPEAT, optarg);
		o->repeat = (unsigned)runs;
		return 0;
	}
	default:
		return 1;
	}
}

/*
 * A command's options, as its getopt strings allow: 0 with optind at its
 * first operand (or o->help set: parsing stopped there), or PP_EUSAGE.
 */
static int parse_options(int argc, char **argv, struct options *o, char *why, size_t size)
{
	const struct command_options *spec = command_of(o->command);
	int c, err;

	optind = 0;   /* 0: GNU getopt starts over entirely */
	opterr = 0;
	while ((c = getopt_long(argc, argv, spec->shorts, spec->longs, NULL)) != -1) {
		err = apply_option(c, o, why, size);
		if (err == 1)
			return help_or_unknown(c, argv, o, why, size);
		if (err)
			return err;
	}
	return 0;
}

static int parse_record(int argc, char **argv, struct options *o, char *why, size_t size)
{
	int err = parse_options(argc, argv, o, why, size);

	if (err || o->help)
		return err;
	if (optind < argc)
		o->argv = argv + optind;
	if (o->pid && o->argv)
		return reason(why, size, "%s", "give either --pid or a command, not both");
	if (!o->pid && !o->argv)
		return reason(why, size, "%s",
			      "nothing to record: give --pid PID or -- COMMAND (see peekpy record --help)");
	if (o->repeat > 1 && o->pid)
		return reason(why, size, "%s", "--repeat runs a command again: give -- COMMAND, not --pid");
	return 0;
}

static int parse_render(int argc, char **argv, struct options *o, char *why, size_t size)
{
	int err = parse_options(argc, argv, o, why, size);

	if (err || o->help)
		return err;
	/* --heatmap is a page of the html format. */
	if (o->heatmap && o->format != format_default() && strcmp(o->format->name, "html") != 0)
		return reason(why, size, "--heatmap draws an html page, not %s", o->format->name);
	if (o->heatmap)
		o->format = format_find("html");
	if (o->format->recording)
		return reason(why, size, "render writes svg or collapsed, not %s", o->format->name);
	if (optind + 1 != argc)
		return reason(why, size, "%s", optind == argc
			      ? "nothing to render: give a file of collapsed stacks (see peekpy render --help)"
			      : "render takes one file");
	o->input = argv[optind];
	return 0;
}

/*
 * check and diff: FILE... [-- FILE...].  The files before "--" are BASE,
 * after it NEW; options may come on either side.  Without "--", two files
 * are BASE and NEW, and one file (check with budgets only) is NEW.
 */
static int parse_comparison(int argc, char **argv, struct options *o, char *why, size_t size)
{
	bool check = o->command == COMMAND_CHECK;
	int dash, err;

	for (dash = 1; dash < argc && strcmp(argv[dash], "--") != 0; dash++)
		;
	err = parse_options(dash, argv, o, why, size);
	if (err || o->help)
		return err;
	o->base_files = argv + optind;
	o->n_base = (size_t)(dash - optind);
	/* After "--": parsed apart, "--" standing where a program's name
	 * would (getopt never reads that one). */
	if (dash < argc) {
		err = parse_options(argc - dash, argv + dash, o, why, size);
		if (err || o->help)
			return err;
		o->new_files = argv + dash + optind;
		o->n_new = (size_t)(argc - dash - optind);
	}
	if (dash == argc && o->n_base == 2) {
		o->new_files = o->base_files + 1;
		o->n_new = 1;
		o->n_base = 1;
	} else if (dash == argc && o->n_base == 1 && check && o->n_budgets) {
		o->new_files = o->base_files;
		o->n_new = 1;
		o->n_base = 0;
	} else if (dash == argc && o->n_base > 2) {
		return reason(why, size, "%s", "several files a side are given as BASE... -- NEW...");
	}
	if (!o->n_new || (!o->n_base && !(check && o->n_budgets)))
		return reason(why, size, "%s needs BASE and NEW profiles (see peekpy %s --help)",
			      check ? "check" : "diff", check ? "check" : "diff");
	return 0;
}

static int parse_dump(int argc, char **argv, struct options *o, char *why, size_t size)
{
	int err = parse_options(argc, argv, o, why, size);

	if (err || o->help)
		return err;
	if (optind < argc)
		return reason(why, size, "dump takes --pid, not '%s'", argv[optind]);
	if (!o->pid)
		return reason(why, size, "%s", "nothing to dump: give --pid PID (see peekpy dump --help)");
	return 0;
}

/* info FILE, completions SHELL. */
static int parse_one_operand(int argc, char **argv, struct options *o, char *why, size_t size)
{
	bool info = o->command == COMMAND_INFO;
	int err = parse_options(argc, argv, o, why, size);

	if (err || o->help)
		return err;
	if (optind + 1 != argc)
		return reason(why, size, "%s", info ? "info takes one recording (see peekpy info --help)"
				   : "completions takes a shell: bash, zsh or fish");
	if (info) {
		o->input = argv[optind];
		return 0;
	}
	o->shell = argv[optind];
	if (strcmp(o->shell, "bash") && strcmp(o->shell, "zsh") && strcmp(o->shell, "fish"))
		return reason(why, size, "no completions for '%s': give bash, zsh or fish", o->shell);
	return 0;
}

int options_parse(int argc, char **argv, struct options *o, char *why, size_t size)
{
	const struct command_options *spec;

	memset(o, 0, sizeof(*o));
	o->rate = 100;
	o->format = format_default();
	o->thread = -1;
	o->time_to = -1;
	o->repeat = 1;
	o->threshold = 0.05;
	o->min_share = 0.01;
	why[0] = '\0';
	/* No command at all: main prints the usage. */
	if (argc < 2)
		return 0;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		o->help = true;
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		o->version = true;
		return 0;
	}
	spec = command_named(argv[1]);
	if (spec)
		o->command = spec->command;
	switch (o->command) {
	case COMMAND_RECORD:
	case COMMAND_TOP:
		return parse_record(argc - 1, argv + 1, o, why, size);
	case COMMAND_DUMP:
		return parse_dump(argc - 1, argv + 1, o, why, size);
	case COMMAND_INFO:
	case COMMAND_COMPLETIONS:
		return parse_one_operand(argc - 1, argv + 1, o, why, size);
	case COMMAND_CHECK:
	case COMMAND_DIFF:
		return parse_comparison(argc - 1, argv + 1, o, why, size);
	case COMMAND_RENDER:
		return parse_render(argc - 1, argv + 1, o, why, size);
	case COMMAND_NONE:
		break;
	}
	if (argv[1][0] == '-')
		return reason(why, size, "unknown option '%s' (see peekpy --help)", argv[1]);
	return reason(why, size, "unknown command '%s' (see peekpy --help)", argv[1]);
}
