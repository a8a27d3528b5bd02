/* SPDX-License-Identifier: MIT */
/*
 * `exitscope export` formats, written as the exits stream past (records in, text out):
 *   trace   Chrome Trace Event JSON (Perfetto UI, chrome://tracing): one process per VM (run and host pid),
 *           one thread track per vCPU, each exit a complete ("X") slice from the exit to the next entry
 *           (zero length when no latency was recorded) named by its reason, args = decoded fields, guest
 *           RIP, symbol and CPL; per VM a counter track "exits/s" with one series per reason.
 *   folded  "vm;vcpu N;reason;symbol count" lines for flamegraph.pl, inferno and speedscope; weighted by
 *           exit-to-entry latency (ns) instead of count on request.
 *   csv     one exit per line with decoded fields; a header line first.
 *   jsonl   one JSON object per exit (the decoder's record JSON plus run, symbol and cpl).
 * Memory: constant per exit; trace keeps a little state per VM and vCPU, folded one counter per distinct
 * stack (VMs x vCPUs x reasons x symbols), never per exit.
 */
#ifndef EXITSCOPE_ANALYSIS_EXPORT_H
#define EXITSCOPE_ANALYSIS_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/symtab.h"
#include "exitscope/record.h"

enum xs_export_format { XS_EXPORT_TRACE, XS_EXPORT_FOLDED, XS_EXPORT_CSV, XS_EXPORT_JSONL };

bool xs_export_format_parse(const char *name, enum xs_export_format *out);

struct xs_exporter;

/* weight_latency: folded lines weigh exits by latency (exits without one weigh 0). */
struct xs_exporter *xs_exporter_new(FILE *out, enum xs_export_format fmt, bool weight_latency);
/* One exit of run `run` (run_label names it in VM labels: "run 1 mixed"); t: its symbols, or NULL. */
void xs_exporter_add(struct xs_exporter *x, const struct xs_exit_record *r, int64_t run, const char *run_label,
		     const struct xs_symtab *t);
/* Write what is pending (trace's last counters and closing bracket, folded's lines). */
void xs_exporter_finish(struct xs_exporter *x);
void xs_exporter_free(struct xs_exporter *x);
/* Exits written so far, and (folded) distinct stacks. */
uint64_t xs_exporter_count(const struct xs_exporter *x);
uint64_t xs_exporter_stacks(const struct xs_exporter *x);

#endif
