/*
 * invoker.h - the user who ran peekpy through sudo, and acting as them.
 *
 * Under sudo peekpy runs as root, but what it reads, creates or replaces
 * by path must be what the invoking user could: a user allowed only
 * `sudo peekpy` must not get /etc/shadow through -o.  invoker_find() takes
 * the user from SUDO_UID and SUDO_GID (only when peekpy runs as root for
 * someone else); path operations go between invoker_enter() and
 * invoker_leave(), which give this (single-threaded) process that user's
 * file-system identity: fsuid, fsgid and supplementary groups, so that the
 * kernel checks every path as it would for them, and files are created
 * theirs.  A launched command runs as them too (target.c).
 *
 * Calling sequence: invoker_find(&who) once; then around each group of
 * path operations invoker_enter(&who) ... invoker_leave(&who).  Both do
 * nothing when peekpy was not run through sudo.  Must not print.
 */
#ifndef PEEKPY_INVOKER_H
#define PEEKPY_INVOKER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define INVOKER_MAX_GROUPS 256

struct invoker {
	bool active;                  /* root through sudo for another user */
	uid_t uid;
	gid_t gid;
	gid_t groups[INVOKER_MAX_GROUPS];
	int n_groups;
	/* While entered: root's own groups, to give back. */
	gid_t saved_groups[INVOKER_MAX_GROUPS];
	int n_saved;
	bool entered;
};

/* Fill who from SUDO_UID/SUDO_GID and the user's groups. */
void invoker_find(struct invoker *who);

/* Act as the invoker for path operations: 0, or -errno (and nothing
 * changed) when the identity could not be taken. */
int invoker_enter(struct invoker *who);
void invoker_leave(struct invoker *who);

/* fopen() as the invoker: NULL with errno set on failure. */
FILE *invoker_fopen(struct invoker *who, const char *path, const char *mode);

#endif
