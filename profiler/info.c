/*
 * info.c - saying what a recording holds (see info.h).
 */
#include "info.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../base/errors.h"
#include "../base/strtab.h"
#include "../output/rawformat.h"
#include "../output/rawreader.h"
#include "invoker.h"
#include "report.h"

static void print_started(uint64_t unix_ns)
{
	time_t seconds = (time_t)(unix_ns / 1000000000u);
	struct tm tm;
	char text[64];

	gmtime_r(&seconds, &tm);
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("started:   %s\n", text);
}

static void print_info(const char *path, const struct raw_info *info)
{
	double seconds = (double)(info->has_end ? info->end.duration_ns : info->last_ns) / 1e9;
	size_t i;

	printf("recording: %s (peekpy format %d, written by peekpy %s)\n", path, RAWFILE_VERSION,
	       info->peekpy[0] ? info->peekpy : "?");
	printf("target:    process %u: %s\n", info->pid, info->command[0] ? info->command : "?");
	printf("python:    %s\n", info->python[0] ? info->python : "?");
	if (info->started_unix_ns)
		print_started(info->started_unix_ns);
	printf("duration:  %.2f s\n", seconds);
	if (info->runs)
		printf("runs:      %u (peekpy record --repeat), kept apart\n", info->runs);
	printf("rate:      %g/s asked, %.1f/s recorded\n", info->rate_hz,
	       seconds > 0 ? (double)info->samples / seconds : 0.0);
	printf("samples:   %llu", (unsigned long long)info->samples);
	if (info->has_end)
		printf(", %llu errors", (unsigned long long)info->end.errors);
	printf("\nthreads:   %zu\n", info->n_tids);
	for (i = 0; i < info->n_tids; i++)
		printf("  thread %u: %llu samples\n", info->tids[i],
		       (unsigned long long)info->tid_samples[i]);
	if (info->problem[0])
		printf("status:    incomplete: %s; what comes before is readable\n", info->problem);
	else
		printf("status:    complete\n");
}

int info_run(const struct options *o)
{
	struct raw_info info;
	struct strtab strings;
	struct invoker as;
	FILE *in;
	int err;

	invoker_find(&as);
	in = invoker_fopen(&as, o->input, "rb");
	if (!in) {
		report("cannot read '%s': %s", o->input, strerror(errno));
		return 1;
	}
	strtab_init(&strings);
	err = rawfile_read(in, &strings, NULL, NULL, &info);
	fclose(in);
	strtab_release(&strings);
	if (err && (err != PP_EFORMAT || !info.samples)) {
		report("%s: %s", o->input, err == PP_EFORMAT || err == PP_EVERSION
					   ? info.problem : strerror(-err));
		raw_info_release(&info);
		return 1;
	}
	print_info(o->input, &info);
	if (err)
		report("%s: %s; the samples before it are readable", o->input, info.problem);
	raw_info_release(&info);
	return err ? 1 : 0;
}
