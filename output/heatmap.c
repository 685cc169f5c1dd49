/*
 * heatmap.c - the flame graph and the hottest source lines on one page
 * (see heatmap.h).
 */
#include "heatmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/index.h"
#include "../base/xalloc.h"
#include "escape.h"

#define NO_LINE UINT32_MAX
/* Longer files show only the lines near those with samples. */
#define WHOLE_FILE_LINES 5000
#define CONTEXT_LINES 3

struct line_count {
	uint32_t file;          /* strtab id, as frames show it */
	uint32_t path;          /* strtab id of the full name, to read */
	int32_t line;
	uint64_t own, total;
	uint32_t walk;          /* the last walk that counted it (recursion) */
};

struct file_count {
	uint32_t file, path;
	uint64_t own, total, top;   /* own: summed; total: of its hottest line */
	uint32_t *lines;        /* line_count indices */
	size_t n_lines, cap_lines;
};

struct heatmap {
	struct stacktree *tree;
	struct line_count *lines;
	size_t n_lines, cap_lines;
	struct index line_of;       /* file << 32 | line -> line_count */
	uint32_t *line_of_frame;    /* frame id -> line_count, NO_LINE */
	struct file_count *files;
	size_t n_files, cap_files;
	struct index file_of;       /* file strtab id -> file_count */
	uint64_t top;               /* the largest line total shown */
};

static uint32_t line_record(struct heatmap *map, uint32_t frame)
{
	const struct frame_key *key = frametab_key(&map->tree->frames, frame);
	bool added;
	uint32_t *slot;

	if (map->line_of_frame[frame] != NO_LINE - 1)
		return map->line_of_frame[frame];
	if (key->kind != FRAME_PYTHON || key->line == FRAME_NO_LINE || key->line <= 0 ||
	    !key->file) {
		map->line_of_frame[frame] = NO_LINE;
		return NO_LINE;
	}
	slot = index_put(&map->line_of, (uint64_t)key->file << 32 | (uint32_t)key->line, &added);
	if (added) {
		*slot = (uint32_t)map->n_lines;
		XGROW(map->lines, map->cap_lines, map->n_lines + 1);
		map->lines[map->n_lines++] = (struct line_count){
			.file = key->file, .path = key->path ? key->path : key->file,
			.line = key->line, .walk = UINT32_MAX,
		};
	}
	map->line_of_frame[frame] = *slot;
	return *slot;
}

/* Each stack's samples: own to its innermost line, total to every line on
 * it, once however often recursion repeats it. */
static void count_lines(struct heatmap *map)
{
	const struct stack_node *nodes = map->tree->nodes;
	size_t n_frames = map->tree->frames.count;

	map->line_of_frame = xmalloc((n_frames + 1) * sizeof(*map->line_of_frame));
	for (size_t i = 0; i < n_frames; i++)
		map->line_of_frame[i] = NO_LINE - 1;   /* not looked at yet */
	for (uint32_t leaf = 1; leaf < map->tree->n_nodes; leaf++) {
		uint64_t self = nodes[leaf].self;

		if (!self)
			continue;
		for (uint32_t at = leaf; at != 0; at = nodes[at].parent) {
			uint32_t rec = line_record(map, nodes[at].frame);
			struct line_count *count;

			if (rec == NO_LINE)
				continue;
			count = &map->lines[rec];
			if (at == leaf)
				count->own += self;
			if (count->walk != leaf) {
				count->walk = leaf;
				count->total += self;
			}
		}
	}
}

/* Whether path names the file asked for: equal, or ending in /FILE. */
static bool names_file(const char *path, const char *file)
{
	size_t len = strlen(path), want = strlen(file);

	if (len < want || strcmp(path + len - want, file) != 0)
		return false;
	return len == want || path[len - want - 1] == '/' || file[0] == '/';
}

static int hotter(const void *a, const void *b)
{
	const struct file_count *x = a, *y = b;

	if (x->own != y->own)
		return x->own < y->own ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return x->file < y->file ? -1 : x->file > y->file;
}

static int by_line(const void *a, const void *b, void *ctx)
{
	const struct line_count *lines = ctx;
	int32_t x = lines[*(const uint32_t *)a].line, y = lines[*(const uint32_t *)b].line;

	return (x > y) - (x < y);
}

static void group_files(struct heatmap *map, const char *only_file)
{
	const struct strtab *strings = map->tree->strings;

	for (size_t i = 0; i < map->n_lines; i++) {
		struct line_count *count = &map->lines[i];
		struct file_count *file;
		bool added;
		uint32_t *slot;

		if (only_file && !names_file(strtab_str(strings, count->path), only_file) &&
		    !names_file(strtab_str(strings, count->file), only_file))
			continue;
		slot = index_put(&map->file_of, count->file, &added);
		if (added) {
			*slot = (uint32_t)map->n_files;
			XGROW(map->files, map->cap_files, map->n_files + 1);
			map->files[map->n_files++] = (struct file_count){
				.file = count->file, .path = count->path,
			};
		}
		file = &map->files[*slot];
		file->own += count->own;
		if (count->total > file->total)
			file->total = count->total;
		XGROW(file->lines, file->cap_lines, file->n_lines + 1);
		file->lines[file->n_lines++] = (uint32_t)i;
	}
	qsort(map->files, map->n_files, sizeof(*map->files), hotter);
	if (!only_file && map->n_files > HEATMAP_FILES) {
		for (size_t i = HEATMAP_FILES; i < map->n_files; i++)
			free(map->files[i].lines);
		map->n_files = HEATMAP_FILES;
	}
	for (size_t i = 0; i < map->n_files; i++) {
		qsort_r(map->files[i].lines, map->files[i].n_lines, sizeof(uint32_t), by_line,
			map->lines);
		if (map->files[i].total > map->top)
			map->top = map->files[i].total;
	}
}

/* --- the page --- */

static void text(FILE *out, const char *s, size_t len)
{
	escape_xml(out, s, len);
}

static void text_id(FILE *out, const struct strtab *strings, uint32_t id)
{
	text(out, strtab_str(strings, id), strtab_len(strings, id));
}

static const char page_style[] =
	"body{font:14px sans-serif;margin:16px;color:#222}"
	"#flame svg{width:100%;height:auto}"
	"h2{font-size:16px;margin:24px 0 4px}"
	".hm-files td{padding:0 8px}"
	"table.hm-src{border-collapse:collapse;font:12px monospace;width:100%}"
	".hm-src td{padding:0 6px;white-space:pre;vertical-align:top}"
	".hm-src td.n,.hm-src td.own,.hm-src td.tot{text-align:right;color:#666;width:1%}"
	".hm-src tr{background:rgba(235,90,30,calc(var(--h,0)*0.75))}"
	".hm-src tr.target{outline:2px solid #1565c0}"
	".hm-src tr.gap td{color:#999}"
	"#linked{font:12px monospace;color:#1565c0}";

/* A row: line number, own and total samples (blank when none), code. */
static void write_row(FILE *out, const struct heatmap *map, size_t file_index, int32_t line,
		      const struct line_count *count, const char *code, size_t code_len)
{
	double heat = count && map->top ? (double)count->total / (double)map->top : 0;

	fprintf(out, "<tr id=\"f%zu-l%d\"", file_index, line);
	if (heat > 0)
		fprintf(out, " style=\"--h:%.3f\"", heat);
	fprintf(out, "><td class=\"n\">%d</td>", line);
	if (count)
		fprintf(out, "<td class=\"own\">%llu</td><td class=\"tot\">%llu</td>",
			(unsigned long long)count->own, (unsigned long long)count->total);
	else
		fputs("<td class=\"own\"></td><td class=\"tot\"></td>", out);
	fputs("<td class=\"code\">", out);
	text(out, code, code_len);
	fputs("</td></tr>\n", out);
}

/* The source's lines (NULL: unreadable), each with its counts. */
static void write_source(FILE *out, const struct heatmap *map, size_t file_index,
			 const char *source, size_t len)
{
	const struct file_count *file = &map->files[file_index];
	size_t next = 0;   /* the file's next counted line */
	size_t n_source_lines = 0;
	const char *at = source, *end = source ? source + len : NULL;
	int32_t line = 0;
	bool whole, gap = false;

	for (size_t i = 0; source && i < len; i++)
		n_source_lines += source[i] == '\n';
	whole = source && n_source_lines <= WHOLE_FILE_LINES;
	fputs("<table class=\"hm-src\"><tr><th>line</th><th>own</th><th>total</th>"
	      "<th></th></tr>\n", out);
	while (source && at < end) {
		const char *eol = memchr(at, '\n', (size_t)(end - at));
		size_t code_len = eol ? (size_t)(eol - at) : (size_t)(end - at);
		const struct line_count *count = NULL;
		bool near;

		line++;
		while (next < file->n_lines && map->lines[file->lines[next]].line < line)
			next++;
		if (next < file->n_lines && map->lines[file->lines[next]].line == line)
			count = &map->lines[file->lines[next]];
		near = next < file->n_lines &&
		       map->lines[file->lines[next]].line - line <= CONTEXT_LINES;
		near = near || (next > 0 && line - map->lines[file->lines[next - 1]].line <=
						    CONTEXT_LINES);
		if (whole || count || near) {
			if (gap)
				fputs("<tr class=\"gap\"><td class=\"n\">…</td><td></td><td></td>"
				      "<td></td></tr>\n", out);
			gap = false;
			write_row(out, map, file_index, line, count, at, code_len);
		} else {
			gap = true;
		}
		at = eol ? eol + 1 : end;
	}
	/* Lines past the end of what was read (a file changed since), or
	 * every counted line when it could not be read. */
	for (; next < file->n_lines; next++) {
		const struct line_count *count = &map->lines[file->lines[next]];

		if (count->line > line) {
			const char *note = source ? "(past the end of the file read)"
						  : "(source not found)";

			write_row(out, map, file_index, count->line, count, note, strlen(note));
		}
	}
	fputs("</table>\n", out);
}

static void write_files_table(FILE *out, const struct heatmap *map)
{
	const struct strtab *strings = map->tree->strings;
	uint64_t samples = map->tree->samples ? map->tree->samples : 1;

	fputs("<table class=\"hm-files\"><tr><th>file</th><th>own</th><th>hottest line "
	      "(total)</th></tr>\n", out);
	for (size_t i = 0; i < map->n_files; i++) {
		const struct file_count *file = &map->files[i];

		fprintf(out, "<tr><td><a href=\"#f%zu\">", i);
		text_id(out, strings, file->file);
		fprintf(out, "</a></td><td>%.1f%%</td><td>%.1f%%</td></tr>\n",
			100.0 * (double)file->own / (double)samples,
			100.0 * (double)file->total / (double)samples);
	}
	fputs("</table>\n", out);
}

/* The frame text's file -> section, for the graph's clicks. */
static void write_script(FILE *out, const struct heatmap *map)
{
	const struct strtab *strings = map->tree->strings;

	fputs("<script>\nvar HEATMAP_FILES = {", out);
	for (size_t i = 0; i < map->n_files; i++) {
		if (i)
			putc(',', out);
		escape_json(out, strtab_str(strings, map->files[i].file),
			    strtab_len(strings, map->files[i].file));
		fprintf(out, ":%zu", i);
	}
	fputs("};\n"
	      "window.peekpyFrameClicked = function (text) {\n"
	      "  var m = /\\(([^()]*):(\\d+)\\)$/.exec(text), row, old;\n"
	      "  if (!m || !HEATMAP_FILES.hasOwnProperty(m[1])) return;\n"
	      "  row = document.getElementById('f' + HEATMAP_FILES[m[1]] + '-l' + m[2]);\n"
	      "  if (!row) return;\n"
	      "  old = document.querySelector('tr.target');\n"
	      "  if (old) old.classList.remove('target');\n"
	      "  row.classList.add('target');\n"
	      "  document.getElementById('linked').textContent = text;\n"
	      "  if (row.scrollIntoView) row.scrollIntoView({block: 'center'});\n"
	      "};\n</script>\n", out);
}

/* The flame graph, drawn to memory and put in the page without its XML
 * declaration (an SVG element inline in HTML). */
static int write_graph(FILE *out, struct stacktree *tree, const struct flamegraph_meta *meta)
{
	char *svg = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&svg, &len);
	const char *start;
	int err;

	if (!mem)
		return -errno;
	err = flamegraph_write(tree, meta, mem);
	if (fclose(mem) != 0 && !err)
		err = -errno;
	if (!err) {
		start = strstr(svg, "<svg");
		fputs("<div id=\"flame\">\n", out);
		if (start)
			fwrite(start, 1, len - (size_t)(start - svg), out);
		fputs("</div>\n", out);
	}
	free(svg);
	return err;
}

static void release(struct heatmap *map)
{
	for (size_t i = 0; i < map->n_files; i++)
		free(map->files[i].lines);
	free(map->files);
	free(map->lines);
	free(map->line_of_frame);
	index_release(&map->line_of);
	index_release(&map->file_of);
}

int heatmap_write(struct stacktree *tree, const struct heatmap_meta *meta, FILE *out)
{
	const char *title = meta->graph.title && meta->graph.title[0] ? meta->graph.title : "peekpy";
	struct heatmap map = { .tree = tree };
	int err;

	index_init(&map.line_of);
	index_init(&map.file_of);
	count_lines(&map);
	group_files(&map, meta->only_file);

	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", out);
	text(out, title, strlen(title));
	fprintf(out, "</title><style>%s</style></head><body>\n", page_style);
	err = write_graph(out, tree, &meta->graph);
	if (!err) {
		fputs("<p>Click a frame: its line is outlined below. <span id=\"linked\"></span></p>\n"
		      "<h2>Hottest files</h2>\n", out);
		if (!map.n_files)
			fputs("<p>No Python line has samples", out);
		if (!map.n_files && meta->only_file) {
			fputs(" in ", out);
			text(out, meta->only_file, strlen(meta->only_file));
		}
		fputs(map.n_files ? "" : ".</p>\n", out);
		write_files_table(out, &map);
	}
	for (size_t i = 0; !err && i < map.n_files; i++) {
		const struct file_count *file = &map.files[i];
		const char *path = strtab_str(tree->strings, file->path);
		char *source = NULL;
		size_t len = 0;

		fprintf(out, "<h2 id=\"f%zu\">", i);
		text(out, path, strlen(path));
		fputs("</h2>\n", out);
		if (!meta->read_source || meta->read_source(meta->source_ctx, path, &source, &len))
			source = NULL;
		write_source(out, &map, i, source, len);
		free(source);
	}
	write_script(out, &map);
	fputs("</body></html>\n", out);
	release(&map);
	if (err)
		return err;
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
