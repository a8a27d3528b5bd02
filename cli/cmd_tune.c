// SPDX-License-Identifier: MIT
/* exitscope tune SCRIPT.lua [ARGS]: run a tuning script (tune/lua_api.h) against one session store. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/command.h"
#include "cli/options.h"
#include "common/util.h"
#include "tune/lua_api.h"
#include "tune/session.h"

#include <lua.h>

static const char synopsis[] =
	"usage: exitscope tune [-o STORE] [--timeout SECONDS] SCRIPT.lua [ARGS...]\n"
	"\n"
	"Run a Lua 5.4 tuning script. The script launches guests with xs.run{...}, compares results with\n"
	"xs.diff(a, b) and writes control files with xs.write_controls(); every run goes into one session\n"
	"store with a tune_runs table describing it (docs/tune.md). Shipped scripts: scripts/controls-impact.lua,\n"
	"scripts/minimize-exits.lua, scripts/sweep.lua.\n";

static const char epilog[] = "An error in the script stops it with one line SCRIPT:LINE: message and exit status 1.\n";

struct tune_args {
	const char *store;
	double timeout;
};

static const struct xs_opt tune_opts[] = {
	XS_OPT_ENTRY("output", 'o', "STORE",
		     "the session store (default tune-<UTC time>.db; an existing store is added to)",
		     .kind = XS_OPT_STRING, .off = offsetof(struct tune_args, store)),
	XS_OPT_ENTRY("timeout", 0, "SECONDS",
		     "stop the script (and a run in progress) after this long; runs finished are kept",
		     .kind = XS_OPT_SECONDS, .off = offsetof(struct tune_args, timeout), .min = 1,
		     .expect = "give a positive number of seconds"),
	XS_OPT_END_ENTRY,
};

static const struct xs_opt_group tune_group = {"Options", tune_opts};

static int cmd_tune(int argc, char **argv)
{
	struct tune_args a = {NULL, 0};
	const struct xs_opt_bind binds[] = {{&tune_group, &a, NULL, NULL}};
	/* args and stop_at_arg: options end at the script; what follows is the script's */
	const struct xs_opt_cmd cmd = {"tune", synopsis, epilog, binds, 1, true, true};
	int first;
	int rc = xs_opt_parse(&cmd, argc, argv, &first);
	if (rc)
		return rc < 0 ? XS_EXIT_OK : rc;
	if (first >= argc)
		return xs_usage_error("tune", "give a script");
	const char *store = a.store;
	double timeout = a.timeout;
	const char *script = argv[first];
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
	if (xs_tune_session_open(&s, store, script, argc - first - 1, argv + first + 1, timeout, err, sizeof(err))) {
		xs_err("tune: %s", err);
		return XS_EXIT_FAILURE;
	}
	struct lua_State *L = xs_tune_lua_new(&s, stdout);
	if (!L) {
		xs_err("tune: cannot create a Lua state (out of memory)");
		xs_tune_session_close(&s);
		return XS_EXIT_FAILURE;
	}
	rc = xs_tune_lua_run(L, script, NULL, argc - first - 1, argv + first + 1, err, sizeof(err));
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
