// SPDX-License-Identifier: MIT
/*
 * exitscope ship: send a store's exits to ClickHouse over its HTTP interface, resumable and exactly once
 * (fleet/ship.h, docs/fleet.md); with --follow, keep sending while a recording adds exits.
 */
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cli/command.h"
#include "common/util.h"
#include "fleet/ship.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: exitscope ship DB --clickhouse URL [--table DATABASE.TABLE] [--host NAME] [--batch N]\n"
		"                          [--follow [--interval S]] [--quiet]\n"
		"       exitscope ship --schema [--table DATABASE.TABLE]\n"
		"\n"
		"Send the exits of every run in the store DB to ClickHouse, in batches. The table is created if it is\n"
		"missing (MergeTree, partitioned by day; --schema prints it) and refused if it has other columns.\n"
		"What ClickHouse acknowledged is recorded per run in DB.shipped; a re-run after a failure or a kill\n"
		"sends the rest, exactly once. The store is only read.\n"
		"\n"
		"  --clickhouse URL      the HTTP interface, e.g. http://127.0.0.1:8123 (credentials and settings\n"
		"                        as URL parameters: http://host:8123/?user=u&password=p)\n"
		"  --table DB.TABLE      where the exits go (default exitscope.exits)\n"
		"  --host NAME           the host column (default: the host the run was recorded on, else this one)\n"
		"  --batch N             exits per INSERT (default %u, at most %u)\n"
		"  --follow              keep shipping new exits (a recording in progress) until Ctrl-C / SIGTERM\n"
		"  --interval S          with --follow: look for new exits every S seconds (default 1)\n"
		"  --timeout S           give up on a request after S seconds (default 300)\n"
		"  --no-gzip             send the rows uncompressed (default: gzip, ~9x fewer bytes on the wire)\n"
		"  --quiet               no progress lines\n"
		"  --schema              print the CREATE TABLE statement and exit\n"
		"  -h, --help            this text\n",
		XS_SHIP_BATCH_DEFAULT, XS_SHIP_BATCH_MAX);
}

enum {
	OPT_CLICKHOUSE = 0x100,
	OPT_TABLE,
	OPT_HOST,
	OPT_BATCH,
	OPT_FOLLOW,
	OPT_INTERVAL,
	OPT_TIMEOUT,
	OPT_QUIET,
	OPT_NO_GZIP,
	OPT_SCHEMA,
	OPT_MAX_ROWS
};

static const struct option longopts[] = {
	{"clickhouse", required_argument, NULL, OPT_CLICKHOUSE},
	{"table", required_argument, NULL, OPT_TABLE},
	{"host", required_argument, NULL, OPT_HOST},
	{"batch", required_argument, NULL, OPT_BATCH},
	{"follow", no_argument, NULL, OPT_FOLLOW},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"no-gzip", no_argument, NULL, OPT_NO_GZIP},
	{"schema", no_argument, NULL, OPT_SCHEMA},
	{"max-rows", required_argument, NULL, OPT_MAX_ROWS}, /* undocumented: tests stop a ship part-way */
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static atomic_int stop;

static void on_signal(int sig)
{
	atomic_store(&stop, sig);
}

static int bad(const char *fmt, const char *arg)
{
	char msg[256];
	snprintf(msg, sizeof(msg), fmt, arg);
	xs_err("ship: %s (see exitscope ship --help)", msg);
	return XS_EXIT_USAGE;
}

static int cmd_ship(int argc, char **argv)
{
	struct xs_ship_opts o = {.table = "exitscope.exits",
				 .batch_rows = XS_SHIP_BATCH_DEFAULT,
				 .poll_s = 1.0,
				 .timeout_s = 300,
				 .stop = &stop};
	bool schema = false;
	uint64_t v;
	double d;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *arg = c == '?' || c == ':' ? argv[optind - 1] : optarg;
		switch (c) {
		case OPT_CLICKHOUSE:
			o.url = arg;
			break;
		case OPT_TABLE:
			o.table = arg;
			break;
		case OPT_HOST:
			if (!*arg)
				return bad("%s", "--host needs a name");
			o.host = arg;
			break;
		case OPT_BATCH:
			if (!xs_parse_range(arg, 1, XS_SHIP_BATCH_MAX, &o.batch_rows))
				return bad("--batch '%s': give 1 to 1000000 exits", arg);
			break;
		case OPT_FOLLOW:
			o.follow = true;
			break;
		case OPT_INTERVAL:
			if (!xs_parse_seconds(arg, &o.poll_s) || o.poll_s < 0.1 || o.poll_s > 3600)
				return bad("--interval '%s': give 0.1 to 3600 seconds", arg);
			break;
		case OPT_TIMEOUT:
			if (!xs_parse_seconds(arg, &d) || d < 1 || d > 86400)
				return bad("--timeout '%s': give 1 to 86400 seconds", arg);
			o.timeout_s = (long)d;
			break;
		case OPT_QUIET:
			o.quiet = true;
			break;
		case OPT_NO_GZIP:
			o.no_gzip = true;
			break;
		case OPT_SCHEMA:
			schema = true;
			break;
		case OPT_MAX_ROWS:
			if (!xs_parse_range(arg, 1, UINT64_MAX, &v))
				return bad("--max-rows '%s'", arg);
			o.max_rows = v;
			break;
		case 'h':
			usage(stdout);
			return XS_EXIT_OK;
		default:
			return bad("unknown or incomplete option '%s'", arg);
		}
	}
	if (schema) {
		char sql[4096];
		xs_ship_create_sql(sql, sizeof(sql), o.table);
		printf("%s\n", sql);
		return XS_EXIT_OK;
	}
	if (optind != argc - 1)
		return bad("%s", optind < argc ? "give one store" : "give the store to ship (exitscope ship DB ...)");
	o.store = argv[optind];
	if (!o.url)
		return bad("%s", "give --clickhouse URL");
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct xs_ship_result r;
	char err[1024];
	int rc = xs_ship(&o, &r, err, sizeof(err));
	if (rc) {
		xs_err("ship: %s", err);
		return XS_EXIT_FAILURE;
	}
	printf("shipped %llu exits (%llu were already there) of %llu runs to %s in %.2f s: %.0f exits/s, "
	       "%.1f bytes on the wire per exit (%llu requests)\n",
	       (unsigned long long)r.rows_sent, (unsigned long long)r.rows_present, (unsigned long long)r.runs, o.table,
	       r.seconds, r.seconds > 0 ? (double)r.rows_sent / r.seconds : 0.0,
	       r.rows_sent ? (double)(r.bytes_sent + r.bytes_received) / (double)r.rows_sent : 0.0,
	       (unsigned long long)r.requests);
	return XS_EXIT_OK;
}

XS_COMMAND(ship, "send a store's exits to ClickHouse (resumable, exactly once)", cmd_ship);
