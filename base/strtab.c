/*
 * strtab.c - string interning (see strtab.h).
 *
 * Ids are found through an index keyed by a 64-bit hash of the text.
 * Texts are individually allocated so that pointers handed out by
 * strtab_str() stay valid as the table grows.
 */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void strtab_init(struct strtab *tab)
{
	memset(tab, 0, sizeof(*tab));
	index_init(&tab->by_text);
	XGROW(tab->texts, tab->cap, 1);
	tab->lengths = xreallocarray(NULL, tab->cap, sizeof(*tab->lengths));
	tab->texts[0] = xstrdup("");
	tab->lengths[0] = 0;
	tab->count = 1;
}

void strtab_release(struct strtab *tab)
{
	size_t i;

	for (i = 0; i < tab->count; i++)
		free(tab->texts[i]);
	free(tab->texts);
	free(tab->lengths);
	index_release(&tab->by_text);
	memset(tab, 0, sizeof(*tab));
}

struct text_lookup {
	const struct strtab *tab;
	const char *text;
	size_t len;
};

static bool same_text(const void *ctx, uint32_t id)
{
	const struct text_lookup *lookup = ctx;

	return lookup->tab->lengths[id] == lookup->len &&
	       memcmp(lookup->tab->texts[id], lookup->text, lookup->len) == 0;
}

uint32_t strtab_find(const struct strtab *tab, const char *text, size_t len)
{
	struct text_lookup lookup = { tab, text, len };
	uint32_t id;

	if (!index_get_hashed(&tab->by_text, index_hash(text, len), same_text, &lookup, &id))
		return 0;
	return id;
}

uint32_t strtab_intern(struct strtab *tab, const char *text, size_t len)
{
	struct text_lookup lookup = { tab, text, len };
	bool added;
	uint32_t *at = index_put_hashed(&tab->by_text, index_hash(text, len), same_text,
					&lookup, &added);
	size_t old_cap = tab->cap;

	if (!added)
		return *at;
	XGROW(tab->texts, tab->cap, tab->count + 1);
	if (tab->cap != old_cap)
		tab->lengths = xreallocarray(tab->lengths, tab->cap, sizeof(*tab->lengths));
	*at = (uint32_t)tab->count++;
	tab->texts[*at] = xstrndup(text, len);
	tab->lengths[*at] = (uint32_t)len;
	return *at;
}

uint32_t strtab_intern_cstr(struct strtab *tab, const char *text)
{
	return strtab_intern(tab, text, strlen(text));
}

const char *strtab_str(const struct strtab *tab, uint32_t id)
{
	return id < tab->count ? tab->texts[id] : "";
}

size_t strtab_len(const struct strtab *tab, uint32_t id)
{
	return id < tab->count ? tab->lengths[id] : 0;
}

size_t strtab_count(const struct strtab *tab)
{
	return tab->count;
}
