/*
 * children.c - finding and opening a target's Python descendants (see
 * children.h).
 */
#include "children.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "../readers/procfs.h"

/* Tries to find Python in a child: at one scan each, about ten seconds. */
#define ATTEMPTS 50

void children_init(struct children *c, pid_t root, struct strtab *strings)
{
	memset(c, 0, sizeof(*c));
	c->root = root;
	c->strings = strings;
}

void children_release(struct children *c)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		if (c->items[i].proc)
			pyproc_free(c->items[i].proc);
	free(c->items);
	memset(c, 0, sizeof(*c));
}

void children_drop(struct children *c, size_t index)
{
	if (c->items[index].proc)
		pyproc_free(c->items[index].proc);
	c->items[index].proc = NULL;
	c->items[index].attempts_left = 0;
}

static struct child *find(struct children *c, pid_t pid)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		if (c->items[i].pid == pid)
			return &c->items[i];
	return NULL;
}

static void try_open(struct children *c, struct child *child)
{
	struct pyproc_details details;
	char command[1024];
	int err;

	if (child->proc || child->attempts_left <= 0)
		return;
	child->attempts_left--;
	memset(&details, 0, sizeof(details));
	err = pyproc_open(child->pid, c->strings, &child->proc, &details);
	if (err) {
		child->proc = NULL;
		/* Another version's layout will not appear later: stop. */
		if (err == PP_EVERSION || err == -EPERM)
			child->attempts_left = 0;
		return;
	}
	procfs_cmdline(child->pid, command, sizeof(command));
	child->name = strtab_intern_cstr(c->strings, command);
}

void children_scan(struct children *c, uint64_t now_ns)
{
	pid_t *pids;
	size_t n, i, kept = 0;

	if (now_ns < c->next_scan_ns)
		return;
	c->next_scan_ns = now_ns + CHILDREN_SCAN_NS;
	if (procfs_descendants(c->root, &pids, &n) != 0)
		return;
	for (i = 0; i < c->count; i++)
		c->items[i].seen = false;
	for (i = 0; i < n; i++) {
		struct child *child = find(c, pids[i]);

		if (!child) {
			XGROW(c->items, c->cap, c->count + 1);
			child = &c->items[c->count++];
			*child = (struct child){ .pid = pids[i], .attempts_left = ATTEMPTS };
		}
		child->seen = true;
		try_open(c, child);
	}
	free(pids);
	/* Forget the processes that are gone. */
	for (i = 0; i < c->count; i++) {
		if (!c->items[i].seen) {
			if (c->items[i].proc)
				pyproc_free(c->items[i].proc);
			continue;
		}
		c->items[kept++] = c->items[i];
	}
	c->count = kept;
}
