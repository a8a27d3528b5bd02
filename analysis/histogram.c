// SPDX-License-Identifier: MIT
#include "analysis/histogram.h"

#include <string.h>

#include "analysis/format.h"
#include "common/text.h"

static unsigned int log2_of(uint64_t v)
{
	return v ? 63u - (unsigned int)__builtin_clzll(v) : 0;
}

size_t xs_hist_log2(const struct xs_stats *s, struct xs_hist_bin bins[XS_HIST_LOG2_BINS])
{
	uint64_t counts[XS_HIST_LOG2_BINS] = {0};
	int lo = -1, hi = -1;
	for (unsigned int b = 0; b < XS_HIST_BUCKETS; b++) {
		if (!s->lat_hist[b])
			continue;
		/* a log-linear bucket never straddles a power of two */
		unsigned int p = log2_of(xs_hist_bucket_low(b));
		counts[p] += s->lat_hist[b];
		if (lo < 0 || (int)p < lo)
			lo = (int)p;
		if ((int)p > hi)
			hi = (int)p;
	}
	if (lo < 0)
		return 0;
	size_t n = 0;
	for (int p = lo; p <= hi; p++, n++) {
		bins[n].lo = p ? 1ull << p : 0;
		bins[n].hi = p == 63 ? UINT64_MAX : (2ull << p) - 1;
		bins[n].count = counts[p];
		bins[n].ticks = s->tsc_count > 0;
	}
	return n;
}

void xs_hist_summarize(const struct xs_stats *s, struct xs_hist_summary *out)
{
	out->count = s->lat_count;
	out->p50 = xs_stats_lat_percentile(s, 50);
	out->p90 = xs_stats_lat_percentile(s, 90);
	out->p99 = xs_stats_lat_percentile(s, 99);
	out->p999 = xs_stats_lat_percentile(s, 99.9);
	out->max = s->lat_max;
}

uint64_t xs_hist_top(const struct xs_hist_bin *bins, size_t n)
{
	uint64_t top = 0;
	for (size_t i = 0; i < n; i++)
		if (bins[i].count > top)
			top = bins[i].count;
	return top;
}

const char *xs_hist_bin_text(const struct xs_hist_bin *bin, uint64_t top, unsigned int bar_width, char *buf, size_t len)
{
	char lo[16], hi[16], bar[256];
	unsigned int w = top ? (unsigned int)((bin->count * bar_width + top - 1) / top) : 0;
	if (w >= sizeof(bar))
		w = sizeof(bar) - 1;
	memset(bar, '#', w);
	bar[w] = 0;
	xs_fmt_latency((double)bin->lo, bin->ticks, lo, sizeof(lo));
	xs_fmt_latency((double)bin->hi + 1, bin->ticks, hi, sizeof(hi));
	int width = bin->ticks ? 11 : 9;
	snprintf(buf, len, "%*s - %-*s %-*s %llu", width, lo, width, hi, (int)bar_width, bar,
		 (unsigned long long)bin->count);
	return buf;
}

void xs_hist_print_text(FILE *out, const char *label, const struct xs_stats *s, unsigned int bar_width)
{
	struct xs_hist_summary sum;
	xs_hist_summarize(s, &sum);
	if (!sum.count) {
		fprintf(out, "%s: %llu exits, no latencies recorded\n", label, (unsigned long long)s->count);
		return;
	}
	char a[16], b[16], c[16], d[16], e[16];
	bool t = s->tsc_count > 0; /* the vmx backend's TSC ticks */
	fprintf(out, "%s: %llu exits, %llu timed  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n", label,
		(unsigned long long)s->count, (unsigned long long)sum.count,
		xs_fmt_latency((double)sum.p50, t, a, sizeof(a)), xs_fmt_latency((double)sum.p90, t, b, sizeof(b)),
		xs_fmt_latency((double)sum.p99, t, c, sizeof(c)), xs_fmt_latency((double)sum.p999, t, d, sizeof(d)),
		xs_fmt_latency((double)sum.max, t, e, sizeof(e)));
	struct xs_hist_bin bins[XS_HIST_LOG2_BINS];
	size_t n = xs_hist_log2(s, bins);
	uint64_t top = xs_hist_top(bins, n);
	for (size_t i = 0; i < n; i++) {
		char line[320];
		fprintf(out, "  %s\n", xs_hist_bin_text(&bins[i], top, bar_width, line, sizeof(line)));
	}
}

void xs_hist_print_json(FILE *out, const char *label, const struct xs_stats *s)
{
	struct xs_hist_summary sum;
	xs_hist_summarize(s, &sum);
	fprintf(out, "{\"label\":");
	xs_json_fputs(out, label);
	fprintf(out, ",\"exits\":%llu,\"latency_count\":%llu", (unsigned long long)s->count,
		(unsigned long long)sum.count);
	const char *u = s->tsc_count ? "ticks" : "ns"; /* the keys name their unit: the vmx backend's are ticks */
	if (sum.count)
		fprintf(out, ",\"p50_%s\":%llu,\"p90_%s\":%llu,\"p99_%s\":%llu,\"p999_%s\":%llu,\"max_%s\":%llu", u,
			(unsigned long long)sum.p50, u, (unsigned long long)sum.p90, u, (unsigned long long)sum.p99, u,
			(unsigned long long)sum.p999, u, (unsigned long long)sum.max);
	fprintf(out, ",\"bins\":[");
	struct xs_hist_bin bins[XS_HIST_LOG2_BINS];
	size_t n = xs_hist_log2(s, bins);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s{\"lo_%s\":%llu,\"hi_%s\":%llu,\"count\":%llu}", i ? "," : "", u,
			(unsigned long long)bins[i].lo, u, (unsigned long long)bins[i].hi,
			(unsigned long long)bins[i].count);
	fprintf(out, "]}");
}
