/*
 * frametab.c - distinct frames and their text (see frametab.h).
 */
#include "frametab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/xalloc.h"

void frametab_init(struct frametab *tab, const struct strtab *strings)
{
	memset(tab, 0, sizeof(*tab));
	tab->strings = strings;
	index_init(&tab->by_key);
}

void frametab_release(struct frametab *tab)
{
	size_t i;

	for (i = 0; i < tab->count; i++)
		free(tab->texts[i]);
	free(tab->texts);
	free(tab->keys);
	index_release(&tab->by_key);
	memset(tab, 0, sizeof(*tab));
}

static uint64_t key_hash(const struct frame_key *key)
{
	uint64_t h = ((uint64_t)key->kind << 32 | key->name) * 0x9e3779b97f4a7c15ULL;

	h ^= ((uint64_t)key->file << 32 | (uint32_t)key->line) * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 29;
	return h;
}

struct key_lookup {
	const struct frametab *tab;
	const struct frame_key *key;
};

static bool same_key(const void *ctx, uint32_t id)
{
	const struct key_lookup *lookup = ctx;
	const struct frame_key *a = &lookup->tab->keys[id], *b = lookup->key;

	return a->kind == b->kind && a->name == b->name && a->file == b->file && a->line == b->line;
}

uint32_t frametab_intern(struct frametab *tab, const struct frame_key *key)
{
	struct key_lookup lookup = { tab, key };
	bool added;
	uint32_t *at = index_put_hashed(&tab->by_key, key_hash(key), same_key, &lookup, &added);

	if (!added)
		return *at;
	if (tab->count + 1 > tab->cap) {
		XGROW(tab->keys, tab->cap, tab->count + 1);
		tab->texts = xreallocarray(tab->texts, tab->cap, sizeof(*tab->texts));
	}
	tab->keys[tab->count] = *key;
	tab->texts[tab->count] = NULL;
	*at = (uint32_t)tab->count++;
	return *at;
}

const struct frame_key *frametab_key(const struct frametab *tab, uint32_t id)
{
	return &tab->keys[id];
}

size_t frametab_sanitize(const char *text, size_t len, char *out, size_t size)
{
	size_t i, used = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		char esc[8];
		const char *put = esc;
		size_t n;

		if (c == ';') {
			put = "\xef\xbc\x9b";   /* U+FF1B FULLWIDTH SEMICOLON */
			n = 3;
		} else if (c == '\n') {
			put = "\\n";
			n = 2;
		} else if (c == '\r') {
			put = "\\r";
			n = 2;
		} else if (c == '\t') {
			put = "\\t";
			n = 2;
		} else if (c < 0x20 || c == 0x7f) {
			n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
		} else {
			esc[0] = (char)c;
			n = 1;
		}
		if (used + n >= size)
			break;
		memcpy(out + used, put, n);
		used += n;
	}
	out[used < size ? used : size - 1] = '\0';
	return used;
}

static char *format_frame(const struct frametab *tab, const struct frame_key *key)
{
	const char *name = strtab_str(tab->strings, key->name);
	size_t name_len = strtab_len(tab->strings, key->name);
	const char *file = strtab_str(tab->strings, key->file);
	size_t file_len = strtab_len(tab->strings, key->file);
	size_t cap = 4 * (name_len + file_len) + 64;
	char *text = xmalloc(cap);
	size_t used;

	if (key->kind == FRAME_THREAD || key->kind == FRAME_PROCESS) {
		used = (size_t)snprintf(text, cap, "%s %d", key->kind == FRAME_THREAD ? "thread"
									 : "process",
					key->line);
		if (key->name) {
			size_t i;

			text[used++] = ' ';
			text[used++] = '"';
			/* A quote inside the name is escaped so the name stays delimited. */
			for (i = 0; i < name_len; i++) {
				if (name[i] == '"' || name[i] == '\\')
					text[used++] = '\\';
				used += frametab_sanitize(name + i, 1, text + used, cap - used);
			}
			text[used++] = '"';
			text[used] = '\0';
		}
		return text;
	}
	used = frametab_sanitize(name, name_len, text, cap);
	if (key->kind == FRAME_TEXT)
		return text;
	text[used++] = ' ';
	text[used++] = '(';
	used += frametab_sanitize(file, file_len, text + used, cap - used);
	if (key->line != FRAME_NO_LINE)
		used += (size_t)snprintf(text + used, cap - used, ":%d", key->line);
	snprintf(text + used, cap - used, ")");
	return text;
}

const char *frametab_text(struct frametab *tab, uint32_t id)
{
	if (!tab->texts[id])
		tab->texts[id] = format_frame(tab, &tab->keys[id]);
	return tab->texts[id];
}
