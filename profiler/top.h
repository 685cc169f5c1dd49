/*
 * top.h - the screen of `peekpy top`: a live table of the hottest
 * functions, redrawn every second, driven by keys.
 *
 * The record command's sampling loop feeds it every tick; this file owns
 * the terminal: raw keys (1-4 and n sort, l toggles lines and functions,
 * p pauses the display, q quits), its size (read at every redraw, so a
 * resized terminal gets a fitting table), and the alternate screen, all
 * restored on the way out.  When standard output is not a terminal the
 * table is printed plainly every second instead.
 */
#ifndef PEEKPY_TOP_H
#define PEEKPY_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "../base/sample.h"
#include "../base/strtab.h"
#include "../output/toptable.h"
#include "options.h"

struct top_screen {
	struct toptable table;
	bool on_terminal;        /* standard output is a terminal */
	bool raw_keys;           /* standard input was put in raw mode */
	struct termios saved;
	enum top_sort sort;
	int lines;               /* enum stack_lines */
	bool paused;
	uint64_t started_ns, next_draw_ns;
	double interval_s;
	char title[512];
};

void top_start(struct top_screen *screen, struct strtab *strings, const struct options *options,
	       const char *title, uint64_t now_ns);

/* One tick; true when the user asked to quit. */
bool top_tick(struct top_screen *screen, const struct sample *sample, bool error,
	      uint64_t now_ns);

/* Give the terminal back as it was. */
void top_stop(struct top_screen *screen);

#endif
