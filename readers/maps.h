/*
 * maps.h - a process's memory map, from /proc/PID/maps.
 *
 * Loaded once at attach (and again when reads start failing); lookups are a
 * binary search.  Must not read the target's memory or open mapped files.
 */
#ifndef PEEKPY_MAPS_H
#define PEEKPY_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum map_perms {
	MAP_READ = 1 << 0,
	MAP_WRITE = 1 << 1,
	MAP_EXEC = 1 << 2,
	MAP_SHARED = 1 << 3,
};

struct map_entry {
	uint64_t start, end;   /* [start, end) */
	uint64_t offset;       /* file offset of start */
	uint64_t inode;
	unsigned dev_major, dev_minor;
	unsigned perms;        /* enum map_perms */
	char *path;            /* "" for anonymous; "[heap]", "[stack]", ... */
};

struct maps {
	struct map_entry *entries;   /* sorted by start */
	size_t count, cap;
};

/* Read /proc/PID/maps.  -ESRCH when the process does not exist. */
int maps_load(struct maps *maps, pid_t pid);
/* Parse the text of a maps file (for tests and for maps_load). */
int maps_parse(struct maps *maps, const char *text);
void maps_release(struct maps *maps);

/* The entry containing addr, or NULL. */
const struct map_entry *maps_find(const struct maps *maps, uint64_t addr);

/* True when [addr, addr+len) lies inside one readable mapping. */
bool maps_readable(const struct maps *maps, uint64_t addr, size_t len);

/* Base name of an entry's path ("libpython3.12.so.1.0"). */
const char *maps_basename(const struct map_entry *entry);

#endif
