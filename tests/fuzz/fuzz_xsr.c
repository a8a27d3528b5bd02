// SPDX-License-Identifier: MIT
/* libFuzzer target: arbitrary bytes as a record file. The reader must never crash or read out of bounds. */
#include <stddef.h>
#include <stdint.h>

#include "common/xsr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct xsr_reader *r = xsr_open_mem(data, size, err, sizeof(err));
	if (!r)
		return 0;
	struct xsr_item it;
	while (xsr_next(r, &it) == 1) {
		if (it.kind == XSR_ITEM_RECORD)
			(void)xs_record_check(&it.rec, xs_record_wire_size(&it.rec));
	}
	xsr_close(r);
	return 0;
}
