/*
 * statusline.h - record's live status line: on a terminal, one line on
 * stderr that is redrawn in place while sampling (samples, the rate got,
 * errors, the time), and cleared before the summary.
 *
 * It never writes to anything but a terminal, and writes nothing with -q;
 * what it shows it is given (it reads no target and no clock).
 */
#ifndef PEEKPY_STATUSLINE_H
#define PEEKPY_STATUSLINE_H

#include <stdbool.h>
#include <stdint.h>

struct status_line {
	bool on;               /* stderr is a terminal and the line is wanted */
	bool shown;            /* something is drawn on it now */
	uint64_t next_ns;      /* when it is redrawn next */
};

/* What the line tells. */
struct status_facts {
	int pid;               /* the target */
	uint64_t samples, errors;
	uint64_t elapsed_ns;   /* of sampling so far */
	uint64_t duration_ns;  /* --duration, or 0: until the target exits */
	unsigned run, runs;    /* --repeat: this run of runs (runs > 1 only) */
};

/* Redraws this often at most: a glance, not a flicker. */
#define STATUSLINE_EVERY_NS 250000000u

/* On when wanted and stderr is a terminal that can redraw a line. */
void statusline_init(struct status_line *line, bool wanted, uint64_t now);

/* Whether the line is on and due for a redraw: cheap enough to ask after
 * every sample. */
static inline bool statusline_due(const struct status_line *line, uint64_t now)
{
	return line->on && now >= line->next_ns;
}

/* Redraw, when statusline_due(). */
void statusline_update(struct status_line *line, uint64_t now, const struct status_facts *facts);

/* Leave the line empty, the cursor at its start. */
void statusline_clear(struct status_line *line);

#endif
