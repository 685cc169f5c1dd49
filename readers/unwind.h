/*
 * unwind.h - a thread's native call chain, from a copy of its registers
 * and of the top of its stack.
 *
 * The copy is taken while the thread is held (threadstop.h) and unwound
 * after it runs again, with libdw's unwinder (CFI from .eh_frame or
 * .debug_frame, frame pointers where a function has none) reading only the
 * copy: the live target is never read during an unwind.  The process's
 * modules (its ELF files, as /proc/PID/maps lists them) are reported to one
 * Dwfl per process, kept between samples so that each file is parsed once,
 * and reported again when an address falls in no known module (a library
 * loaded since).  Must not name frames (nativesyms.h) or print.
 */
#ifndef PEEKPY_UNWIND_H
#define PEEKPY_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "threadstop.h"

/* How much of a thread's stack is copied, from its stack pointer up. */
#define STACK_COPY_MAX (256 * 1024)
/* The deepest native chain kept. */
#define UNWIND_MAX_FRAMES 1024

struct stack_copy {
	pid_t tid;
	bool taken;                    /* registers and stack were copied */
	uint64_t regs[NATIVE_REGS];
	uint64_t base;                 /* the stack pointer: address of bytes[0] */
	uint8_t *bytes;
	size_t len, cap;
};

/* A native chain, innermost first.  Each pc is the instruction running
 * (the first) or the call instruction a frame returns to (the others):
 * the address that names the line. */
struct native_chain {
	uint64_t pcs[UNWIND_MAX_FRAMES];
	uint64_t sps[UNWIND_MAX_FRAMES];   /* each frame's stack pointer (0: unknown) */
	size_t count;
	bool complete;                 /* reached the thread's first frame */
};

struct Dwfl;
struct unwinder {
	pid_t pid;
	struct Dwfl *dwfl;
	const struct stack_copy *current;  /* the copy being unwound */
	struct native_chain *chain;
	uint64_t generation;           /* bumped when the modules are reported anew */
	uint64_t maps_hash;            /* of the maps they were reported from */
	uint64_t last_report_ns;
	uint64_t report_interval_ns;   /* the wait before the next (see unwind.c) */
	/* The files mapped, each with the name libdw opens it by. */
	struct mapped_file {
		char *path;            /* as /proc/PID/maps names it */
		char *link;            /* path, /proc/PID/root/path or
					* /proc/PID/map_files/START-END */
	} *files;
	size_t n_files, cap_files;
};

/* 0, or -ENOMEM / -EINVAL when libdw cannot be set up for pid. */
int unwinder_open(struct unwinder *u, pid_t pid);
void unwinder_release(struct unwinder *u);

/* Copy a held thread's registers and stack top.  0, or -ESRCH. */
int stack_copy_take(struct stack_copy *copy, const struct threadstop *ts, pid_t pid,
		    pid_t tid);
void stack_copy_release(struct stack_copy *copy);

/* Unwind a copy into chain.  Always fills what it could. */
void unwinder_walk(struct unwinder *u, const struct stack_copy *copy,
		   struct native_chain *chain);

/* A module's file name as the process itself names it. */
const char *unwind_file_name(const struct unwinder *u, const char *path);

/* Report the process's modules again if none holds pc (rate-limited);
 * whether one holds it now. */
bool unwinder_knows(struct unwinder *u, uint64_t pc);

#endif
