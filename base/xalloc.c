/*
 * xalloc.c - allocation wrappers that abort on failure (see xalloc.h).
 */
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size)
{
	fprintf(stderr, "peekpy: out of memory allocating %zu bytes\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *ptr = malloc(size ? size : 1);

	if (!ptr)
		out_of_memory(size);
	return ptr;
}

void *xcalloc(size_t count, size_t size)
{
	void *ptr = calloc(count ? count : 1, size ? size : 1);

	if (!ptr)
		out_of_memory(count * size);
	return ptr;
}

void *xreallocarray(void *ptr, size_t count, size_t size)
{
	void *grown;

	if (size && count > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	grown = realloc(ptr, count && size ? count * size : 1);
	if (!grown)
		out_of_memory(count * size);
	return grown;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t len)
{
	char *copy = xmalloc(len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

void xgrow(void **items, size_t *cap, size_t need, size_t item_size)
{
	size_t new_cap;

	if (need <= *cap)
		return;
	new_cap = *cap ? *cap : 16;
	while (new_cap < need) {
		if (new_cap > SIZE_MAX / 2)
			out_of_memory(SIZE_MAX);
		new_cap *= 2;
	}
	*items = xreallocarray(*items, new_cap, item_size);
	*cap = new_cap;
}
