/*
 * children.h - the Python processes descending from a target
 * (--subprocesses).
 *
 * Now and then (every CHILDREN_SCAN_NS) the process tree under the target
 * is read again: a new descendant gets an interpreter reader once Python
 * runs in it (a child may exec Python late, so one that is not Python yet
 * is tried again for a while); one that is gone is dropped.  Processes that
 * never run Python and zombies are skipped without a word.
 */
#ifndef PEEKPY_CHILDREN_H
#define PEEKPY_CHILDREN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/strtab.h"
#include "../readers/pyproc.h"

#define CHILDREN_SCAN_NS 200000000ull

struct child {
	pid_t pid;
	struct pyproc *proc;     /* NULL until Python is found in it */
	uint32_t name;           /* its command line, a strtab id */
	int attempts_left;       /* to find Python in it */
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

/* Read the process tree again if it is time; open Python where found. */
void children_scan(struct children *c, uint64_t now_ns);

/* A child whose reader failed for good (it exited): forget its reader. */
void children_drop(struct children *c, size_t index);

#endif
