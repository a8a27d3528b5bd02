// SPDX-License-Identifier: MIT
#include "cli/output.h"

#include <stdio.h>
#include <string.h>

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
