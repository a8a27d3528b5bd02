// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the perf backend's input, a tracefs format file and a perf ring record, both as read
 * from the kernel. Input: one byte selecting the event type, a u16 length, the format text, then the perf
 * record. The format parser, the field map, the sample parser and the raw-record decoder must never crash
 * or read out of bounds; a decoded event must pass xs_ev_check and feed the joiner.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/event_parse.h"
#include "collector/joiner.h"
#include "collector/perf_decode.h"
#include "collector/tp_format.h"

static void drop(void *ctx, const struct xs_exit_record *r)
{
	(void)ctx;
	(void)r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	uint8_t type = data[0] % XS_EV_TYPE_COUNT;
	size_t flen = (size_t)data[1] | (size_t)data[2] << 8;
	if (flen > size - 3)
		return 0;
	struct xs_tp_format fmt;
	struct xs_tp_map map;
	char err[256];
	if (xs_tp_format_parse((const char *)data + 3, flen, &fmt, err, sizeof(err)) ||
	    xs_tp_map_build(&map, type, &fmt, err, sizeof(err)))
		return 0;
	/* the record, copied so that reading past its end is caught */
	size_t rlen = size - 3 - flen;
	uint8_t *rec = malloc(rlen ? rlen : 1);
	memcpy(rec, data + 3 + flen, rlen);
	struct xs_perf_sample s;
	uint64_t lost;
	(void)xs_perf_lost_parse(rec, rlen, &lost);
	if (!xs_perf_sample_parse(rec, rlen, &s)) {
		static uint64_t out[(XS_EV_MAX_SIZE + 7) / 8];
		uint64_t fd, cmd;
		if (type == 0) {
			(void)xs_tp_decode_ioctl(&map, &s, &fd, &cmd);
		} else if (!xs_tp_decode(&map, &s, out)) {
			const struct xs_ev_hdr *h = (const void *)out;
			if (xs_ev_check(out, h->size))
				abort(); /* the decoder must produce well-formed events */
			struct xs_joiner_config c = {.hw_mode = s.cpu & 1, .source = XS_SRC_PERF};
			struct xs_joiner *j = xs_joiner_new(&c, drop, NULL);
			xs_joiner_feed(j, h);
			xs_joiner_flush(j);
			xs_joiner_free(j);
		}
	}
	free(rec);
	return 0;
}
