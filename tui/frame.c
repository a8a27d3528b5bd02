// SPDX-License-Identifier: MIT
#include "tui/frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tui/format.h"

static const char *const sort_names[TUI_SORT_COUNT_] = {"count", "rate", "mean", "max", "name"};

const char *tui_sort_name(enum tui_sort s)
{
	return s < TUI_SORT_COUNT_ ? sort_names[s] : "?";
}

bool tui_sort_parse(const char *text, enum tui_sort *out)
{
	for (int i = 0; i < TUI_SORT_COUNT_; i++) {
		if (!strcmp(text, sort_names[i])) {
			*out = (enum tui_sort)i;
			return true;
		}
	}
	return false;
}

void tui_frame_free(struct tui_frame *f)
{
	free(f->rows);
	free(f->latest);
	if (f->has_symbols)
		xs_symreport_free(&f->symrep);
	memset(f, 0, sizeof(*f));
}

/* The vCPU's most frequent reason among what the filter lets through. */
static void top_reason(const struct tui_model *m, const struct xs_agg_filter *base, struct tui_row *row)
{
	struct xs_agg_filter f = *base;
	f.by_pid = true;
	f.pid = row->agg.key.pid;
	f.by_vcpu = true;
	f.vcpu = row->agg.key.vcpu;
	struct xs_agg_row *rows;
	size_t n = xs_agg_rollup(m->agg, &f, XS_AGG_BY_REASON, &rows);
	for (size_t i = 0; i < n; i++) {
		const struct xs_agg_key *k = &rows[i].key;
		bool better = rows[i].stats.count > row->top_count ||
			      (rows[i].stats.count == row->top_count &&
			       (k->isa < row->top_isa || (k->isa == row->top_isa && k->reason < row->top_reason)));
		if (!i || better) {
			row->top_count = rows[i].stats.count;
			row->top_isa = k->isa;
			row->top_reason = k->reason;
		}
	}
	free(rows);
}

static void label_row(struct tui_row *row, enum tui_table t, tui_vm_name_fn vm_name, void *arg)
{
	if (t == TUI_TABLE_REASONS) {
		tui_fmt_reason(row->label, sizeof(row->label), row->agg.key.isa, row->agg.key.reason);
		return;
	}
	const char *name = vm_name ? vm_name(arg, row->agg.key.pid) : NULL;
	if (name)
		snprintf(row->label, sizeof(row->label), "%u %s", row->agg.key.pid, name);
	else
		snprintf(row->label, sizeof(row->label), "%u", row->agg.key.pid);
}

static void collect_latest(struct tui_frame *f, const struct tui_model *m, const struct tui_filter *filter)
{
	f->latest = xs_malloc(TUI_FRAME_LATEST * sizeof(*f->latest));
	size_t kept = tui_model_latest_count(m);
	for (size_t i = 0; i < kept && f->nlatest < TUI_FRAME_LATEST; i++) {
		const struct xs_exit_record *r = tui_model_latest(m, i);
		if (tui_filter_match(filter, r))
			f->latest[f->nlatest++] = *r;
	}
	/* A rare reason may have left the ring long ago: its newest exit is still kept apart. */
	if (!f->nlatest && filter->agg.by_reason) {
		const struct xs_exit_record *r = tui_model_newest_of(m, filter->agg.isa, filter->agg.reason);
		if (r && tui_filter_match(filter, r))
			f->latest[f->nlatest++] = *r;
	}
}

void tui_frame_build(struct tui_frame *f, const struct tui_model *m, const struct tui_view *v, tui_vm_name_fn vm_name,
		     void *arg)
{
	tui_frame_free(f);
	f->table = v->table;
	const struct xs_agg_filter *filter = &v->filter.agg;
	struct xs_agg_row *rows;
	f->nrows =
		xs_agg_rollup(m->agg, filter, v->table == TUI_TABLE_REASONS ? XS_AGG_BY_REASON : XS_AGG_BY_VCPU, &rows);
	f->rows = xs_calloc(f->nrows ? f->nrows : 1, sizeof(*f->rows));
	for (size_t i = 0; i < f->nrows; i++) {
		f->rows[i].agg = rows[i];
		label_row(&f->rows[i], v->table, vm_name, arg);
		if (v->table == TUI_TABLE_VCPUS)
			top_reason(m, filter, &f->rows[i]);
	}
	free(rows);
	xs_agg_total(m->agg, filter, &f->total);
	f->time = !f->total.stats.lat_count && f->total.stats.handler_count ? TUI_TIME_HANDLER : TUI_TIME_LATENCY;
	f->received = tui_model_count(m);
	struct xs_agg_row all;
	xs_agg_total(m->agg, NULL, &all);
	f->base_ts = all.stats.first_ts;
	collect_latest(f, m, &v->filter);
	f->symbols = m->symbols;
	if (m->symagg) {
		xs_symagg_report(m->symagg, &f->symrep);
		f->has_symbols = true;
	}
	tui_frame_sort(f, v);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_double(double a, double b)
{
	return a < b ? -1 : a > b;
}

/* Natural order of the column: numbers high to low, names A to Z. */
static int compare(const struct tui_row *a, const struct tui_row *b, enum tui_table table, enum tui_time t,
		   enum tui_sort s)
{
	int c = 0;
	switch (s) {
	case TUI_SORT_COUNT:
		c = -cmp_u64(a->agg.stats.count, b->agg.stats.count);
		break;
	case TUI_SORT_RATE:
		c = -cmp_double(a->agg.rate, b->agg.rate);
		break;
	case TUI_SORT_MEAN:
		c = -cmp_double(tui_time_mean(t, &a->agg.stats), tui_time_mean(t, &b->agg.stats));
		break;
	case TUI_SORT_MAX:
		c = -cmp_u64(tui_time_max(t, &a->agg.stats), tui_time_max(t, &b->agg.stats));
		break;
	case TUI_SORT_NAME:
	case TUI_SORT_COUNT_:
		break;
	}
	if (c)
		return c;
	/* Names (and ties): reasons by label, vCPUs by VM then vCPU number. */
	if (table == TUI_TABLE_VCPUS) {
		c = cmp_u64(a->agg.key.pid, b->agg.key.pid);
		return c ? c : cmp_u64(a->agg.key.vcpu, b->agg.key.vcpu);
	}
	c = strcmp(a->label, b->label);
	return c ? c : cmp_u64(a->agg.key.reason, b->agg.key.reason);
}

struct sort_by {
	enum tui_table table;
	enum tui_time time;
	enum tui_sort sort;
	bool reverse;
};

static int compare_rows(const void *x, const void *y, void *arg)
{
	const struct sort_by *by = arg;
	int c = compare(x, y, by->table, by->time, by->sort);
	return by->reverse ? -c : c;
}

void tui_frame_sort(struct tui_frame *f, const struct tui_view *v)
{
	struct sort_by by = {f->table, f->time, v->sort, v->reverse};
	qsort_r(f->rows, f->nrows, sizeof(*f->rows), compare_rows, &by);
}

double tui_time_mean(enum tui_time t, const struct xs_stats *s)
{
	return t == TUI_TIME_HANDLER ? xs_stats_handler_mean(s) : xs_stats_lat_mean(s);
}

uint64_t tui_time_max(enum tui_time t, const struct xs_stats *s)
{
	return t == TUI_TIME_HANDLER ? s->handler_max : s->lat_max;
}

uint64_t tui_time_count(enum tui_time t, const struct xs_stats *s)
{
	return t == TUI_TIME_HANDLER ? s->handler_count : s->lat_count;
}

long tui_frame_find(const struct tui_frame *f, const struct xs_agg_key *k)
{
	for (size_t i = 0; i < f->nrows; i++) {
		const struct xs_agg_key *r = &f->rows[i].agg.key;
		if (r->pid == k->pid && r->vcpu == k->vcpu && r->isa == k->isa && r->reason == k->reason)
			return (long)i;
	}
	return -1;
}
