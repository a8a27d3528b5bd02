// SPDX-License-Identifier: MIT
#include "cli/output.h"

#include <stdio.h>
#include <string.h>

#include "cli/command.h"
#include "cli/option_groups.h"
#include "cli/print_sink.h"
#include "common/agg.h"
#include "common/util.h"
#include "common/xsr.h"
#include "db/store_sink.h"

int xs_output_is_record_file(const char *path)
{
	size_t n = strlen(path);
	return n >= 4 && !strcmp(path + n - 4, ".xsr");
}

struct xs_sink *xs_output_open(const char *path, char *err, size_t errlen)
{
	if (!path || !*path) {
		snprintf(err, errlen, "empty output path");
		return NULL;
	}
	if (xs_output_is_record_file(path))
		return xsr_sink_open(path, err, errlen);
	/* The store with its defaults: write() waits at most a few ms for queue room, then counts drops. */
	struct xs_store_sink_opts opts = {.max_wait_ms = XS_STORE_DEFAULT_MAX_WAIT_MS};
	return xs_store_sink_open(path, &opts, err, errlen);
}

struct xs_sink *xs_output_sinks(const struct xs_output_args *o, struct xs_agg *agg, const char *cmd)
{
	struct xs_sink *sinks[3];
	size_t n = 0;
	sinks[n++] = xs_agg_sink(agg);
	if (o->output) {
		char err[512];
		struct xs_sink *out = xs_output_open(o->output, err, sizeof(err));
		if (!out) {
			xs_err("%s: %s", cmd, err);
			xs_sink_close(sinks[0]);
			return NULL;
		}
		sinks[n++] = out;
	}
	if (o->print)
		sinks[n++] = xs_print_sink(stdout, o->json ? XS_PRINT_JSON : XS_PRINT_TEXT, false);
	return xs_sink_tee(sinks, n);
}

int xs_output_sinks_close(struct xs_sink *sink, struct xs_agg *agg, const char *cmd, int status)
{
	int rc = xs_sink_close(sink);
	if (rc) {
		xs_err("%s: closing the output failed: %s", cmd, strerror(-rc));
		status = XS_EXIT_FAILURE;
	}
	xs_agg_free(agg);
	fflush(stdout);
	return status;
}
