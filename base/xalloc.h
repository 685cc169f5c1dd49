/*
 * xalloc.h - allocation that cannot fail.
 *
 * peekpy cannot do anything useful after running out of memory, so these
 * wrappers print one line and abort instead of returning NULL; callers never
 * test the result.  Must not be used for sizes read from a target process
 * without bounding them first: a corrupt length would abort peekpy.
 */
#ifndef PEEKPY_XALLOC_H
#define PEEKPY_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
/* Resize to count * size bytes, checking the multiplication for overflow. */
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

/*
 * Grow *items (of *cap elements of item_size bytes) so that it holds at least
 * need elements; capacity doubles so appends are amortised O(1).
 */
void xgrow(void **items, size_t *cap, size_t need, size_t item_size);

/* The check inline: appends in hot loops seldom need to grow. */
static inline void xgrow_inline(void **items, size_t *cap, size_t need, size_t item_size)
{
	if (need > *cap)
		xgrow(items, cap, need, item_size);
}

#define XGROW(items, cap, need) \
	xgrow_inline((void **)&(items), &(cap), (need), sizeof(*(items)))

#endif
