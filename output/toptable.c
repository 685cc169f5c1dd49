/*
 * toptable.c - own and total samples per function, as a table (see
 * toptable.h).
 */
#include "toptable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

void toptable_init(struct toptable *table, struct strtab *strings, int lines)
{
	struct stack_options options = { .lines = lines };

	memset(table, 0, sizeof(*table));
	stacktree_init(&table->names, strings, &options);
}

void toptable_release(struct toptable *table)
{
	stacktree_release(&table->names);
	free(table->counts);
	free(table->scratch);
	memset(table, 0, sizeof(*table));
}

void toptable_reset(struct toptable *table, int lines)
{
	struct strtab *strings = table->names.strings;

	toptable_release(table);
	toptable_init(table, strings, lines);
}

static struct top_count *count_of(struct toptable *table, uint32_t frame)
{
	if (frame >= table->cap_counts) {
		size_t old = table->cap_counts;

		XGROW(table->counts, table->cap_counts, (size_t)frame + 1);
		memset(table->counts + old, 0, (table->cap_counts - old) * sizeof(*table->counts));
	}
	return &table->counts[frame];
}

void toptable_add_sample(struct toptable *table, const struct sample *sample, bool error)
{
	size_t t, i;

	table->ticks++;
	table->errors += error;
	table->active_threads = 0;
	for (t = 0; t < sample->n_threads; t++) {
		const struct sample_thread *thread = &sample->threads[t];
		const struct sample_frame *frames = sample_thread_frames(sample, thread);

		if (thread->flags & SAMPLE_THREAD_GIL)
			table->gil_ticks++;
		if (!(thread->flags & SAMPLE_THREAD_IDLE))
			table->active_threads++;
		if (!thread->n_frames)
			continue;
		/* A new stamp per stack: a frame seen twice in it (recursion)
		 * counts once in its total. */
		table->stamp++;
		for (i = 0; i < thread->n_frames; i++) {
			uint32_t frame = stacktree_frame_id(&table->names, &frames[i]);
			struct top_count *count = count_of(table, frame);

			if (i == 0)
				count->own++;
			if (count->last_tick != table->stamp) {
				count->total++;
				count->last_tick = table->stamp;
			}
		}
	}
}

struct sort_ctx {
	struct toptable *table;
	enum top_sort sort;
};

static int compare_rows(const void *a, const void *b, void *ctx)
{
	const struct sort_ctx *s = ctx;
	uint32_t fa = *(const uint32_t *)a, fb = *(const uint32_t *)b;
	const struct top_count *ca = &s->table->counts[fa], *cb = &s->table->counts[fb];
	uint64_t ka = s->sort == TOP_SORT_TOTAL ? ca->total : ca->own;
	uint64_t kb = s->sort == TOP_SORT_TOTAL ? cb->total : cb->own;

	if (s->sort != TOP_SORT_NAME && ka != kb)
		return ka > kb ? -1 : 1;
	if (s->sort != TOP_SORT_NAME && ca->total != cb->total)
		return ca->total > cb->total ? -1 : 1;
	return strcmp(frametab_text(&s->table->names.frames, fa),
		      frametab_text(&s->table->names.frames, fb));
}

/* Seconds as a short column: "1.23s", "12m03s". */
static void format_time(char *buf, size_t size, double seconds)
{
	if (seconds < 60)
		snprintf(buf, size, "%.2fs", seconds);
	else
		snprintf(buf, size, "%dm%02ds", (int)(seconds / 60), (int)seconds % 60);
}

/* A line cut to the screen's width (bytes, on a UTF-8 boundary). */
static void put_line(FILE *out, const char *text, int width)
{
	size_t len = strlen(text), cut = len;

	if (width > 0 && len > (size_t)width) {
		cut = (size_t)width;
		while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
			cut--;
	}
	fwrite(text, 1, cut, out);
	fputc('\n', out);
}

int toptable_write(struct toptable *table, const struct top_view *view, FILE *out)
{
	static const char *const sort_names[] = { "%Own", "%Total", "function" };
	size_t n_frames = table->names.frames.count, n = 0, i;
	uint32_t *rows = xcalloc(n_frames + 1, sizeof(*rows));
	struct sort_ctx ctx = { table, view->sort };
	double ticks = table->ticks ? (double)table->ticks : 1;
	char line[1024];
	int lines_left = view->height > 0 ? view->height : 25;

	for (i = 0; i < n_frames && i < table->cap_counts; i++)
		if (table->counts[i].total)
			rows[n++] = (uint32_t)i;
	qsort_r(rows, n, sizeof(*rows), compare_rows, &ctx);
	snprintf(line, sizeof(line), "%s%s", view->title, view->paused ? "  [paused]" : "");
	put_line(out, line, view->width);
	snprintf(line, sizeof(line),
		 "samples %llu  rate %.0f/s  GIL %.1f%%  active threads %u  errors %llu  sorted by %s",
		 (unsigned long long)table->ticks, view->rate,
		 100.0 * (double)table->gil_ticks / ticks, table->active_threads,
		 (unsigned long long)table->errors, sort_names[view->sort]);
	put_line(out, line, view->width);
	if (view->keys)
		put_line(out, "keys: 1 %Own  2 %Total  3 OwnTime  4 TotalTime  n name  "
			      "l lines/functions  p pause  q quit", view->width);
	put_line(out, "", view->width);
	put_line(out, "  %Own  %Total  OwnTime  TotalTime  Function (file:line)", view->width);
	lines_left -= view->keys ? 6 : 5;
	for (i = 0; i < n && (int)i < lines_left; i++) {
		const struct top_count *count = &table->counts[rows[i]];
		char own[32], total[32];

		format_time(own, sizeof(own), (double)count->own * view->interval_s);
		format_time(total, sizeof(total), (double)count->total * view->interval_s);
		snprintf(line, sizeof(line), "%6.1f  %6.1f  %7s  %9s  %s",
			 100.0 * (double)count->own / ticks, 100.0 * (double)count->total / ticks, own,
			 total, frametab_text(&table->names.frames, rows[i]));
		put_line(out, line, view->width);
	}
	free(rows);
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
