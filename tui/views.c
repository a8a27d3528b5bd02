// SPDX-License-Identifier: MIT
#include "tui/views.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analysis/histogram.h"
#include "analysis/symagg.h"
#include "common/util.h"
#include "tui/format.h"

/* A latency of s's records in their unit (ns, or the vmx backend's TSC ticks). */
static const char *ns(char *buf, size_t len, uint64_t v, bool have, const struct xs_stats *s)
{
	return tui_fmt_latency(buf, len, (double)v, have, xs_stats_time_unit(s));
}

size_t tui_symbols_view(const struct tui_frame *f, struct tui_line *lines, size_t max)
{
	struct tui_lines o = {lines, 0, max};
	if (!f->has_symbols) {
		tui_lines_add(&o, TUI_LINE_TEXT,
			      "No guest symbols: start top with --guest-symbols FILE (an ELF, System.map or");
		tui_lines_add(&o, TUI_LINE_TEXT,
			      "kallsyms dump), or watch a built-in guest (--run, or a replay of its run).");
		return o.n;
	}
	const struct xs_symreport *rep = &f->symrep;
	tui_lines_add(&o, TUI_LINE_DIM, "symbols: %s", xs_symtab_origin(f->symbols));
	tui_lines_add(&o, TUI_LINE_DIM, "%llu exits since the start (the filter does not apply here)",
		      (unsigned long long)rep->exits);
	tui_lines_add(&o, TUI_LINE_HEADING, "%-26s %9s %7s %8s %8s %8s %6s", "SYMBOL", "COUNT", "SHARE", "P50", "P99",
		      "MAX", "USER%");
	for (size_t i = 0; i < rep->nrows && o.n < o.max; i++) {
		const struct xs_symrow *r = &rep->rows[i];
		const struct xs_stats *s = &r->stats;
		char p50[16], p99[16], mx[16], user[16] = "-";
		bool lat = s->lat_count > 0;
		ns(p50, sizeof(p50), lat ? xs_stats_lat_percentile(s, 50) : 0, lat, s);
		ns(p99, sizeof(p99), lat ? xs_stats_lat_percentile(s, 99) : 0, lat, s);
		ns(mx, sizeof(mx), s->lat_max, lat, s);
		if (r->priv.known)
			snprintf(user, sizeof(user), "%.1f", 100.0 * (double)r->priv.user / (double)r->priv.known);
		tui_lines_add(&o, TUI_LINE_TEXT, "%-26.26s %9llu %6.2f%% %8s %8s %8s %6s", xs_symrow_label(r),
			      (unsigned long long)s->count,
			      rep->exits ? 100.0 * (double)s->count / (double)rep->exits : 0.0, p50, p99, mx, user);
	}
	return o.n;
}

size_t tui_histogram_view(const struct tui_frame *f, const struct xs_agg_key *k, struct tui_line *lines, size_t max)
{
	struct tui_lines o = {lines, 0, max};
	long i = tui_frame_find(f, k);
	if (i < 0) {
		tui_lines_add(&o, TUI_LINE_TEXT,
			      "The selected row is not in the table any more (filter or view changed).");
		return o.n;
	}
	const struct tui_row *row = &f->rows[i];
	const struct xs_stats *s = &row->agg.stats;
	tui_lines_add(&o, TUI_LINE_HEADING, "%s", row->label);
	struct xs_hist_summary sum;
	xs_hist_summarize(s, &sum);
	if (!sum.count) {
		tui_lines_add(&o, TUI_LINE_TEXT, "%llu exits, none with an exit-to-entry latency: nothing to draw",
			      (unsigned long long)s->count);
		return o.n;
	}
	char a[16], b[16], c[16], d[16], e[16];
	tui_lines_add(&o, TUI_LINE_TEXT, "%llu exits, %llu timed: p50 %s p90 %s p99 %s p99.9 %s max %s",
		      (unsigned long long)s->count, (unsigned long long)sum.count, ns(a, sizeof(a), sum.p50, true, s),
		      ns(b, sizeof(b), sum.p90, true, s), ns(c, sizeof(c), sum.p99, true, s),
		      ns(d, sizeof(d), sum.p999, true, s), ns(e, sizeof(e), sum.max, true, s));
	tui_lines_add(&o, TUI_LINE_DIM, "exit-to-entry latency%s, power-of-two bins",
		      xs_stats_time_unit(s) == XS_TIME_TICKS ? " in TSC ticks" : "");
	struct xs_hist_bin bins[XS_HIST_LOG2_BINS];
	size_t n = xs_hist_log2(s, bins);
	uint64_t top = xs_hist_top(bins, n);
	for (size_t j = 0; j < n; j++) {
		char line[TUI_DETAIL_WIDTH * 2];
		tui_lines_add(&o, TUI_LINE_TEXT, "%s", xs_hist_bin_text(&bins[j], top, 40, line, sizeof(line)));
	}
	return o.n;
}
