/*
 * children.h - the Python processes descending from a target
 * (--subprocesses).
 *
 * Now and then (every CHILDREN_SCAN_NS) the process tree under the target
 * is read again: each descendant is tracked (tracked.h), so that one that
 * runs Python now, starts it a moment later, or executes another program
 * is sampled while it runs Python; one that is gone is dropped.  Processes
 * that never run Python and zombies are skipped without a word.
 */
#ifndef PEEKPY_CHILDREN_H
#define PEEKPY_CHILDREN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/strtab.h"
#include "tracked.h"

#define CHILDREN_SCAN_NS 200000000ull
/* How long a new descendant (or one that executed a new program) may take
 * to start Python. */
#define CHILDREN_PATIENCE_NS 10000000000ull

struct child {
	struct tracked tracked;  /* tracked.proc: NULL until Python is found */
	uint32_t name;           /* its command line, a strtab id */
	bool seen;               /* in the last scan */
};

struct children {
	pid_t root;
	struct strtab *strings;
	struct child *items;
	size_t count, cap;
	uint64_t next_scan_ns;
};

void children_init(struct children *c, pid_t root, struct strtab *strings);
void children_release(struct children *c);

/* Read the process tree again if it is time; find Python where it came. */
void children_scan(struct children *c, uint64_t now_ns);

/* A child whose sample failed: look at it again now (it may have
 * executed another program, or be gone). */
void children_recheck(struct children *c, size_t index, uint64_t now_ns);

#endif
