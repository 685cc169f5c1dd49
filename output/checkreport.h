/*
 * checkreport.h - what peekpy check found, written for a person (a table),
 * for a script (JSON) and for a pull request (Markdown, ready for
 * $GITHUB_STEP_SUMMARY: nothing linked from outside).  Knows nothing of
 * how the rows were chosen or judged: it writes a struct check_report.
 */
#ifndef PEEKPY_CHECKREPORT_H
#define PEEKPY_CHECKREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compare.h"

struct check_row {
	const char *function;      /* "parse (myapp/io.py)" */
	const char *dotted;        /* "myapp.io.parse" */
	bool total;                /* its total time, else its own */
	size_t id;                 /* the function's, for the one who judges */
	struct change change;
};

struct budget_result {
	const char *spec;          /* as given: "json.*=5ms" */
	bool is_share;             /* a share of the samples, else seconds per run */
	double limit;              /* 0.2 or 0.005 */
	double value;              /* NEW's mean per run, same unit */
	size_t functions;          /* functions the pattern matched */
	bool exceeded;
};

enum check_result {
	CHECK_PASSED = 0,
	CHECK_FAILED = 1,          /* a regression, or a budget exceeded */
};

struct check_report {
	struct check_row *rows;    /* sorted: regressions first */
	size_t n_rows;
	struct budget_result *budgets;
	size_t n_budgets;
	struct noise_model noise;
	size_t base_runs, new_runs;
	double base_samples, new_samples;
	const char *base_command, *new_command;
	bool timed;                /* times in seconds, else in samples */
	double threshold, min_share, family_alpha;
	size_t regressions, improvements;
	enum check_result result;
};

/* Sort rows: regressions (surest first), improvements, then the rest by
 * the size of their change. */
void checkreport_sort(struct check_report *report);

/* The table, at most max_rows rows (0: all). */
void checkreport_text(FILE *out, const struct check_report *report, size_t max_rows);
void checkreport_json(FILE *out, const struct check_report *report);
void checkreport_markdown(FILE *out, const struct check_report *report, size_t max_rows);

/* "1.23 s", "45.6 ms", "12 us", or "123.4 samples" (untimed). */
void checkreport_amount(char *buf, size_t size, double value, bool timed);

#endif
