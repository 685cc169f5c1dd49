/*
 * procfs.h - small readers of /proc/PID files.
 *
 * Everything here reads text the kernel generates about a process: its
 * command line, executable, threads and their scheduler state.  Must not
 * read the process's memory (that is mem.h's job).
 */
#ifndef PEEKPY_PROCFS_H
#define PEEKPY_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read a whole file into a NUL-terminated malloc'd buffer; 0 or -errno. */
int procfs_slurp(const char *path, char **text, size_t *len);

/* True when /proc/PID exists (the process may be a zombie). */
bool procfs_exists(pid_t pid);

/* The process's state letter from /proc/PID/stat ('R', 'S', 'Z', ...), or
 * 0 when it cannot be read. */
char procfs_process_state(pid_t pid);

/* How long ago the process started: 0 or -errno. */
int procfs_process_age(pid_t pid, uint64_t *age_ns);

/*
 * A number that changes whenever the process executes a program, the same
 * one included (a hash of its auxiliary vector: entry point, random bytes):
 * 0 or -errno (-ESRCH for a process gone or a zombie).
 */
int procfs_image(pid_t pid, uint64_t *image);

/* Short command name (comm) into buf; "" when unknown. */
void procfs_comm(pid_t pid, char *buf, size_t size);

/* Command line with arguments joined by spaces into buf; "" when unknown. */
void procfs_cmdline(pid_t pid, char *buf, size_t size);

/* readlink /proc/PID/exe into buf; 0 or -errno. */
int procfs_exe(pid_t pid, char *buf, size_t size);

/* The kernel thread ids of a process (from /proc/PID/task), malloc'd. */
int procfs_tasks(pid_t pid, uint32_t **tids, size_t *count);

/*
 * Thread scheduler states and system calls, with open files per thread so
 * that asking again costs a single pread.  Threads that disappear are
 * closed on procfs_threads_sweep().
 */
struct procfs_threads {
	pid_t pid;
	struct procfs_thread_fd {
		uint32_t tid;
		int fd;              /* its stat file */
		int syscall_fd;      /* its syscall file, opened when first asked */
		int syscall_errno;   /* why that open failed */
		bool seen;
	} *items;
	size_t count, cap;
};

void procfs_threads_init(struct procfs_threads *threads, pid_t pid);
void procfs_threads_release(struct procfs_threads *threads);
/* 'R', 'S', 'D', ... for the thread, or 0 when it cannot be read. */
char procfs_thread_state(struct procfs_threads *threads, uint32_t tid);
/*
 * The system call thread tid is blocked in, and its first argument, from
 * /proc/PID/task/TID/syscall.  0; -EAGAIN when the thread is running (or
 * not in a call); -errno when the file cannot be read (-EACCES without the
 * right to trace the process).
 */
int procfs_threads_syscall(struct procfs_threads *threads, uint32_t tid, long *number,
			   uint64_t *first_arg);
/* Close the files of threads not asked about since the last sweep. */
void procfs_threads_sweep(struct procfs_threads *threads);

/* The process tracing pid (TracerPid), 0 when none or unknown. */
pid_t procfs_tracer(pid_t pid);

/* The process's parent (0 when it cannot be read). */
pid_t procfs_parent(pid_t pid);

/*
 * The processes descending from root (children, their children, ...), as
 * they are now, found by their parents in /proc/PID/stat; zombies are left
 * out.  *pids is allocated (free it); 0 or -errno.
 */
int procfs_descendants(pid_t root, pid_t **pids, size_t *count);

/*
 * The process's threads as the host sees them (host) and as the process
 * itself does (inner: its own PID namespace's ids, from NSpid; the same
 * when it shares ours).  Both arrays allocated; 0 or -errno.
 */
int procfs_task_ids(pid_t pid, uint32_t **host, uint32_t **inner, size_t *count);


/* Parse a syscall line ("202 0x7f... 0x80 ..." or "running"): 0 or -EAGAIN. */
int procfs_parse_syscall(const char *line, long *number, uint64_t *first_arg);

/* Parse the state letter out of a stat line (after the last ')'). */
char procfs_parse_stat_state(const char *stat_line, size_t len);

#endif
