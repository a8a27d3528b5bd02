// SPDX-License-Identifier: MIT
#include "collector/agg_read.h"

#include <stdio.h>
#include <string.h>

unsigned int xs_agg_lat_bucket(uint64_t ns)
{
	if (!ns)
		return 0;
	unsigned int b = 64u - (unsigned int)__builtin_clzll(ns);
	return b < XS_AGG_LAT_BUCKETS ? b : XS_AGG_LAT_BUCKETS - 1;
}

uint64_t xs_agg_lat_bucket_low(unsigned int b)
{
	return b ? 1ull << (b - 1) : 0;
}

uint64_t xs_agg_lat_bucket_high(unsigned int b)
{
	if (b + 1 >= XS_AGG_LAT_BUCKETS)
		return UINT64_MAX;
	return b ? (1ull << b) - 1 : 0;
}

void xs_agg_val_add(struct xs_agg_map_val *into, const struct xs_agg_map_val *v)
{
	into->count += v->count; /* one CPU's part may have wrapped (a count moved away): the sum is right */
	into->lat_count += v->lat_count;
	into->lat_sum += v->lat_sum;
	if (v->lat_max > into->lat_max)
		into->lat_max = v->lat_max;
	for (unsigned int b = 0; b < XS_AGG_LAT_BUCKETS; b++)
		into->hist[b] += v->hist[b];
}

void xs_agg_val_sum(const struct xs_agg_map_val *per_cpu, size_t ncpu, struct xs_agg_map_val *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < ncpu; i++)
		xs_agg_val_add(out, &per_cpu[i]);
}

void xs_agg_val_delta(const struct xs_agg_map_val *now, const struct xs_agg_map_val *before, struct xs_agg_map_val *out)
{
	out->count = now->count - before->count;
	out->lat_count = now->lat_count - before->lat_count;
	out->lat_sum = now->lat_sum - before->lat_sum;
	out->lat_max = now->lat_max;
	for (unsigned int b = 0; b < XS_AGG_LAT_BUCKETS; b++)
		out->hist[b] = now->hist[b] - before->hist[b];
}

void xs_agg_key_of(const struct xs_agg_map_key *k, struct xs_agg_key *out)
{
	memset(out, 0, sizeof(*out));
	out->pid = k->pid;
	out->vcpu = k->vcpu;
	out->reason = k->reason;
	out->isa = k->isa;
}

const char *xs_agg_detail_text(const struct xs_agg_map_key *k, char *buf, size_t len)
{
	switch (k->detail_kind) {
	case XS_AGG_D_PORT:
		snprintf(buf, len, "port 0x%llx", (unsigned long long)k->detail);
		break;
	case XS_AGG_D_MSR:
		snprintf(buf, len, "msr 0x%llx", (unsigned long long)k->detail);
		break;
	default:
		snprintf(buf, len, "%s", "");
	}
	return buf;
}

void xs_agg_val_to_stats(const struct xs_agg_map_val *v, struct xs_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->count = v->count;
	s->lat_count = v->lat_count;
	s->lat_sum = v->lat_sum;
	s->lat_max = v->lat_max;
	bool first = true;
	for (unsigned int b = 0; b < XS_AGG_LAT_BUCKETS; b++) {
		if (!v->hist[b])
			continue;
		uint64_t low = xs_agg_lat_bucket_low(b);
		if (first)
			s->lat_min = low;
		first = false;
		s->lat_hist[xs_hist_bucket(low)] += v->hist[b];
	}
}

void xs_stats_log2_hist(const struct xs_stats *s, uint64_t *hist)
{
	memset(hist, 0, XS_AGG_LAT_BUCKETS * sizeof(*hist));
	/* each log-linear bucket lies inside one power of two: its low bound names the log2 bucket */
	for (unsigned int b = 0; b < XS_HIST_BUCKETS; b++)
		if (s->lat_hist[b])
			hist[xs_agg_lat_bucket(xs_hist_bucket_low(b))] += s->lat_hist[b];
}
