// SPDX-License-Identifier: MIT
/* exitscope runs DB [--format table|csv|json]: the runs a store holds. */
#include <stdio.h>

#include "cli/command.h"
#include "cli/query_command.h"

static const char runs_sql[] =
	"SELECT run_id AS run, coalesce(started_at, created_at) AS started, source,"
	" run_state(run_id, state) AS state, guest, host, exits, dropped,"
	" unsupported, round((last_ts - first_ts) / 1e9, 3) AS seconds, coalesce(cmdline, imported_from) AS origin"
	" FROM runs ORDER BY run_id";

static void usage(FILE *out)
{
	fprintf(out, "usage: exitscope runs DB [--format table|csv|json]\n\n"
		     "List the runs (recordings, launches, imports) an exitscope store holds: when, what produced\n"
		     "them, how many exits, how many were dropped and how many controls the host did not honour.\n"
		     "A run being written shows as 'recording'; one whose writer died (killed, or the disk too full\n"
		     "to record its end) as 'incomplete': it keeps every committed batch.\n\n"
		     "  -f, --format FMT   table (default), csv or json\n");
}

static int cmd_runs(int argc, char **argv)
{
	return xs_query_command(argc, argv, runs_sql, usage);
}

XS_COMMAND(runs, "list the runs an exitscope database holds", cmd_runs);
