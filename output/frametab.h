/*
 * frametab.h - the distinct frames an output shows, each with an id.
 *
 * Outputs merge stacks by frame identity, never by text: two frames are the
 * same when their kind, name, file and line are the same (with the line
 * chosen by the rendering options).  This table hands out a small id per
 * distinct frame and formats each one's text once, on demand.  Knows
 * nothing of processes.
 */
#ifndef PEEKPY_FRAMETAB_H
#define PEEKPY_FRAMETAB_H

#include <stddef.h>
#include <stdint.h>

#include "../base/index.h"
#include "../base/strtab.h"

enum frame_kind {
	FRAME_PYTHON = 0,   /* name (file:line) */
	FRAME_THREAD = 1,   /* thread TID "name": the root of a thread's stacks */
	FRAME_PROCESS = 2,  /* process PID "command line" */
	FRAME_TEXT = 3,     /* known by its text only (read from another tool) */
	FRAME_NATIVE = 4,   /* a C function: name (file:line) or name (library) */
};

#define FRAME_NO_LINE INT32_MIN

struct frame_key {
	uint32_t kind;      /* enum frame_kind */
	uint32_t name;      /* strtab id (python: function; thread/process: name) */
	uint32_t file;      /* strtab id (python only) */
	int32_t line;       /* python: line or FRAME_NO_LINE; thread/process: id */
	/* Not part of the identity: the file's full name, kept from the first
	 * frame interned, for telling the code's kind (yours, a library, the
	 * standard library).  0 when unknown. */
	uint32_t path;
};

struct frametab {
	const struct strtab *strings;
	struct frame_key *keys;
	char **texts;           /* formatted lazily */
	size_t count, cap;      /* ids are 0..count-1 */
	struct index by_key;    /* key -> id */
};

void frametab_init(struct frametab *tab, const struct strtab *strings);
void frametab_release(struct frametab *tab);

uint32_t frametab_intern(struct frametab *tab, const struct frame_key *key);
const struct frame_key *frametab_key(const struct frametab *tab, uint32_t id);

/* The frame's text for collapsed stacks: "name (file:line)", with ';' and
 * control characters replaced so the line stays parseable. */
const char *frametab_text(struct frametab *tab, uint32_t id);

/* Append text to out (size bytes available) with the characters that would
 * break a collapsed line replaced visibly; returns the bytes written. */
size_t frametab_sanitize(const char *text, size_t len, char *out, size_t size);

#endif
