/*
 * fuzz_recording.c - libFuzzer harness for the recording reader, as
 * `peekpy info` and `peekpy render FILE.peek` use it: any bytes are read,
 * every sample found is drawn as a flame graph, collapsed stacks, a
 * speedscope profile and a chrome trace.  Nothing may crash, leak, hang or
 * read out of bounds.  Built by `make fuzz` (clang, -fsanitize=fuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../base/strtab.h"
#include "../../output/chrometrace.h"
#include "../../output/collapsed.h"
#include "../../output/flamegraph.h"
#include "../../output/rawreader.h"
#include "../../output/speedscope.h"
#include "../../output/stacktree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sinks {
	struct stacktree *tree;
	struct chrometrace *trace;
};

static int add(void *ctx, struct sample *sample)
{
	struct sinks *sinks = ctx;

	stacktree_add_sample(sinks->tree, sample);
	return chrometrace_add_sample(sinks->trace, sample) ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stack_options options = { .lines = STACK_LINES_EXECUTING, .include_idle = true,
					 .thread_roots = true, .process_roots = true };
	struct flamegraph_meta meta = { .title = "fuzz" };
	struct speedscope_meta about = { .name = "fuzz", .exporter = "fuzz" };
	FILE *in, *out;
	struct strtab strings;
	struct stacktree tree;
	struct chrometrace trace;
	struct raw_info info;
	struct sinks sinks = { &tree, &trace };

	if (size == 0)
		return 0;   /* fmemopen takes no empty buffer; nothing to read */
	in = fmemopen((void *)data, size, "rb");
	out = fopen("/dev/null", "w");
	if (!in || !out)
		abort();
	strtab_init(&strings);
	stacktree_init(&tree, &strings, &options);
	chrometrace_init(&trace, out, &strings, &options);
	rawfile_read(in, &strings, add, &sinks, &info);
	chrometrace_finish(&trace);
	stacktree_compact(&tree);
	stacktree_compute_totals(&tree);
	flamegraph_write(&tree, &meta, out);
	collapsed_write(&tree, out);
	speedscope_write(&tree, &about, out);
	chrometrace_release(&trace);
	stacktree_release(&tree);
	raw_info_release(&info);
	strtab_release(&strings);
	fclose(in);
	fclose(out);
	return 0;
}
