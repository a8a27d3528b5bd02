// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as a tracefs format file. The parser must never crash or read out of
 * bounds; a parsed format must have sane fields, and building every event type's field map on it must be safe.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "collector/events.h"
#include "collector/perf_decode.h"
#include "collector/tp_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_tp_format f;
	char err[256];
	if (xs_tp_format_parse((const char *)data, size, &f, err, sizeof(err)))
		return 0;
	if (!f.nfields || f.nfields > XS_TP_MAX_FIELDS)
		abort();
	for (unsigned int i = 0; i < f.nfields; i++) {
		if ((uint32_t)f.fields[i].offset + f.fields[i].size > 0xffff || !f.fields[i].name[0])
			abort();
	}
	struct xs_tp_map m;
	for (unsigned int t = 0; t < XS_EV_TYPE_COUNT; t++)
		(void)xs_tp_map_build(&m, (uint8_t)t, &f, err, sizeof(err));
	return 0;
}
