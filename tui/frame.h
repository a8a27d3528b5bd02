/* SPDX-License-Identifier: MIT */
/*
 * A frame: what one screen refresh (or one --batch snapshot) shows, derived from the model under the user's
 * view settings (table, sort, filter). Building a frame is the only place where the dashboard reads the model;
 * the drawing code and the text snapshot only read frames. A paused dashboard keeps showing its last frame.
 */
#ifndef EXITSCOPE_TUI_FRAME_H
#define EXITSCOPE_TUI_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/symagg.h"
#include "common/agg.h"
#include "exitscope/record.h"
#include "tui/filter.h"
#include "tui/model.h"

enum tui_table { TUI_TABLE_REASONS, TUI_TABLE_VCPUS };

/* Sort columns, in the order `s` cycles through them. */
enum tui_sort { TUI_SORT_COUNT, TUI_SORT_RATE, TUI_SORT_MEAN, TUI_SORT_MAX, TUI_SORT_NAME, TUI_SORT_COUNT_ };

const char *tui_sort_name(enum tui_sort s); /* "count", "rate", "mean", "max", "name" */
bool tui_sort_parse(const char *text, enum tui_sort *out);

struct tui_view {
	enum tui_table table;
	enum tui_sort sort;
	bool reverse; /* against the column's natural order (descending numbers, names A-Z) */
	struct tui_filter filter;
};

/* A host process's VM name, or NULL when none is known. */
typedef const char *(*tui_vm_name_fn)(void *arg, uint32_t pid);

struct tui_row {
	struct xs_agg_row agg; /* key: (isa, reason) for reasons, (pid, vcpu) for vCPUs */
	char label[48];	       /* "vmx IO_INSTRUCTION"; "1234 web1" for a vCPU's VM */
	/* vCPU rows: the vCPU's most frequent reason under the filter */
	uint8_t top_isa;
	uint32_t top_reason;
	uint64_t top_count;
};

#define TUI_FRAME_LATEST 256 /* at most this many latest exits per frame */

/*
 * Which time the latency columns show: exit-to-entry latency when the records carry it (XS_F_LATENCY); when no
 * record of the frame has one but they carry the launcher's handler time (XS_F_RUN_TIMES), that (as HDL), so a
 * table of such records is not empty of times.
 */
enum tui_time { TUI_TIME_LATENCY, TUI_TIME_HANDLER };

struct tui_frame {
	enum tui_table table;
	struct tui_row *rows;
	size_t nrows;
	struct xs_agg_row total;       /* everything matching the filter */
	enum tui_time time;	       /* what MEAN and MAX measure */
	uint64_t received;	       /* every record received, filter or not */
	uint64_t base_ts;	       /* the first record's time: latest exits show their time after it */
	struct xs_exit_record *latest; /* newest first, matching the filter (copies) */
	size_t nlatest;
	/* guest symbols, when the dashboard has them: the table, and exits per function (all exits, unfiltered) */
	const struct xs_symtab *symbols;
	bool has_symbols;
	struct xs_symreport symrep;
};

/* Build f (its previous content freed) from m under v. vm_name may be NULL. */
void tui_frame_build(struct tui_frame *f, const struct tui_model *m, const struct tui_view *v, tui_vm_name_fn vm_name,
		     void *arg);
/* Re-sort the rows after the sort settings changed (no model needed: works on a paused frame). */
void tui_frame_sort(struct tui_frame *f, const struct tui_view *v);
void tui_frame_free(struct tui_frame *f);

/* The mean and the maximum of the frame's time (enum tui_time) for a row's stats, and how many were timed. */
double tui_time_mean(enum tui_time t, const struct xs_stats *s);
uint64_t tui_time_max(enum tui_time t, const struct xs_stats *s);
uint64_t tui_time_count(enum tui_time t, const struct xs_stats *s);

/* Index of the row whose grouped key equals k, or -1. */
long tui_frame_find(const struct tui_frame *f, const struct xs_agg_key *k);

#endif
