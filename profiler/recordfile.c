/*
 * recordfile.c - record's output: its sink and its file (see recordfile.h).
 */
#include "recordfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

/* A streamed file is pushed at least this often. */
#define PUSH_EVERY_NS 1000000000u

void recordfile_init(struct record_file *file, const struct format *format,
		     struct strtab *strings, const struct stack_options *how,
		     struct invoker *invoker)
{
	memset(file, 0, sizeof(*file));
	sink_init(&file->sink, format, strings, how);
	file->invoker = invoker;
}

static void default_name(const struct record_file *file, char *buf, size_t size)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, size, "peekpy-%d-%s.%s", (int)file->pid, stamp,
		 file->sink.format->extension);
}

int recordfile_open(struct record_file *file, const char *path, pid_t pid)
{
	char name[4096];
	int err;

	file->pid = pid;
	if (path)
		snprintf(name, sizeof(name), "%s", path);
	else
		default_name(file, name, sizeof(name));
	err = outfile_open(&file->out, name, file->sink.format->streamed, file->invoker);
	if (err) {
		report("cannot write %s: %s%s", name, strerror(-err),
		       file->invoker->active ? " (as the user who ran sudo)" : "");
		return err;
	}
	file->open = true;
	return 0;
}

static int push(struct record_file *file)
{
	int err = sink_flush(&file->sink);

	if (!err)
		file->pushed = file->added;
	return err;
}

int recordfile_start(struct record_file *file, const struct profile_meta *meta)
{
	int err;

	if (!file->sink.format->streamed)
		return 0;
	err = sink_start(&file->sink, outfile_stream(&file->out), meta);
	if (!err)
		err = push(file);
	if (err)
		report("cannot write %s: %s", file->out.path, strerror(-err));
	return err;
}

int recordfile_add(struct record_file *file, const struct sample *sample)
{
	if (file->err)
		return file->err;
	file->err = sink_add(&file->sink, sample);
	if (file->err)
		return file->err;
	file->added++;
	if (file->sink.format->streamed && sample->time_ns - file->pushed_ns >= PUSH_EVERY_NS) {
		file->err = push(file);
		file->pushed_ns = sample->time_ns;
	}
	return file->err;
}

/* The file, in a whole-file format. */
struct whole_write {
	struct record_file *file;
	const struct profile_meta *meta;
};

static int write_whole(void *ctx, FILE *out)
{
	const struct whole_write *job = ctx;

	return sink_finish(&job->file->sink, job->meta, out);
}

/*
 * A whole-file profile that could not be written where asked (a full
 * disk, a directory gone since the start) goes to the temporary
 * directory instead, so that the recording is not lost.
 */
static void rescue(struct record_file *file, struct whole_write *job, int err)
{
	const char *dir = getenv("TMPDIR");
	char where[4200];

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(where, sizeof(where), "%s/peekpy-%d-%d-rescued.%s", dir, (int)file->pid,
		 (int)getpid(), file->sink.format->extension);
	if (outfile_write(where, file->invoker, write_whole, job) == 0)
		report("cannot write %s: %s; the profile was written to %s instead",
		       file->out.path, strerror(-err), where);
	else
		report("cannot write %s: %s, nor a copy in the temporary directory; "
		       "the profile is lost", file->out.path, strerror(-err));
}

/*
 * A streamed file whose writing failed keeps what was pushed before: it
 * is put in place with those samples, or removed when it holds none.
 */
static void keep_what_was_pushed(struct record_file *file, int err)
{
	char path[sizeof(file->out.path)];

	snprintf(path, sizeof(path), "%s", file->out.path);
	if (file->pushed && outfile_keep(&file->out) == 0) {
		report("cannot write %s: %s; the recording stopped there: the %llu samples "
		       "written before are in %s", path, strerror(-err),
		       (unsigned long long)file->pushed, path);
		return;
	}
	outfile_discard(&file->out);
	report("cannot write %s: %s; nothing was recorded", path, strerror(-err));
}

static int finish_streamed(struct record_file *file, const struct profile_meta *meta)
{
	int err = file->err;

	if (!err)
		err = sink_finish(&file->sink, meta, outfile_stream(&file->out));
	if (!err) {
		file->pushed = file->added;
		err = outfile_commit(&file->out);
	} else {
		keep_what_was_pushed(file, err);
	}
	return err;
}

static int finish_whole(struct record_file *file, const struct profile_meta *meta)
{
	struct whole_write job = { file, meta };
	int err = outfile_finish_with(&file->out, write_whole, &job);

	if (err && strcmp(file->out.path, "-") != 0)
		rescue(file, &job, err);
	else if (err)
		report("cannot write the profile to standard output: %s", strerror(-err));
	return err;
}

int recordfile_finish(struct record_file *file, const struct profile_meta *meta)
{
	int err = file->sink.format->streamed ? finish_streamed(file, meta)
					       : finish_whole(file, meta);

	file->open = false;
	return err;
}

void recordfile_release(struct record_file *file)
{
	if (file->open)
		outfile_discard(&file->out);
	sink_release(&file->sink);
	memset(file, 0, sizeof(*file));
}
