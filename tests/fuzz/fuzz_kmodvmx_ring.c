// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as the memory of a kmod-vmx exit-record ring, as a user-space consumer
 * (part 2 mmaps it from the module) would see a damaged or hostile one. kvmx_ring_pop must never read out of
 * bounds, crash or loop forever; whatever it returns as a record must pass the record check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xsr.h"
#include "kmod-vmx/core/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The header is read in place: give it a copy exactly as large as the input, suitably aligned. */
	void *mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
	if (!mem)
		return 0;
	memcpy(mem, data, size);
	struct kvmx_ring_header *r = mem;
	struct xs_exit_record rec;
	struct kvmx_err err;
	uint64_t bad = 0;

	if (size >= sizeof(*r)) {
		for (unsigned int i = 0; i < 4096; i++) {
			int rc = kvmx_ring_pop(r, size, &rec, &bad, &err);
			if (rc == 0 || rc == -1)
				break;
			if (rc == 1 && xs_record_check(&rec, xs_record_wire_size(&rec)) &&
			    (rec.version != XS_RECORD_VERSION || rec.size != xs_record_wire_size(&rec)))
				abort(); /* pop accepted a record whose version or size is wrong */
		}
	} else {
		(void)kvmx_ring_pop(r, size, &rec, &bad, &err);
	}
	free(mem);
	return 0;
}
