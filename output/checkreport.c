/*
 * checkreport.c - writing peekpy check's findings (see checkreport.h).
 */
#include "checkreport.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

static int rank_of(enum verdict verdict)
{
	switch (verdict) {
	case VERDICT_SLOWER: return 0;
	case VERDICT_FASTER: return 1;
	case VERDICT_SMALL: return 2;
	case VERDICT_NEW: return 3;
	case VERDICT_GONE: return 4;
	default: return 5;
	}
}

static int compare_rows(const void *a, const void *b)
{
	const struct check_row *x = a, *y = b;
	int rx = rank_of(x->change.verdict), ry = rank_of(y->change.verdict);
	double kx, ky;

	if (rx != ry)
		return rx - ry;
	/* Within a verdict: the surest change first for regressions and
	 * improvements, the largest for the rest. */
	if (rx <= 1) {
		kx = fabs(x->change.z);
		ky = fabs(y->change.z);
	} else {
		kx = fabs(log(x->change.high * x->change.low));
		ky = fabs(log(y->change.high * y->change.low));
	}
	if (kx != ky)
		return kx < ky ? 1 : -1;
	return strcmp(x->function, y->function);
}

void checkreport_sort(struct check_report *report)
{
	if (report->n_rows > 1)
		qsort(report->rows, report->n_rows, sizeof(*report->rows), compare_rows);
}

void checkreport_amount(char *buf, size_t size, double value, bool timed)
{
	if (!timed)
		snprintf(buf, size, "%.1f samples", value);
	else if (value >= 1)
		snprintf(buf, size, "%.2f s", value);
	else if (value >= 1e-3)
		snprintf(buf, size, "%.1f ms", value * 1e3);
	else
		snprintf(buf, size, "%.0f us", value * 1e6);
}

/* "+10.2%", or "new"/"gone" where there is no ratio. */
static void format_change(char *buf, size_t size, const struct change *c)
{
	if (c->verdict == VERDICT_NEW || !isfinite(c->ratio))
		snprintf(buf, size, "new");
	else if (c->verdict == VERDICT_GONE)
		snprintf(buf, size, "-100%%");
	else
		snprintf(buf, size, "%+.1f%%", 100 * (c->ratio - 1));
}

static void format_interval(char *buf, size_t size, const struct change *c)
{
	if (c->verdict == VERDICT_NEW || c->verdict == VERDICT_GONE)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%+.1f%% .. %+.1f%%", 100 * (c->low - 1), 100 * (c->high - 1));
}

/* What the intervals rest on, in one sentence. */
static void describe_noise(FILE *out, const struct check_report *r)
{
	const struct noise_model *m = &r->noise;

	if (!m->measured) {
		fprintf(out, "noise: sampling error only (%s): run-to-run variation is not "
			"counted; record several runs a side (peekpy record --repeat N) to "
			"measure it", r->base_runs < 2 && r->new_runs < 2 ? "one run a side"
									  : "too few functions");
		return;
	}
	fprintf(out, "noise: measured over %zu + %zu runs: sampling %.2fx a random draw's, "
		"run-to-run spread %.1f%%", r->base_runs, r->new_runs, m->sampling,
		100 * sqrt(m->spread));
}

/* What the changes are measured against. */
static void describe_yardstick(FILE *out, const struct check_report *r)
{
	const struct noise_model *m = &r->noise;

	if (m->steady_rows)
		fprintf(out, "changes are shares of the samples, against the %zu function%s that "
			"kept still", m->steady_rows, m->steady_rows == 1 ? "" : "s");
	else
		fputs("changes are shares of the samples, against the median function", out);
}

static void describe_result(FILE *out, const struct check_report *r)
{
	size_t exceeded = 0, i;

	for (i = 0; i < r->n_budgets; i++)
		exceeded += r->budgets[i].exceeded;
	if (r->result == CHECK_PASSED) {
		fprintf(out, "no regression beyond %.3g%%", 100 * r->threshold);
	} else {
		const char *sep = "";

		if (r->regressions) {
			fprintf(out, "%zu regression%s beyond %.3g%%", r->regressions,
				r->regressions == 1 ? "" : "s", 100 * r->threshold);
			sep = ", ";
		}
		if (exceeded)
			fprintf(out, "%s%zu budget%s exceeded", sep, exceeded, exceeded == 1 ? "" : "s");
	}
	if (r->improvements)
		fprintf(out, "; %zu faster", r->improvements);
}

/* A budget's measured value and its limit, as text. */
static void format_budget(const struct budget_result *b, char *value, char *limit, size_t size)
{
	if (b->is_share) {
		snprintf(value, size, "%.1f%%", 100 * b->value);
		snprintf(limit, size, "%.3g%%", 100 * b->limit);
	} else {
		checkreport_amount(value, size, b->value, true);
		checkreport_amount(limit, size, b->limit, true);
	}
}

/* --- the table --- */

static void text_budgets(FILE *out, const struct check_report *r)
{
	size_t i;

	for (i = 0; i < r->n_budgets; i++) {
		const struct budget_result *b = &r->budgets[i];
		char value[48], limit[48];

		format_budget(b, value, limit, sizeof(value));
		fprintf(out, "budget %s: %s against %s (%zu function%s) %s\n", b->spec, value, limit,
			b->functions, b->functions == 1 ? "" : "s", b->exceeded ? "EXCEEDED" : "ok");
	}
}

void checkreport_text(FILE *out, const struct check_report *r, size_t max_rows)
{
	size_t i, shown = max_rows && max_rows < r->n_rows ? max_rows : r->n_rows;
	int width = 8;

	if (r->n_rows) {
		fprintf(out, "compared %zu run%s before with %zu after; ", r->base_runs,
			r->base_runs == 1 ? "" : "s", r->new_runs);
		describe_noise(out, r);
		fputs(";\n", out);
		describe_yardstick(out, r);
		fputs("\n\n", out);
	}
	for (i = 0; i < shown; i++) {
		int len = (int)strlen(r->rows[i].function);

		if (len > width)
			width = len > 60 ? 60 : len;
	}
	if (shown)
		fprintf(out, "%-*s  %-5s  %12s  %12s  %8s  %-20s  %s\n", width, "function", "time",
			"before", "after", "change", "interval", "verdict");
	for (i = 0; i < shown; i++) {
		const struct check_row *row = &r->rows[i];
		char before[32], after[32], change[32], interval[48];

		checkreport_amount(before, sizeof(before), row->change.before, r->timed);
		checkreport_amount(after, sizeof(after), row->change.after, r->timed);
		format_change(change, sizeof(change), &row->change);
		format_interval(interval, sizeof(interval), &row->change);
		fprintf(out, "%-*.*s  %-5s  %12s  %12s  %8s  %-20s  %s\n", width, width, row->function,
			row->total ? "total" : "own", before, after, change, interval,
			verdict_name(row->change.verdict));
	}
	if (shown < r->n_rows)
		fprintf(out, "... and %zu more rows (--json FILE has them all)\n", r->n_rows - shown);
	if (r->n_budgets) {
		if (shown)
			putc('\n', out);
		text_budgets(out, r);
	}
	fputs(shown || r->n_budgets ? "\nresult: " : "result: ", out);
	describe_result(out, r);
	putc('\n', out);
}

/* --- JSON --- */

static void json_number(FILE *out, const char *key, double value, const char *after)
{
	fprintf(out, "\"%s\": ", key);
	if (isfinite(value))
		fprintf(out, "%.9g", value);
	else
		fputs("null", out);
	fputs(after, out);
}

static void json_string(FILE *out, const char *key, const char *value, const char *after)
{
	fprintf(out, "\"%s\": ", key);
	if (value)
		escape_json(out, value, strlen(value));
	else
		fputs("null", out);
	fputs(after, out);
}

void checkreport_json(FILE *out, const struct check_report *r)
{
	size_t i;

	fprintf(out, "{\n  \"result\": \"%s\",\n  \"exit_status\": %d,\n",
		r->result == CHECK_PASSED ? "passed" : "failed", (int)r->result);
	fputs("  ", out);
	json_number(out, "threshold", r->threshold, ", ");
	json_number(out, "min_share", r->min_share, ", ");
	json_number(out, "family_alpha", r->family_alpha, ",\n");
	fprintf(out, "  \"time_unit\": \"%s\",\n", r->timed ? "seconds" : "samples");
	fputs("  \"base\": {", out);
	json_string(out, "command", r->base_command, ", ");
	fprintf(out, "\"runs\": %zu, ", r->base_runs);
	json_number(out, "samples", r->base_samples, "},\n");
	fputs("  \"new\": {", out);
	json_string(out, "command", r->new_command, ", ");
	fprintf(out, "\"runs\": %zu, ", r->new_runs);
	json_number(out, "samples", r->new_samples, "},\n");
	fprintf(out, "  \"noise\": {\"measured\": %s, ", r->noise.measured ? "true" : "false");
	json_number(out, "sampling", r->noise.sampling, ", ");
	json_number(out, "spread", sqrt(r->noise.spread), ", ");
	json_number(out, "spread_df", r->noise.spread_df, ", ");
	fprintf(out, "\"variances\": %zu},\n  \"rows\": [", r->noise.variances);
	for (i = 0; i < r->n_rows; i++) {
		const struct check_row *row = &r->rows[i];
		const struct change *c = &row->change;

		fputs(i ? ",\n    {" : "\n    {", out);
		json_string(out, "function", row->function, ", ");
		json_string(out, "dotted", row->dotted, ", ");
		json_string(out, "time", row->total ? "total" : "own", ", ");
		json_number(out, "before", c->before, ", ");
		json_number(out, "after", c->after, ", ");
		json_number(out, "before_share", c->before_share, ", ");
		json_number(out, "after_share", c->after_share, ", ");
		json_number(out, "before_samples", c->before_samples, ", ");
		json_number(out, "after_samples", c->after_samples, ", ");
		json_number(out, "change", c->ratio - 1, ", ");
		json_number(out, "low", c->low - 1, ", ");
		json_number(out, "high", c->high - 1, ", ");
		json_number(out, "p", c->p, ", ");
		json_string(out, "verdict", verdict_name(c->verdict), "}");
	}
	fputs(r->n_rows ? "\n  ],\n  \"budgets\": [" : "],\n  \"budgets\": [", out);
	for (i = 0; i < r->n_budgets; i++) {
		const struct budget_result *b = &r->budgets[i];

		fputs(i ? ",\n    {" : "\n    {", out);
		json_string(out, "budget", b->spec, ", ");
		fprintf(out, "\"unit\": \"%s\", ", b->is_share ? "share" : "seconds");
		json_number(out, "limit", b->limit, ", ");
		json_number(out, "value", b->value, ", ");
		fprintf(out, "\"functions\": %zu, \"exceeded\": %s}", b->functions,
			b->exceeded ? "true" : "false");
	}
	fputs(r->n_budgets ? "\n  ]\n}\n" : "]\n}\n", out);
}

/* --- Markdown --- */

/* Text in a table cell: the characters Markdown would read are escaped,
 * and bytes outside printable ASCII are kept as they are. */
static void markdown_cell(FILE *out, const char *text)
{
	for (; *text; text++) {
		if (strchr("|\\`*_[]<>#", *text))
			putc('\\', out);
		putc(*text == '\n' ? ' ' : *text, out);
	}
}

void checkreport_markdown(FILE *out, const struct check_report *r, size_t max_rows)
{
	size_t i, shown = max_rows && max_rows < r->n_rows ? max_rows : r->n_rows;

	fprintf(out, "### peekpy check: %s\n\n", r->result == CHECK_PASSED ? "passed" : "failed");
	describe_result(out, r);
	fputs(".\n\n", out);
	if (shown) {
		fputs("| function | time | before | after | change | interval | verdict |\n"
		      "|---|---|--:|--:|--:|---|---|\n", out);
		for (i = 0; i < shown; i++) {
			const struct check_row *row = &r->rows[i];
			char before[32], after[32], change[32], interval[48];
			enum verdict v = row->change.verdict;

			checkreport_amount(before, sizeof(before), row->change.before, r->timed);
			checkreport_amount(after, sizeof(after), row->change.after, r->timed);
			format_change(change, sizeof(change), &row->change);
			format_interval(interval, sizeof(interval), &row->change);
			fputs("| `", out);
			for (const char *c = row->function; *c; c++)
				putc(*c == '`' || *c == '|' || *c == '\n' ? '\'' : *c, out);
			fprintf(out, "` | %s | %s | %s | %s%s%s | %s | %s%s%s |\n", row->total ? "total" : "own", before,
				after, v == VERDICT_SLOWER ? "**" : "", change,
				v == VERDICT_SLOWER ? "**" : "", interval, v == VERDICT_SLOWER ? "**" : "",
				verdict_name(v), v == VERDICT_SLOWER ? "**" : "");
		}
		if (shown < r->n_rows)
			fprintf(out, "\n%zu more rows are within noise or smaller.\n", r->n_rows - shown);
	}
	if (r->n_budgets) {
		fputs("\n| budget | value | limit | verdict |\n|---|--:|--:|---|\n", out);
		for (i = 0; i < r->n_budgets; i++) {
			const struct budget_result *b = &r->budgets[i];
			char value[48], limit[48];

			format_budget(b, value, limit, sizeof(value));
			fputs("| ", out);
			markdown_cell(out, b->spec);
			fprintf(out, " | %s | %s | %s |\n", value, limit,
				b->exceeded ? "**exceeded**" : "ok");
		}
	}
	fputs("\n<details><summary>How this was decided</summary>\n\n", out);
	describe_noise(out, r);
	fputs("; ", out);
	describe_yardstick(out, r);
	fprintf(out, ".\n\nA change is real when its interval leaves out 0; the intervals hold "
		"together for all %zu rows with %.0f%% confidence. A real change beyond %.3g%% is "
		"a regression. Times are estimated per run from the samples.\n\n</details>\n",
		r->n_rows, 100 * (1 - r->family_alpha), 100 * r->threshold);
}
