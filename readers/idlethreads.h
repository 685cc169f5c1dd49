/*
 * idlethreads.h - which threads are idle: not on a CPU, nor waiting for one.
 *
 * Asking the kernel costs a few microseconds a thread (it formats the
 * whole stat line), which hundreds of sleeping threads would pay every
 * sample.  So a thread found idle whose thread state has not changed since
 * is taken as still idle, and asked again only after a while.  Knows
 * nothing of Python beyond "the bytes of a thread state"; must not walk
 * frames.
 */
#ifndef PEEKPY_IDLETHREADS_H
#define PEEKPY_IDLETHREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procfs.h"

struct idle_note {
	uint32_t tid;
	bool idle;
	uint64_t tstate_hash;      /* of its thread state when asked */
	uint64_t asked_ns;
};

struct idle_threads {
	struct procfs_threads sched;
	struct idle_note *last, *next;   /* last sample's notes, this one's */
	size_t n_last, n_next, cap_last, cap_next;
	uint64_t swept_ns;               /* when closed files of threads gone */
};

void idle_threads_init(struct idle_threads *idle, pid_t pid);
void idle_threads_release(struct idle_threads *idle);

/* Start a sample of at most n threads. */
void idle_threads_begin(struct idle_threads *idle, size_t n);

/* Whether thread tid, whose thread state's bytes are tstate[0..len), is
 * idle as of now_ns. */
bool idle_threads_ask(struct idle_threads *idle, uint32_t tid, const uint8_t *tstate,
		      size_t len, uint64_t now_ns);

/* The system call thread tid is blocked in and its first argument
 * (procfs_threads_syscall()), through the thread's kept file. */
int idle_threads_syscall(struct idle_threads *idle, uint32_t tid, long *number,
			 uint64_t *first_arg);

/* End the sample: what was learnt is what the next one starts from. */
void idle_threads_end(struct idle_threads *idle, uint64_t now_ns);

#endif
