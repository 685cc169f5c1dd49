/*
 * strtab.h - interned strings with small integer ids.
 *
 * Readers intern every name and file name they decode; samples and outputs
 * then carry 32-bit ids and compare strings by comparing ids.  Id 0 is "no
 * string".  The table only grows: an id stays valid, and its text at the same
 * address, until strtab_release(), so outputs may keep pointers returned by
 * strtab_str().  Strings are byte strings (normally UTF-8) and may not
 * contain NUL.
 */
#ifndef PEEKPY_STRTAB_H
#define PEEKPY_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

struct strtab {
	/* Each string lives in its own block so that growth never moves it. */
	char **texts;
	uint32_t *lengths;
	size_t count, cap;     /* count includes the unused id 0 */
	struct index by_text;  /* text -> id */
};

void strtab_init(struct strtab *tab);
void strtab_release(struct strtab *tab);

/* The id of text[0..len), added if new.  Never returns 0. */
uint32_t strtab_intern(struct strtab *tab, const char *text, size_t len);
uint32_t strtab_intern_cstr(struct strtab *tab, const char *text);

/* The id of text[0..len) if present, else 0.  Does not add. */
uint32_t strtab_find(const struct strtab *tab, const char *text, size_t len);

/* The text of an id ("" for 0), NUL-terminated, and its length. */
const char *strtab_str(const struct strtab *tab, uint32_t id);
size_t strtab_len(const struct strtab *tab, uint32_t id);

/* Number of ids handed out so far, plus one (ids are 1..count-1). */
size_t strtab_count(const struct strtab *tab);

#endif
