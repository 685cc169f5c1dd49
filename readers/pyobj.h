/*
 * pyobj.h - Python values in a target: what an object is and its value
 * (a short text for it that is safe to print is pyrepr.h's).
 *
 * Thread names and `dump --locals` need more than code objects: integers,
 * floats, strings, bytes, tuples, lists, dicts (looked up by key or listed)
 * and the attributes of an instance, which live in a dict, in split values
 * behind the object (3.11, 3.12) or inline after it (3.13+).  Reads go
 * straight to the target, every one bounded and every address checked, so
 * that garbage gives PP_EBADDATA, never a crash or an endless loop.  These
 * are occasional reads (a dump, a thread first seen), not per-sample ones.
 * Must not print, or keep anything but the addresses of built-in types.
 */
#ifndef PEEKPY_PYOBJ_H
#define PEEKPY_PYOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "layout.h"

enum pyobj_kind {
	PYOBJ_OTHER = 0,    /* anything else, including instances of classes */
	PYOBJ_NONE,
	PYOBJ_BOOL,
	PYOBJ_INT,          /* int (3.x), long (2.7) */
	PYOBJ_INT27,        /* 2.7's machine-word int */
	PYOBJ_FLOAT,
	PYOBJ_STR,          /* str (3.x), unicode (2.7) */
	PYOBJ_BYTES,        /* bytes (3.x), str (2.7) */
	PYOBJ_TUPLE,
	PYOBJ_LIST,
	PYOBJ_DICT,
	PYOBJ_CELL,
	PYOBJ_MODULE,
};

#define PYOBJ_TYPE_CACHE 32

struct pyobj_reader {
	pid_t pid;
	const struct py_layout *layout;
	/* Built-in types met so far (they never move or die). */
	struct pyobj_type { uint64_t addr; enum pyobj_kind kind; } types[PYOBJ_TYPE_CACHE];
	size_t n_types;
};

void pyobj_init(struct pyobj_reader *r, pid_t pid, const struct py_layout *layout);

/* The kind of the object at addr, and its type's address. */
int pyobj_kind(struct pyobj_reader *r, uint64_t addr, enum pyobj_kind *kind, uint64_t *type);

/* The name of a type object (tp_name) as text, at most size - 1 bytes;
 * PYOBJ_TYPE_NAME_MAX bytes hold any name peekpy reads. */
#define PYOBJ_TYPE_NAME_MAX 64
int pyobj_type_name(struct pyobj_reader *r, uint64_t type, char *out, size_t size);

/* The value of an int (bool, 2.7 int or long); PP_EBADDATA when it does
 * not fit in 64 bits. */
int pyobj_int(struct pyobj_reader *r, uint64_t addr, int64_t *value);

/* Whether the str at addr is exactly text (UTF-8, length len). */
bool pyobj_str_equals(struct pyobj_reader *r, uint64_t addr, const char *text, size_t len);

/*
 * Call visit(ctx, key, value) for each item of the dict at addr, in its
 * order, at most max_items times; visit returns non-zero to stop there.
 * The dict's own bounds cap the walk whatever max_items says.
 */
typedef int (*pyobj_visit)(void *ctx, uint64_t key, uint64_t value);
int pyobj_dict_each(struct pyobj_reader *r, uint64_t dict, size_t max_items,
		    pyobj_visit visit, void *ctx);

/* The value under the str key in the dict at addr; PP_EBADDATA if absent. */
int pyobj_dict_get(struct pyobj_reader *r, uint64_t dict, const char *key, uint64_t *value);

/* The instance attribute name of the object at addr (its __dict__ only:
 * no class attributes, slots or properties). */
int pyobj_attr(struct pyobj_reader *r, uint64_t addr, const char *name, uint64_t *value);

/* len bytes at addr into buf, if addr is a plausible object address. */
int pyobj_read(struct pyobj_reader *r, uint64_t addr, void *buf, size_t len);

/* Up to max_chars characters (UTF-8 into out, *out_len bytes) of a str of
 * kind (3.x str, 2.7 str or unicode); *length is its length in characters. */
int pyobj_text_prefix(struct pyobj_reader *r, uint64_t addr, enum pyobj_kind kind,
		      size_t max_chars, char *out, size_t *out_len, uint64_t *length);

/* The text of a str (or 2.7 str) at addr, at most max_chars characters
 * (out holds 4 * max_chars + 1 bytes); "" and an error when it is not one. */
int pyobj_str_text(struct pyobj_reader *r, uint64_t addr, size_t max_chars, char *out);

#endif
