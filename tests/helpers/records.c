// SPDX-License-Identifier: MIT
#include "tests/helpers/records.h"

#include <string.h>

struct xs_exit_record xs_test_record(unsigned int isa, uint32_t reason)
{
	struct xs_exit_record r;
	memset(&r, 0, sizeof(r));
	r.version = XS_RECORD_VERSION;
	r.size = XS_RECORD_CORE_SIZE;
	r.isa = (xs_u8)isa;
	r.reason = reason;
	return r;
}

void xs_test_set_latency(struct xs_exit_record *r, uint64_t lat)
{
	if (!lat)
		return;
	r->flags |= XS_F_LATENCY;
	r->latency_ns = lat;
}

void xs_test_set_rip(struct xs_exit_record *r, uint64_t rip)
{
	if (!rip)
		return;
	r->flags |= XS_F_RIP;
	r->guest_rip = rip;
}

void xs_test_set_guest_state(struct xs_exit_record *r, uint64_t valid)
{
	r->flags |= XS_F_GUEST_STATE;
	r->size = XS_RECORD_FULL_SIZE;
	r->gs.valid = valid;
}

void xs_test_set_io(struct xs_exit_record *r, uint16_t port, uint8_t size, uint8_t direction, uint64_t value)
{
	r->detail_kind = XS_D_IO;
	r->detail.io.port = port;
	r->detail.io.size = size;
	r->detail.io.direction = direction;
	r->detail.io.count = 1;
	r->detail.io.value = value;
}
