/*
 * main.c - peekpy's entry point: parse the command line, run a command.
 *
 * Exit status: 0 when a recording was written (whatever ended it), 1 when
 * the target could not be profiled or its profile not written, 2 for a
 * usage error; record -- COMMAND passes on a failing command's own status.
 */
#include <stdio.h>

#include "../base/errors.h"
#include "check.h"
#include "completions.h"
#include "diff.h"
#include "dump.h"
#include "info.h"
#include "options.h"
#include "record.h"
#include "render.h"
#include "report.h"

#ifndef PEEKPY_VERSION
#define PEEKPY_VERSION "unknown"
#endif

int main(int argc, char **argv)
{
	struct options options;
	char why[512];

	if (options_parse(argc, argv, &options, why, sizeof(why)) != 0) {
		report("%s", why);
		return 2;
	}
	if (options.version) {
		printf("peekpy %s\n", PEEKPY_VERSION);
		return 0;
	}
	if (options.help) {
		options_print_help(&options, stdout);
		return 0;
	}
	switch (options.command) {
	case COMMAND_RECORD:
	case COMMAND_TOP:
		return record_run(&options);
	case COMMAND_RENDER:
		return render_run(&options);
	case COMMAND_INFO:
		return info_run(&options);
	case COMMAND_CHECK:
		return check_run(&options);
	case COMMAND_DIFF:
		return diff_run(&options);
	case COMMAND_DUMP:
		return dump_run(&options);
	case COMMAND_COMPLETIONS:
		return completions_run(&options);
	case COMMAND_NONE:
		break;
	}
	/* No command: what there is to do, as a usage error. */
	options_print_help(&options, stderr);
	return 2;
}
