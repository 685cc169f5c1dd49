/*
 * threadstop.c - seize, interrupt, wait for and resume a process's threads
 * (threadstop.h).  Nothing here reads the target's memory.
 */
#include "threadstop.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/errors.h"
#include "../base/monotonic.h"
#include "../base/xalloc.h"
#include "procfs.h"

/* How long a thread may take to stop before this sample goes on without
 * it (a thread on a busy machine waits for a CPU to take the trap). */
#define STOP_PATIENCE_NS 20000000ull

void threadstop_init(struct threadstop *ts, pid_t pid, bool own_child)
{
	memset(ts, 0, sizeof(*ts));
	ts->pid = pid;
	ts->own_child = own_child;
	procfs_threads_init(&ts->states, pid);
}

static struct held_thread *find_thread(const struct threadstop *ts, pid_t tid)
{
	for (size_t i = 0; i < ts->count; i++)
		if (ts->threads[i].tid == tid)
			return &ts->threads[i];
	return NULL;
}

/* Forget threads /proc no longer lists (collecting their exit, which a
 * tracer is told of), then seize the new ones. */
static int scan_threads(struct threadstop *ts)
{
	uint32_t *tids;
	size_t n, i, kept = 0, seized = 0;
	int err = procfs_tasks(ts->pid, &tids, &n), refused = 0;

	if (err)
		return err;
	for (i = 0; i < ts->count; i++)
		ts->threads[i].seen = false;
	for (i = 0; i < n; i++) {
		struct held_thread *t = find_thread(ts, (pid_t)tids[i]);

		if (!t) {
			XGROW(ts->threads, ts->cap, ts->count + 1);
			t = &ts->threads[ts->count++];
			*t = (struct held_thread){ .tid = (pid_t)tids[i] };
		}
		t->seen = true;
		if (!t->seized) {
			if (ptrace(PTRACE_SEIZE, t->tid, NULL, NULL) == 0)
				t->seized = true;
			else if (errno == EPERM)
				refused++;
		}
		seized += t->seized;
	}
	free(tids);
	for (i = 0; i < ts->count; i++) {
		struct held_thread *t = &ts->threads[i];
		int status;

		if (t->seen) {
			ts->threads[kept++] = *t;
			continue;
		}
		if (t->seized && !(t->tid == ts->pid && ts->own_child))
			waitpid(t->tid, &status, __WALL | WNOHANG);
	}
	ts->count = kept;
	if (!seized && refused) {
		pid_t tracer = procfs_tracer(ts->pid);

		return tracer && tracer != getpid() ? PP_ETRACED : -EPERM;
	}
	return seized ? 0 : -ESRCH;
}

static bool is_exit(const siginfo_t *info)
{
	return info->si_code == CLD_EXITED || info->si_code == CLD_KILLED ||
	       info->si_code == CLD_DUMPED;
}

/*
 * Take the stops of one interrupted thread until ours arrives: a signal
 * meant for it is handed on at once, a job-control stop is left in place
 * (PTRACE_LISTEN: the process stays stopped, as its user asked).
 * 0 when held; -ESRCH when it exited; -EAGAIN when it is not to be held.
 *
 * A running or sleeping thread stops at once, so the wait blocks: polling
 * costs the target more, as the sampler takes the CPU it would stop on.
 * A thread in uninterruptible sleep ('D': disk, NFS) stops only when that
 * ends, so it is polled until the deadline instead.
 */
static int wait_for_stop(struct threadstop *ts, struct held_thread *t, uint64_t deadline)
{
	int no_hang = t->state == 'D' ? WNOHANG : 0;

	for (;;) {
		siginfo_t info;
		int status, event, sig;

		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, (id_t)t->tid, &info,
			   WSTOPPED | WEXITED | __WALL | WNOWAIT | no_hang) < 0) {
			if (errno == EINTR)
				continue;
			t->seized = false;
			return -ESRCH;
		}
		if (info.si_pid == 0) {
			if (monotonic_ns() > deadline)
				return -EAGAIN;
			sched_yield();
			continue;
		}
		if (is_exit(&info)) {
			/* Our child's exit status is the launcher's to read. */
			if (!(t->tid == ts->pid && ts->own_child))
				waitpid(t->tid, &status, __WALL | WNOHANG);
			t->seized = false;
			return -ESRCH;
		}
		if (waitpid(t->tid, &status, __WALL | WNOHANG) != t->tid || !WIFSTOPPED(status))
			continue;
		event = status >> 16;
		sig = WSTOPSIG(status);
		if (event == PTRACE_EVENT_STOP) {
			if (sig == SIGTRAP)
				return 0;
			ptrace(PTRACE_LISTEN, t->tid, NULL, NULL);
			return -EAGAIN;
		}
		/* A signal-delivery stop: the signal goes on to the thread; our
		 * interrupt stops it right after. */
		ptrace(PTRACE_CONT, t->tid, NULL, (void *)(long)(event ? 0 : sig));
	}
}

int threadstop_hold(struct threadstop *ts)
{
	uint64_t deadline;
	size_t i, held = 0;
	int err = scan_threads(ts);

	if (err)
		return err;
	for (i = 0; i < ts->count; i++)
		ts->threads[i].state = procfs_thread_state(&ts->states, (uint32_t)ts->threads[i].tid);
	procfs_threads_sweep(&ts->states);
	ts->pause_started_ns = monotonic_ns();
	for (i = 0; i < ts->count; i++)
		if (ts->threads[i].seized)
			ptrace(PTRACE_INTERRUPT, ts->threads[i].tid, NULL, NULL);
	deadline = monotonic_ns() + STOP_PATIENCE_NS;
	for (i = 0; i < ts->count; i++) {
		struct held_thread *t = &ts->threads[i];

		if (!t->seized)
			continue;
		t->held = wait_for_stop(ts, t, deadline) == 0;
		held += t->held;
	}
	return held || ts->count ? 0 : -ESRCH;
}

char threadstop_state_before(const struct threadstop *ts, pid_t tid)
{
	const struct held_thread *t = find_thread(ts, tid);

	return t ? t->state : 0;
}

int threadstop_regs(const struct threadstop *ts, pid_t tid, uint64_t regs[NATIVE_REGS])
{
	const struct held_thread *t = find_thread(ts, tid);
	struct user_regs_struct user;

	if (!t || !t->held || ptrace(PTRACE_GETREGS, tid, NULL, &user) != 0)
		return -ESRCH;
	regs[0] = user.rax;
	regs[1] = user.rdx;
	regs[2] = user.rcx;
	regs[3] = user.rbx;
	regs[4] = user.rsi;
	regs[5] = user.rdi;
	regs[6] = user.rbp;
	regs[7] = user.rsp;
	regs[8] = user.r8;
	regs[9] = user.r9;
	regs[10] = user.r10;
	regs[11] = user.r11;
	regs[12] = user.r12;
	regs[13] = user.r13;
	regs[14] = user.r14;
	regs[15] = user.r15;
	regs[16] = user.rip;
	return 0;
}

uint64_t threadstop_resume(struct threadstop *ts)
{
	/* Until the first thread is let go: waking a thread can hand it this
	 * CPU, and the time the sampler then waits is not the target's. */
	uint64_t held_ns = monotonic_ns() - ts->pause_started_ns;

	for (size_t i = 0; i < ts->count; i++) {
		struct held_thread *t = &ts->threads[i];

		/* Detached, not continued: between samples the target is not
		 * traced, so a signal sent to it then is not held up until
		 * the next sample (a tracee stops at every signal). */
		if (t->held && ptrace(PTRACE_DETACH, t->tid, NULL, NULL) == 0)
			t->seized = false;
		t->held = false;
	}
	return held_ns;
}

void threadstop_release(struct threadstop *ts)
{
	for (size_t i = 0; i < ts->count; i++) {
		struct held_thread *t = &ts->threads[i];

		/* A running tracee must be stopped to be detached. */
		if (t->seized && !t->held) {
			ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL);
			t->held = wait_for_stop(ts, t, monotonic_ns() + STOP_PATIENCE_NS) == 0;
		}
		if (t->seized)
			ptrace(PTRACE_DETACH, t->tid, NULL, NULL);
	}
	free(ts->threads);
	procfs_threads_release(&ts->states);
	memset(ts, 0, sizeof(*ts));
}
