/*
 * target.c - attaching to and launching targets (see target.h).
 */
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../readers/procfs.h"

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

int target_attach(struct target *target, pid_t pid)
{
	*target = (struct target)TARGET_INIT;
	target->pid = pid;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return -ESRCH;
	target->pidfd = open_pidfd(pid);
	if (target->pidfd < 0 && errno == ESRCH)
		return -ESRCH;
	return 0;
}

static void child_fail(int report_fd, int err)
{
	ssize_t unused = write(report_fd, &err, sizeof(err));

	(void)unused;
	_exit(127);
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void run_child(char *const argv[], const sigset_t *restore_mask,
		      const struct invoker *as, pid_t parent, int report_fd)
{
	struct sigaction dfl;
	int signo;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (signo = 1; signo < NSIG; signo++)
		sigaction(signo, &dfl, NULL);
	sigprocmask(SIG_SETMASK, restore_mask, NULL);
	if (as->active) {
		if (setgroups((size_t)as->n_groups, as->groups) != 0 || setgid(as->gid) != 0 ||
		    setuid(as->uid) != 0)
			child_fail(report_fd, errno);
	}
	/* A peekpy killed takes its program along.  Set after the change of
	 * user (which clears it); a parent already gone is seen through
	 * getppid(). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		child_fail(report_fd, ESRCH);
	execvp(argv[0], argv);
	child_fail(report_fd, errno);
}

int target_launch(struct target *target, char *const argv[], const sigset_t *restore_mask,
		  const struct invoker *as, char *why, size_t why_size)
{
	int report[2], child_err = 0;
	pid_t parent = getpid(), pid;
	ssize_t got;

	*target = (struct target)TARGET_INIT;
	if (pipe2(report, O_CLOEXEC) != 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(report[0]);
		close(report[1]);
		snprintf(why, why_size, "cannot start '%s'", argv[0]);
		return -err;
	}
	if (pid == 0) {
		close(report[0]);
		run_child(argv, restore_mask, as, parent, report[1]);
	}
	close(report[1]);
	/* The pipe closes on a successful exec; an errno arrives if it failed. */
	do {
		got = read(report[0], &child_err, sizeof(child_err));
	} while (got < 0 && errno == EINTR);
	close(report[0]);
	target->pid = pid;
	target->launched = true;
	if (got == (ssize_t)sizeof(child_err)) {
		waitpid(pid, &target->wait_status, 0);
		target->exited = true;
		snprintf(why, why_size, "cannot run '%s'", argv[0]);
		return -child_err;
	}
	target->pidfd = open_pidfd(pid);
	return 0;
}

bool target_exited(struct target *target)
{
	char state;

	if (target->exited)
		return true;
	if (target->launched) {
		siginfo_t info;

		/* Looked at before it is collected: with --native the child is
		 * traced too, and its ptrace stops are not its end. */
		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, (id_t)target->pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == ECHILD)
				target->exited = true;
			return target->exited;
		}
		if (info.si_pid == target->pid && (info.si_code == CLD_EXITED ||
						   info.si_code == CLD_KILLED ||
						   info.si_code == CLD_DUMPED)) {
			waitpid(target->pid, &target->wait_status, WNOHANG);
			target->exited = true;
		}
		return target->exited;
	}
	/* Not our child: gone, or a zombie waiting for its parent. */
	state = procfs_process_state(target->pid);
	if (state == 0 || state == 'Z' || state == 'X')
		target->exited = true;
	return target->exited;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void target_finish(struct target *target, int grace_ms)
{
	if (target->launched && !target_exited(target)) {
		int waited;

		/* SIGTERM, not SIGINT: Python ends without a KeyboardInterrupt
		 * traceback in the user's terminal. */
		target->stopped = true;
		kill(target->pid, SIGTERM);
		for (waited = 0; waited < grace_ms && !target_exited(target); waited += 10)
			sleep_ms(10);
		if (!target_exited(target)) {
			kill(target->pid, SIGKILL);
			waitpid(target->pid, &target->wait_status, 0);
			target->exited = true;
		}
	}
	if (target->pidfd >= 0)
		close(target->pidfd);
	target->pidfd = -1;
}

int target_exit_status(const struct target *target)
{
	if (!target->launched || !target->exited || target->stopped)
		return 0;
	if (WIFEXITED(target->wait_status))
		return WEXITSTATUS(target->wait_status);
	if (WIFSIGNALED(target->wait_status))
		return 128 + WTERMSIG(target->wait_status);
	return 0;
}
