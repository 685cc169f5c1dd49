/*
 * runset.c - reading the runs to compare into one tree (see runset.h).
 */
#include "runset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/errors.h"
#include "../base/xalloc.h"
#include "collapsed.h"
#include "rawreader.h"

void runset_init(struct runset *set)
{
	const struct stack_options how = { .lines = STACK_LINES_NONE };

	memset(set, 0, sizeof(*set));
	strtab_init(&set->strings);
	stacktree_init(&set->tree, &set->strings, &how);
	set->timed = true;
}

void runset_release(struct runset *set)
{
	size_t i;

	for (i = 0; i < set->n_runs; i++)
		free(set->runs[i].self);
	free(set->runs);
	free(set->counted);
	stacktree_release(&set->tree);
	strtab_release(&set->strings);
	memset(set, 0, sizeof(*set));
}

static struct run *open_run(struct runset *set, enum side side)
{
	struct run *run;

	XGROW(set->runs, set->cap_runs, set->n_runs + 1);
	run = &set->runs[set->n_runs++];
	memset(run, 0, sizeof(*run));
	run->side = side;
	return run;
}

/* The samples added since the last run was closed are this run's: each
 * node's count beyond what earlier runs took. */
static void close_run(struct runset *set, struct run *run)
{
	size_t n = set->tree.n_nodes, i;

	if (set->cap_counted < n) {
		set->counted = xreallocarray(set->counted, n, sizeof(*set->counted));
		memset(set->counted + set->cap_counted, 0,
		       (n - set->cap_counted) * sizeof(*set->counted));
		set->cap_counted = n;
	}
	run->self = xcalloc(n ? n : 1, sizeof(*run->self));
	run->n_self = n;
	for (i = 0; i < n; i++) {
		run->self[i] = set->tree.nodes[i].self - set->counted[i];
		run->samples += run->self[i];
		set->counted[i] = set->tree.nodes[i].self;
	}
}

/* --- recordings --- */

struct recording_runs {
	struct runset *set;
	enum side side;
	double rate_hz;
	struct run *run;            /* the one being read, NULL before the first sample */
	uint32_t number;            /* its RUN number, 0 for a recording of one run */
	uint32_t root_pid;          /* ticks are counted by the first process's samples */
	uint64_t first_ns, last_ns, ticks;
};

/* A tick lasts the time between the run's first and last samples spread
 * over the ticks between them; a run of one tick, the rate's period. */
static void end_recorded_run(struct recording_runs *rr)
{
	struct run *run = rr->run;

	if (!run)
		return;
	close_run(rr->set, run);
	if (rr->ticks > 1)
		run->seconds_per_sample = (double)(rr->last_ns - rr->first_ns) / 1e9 /
					  (double)(rr->ticks - 1);
	else if (rr->rate_hz > 0)
		run->seconds_per_sample = 1 / rr->rate_hz;
	rr->run = NULL;
}

static int add_recorded_sample(void *ctx, struct sample *sample)
{
	struct recording_runs *rr = ctx;

	if (!rr->run || sample->run != rr->number) {
		end_recorded_run(rr);
		rr->number = sample->run;
		rr->run = open_run(rr->set, rr->side);
		rr->root_pid = sample->pid;
		rr->first_ns = sample->time_ns;
		rr->ticks = 0;
	}
	if (sample->pid == rr->root_pid) {
		rr->ticks++;
		rr->last_ns = sample->time_ns;
	}
	stacktree_add_sample(&rr->set->tree, sample);
	return 0;
}

static int stop_at_first_sample(void *ctx, struct sample *sample)
{
	(void)ctx;
	(void)sample;
	return 1;
}

static int add_recording(struct runset *set, enum side side, FILE *in, const char *name,
			 char *why, size_t why_size)
{
	struct recording_runs rr = { .set = set, .side = side };
	struct raw_info info;
	size_t first_run = set->n_runs;
	int err;

	/* The rate is in the first records, before any sample: read up to
	 * there first, for a run of a single tick. */
	err = rawfile_read(in, &set->strings, stop_at_first_sample, NULL, &info);
	rr.rate_hz = info.rate_hz;
	if (!set->command[side][0])
		snprintf(set->command[side], sizeof(set->command[side]), "%s", info.command);
	raw_info_release(&info);
	if (!err) {
		rewind(in);
		err = rawfile_read(in, &set->strings, add_recorded_sample, &rr, &info);
		raw_info_release(&info);
	}
	end_recorded_run(&rr);
	if (err == PP_EFORMAT || err == PP_EVERSION)
		snprintf(why, why_size, "%s: %s", name, info.problem);
	else if (err)
		snprintf(why, why_size, "cannot read %s: %s", name, strerror(-err));
	else if (set->n_runs == first_run)
		snprintf(why, why_size, "%s holds no samples", name);
	return err ? err : set->n_runs == first_run ? PP_EFORMAT : 0;
}

/* --- collapsed stacks: one run, counted in samples --- */

static int add_collapsed(struct runset *set, enum side side, FILE *in, const char *name,
			 char *why, size_t why_size)
{
	struct collapsed_read how = { .thread = -1, .no_lines = true };
	struct run *run;
	int err = collapsed_read(&set->tree, in, &how);

	if (err) {
		snprintf(why, why_size, "cannot read %s: %s", name, strerror(-err));
		return err;
	}
	if (how.bad_lines || !how.samples) {
		snprintf(why, why_size, how.bad_lines
			 ? "%s: line %llu is not a collapsed stack ('frame;frame COUNT') nor a "
			   "recording: a damaged file is not compared"
			 : "%s holds no samples", name, (unsigned long long)how.first_bad_line);
		return PP_EFORMAT;
	}
	run = open_run(set, side);
	close_run(set, run);
	set->timed = false;
	return 0;
}

int runset_add_file(struct runset *set, enum side side, FILE *in, const char *name,
		    char *why, size_t why_size)
{
	uint8_t head[8];
	size_t got = fread(head, 1, sizeof(head), in);

	why[0] = '\0';
	if (ferror(in)) {
		snprintf(why, why_size, "cannot read %s: %s", name, strerror(errno));
		return errno ? -errno : -EIO;
	}
	rewind(in);
	if (rawfile_is_recording(head, got))
		return add_recording(set, side, in, name, why, why_size);
	return add_collapsed(set, side, in, name, why, why_size);
}

void runset_finish(struct runset *set)
{
	size_t n = set->tree.n_nodes, i;

	/* Nodes added by later runs are absent from earlier ones. */
	for (i = 0; i < set->n_runs; i++) {
		struct run *run = &set->runs[i];

		if (run->n_self >= n)
			continue;
		run->self = xreallocarray(run->self, n, sizeof(*run->self));
		memset(run->self + run->n_self, 0, (n - run->n_self) * sizeof(*run->self));
		run->n_self = n;
	}
	stacktree_compute_totals(&set->tree);
}

size_t runset_count(const struct runset *set, enum side side)
{
	size_t i, n = 0;

	for (i = 0; i < set->n_runs; i++)
		n += set->runs[i].side == side;
	return n;
}

double runset_unit(const struct runset *set, const struct run *run)
{
	return set->timed && run->seconds_per_sample > 0 ? run->seconds_per_sample : 1;
}
