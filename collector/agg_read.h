/* SPDX-License-Identifier: MIT */
/*
 * User space's side of aggregation mode (collector/agg_map.h): summing a cell's per-CPU parts, the change
 * since the last read, and the shared aggregator's form (common/agg.h) of a cell. Pure functions: the map
 * itself is read by the BPF backend (xs_collector_read_agg).
 */
#ifndef EXITSCOPE_COLLECTOR_AGG_READ_H
#define EXITSCOPE_COLLECTOR_AGG_READ_H

#include <stddef.h>
#include <stdint.h>

#include "collector/agg_map.h"
#include "common/agg.h"

/* The log2 bucket of a latency (as the BPF program computes it) and its bounds (high inclusive). */
unsigned int xs_agg_lat_bucket(uint64_t ns);
uint64_t xs_agg_lat_bucket_low(unsigned int b);
uint64_t xs_agg_lat_bucket_high(unsigned int b);

/* Add v's counts and histogram to into's (lat_max: the larger). */
void xs_agg_val_add(struct xs_agg_map_val *into, const struct xs_agg_map_val *v);

/* Sum ncpu per-CPU parts (as bpf_map_lookup_elem returns them: one after another) into out. */
void xs_agg_val_sum(const struct xs_agg_map_val *per_cpu, size_t ncpu, struct xs_agg_map_val *out);

/* now - before, field by field (lat_max: now's); the counts of a cell never shrink between two reads. */
void xs_agg_val_delta(const struct xs_agg_map_val *now, const struct xs_agg_map_val *before,
		      struct xs_agg_map_val *out);

/* The aggregator's key of a map key (the detail part dropped: the aggregator keys by reason). */
void xs_agg_key_of(const struct xs_agg_map_key *k, struct xs_agg_key *out);

/* The detail part of a key for people: "port 0x3f8", "msr 0xc0000080", or "" (NUL-terminated in buf). */
const char *xs_agg_detail_text(const struct xs_agg_map_key *k, char *buf, size_t len);

/*
 * The aggregator's statistics of a cell: count, latency count, sum and max, and the histogram with each log2
 * bucket's exits at the bucket's low bound (percentiles from it are bucket bounds, the mean and max exact).
 */
void xs_agg_val_to_stats(const struct xs_agg_map_val *v, struct xs_stats *s);

/* The log2 histogram of a set of statistics (from xs_agg_val_to_stats or from records), XS_AGG_LAT_BUCKETS long. */
void xs_stats_log2_hist(const struct xs_stats *s, uint64_t *hist);

#endif
