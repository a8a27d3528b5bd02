// SPDX-License-Identifier: MIT
#include "cli/output.h"

#include <stdio.h>
#include <string.h>

#include "common/xsr.h"

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
	snprintf(err, errlen, "%s: only record files (*.xsr) can be written until the store is built in", path);
	return NULL;
}
