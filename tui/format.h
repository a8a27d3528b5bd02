/* SPDX-License-Identifier: MIT */
/*
 * Numbers as the dashboard prints them, in few columns: counts and rates with k/M/G suffixes, durations in
 * ns/us/ms/s, elapsed time as [h:]mm:ss, sparkline levels. Shared by the screen and the text snapshots so both
 * say the same thing. Every function writes at most len bytes including the NUL and returns buf.
 */
#ifndef EXITSCOPE_TUI_FORMAT_H
#define EXITSCOPE_TUI_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "common/agg.h"

/* 999, 1.00k, 12.3k, 123k, 1.23M, ... (three significant digits above 999). */
char *tui_fmt_count(char *buf, size_t len, double v);
/* 850ns, 1.23us, 45.6us, 1.23ms, 2.50s; "-" when count is 0 (nothing measured). */
char *tui_fmt_ns(char *buf, size_t len, double ns, uint64_t count);
/*
 * A latency in its unit: tui_fmt_ns for ns; TSC ticks as 850t, 1.23kt, 45.6kt, 1.23Mt (never as a time: the
 * vmx backend's emulated TSC has no wall frequency); "mixed" for ns and ticks together (no common scale).
 */
char *tui_fmt_latency(char *buf, size_t len, double v, uint64_t count, enum xs_time_unit unit);
/* 0:07, 12:34, 1:02:03. */
char *tui_fmt_elapsed(char *buf, size_t len, double seconds);
/* "42.0%", or "-" when whole is 0. */
char *tui_fmt_share(char *buf, size_t len, uint64_t part, uint64_t whole);
/* "vmx IO_INSTRUCTION", "svm 0x4a3" for unknown codes; VMX flag bits as a number: "vmx INVALID_STATE+0x80000000". */
char *tui_fmt_reason(char *buf, size_t len, uint8_t isa, uint32_t reason);

#define TUI_SPARK_LEVELS 9 /* 0 = nothing, 1..8 = increasing bar heights */
/*
 * The last `width` of the n per-second counts (oldest first) as levels 0..8, scaled to their maximum; a second
 * with any exit gets at least level 1. Writes `width` levels to out (leading seconds before the window: 0).
 */
void tui_sparkline(const uint32_t *per_sec, size_t n, size_t width, unsigned char *out);

#endif
