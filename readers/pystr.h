/*
 * pystr.h - the interpreter's strings, as UTF-8.
 *
 * CPython 3.3+ stores str as Latin-1, UCS-2 or UCS-4 code units (PEP 393),
 * in a compact object or behind a data pointer; 2.7 names are byte strings.
 * This turns either into valid UTF-8 (invalid bytes become U+FFFD) and
 * interns the result.  Must not decide what the string is used for.
 */
#ifndef PEEKPY_PYSTR_H
#define PEEKPY_PYSTR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/strtab.h"
#include "layout.h"

#define PYSTR_MAX_CHARS 4096

/*
 * Encode n code units of width kind (1, 2 or 4 bytes, little-endian) as
 * UTF-8 into out, which must hold 4 * n bytes.  Surrogates and values above
 * U+10FFFF become U+FFFD.  Returns the bytes written.
 */
size_t pystr_units_to_utf8(const void *units, size_t n, int kind, char *out);

/* Copy bytes as UTF-8, replacing each invalid byte with U+FFFD; out must
 * hold 3 * len bytes.  Returns the bytes written. */
size_t pystr_bytes_to_utf8(const void *bytes, size_t len, char *out);

/*
 * Read the string object at addr in pid and intern its UTF-8 text.
 * str_type, when non-zero, is the address the object's type must have.
 * PP_EBADDATA for anything that is not a plausible string.
 */
int pystr_read(pid_t pid, const struct py_layout *layout, uint64_t str_type,
	       uint64_t addr, struct strtab *tab, uint32_t *id);

/*
 * Read at most max_chars characters of the string at addr (any type check is
 * the caller's) as UTF-8 into out, which must hold 4 * max_chars bytes; a
 * cut falls between characters, never inside one.  *out_len gets the bytes
 * written, *length the string's whole length in characters (2.7: bytes).
 */
int pystr_read_prefix(pid_t pid, const struct py_layout *layout, uint64_t addr,
		      size_t max_chars, char *out, size_t *out_len, uint64_t *length);

#endif
