/*
 * mem.h - the one gate to a target's memory.
 *
 * Every byte peekpy reads from another process goes through here, with
 * process_vm_readv(2): it does not stop the target, and one call can gather
 * many scattered ranges.  Results are 0 on success or a negative code:
 *   -ESRCH          the process is gone
 *   -EPERM          not allowed to read it (ptrace policy, other user)
 *   -EFAULT         the range is not mapped in the target
 *   PP_ESHORTREAD   the range starts mapped and ends unmapped
 * Must not interpret what it reads, cache it, or print.
 */
#ifndef PEEKPY_MEM_H
#define PEEKPY_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read exactly len bytes at addr. */
int mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* Read up to len bytes at addr; the number read (possibly 0), or -errno. */
ssize_t mem_read_upto(pid_t pid, uint64_t addr, void *buf, size_t len);

struct mem_req {
	uint64_t addr;
	void *buf;
	size_t len;
	int result;     /* filled in: 0 or a code as above */
	size_t got;     /* filled in: bytes that arrived (all of len when 0) */
};

/*
 * Read many ranges, as few system calls as possible (one per 1024 ranges
 * when all are mapped).  Each request gets its own result; the return value
 * is 0, or -ESRCH / -EPERM when nothing could be read at all.
 */
int mem_read_many(pid_t pid, struct mem_req *reqs, size_t n);

/* Read a pointer-sized little-endian value at addr. */
int mem_read_u64(pid_t pid, uint64_t addr, uint64_t *value);

#endif
