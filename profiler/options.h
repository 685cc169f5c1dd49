/*
 * options.h - the parsed command line.
 *
 * The command line is parsed once, here, into a struct options that the
 * rest of profiler/ reads and passes down as plain parameters; readers and
 * outputs never see it.  This is the only global-looking state peekpy has,
 * and it is const after parsing.
 */
#ifndef PEEKPY_OPTIONS_H
#define PEEKPY_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "../output/sink.h"

enum command {
	COMMAND_NONE = 0,
	COMMAND_RECORD,
	COMMAND_RENDER,
	COMMAND_INFO,
	COMMAND_DUMP,
	COMMAND_TOP,            /* record's sampling, shown live */
	COMMAND_CHECK,          /* compare two sides of runs, judge */
	COMMAND_DIFF,           /* compare two sides of runs, draw */
	COMMAND_COMPLETIONS,    /* print a shell's completion script */
};

struct options {
	enum command command;
	bool help;              /* print help for the command (or overall) */
	bool version;
	bool verbose;
	bool quiet;             /* record: no status line, no summary */
	pid_t pid;              /* 0 when launching */
	char **argv;            /* command to launch, NULL-terminated */
	const char *output;     /* NULL: a name made from the pid and time */
	const struct format *format;  /* -f: a row of the table in output/sink.h */
	double rate;            /* samples per second */
	double duration;        /* seconds, 0 = until the target exits */
	int lines;              /* enum stack_lines */
	bool full_filenames;
	bool threads;
	bool idle;
	bool gil;               /* only the thread holding the GIL (with idle:
				 * every thread, those waiting for it marked) */
	bool gc;                /* a <GC> frame while the collector runs */
	bool exceptions;        /* only threads raising or handling an exception */
	bool async_tasks;       /* asyncio-aware stacks (--async) */
	bool subprocesses;      /* also every Python descendant */
	bool native;            /* merge C frames into the Python stacks */
	bool native_internals;  /* and keep the interpreter's call machinery */
	bool no_native;         /* render: leave a recording's native frames out */
	bool json;              /* dump: as JSON */
	bool locals;            /* dump: each frame's variables too */
	/* render */
	const char *input;      /* the profile to render */
	const char *heatmap;    /* render --heatmap: the one source file to show */
	const char *shell;      /* completions: bash, zsh or fish */
	long thread;            /* --thread TID, -1 for all */
	double time_from, time_to;  /* --time-range, seconds; time_to < 0: open */
	bool lines_asked;       /* --nolineno or --function was given */
	unsigned repeat;        /* record --repeat: runs of the command, 1 by default */
	/* check, diff: the files of each side (pointing into argv) */
	char **base_files, **new_files;
	size_t n_base, n_new;
	double threshold;       /* check: a change that fails, relative (0.05) */
	double min_share;       /* rows below this share on both sides are not compared */
	const char *function_regex;   /* only functions matching */
	const char *json_path, *markdown_path;   /* check's reports */
	const char *diff_format;      /* diff -f: svg, collapsed, json */
#define MAX_BUDGETS 64
	const char *budgets[MAX_BUDGETS];   /* check --budget PATTERN=LIMIT, as given */
	size_t n_budgets;
};

/*
 * Parse argv.  Returns 0, or PP_EUSAGE with a one-line reason in why.
 * argv is kept (options->argv points into it).
 */
int options_parse(int argc, char **argv, struct options *options, char *why, size_t why_size);

/* The help text of a command (the overall usage for none). */
const char *options_help_text(enum command command);

/* The help of options->command (the overall usage for none). */
void options_print_help(const struct options *options, FILE *to);

/* A command's name, its options' letters (getopt's string: a letter
 * followed by ':' takes a value), its long options, NULL-ended, and its
 * help text. */
struct command_options {
	const char *name;
	enum command command;
	const char *shorts;
	const struct option *longs;
	const char *help;
};

/* The names -f takes for a command (record, render, diff), at most max. */
size_t options_format_names(enum command command, const char **names, size_t max);

/* Every command, n of them: what completions offer. */
const struct command_options *options_commands(size_t *n);

#endif
