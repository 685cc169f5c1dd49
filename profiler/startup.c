/*
 * startup.c - attaching or launching, and waiting for Python (see
 * startup.h).
 */
#include "startup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/monotonic.h"
#include "../readers/procfs.h"
#include "report.h"

static void command_text(char *const argv[], char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; *argv && used + 1 < size; argv++) {
		int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", *argv);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int startup_target(const struct startup *start, char *command, size_t size)
{
	const struct options *o = start->options;
	char why[512];
	int err;

	if (!o->argv) {
		err = target_attach(start->target, o->pid);
		if (err)
			report_target_error(o->pid, err, &start->root->details);
		else
			procfs_cmdline(o->pid, command, size);
		return err;
	}
	command_text(o->argv, command, size);
	err = target_launch(start->target, o->argv, &start->events->old_mask, start->invoker, why,
			    sizeof(why));
	if (err)
		report("%s: %s", why, strerror(-err));
	return err;
}

/*
 * Open the target's interpreter, waiting while it may still start Python:
 * a launched command may be a wrapper (chroot, env, a shell script) that
 * execs Python later; a process attached to right after it started may not
 * have mapped its interpreter yet (it is given until it is TRACKED_YOUNG_NS
 * old), nor a young interpreter set up its runtime.  With --subprocesses
 * the target need not run Python at all: sampling starts at once, and the
 * target is looked at again as it goes.  -d bounds the wait.
 */
int startup_wait_for_python(const struct startup *start)
{
	const struct options *o = start->options;
	struct target *target = start->target;
	struct tracked *root = start->root;
	uint64_t started = monotonic_ns(), age = 0, patience = UINT64_MAX;
	bool noted = false;
	int err, signo;

	if (!target->launched) {
		procfs_process_age(target->pid, &age);
		patience = age < TRACKED_YOUNG_NS ? TRACKED_YOUNG_NS - age : 0;
	}
	tracked_init(root, target->pid, started, patience, TRACKED_YOUNG_NS);
	for (;;) {
		enum tracked_change change;
		uint64_t now = monotonic_ns(), deadline;

		err = tracked_poll(root, start->strings, now, false, &change);
		/* --native: a target that cannot be held fails here, once. */
		if (root->proc)
			return o->native ? pyproc_native_start(root->proc) : 0;
		if (pp_error_class(err) == PP_GONE || target_exited(target))
			return target->launched ? PP_ENOTPYTHON : -ESRCH;
		if (o->subprocesses)
			return 0;
		if (!tracked_hopeful(root, now))
			return root->error ? root->error : PP_ENOTPYTHON;
		if (o->duration > 0 && now - started >= (uint64_t)(o->duration * 1e9))
			return -ETIMEDOUT;
		if (!noted && target->launched && now - started > 2000000000ull) {
			char name[64];

			procfs_comm(target->pid, name, sizeof(name));
			report("waiting for process %d (%s) to start Python (Ctrl-C to stop)",
			       (int)target->pid, name);
			noted = true;
		}
		deadline = root->next_try_ns > now ? root->next_try_ns : now;
		switch (events_wait(start->events, deadline, target->pidfd, &signo)) {
		case EVENT_SIGNAL:
			return -EINTR;
		case EVENT_TARGET_EXIT:
			target_exited(target);
			break;
		case EVENT_DEADLINE:
			break;
		}
	}
}

void startup_report_no_python(const struct startup *start, int err)
{
	const struct options *o = start->options;
	struct target *target = start->target;
	char command[512];

	if (err == -EINTR) {
		report("interrupted before Python started; nothing was recorded");
		return;
	}
	if (err == -ETIMEDOUT) {
		report("process %d did not start Python within the %g s of --duration; nothing "
		       "was recorded", (int)target->pid, o->duration);
		return;
	}
	if (o->argv && target_exited(target) &&
	    (pp_error_class(err) == PP_STARTING || pp_error_ends_target(err))) {
		command_text(o->argv, command, sizeof(command));
		report("'%s' exited before a Python interpreter started in it "
		       "(is it a Python program?)", command);
		return;
	}
	report_target_error(target->pid, err, &start->root->details);
}
