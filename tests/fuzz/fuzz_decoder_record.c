// SPDX-License-Identifier: MIT
/*
 * libFuzzer: arbitrary bytes as an exit record (whatever a corrupt record file or a buggy producer could hand
 * a consumer). xs_decode and both one-line renderers must cope: no crash, no sanitizer report, valid JSON.
 */
#include <stdint.h>
#include <string.h>

#include "decoder/decoder.h"
#include "tests/unit/decoder_json_check.h"

static char out[16384];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_exit_record r;
	memset(&r, 0, sizeof(r));
	memcpy(&r, data, size < sizeof(r) ? size : sizeof(r));

	struct xs_decoded d;
	xs_decode(&r, &d);
	if (d.nfields > XS_DECODE_MAX_FIELDS || d.dropped_fields)
		__builtin_trap();
	size_t n = xs_decoded_fields_json(&d, out, sizeof(out));
	if (n >= sizeof(out) || !json_valid(out, n))
		__builtin_trap();
	xs_decoded_fields_text(&d, out, sizeof(out));

	n = xs_record_json(&r, out, sizeof(out));
	if (n >= sizeof(out) || !json_valid(out, n))
		__builtin_trap();
	xs_record_text(&r, out, sizeof(out));
	/* The dashboard's detail summary: every field of any detail kind, its length as snprintf says. */
	n = xs_detail_summary(&r, out, sizeof(out));
	if (n >= sizeof(out) || strlen(out) != n)
		__builtin_trap();
	/* A short buffer must truncate cleanly. */
	char small[17];
	n = xs_record_json(&r, small, sizeof(small));
	if (strlen(small) != (n < sizeof(small) ? n : sizeof(small) - 1))
		__builtin_trap();
	n = xs_detail_summary(&r, small, sizeof(small));
	if (strlen(small) != (n < sizeof(small) ? n : sizeof(small) - 1))
		__builtin_trap();
	return 0;
}
