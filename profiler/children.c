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
		tracked_release(&c->items[i].tracked);
	free(c->items);
	memset(c, 0, sizeof(*c));
}

static struct child *find(struct children *c, pid_t pid)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		if (c->items[i].tracked.pid == pid)
			return &c->items[i];
	return NULL;
}

/* Look at a child again; its name is its command line once Python runs. */
static void poll_child(struct children *c, struct child *child, uint64_t now_ns, bool force)
{
	enum tracked_change change;
	char command[1024];

	if (tracked_poll(&child->tracked, c->strings, now_ns, force, &change) != 0) {
		child->seen = false;   /* gone: dropped at the end of the scan */
		return;
	}
	if (change == TRACKED_SAME || !child->tracked.proc)
		return;
	procfs_cmdline(child->tracked.pid, command, sizeof(command));
	child->name = strtab_intern_cstr(c->strings, command);
}

void children_recheck(struct children *c, size_t index, uint64_t now_ns)
{
	poll_child(c, &c->items[index], now_ns, true);
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
			memset(child, 0, sizeof(*child));
			tracked_init(&child->tracked, pids[i], now_ns, CHILDREN_PATIENCE_NS,
				     CHILDREN_PATIENCE_NS);
		}
		child->seen = true;
		poll_child(c, child, now_ns, false);
	}
	free(pids);
	/* Forget the processes that are gone. */
	for (i = 0; i < c->count; i++) {
		if (!c->items[i].seen) {
			tracked_release(&c->items[i].tracked);
			continue;
		}
		c->items[kept++] = c->items[i];
	}
	c->count = kept;
}
