/*
 * tracked.c - a process whose Python is found, re-found, or lost (see
 * tracked.h).
 */
#include "tracked.h"

#include <errno.h>
#include <string.h>

#include "../base/errors.h"
#include "../readers/procfs.h"

/* The first pause between tries, doubled up to TRACKED_MAX_PAUSE_NS. */
#define FIRST_PAUSE_NS 1000000ull

static uint64_t after(uint64_t now, uint64_t span)
{
	return span > UINT64_MAX - now ? UINT64_MAX : now + span;
}

static void hope_again(struct tracked *t, uint64_t now)
{
	t->give_up_ns = after(now, t->patience_ns);
	t->image_since_ns = now;
	t->next_try_ns = now;
	t->pause_ns = FIRST_PAUSE_NS;
	t->tried = false;
}

void tracked_init(struct tracked *t, pid_t pid, uint64_t now, uint64_t patience_ns,
		  uint64_t exec_patience_ns)
{
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->patience_ns = patience_ns;
	procfs_image(pid, &t->image);
	hope_again(t, now);
	t->patience_ns = exec_patience_ns;
}

void tracked_release(struct tracked *t)
{
	pyproc_free(t->proc);
	t->proc = NULL;
}

bool tracked_hopeful(const struct tracked *t, uint64_t now)
{
	return t->proc || !t->tried || now <= t->give_up_ns;
}

static void try_open(struct tracked *t, struct strtab *strings, uint64_t now, bool force,
		     enum tracked_change *change)
{
	int err;

	/* Each program gets one try at least, however old it is. */
	if (t->proc || (t->tried && now > t->give_up_ns) || (!force && now < t->next_try_ns))
		return;
	t->tried = true;
	err = pyproc_open(t->pid, strings, &t->proc, &t->details);
	t->error = err;
	if (!err) {
		if (*change == TRACKED_SAME)
			*change = TRACKED_FOUND;
		return;
	}
	t->proc = NULL;
	/* The same program will not become readable after a fatal error; one
	 * whose Python is there and finishing its start is worth the wait even
	 * when it is not young. */
	if (pp_error_class(err) == PP_FATAL)
		t->give_up_ns = 0;
	else if (err == PP_ENOTREADY && t->give_up_ns < t->image_since_ns + TRACKED_STARTING_NS)
		t->give_up_ns = t->image_since_ns + TRACKED_STARTING_NS;
	t->next_try_ns = after(now, t->pause_ns);
	if (t->pause_ns < TRACKED_MAX_PAUSE_NS)
		t->pause_ns *= 2;
}

int tracked_poll(struct tracked *t, struct strtab *strings, uint64_t now, bool force,
		 enum tracked_change *change)
{
	uint64_t image;
	int err = procfs_image(t->pid, &image);

	*change = TRACKED_SAME;
	if (pp_error_class(err) == PP_GONE) {
		tracked_release(t);
		return -ESRCH;
	}
	if (!err && image != t->image) {
		t->image = image;
		t->executed = true;
		if (t->proc) {
			tracked_release(t);
			*change = TRACKED_EXECUTED;
		}
		hope_again(t, now);
		force = true;
	}
	try_open(t, strings, now, force, change);
	return 0;
}
