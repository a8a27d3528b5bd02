/* SPDX-License-Identifier: MIT */
/*
 * Shipping a store's exits to ClickHouse (docs/fleet.md): the table is created if missing (schema below,
 * checked when present), each run's exits go in id order, in batches, one INSERT each, and what ClickHouse
 * acknowledged is recorded per run in a sidecar file next to the store (<store>.shipped).
 *
 * Exactly once: rows of one run are sent in exit-id order, one batch at a time, each only after the last was
 * acknowledged, so whatever ClickHouse holds of a run is always a prefix of it by exit id — even a batch cut off
 * mid-way (ClickHouse keeps the whole rows it parsed before the connection ended) leaves a prefix. Before
 * sending a run, ship waits until no insert of a previous ship of this host still runs on the server (their
 * query ids carry the host), asks ClickHouse for the run's count and greatest exit id, checks the count
 * equals the store's up to that id (else the table was changed by someone else: refused), and sends from the
 * next id. The sidecar records the acknowledged state for people and scripts; the server's prefix decides.
 */
#ifndef EXITSCOPE_FLEET_SHIP_H
#define EXITSCOPE_FLEET_SHIP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_SHIP_BATCH_DEFAULT 100000
#define XS_SHIP_BATCH_MAX 1000000 /* below ClickHouse's max_insert_block_size (1048576): one block per batch */

struct xs_ship_opts {
	const char *store; /* path of the exitscope database */
	const char *url;   /* ClickHouse's HTTP interface */
	const char *table; /* "db.table" */
	const char *host;  /* the host column; NULL: the run's recorded host, else this machine's name */
	uint64_t batch_rows;
	bool follow;	   /* keep shipping new exits until *stop */
	double poll_s;	   /* with follow: how often to look for new exits */
	atomic_int *stop;  /* set by a signal handler: finish the current batch and return */
	bool quiet;	   /* no progress lines on stderr */
	bool no_gzip;	   /* send the rows uncompressed (default: gzip) */
	long timeout_s;	   /* per request */
	uint64_t max_rows; /* stop after this many rows in this call (0: no limit); tests cut a ship short */
};

struct xs_ship_result {
	uint64_t rows_sent;    /* rows acknowledged in this call */
	uint64_t rows_present; /* rows ClickHouse already held when this call began (earlier ships) */
	uint64_t runs;	       /* runs looked at */
	uint64_t requests, bytes_sent, bytes_received;
	double seconds;
};

/* The CREATE TABLE statement for table "db.table" into buf. */
void xs_ship_create_sql(char *buf, size_t len, const char *table);

/* 0, or -1 with a one-line message in err; *res is filled either way (what got through before a failure). */
int xs_ship(const struct xs_ship_opts *o, struct xs_ship_result *res, char *err, size_t errlen);

#endif
