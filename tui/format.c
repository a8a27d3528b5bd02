// SPDX-License-Identifier: MIT
#include "tui/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "decoder/decoder.h"
#include "exitscope/record.h"

char *tui_fmt_count(char *buf, size_t len, double v)
{
	static const char suffix[] = {'k', 'M', 'G', 'T', 'P'};
	if (v < 999.5) {
		snprintf(buf, len, "%.0f", v < 0 ? 0 : v);
		return buf;
	}
	unsigned int i = 0;
	v /= 1000.0;
	while (v >= 999.5 && i + 1 < sizeof(suffix)) {
		v /= 1000.0;
		i++;
	}
	/* Round first, then choose the precision, so 9.996k prints as 10.0k rather than 10.00k. */
	if (v < 9.995)
		snprintf(buf, len, "%.2f%c", v, suffix[i]);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f%c", v, suffix[i]);
	else
		snprintf(buf, len, "%.0f%c", v, suffix[i]);
	return buf;
}

char *tui_fmt_ns(char *buf, size_t len, double ns, uint64_t count)
{
	if (!count) {
		snprintf(buf, len, "-");
		return buf;
	}
	static const struct {
		double scale;
		const char *unit;
	} units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}};
	if (ns < 999.5) {
		snprintf(buf, len, "%.0fns", ns);
		return buf;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double v = ns / units[i].scale;
		if (v < 0.9995 && i + 1 < sizeof(units) / sizeof(units[0]))
			continue;
		if (v < 9.995)
			snprintf(buf, len, "%.2f%s", v, units[i].unit);
		else if (v < 99.95)
			snprintf(buf, len, "%.1f%s", v, units[i].unit);
		else
			snprintf(buf, len, "%.0f%s", v, units[i].unit);
		return buf;
	}
	return buf;
}

char *tui_fmt_latency(char *buf, size_t len, double v, uint64_t count, enum xs_time_unit unit)
{
	if (!count || unit == XS_TIME_NS)
		return tui_fmt_ns(buf, len, v, count);
	if (unit == XS_TIME_MIXED) {
		snprintf(buf, len, "mixed");
		return buf;
	}
	if (v < 999.5) {
		snprintf(buf, len, "%.0ft", v < 0 ? 0 : v);
		return buf;
	}
	tui_fmt_count(buf, len, v); /* 1.23k, 45.6k, 1.23M */
	size_t n = strlen(buf);
	snprintf(buf + n, len > n ? len - n : 0, "t");
	return buf;
}

char *tui_fmt_elapsed(char *buf, size_t len, double seconds)
{
	unsigned long long s = seconds > 0 ? (unsigned long long)seconds : 0;
	if (s >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%llu:%02llu", s / 60, s % 60);
	return buf;
}

char *tui_fmt_share(char *buf, size_t len, uint64_t part, uint64_t whole)
{
	if (!whole)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * (double)part / (double)whole);
	return buf;
}

char *tui_fmt_reason(char *buf, size_t len, uint8_t isa, uint32_t reason)
{
	uint32_t code = isa == XS_ISA_VMX ? XS_VMX_BASIC_REASON(reason) : reason;
	const char *name = xs_reason_name(isa, code);
	uint32_t flags = isa == XS_ISA_VMX ? reason & ~0xffffu : 0;
	/* VMX flag bits (failed VM entry, ...) stay visible as a number; the decoder names them in the fields. */
	char tail[16] = "";
	if (flags)
		snprintf(tail, sizeof(tail), "+0x%x", flags);
	if (name)
		snprintf(buf, len, "%s %s%s", xs_isa_name(isa), name, tail);
	else
		snprintf(buf, len, "%s 0x%x%s", xs_isa_name(isa), code, tail);
	return buf;
}

void tui_sparkline(const uint32_t *per_sec, size_t n, size_t width, unsigned char *out)
{
	size_t first = n > width ? n - width : 0, lead = width > n ? width - n : 0;
	uint32_t max = 0;
	for (size_t i = first; i < n; i++)
		if (per_sec[i] > max)
			max = per_sec[i];
	memset(out, 0, lead);
	for (size_t i = first; i < n; i++) {
		unsigned char level = 0;
		if (per_sec[i]) {
			/* Round up so the tallest bar is full height and a small nonzero count still shows. */
			level = (unsigned char)ceil(8.0 * (double)per_sec[i] / (double)max);
			if (level < 1)
				level = 1;
		}
		out[lead + i - first] = level;
	}
}
