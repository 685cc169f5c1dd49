/*
 * errors.c - messages and names for peekpy's error codes (see errors.h).
 */
#include "errors.h"

#include <errno.h>
#include <string.h>

static const char *const own_messages[] = {
#define PP_ERROR_MESSAGE(name, class, message) message,
	PP_ERROR_LIST(PP_ERROR_MESSAGE)
#undef PP_ERROR_MESSAGE
};

static const char *const own_names[] = {
#define PP_ERROR_NAME(name, class, message) #name,
	PP_ERROR_LIST(PP_ERROR_NAME)
#undef PP_ERROR_NAME
};

static const enum pp_error_class own_classes[] = {
#define PP_ERROR_CLASS(name, class, message) class,
	PP_ERROR_LIST(PP_ERROR_CLASS)
#undef PP_ERROR_CLASS
};

static int is_own(int code)
{
	return code > PP_ERROR_BASE && code < PP_ERROR_END;
}

const char *pp_strerror(int code)
{
	if (is_own(code))
		return own_messages[code - PP_ERROR_BASE - 1];
	if (code < 0)
		return strerror(-code);
	return "success";
}

enum pp_error_class pp_error_class(int code)
{
	if (is_own(code))
		return own_classes[code - PP_ERROR_BASE - 1];
	switch (-code) {
	case ESRCH:     /* the process is gone */
	case ECHILD:
		return PP_GONE;
	case EPERM:
	case EACCES:
	case ENOSYS:
		return PP_FATAL;
	default:        /* EFAULT, EIO, ENOMEM: a read that raced the target */
		return PP_RETRY;
	}
}

const char *pp_errname(int code)
{
	if (is_own(code))
		return own_names[code - PP_ERROR_BASE - 1];
	switch (-code) {
	case ESRCH: return "ESRCH";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EINVAL: return "EINVAL";
	default: return code < 0 ? "errno" : "OK";
	}
}
