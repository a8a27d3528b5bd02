/* SPDX-License-Identifier: MIT */
/*
 * Exits per guest function: `exitscope report --by symbol` and `--by reason,symbol`. Each record's RIP is
 * looked up in the symbol table the caller gives for it (the run's built-in guest, or --guest-symbols);
 * exits whose RIP no symbol covers, and exits without a RIP, get rows of their own. Beside the rows it
 * counts the guest's privilege level per reason (from the guest-state snapshot): the kernel/user share.
 *
 * Pure: records in, rows out; no I/O except the printers. Memory grows with distinct (symbol, reason)
 * pairs, not with exits.
 */
#ifndef EXITSCOPE_ANALYSIS_SYMAGG_H
#define EXITSCOPE_ANALYSIS_SYMAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/symtab.h"
#include "common/agg.h"
#include "exitscope/record.h"

enum xs_symrow_kind { XS_SYMROW_SYMBOL, XS_SYMROW_UNCOVERED, XS_SYMROW_NO_RIP };

struct xs_priv_count {
	uint64_t known, user; /* exits whose CPL the snapshot gave; of those at CPL 3 */
};

struct xs_symrow {
	enum xs_symrow_kind kind;
	const char *symbol; /* XS_SYMROW_SYMBOL: the name (owned by its table) */
	uint8_t isa;	    /* with by_reason */
	uint32_t reason;
	struct xs_stats stats;
	struct xs_priv_count priv;
};

struct xs_reason_priv {
	uint8_t isa;
	uint32_t reason;
	uint64_t count;
	struct xs_priv_count priv;
};

struct xs_symagg;

struct xs_symagg *xs_symagg_new(bool by_reason);
void xs_symagg_free(struct xs_symagg *a);
/* A deep copy (a paused dashboard keeps one while the original counts on). */
struct xs_symagg *xs_symagg_clone(const struct xs_symagg *a);
/* Count one exit; t may be NULL (no symbols known: every RIP is uncovered). */
void xs_symagg_add(struct xs_symagg *a, const struct xs_symtab *t, const struct xs_exit_record *r);

struct xs_symreport {
	bool by_reason;
	uint64_t exits;
	struct xs_symrow *rows; /* most exits first */
	size_t nrows;
	struct xs_reason_priv *reasons; /* most exits first */
	size_t nreasons;
	bool handler_time; /* no latencies: time columns show the launcher's handler time */
};

/* Rows merged by name (tables of several runs may name the same function) and sorted; a stays usable. */
void xs_symagg_report(const struct xs_symagg *a, struct xs_symreport *out);
void xs_symreport_free(struct xs_symreport *rep);

/* A row's label: "guest_main", "(no symbol)", "(no RIP)". */
const char *xs_symrow_label(const struct xs_symrow *r);

void xs_symreport_print_text(FILE *out, const char *title, const char *symbols_from, const struct xs_symreport *rep);
void xs_symreport_print_json(FILE *out, const char *title, const char *symbols_from, const struct xs_symreport *rep);

#endif
