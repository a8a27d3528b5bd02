// SPDX-License-Identifier: MIT
/*
 * libFuzzer: arbitrary bytes as batch-decoder input. Every line goes through what `exitscope decode --json -`
 * does with it (parse, decode, render JSON and text, or render the error object); every JSON line produced
 * must be valid JSON, and nothing may crash or trip a sanitizer.
 */
#include <stdint.h>
#include <string.h>

#include "decoder/request.h"
#include "tests/unit/decoder_json_check.h"

static char out[16384];

static void check_json(struct xs_writer *w)
{
	size_t n = xs_w_finish(w);
	if (n >= sizeof(out) || !json_valid(out, n))
		__builtin_trap();
}

static void one_line(const char *line, size_t len, unsigned int default_isa, unsigned long lineno)
{
	struct xs_request req;
	char err[256];
	struct xs_writer w;
	xs_w_init(&w, out, sizeof(out));
	switch (xs_request_parse_line(line, len, default_isa, &req, err, sizeof(err))) {
	case XS_REQUEST_EMPTY:
		return;
	case XS_REQUEST_ERROR:
		if (strlen(err) >= sizeof(err))
			__builtin_trap();
		xs_request_render_error_json(&w, lineno, err, line, len);
		check_json(&w);
		return;
	case XS_REQUEST_OK:
		break;
	}
	struct xs_decoded d;
	xs_decode_input(&req.in, &d);
	if (d.nfields > XS_DECODE_MAX_FIELDS || d.dropped_fields)
		__builtin_trap();
	xs_request_render_json(&w, &req, &d);
	check_json(&w);
	xs_w_init(&w, out, sizeof(out));
	xs_request_render_text(&w, &req, &d);
	xs_w_finish(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first byte picks the default isa (as --isa would), the rest is the input stream. */
	if (!size)
		return 0;
	unsigned int default_isa = data[0] % XS_ISA_COUNT;
	const char *s = (const char *)data + 1;
	size_t n = size - 1, start = 0;
	unsigned long lineno = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '\n') {
			one_line(s + start, i - start, default_isa, ++lineno);
			start = i + 1;
		}
	}
	return 0;
}
