/*
 * outfile.c - whole-or-nothing output files (see outfile.h).
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Give a file created as root under sudo to the user who ran sudo. */
static void give_to_sudo_user(int fd)
{
	const char *uid = getenv("SUDO_UID"), *gid = getenv("SUDO_GID");

	if (geteuid() == 0 && uid && gid && *uid && *gid) {
		int unused = fchown(fd, (uid_t)strtoul(uid, NULL, 10), (gid_t)strtoul(gid, NULL, 10));

		(void)unused;
	}
}

static int write_in_place(const char *path, int (*write)(void *ctx, FILE *out), void *ctx)
{
	FILE *out = fopen(path, "w");
	int err;

	if (!out)
		return -errno;
	err = write(ctx, out);
	if (fclose(out) != 0 && !err)
		err = -errno;
	return err;
}

int outfile_write(const char *path, int (*write)(void *ctx, FILE *out), void *ctx)
{
	char temp[4096 + 16];
	struct stat st;
	mode_t mask;
	FILE *out;
	int fd, err;

	if (strcmp(path, "-") == 0)
		return write(ctx, stdout);
	/* A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in
	 * place: renaming over it would replace it with a file. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, write, ctx);
	if (snprintf(temp, sizeof(temp), "%s.XXXXXX", path) >= (int)sizeof(temp))
		return -ENAMETOOLONG;
	fd = mkstemp(temp);
	if (fd < 0)
		return -errno;
	/* mkstemp makes the file private; give it the usual mode. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	give_to_sudo_user(fd);
	out = fdopen(fd, "w");
	if (!out) {
		err = -errno;
		close(fd);
		unlink(temp);
		return err;
	}
	err = write(ctx, out);
	if (fclose(out) != 0 && !err)
		err = -errno;
	if (!err && rename(temp, path) != 0)
		err = -errno;
	if (err)
		unlink(temp);
	return err;
}

FILE *outfile_open_stream(const char *path, int *err)
{
	FILE *out;
	int fd;

	if (strcmp(path, "-") == 0)
		return stdout;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	give_to_sudo_user(fd);
	out = fdopen(fd, "w");
	if (!out) {
		*err = -errno;
		close(fd);
	}
	return out;
}
