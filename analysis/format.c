// SPDX-License-Identifier: MIT
#include "analysis/format.h"

#include "common/text.h"

const char *xs_fmt_ns(double ns, char *buf, size_t len)
{
	return xs_fmt_latency(ns, false, buf, len);
}
