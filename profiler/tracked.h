/*
 * tracked.h - a process that runs Python now, later, or no longer.
 *
 * A process may start Python a moment after it starts (a wrapper that
 * execs it; an interpreter whose library is not mapped or whose runtime is
 * not set up yet) and may execute another program at any time.  A tracked
 * process is looked at again by tracked_poll(): its interpreter is opened
 * when Python appears in it (tried with a growing pause while the process
 * may still start Python), and when it executes a new program (its image,
 * procfs_image(), changed) the old reader is dropped and the new program
 * given the same patience.  Used for the target of record and top, and for
 * each of its descendants.  Must not print.
 */
#ifndef PEEKPY_TRACKED_H
#define PEEKPY_TRACKED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/strtab.h"
#include "../readers/pyproc.h"

/* The longest pause between two tries to find Python. */
#define TRACKED_MAX_PAUSE_NS 200000000ull
/* How long a new program may take to map an interpreter (the loader maps
 * a linked libpython at once: this only allows for a loaded machine). */
#define TRACKED_YOUNG_NS 2000000000ull
/* How long an interpreter found may take to set up its runtime. */
#define TRACKED_STARTING_NS 5000000000ull

enum tracked_change {
	TRACKED_SAME,        /* nothing new */
	TRACKED_FOUND,       /* Python found: proc is open */
	TRACKED_EXECUTED,    /* it executed a new program: proc was dropped
			      * (and may have been opened again: see proc) */
};

struct tracked {
	pid_t pid;
	struct pyproc *proc;            /* NULL while Python is not (yet) found */
	struct pyproc_details details;  /* of the last try, for messages */
	int error;                      /* why proc is NULL (0 before a try) */
	uint64_t image;                 /* procfs_image() when last looked */
	uint64_t patience_ns;           /* how long a new program may take */
	uint64_t give_up_ns;            /* no more tries after this */
	uint64_t image_since_ns;        /* when the program was first seen */
	uint64_t next_try_ns, pause_ns;
	bool executed;                  /* a new program since tracking began */
	bool tried;                     /* tried to open this program's Python */
};

/*
 * Start tracking pid at now: tries to find Python until now + patience_ns
 * (UINT64_MAX: for as long as it runs), and for exec_patience_ns after each
 * new program it executes.
 */
void tracked_init(struct tracked *t, pid_t pid, uint64_t now, uint64_t patience_ns,
		  uint64_t exec_patience_ns);
void tracked_release(struct tracked *t);

/*
 * Look again: a new program, then Python if it is due for a try (with
 * force, now).  0, or -ESRCH when the process is gone; *change says what
 * happened.  A version peekpy cannot read, or a permission refused, ends
 * the tries until the next program; an interpreter not set up yet is given
 * TRACKED_STARTING_NS from when its program was first seen.
 */
int tracked_poll(struct tracked *t, struct strtab *strings, uint64_t now, bool force,
		 enum tracked_change *change);

/* Whether tries to find Python go on (it may still appear). */
bool tracked_hopeful(const struct tracked *t, uint64_t now);

#endif
