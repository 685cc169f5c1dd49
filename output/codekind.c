/*
 * codekind.c - telling a frame's kind of code from its file name
 * (see codekind.h).
 */
#include "codekind.h"

#include <string.h>

static const char *const kind_names[CODE_KINDS] = {
	[CODE_YOURS] = "your code",
	[CODE_LIBRARY] = "libraries",
	[CODE_STDLIB] = "standard library",
	[CODE_NATIVE] = "native",
	[CODE_IDLE] = "idle",
	[CODE_ROOT] = "threads, processes",
};

const char *codekind_name(enum code_kind kind)
{
	return kind >= 0 && kind < CODE_KINDS ? kind_names[kind] : "?";
}

static const char *find(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (n > len)
		return NULL;
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(s + i, word, n) == 0)
			return s + i;
	return NULL;
}

static int ends_with(const char *s, size_t len, const char *tail)
{
	size_t n = strlen(tail);

	return len >= n && memcmp(s + len - n, tail, n) == 0;
}

/* ".../lib/python3.12/..." (or python2.7, python3.13t): the standard
 * library's home, where site-packages is not. */
static int in_python_lib(const char *path, size_t len)
{
	const char *at = find(path, len, "lib/python");

	if (!at)
		return 0;
	at += strlen("lib/python");
	return at < path + len && (*at == '2' || *at == '3');
}

enum code_kind codekind_of(const char *path, size_t len)
{
	if (find(path, len, "site-packages/") || find(path, len, "dist-packages/") ||
	    find(path, len, ".egg/"))
		return CODE_LIBRARY;
	if ((len > 7 && memcmp(path, "<frozen", 7) == 0) || in_python_lib(path, len))
		return CODE_STDLIB;
	if (ends_with(path, len, ".so") || find(path, len, ".so.") || ends_with(path, len, ".c") ||
	    ends_with(path, len, ".cc") || ends_with(path, len, ".cpp") || ends_with(path, len, ".h"))
		return CODE_NATIVE;
	return CODE_YOURS;
}

/* Where the module's dotted path starts: after a library or standard
 * library root when the name has one, else its last two components. */
static size_t module_start(const char *path, size_t len, size_t end)
{
	static const char *const roots[] = { "site-packages/", "dist-packages/" };
	const char *at;
	size_t start, slashes = 0;

	for (size_t r = 0; r < sizeof(roots) / sizeof(roots[0]); r++)
		if ((at = find(path, len, roots[r])))
			return (size_t)(at - path) + strlen(roots[r]);
	if (in_python_lib(path, len)) {
		at = find(path, len, "lib/python") + strlen("lib/python");
		while (at < path + len && *at != '/')
			at++;
		return at < path + len ? (size_t)(at - path) + 1 : 0;
	}
	for (start = end; start > 0; start--)
		if (path[start - 1] == '/' && ++slashes == 2)
			break;
	return start;
}

uint32_t codekind_module_hash(const char *path, size_t len)
{
	size_t end = len;
	uint32_t hash = 2166136261u;

	/* Drop the extension of the last component. */
	for (size_t i = len; i-- > 0 && path[i] != '/';) {
		if (path[i] == '.') {
			end = i;
			break;
		}
	}
	for (size_t i = module_start(path, len, end); i < end; i++) {
		hash ^= (unsigned char)path[i];
		hash *= 16777619u;
	}
	return hash;
}
