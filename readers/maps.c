/*
 * maps.c - parsing /proc/PID/maps (see maps.h).
 */
#include "maps.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "procfs.h"

static int parse_line(const char *line, struct map_entry *entry)
{
	char perms[5] = "";
	int path_at = 0;
	uint64_t start, end, offset, inode;
	unsigned dev_major, dev_minor;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &start, &end, perms, &offset, &dev_major, &dev_minor, &inode,
		   &path_at) < 7 || end < start)
		return PP_EFORMAT;
	entry->start = start;
	entry->end = end;
	entry->offset = offset;
	entry->inode = inode;
	entry->dev_major = dev_major;
	entry->dev_minor = dev_minor;
	entry->perms = (perms[0] == 'r' ? MAP_READ : 0) |
		       (perms[1] == 'w' ? MAP_WRITE : 0) |
		       (perms[2] == 'x' ? MAP_EXEC : 0) |
		       (perms[3] == 's' ? MAP_SHARED : 0);
	entry->path = xstrdup(path_at ? line + path_at : "");
	return 0;
}

int maps_parse(struct maps *maps, const char *text)
{
	memset(maps, 0, sizeof(*maps));
	while (*text) {
		const char *eol = strchr(text, '\n');
		size_t len = eol ? (size_t)(eol - text) : strlen(text);
		char *line = xstrndup(text, len);
		struct map_entry entry;
		int err = parse_line(line, &entry);

		free(line);
		if (err == 0) {
			XGROW(maps->entries, maps->cap, maps->count + 1);
			maps->entries[maps->count++] = entry;
		}
		text += len + (eol ? 1 : 0);
	}
	return 0;
}

int maps_load(struct maps *maps, pid_t pid)
{
	char path[64];
	char *text;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	err = procfs_slurp(path, &text, NULL);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	err = maps_parse(maps, text);
	free(text);
	return err;
}

void maps_release(struct maps *maps)
{
	size_t i;

	for (i = 0; i < maps->count; i++)
		free(maps->entries[i].path);
	free(maps->entries);
	memset(maps, 0, sizeof(*maps));
}

const struct map_entry *maps_find(const struct maps *maps, uint64_t addr)
{
	size_t lo = 0, hi = maps->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct map_entry *entry = &maps->entries[mid];

		if (addr < entry->start)
			hi = mid;
		else if (addr >= entry->end)
			lo = mid + 1;
		else
			return entry;
	}
	return NULL;
}

bool maps_readable(const struct maps *maps, uint64_t addr, size_t len)
{
	const struct map_entry *entry = maps_find(maps, addr);

	return entry && (entry->perms & MAP_READ) && addr + len >= addr &&
	       addr + len <= entry->end;
}

const char *maps_basename(const struct map_entry *entry)
{
	const char *slash = strrchr(entry->path, '/');

	return slash ? slash + 1 : entry->path;
}
