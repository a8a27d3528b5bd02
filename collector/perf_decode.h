/* SPDX-License-Identifier: MIT */
/*
 * Turning perf ring records into ring events (collector/events.h): the PERF_RECORD_SAMPLE layout the perf
 * backend asks for (TID, TIME, CPU, RAW), and each tracepoint's raw record read field by field through its
 * tracefs format (collector/tp_format.h). Everything here reads bytes the kernel wrote into a shared ring, so
 * every length is checked; fuzzed.
 */
#ifndef EXITSCOPE_COLLECTOR_PERF_DECODE_H
#define EXITSCOPE_COLLECTOR_PERF_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/events.h"
#include "collector/tp_format.h"

/* One PERF_RECORD_SAMPLE with sample_type PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW. */
struct xs_perf_sample {
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu;
	const uint8_t *raw; /* the tracepoint record, common_type first */
	uint32_t raw_size;
};

/* Parse a whole perf record (its perf_event_header included). 0, or -1 if malformed. */
int xs_perf_sample_parse(const void *rec, size_t len, struct xs_perf_sample *s);

/* PERF_RECORD_LOST: how many samples. 0, or -1 if malformed. */
int xs_perf_lost_parse(const void *rec, size_t len, uint64_t *lost);

#define XS_TP_MAP_MAX 12

/* How to fill one event type from one tracepoint's raw record. */
struct xs_tp_map {
	uint32_t id;	 /* tracepoint id (common_type) */
	uint8_t ev_type; /* enum xs_ev_type, or 0 for the KVM_RUN ioctl binding */
	uint16_t ev_size;
	uint16_t min_raw; /* the raw record must be at least this long */
	unsigned int n;
	struct {
		uint16_t src_off, src_size;
		uint16_t dst_off, dst_size;
		bool is_signed, is_array;
		uint32_t present_bit; /* set in the event's field mask when this optional field exists (0: none) */
	} f[XS_TP_MAP_MAX];
	uint32_t present; /* mask of optional fields found */
};

/*
 * Build the map of event type ev_type (XS_EV_*; 0 for sys_enter_ioctl) from the tracepoint's format.
 * Required fields missing from the format fail with a message; optional ones are left out.
 */
int xs_tp_map_build(struct xs_tp_map *m, uint8_t ev_type, const struct xs_tp_format *fmt, char *err, size_t errlen);

/*
 * Decode a raw record into out (at least m->ev_size bytes, 8-byte aligned), header filled from the sample.
 * The header's vcpu is set when the record carries vcpu_id, else XS_EV_VCPU_UNKNOWN. 0, or -1 if too short.
 */
int xs_tp_decode(const struct xs_tp_map *m, const struct xs_perf_sample *s, void *out);

/* The fd and cmd of a sys_enter_ioctl record (map with ev_type 0). 0, or -1 if too short. */
int xs_tp_decode_ioctl(const struct xs_tp_map *m, const struct xs_perf_sample *s, uint64_t *fd, uint64_t *cmd);

/* The tracepoint name (without "kvm/") an event type comes from, for the perf backend. */
const char *xs_tp_name_of_event(uint8_t ev_type);

#endif
