/*
 * invoker.c - acting as the user who ran sudo (see invoker.h).
 */
#include "invoker.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <unistd.h>

/* A SUDO_UID / SUDO_GID value: digits only, below (uid_t)-1. */
static bool parse_id(const char *text, unsigned long *id)
{
	char *end;

	if (!text || !*text || strspn(text, "0123456789") != strlen(text))
		return false;
	errno = 0;
	*id = strtoul(text, &end, 10);
	return !errno && *end == '\0' && *id < (unsigned long)(uid_t)-1;
}

void invoker_find(struct invoker *who)
{
	unsigned long uid, gid;
	struct passwd *pw;

	memset(who, 0, sizeof(*who));
	if (geteuid() != 0 || !parse_id(getenv("SUDO_UID"), &uid) ||
	    !parse_id(getenv("SUDO_GID"), &gid) || uid == 0)
		return;
	who->active = true;
	who->uid = (uid_t)uid;
	who->gid = (gid_t)gid;
	who->n_groups = INVOKER_MAX_GROUPS;
	pw = getpwuid(who->uid);
	if (!pw || getgrouplist(pw->pw_name, who->gid, who->groups, &who->n_groups) < 0) {
		/* An unknown user, or more groups than room: only the one
		 * sudo named (fewer rights, never more). */
		who->groups[0] = who->gid;
		who->n_groups = 1;
	}
}

int invoker_enter(struct invoker *who)
{
	int err;

	if (!who->active || who->entered)
		return 0;
	who->n_saved = getgroups(INVOKER_MAX_GROUPS, who->saved_groups);
	if (who->n_saved < 0)
		return -errno;
	if (setgroups((size_t)who->n_groups, who->groups) != 0)
		return -errno;
	/* setfsuid/setfsgid report no errors: ask back what they set. */
	setfsgid(who->gid);
	setfsuid(who->uid);
	if ((uid_t)setfsuid((uid_t)-1) != who->uid || (gid_t)setfsgid((gid_t)-1) != who->gid) {
		err = -EPERM;
		setfsuid(geteuid());
		setfsgid(getegid());
		setgroups((size_t)who->n_saved, who->saved_groups);
		return err;
	}
	who->entered = true;
	return 0;
}

void invoker_leave(struct invoker *who)
{
	if (!who->entered)
		return;
	setfsuid(geteuid());
	setfsgid(getegid());
	setgroups((size_t)who->n_saved, who->saved_groups);
	who->entered = false;
}

FILE *invoker_fopen(struct invoker *who, const char *path, const char *mode)
{
	FILE *file;
	int err = invoker_enter(who);

	if (err) {
		errno = -err;
		return NULL;
	}
	file = fopen(path, mode);
	err = errno;
	invoker_leave(who);
	errno = err;
	return file;
}
