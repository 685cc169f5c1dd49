/*
 * pathname.h - short file names for display.
 *
 * A module's file is shown relative to the directory its top-level package
 * lives in: /srv/app/venv/lib/python3.12/site-packages/requests/api.py is
 * shown as requests/api.py, /usr/lib/python3.11/threading.py as
 * threading.py.  The package root is found by walking up while the parent
 * directory holds an __init__.py, looked up through /proc/PID/root so that
 * it also works for targets in a chroot or container.  Names that are not
 * paths ("<frozen ...>", "<string>") are kept.  Only stats files; must not
 * read the target's memory.
 */
#ifndef PEEKPY_PATHNAME_H
#define PEEKPY_PATHNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Is path/__init__.py a file in the target's view of the file system? */
typedef bool (*pathname_has_init_fn)(void *ctx, const char *dir);

/*
 * Write the shortened form of filename into out (at most size bytes).
 * has_init answers for directories as the target sees them.
 */
void pathname_shorten(const char *filename, char *out, size_t size,
		      pathname_has_init_fn has_init, void *ctx);

/* has_init for a live process: looks under /proc/PID/root (ctx: pid_t *),
 * relative names under /proc/PID/cwd. */
bool pathname_process_has_init(void *ctx, const char *dir);

#endif
