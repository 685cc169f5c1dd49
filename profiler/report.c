/*
 * report.c - user-facing error messages (see report.h).
 */
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/errors.h"
#include "../readers/procfs.h"

void report(const char *fmt, ...)
{
	char line[2048];
	va_list args;
	size_t i;

	va_start(args, fmt);
	vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	/* Names from the target reach a terminal: keep control codes out. */
	for (i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = '?';
	/* On a terminal, over record's status line if one is drawn. */
	fprintf(stderr, "%speekpy: %s\n", isatty(STDERR_FILENO) ? "\r\033[K" : "", line);
}

static int ptrace_scope(void)
{
	char *text;
	int scope = -1;

	if (procfs_slurp("/proc/sys/kernel/yama/ptrace_scope", &text, NULL) == 0) {
		scope = atoi(text);
		free(text);
	}
	return scope;
}

static uid_t process_owner(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return stat(path, &st) == 0 ? st.st_uid : (uid_t)-1;
}

static void report_permission(pid_t pid, const char *name)
{
	int scope = ptrace_scope();
	uid_t owner = process_owner(pid);

	if (geteuid() != 0 && owner != geteuid())
		report("permission denied reading process %d (%s): it belongs to another user; "
		       "run peekpy as that user or with sudo", (int)pid, name);
	else if (scope >= 1)
		report("permission denied reading process %d (%s): "
		       "/proc/sys/kernel/yama/ptrace_scope is %d, so only a parent may read its "
		       "children; run peekpy with sudo, launch the program with "
		       "'peekpy record -- COMMAND', or set ptrace_scope to 0",
		       (int)pid, name, scope);
	else
		report("permission denied reading process %d (%s): peekpy needs the "
		       "CAP_SYS_PTRACE capability (in a container: docker run --cap-add SYS_PTRACE)",
		       (int)pid, name);
}

void report_target_error(pid_t pid, int code, const struct pyproc_details *details)
{
	char name[64];

	procfs_comm(pid, name, sizeof(name));
	if (!name[0])
		snprintf(name, sizeof(name), "?");
	switch (code) {
	case -ESRCH:
		report("no process with id %d (is the --pid right, and is it still running?)",
		       (int)pid);
		break;
	case -EPERM:
	case -EACCES:
		report_permission(pid, name);
		break;
	case PP_ETRACED: {
		pid_t tracer = procfs_tracer(pid);
		char tracer_name[64];

		procfs_comm(tracer, tracer_name, sizeof(tracer_name));
		report("process %d (%s) is traced by process %d (%s): --native stops its threads "
		       "with ptrace, which only one tracer may do; detach that one (a debugger, "
		       "another profiler) or leave out --native", (int)pid, name, (int)tracer,
		       tracer_name[0] ? tracer_name : "?");
		break;
	}
	case PP_ENOTPYTHON:
		report("process %d (%s) is not running Python: no CPython interpreter in its "
		       "executable or libraries", (int)pid, name);
		break;
	case PP_EVERSION:
		report("process %d (%s) runs CPython %s, which this peekpy cannot read "
		       "(it reads %s); a newer peekpy may", (int)pid, name,
		       details->version[0] ? details->version : "of an unknown version",
		       details->supported);
		break;
	case PP_ENOTREADY:
		report("Python in process %d (%s) has not finished starting up; try again in "
		       "a moment", (int)pid, name);
		break;
	case PP_EBADDATA:
		report("the interpreter of process %d (%s, CPython %s in %s) does not look "
		       "the way peekpy expects; please report this with 'peekpy --version'",
		       (int)pid, name, details->version[0] ? details->version : "?",
		       details->binary[0] ? details->binary : "?");
		break;
	case PP_EELF:
		report("cannot read the interpreter's binary %s of process %d (%s): not a "
		       "64-bit ELF file", details->binary[0] ? details->binary : "?", (int)pid,
		       name);
		break;
	default:
		report("cannot read process %d (%s): %s", (int)pid, name, pp_strerror(code));
	}
}
