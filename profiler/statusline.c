/*
 * statusline.c - record's live status line (see statusline.h).
 *
 * The line is drawn as "\r", erase to the end of the line, the text, with
 * the cursor left after it; it is cut to the terminal's width so that it
 * never wraps (a wrapped line cannot be redrawn in place).
 */
#include "statusline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define ERASE_LINE "\r\033[K"
#define DEFAULT_COLUMNS 80

void statusline_init(struct status_line *line, bool wanted, uint64_t now)
{
	const char *term = getenv("TERM");

	memset(line, 0, sizeof(*line));
	line->on = wanted && isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
	/* Not at once: what the start prints comes first. */
	line->next_ns = now + STATUSLINE_EVERY_NS;
}

static size_t columns(void)
{
	struct winsize size;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
		return size.ws_col;
	return DEFAULT_COLUMNS;
}

/* "12.3 s", "2 min 05 s", "1 h 02 min". */
static void format_time(uint64_t ns, char *buf, size_t size)
{
	uint64_t seconds = ns / 1000000000u;

	if (seconds < 60)
		snprintf(buf, size, "%.1f s", (double)ns / 1e9);
	else if (seconds < 3600)
		snprintf(buf, size, "%u min %02u s", (unsigned)(seconds / 60), (unsigned)(seconds % 60));
	else
		snprintf(buf, size, "%u h %02u min", (unsigned)(seconds / 3600),
			 (unsigned)(seconds / 60 % 60));
}

void statusline_update(struct status_line *line, uint64_t now, const struct status_facts *facts)
{
	char text[256], elapsed[32], duration[32], run[32] = "", rate[32] = "";
	double seconds = (double)facts->elapsed_ns / 1e9;
	size_t width;

	if (!statusline_due(line, now))
		return;
	line->next_ns = now + STATUSLINE_EVERY_NS;
	format_time(facts->elapsed_ns, elapsed, sizeof(elapsed));
	if (facts->duration_ns)
		format_time(facts->duration_ns, duration, sizeof(duration));
	/* The rate got, once there is a second to measure it over. */
	if (seconds >= 1)
		snprintf(rate, sizeof(rate), " (%.1f/s)", (double)facts->samples / seconds);
	if (facts->runs > 1)
		snprintf(run, sizeof(run), "run %u of %u, ", facts->run, facts->runs);
	snprintf(text, sizeof(text),
		 "peekpy: process %d: %s%llu samples%s, %llu errors, %s%s%s - "
		 "Ctrl-C to stop and write",
		 facts->pid, run, (unsigned long long)facts->samples, rate,
		 (unsigned long long)facts->errors, elapsed, facts->duration_ns ? " of " : "",
		 facts->duration_ns ? duration : "");
	/* Three columns short of the width: a line that fills the last column
	 * leaves some terminals' cursor on the next line, and Ctrl-C's echo
	 * ("^C") must fit after it for the line to be cleared whole. */
	width = columns() > 3 ? columns() - 3 : 1;
	if (strlen(text) > width)
		text[width] = '\0';
	fprintf(stderr, ERASE_LINE "%s", text);
	fflush(stderr);
	line->shown = true;
}

void statusline_clear(struct status_line *line)
{
	if (!line->shown)
		return;
	fputs(ERASE_LINE, stderr);
	fflush(stderr);
	line->shown = false;
}
