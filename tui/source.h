/* SPDX-License-Identifier: MIT */
/*
 * Where the dashboard's records come from: a replay (tui/replay.h), the launcher or the collector (wired in
 * cli/sources.c, shared by top and serve: tui/ never calls a producer by name). A source delivers records and
 * run metadata to the sink it is given, from its own threads, until it ends or is stopped.
 */
#ifndef EXITSCOPE_TUI_SOURCE_H
#define EXITSCOPE_TUI_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/agg.h"
#include "common/sink.h"

struct tui_source;

struct tui_source_ops {
	/* Start delivering into sink (thread-safe; it outlives stop()). 0, or a negative errno and a message. */
	int (*start)(struct tui_source *s, struct xs_sink *sink, char *err, size_t errlen);
	/* Stop delivering and wait for the source's threads. Called once, after start succeeded. */
	void (*stop)(struct tui_source *s);
	/* Optional: the dashboard paused (a replay holds its clock, so nothing is skipped). */
	void (*pause)(struct tui_source *s, bool paused);
	/* Optional: the records' clock now (CLOCK_MONOTONIC ns), so rates fall to zero while nothing arrives;
	 * 0 when unknown. */
	uint64_t (*clock)(struct tui_source *s);
	/* Free everything (after stop, or when start failed or never ran). */
	void (*destroy)(struct tui_source *s);
	/*
	 * Optional, a source that counts exits itself (the collector's aggregation mode): counts() says whether it
	 * does (after start); aggregate() adds what it counted since the last call to agg, as arriving at now_ns
	 * (0 or a negative errno); stream(on) asks for the single exits too (as records to the sink) while a pane
	 * that shows them is on screen. Its records then only feed those panes, never the counts.
	 */
	bool (*counts)(struct tui_source *s);
	int (*aggregate)(struct tui_source *s, struct xs_agg *agg, uint64_t now_ns);
	void (*stream)(struct tui_source *s, bool on);
};

enum tui_source_state { TUI_SOURCE_RUNNING, TUI_SOURCE_FINISHED, TUI_SOURCE_FAILED };

struct tui_source {
	const struct tui_source_ops *ops;
	char label[128];   /* for the header: "replay run.xsr at 10x", "all VMs", "run: guest io" */
	bool live;	   /* exits of this host, now: VM names come from /proc, host facts from this machine */
	bool lossless;	   /* the source can wait for room in the queue (a replay) instead of losing records */
	_Atomic int state; /* enum tui_source_state */
	char message[640]; /* why it ended; written before state changes, read after */
	char counting[96]; /* how exits are counted, for the header: "in the kernel (aggregation)"; "": per exit */
};

/* For sources: set the final state with a message ("replay finished: 1000 records", an error). */
void tui_source_end(struct tui_source *s, enum tui_source_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The state, and its message when it ended (NULL while running). */
enum tui_source_state tui_source_state(const struct tui_source *s, const char **message);

#endif
