/*
 * idlethreads.c - which threads are idle (see idlethreads.h).
 */
#include "idlethreads.h"

#include <stdlib.h>
#include <string.h>

#include "../base/index.h"
#include "../base/xalloc.h"

/* A thread taken as idle is asked again after this long anyway. */
#define IDLE_RECHECK_NS 50000000u
/* The files of threads gone are closed this often. */
#define SWEEP_NS 1000000000u

void idle_threads_init(struct idle_threads *idle, pid_t pid)
{
	memset(idle, 0, sizeof(*idle));
	procfs_threads_init(&idle->sched, pid);
}

void idle_threads_release(struct idle_threads *idle)
{
	procfs_threads_release(&idle->sched);
	free(idle->last);
	free(idle->next);
	memset(idle, 0, sizeof(*idle));
}

/* The note of tid from the last sample; threads mostly keep their place. */
static const struct idle_note *last_note(const struct idle_threads *idle, uint32_t tid)
{
	size_t hint = idle->n_next, i;

	if (hint < idle->n_last && idle->last[hint].tid == tid)
		return &idle->last[hint];
	for (i = 0; i < idle->n_last; i++)
		if (idle->last[i].tid == tid)
			return &idle->last[i];
	return NULL;
}

void idle_threads_begin(struct idle_threads *idle, size_t n)
{
	XGROW(idle->next, idle->cap_next, n + 1);
	idle->n_next = 0;
}

bool idle_threads_ask(struct idle_threads *idle, uint32_t tid, const uint8_t *tstate,
		      size_t len, uint64_t now)
{
	uint64_t hash = index_hash(tstate, len);
	const struct idle_note *note = last_note(idle, tid);
	char state;

	if (note && note->idle && note->tstate_hash == hash && now - note->asked_ns < IDLE_RECHECK_NS) {
		idle->next[idle->n_next++] = *note;
		return true;
	}
	state = procfs_thread_state(&idle->sched, tid);
	/* Only a thread on a CPU (or waiting for one) is busy. */
	idle->next[idle->n_next++] = (struct idle_note){
		.tid = tid, .idle = state != 'R', .tstate_hash = hash, .asked_ns = now,
	};
	return state != 'R';
}

int idle_threads_syscall(struct idle_threads *idle, uint32_t tid, long *number,
			 uint64_t *first_arg)
{
	return procfs_threads_syscall(&idle->sched, tid, number, first_arg);
}

void idle_threads_end(struct idle_threads *idle, uint64_t now)
{
	struct idle_note *notes = idle->last;
	size_t cap = idle->cap_last;

	idle->last = idle->next;
	idle->cap_last = idle->cap_next;
	idle->n_last = idle->n_next;
	idle->next = notes;
	idle->cap_next = cap;
	idle->n_next = 0;
	/* Threads asked about are seen; the files of threads gone go once a
	 * second (every idle thread is asked again within that time). */
	if (now - idle->swept_ns >= SWEEP_NS) {
		procfs_threads_sweep(&idle->sched);
		idle->swept_ns = now;
	}
}
