/*
 * procfs.c - /proc readers (see procfs.h).
 */
#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/xalloc.h"

int procfs_slurp(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0, cap = 0;
	char *buf = NULL;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;

		XGROW(buf, cap, used + 4096);
		got = read(fd, buf + used, cap - used - 1);
		if (got < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			free(buf);
			return -err;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	close(fd);
	buf[used] = '\0';
	*text = buf;
	if (len)
		*len = used;
	return 0;
}

bool procfs_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return access(path, F_OK) == 0;
}

int procfs_parse_syscall(const char *line, long *number, uint64_t *first_arg)
{
	char *end;

	/* "running", or -1 for a thread stopped outside any call. */
	*number = strtol(line, &end, 10);
	if (end == line || *number < 0)
		return -EAGAIN;
	*first_arg = strtoull(end, &end, 16);
	return 0;
}

char procfs_parse_stat_state(const char *stat_line, size_t len)
{
	/* The command name in parentheses may itself hold ')' and spaces, so
	 * the state is the first field after the last ')'. */
	const char *close = NULL;
	size_t i;

	for (i = 0; i < len; i++)
		if (stat_line[i] == ')')
			close = stat_line + i;
	if (!close || close + 2 >= stat_line + len || close[1] != ' ')
		return 0;
	return close[2];
}

char procfs_process_state(pid_t pid)
{
	char path[64], *text;
	size_t len;
	char state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (procfs_slurp(path, &text, &len))
		return 0;
	state = procfs_parse_stat_state(text, len);
	free(text);
	return state;
}

int procfs_process_age(pid_t pid, uint64_t *age_ns)
{
	char path[64], *text, *after;
	unsigned long long start_ticks = 0;
	struct timespec now;
	size_t len;
	long hz = sysconf(_SC_CLK_TCK);
	int field, err;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	err = procfs_slurp(path, &text, &len);
	if (err)
		return err;
	/* starttime is field 22; the fields after the command's ')' start at 3. */
	after = memrchr(text, ')', len);
	for (field = 2; after && field < 22; field++)
		after = strchr(after + 1, ' ');
	if (after)
		start_ticks = strtoull(after + 1, NULL, 10);
	free(text);
	if (!after || hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &now) != 0)
		return -EINVAL;
	*age_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	start_ticks = start_ticks * 1000000000ull / (unsigned long long)hz;
	*age_ns = *age_ns > start_ticks ? *age_ns - start_ticks : 0;
	return 0;
}

int procfs_image(pid_t pid, uint64_t *image)
{
	char path[64], *text;
	uint64_t hash = 0xcbf29ce484222325ULL;
	size_t len, i;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	err = procfs_slurp(path, &text, &len);
	if (err)
		return err == -ENOENT ? -ESRCH : err;   /* no /proc/PID: gone */
	if (len == 0) {
		free(text);
		return -ESRCH;   /* a zombie's is empty */
	}
	for (i = 0; i < len; i++)
		hash = (hash ^ (uint8_t)text[i]) * 0x100000001b3ULL;
	free(text);
	*image = hash;
	return 0;
}

void procfs_comm(pid_t pid, char *buf, size_t size)
{
	char path[64], *text;
	size_t len;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (procfs_slurp(path, &text, &len))
		return;
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	snprintf(buf, size, "%s", text);
	free(text);
}

void procfs_cmdline(pid_t pid, char *buf, size_t size)
{
	char path[64], *text;
	size_t len, i;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (procfs_slurp(path, &text, &len))
		return;
	while (len && text[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++)
		if (text[i] == '\0')
			text[i] = ' ';
	text[len] = '\0';
	snprintf(buf, size, "%s", text);
	free(text);
}

int procfs_exe(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t got;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	got = readlink(path, buf, size - 1);
	if (got < 0)
		return -errno;
	buf[got] = '\0';
	return 0;
}

int procfs_tasks(pid_t pid, uint32_t **tids, size_t *count)
{
	char path[64];
	DIR *dir;
	struct dirent *entry;
	size_t cap = 0;

	*tids = NULL;
	*count = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((entry = readdir(dir)) != NULL) {
		char *end;
		unsigned long tid = strtoul(entry->d_name, &end, 10);

		if (*end || entry->d_name[0] == '.')
			continue;
		XGROW(*tids, cap, *count + 1);
		(*tids)[(*count)++] = (uint32_t)tid;
	}
	closedir(dir);
	return 0;
}

void procfs_threads_init(struct procfs_threads *threads, pid_t pid)
{
	memset(threads, 0, sizeof(*threads));
	threads->pid = pid;
}

static void close_thread_files(const struct procfs_thread_fd *item)
{
	if (item->fd >= 0)
		close(item->fd);
	if (item->syscall_fd >= 0)
		close(item->syscall_fd);
}

void procfs_threads_release(struct procfs_threads *threads)
{
	size_t i;

	for (i = 0; i < threads->count; i++)
		close_thread_files(&threads->items[i]);
	free(threads->items);
	memset(threads, 0, sizeof(*threads));
}

/* syscall_fd before the file was first opened. */
#define SYSCALL_NOT_OPENED (-2)

static struct procfs_thread_fd *thread_fd(struct procfs_threads *threads, uint32_t tid)
{
	struct procfs_thread_fd *item;
	char path[96];
	size_t i;

	for (i = 0; i < threads->count; i++)
		if (threads->items[i].tid == tid)
			return &threads->items[i];
	XGROW(threads->items, threads->cap, threads->count + 1);
	item = &threads->items[threads->count++];
	item->tid = tid;
	snprintf(path, sizeof(path), "/proc/%d/task/%u/stat", (int)threads->pid, tid);
	item->fd = open(path, O_RDONLY | O_CLOEXEC);
	item->syscall_fd = SYSCALL_NOT_OPENED;
	item->syscall_errno = 0;
	return item;
}

char procfs_thread_state(struct procfs_threads *threads, uint32_t tid)
{
	struct procfs_thread_fd *item = thread_fd(threads, tid);
	char line[1024];
	ssize_t got;

	item->seen = true;
	if (item->fd < 0)
		return 0;
	/* A /proc stat file is regenerated on every read from offset 0. */
	got = pread(item->fd, line, sizeof(line), 0);
	if (got <= 0)
		return 0;
	return procfs_parse_stat_state(line, (size_t)got);
}

int procfs_threads_syscall(struct procfs_threads *threads, uint32_t tid, long *number,
			   uint64_t *first_arg)
{
	struct procfs_thread_fd *item = thread_fd(threads, tid);
	char path[96], line[256];
	ssize_t got;

	item->seen = true;
	/* Opened once: a file that could not be opened (no right to trace)
	 * is not tried again for this thread. */
	if (item->syscall_fd == SYSCALL_NOT_OPENED) {
		snprintf(path, sizeof(path), "/proc/%d/task/%u/syscall", (int)threads->pid, tid);
		item->syscall_fd = open(path, O_RDONLY | O_CLOEXEC);
		item->syscall_errno = item->syscall_fd < 0 ? errno : 0;
	}
	if (item->syscall_fd < 0)
		return -item->syscall_errno;
	/* Like stat, made anew at each read from offset 0. */
	got = pread(item->syscall_fd, line, sizeof(line) - 1, 0);
	if (got < 0)
		return -errno;
	line[got] = '\0';
	return procfs_parse_syscall(line, number, first_arg);
}

void procfs_threads_sweep(struct procfs_threads *threads)
{
	size_t i = 0;

	while (i < threads->count) {
		struct procfs_thread_fd *item = &threads->items[i];

		if (item->seen) {
			item->seen = false;
			i++;
			continue;
		}
		close_thread_files(item);
		*item = threads->items[--threads->count];
	}
}

/* A process's parent and state from its stat line; false if unreadable. */
static bool parent_of(pid_t pid, pid_t *parent, char *state)
{
	char path[64], line[1024];
	const char *comm_end;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	got = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (got <= 0)
		return false;
	line[got] = '\0';
	/* "pid (comm) S ppid ...": comm may hold anything, even ") ". */
	comm_end = strrchr(line, ')');
	if (!comm_end || sscanf(comm_end + 1, " %c %d", state, parent) != 2)
		return false;
	return true;
}

pid_t procfs_tracer(pid_t pid)
{
	char path[64], *text, *line;
	pid_t tracer = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (procfs_slurp(path, &text, NULL) != 0)
		return 0;
	line = strstr(text, "\nTracerPid:");
	if (line)
		tracer = (pid_t)atoi(line + strlen("\nTracerPid:"));
	free(text);
	return tracer;
}

pid_t procfs_parent(pid_t pid)
{
	pid_t parent;
	char state;

	return parent_of(pid, &parent, &state) ? parent : 0;
}

int procfs_descendants(pid_t root, pid_t **pids, size_t *count)
{
	struct family { pid_t pid, parent; } *all = NULL;
	size_t n_all = 0, cap_all = 0, cap = 0, i, at;
	struct dirent *entry;
	DIR *dir = opendir("/proc");

	*pids = NULL;
	*count = 0;
	if (!dir)
		return -errno;
	while ((entry = readdir(dir)) != NULL) {
		char *end, state;
		long pid = strtol(entry->d_name, &end, 10);
		pid_t parent;

		if (*end || pid <= 0 || !parent_of((pid_t)pid, &parent, &state) || state == 'Z')
			continue;
		XGROW(all, cap_all, n_all + 1);
		all[n_all++] = (struct family){ (pid_t)pid, parent };
	}
	closedir(dir);
	/* Breadth first from the root: each found process adds its children. */
	for (at = 0; at <= *count; at++) {
		pid_t parent = at == 0 ? root : (*pids)[at - 1];

		for (i = 0; i < n_all; i++) {
			if (all[i].parent != parent || all[i].pid == root)
				continue;
			XGROW(*pids, cap, *count + 1);
			(*pids)[(*count)++] = all[i].pid;
		}
	}
	free(all);
	return 0;
}

/* The last id on a thread's "NSpid:" line: its id in its own namespace. */
static uint32_t inner_id(pid_t pid, uint32_t tid)
{
	char path[96], *text = NULL, *line;
	size_t len;
	uint32_t inner = tid;

	snprintf(path, sizeof(path), "/proc/%d/task/%u/status", (int)pid, tid);
	if (procfs_slurp(path, &text, &len) != 0)
		return tid;
	line = strstr(text, "\nNSpid:");
	if (line) {
		char *at = line + strlen("\nNSpid:"), *end;

		for (;;) {
			unsigned long id = strtoul(at, &end, 10);

			if (end == at)
				break;
			inner = (uint32_t)id;
			at = end;
		}
	}
	free(text);
	return inner;
}

int procfs_task_ids(pid_t pid, uint32_t **host, uint32_t **inner, size_t *count)
{
	size_t i;
	int err = procfs_tasks(pid, host, count);

	*inner = NULL;
	if (err)
		return err;
	*inner = xcalloc(*count ? *count : 1, sizeof(**inner));
	for (i = 0; i < *count; i++)
		(*inner)[i] = inner_id(pid, (*host)[i]);
	return 0;
}
