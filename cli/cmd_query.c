// SPDX-License-Identifier: MIT
/* exitscope query DB 'SQL' [--format table|csv|json]: run SQL against a store, with the SQL functions. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/command.h"
#include "cli/query_command.h"
#include "cli/query_symbols.h"
#include "common/util.h"
#include "db/resultfmt.h"
#include "db/store.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: exitscope query DB 'SQL' [--format table|csv|json] [--write]\n\n"
		     "Run SQL against an exitscope store and print the rows. Several statements may be given,\n"
		     "separated by ';'. The store is opened read-only: statements that would change it are\n"
		     "refused unless --write is given (writes bypass the aggregates: reports may then disagree\n"
		     "with the rows).\n"
		     "Views: exits, exits_full, reason_stats, vcpu_stats, exits_per_second,\n"
		     "top_io_ports, top_msrs, top_gpas, slowest_exits, vcpus, run_controls, run_counters.\n"
		     "Functions: exit_name(isa, reason), exit_field(isa, reason, qualification, 'field'),\n"
		     "exit_decode(isa, reason, qualification), exit_isa(isa), exit_symbol(rip[, run_id]),\n"
		     "exit_function(rip[, run_id]). docs/schema.md and docs/analysis.md have the details.\n\n"
		     "  -f, --format FMT   table (default), csv or json\n"
		     "      --write        allow statements that change the store\n" XS_GUEST_SYMBOLS_HELP);
}

int xs_query_command(int argc, char **argv, const char *fixed_sql, void (*usage)(FILE *out))
{
	enum { OPT_WRITE = 256 };
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"write", no_argument, NULL, OPT_WRITE},
					     {"help", no_argument, NULL, 'h'},
					     XS_GUEST_SYMBOL_OPTIONS,
					     {NULL, 0, NULL, 0}};
	enum xs_result_format fmt = XS_FMT_TABLE;
	bool write = false;
	struct xs_guest_symbols syms = {0};
	int c;
	optind = 1; /* argv[0] is the command, as in every subcommand */
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_WRITE:
			if (fixed_sql) {
				usage(stderr);
				return XS_EXIT_USAGE;
			}
			write = true;
			break;
		case 'f':
			if (!xs_result_format_parse(optarg, &fmt)) {
				xs_err("%s: unknown format '%s' (table, csv or json)", argv[0], optarg);
				return XS_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return XS_EXIT_OK;
		case XS_OPT_GUEST_SYMBOLS:
		case XS_OPT_GUEST_KASLR:
			if (!xs_guest_symbols_option(&syms, c, optarg, argv[0]))
				return XS_EXIT_USAGE;
			break;
		default:
			usage(stderr);
			return XS_EXIT_USAGE;
		}
	}
	if (argc - optind != (fixed_sql ? 1 : 2)) {
		usage(stderr);
		return XS_EXIT_USAGE;
	}
	const char *path = argv[optind], *sql = fixed_sql ? fixed_sql : argv[optind + 1];
	char err[512];
	if (xs_guest_symbols_load(&syms, argv[0]))
		return XS_EXIT_FAILURE;
	sqlite3 *db = xs_store_open(path, write ? XS_STORE_WRITE : XS_STORE_READ, err, sizeof(err));
	if (!db || xs_query_symbols_register(db, &syms, err, sizeof(err))) {
		xs_err("%s", err);
		xs_store_close(db);
		xs_guest_symbols_free(&syms);
		return XS_EXIT_FAILURE;
	}
	int rc = xs_result_run_sql(stdout, db, sql, fmt, err, sizeof(err));
	xs_store_close(db);
	xs_guest_symbols_free(&syms);
	if (fflush(stdout) != 0) {
		xs_err("%s: writing the results failed", argv[0]);
		return XS_EXIT_FAILURE;
	}
	if (rc && !write && (strstr(err, "not authorized") || strstr(err, "authorization denied"))) {
		xs_err("%s: %s: the store is open read-only and this statement would change it (--write allows it)",
		       argv[0], err);
		return XS_EXIT_FAILURE;
	}
	if (rc) {
		xs_err("%s: %s", argv[0], err);
		return XS_EXIT_FAILURE;
	}
	return XS_EXIT_OK;
}

static int cmd_query(int argc, char **argv)
{
	return xs_query_command(argc, argv, NULL, usage);
}

XS_COMMAND(query, "run SQL against an exitscope database", cmd_query);
