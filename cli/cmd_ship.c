// SPDX-License-Identifier: MIT
/*
 * exitscope ship: send a store's exits to ClickHouse over its HTTP interface, resumable and exactly once
 * (fleet/ship.h, docs/fleet.md); with --follow, keep sending while a recording adds exits.
 */
#include <stddef.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cli/command.h"
#include "cli/options.h"
#include "common/util.h"
#include "fleet/ship.h"

static const char synopsis[] =
	"usage: exitscope ship DB --clickhouse URL [--table DATABASE.TABLE] [--host NAME] [--batch N]\n"
	"                          [--follow [--interval S]] [--quiet]\n"
	"       exitscope ship --schema [--table DATABASE.TABLE]\n"
	"\n"
	"Send the exits of every run in the store DB to ClickHouse, in batches. The table is created if it is\n"
	"missing (MergeTree, partitioned by day; --schema prints it) and refused if it has other columns.\n"
	"What ClickHouse acknowledged is recorded per run in DB.shipped; a re-run after a failure or a kill\n"
	"sends the rest, exactly once. The store is only read.\n";

#define STR_(x) #x
#define STR(x) STR_(x)
#define SHIP_OFF(f) offsetof(struct ship_args, f)

struct ship_args {
	struct xs_ship_opts o;
	double timeout_s;
	bool schema;
};

static int take_host(void *base, const struct xs_opt *o, const char *arg, char *err, size_t len)
{
	(void)o, (void)err, (void)len;
	((struct ship_args *)base)->o.host = arg;
	return *arg ? 0 : -1;
}

static const struct xs_opt ship_opts[] = {
	XS_OPT_ENTRY("clickhouse", 0, "URL",
		     "the HTTP interface, e.g. http://127.0.0.1:8123 (credentials and settings\n"
		     "as URL parameters: http://host:8123/?user=u&password=p)",
		     .kind = XS_OPT_STRING, .off = SHIP_OFF(o.url)),
	XS_OPT_ENTRY("table", 0, "DB.TABLE", "where the exits go (default exitscope.exits)", .kind = XS_OPT_STRING,
		     .off = SHIP_OFF(o.table)),
	XS_OPT_ENTRY("host", 0, "NAME", "the host column (default: the host the run was recorded on, else this one)",
		     .kind = XS_OPT_CALL, .call = take_host, .expect = "give a name"),
	XS_OPT_ENTRY("batch", 0, "N",
		     "exits per INSERT (default " STR(XS_SHIP_BATCH_DEFAULT) ", at most " STR(XS_SHIP_BATCH_MAX) ")",
		     .kind = XS_OPT_U64, .off = SHIP_OFF(o.batch_rows), .min = 1, .max = XS_SHIP_BATCH_MAX,
		     .expect = "give 1 to " STR(XS_SHIP_BATCH_MAX) " exits"),
	XS_OPT_ENTRY("follow", 0, NULL, "keep shipping new exits (a recording in progress) until Ctrl-C / SIGTERM",
		     .kind = XS_OPT_FLAG, .off = SHIP_OFF(o.follow)),
	XS_OPT_ENTRY("interval", 0, "S", "with --follow: look for new exits every S seconds (default 1)",
		     .kind = XS_OPT_SECONDS, .off = SHIP_OFF(o.poll_s), .dmin = 0.1, .dmax = 3600,
		     .expect = "give 0.1 to 3600 seconds"),
	XS_OPT_ENTRY("timeout", 0, "S", "give up on a request after S seconds (default 300)", .kind = XS_OPT_SECONDS,
		     .off = SHIP_OFF(timeout_s), .dmin = 1, .dmax = 86400, .expect = "give 1 to 86400 seconds"),
	XS_OPT_ENTRY("no-gzip", 0, NULL, "send the rows uncompressed (default: gzip, ~9x fewer bytes on the wire)",
		     .kind = XS_OPT_FLAG, .off = SHIP_OFF(o.no_gzip)),
	XS_OPT_ENTRY("quiet", 0, NULL, "no progress lines", .kind = XS_OPT_FLAG, .off = SHIP_OFF(o.quiet)),
	XS_OPT_ENTRY("schema", 0, NULL, "print the CREATE TABLE statement and exit", .kind = XS_OPT_FLAG,
		     .off = SHIP_OFF(schema)),
	XS_OPT_ENTRY("max-rows", 0, "N", "stop after N rows (tests stop a ship part-way)", .kind = XS_OPT_U64,
		     .off = SHIP_OFF(o.max_rows), .min = 1, .max = UINT64_MAX, .expect = "give a number of rows",
		     .hidden = true),
	XS_OPT_END_ENTRY,
};

static const struct xs_opt_group ship_group = {"Options", ship_opts};

static atomic_int stop;

static void on_signal(int sig)
{
	atomic_store(&stop, sig);
}

/* 0 to ship (or print the schema), XS_EXIT_USAGE after one line, -1 after --help. */
static int parse_args(int argc, char **argv, struct ship_args *a)
{
	*a = (struct ship_args){
		.o = {.table = "exitscope.exits", .batch_rows = XS_SHIP_BATCH_DEFAULT, .poll_s = 1.0, .stop = &stop},
		.timeout_s = 300};
	const struct xs_opt_bind binds[] = {{&ship_group, a, NULL, NULL}};
	const struct xs_opt_cmd cmd = {"ship", synopsis, NULL, binds, 1, true, false};
	int first;
	int rc = xs_opt_parse(&cmd, argc, argv, &first);
	if (rc)
		return rc;
	a->o.timeout_s = (long)a->timeout_s;
	if (a->schema)
		return 0;
	if (first != argc - 1)
		return xs_usage_error("ship", "%s",
				      first < argc ? "give one store"
						   : "give the store to ship (exitscope ship DB ...)");
	a->o.store = argv[first];
	if (!a->o.url)
		return xs_usage_error("ship", "give --clickhouse URL");
	return 0;
}

static int ship(struct xs_ship_opts *o)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct xs_ship_result r;
	char err[1024];
	if (xs_ship(o, &r, err, sizeof(err))) {
		xs_err("ship: %s", err);
		return XS_EXIT_FAILURE;
	}
	printf("shipped %llu exits (%llu were already there) of %llu runs to %s in %.2f s: %.0f exits/s, "
	       "%.1f bytes on the wire per exit (%llu requests)\n",
	       (unsigned long long)r.rows_sent, (unsigned long long)r.rows_present, (unsigned long long)r.runs,
	       o->table, r.seconds, r.seconds > 0 ? (double)r.rows_sent / r.seconds : 0.0,
	       r.rows_sent ? (double)(r.bytes_sent + r.bytes_received) / (double)r.rows_sent : 0.0,
	       (unsigned long long)r.requests);
	return XS_EXIT_OK;
}

static int cmd_ship(int argc, char **argv)
{
	struct ship_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? XS_EXIT_OK : rc;
	if (a.schema) {
		char sql[4096];
		xs_ship_create_sql(sql, sizeof(sql), a.o.table);
		printf("%s\n", sql);
		return XS_EXIT_OK;
	}
	return ship(&a.o);
}

XS_COMMAND(ship, "send a store's exits to ClickHouse (resumable, exactly once)", cmd_ship);
