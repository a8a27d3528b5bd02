// SPDX-License-Identifier: MIT
#include "cli/report_views.h"

#include <stdio.h>

#include "analysis/format.h"
#include "analysis/histogram.h"
#include "analysis/symagg.h"
#include "cli/command.h"
#include "common/text.h"
#include "common/util.h"
#include "db/store.h"

int xs_report_by_symbol(const char *path, const struct xs_exit_filter *f, bool by_reason, struct xs_guest_symbols *syms,
			bool json)
{
	char err[512];
	struct xs_exit_source *src = xs_exit_source_open(path, f, true, err, sizeof(err));
	if (!src) {
		xs_err("report: %s", err);
		return XS_EXIT_FAILURE;
	}
	struct xs_symagg *agg = xs_symagg_new(by_reason);
	struct xs_exit_record r;
	int64_t run, last_run = -1;
	const struct xs_symtab *t = NULL;
	int rc;
	while ((rc = xs_exit_source_next(src, &r, &run)) > 0) {
		if (run != last_run) {
			t = xs_guest_symbols_for(syms, src, run);
			last_run = run;
		}
		xs_symagg_add(agg, t, &r);
	}
	if (rc < 0) {
		xs_err("report: %s: %s", path, xs_exit_source_error(src));
		xs_symagg_free(agg);
		xs_exit_source_close(src);
		return XS_EXIT_FAILURE;
	}
	struct xs_symreport rep;
	xs_symagg_report(agg, &rep);
	if (json)
		xs_symreport_print_json(stdout, xs_exit_source_title(src), xs_guest_symbols_used(syms), &rep);
	else
		xs_symreport_print_text(stdout, xs_exit_source_title(src), xs_guest_symbols_used(syms), &rep);
	xs_symreport_free(&rep);
	xs_symagg_free(agg);
	xs_exit_source_close(src);
	return XS_EXIT_OK;
}

int xs_report_histogram(const char *path, const struct xs_report_opts *ro, bool json)
{
	char err[512];
	sqlite3 *db = xs_store_open(path, XS_STORE_READ, err, sizeof(err));
	if (!db) {
		xs_err("%s", err);
		return XS_EXIT_FAILURE;
	}
	struct xs_report rep;
	int rc = xs_report_build(db, ro, &rep, err, sizeof(err));
	xs_store_close(db);
	if (rc) {
		xs_err("report: %s: %s", path, err);
		return XS_EXIT_FAILURE;
	}
	if (json) {
		printf("{\"title\":");
		xs_json_fputs(stdout, rep.title);
		printf(",\"by\":\"%s\",\"histograms\":[", xs_dim_name(rep.by));
	} else {
		printf("%s\n%llu exits; latency histograms by %s (exit to next entry, power-of-two bins)\n\n",
		       rep.title, (unsigned long long)rep.exits, xs_dim_name(rep.by));
	}
	for (size_t i = 0; i < rep.nrows; i++) {
		char label[96];
		xs_report_label(rep.by, &rep.rows[i], label, sizeof(label));
		if (json) {
			if (i)
				putchar(',');
			xs_hist_print_json(stdout, label, &rep.rows[i].stats);
		} else {
			xs_hist_print_text(stdout, label, &rep.rows[i].stats, 40);
			putchar('\n');
		}
	}
	if (json)
		printf("]}\n");
	else if (!rep.grouped.lat_count)
		printf("(no exit-to-entry latencies were recorded in this run: nothing to draw)\n");
	xs_report_free(&rep);
	return XS_EXIT_OK;
}
