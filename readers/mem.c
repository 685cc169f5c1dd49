/*
 * mem.c - reading a target's memory with process_vm_readv (see mem.h).
 */
#include "mem.h"

#include <errno.h>
#include <limits.h>
#include <sys/uio.h>

#include "../base/errors.h"

#define BATCH_MAX 1024   /* IOV_MAX on Linux */

static int errno_code(int err)
{
	/* ENOMEM from process_vm_readv means the iovec arrays were too large
	 * for the kernel to copy; EFAULT and EIO both mean "not readable". */
	if (err == EIO)
		return -EFAULT;
	return -err;
}

ssize_t mem_read_upto(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t got;

	if (len == 0)
		return 0;
	got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (got < 0)
		return errno_code(errno);
	return got;
}

int mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	ssize_t got = mem_read_upto(pid, addr, buf, len);

	if (got < 0)
		return (int)got;
	if ((size_t)got != len)
		return got == 0 ? -EFAULT : PP_ESHORTREAD;
	return 0;
}

int mem_read_u64(pid_t pid, uint64_t addr, uint64_t *value)
{
	return mem_read(pid, addr, value, sizeof(*value));
}

/* Read reqs[0..n) (n <= BATCH_MAX); return how many were served (and set
 * their results), or a negative code when the first one failed outright. */
static ssize_t read_batch(pid_t pid, struct mem_req *reqs, size_t n)
{
	struct iovec local[BATCH_MAX], remote[BATCH_MAX];
	size_t i;
	ssize_t got;

	for (i = 0; i < n; i++) {
		local[i].iov_base = reqs[i].buf;
		local[i].iov_len = reqs[i].len;
		remote[i].iov_base = (void *)(uintptr_t)reqs[i].addr;
		remote[i].iov_len = reqs[i].len;
	}
	got = process_vm_readv(pid, local, n, remote, n, 0);
	if (got < 0)
		return errno_code(errno);
	/* The kernel stops at the first range it cannot read: everything
	 * before it arrived whole, that one arrived in part or not at all. */
	for (i = 0; i < n && (size_t)got >= reqs[i].len; i++) {
		reqs[i].result = 0;
		reqs[i].got = reqs[i].len;
		got -= (ssize_t)reqs[i].len;
	}
	if (i < n) {
		reqs[i].result = got > 0 ? PP_ESHORTREAD : -EFAULT;
		reqs[i].got = (size_t)got;
		i++;
	}
	return (ssize_t)i;
}

int mem_read_many(pid_t pid, struct mem_req *reqs, size_t n)
{
	size_t done = 0;
	int any_ok = n == 0;

	while (done < n) {
		size_t batch = n - done > BATCH_MAX ? BATCH_MAX : n - done;
		ssize_t served = read_batch(pid, reqs + done, batch);

		if (served < 0) {
			/* Gone or denied: no point trying the rest. */
			if (served == -ESRCH || served == -EPERM) {
				for (size_t i = done; i < n; i++) {
					reqs[i].result = (int)served;
					reqs[i].got = 0;
				}
				return any_ok ? 0 : (int)served;
			}
			reqs[done].result = (int)served;
			reqs[done].got = 0;
			served = 1;
		}
		for (size_t i = done; i < done + (size_t)served; i++)
			any_ok |= reqs[i].result == 0;
		done += (size_t)served;
	}
	return 0;
}
