// SPDX-License-Identifier: MIT
#include "tests/helpers/assert_reason.h"

#include <stdio.h>

#include "decoder/decoder.h"

const char *xs_test_reason_text(unsigned int isa, uint32_t reason, char *buf, size_t len)
{
	const char *isa_name = xs_isa_name(isa), *name = xs_reason_name(isa, reason);
	if (name)
		snprintf(buf, len, "%s %s (%u)", isa_name ? isa_name : "?", name, reason);
	else
		snprintf(buf, len, "%s unknown (%#x)", isa_name ? isa_name : "?", reason);
	return buf;
}
