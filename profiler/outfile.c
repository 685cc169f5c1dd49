/*
 * outfile.c - output files opened early, put in place whole (see
 * outfile.h).
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Links followed before giving up, as the kernel does. */
#define MAX_LINKS 40

/* Devices and the kernel's own files are never replaced, only written:
 * /dev/stdout and /proc/self/fd/N name whatever the shell opened. */
static bool kernel_path(const char *path)
{
	return strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
}

/* The directory part of path, with its slash ("" for a bare name). */
static size_t dir_length(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) + 1 : 0;
}

/*
 * Follow path's symlinks to the file they name (which need not exist):
 * out is that file's path; *in_place is set when a link leads into the
 * kernel's paths.
 */
static int follow_links(const char *path, char *out, size_t size, bool *in_place)
{
	char target[PATH_MAX], next[PATH_MAX];
	int hops;

	if (snprintf(out, size, "%s", path) >= (int)size)
		return -ENAMETOOLONG;
	for (hops = 0; hops < MAX_LINKS; hops++) {
		struct stat st;
		ssize_t n;

		if (kernel_path(out)) {
			*in_place = true;
			return 0;
		}
		if (lstat(out, &st) != 0)
			return errno == ENOENT ? 0 : -errno;
		if (!S_ISLNK(st.st_mode))
			return 0;
		n = readlink(out, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (target[0] == '/') {
			if (snprintf(next, sizeof(next), "%s", target) >= (int)sizeof(next))
				return -ENAMETOOLONG;
		} else if (snprintf(next, sizeof(next), "%.*s%s", (int)dir_length(out), out,
				    target) >= (int)sizeof(next)) {
			return -ENAMETOOLONG;
		}
		memcpy(out, next, strlen(next) + 1);
	}
	return -ELOOP;
}

/* An unnamed file in path's directory, or -errno (-EOPNOTSUPP and kin
 * where the file system has no such files). */
static int open_unnamed(const char *path)
{
	char dir[PATH_MAX];
	size_t len = dir_length(path);

	if (len == 0)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)len, path);
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);

	return fd >= 0 ? fd : -errno;
}

static bool unnamed_unsupported(int err)
{
	return err == -EOPNOTSUPP || err == -EISDIR || err == -EINVAL;
}

/* The mode a new file gets: what the umask leaves of rw-rw-rw-. */
static mode_t new_file_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

/*
 * Give the new file the old one's mode and owner; an owner that cannot be
 * kept (another user's file we may only write) is -EPERM.
 */
static int take_over(int fd, const struct stat *old)
{
	struct stat now;

	if (fchmod(fd, old ? old->st_mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID)
			   : new_file_mode()) != 0)
		return -errno;
	if (!old)
		return 0;
	if (fstat(fd, &now) != 0)
		return -errno;
	if ((now.st_uid != old->st_uid || now.st_gid != old->st_gid) &&
	    fchown(fd, old->st_uid, old->st_gid) != 0)
		return -EPERM;
	return 0;
}

static int open_in_place(struct outfile *out, const char *path, bool truncate)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | (truncate ? O_TRUNC : 0));

	if (fd < 0)
		return -errno;
	out->stream = fdopen(fd, "w");
	if (!out->stream) {
		int err = -errno;

		close(fd);
		return err;
	}
	out->how = OUTFILE_IN_PLACE;
	return 0;
}

static int open_replacement(struct outfile *out, bool streamed, const struct stat *old)
{
	int fd = -1, err;

	out->temp[0] = '\0';
	if (!streamed) {
		fd = open_unnamed(out->path);
		if (fd < 0 && !unnamed_unsupported(fd))
			return fd;
	}
	if (fd < 0) {
		snprintf(out->temp, sizeof(out->temp), "%s.XXXXXX", out->path);
		fd = mkostemp(out->temp, O_CLOEXEC);
		if (fd < 0) {
			out->temp[0] = '\0';
			return -errno;
		}
	}
	err = take_over(fd, old);
	if (!err) {
		out->stream = fdopen(fd, "w");
		if (!out->stream)
			err = -errno;
	}
	if (err) {
		close(fd);
		if (out->temp[0])
			unlink(out->temp);
		out->temp[0] = '\0';
		return err;
	}
	out->how = OUTFILE_REPLACE;
	return 0;
}

static int open_as_invoker(struct outfile *out, const char *path, bool streamed)
{
	struct stat st;
	bool in_place = false;
	int err = follow_links(path, out->path, sizeof(out->path), &in_place);

	if (err)
		return err;
	if (in_place)
		return open_in_place(out, path, false);
	if (stat(out->path, &st) != 0) {
		if (errno != ENOENT)
			return -errno;
		return open_replacement(out, streamed, NULL);
	}
	if (!S_ISREG(st.st_mode))
		return open_in_place(out, out->path, false);
	err = open_replacement(out, streamed, &st);
	if (err != -EPERM)
		return err;
	/* An owner we cannot give a new file: rewrite the old one. */
	out->truncate_at_commit = !streamed;
	return open_in_place(out, out->path, streamed);
}

int outfile_open(struct outfile *out, const char *path, bool streamed, struct invoker *as)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->as = as;
	if (strcmp(path, "-") == 0) {
		out->how = OUTFILE_STDOUT;
		out->stream = stdout;
		snprintf(out->path, sizeof(out->path), "-");
		return 0;
	}
	err = invoker_enter(as);
	if (err)
		return err;
	err = open_as_invoker(out, path, streamed);
	invoker_leave(as);
	return err;
}

FILE *outfile_stream(struct outfile *out)
{
	return out->stream;
}

/* A fresh name beside the path for an unnamed file to be linked at. */
static int link_unnamed(struct outfile *out)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char proc_path[64];
	int tries;

	snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fileno(out->stream));
	for (tries = 0; tries < 100; tries++) {
		uint8_t random[6];
		size_t i;

		if (getrandom(random, sizeof(random), 0) != (ssize_t)sizeof(random))
			return -EIO;
		snprintf(out->temp, sizeof(out->temp), "%s.XXXXXX", out->path);
		for (i = 0; i < sizeof(random); i++)
			out->temp[strlen(out->temp) - 6 + i] = letters[random[i] % (sizeof(letters) - 1)];
		if (linkat(AT_FDCWD, proc_path, AT_FDCWD, out->temp, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno != EEXIST) {
			int err = -errno;

			out->temp[0] = '\0';
			return err;
		}
	}
	out->temp[0] = '\0';
	return -EEXIST;
}

static int close_stream(struct outfile *out)
{
	int err = 0;

	if (!out->stream)
		return 0;
	if (out->how == OUTFILE_STDOUT) {
		err = fflush(stdout) != 0 ? -errno : 0;
	} else if (fclose(out->stream) != 0) {
		err = -errno;
	}
	out->stream = NULL;
	return err;
}

int outfile_commit(struct outfile *out)
{
	int err = 0;

	if (!out->stream)
		return 0;
	if (fflush(out->stream) != 0)
		err = -errno;
	if (!err && out->truncate_at_commit) {
		long end = ftell(out->stream);

		if (end < 0 || ftruncate(fileno(out->stream), end) != 0)
			err = -errno;
	}
	if (err || out->how != OUTFILE_REPLACE) {
		int closed = close_stream(out);

		if (err && out->how == OUTFILE_REPLACE)
			outfile_discard(out);
		return err ? err : closed;
	}
	err = invoker_enter(out->as);
	if (!err && !out->temp[0])
		err = link_unnamed(out);
	if (err) {
		invoker_leave(out->as);
		outfile_discard(out);
		return err;
	}
	err = close_stream(out);
	if (!err && rename(out->temp, out->path) != 0)
		err = -errno;
	if (err)
		unlink(out->temp);
	out->temp[0] = '\0';
	invoker_leave(out->as);
	return err;
}

/* Drop what the stream still holds: it could not be written. */
static void drop_buffered(struct outfile *out)
{
	if (out->stream && out->how != OUTFILE_STDOUT) {
		int fd = dup(fileno(out->stream));

		fclose(out->stream);   /* its flush fails again; nothing more */
		out->stream = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!out->stream && fd >= 0)
			close(fd);
	}
}

int outfile_keep(struct outfile *out)
{
	if (out->how == OUTFILE_STDOUT) {
		out->stream = NULL;   /* what went out, went out */
		return 0;
	}
	drop_buffered(out);
	out->truncate_at_commit = false;
	return outfile_commit(out);
}

void outfile_discard(struct outfile *out)
{
	close_stream(out);
	if (out->temp[0] && invoker_enter(out->as) == 0) {
		unlink(out->temp);
		invoker_leave(out->as);
	}
	out->temp[0] = '\0';
}

int outfile_finish_with(struct outfile *out, int (*write)(void *ctx, FILE *stream), void *ctx)
{
	int err = write(ctx, out->stream);

	if (err) {
		outfile_discard(out);
		return err;
	}
	return outfile_commit(out);
}

int outfile_write(const char *path, struct invoker *as, int (*write)(void *ctx, FILE *stream),
		  void *ctx)
{
	struct outfile out;
	int err = outfile_open(&out, path, false, as);

	return err ? err : outfile_finish_with(&out, write, ctx);
}
