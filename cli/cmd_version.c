// SPDX-License-Identifier: MIT
/* exitscope version: what this build is and what its record format is. */
#include <stdio.h>
#include <string.h>

#include "cli/command.h"
#include "exitscope/record.h"

#ifndef XS_VERSION
#define XS_VERSION "dev"
#endif

static int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: exitscope version\n\nPrint the exitscope version and the exit-record format version.\n");
		return XS_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "exitscope version: unexpected argument '%s'\n", argv[1]);
		return XS_EXIT_USAGE;
	}
	printf("exitscope %s (exit record v%d, %d/%d bytes)\n", XS_VERSION, XS_RECORD_VERSION, XS_RECORD_CORE_SIZE,
	       XS_RECORD_FULL_SIZE);
	return XS_EXIT_OK;
}

XS_COMMAND(version, "print the version and record format", cmd_version);
