/*
 * escape.h - writing arbitrary bytes as valid XML text or JSON strings.
 *
 * Names read from a target can hold any bytes.  Whatever they hold, what
 * these write is valid UTF-8 (a byte that does not start a valid sequence
 * becomes U+FFFD) with nothing a parser would trip on: XML gets its five
 * entities and no control characters; JSON gets its escapes, and '<', '>'
 * and '&' escaped too so that a string can sit inside an SVG's CDATA
 * script.  Knows nothing of processes.
 */
#ifndef PEEKPY_ESCAPE_H
#define PEEKPY_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

void escape_xml(FILE *out, const char *text, size_t len);

/* A JSON string, quotes included. */
void escape_json(FILE *out, const char *text, size_t len);

/*
 * The length of the valid UTF-8 sequence at text (len bytes left), or 0
 * when the byte there does not start one.  *code receives the code point.
 */
size_t escape_utf8_at(const char *text, size_t len, unsigned *code);

#endif
