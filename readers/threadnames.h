/*
 * threadnames.h - the names Python's threading module gives threads.
 *
 * threading keeps a dict from thread ident (the pthread id a thread state
 * holds) to Thread object, the module global _active, and each Thread keeps
 * its name in the instance attribute _name (2.7: _Thread__name).  Finding
 * them takes a walk of sys.modules and of that dict, so names are cached by
 * ident, and so is their absence: a thread with no name (not started by
 * threading) is looked for again only once a second, and a sample of
 * threads already known costs one table lookup each.  A thread's name is
 * read again when its Thread object changes, and every few seconds (a
 * thread can be renamed).  Must not walk stacks or know about samples.
 */
#ifndef PEEKPY_THREADNAMES_H
#define PEEKPY_THREADNAMES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/index.h"
#include "../base/strtab.h"
#include "layout.h"
#include "pyobj.h"

struct threadname_entry {
	uint64_t ident;
	uint64_t thread_obj;   /* its Thread object when last read, 0 if none */
	uint32_t name;         /* strtab id, 0 when it has none */
	uint64_t checked_ns;   /* when _active was last read for it */
	uint64_t wanted_ns;    /* when it was last asked for */
};

struct threadnames {
	struct pyobj_reader objects;
	struct strtab *strings;
	struct threadname_entry *entries;
	size_t count, cap, tidy_at;
	struct index by_ident;            /* ident -> position in entries */
	uint64_t interp;                  /* whose _active was found */
	uint64_t active;                  /* threading._active, 0 until found */
	uint64_t refreshed_ns;
	uint64_t reads;                   /* times _active was read (peekpy -v) */
};

void threadnames_init(struct threadnames *names, pid_t pid, const struct py_layout *layout,
		      struct strtab *strings);
void threadnames_release(struct threadnames *names);

/*
 * The names of the threads with idents[0..n) of the interpreter at interp
 * (its state's address) into names_out (strtab ids, 0 when unknown), as of
 * now_ns.  Never fails: what cannot be read is unknown until a later try.
 */
void threadnames_lookup(struct threadnames *names, uint64_t interp, const uint64_t *idents,
			size_t n, uint64_t now_ns, uint32_t *names_out);

#endif
