/*
 * fuzz_collapsed.c - libFuzzer harness for collapsed stacks from any tool,
 * as `peekpy render stacks.txt` reads them: any bytes are read (with and
 * without line numbers, all threads or one) and drawn as a flame graph,
 * collapsed stacks and a speedscope profile.  Nothing may crash, leak,
 * hang or read out of bounds.  Built by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../base/strtab.h"
#include "../../output/collapsed.h"
#include "../../output/flamegraph.h"
#include "../../output/speedscope.h"
#include "../../output/stacktree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stack_options options = { .lines = STACK_LINES_EXECUTING, .include_idle = true };
	struct collapsed_read how = {
		.thread = size && (data[0] & 1) ? 12 : -1,
		.no_lines = size && (data[0] & 2),
	};
	struct flamegraph_meta meta = { .title = "fuzz" };
	struct speedscope_meta about = { .name = "fuzz", .exporter = "fuzz" };
	FILE *in, *out;
	struct strtab strings;
	struct stacktree tree;

	if (size == 0)
		return 0;   /* fmemopen takes no empty buffer; nothing to read */
	in = fmemopen((void *)data, size, "r");
	out = fopen("/dev/null", "w");
	if (!in || !out)
		abort();
	strtab_init(&strings);
	stacktree_init(&tree, &strings, &options);
	collapsed_read(&tree, in, &how);
	stacktree_compact(&tree);
	stacktree_compute_totals(&tree);
	flamegraph_write(&tree, &meta, out);
	collapsed_write(&tree, out);
	speedscope_write(&tree, &about, out);
	stacktree_release(&tree);
	strtab_release(&strings);
	fclose(in);
	fclose(out);
	return 0;
}
