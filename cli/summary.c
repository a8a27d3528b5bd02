// SPDX-License-Identifier: MIT
#include "cli/summary.h"

#include <stdlib.h>

#include "collector/agg_read.h"
#include "decoder/decoder.h"

static int by_count_desc(const void *a, const void *b)
{
	const struct xs_agg_row *x = a, *y = b;
	if (x->stats.count != y->stats.count)
		return x->stats.count < y->stats.count ? 1 : -1;
	if (x->key.isa != y->key.isa)
		return x->key.isa < y->key.isa ? -1 : 1;
	return x->key.reason < y->key.reason ? -1 : x->key.reason > y->key.reason;
}

static size_t sorted_rows(const struct xs_agg *agg, struct xs_agg_row **rows)
{
	size_t n = xs_agg_rollup(agg, NULL, XS_AGG_BY_REASON, rows);
	qsort(*rows, n, sizeof(**rows), by_count_desc);
	return n;
}

static const char *reason_label(const struct xs_agg_key *k, char *buf, size_t len)
{
	const char *name = xs_reason_name(k->isa, k->reason);
	if (name)
		snprintf(buf, len, "%s %s", xs_isa_name(k->isa), name);
	else
		snprintf(buf, len, "%s 0x%x", xs_isa_name(k->isa), k->reason);
	return buf;
}

static const char *lat_unit(const struct xs_stats *s)
{
	enum xs_time_unit u = xs_stats_time_unit(s);
	return u == XS_TIME_TICKS ? "ticks" : u == XS_TIME_MIXED ? "mixed" : "ns";
}

static double rate(uint64_t count, double seconds)
{
	return seconds > 0 ? (double)count / seconds : 0;
}

void xs_summary_print_text(FILE *out, const struct xs_agg *agg, const struct xs_summary_info *info)
{
	struct xs_agg_row *rows;
	size_t n = sorted_rows(agg, &rows);
	uint64_t total = xs_agg_count(agg);
	fprintf(out, "%llu exits in %.3f s (%.0f/s), %llu dropped\n", (unsigned long long)total, info->duration_s,
		rate(total, info->duration_s), (unsigned long long)info->dropped);
	if (!n) {
		free(rows);
		return;
	}
	fprintf(out, "%-28s %10s %7s %11s %12s %12s %12s %12s\n", "reason", "count", "share", "rate/s", "handler avg",
		"handler max", "latency avg", "latency max");
	for (size_t i = 0; i < n; i++) {
		const struct xs_stats *s = &rows[i].stats;
		char label[64], ha[16] = "-", hm[16] = "-", la[16] = "-", lm[16] = "-";
		if (s->handler_count) {
			snprintf(ha, sizeof(ha), "%.0f ns", xs_stats_handler_mean(s));
			snprintf(hm, sizeof(hm), "%llu ns", (unsigned long long)s->handler_max);
		}
		if (s->lat_count) { /* the vmx backend's latencies are emulated TSC ticks, not time */
			const char *u = lat_unit(s);
			snprintf(la, sizeof(la), "%.0f %s", xs_stats_lat_mean(s), u);
			snprintf(lm, sizeof(lm), "%llu %s", (unsigned long long)s->lat_max, u);
		}
		fprintf(out, "%-28s %10llu %6.1f%% %11.0f %12s %12s %12s %12s\n",
			reason_label(&rows[i].key, label, sizeof(label)), (unsigned long long)s->count,
			total ? 100.0 * (double)s->count / (double)total : 0.0, rate(s->count, info->duration_s), ha,
			hm, la, lm);
	}
	free(rows);
}

/*
 * "latency_log2": exits per log2 latency bucket (collector/agg_map.h: [0] latency 0, [b] 2^(b-1) up to 2^b - 1),
 * up to the last non-empty one; the same buckets whether exits were counted in the kernel or in user space.
 */
static void print_log2_hist(FILE *out, const struct xs_stats *s)
{
	uint64_t hist[XS_AGG_LAT_BUCKETS];
	xs_stats_log2_hist(s, hist);
	unsigned int n = XS_AGG_LAT_BUCKETS;
	while (n && !hist[n - 1])
		n--;
	fprintf(out, ",\"latency_log2\":[");
	for (unsigned int b = 0; b < n; b++)
		fprintf(out, "%s%llu", b ? "," : "", (unsigned long long)hist[b]);
	fputc(']', out);
}

void xs_summary_print_json(FILE *out, const struct xs_agg *agg, const struct xs_summary_info *info)
{
	struct xs_agg_row *rows;
	size_t n = sorted_rows(agg, &rows);
	uint64_t total = xs_agg_count(agg);
	fprintf(out, "{\"total\":%llu,\"duration_s\":%.6f,\"rate\":%.1f,\"dropped\":%llu,\"reasons\":[",
		(unsigned long long)total, info->duration_s, rate(total, info->duration_s),
		(unsigned long long)info->dropped);
	for (size_t i = 0; i < n; i++) {
		const struct xs_stats *s = &rows[i].stats;
		const char *name = xs_reason_name(rows[i].key.isa, rows[i].key.reason);
		fprintf(out, "%s{\"isa\":\"%s\",\"reason\":%u,\"name\":", i ? "," : "", xs_isa_name(rows[i].key.isa),
			rows[i].key.reason);
		if (name)
			fprintf(out, "\"%s\"", name);
		else
			fprintf(out, "null");
		fprintf(out,
			",\"count\":%llu,\"share\":%.6f,\"rate\":%.1f,\"handler_mean_ns\":%.1f,\"handler_max_ns\":%llu,"
			"\"latency_mean_%s\":%.1f,\"latency_max_%s\":%llu,\"latency_p99_%s\":%llu",
			(unsigned long long)s->count, total ? (double)s->count / (double)total : 0.0,
			rate(s->count, info->duration_s), xs_stats_handler_mean(s), (unsigned long long)s->handler_max,
			lat_unit(s), xs_stats_lat_mean(s), lat_unit(s), (unsigned long long)s->lat_max, lat_unit(s),
			(unsigned long long)xs_stats_lat_percentile(s, 99));
		print_log2_hist(out, s);
		fputc('}', out);
	}
	fprintf(out, "]%s%s}\n", info->extra_json ? "," : "", info->extra_json ? info->extra_json : "");
	free(rows);
}
