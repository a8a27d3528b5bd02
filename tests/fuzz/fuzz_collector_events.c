// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as a stream of ring events for the joiner, as a damaged or hostile ring
 * would deliver them. Input: one config byte (bit 0 hardware mode, bit 1 merge halves, bit 2 sampling,
 * bit 3 a reason filter), then events, each a u16 length followed by that many bytes. Every event goes
 * through xs_ev_check first, as in the backends; the joiner must never crash, and every record it emits
 * must pass the record check readers apply.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/event_parse.h"
#include "collector/joiner.h"
#include "common/xsr.h"

static void check_record(void *ctx, const struct xs_exit_record *r)
{
	(void)ctx;
	if (xs_record_check(r, xs_record_wire_size(r)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct xs_col_filter f;
	char err[128];
	if (xs_col_parse_reasons("svm:ioio,host:pio,vmx:30", &f, err, sizeof(err)))
		abort();
	struct xs_joiner_config c = {
		.hw_mode = data[0] & 1,
		.merge_halves = data[0] & 2,
		.sampling = data[0] & 4,
		.source = XS_SRC_BPF,
		.filter = (data[0] & 8) ? &f : NULL,
	};
	struct xs_joiner *j = xs_joiner_new(&c, check_record, NULL);
	static uint64_t buf[(XS_EV_MAX_SIZE + 7) / 8 + 1];
	size_t pos = 1;
	while (pos + 2 <= size) {
		size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
		pos += 2;
		if (len > size - pos || len > sizeof(buf))
			break;
		memcpy(buf, data + pos, len);
		pos += len;
		if (!xs_ev_check(buf, len))
			xs_joiner_feed(j, (const struct xs_ev_hdr *)buf);
		if ((pos & 15) == 0)
			xs_joiner_flush_idle(j, UINT64_MAX / 2, 1);
	}
	xs_joiner_flush(j);
	xs_joiner_free(j);
	return 0;
}
