/*
 * codecache.h - what peekpy knows about each code object it has seen.
 *
 * Names, file names and decoded line tables do not change for the life of a
 * code object, so they are read once and kept, keyed by the code object's
 * address.  An address can be reused after the object is freed, so every
 * sample re-validates the entries it uses: it reads each object's
 * identifying fields (type, name, file name and line-table pointers, first
 * line) through the sample's snapshot, which prefetches them with
 * everything else, and re-reads an entry whose fields changed.
 * Must not walk frames or threads.
 */
#ifndef PEEKPY_CODECACHE_H
#define PEEKPY_CODECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/index.h"
#include "../base/strtab.h"
#include "landmarks.h"
#include "layout.h"
#include "linetable.h"
#include "snapshot.h"

struct code_info {
	uint64_t addr;
	/* Identity, as read from the object; compared on every validation. */
	uint64_t fingerprint[6];
	uint32_t name;            /* strtab ids */
	uint32_t file;
	uint32_t short_file;
	int32_t first_line;
	int64_t code_bytes;       /* bytecode length in bytes */
	struct linetable lines;
	struct landmarks marks;   /* where it leaves, calls, sends, iterates */
	uint32_t framesize;       /* words a frame of it takes (3.11+), or 0 */
	bool shim;                /* 3.13+: the interpreter's __init__ shim, no function */
	bool resumable;           /* generator, coroutine or async generator code */
	bool generator;           /* generator code (what FOR_ITER resumes) */
	bool coroutine;           /* coroutine code (what only an await resumes) */
	bool awaits;              /* coroutine or async generator code */
	int64_t first_traceable;  /* byte offset of its RESUME (3.11+), or -1 */
	/* 3.14t: start of each thread-local bytecode copy seen, by index. */
	uint64_t tlbc_base[8];
	uint32_t validated;       /* generation of the last validation */
};

struct code_cache_stats {
	uint64_t hits, misses, invalidated;
};

struct code_cache {
	pid_t pid;
	const struct py_layout *layout;
	uint64_t code_type, str_type, bytes_type;
	size_t span;                   /* bytes of a code object read */
	struct opcode_sets opcodes;    /* those landmarks look for */
	struct strtab *strings;
	struct code_info **entries;    /* every entry, in the order added */
	size_t used, cap_entries;
	struct index by_addr;          /* code object address -> position in entries */
	uint32_t generation;
	struct snapshot_req *reqs;     /* fingerprint reads of one batch */
	size_t *req_of;
	size_t cap_reqs;
	/* Short file names by file-name id. */
	uint32_t *short_of;
	size_t short_cap;
	struct code_cache_stats stats;
};

void codecache_init(struct code_cache *cc, pid_t pid, const struct py_layout *layout,
		    uint64_t code_type, uint64_t str_type, uint64_t bytes_type,
		    struct strtab *strings);
void codecache_release(struct code_cache *cc);

/* Start a new sample: entries validated before now must be validated again. */
void codecache_new_sample(struct code_cache *cc);

/*
 * Resolve the code objects at addrs[0..n) (distinct addresses): validate
 * cached entries from their fields in snap (read in one batch where the
 * snapshot lacks them), read the rest.  out[i] is NULL when addrs[i] does
 * not hold a plausible code object.  Returns 0 or a fatal code (-ESRCH,
 * -EPERM).
 */
int codecache_resolve(struct code_cache *cc, struct snapshot *snap, const uint64_t *addrs,
		      size_t n, const struct code_info **out);

/*
 * The byte offset in the code of the instruction a frame is at: position
 * is f_lasti (<= 3.10) or the instruction pointer, tlbc_index the frame's
 * thread-local bytecode copy (3.14t+, else 0).  PP_ETORN when it lies
 * outside the bytecode (the frame was torn), or an error reading the copy.
 */
int codecache_offset(struct code_cache *cc, const struct code_info *info, int64_t position,
		     int32_t tlbc_index, int64_t *offset);

#endif
