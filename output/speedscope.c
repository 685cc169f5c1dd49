/*
 * speedscope.c - writing speedscope's JSON file format (see speedscope.h).
 */
#include "speedscope.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"
#include "escape.h"

struct writer {
	struct stacktree *tree;
	FILE *out;
	uint32_t *path;          /* scratch: a stack's frames, leaf first */
	size_t cap_path;
	double weight_per_sample;
};

static void write_frame(struct writer *w, uint32_t frame, bool first)
{
	const struct frame_key *key = frametab_key(&w->tree->frames, frame);
	const char *text;

	fputs(first ? "\n{" : ",\n{", w->out);
	if (key->kind == FRAME_PYTHON || key->kind == FRAME_NATIVE) {
		text = strtab_str(w->tree->strings, key->name);
		fputs("\"name\":", w->out);
		escape_json(w->out, text, strlen(text));
		text = strtab_str(w->tree->strings, key->file);
		fputs(",\"file\":", w->out);
		escape_json(w->out, text, strlen(text));
		if (key->line != FRAME_NO_LINE)
			fprintf(w->out, ",\"line\":%d", key->line);
	} else {
		text = frametab_text(&w->tree->frames, frame);
		fputs("\"name\":", w->out);
		escape_json(w->out, text, strlen(text));
	}
	putc('}', w->out);
}

/* The shared frame table: every frame, in order of id. */
static void write_frames(struct writer *w)
{
	size_t id;

	fputs("\"shared\":{\"frames\":[", w->out);
	for (id = 0; id < w->tree->frames.count; id++)
		write_frame(w, (uint32_t)id, id == 0);
	fputs("]},\n", w->out);
}

/* The root node under which a profile's stacks lie: a thread root frame,
 * or the tree's root for a single profile. */
static bool is_thread_root(const struct stacktree *tree, uint32_t node)
{
	return tree->nodes[node].parent == 0 &&
	       frametab_key(&tree->frames, tree->nodes[node].frame)->kind == FRAME_THREAD;
}

static bool under(const struct stacktree *tree, uint32_t node, uint32_t root)
{
	while (node && node != root)
		node = tree->nodes[node].parent;
	return node == root;
}

/* One sampled profile: the stacks ending under root (0: all), without
 * root's own frame. */
static void write_profile(struct writer *w, uint32_t root, const char *name, bool first)
{
	struct stacktree *tree = w->tree;
	size_t i, n = 0;
	uint64_t total = 0;

	fprintf(w->out, "%s{\"type\":\"sampled\",\"name\":", first ? "" : ",\n");
	escape_json(w->out, name, strlen(name));
	fprintf(w->out, ",\"unit\":\"%s\",\"startValue\":0,",
		w->weight_per_sample > 0 ? "seconds" : "none");
	fputs("\"samples\":[", w->out);
	for (i = 1; i < tree->n_nodes; i++) {
		size_t depth = 0;

		if (!tree->nodes[i].self || (root && !under(tree, (uint32_t)i, root)) ||
		    (!root && is_thread_root(tree, (uint32_t)i)))
			continue;
		for (uint32_t at = (uint32_t)i; at && at != root; at = tree->nodes[at].parent) {
			XGROW(w->path, w->cap_path, depth + 1);
			w->path[depth++] = tree->nodes[at].frame;
		}
		fputs(n++ ? ",[" : "[", w->out);
		while (depth--)
			fprintf(w->out, depth ? "%u," : "%u", w->path[depth]);
		putc(']', w->out);
		total += tree->nodes[i].self;
	}
	fputs("],\"weights\":[", w->out);
	n = 0;
	for (i = 1; i < tree->n_nodes; i++) {
		uint64_t self = tree->nodes[i].self;

		if (!self || (root && !under(tree, (uint32_t)i, root)) ||
		    (!root && is_thread_root(tree, (uint32_t)i)))
			continue;
		if (w->weight_per_sample > 0)
			fprintf(w->out, n++ ? ",%.9g" : "%.9g", (double)self * w->weight_per_sample);
		else
			fprintf(w->out, n++ ? ",%llu" : "%llu", (unsigned long long)self);
	}
	if (w->weight_per_sample > 0)
		fprintf(w->out, "],\"endValue\":%.9g}", (double)total * w->weight_per_sample);
	else
		fprintf(w->out, "],\"endValue\":%llu}", (unsigned long long)total);
}

int speedscope_write(struct stacktree *tree, const struct speedscope_meta *meta, FILE *out)
{
	struct writer w = {
		.tree = tree, .out = out,
		.weight_per_sample = meta->rate_hz > 0 ? 1.0 / meta->rate_hz : 0,
	};
	const char *name = meta->name ? meta->name : "peekpy";
	size_t i, profiles = 0;

	fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n", out);
	write_frames(&w);
	fputs("\"profiles\":[\n", out);
	for (i = 1; i < tree->n_nodes; i++)
		if (is_thread_root(tree, (uint32_t)i))
			write_profile(&w, (uint32_t)i, frametab_text(&tree->frames, tree->nodes[i].frame),
				      profiles++ == 0);
	/* Stacks not under a thread frame (all of them without --threads). */
	for (i = 1; i < tree->n_nodes; i++) {
		if (tree->nodes[i].parent == 0 && !is_thread_root(tree, (uint32_t)i)) {
			write_profile(&w, 0, profiles ? "other threads" : "all threads", profiles == 0);
			profiles++;
			break;
		}
	}
	if (!profiles)
		write_profile(&w, 0, "all threads", true);
	fputs("],\n\"name\":", out);
	escape_json(out, name, strlen(name));
	fputs(",\"activeProfileIndex\":0,\"exporter\":", out);
	escape_json(out, meta->exporter ? meta->exporter : "peekpy",
		    strlen(meta->exporter ? meta->exporter : "peekpy"));
	fputs("}\n", out);
	free(w.path);
	if (fflush(out) != 0 || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
