/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's data: everything it knows about the exits it received, and nothing about the screen.
 *
 *  - the shared aggregator (common/agg.h): counts, rates, latencies and per-second history per
 *    (pid, vCPU, isa, reason), so the dashboard shows the same numbers as `run`'s summary and `report`;
 *  - the latest TUI_LATEST records received (for the latest-exits pane and the detail view);
 *  - the newest record of every reason (so any row of the reasons table can open a real exit);
 *  - which isas were seen (the header says vmx / svm / host events).
 *
 * One thread owns a model; a paused dashboard keeps a clone (tui_model_clone) while the original keeps counting.
 */
#ifndef EXITSCOPE_TUI_MODEL_H
#define EXITSCOPE_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/symagg.h"
#include "analysis/symtab.h"
#include "common/agg.h"
#include "exitscope/record.h"
#include "tui/queue.h"

#define TUI_LATEST 1024	      /* records kept for the latest-exits pane */
#define TUI_REASON_SLOTS 1024 /* distinct (isa, reason) pairs whose newest record is kept */

struct tui_reason_slot {
	bool used;
	uint8_t isa;
	uint32_t reason;
	struct xs_exit_record rec;
};

struct tui_model {
	struct xs_agg *agg;
	struct xs_exit_record *latest; /* ring of TUI_LATEST records, gs zeroed when absent */
	uint64_t latest_total; /* records ever put in the ring; the newest is at (latest_total - 1) % TUI_LATEST */
	struct tui_reason_slot *reasons; /* TUI_REASON_SLOTS, open addressing */
	unsigned int reasons_used;
	uint64_t reasons_untracked; /* records of reasons beyond TUI_REASON_SLOTS (counted, still aggregated) */
	unsigned int isa_seen;	    /* bit n: a record of isa n arrived */
	bool tsc_clock;		    /* some record had XS_F_TS_TSC: wall time cannot age its windows */
	bool counted_elsewhere;	    /* the source counts exits (tui_model_add_counts): records only feed the panes */
	/* guest symbols (NULL: none known): exits per guest function for the symbols view */
	const struct xs_symtab *symbols;
	struct xs_symagg *symagg;
	/* scratch of tui_model_ingest: the newest record of each reason slot within the span being read */
	const struct xs_exit_record **pending;
	uint16_t *touched;
};

void tui_model_init(struct tui_model *m);
void tui_model_free(struct tui_model *m);
/* Symbolize the exits from now on with t (not owned; it must outlive the model and its clones). */
void tui_model_set_symbols(struct tui_model *m, const struct xs_symtab *t);
/* A deep copy; free it with tui_model_free and free(). */
struct tui_model *tui_model_clone(const struct tui_model *m);

/* After the source added counts to m->agg itself (aggregation mode): the isas seen, from its cells. */
void tui_model_note_counted(struct tui_model *m);

/* One record (tests, small producers). */
void tui_model_add(struct tui_model *m, const struct xs_exit_record *r);
/* Everything in a queue span, read in place; copies only the records the latest-exits views keep. Returns how
 * many records it took. */
size_t tui_model_ingest(struct tui_model *m, struct tui_queue_span *span);

/* Total records received. */
static inline uint64_t tui_model_count(const struct tui_model *m)
{
	return xs_agg_count(m->agg);
}

/* The i-th newest record kept (i = 0 is the newest), or NULL past what is kept. */
const struct xs_exit_record *tui_model_latest(const struct tui_model *m, size_t i);
/* How many records tui_model_latest can return. */
size_t tui_model_latest_count(const struct tui_model *m);
/* The newest record of (isa, reason), or NULL if none was kept. */
const struct xs_exit_record *tui_model_newest_of(const struct tui_model *m, uint8_t isa, uint32_t reason);

#endif
