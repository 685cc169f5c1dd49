/*
 * strtab.c - string interning (see strtab.h).
 *
 * An open-addressing table of ids keyed by a 64-bit hash of the text, kept
 * at most half full.  Texts are individually allocated so that pointers
 * handed out by strtab_str() stay valid as the table grows.
 */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

uint64_t strtab_hash(const void *data, size_t len)
{
	/* FNV-1a, then a final mix so that the low bits are usable as an index. */
	const unsigned char *bytes = data;
	uint64_t hash = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		hash ^= bytes[i];
		hash *= 0x100000001b3ULL;
	}
	hash ^= hash >> 33;
	hash *= 0xff51afd7ed558ccdULL;
	hash ^= hash >> 33;
	return hash;
}

void strtab_init(struct strtab *tab)
{
	memset(tab, 0, sizeof(*tab));
	tab->slot_mask = 255;
	tab->slots = xcalloc(tab->slot_mask + 1, sizeof(*tab->slots));
	tab->slot_hashes = xcalloc(tab->slot_mask + 1, sizeof(*tab->slot_hashes));
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
	free(tab->slots);
	free(tab->slot_hashes);
	memset(tab, 0, sizeof(*tab));
}

static size_t find_slot(const struct strtab *tab, const char *text, size_t len,
			uint64_t hash)
{
	size_t slot = hash & tab->slot_mask;

	for (;;) {
		uint32_t id = tab->slots[slot];

		if (!id)
			return slot;
		if (tab->slot_hashes[slot] == hash && tab->lengths[id] == len &&
		    memcmp(tab->texts[id], text, len) == 0)
			return slot;
		slot = (slot + 1) & tab->slot_mask;
	}
}

static void rehash(struct strtab *tab)
{
	size_t old_size = tab->slot_mask + 1, i;
	uint32_t *old_slots = tab->slots;
	uint64_t *old_hashes = tab->slot_hashes;

	tab->slot_mask = old_size * 2 - 1;
	tab->slots = xcalloc(old_size * 2, sizeof(*tab->slots));
	tab->slot_hashes = xcalloc(old_size * 2, sizeof(*tab->slot_hashes));
	for (i = 0; i < old_size; i++) {
		size_t slot;

		if (!old_slots[i])
			continue;
		slot = old_hashes[i] & tab->slot_mask;
		while (tab->slots[slot])
			slot = (slot + 1) & tab->slot_mask;
		tab->slots[slot] = old_slots[i];
		tab->slot_hashes[slot] = old_hashes[i];
	}
	free(old_slots);
	free(old_hashes);
}

uint32_t strtab_find(const struct strtab *tab, const char *text, size_t len)
{
	return tab->slots[find_slot(tab, text, len, strtab_hash(text, len))];
}

uint32_t strtab_intern(struct strtab *tab, const char *text, size_t len)
{
	uint64_t hash = strtab_hash(text, len);
	size_t slot = find_slot(tab, text, len, hash);
	size_t old_cap = tab->cap;
	uint32_t id;

	if (tab->slots[slot])
		return tab->slots[slot];
	XGROW(tab->texts, tab->cap, tab->count + 1);
	if (tab->cap != old_cap)
		tab->lengths = xreallocarray(tab->lengths, tab->cap, sizeof(*tab->lengths));
	id = (uint32_t)tab->count++;
	tab->texts[id] = xstrndup(text, len);
	tab->lengths[id] = (uint32_t)len;
	tab->slots[slot] = id;
	tab->slot_hashes[slot] = hash;
	if (tab->count * 2 > tab->slot_mask + 1)
		rehash(tab);
	return id;
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
