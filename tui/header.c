// SPDX-License-Identifier: MIT
#include "tui/header.h"

#include <stdio.h>
#include <string.h>

#include "decoder/decoder.h"
#include "exitscope/record.h"
#include "tui/format.h"

void tui_isas_text(unsigned int mask, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (unsigned int isa = XS_ISA_VMX; isa < XS_ISA_COUNT && used < len; isa++) {
		if (!(mask & (1u << isa)))
			continue;
		const char *name = isa == XS_ISA_HOST_EVENT ? "host events" : xs_isa_name(isa);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "+" : "", name);
	}
	if (!buf[0])
		snprintf(buf, len, "no exits yet");
}

void tui_header_lines(const struct tui_header *h, const struct tui_view *v, int width, char lines[3][TUI_HEADER_LINE],
		      int *state_x)
{
	char rate[16], total[16], received[16], dropped[16], elapsed[16];
	/* Line 0: what and where, the state at the right edge (cut to half the width at most). */
	char left[400], state[96];
	snprintf(state, sizeof(state), "%s", h->paused ? "PAUSED" : h->state);
	int half = width / 2 > 8 ? width / 2 : 8;
	if ((int)strlen(state) > half)
		state[half] = 0;
	snprintf(left, sizeof(left), "%s%s  kernel %s  %s %s", width >= 100 ? "exitscope top  " : "", h->source,
		 h->kernel, h->cpu, h->isas);
	int room = width - (int)strlen(state) - 2;
	if (room < 0)
		room = 0;
	snprintf(lines[0], TUI_HEADER_LINE, "%-*.*s  %s", room, room, left, state);
	if (state_x)
		*state_x = room + 2;

	if (h->rate_now < 0) /* TSC-stamped records from a replay: their ticks are no clock */
		snprintf(rate, sizeof(rate), "-");
	else
		tui_fmt_count(rate, sizeof(rate), h->rate_now);
	tui_fmt_count(total, sizeof(total), (double)h->total);
	tui_fmt_count(dropped, sizeof(dropped), (double)h->dropped);
	tui_fmt_elapsed(elapsed, sizeof(elapsed), h->elapsed_s);
	if (h->total != h->received)
		snprintf(lines[1], TUI_HEADER_LINE, "%s exits/s  total %s (of %s)  dropped %s  elapsed %s  refresh %gs",
			 rate, total, tui_fmt_count(received, sizeof(received), (double)h->received), dropped, elapsed,
			 h->interval_s);
	else
		snprintf(lines[1], TUI_HEADER_LINE, "%s exits/s  total %s  dropped %s  elapsed %s  refresh %gs", rate,
			 total, dropped, elapsed, h->interval_s);

	if (h->counting[0]) {
		size_t n = strlen(lines[1]);
		snprintf(lines[1] + n, TUI_HEADER_LINE - n, "  counting %s", h->counting);
		n = strlen(lines[1]);
		if (h->agg_full)
			snprintf(lines[1] + n, TUI_HEADER_LINE - n, ", %llu not counted (map full)",
				 (unsigned long long)h->agg_full);
	}

	static const char *const natural[TUI_SORT_COUNT_] = {"high first", "high first", "high first", "high first",
							     "A-Z"};
	static const char *const inverted[TUI_SORT_COUNT_] = {"low first", "low first", "low first", "low first",
							      "Z-A"};
	snprintf(lines[2], TUI_HEADER_LINE, "%s  filter: %s  sort: %s %s%s",
		 v->table == TUI_TABLE_REASONS ? "exit reasons" : "per vCPU",
		 v->filter.text[0] ? v->filter.text : "none", tui_sort_name(v->sort),
		 (v->reverse ? inverted : natural)[v->sort < TUI_SORT_COUNT_ ? v->sort : 0],
		 h->tsc_ticks ? "  latency in emulated TSC ticks (t)" : "");
}
