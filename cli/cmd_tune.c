// SPDX-License-Identifier: MIT
/* exitscope tune SCRIPT.lua [ARGS]: run a tuning script (tune/lua_api.h) against one session store. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/command.h"
#include "common/util.h"
#include "tune/lua_api.h"
#include "tune/session.h"

#include <lua.h>

static const char usage_text[] =
	"usage: exitscope tune [-o STORE] [--timeout SECONDS] SCRIPT.lua [ARGS...]\n"
	"\n"
	"Run a Lua 5.4 tuning script. The script launches guests with xs.run{...}, compares results with\n"
	"xs.diff(a, b) and writes control files with xs.write_controls(); every run goes into one session\n"
	"store with a tune_runs table describing it (docs/tune.md). Shipped scripts: scripts/controls-impact.lua,\n"
	"scripts/minimize-exits.lua, scripts/sweep.lua.\n"
	"\n"
	"  -o, --output STORE    the session store (default tune-<UTC time>.db; an existing store is added to)\n"
	"  --timeout SECONDS     stop the script (and a run in progress) after this long; runs finished are kept\n"
	"\n"
	"An error in the script stops it with one line SCRIPT:LINE: message and exit status 1.\n";

static const struct option options[] = {
	{"output", required_argument, 0, 'o'},
	{"timeout", required_argument, 0, 't'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
};

static int cmd_tune(int argc, char **argv)
{
	const char *store = NULL;
	double timeout = 0;
	optind = 1;
	opterr = 0;
	int c;
	/* '+': options stop at the script; what follows is the script's */
	while ((c = getopt_long(argc, argv, "+o:h", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			store = optarg;
			break;
		case 't':
			if (!xs_parse_seconds(optarg, &timeout) || timeout <= 0) {
				xs_err("tune: --timeout '%s': give a positive number of seconds", optarg);
				return XS_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return XS_EXIT_OK;
		default:
			xs_err("tune: unknown or incomplete option '%s' (see exitscope tune --help)", argv[optind - 1]);
			return XS_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		xs_err("tune: give a script (see exitscope tune --help)");
		return XS_EXIT_USAGE;
	}
	const char *script = argv[optind];
	FILE *f = fopen(script, "r");
	if (!f) {
		xs_err("tune: %s: %s", script, strerror(errno));
		return XS_EXIT_FAILURE;
	}
	fclose(f);
	char def[64];
	if (!store) {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(def, sizeof(def), "tune-%Y%m%dT%H%M%SZ.db", &tm);
		store = def;
	}
	char err[1024];
	struct xs_tune_session s;
	if (xs_tune_session_open(&s, store, script, argc - optind - 1, argv + optind + 1, timeout, err, sizeof(err))) {
		xs_err("tune: %s", err);
		return XS_EXIT_FAILURE;
	}
	struct lua_State *L = xs_tune_lua_new(&s, stdout);
	if (!L) {
		xs_err("tune: cannot create a Lua state (out of memory)");
		xs_tune_session_close(&s);
		return XS_EXIT_FAILURE;
	}
	int rc = xs_tune_lua_run(L, script, NULL, argc - optind - 1, argv + optind + 1, err, sizeof(err));
	xs_tune_lua_close(L);
	fflush(stdout);
	/* one line either way; on an error it also says what the store kept */
	if (rc)
		xs_err("tune: %s (session store %s keeps the %zu finished run%s)", err, s.path, s.runs_kept,
		       s.runs_kept == 1 ? "" : "s");
	else
		fprintf(stderr, "tune: session store %s: %zu run%s (SELECT * FROM tune_runs)\n", s.path, s.runs_kept,
			s.runs_kept == 1 ? "" : "s");
	xs_tune_session_close(&s);
	return rc ? XS_EXIT_FAILURE : XS_EXIT_OK;
}

XS_COMMAND(tune, "run a Lua tuning script: launch runs with controls, compare, write control files", cmd_tune);
