/*
 * dump.c - printing every thread's stack once (see dump.h).
 */
#include "dump.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../base/errors.h"
#include "../base/monotonic.h"
#include "../base/sample.h"
#include "../base/strtab.h"
#include "../output/escape.h"
#include "../output/tasktree.h"
#include "../readers/framevars.h"
#include "../readers/procfs.h"
#include "../readers/pyproc.h"
#include "report.h"
#include "target.h"
#include "tracked.h"

/* How long a young or busy interpreter is given to yield one whole sample. */
#define DUMP_PATIENCE_NS 2000000000ull

static const char *state_of(const struct sample_thread *thread)
{
	if (thread->flags & SAMPLE_THREAD_GIL)
		return "holds GIL";
	if (thread->flags & SAMPLE_THREAD_GIL_WAIT)
		return "waiting for GIL";
	return thread->flags & SAMPLE_THREAD_IDLE ? "idle" : "active";
}

/* What dump prints of one process (one sample of it). */
struct dump_view {
	const struct sample *sample;
	const struct strtab *strings;
	struct pyproc *proc;
	bool locals;               /* each frame's variables too */
	struct frame_vars vars;    /* scratch */
};

static void print_vars_text(struct dump_view *v, size_t thread, size_t frame)
{
	int err = pyproc_frame_vars(v->proc, v->sample, thread, frame, &v->vars);

	if (err) {
		printf("        (variables not read: %s)\n", pp_strerror(err));
		return;
	}
	for (int args = 1; args >= 0; args--) {
		bool heading = false;

		for (size_t i = 0; i < v->vars.count; i++) {
			const struct frame_var *var = &v->vars.items[i];

			if (var->is_arg != args)
				continue;
			if (!heading)
				printf("        %s:\n", args ? "Arguments" : "Locals");
			heading = true;
			printf("            %s = %s\n", var->name, var->repr);
		}
	}
}

/* Frame i's place among the thread's Python frames (what the reader
 * numbers frames by), or SIZE_MAX for a native frame or a mark. */
static size_t python_index(const struct sample_frame *frames, size_t i)
{
	size_t n = 0;

	if (frames[i].flags & (SAMPLE_FRAME_NATIVE | SAMPLE_FRAME_MARK))
		return SIZE_MAX;
	for (size_t j = 0; j < i; j++)
		n += !(frames[j].flags & (SAMPLE_FRAME_NATIVE | SAMPLE_FRAME_MARK));
	return n;
}

static void print_frame_text(const struct strtab *strings, const struct sample_frame *frame)
{
	const char *name = strtab_str(strings, frame->name);
	const char *file = strtab_str(strings, frame->short_file);

	if (frame->flags & SAMPLE_FRAME_MARK)
		printf("    %s\n", name);
	else if ((frame->flags & SAMPLE_FRAME_NATIVE) && frame->line <= 0)
		printf("    %s (%s)\n", name, file);
	else
		printf("    %s (%s:%d)\n", name, file, frame->line);
}

static void print_text(struct dump_view *v, pid_t pid, const char *command, const char *python,
		       const char *binary)
{
	const struct sample *s = v->sample;
	size_t t, i;

	printf("process %d: %s\n%s (%s)\n", (int)pid, command, python, binary);
	/* The interpreter lists threads newest first: the main thread ends
	 * the list, and is printed first. */
	for (t = s->n_threads; t-- > 0;) {
		const struct sample_thread *thread = &s->threads[t];
		const struct sample_frame *frames = sample_thread_frames(s, thread);

		printf("\nthread %u", thread->tid);
		if (thread->name)
			printf(" \"%s\"", strtab_str(v->strings, thread->name));
		printf(" (%s%s)\n", state_of(thread),
		       thread->flags & SAMPLE_THREAD_EXCEPTION ? ", in an exception" : "");
		for (i = 0; i < thread->n_frames; i++) {
			print_frame_text(v->strings, &frames[i]);
			if (v->locals && python_index(frames, i) != SIZE_MAX)
				print_vars_text(v, t, python_index(frames, i));
		}
	}
}

static void json_string(const struct strtab *strings, uint32_t id)
{
	const char *text = strtab_str(strings, id);

	escape_json(stdout, text, strlen(text));
}

static void print_vars_json(struct dump_view *v, size_t thread, size_t frame)
{
	int err = pyproc_frame_vars(v->proc, v->sample, thread, frame, &v->vars);

	if (err) {
		fputs(",\"locals\":null,\"locals_error\":", stdout);
		escape_json(stdout, pp_strerror(err), strlen(pp_strerror(err)));
		return;
	}
	fputs(",\"locals\":[", stdout);
	for (size_t i = 0; i < v->vars.count; i++) {
		const struct frame_var *var = &v->vars.items[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		escape_json(stdout, var->name, strlen(var->name));
		fputs(",\"repr\":", stdout);
		escape_json(stdout, var->repr, strlen(var->repr));
		printf(",\"argument\":%s}", var->is_arg ? "true" : "false");
	}
	fputs("]", stdout);
}

static void print_json(struct dump_view *v, pid_t pid, const char *command, const char *python,
		       const char *binary, bool tasks)
{
	const struct sample *s = v->sample;
	const struct strtab *strings = v->strings;
	size_t t, i;

	printf("{\"pid\":%d,\"command\":", (int)pid);
	escape_json(stdout, command, strlen(command));
	fputs(",\"python\":", stdout);
	escape_json(stdout, python, strlen(python));
	fputs(",\"binary\":", stdout);
	escape_json(stdout, binary, strlen(binary));
	fputs(",\"threads\":[", stdout);
	for (t = s->n_threads; t-- > 0;) {
		const struct sample_thread *thread = &s->threads[t];
		const struct sample_frame *frames = sample_thread_frames(s, thread);

		printf("%s\n{\"tid\":%u,\"name\":", t + 1 < s->n_threads ? "," : "", thread->tid);
		if (thread->name)
			json_string(strings, thread->name);
		else
			fputs("null", stdout);
		printf(",\"state\":\"%s\",\"holds_gil\":%s,\"idle\":%s,\"waiting_for_gil\":%s,"
		       "\"in_exception\":%s,\"frames\":[", state_of(thread),
		       thread->flags & SAMPLE_THREAD_GIL ? "true" : "false",
		       thread->flags & SAMPLE_THREAD_IDLE ? "true" : "false",
		       thread->flags & SAMPLE_THREAD_GIL_WAIT ? "true" : "false",
		       thread->flags & SAMPLE_THREAD_EXCEPTION ? "true" : "false");
		for (i = 0; i < thread->n_frames; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_string(strings, frames[i].name);
			fputs(",\"file\":", stdout);
			json_string(strings, frames[i].file);
			fputs(",\"short_file\":", stdout);
			json_string(strings, frames[i].short_file);
			printf(",\"line\":%d,\"first_line\":%d,\"kind\":\"%s\"", frames[i].line,
			       frames[i].first_line,
			       frames[i].flags & SAMPLE_FRAME_MARK ? "mark"
			       : frames[i].flags & SAMPLE_FRAME_NATIVE ? "native" : "python");
			if (v->locals && python_index(frames, i) != SIZE_MAX)
				print_vars_json(v, t, python_index(frames, i));
			fputs("}", stdout);
		}
		fputs("]}", stdout);
	}
	fputs(tasks ? "\n]" : "\n]}\n", stdout);
}

/*
 * Open the interpreter and take one whole sample, retrying while the
 * interpreter is starting (in a young process, or one whose runtime is not
 * set up) or a stack changes under the read.
 */
static int take_sample(struct tracked *t, const struct options *o, struct strtab *strings,
		       struct sample *s, bool tasks)
{
	struct pyproc_options options = {
		.walk_idle = true, .mark_idle = true,
		.native = o->native, .native_internals = o->native_internals,
		/* What each thread is doing: collecting garbage (<GC>), waiting
		 * for the GIL, handling an exception. */
		.gc = true, .gil_wait = true, .mark_exceptions = true,
		.async_tasks = tasks,
	};
	uint64_t started = monotonic_ns(), give_up = started + DUMP_PATIENCE_NS, age = 0;
	struct timespec pause = { 0, 5000000 };
	int err;

	/* A young process may not have mapped its interpreter yet.  One
	 * already open (dump --async's second sample) is sampled again. */
	if (!t->proc) {
		procfs_process_age(t->pid, &age);
		tracked_init(t, t->pid, started, age < TRACKED_YOUNG_NS ? TRACKED_YOUNG_NS - age : 0,
			     0);
	}
	for (;;) {
		enum tracked_change change;
		uint64_t now = monotonic_ns();

		err = tracked_poll(t, strings, now, true, &change);
		if (!err && !t->proc) {
			err = t->error ? t->error : PP_ENOTPYTHON;
			if (!tracked_hopeful(t, now))
				return err;
		} else if (!err) {
			sample_clear(s);
			err = pyproc_sample(t->proc, &options, s);
			if (!err || pp_error_ends_target(err) || now > give_up)
				return err;
			if (pp_error_class(err) != PP_RETRY && pp_error_class(err) != PP_STARTING)
				return err;
		} else {
			return err;
		}
		nanosleep(&pause, NULL);
	}
}

/*
 * --async: a second sample, asyncio-aware, and the tree of its tasks (in
 * JSON, the "tasks" member that ends the process's object).  A version
 * that keeps no readable record of its tasks says so.
 */
static void print_tasks(const struct options *o, struct tracked *t, struct strtab *strings,
			const char *python)
{
	struct task_tree tree;
	struct sample s;
	bool readable = t->proc && pyproc_sees_tasks(t->proc);
	int err = 0;

	sample_init(&s);
	if (readable)
		err = take_sample(t, o, strings, &s, true);
	tasktree_build(&tree, &s, strings);
	if (o->json) {
		fputs(",\"tasks\":", stdout);
		if (readable)
			tasktree_print_json(&tree, strings, stdout);
		else
			fputs("null", stdout);
		fputs("}\n", stdout);
	} else if (readable) {
		tasktree_print_text(&tree, strings, stdout);
	}
	if (!readable)
		report("--async: %s keeps no record of its asyncio tasks that can be read from "
		       "outside (3.7 and later do)", python);
	else if (err && !s.n_threads)
		report("--async: the tasks could not be read: %s", pp_strerror(err));
	tasktree_release(&tree);
	sample_release(&s);
}

/* Errors that only say a process runs no Python (yet). */
static bool not_python(int err)
{
	return pp_error_class(err) == PP_STARTING;
}

/* Which errors dump_process() says. */
enum say { SAY_NONE, SAY_BUT_NOT_PYTHON, SAY_ALL };

/*
 * Dump one process: 0, or the error that kept it from being read (said on
 * stderr as say asks).  *printed counts the processes printed so far, for
 * the separators between them.
 */
static int dump_process(const struct options *o, pid_t pid, enum say say, size_t *printed)
{
	struct tracked tracked = { .pid = pid };
	struct strtab strings;
	struct sample s;
	char command[1024], python[96];
	int err;

	procfs_cmdline(pid, command, sizeof(command));
	strtab_init(&strings);
	sample_init(&s);
	err = take_sample(&tracked, o, &strings, &s, false);
	if (err && !(tracked.proc && s.n_threads)) {
		if (say == SAY_ALL || (say == SAY_BUT_NOT_PYTHON && !not_python(err)))
			report_target_error(pid, err, &tracked.details);
	} else {
		struct dump_view view = { &s, &strings, tracked.proc, o->locals, { NULL, 0, 0 } };

		pyproc_describe(tracked.proc, python, sizeof(python));
		if ((*printed)++)
			fputs(o->json ? ",\n" : "\n", stdout);
		if (o->json)
			print_json(&view, pid, command, python, tracked.details.binary, o->async_tasks);
		else
			print_text(&view, pid, command, python, tracked.details.binary);
		frame_vars_release(&view.vars);
		if (o->async_tasks)
			print_tasks(o, &tracked, &strings, python);
		if (err)
			report("some threads of process %d could not be read whole (%s); "
			       "the others are shown", (int)pid, pp_strerror(err));
	}
	tracked_release(&tracked);
	sample_release(&s);
	strtab_release(&strings);
	return err;
}

int dump_run(const struct options *o)
{
	struct target target = TARGET_INIT;
	struct pyproc_details details;
	pid_t *children = NULL;
	size_t n_children = 0, printed = 0, i;
	int err;

	memset(&details, 0, sizeof(details));
	err = target_attach(&target, o->pid);
	if (err) {
		report_target_error(o->pid, err, &details);
		return 1;
	}
	if (!o->subprocesses) {
		err = dump_process(o, o->pid, SAY_ALL, &printed);
		target_finish(&target, 0);
		return err ? 1 : 0;
	}
	/* --subprocesses: the target and each Python descendant (in JSON, a
	 * list); the target itself need not run Python. */
	procfs_descendants(o->pid, &children, &n_children);
	if (o->json)
		fputs("[\n", stdout);
	err = dump_process(o, o->pid, SAY_BUT_NOT_PYTHON, &printed);
	for (i = 0; i < n_children; i++)
		dump_process(o, children[i], SAY_NONE, &printed);
	if (o->json)
		fputs("]\n", stdout);
	free(children);
	target_finish(&target, 0);
	if (!printed) {
		if (not_python(err) || !err)
			report("no Python in process %d or its descendants", (int)o->pid);
		return 1;
	}
	return err && !not_python(err) ? 1 : 0;
}
