/*
 * pathname.c - package-relative file names (see pathname.h).
 */
#include "pathname.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool pathname_process_has_init(void *ctx, const char *dir)
{
	pid_t pid = *(const pid_t *)ctx;
	char path[4096 + 64];

	if (dir[0] == '/')
		snprintf(path, sizeof(path), "/proc/%d/root%s/__init__.py", (int)pid, dir);
	else
		snprintf(path, sizeof(path), "/proc/%d/cwd/%s/__init__.py", (int)pid, dir);
	if (is_regular(path))
		return true;
	/* Without access to /proc/PID/root (another user's container), the
	 * host's view is the best guess. */
	if (dir[0] == '/' && access(path, F_OK) != 0) {
		snprintf(path, sizeof(path), "%s/__init__.py", dir);
		return is_regular(path);
	}
	return false;
}

void pathname_shorten(const char *filename, char *out, size_t size,
		      pathname_has_init_fn has_init, void *ctx)
{
	char dir[4096];
	size_t keep_from;
	char *slash;

	snprintf(out, size, "%s", filename);
	if (filename[0] == '<' || strlen(filename) >= sizeof(dir))
		return;
	snprintf(dir, sizeof(dir), "%s", filename);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	/* dir is the module's directory; climb while it is a package. */
	*slash = '\0';
	keep_from = (size_t)(slash - dir) + 1;
	while (dir[0] && has_init(ctx, dir)) {
		slash = strrchr(dir, '/');
		if (!slash) {
			keep_from = 0;
			break;
		}
		*slash = '\0';
		keep_from = (size_t)(slash - dir) + 1;
	}
	snprintf(out, size, "%s", filename + keep_from);
}
