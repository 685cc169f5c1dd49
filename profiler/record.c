/*
 * record.c - the record command (see record.h).
 */
#include "record.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/errors.h"
#include "../base/monotonic.h"
#include "../base/sample.h"
#include "../base/strtab.h"
#include "../output/sink.h"
#include "../output/stacktree.h"
#include "../readers/procfs.h"
#include "../readers/native.h"
#include "../readers/pyproc.h"
#include "children.h"
#include "clock.h"
#include "events.h"
#include "invoker.h"
#include "recordfile.h"
#include "report.h"
#include "sources.h"
#include "startup.h"
#include "statusline.h"
#include "target.h"
#include "tracked.h"
#include "top.h"

/* Grace given to a launched program still running when recording stops. */
#define CHILD_GRACE_MS 2000
/* A deadline closer than this is taken as due: sleeping that briefly costs
 * a whole wake-up (some 20-50 us on a virtual machine) for nothing. */
#define MIN_SLEEP_NS 50000

enum stop_reason {
	STOP_NONE,
	STOP_EXITED,       /* the target exited */
	STOP_DURATION,     /* --duration passed */
	STOP_SIGNAL,       /* Ctrl-C, SIGTERM, ... */
	STOP_ERROR,        /* the target could not be read any more */
	STOP_QUIT,         /* q pressed in top */
	STOP_WRITE,        /* the output could not be written any more */
	STOP_NOT_PYTHON,   /* the target executed a program that is not Python */
};

struct recording {
	const struct options *options;
	struct native_stats native;   /* --native, over every process sampled */
	struct events events;
	struct target target;
	struct strtab strings;
	struct tracked root;      /* the target; root.proc NULL while not Python */
	struct record_file file;  /* where the samples go (not for top) */
	struct top_screen *top;   /* peekpy top: the screen the samples feed */
	struct status_line status;   /* record on a terminal: the live line */
	struct children children; /* --subprocesses */
	uint32_t process_name;    /* the target's command line, a strtab id */
	struct sample sample;
	char command[1024];       /* what was profiled, for the flame graph */
	struct invoker invoker;   /* who ran sudo: files are theirs to write */
	uint64_t samples, errors, not_ready;
	/* --gc: stacks of threads running Python, and of them those collecting. */
	uint64_t running_stacks, gc_stacks;
	/* --exceptions: process samples with a thread in an exception path. */
	uint64_t exception_samples;
	struct source_root source_root;   /* where -f html reads source files */
	/* The target's build cannot show what --gc or --gil --idle asked. */
	bool blind_gc, blind_gil, blind_tasks;
	struct error_count {
		int code;
		uint64_t count;
	} error_counts[8];        /* the first few distinct reasons, for --verbose */
	uint64_t started_ns, ended_ns;   /* of the run being sampled */
	uint64_t sampled_ns;      /* the runs sampled, summed */
	uint32_t run;             /* the run being sampled, from 1 (--repeat) */
	uint64_t skipped_ticks;
	uint64_t next_root_check_ns;
	bool exec_pending;        /* the target executed a program: not said yet */
	char python_before[200];  /* the Pythons the target ran before an exec */
	char python_now[96];      /* the one it runs: note_python() */
	/* The Python of the first descendant sampled, kept for after they
	 * exited (--subprocesses with a target that runs none). */
	char python_children[96];
	enum stop_reason stop;
	int stop_signal;
	int fatal_error;
};

/*
 * Note what the target's Python is now ("CPython 3.12.1": its micro version
 * may be found only after it started), kept for after it exited.
 */
static void note_python(struct recording *r)
{
	const struct options *o = r->options;

	if (!r->root.proc)
		return;
	pyproc_describe(r->root.proc, r->python_now, sizeof(r->python_now));
	if (o->gc && !pyproc_sees_gc(r->root.proc))
		r->blind_gc = true;
	if (o->gil && o->idle && !pyproc_sees_gil_waits(r->root.proc))
		r->blind_gil = true;
	if (o->async_tasks && !pyproc_sees_tasks(r->root.proc))
		r->blind_tasks = true;
}

/* The target executed another program: what it ran is in the past. */
static void python_before(struct recording *r)
{
	size_t used = strlen(r->python_before);

	if (!r->python_now[0])
		return;
	snprintf(r->python_before + used, sizeof(r->python_before) - used, "%s%s",
		 used ? ", then " : "", r->python_now);
	r->python_now[0] = '\0';
}

static void count_error(struct recording *r, int code)
{
	size_t i;

	r->errors++;
	for (i = 0; i < sizeof(r->error_counts) / sizeof(r->error_counts[0]); i++) {
		if (r->error_counts[i].code == code || r->error_counts[i].code == 0) {
			r->error_counts[i].code = code;
			r->error_counts[i].count++;
			return;
		}
	}
}

/* --gc: the share of running threads' stacks spent collecting garbage. */
static void count_gc(struct recording *r)
{
	for (size_t i = 0; i < r->sample.n_threads; i++) {
		uint32_t flags = r->sample.threads[i].flags;

		if (flags & SAMPLE_THREAD_IDLE)
			continue;
		r->running_stacks++;
		r->gc_stacks += (flags & SAMPLE_THREAD_GC) != 0;
	}
}

/* One process's sample, to wherever this recording goes. */
static void use_sample(struct recording *r, int err)
{
	if (r->options->gc)
		count_gc(r);
	if (r->options->exceptions && r->sample.n_threads)
		r->exception_samples++;
	if (r->top) {
		if (top_tick(r->top, &r->sample, err != 0, monotonic_ns()))
			r->stop = STOP_QUIT;
	} else if (recordfile_add(&r->file, &r->sample) != 0) {
		r->stop = STOP_WRITE;   /* a write failed: finish() says what was kept */
	}
}

/* --subprocesses: the same tick in every Python descendant; whether
 * any was sampled. */
static bool sample_children(struct recording *r, const struct pyproc_options *popts)
{
	struct children *c = &r->children;
	bool sampled = false;
	size_t i;

	children_scan(c, monotonic_ns());
	for (i = 0; i < c->count; i++) {
		struct child *child = &c->items[i];
		int err;

		if (!child->tracked.proc)
			continue;
		err = pyproc_sample(child->tracked.proc, popts, &r->sample);
		/* A child that failed may be gone or have executed another
		 * program: it is looked at again, and sampled while it runs
		 * Python. */
		if (err && pp_error_class(err) != PP_STARTING)
			children_recheck(c, i, monotonic_ns());
		if (pp_error_class(err) == PP_STARTING || pp_error_ends_target(err) ||
		    !child->tracked.proc)
			continue;
		if (err)
			count_error(r, err);
		r->sample.process_name = child->name;
		if (!r->python_children[0])
			pyproc_describe(child->tracked.proc, r->python_children,
					sizeof(r->python_children));
		use_sample(r, err);
		sampled = true;
	}
	return sampled;
}

/* The Pythons the target ran ("CPython 3.11.7, then CPython 3.12.1" after
 * it executed another), or else its first Python descendant's. */
static void describe_python(struct recording *r, char *buf, size_t size)
{
	size_t i;

	note_python(r);
	if (r->python_before[0] || r->python_now[0]) {
		snprintf(buf, size, "%s%s%s", r->python_before,
			 r->python_before[0] && r->python_now[0] ? ", then " : "", r->python_now);
		return;
	}
	for (i = 0; i < r->children.count; i++) {
		if (r->children.items[i].tracked.proc) {
			pyproc_describe(r->children.items[i].tracked.proc, buf, size);
			return;
		}
	}
	snprintf(buf, size, "%s", r->python_children[0] ? r->python_children : "no CPython");
}

/*
 * Look at the target again (every CHILDREN_SCAN_NS, and at once after a
 * failed sample): it may have executed another program.  Say what it runs
 * now; one that no longer runs Python ends the recording, unless its
 * descendants are sampled too.
 */
static void watch_root(struct recording *r, uint64_t now, bool force)
{
	const struct options *o = r->options;
	enum tracked_change change;
	char command[512], python[96];

	note_python(r);
	if (tracked_poll(&r->root, &r->strings, now, force, &change) != 0)
		return;   /* gone: its exit ends the recording */
	if (change == TRACKED_EXECUTED) {
		python_before(r);
		r->exec_pending = true;
	}
	if (!r->exec_pending)
		return;
	procfs_cmdline(r->target.pid, command, sizeof(command));
	if (r->root.proc) {
		note_python(r);
		pyproc_describe(r->root.proc, python, sizeof(python));
		report("process %d executed '%s', which runs %s: sampling goes on",
		       (int)r->target.pid, command, python);
		r->process_name = strtab_intern_cstr(&r->strings, command);
		r->exec_pending = false;
	} else if (!tracked_hopeful(&r->root, now)) {
		report("process %d executed '%s', which does not run Python: %s",
		       (int)r->target.pid, command,
		       o->subprocesses ? "its Python descendants are still sampled"
				       : "the recording stops here");
		if (!o->subprocesses)
			r->stop = STOP_NOT_PYTHON;
		r->exec_pending = false;
	}
}

/* One tick: the target while it runs Python, then its descendants. */
static void sample_tick(struct recording *r, const struct pyproc_options *popts)
{
	uint64_t now = monotonic_ns();
	bool sampled = false;
	int err;

	if (now >= r->next_root_check_ns) {
		watch_root(r, now, false);
		r->next_root_check_ns = now + CHILDREN_SCAN_NS;
	}
	if (r->root.proc) {
		err = pyproc_sample(r->root.proc, popts, &r->sample);
		if (err && pp_error_class(err) != PP_STARTING)
			watch_root(r, monotonic_ns(), true);
		if (pp_error_class(err) == PP_STARTING) {
			r->not_ready++;
		} else if (!r->root.proc) {
			/* It executed another program: this sample was not of it. */
		} else if (pp_error_ends_target(err)) {
			if (target_exited(&r->target) || pp_error_class(err) == PP_GONE) {
				r->stop = STOP_EXITED;
			} else {
				r->stop = STOP_ERROR;
				r->fatal_error = err;
			}
			return;
		} else {
			if (err)
				count_error(r, err);
			r->sample.process_name = r->process_name;
			use_sample(r, err);
			sampled = true;
		}
	}
	if (r->options->subprocesses && sample_children(r, popts))
		sampled = true;
	if (sampled)
		r->samples++;
}

/* --native traced the processes: untraced before anything signals them. */
static void let_go(struct recording *r)
{
	pyproc_native_detach(r->root.proc);
	for (size_t i = 0; i < r->children.count; i++)
		pyproc_native_detach(r->children.items[i].tracked.proc);
}

static void show_status(struct recording *r, uint64_t now)
{
	const struct options *o = r->options;
	struct status_facts facts = {
		.pid = (int)r->target.pid,
		.samples = r->samples,
		.errors = r->errors,
		.elapsed_ns = r->sampled_ns + (now - r->started_ns),
		.duration_ns = o->repeat > 1 ? 0 : (uint64_t)(o->duration * 1e9),
		.run = r->run,
		.runs = o->repeat,
	};

	statusline_update(&r->status, now, &facts);
}

static void sample_loop(struct recording *r)
{
	const struct options *o = r->options;
	/* A recording keeps idle threads, marked, for render to choose. */
	struct pyproc_options popts = {
		.walk_idle = o->idle || o->format->recording,
		.mark_idle = o->format->recording || (o->gil && o->idle),
		/* --gil --idle: every thread, those waiting for the GIL marked. */
		.gil_only = o->gil && !o->idle,
		.gil_wait = o->gil && o->idle,
		.native = o->native,
		.native_stats = &r->native,
		.native_internals = o->native_internals,
		.gc = o->gc,
		.exceptions = o->exceptions,
		.async_tasks = o->async_tasks,
	};
	struct sample_clock clock;
	uint64_t deadline, stop_at = 0, last_poll = 0;
	int signo;

	r->started_ns = monotonic_ns();
	if (o->duration > 0)
		stop_at = r->started_ns + (uint64_t)(o->duration * 1e9);
	clock_init(&clock, o->rate, r->started_ns, r->started_ns | 1);
	deadline = r->started_ns;
	while (r->stop == STOP_NONE) {
		uint64_t now = monotonic_ns();

		/* Due, or behind schedule (the rate asked is more than peekpy can
		 * do): a poll per sample would only waste a system call; look
		 * for signals and the target's exit once a millisecond. */
		uint64_t wake;

		if (deadline <= now + MIN_SLEEP_NS && now - last_poll < 1000000)
			goto sample;
		last_poll = now;
		/* At a slow rate the status line is still redrawn in time. */
		wake = deadline > now + MIN_SLEEP_NS ? deadline : now;
		if (r->status.on && r->status.next_ns < wake)
			wake = r->status.next_ns > now ? r->status.next_ns : now;
		switch (events_wait(&r->events, wake, r->target.pidfd, &signo)) {
		case EVENT_SIGNAL:
			r->stop = STOP_SIGNAL;
			r->stop_signal = signo;
			continue;
		case EVENT_TARGET_EXIT:
			r->stop = STOP_EXITED;
			continue;
		case EVENT_DEADLINE:
			break;
		}
		if (wake < deadline) {
			show_status(r, monotonic_ns());
			continue;
		}
sample:
		if (stop_at && monotonic_ns() >= stop_at) {
			r->stop = STOP_DURATION;
			continue;
		}
		sample_tick(r, &popts);
		now = monotonic_ns();
		if (statusline_due(&r->status, now))
			show_status(r, now);
		deadline = clock_next(&clock, now);
	}
	r->ended_ns = monotonic_ns();
	r->sampled_ns += r->ended_ns - r->started_ns;
	r->skipped_ticks += clock.skipped;
}

/*
 * Open the output before sampling: a path that cannot be written is told
 * now, not after the recording.  -o is opened before a command is even
 * started; the default name (with the target's pid) once it is.
 */
static int open_output(struct recording *r)
{
	return recordfile_open(&r->file, r->options->output, r->target.pid);
}

/* What the profile says of itself: its text lives in text. */
struct profile_text {
	char python[320];
	char title[64];
};

static void describe_profile(struct recording *r, struct profile_text *text,
			     struct profile_meta *meta)
{
	struct timespec now;

	describe_python(r, text->python, sizeof(text->python));
	snprintf(text->title, sizeof(text->title), "peekpy: process %d", (int)r->target.pid);
	clock_gettime(CLOCK_REALTIME, &now);
	*meta = (struct profile_meta){
		.title = text->title,
		.name = r->command[0] ? r->command : "peekpy",
		.command = r->command,
		.python = text->python,
		.pid = (uint32_t)r->target.pid,
		.rate_hz = r->options->rate,
		.subprocesses = r->options->subprocesses,
		.started_unix_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec,
		.samples = r->samples,
		.errors = r->errors,
		.duration_ns = r->sampled_ns,
		.read_source = sources_read,
		.source_ctx = &r->source_root,
	};
	r->source_root.pid = r->target.pid;
}

/* What was sampled: counts, and what --gc, --exceptions, --native found. */
static void print_counts(struct recording *r, const char *python)
{
	const struct options *o = r->options;
	double seconds = (double)r->sampled_ns / 1e9;
	double achieved = seconds > 0 ? (double)r->samples / seconds : 0;
	int decimals = o->rate == (double)(long)o->rate ? 0 : 2;
	char written[48] = "";

	/* The samples taken, and the stacks the profile holds: a sample holds
	 * one per thread shown, none when it failed or found no Python frame. */
	if (!r->top)
		snprintf(written, sizeof(written), ", %llu stacks written",
			 (unsigned long long)r->file.sink.stacks);
	report("%llu samples (%.1f/s of %.*f/s asked), %llu errors%s, %s",
	       (unsigned long long)r->samples, achieved, decimals, o->rate,
	       (unsigned long long)r->errors, written, python);
	if (o->gc && !r->blind_gc)
		report("garbage collection: %.1f%% of the time threads ran Python (%llu of %llu "
		       "stacks under <GC>)",
		       r->running_stacks ? 100.0 * (double)r->gc_stacks / (double)r->running_stacks : 0.0,
		       (unsigned long long)r->gc_stacks, (unsigned long long)r->running_stacks);
	if (o->exceptions)
		report("exceptions: %llu of %llu samples (%.1f%%) caught a thread raising or handling "
		       "one; only those were kept", (unsigned long long)r->exception_samples,
		       (unsigned long long)r->samples,
		       r->samples ? 100.0 * (double)r->exception_samples / (double)r->samples : 0.0);
	if (o->native) {
		const struct native_stats *native = &r->native;

		report("native stacks: %llu merged, %llu with the native unwind lost "
		       "(%.0f per million); target held %.1f us a sample (median), %.1f us (99th "
		       "percentile)", (unsigned long long)native->threads,
		       (unsigned long long)native->lost,
		       native->threads ? 1e6 * (double)native->lost / (double)native->threads : 0.0,
		       (double)native_stats_pause(native, 0.5) / 1e3,
		       (double)native_stats_pause(native, 0.99) / 1e3);
	}
}

/* What the target's build could not show of what was asked. */
static void print_blind_spots(struct recording *r, const char *python)
{
	if (r->blind_gc)
		report("--gc: %s names no garbage collector state (a stripped 2.7 or 3.6 binary); "
		       "no <GC> frames could be shown", python);
	if (r->blind_gil)
		report("--gil --idle: %s names no GIL (a stripped 2.7 or 3.6 binary); no thread "
		       "could be shown waiting for it", python);
	if (r->blind_tasks)
		report("--async: %s keeps no record of its asyncio tasks that can be read from "
		       "outside (3.7 and later do); its stacks are as without --async", python);
}

/* --verbose: how sampling went. */
static void print_details(struct recording *r)
{
	const struct options *o = r->options;
	struct pyproc_stats stats = { 0 };

	if (o->native)
		report("native symbols: %llu addresses looked up, %llu resolved",
		       (unsigned long long)r->native.symbol_lookups,
		       (unsigned long long)r->native.symbol_misses);
	if (r->root.proc)
		pyproc_stats(r->root.proc, &stats);
	report("interpreter in %s; %.2f s sampled; %llu ticks skipped behind "
	       "schedule; %llu ticks before Python was ready",
	       r->root.details.binary, (double)r->sampled_ns / 1e9,
	       (unsigned long long)r->skipped_ticks, (unsigned long long)r->not_ready);
	report("code objects: %llu hits, %llu read, %llu re-read; %llu threads "
	       "walked twice; %zu distinct stacks; last sample: %llu reads, %llu bytes",
	       (unsigned long long)stats.code_hits, (unsigned long long)stats.code_misses,
	       (unsigned long long)stats.code_invalidated,
	       (unsigned long long)stats.retries, r->file.sink.tree.n_nodes - 1,
	       (unsigned long long)stats.reads_last_sample,
	       (unsigned long long)stats.snapshot_bytes);
	report("thread names: threading's threads read %llu times",
	       (unsigned long long)stats.name_lookups);
	for (size_t i = 0; i < sizeof(r->error_counts) / sizeof(r->error_counts[0]) &&
			   r->error_counts[i].code; i++)
		report("%llu samples incomplete: %s", (unsigned long long)r->error_counts[i].count,
		       pp_strerror(r->error_counts[i].code));
}

static void print_summary(struct recording *r)
{
	char python[320];

	describe_python(r, python, sizeof(python));
	statusline_clear(&r->status);
	if (!r->options->quiet)
		print_counts(r, python);
	print_blind_spots(r, python);
	if (r->options->verbose)
		print_details(r);
}

/* A streamed format: start the file, written as sampling goes. */
static int start_output(struct recording *r)
{
	struct profile_text text;
	struct profile_meta meta;

	describe_profile(r, &text, &meta);
	return recordfile_start(&r->file, &meta);
}

static int finish(struct recording *r)
{
	const struct options *o = r->options;
	int err, status = 0;

	if (r->top) {
		top_stop(r->top);
		err = 0;
	} else {
		struct profile_text text;
		struct profile_meta meta;

		describe_profile(r, &text, &meta);
		err = recordfile_finish(&r->file, &meta);
	}
	if (err)
		status = 1;
	print_summary(r);
	if (!r->samples && !r->root.proc && o->subprocesses && !r->top) {
		report("no Python found in process %d or its descendants; the profile is empty",
		       (int)r->target.pid);
		status = 1;
	}
	if (r->stop == STOP_ERROR) {
		report_target_error(r->target.pid, r->fatal_error, &r->root.details);
		status = 1;
	}
	if (!err && o->verbose && !r->top && strcmp(r->file.out.path, "-") != 0)
		report("wrote %s", r->file.out.path);
	return status;
}

/*
 * One run: the target started (or attached to), sampled until it stops,
 * let go.  0, or 1 when it could not be profiled (reported).
 */
static int record_one_run(struct recording *r, struct startup *start)
{
	const struct options *o = r->options;
	int err;

	r->target = (struct target)TARGET_INIT;
	r->stop = STOP_NONE;
	if (startup_target(start, r->command, sizeof(r->command)) != 0)
		return 1;
	if (o->command != COMMAND_TOP && !r->file.open && open_output(r) != 0) {
		target_finish(&r->target, CHILD_GRACE_MS);
		return 1;
	}
	err = startup_wait_for_python(start);
	if (err) {
		startup_report_no_python(start, err);
		target_finish(&r->target, CHILD_GRACE_MS);
		return 1;
	}
	/* A launched wrapper (env, chroot, a script) has executed Python by
	 * now: the profile is named by what the target runs. */
	if (o->argv && r->root.proc) {
		char running[sizeof(r->command)];

		procfs_cmdline(r->target.pid, running, sizeof(running));
		if (running[0])
			memcpy(r->command, running, sizeof(running));
	}
	note_python(r);
	if (o->verbose) {
		char python[320];

		describe_python(r, python, sizeof(python));
		report("found %s in %s (process %d)", python, r->root.details.binary,
		       (int)r->target.pid);
	}
	r->process_name = strtab_intern_cstr(&r->strings, r->command);
	children_init(&r->children, r->target.pid, &r->strings);
	if (o->command == COMMAND_TOP) {
		char title[1400], python[320];

		describe_python(r, python, sizeof(python));
		snprintf(title, sizeof(title), "peekpy top: process %d (%s): %.900s",
			 (int)r->target.pid, python, r->command);
		top_start(r->top, &r->strings, o, title, monotonic_ns());
	} else if (r->run == 1 && start_output(r) != 0) {
		target_finish(&r->target, CHILD_GRACE_MS);
		children_release(&r->children);
		return 1;
	}
	sample_loop(r);
	let_go(r);
	/* A launched program still running when recording stops is stopped
	 * with it: peekpy ends with the program it started. */
	target_finish(&r->target, CHILD_GRACE_MS);
	return 0;
}

/* --repeat: whether to run the command again after run r->run: after it
 * ended by itself or at --duration (which limits each run), not after
 * Ctrl-C or an error. */
static bool run_again(struct recording *r)
{
	int status;

	if (r->run >= r->options->repeat ||
	    (r->stop != STOP_EXITED && r->stop != STOP_DURATION))
		return false;
	status = target_exit_status(&r->target);
	if (status) {
		report("run %u of %u failed (status %d): the recording stops there",
		       r->run, r->options->repeat, status);
		return false;
	}
	tracked_release(&r->root);
	memset(&r->root, 0, sizeof(r->root));
	children_release(&r->children);
	r->python_now[0] = '\0';
	r->sample.run = ++r->run;
	return true;
}

int record_run(const struct options *o)
{
	struct recording r;
	struct top_screen top;
	struct startup start = { .options = o, .target = &r.target, .root = &r.root,
				 .events = &r.events, .strings = &r.strings,
				 .invoker = &r.invoker };
	struct stack_options stack_options = {
		.lines = o->lines,
		.full_filenames = o->full_filenames,
		.thread_roots = o->threads || o->format->thread_roots,
		.process_roots = o->subprocesses,
		.include_idle = o->idle,
	};
	bool sampled = false, failed = false;
	int err, status;

	memset(&r, 0, sizeof(r));
	r.options = o;
	r.target = (struct target)TARGET_INIT;
	err = events_init(&r.events);
	if (err) {
		report("cannot set up signal handling: %s", strerror(-err));
		return 1;
	}
	strtab_init(&r.strings);
	sample_init(&r.sample);
	invoker_find(&r.invoker);
	recordfile_init(&r.file, o->format, &r.strings, &stack_options, &r.invoker);
	if (o->command == COMMAND_TOP)
		r.top = &top;
	/* Not over a profile written to the same terminal. */
	statusline_init(&r.status, o->command == COMMAND_RECORD && !o->quiet &&
			!(o->output && strcmp(o->output, "-") == 0 && isatty(STDOUT_FILENO)),
			monotonic_ns());
	/* Runs of a repeated command are told apart in a recording; a
	 * single run is not marked. */
	r.run = 1;
	r.sample.run = o->repeat > 1 ? 1 : 0;
	status = 1;
	if (o->command != COMMAND_TOP && o->output && open_output(&r) != 0)
		goto out;
	do {
		failed = record_one_run(&r, &start) != 0;
		sampled |= !failed;
	} while (!failed && run_again(&r));
	/* A run that could not start after others were sampled: theirs is
	 * written, and the status says the recording is short. */
	if (sampled) {
		status = finish(&r);
		/* A launched command that failed by itself: its status (CI
		 * steps that wrap a command depend on it), unless peekpy
		 * failed too. */
		if (status == 0)
			status = failed ? 1 : target_exit_status(&r.target);
	}
	/* After finish(): the summary names the Python of a descendant when
	 * the target ran none. */
	children_release(&r.children);
out:
	tracked_release(&r.root);
	recordfile_release(&r.file);
	sample_release(&r.sample);
	strtab_release(&r.strings);
	events_release(&r.events);
	return status;
}
