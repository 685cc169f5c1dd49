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

/*
 * What a caller does after an error, decided here once:
 *   RETRY     this try failed, the next may not (a stack that moved, a read
 *             that raced the target): try again, or count it and go on
 *   STARTING  the target does not run Python yet: wait, while it may still
 *             be starting
 *   GONE      the target has ended
 *   FATAL     trying again will not help (no permission, a version or file
 *             peekpy cannot read, bad usage)
 */
enum pp_error_class {
	PP_RETRY,
	PP_STARTING,
	PP_GONE,
	PP_FATAL,
};

/* X(name, class, message): one list, so the enum, the classes and the
 * messages cannot drift. */
#define PP_ERROR_LIST(X) \
	X(PP_ENOTPYTHON, PP_STARTING, "no CPython interpreter found") \
	X(PP_EVERSION, PP_FATAL, "unsupported Python version") \
	X(PP_ENOTREADY, PP_STARTING, "the interpreter has not finished starting up") \
	X(PP_EBADDATA, PP_RETRY, "implausible data in the target's memory") \
	X(PP_ETORN, PP_RETRY, "the stack changed while it was read") \
	X(PP_ETOODEEP, PP_RETRY, "stack deeper than peekpy's limit") \
	X(PP_EELF, PP_FATAL, "unreadable ELF file") \
	X(PP_ESHORTREAD, PP_RETRY, "target memory ended inside a read") \
	X(PP_EFORMAT, PP_FATAL, "malformed input") \
	X(PP_ETRACED, PP_FATAL, "the process is traced by another program") \
	X(PP_EUSAGE, PP_FATAL, "invalid command line")

enum pp_error {
	PP_ERROR_BASE = -10000,
#define PP_ERROR_ENUM(name, class, message) name,
	PP_ERROR_LIST(PP_ERROR_ENUM)
#undef PP_ERROR_ENUM
	PP_ERROR_END
};

/* A message for any code: -errno or PP_E*.  Never NULL. */
const char *pp_strerror(int code);

/* The class of any code: -errno or PP_E*.  0 is PP_RETRY (nothing to do). */
enum pp_error_class pp_error_class(int code);

/* The error ends the sampling of its target: PP_GONE or PP_FATAL. */
static inline int pp_error_ends_target(int code)
{
	enum pp_error_class class = pp_error_class(code);

	return class == PP_GONE || class == PP_FATAL;
}

/* A read of a stack that failed: the error itself when it ends the target,
 * else PP_ETORN (the stack moved under the read; try again). */
static inline int pp_torn_unless_final(int code)
{
	return code == 0 || pp_error_ends_target(code) ? code : PP_ETORN;
}

/* A short stable name ("ESRCH", "PP_ETORN") for counters and debug output. */
const char *pp_errname(int code);

#endif
