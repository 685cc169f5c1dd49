/*
 * top.c - the live screen of `peekpy top` (see top.h).
 */
#include "top.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define REDRAW_NS 1000000000ull

void top_start(struct top_screen *screen, struct strtab *strings, const struct options *o,
	       const char *title, uint64_t now_ns)
{
	memset(screen, 0, sizeof(*screen));
	screen->lines = o->lines;
	screen->interval_s = 1.0 / o->rate;
	screen->started_ns = now_ns;
	screen->next_draw_ns = now_ns + REDRAW_NS;
	snprintf(screen->title, sizeof(screen->title), "%s", title);
	toptable_init(&screen->table, strings, screen->lines);
	screen->on_terminal = isatty(STDOUT_FILENO);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &screen->saved) == 0) {
		struct termios raw = screen->saved;

		/* Keys as they are pressed, unechoed; reads never wait. */
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		screen->raw_keys = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	if (screen->on_terminal)
		fputs("\033[?1049h\033[?25l", stdout);   /* alternate screen, no cursor */
}

static void draw(struct top_screen *screen, uint64_t now_ns)
{
	struct winsize size = { 0 };
	double seconds = (double)(now_ns - screen->started_ns) / 1e9;
	struct top_view view = {
		.width = 0, .height = 25, .sort = screen->sort, .interval_s = screen->interval_s,
		.title = screen->title,
		.rate = seconds > 0 ? (double)screen->table.ticks / seconds : 0,
		.paused = screen->paused, .keys = screen->raw_keys,
	};

	if (screen->on_terminal) {
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col && size.ws_row) {
			view.width = size.ws_col;
			view.height = size.ws_row - 1;
		}
		fputs("\033[H\033[J", stdout);
	}
	toptable_write(&screen->table, &view, stdout);
	if (!screen->on_terminal)
		fputc('\n', stdout);
	fflush(stdout);
}

/* Act on the keys pressed since the last tick; true on q. */
static bool read_keys(struct top_screen *screen, uint64_t now_ns)
{
	char keys[16];
	ssize_t n, i;
	bool redraw = false;

	if (!screen->raw_keys)
		return false;
	n = read(STDIN_FILENO, keys, sizeof(keys));
	for (i = 0; i < n; i++) {
		switch (keys[i]) {
		case 'q': case 'Q':
			return true;
		case '1': case '3':
			screen->sort = TOP_SORT_OWN;
			break;
		case '2': case '4':
			screen->sort = TOP_SORT_TOTAL;
			break;
		case 'n':
			screen->sort = TOP_SORT_NAME;
			break;
		case 'l': case 'L':
			/* Another way to name frames: counts start over. */
			screen->lines = screen->lines == STACK_LINES_FUNCTION ? STACK_LINES_EXECUTING
									      : STACK_LINES_FUNCTION;
			toptable_reset(&screen->table, screen->lines);
			screen->started_ns = now_ns;
			break;
		case 'p': case 'P':
			screen->paused = !screen->paused;
			break;
		default:
			continue;
		}
		redraw = true;
	}
	if (redraw)
		draw(screen, now_ns);
	return false;
}

bool top_tick(struct top_screen *screen, const struct sample *sample, bool error,
	      uint64_t now_ns)
{
	toptable_add_sample(&screen->table, sample, error);
	if (read_keys(screen, now_ns))
		return true;
	if (now_ns >= screen->next_draw_ns) {
		if (!screen->paused)
			draw(screen, now_ns);
		screen->next_draw_ns = now_ns + REDRAW_NS;
	}
	return false;
}

void top_stop(struct top_screen *screen)
{
	if (screen->on_terminal)
		fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (screen->raw_keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &screen->saved);
	toptable_release(&screen->table);
}
