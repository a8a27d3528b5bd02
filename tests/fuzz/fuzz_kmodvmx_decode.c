// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the runner's MMIO decoding (kmod-vmx/bare/runner_decode.c): the bytes come from the
 * guest, so any of them must decode to an instruction inside the bytes given or be refused with a reason.
 * First byte: the mode (16, 32, 64 by its value mod 3); the rest: code.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmod-vmx/bare/runner_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	static const unsigned int modes[] = {16, 32, 64};
	unsigned int mode = modes[data[0] % 3];
	unsigned int avail = size - 1 > 15 ? 15 : (unsigned int)(size - 1);
	struct mmio_insn mi;
	char why[128];
	if (mmio_decode(data + 1, avail, mode, &mi, why, sizeof(why)) == 0) {
		if (mi.len == 0 || mi.len > avail || (mi.size != 1 && mi.size != 2 && mi.size != 4 && mi.size != 8) ||
		    mi.reg > 15)
			abort();
	} else if (!why[0] || !memchr(why, 0, sizeof(why))) {
		abort();
	}
	return 0;
}
