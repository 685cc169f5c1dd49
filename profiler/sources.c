/*
 * sources.c - source files for the heatmap (see sources.h).
 */
#include "sources.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../readers/procfs.h"

static int read_small(const char *path, char **text, size_t *len)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((size_t)st.st_size > SOURCES_MAX_BYTES)
		return -EFBIG;
	return procfs_slurp(path, text, len);
}

int sources_read(void *ctx, const char *path, char **text, size_t *len)
{
	const struct source_root *root = ctx;
	char rooted[4096];

	/* "<frozen importlib._bootstrap>", "<string>": not files. */
	if (path[0] != '/')
		return read_small(path, text, len);
	if (root && root->pid > 0) {
		snprintf(rooted, sizeof(rooted), "/proc/%d/root%s", (int)root->pid, path);
		if (read_small(rooted, text, len) == 0)
			return 0;
	}
	return read_small(path, text, len);
}
