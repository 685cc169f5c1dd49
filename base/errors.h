/*
 * errors.h - peekpy's error codes.
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative code on failure: -errno for a system call that failed, or one of
 * the PP_E* codes below for peekpy's own reasons.  They start at -10000 so
 * they never collide with errno values.  Functions return codes; only the
 * command line layer (profiler/) turns them into messages, once.
 */
#ifndef PEEKPY_ERRORS_H
#define PEEKPY_ERRORS_H

#include <stddef.h>

/* X(name, message): one list, so the enum and the messages cannot drift. */
#define PP_ERROR_LIST(X) \
	X(PP_ENOTPYTHON, "no CPython interpreter found") \
	X(PP_EVERSION, "unsupported Python version") \
	X(PP_ENOTREADY, "the interpreter has not finished starting up") \
	X(PP_EBADDATA, "implausible data in the target's memory") \
	X(PP_ETORN, "the stack changed while it was read") \
	X(PP_ETOODEEP, "stack deeper than peekpy's limit") \
	X(PP_EELF, "unreadable ELF file") \
	X(PP_ESHORTREAD, "target memory ended inside a read") \
	X(PP_EFORMAT, "malformed input") \
	X(PP_EUSAGE, "invalid command line")

enum pp_error {
	PP_ERROR_BASE = -10000,
#define PP_ERROR_ENUM(name, message) name,
	PP_ERROR_LIST(PP_ERROR_ENUM)
#undef PP_ERROR_ENUM
	PP_ERROR_END
};

/* A message for any code: -errno or PP_E*.  Never NULL. */
const char *pp_strerror(int code);

/* A short stable name ("ESRCH", "PP_ETORN") for counters and debug output. */
const char *pp_errname(int code);

#endif
