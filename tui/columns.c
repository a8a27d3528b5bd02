// SPDX-License-Identifier: MIT
#include "tui/columns.h"

#include <stdio.h>
#include <string.h>

#include "decoder/decoder.h"
#include "tui/detail.h"
#include "tui/format.h"

/* Candidates in screen order; `need` is the narrowest terminal that still shows the column. */
struct candidate {
	struct tui_column c;
	int need;
};

static const struct candidate reason_cols[] = {
	{{TUI_COL_LABEL, "REASON", 26, false, TUI_SORT_NAME}, 0},
	{{TUI_COL_COUNT, "COUNT", 8, true, TUI_SORT_COUNT}, 0},
	{{TUI_COL_RATE, "RATE/S", 8, true, TUI_SORT_RATE}, 0},
	{{TUI_COL_SHARE, "SHARE", 6, true, -1}, 66},
	{{TUI_COL_MEAN, "MEAN", 8, true, TUI_SORT_MEAN}, 0},
	{{TUI_COL_MAX, "MAX", 8, true, TUI_SORT_MAX}, 72},
	{{TUI_COL_P99, "P99", 8, true, -1}, 110},
};

static const struct candidate vcpu_cols[] = {
	{{TUI_COL_LABEL, "VM", 16, false, TUI_SORT_NAME}, 0},
	{{TUI_COL_VCPU, "VCPU", 5, true, -1}, 0},
	{{TUI_COL_COUNT, "COUNT", 8, true, TUI_SORT_COUNT}, 0},
	{{TUI_COL_RATE, "RATE/S", 8, true, TUI_SORT_RATE}, 0},
	{{TUI_COL_SHARE, "SHARE", 6, true, -1}, 70},
	{{TUI_COL_MEAN, "MEAN", 8, true, TUI_SORT_MEAN}, 0},
	{{TUI_COL_MAX, "MAX", 8, true, TUI_SORT_MAX}, 78},
	{{TUI_COL_TOP, "TOP REASON", 30, false, -1}, 110},
};

size_t tui_columns(enum tui_table t, int width, struct tui_column *out)
{
	const struct candidate *cand = t == TUI_TABLE_REASONS ? reason_cols : vcpu_cols;
	size_t ncand = t == TUI_TABLE_REASONS ? sizeof(reason_cols) / sizeof(reason_cols[0])
					      : sizeof(vcpu_cols) / sizeof(vcpu_cols[0]);
	size_t n = 0;
	int used = 0;
	for (size_t i = 0; i < ncand; i++) {
		if (width < cand[i].need)
			continue;
		out[n] = cand[i].c;
		/* Wide terminals give the names more room, up to what the longest names need. */
		if (out[n].col == TUI_COL_LABEL && width >= 120)
			out[n].width += 8;
		used += (n ? 1 : 0) + out[n].width;
		n++;
	}
	int spark = width - used - 1;
	if (spark >= TUI_SPARK_MIN) {
		out[n++] = (struct tui_column){TUI_COL_SPARK, "LAST 60 S",
					       spark > TUI_SPARK_MAX ? TUI_SPARK_MAX : spark, false, -1};
	}
	return n;
}

void tui_cell(const struct tui_frame *f, const struct tui_row *row, enum tui_col col, bool exact, char *buf, size_t len)
{
	const struct xs_stats *s = &row->agg.stats;
	/* Handler time is the launcher's own ns; latencies are in the records' clock, ns or TSC ticks. */
	enum xs_time_unit unit = f->time == TUI_TIME_HANDLER ? XS_TIME_NS : xs_stats_time_unit(s);
	buf[0] = 0;
	switch (col) {
	case TUI_COL_LABEL:
		snprintf(buf, len, "%s", row->label);
		break;
	case TUI_COL_VCPU:
		snprintf(buf, len, "%u", row->agg.key.vcpu);
		break;
	case TUI_COL_COUNT:
		if (exact)
			snprintf(buf, len, "%llu", (unsigned long long)s->count);
		else
			tui_fmt_count(buf, len, (double)s->count);
		break;
	case TUI_COL_RATE:
		if (row->agg.rate < 0) /* TSC-stamped records replayed: no wall clock says how fast they came */
			snprintf(buf, len, "-");
		else if (exact)
			snprintf(buf, len, "%.0f", row->agg.rate);
		else
			tui_fmt_count(buf, len, row->agg.rate);
		break;
	case TUI_COL_SHARE:
		tui_fmt_share(buf, len, s->count, f->total.stats.count);
		break;
	case TUI_COL_MEAN:
		tui_fmt_latency(buf, len, tui_time_mean(f->time, s), tui_time_count(f->time, s), unit);
		break;
	case TUI_COL_MAX:
		tui_fmt_latency(buf, len, (double)tui_time_max(f->time, s), tui_time_count(f->time, s), unit);
		break;
	case TUI_COL_P99: /* only latencies have a histogram */
		tui_fmt_latency(buf, len, (double)xs_stats_lat_percentile(s, 99),
				f->time == TUI_TIME_LATENCY ? s->lat_count : 0, unit);
		break;
	case TUI_COL_TOP:
		if (row->top_count) {
			char share[16], reason[48];
			tui_fmt_reason(reason, sizeof(reason), row->top_isa, row->top_reason);
			snprintf(buf, len, "%s %s", reason,
				 tui_fmt_share(share, sizeof(share), row->top_count, s->count));
		}
		break;
	case TUI_COL_SPARK:
		break;
	}
}

/* The latest-exits pane shows latency and RIP only where they fit beside a useful amount of decoded text. */
static bool wide_latest(int width)
{
	return width >= 110;
}

const char *tui_column_title(const struct tui_column *c, enum tui_time t)
{
	if (t == TUI_TIME_HANDLER && c->col == TUI_COL_MEAN)
		return "HDL MEAN";
	if (t == TUI_TIME_HANDLER && c->col == TUI_COL_MAX)
		return "HDL MAX";
	return c->title;
}

#define SYMBOL_WIDTH 24

void tui_latest_title(int width, enum tui_time t, const struct xs_symtab *syms, char *buf, size_t len)
{
	if (wide_latest(width) && syms)
		snprintf(buf, len, "%-12s %7s %4s %-26s %8s %-12s %-*s %s", "TIME", "PID", "VCPU", "REASON",
			 t == TUI_TIME_HANDLER ? "HANDLER" : "LATENCY", "RIP", SYMBOL_WIDTH, "SYMBOL", "DECODED");
	else if (wide_latest(width))
		snprintf(buf, len, "%-12s %7s %4s %-26s %8s %-12s %s", "TIME", "PID", "VCPU", "REASON",
			 t == TUI_TIME_HANDLER ? "HANDLER" : "LATENCY", "RIP", "DECODED");
	else
		snprintf(buf, len, "%-12s %7s %4s %-26s %s", "TIME", "PID", "VCPU", "REASON", "DECODED");
}

void tui_latest_line(const struct xs_exit_record *r, uint64_t base_ts, enum tui_time t, const struct xs_symtab *syms,
		     int width, char *buf, size_t len)
{
	char when[24], reason[64], fields[512];
	if (r->flags & XS_F_TS_TSC)
		snprintf(when, sizeof(when), "tsc %llu", (unsigned long long)r->ts);
	else
		snprintf(when, sizeof(when), "%.6f", r->ts >= base_ts ? (double)(r->ts - base_ts) / 1e9 : 0.0);
	tui_fmt_reason(reason, sizeof(reason), r->isa, r->reason);
	struct xs_decoded d;
	xs_decode(r, &d);
	xs_decoded_fields_text(&d, fields, sizeof(fields));
	/* Then what the producer saw (port and data, MSR value, ...): reasons without a qualification (HLT, CPUID,
	 * MSR on VMX, KVM's userspace exits) still say something. */
	char detail[256];
	if (xs_detail_summary(r, detail, sizeof(detail))) {
		size_t used = strlen(fields);
		if (strstr(detail, fields)) /* the detail says all the decoded fields say (KVM's MMIO gpa=...) */
			used = 0;
		snprintf(fields + used, sizeof(fields) - used, "%s%s", used ? " | " : "", detail);
	}
	if (wide_latest(width)) {
		char lat[16], rip[24] = "-";
		if (t == TUI_TIME_HANDLER)
			tui_fmt_ns(lat, sizeof(lat), (double)r->handler_ns, r->flags & XS_F_RUN_TIMES);
		else
			tui_fmt_latency(lat, sizeof(lat), (double)r->latency_ns, r->flags & XS_F_LATENCY,
					(r->flags & XS_F_TS_TSC) ? XS_TIME_TICKS : XS_TIME_NS);
		if (r->flags & XS_F_RIP)
			snprintf(rip, sizeof(rip), "%llx", (unsigned long long)r->guest_rip);
		if (syms) {
			char sym[XS_SYM_NAME_MAX + 32];
			xs_symtab_format(syms, r->flags & XS_F_RIP, r->guest_rip, sym, sizeof(sym));
			if (strstr(sym, "(no symbol)"))
				snprintf(sym, sizeof(sym), "(no symbol)");
			snprintf(buf, len, "%-12s %7u %4u %-26.26s %8s %-12s %-*.*s %s", when, r->pid, r->vcpu, reason,
				 lat, rip, SYMBOL_WIDTH, SYMBOL_WIDTH, sym, fields);
		} else {
			snprintf(buf, len, "%-12s %7u %4u %-26.26s %8s %-12s %s", when, r->pid, r->vcpu, reason, lat,
				 rip, fields);
		}
	} else {
		snprintf(buf, len, "%-12s %7u %4u %-26.26s %s", when, r->pid, r->vcpu, reason, fields);
	}
}
