/*
 * threadstop.h - stopping a process's threads for a moment, with ptrace.
 *
 * Native stacks need each thread's registers, and its registers and stack
 * must be copied while the thread does not run.  Per sample every thread
 * is seized (PTRACE_SEIZE, which does not stop it), interrupted, waited
 * for, and detached again: its Python frames are read while it is held,
 * so that both sides of a merged stack are one moment, and between samples
 * the target is not traced at all.
 *
 * A signal that arrives for a held thread is handed back to it at once,
 * so the target sees every signal it was sent.  The thread group leader's
 * exit is left for its parent to collect when that parent is us (peekpy
 * launched the command): the launching code reads its exit status.
 * Must not read memory or unwind: it only stops, reads registers and
 * resumes.
 */
#ifndef PEEKPY_THREADSTOP_H
#define PEEKPY_THREADSTOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procfs.h"

/* x86-64 registers in DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp,
 * r8 - r15, then the instruction pointer (the return address column). */
#define NATIVE_REGS 17
#define NATIVE_REG_SP 7
#define NATIVE_REG_IP 16

struct held_thread {
	pid_t tid;
	bool seized;
	bool held;           /* stopped by us, waiting for threadstop_resume() */
	bool seen;           /* still listed in /proc/PID/task at the last scan */
	char state;          /* its scheduler state just before it was stopped
			      * ('R', 'S', ...; 0 when unknown) */
};

struct threadstop {
	pid_t pid;
	bool own_child;      /* the leader's exit belongs to our waitpid() */
	struct held_thread *threads;
	size_t count, cap;
	uint64_t pause_started_ns;
	struct procfs_threads states;   /* to ask each thread's state */
};

void threadstop_init(struct threadstop *ts, pid_t pid, bool own_child);
/* Resume and detach every thread. */
void threadstop_release(struct threadstop *ts);

/*
 * Seize threads new since the last call and stop every thread, noting the
 * state each was in (a stopped thread is never 'R': whether it was running
 * must be asked before).  0 when the
 * threads that still exist are held; -ESRCH when the process is gone;
 * PP_ETRACED when another program traces it (a debugger); -EPERM when it
 * may not be traced.
 * Threads that could not be stopped are simply not held.
 */
int threadstop_hold(struct threadstop *ts);

/* The state of thread tid before this sample's stop; 0 when unknown. */
char threadstop_state_before(const struct threadstop *ts, pid_t tid);

/* The registers of a held thread (by its kernel id); -ESRCH if not held. */
int threadstop_regs(const struct threadstop *ts, pid_t tid, uint64_t regs[NATIVE_REGS]);

/* Let every held thread go on; returns how long they were held (ns). */
uint64_t threadstop_resume(struct threadstop *ts);

#endif
