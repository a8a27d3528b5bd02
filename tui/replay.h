/* SPDX-License-Identifier: MIT */
/*
 * Replay: a source that plays recorded exits back at their recorded pace times `speed` (0: as fast as the
 * dashboard takes them), from any reader of records in time order: a record file (tui_replay_xsr_reader) or
 * the store (wired in cli/). Lossless: it waits for the dashboard rather than dropping. Pausing the dashboard
 * pauses the replay's clock. Records stamped in TSC ticks (XS_F_TS_TSC) cannot be paced and play at full speed.
 */
#ifndef EXITSCOPE_TUI_REPLAY_H
#define EXITSCOPE_TUI_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitscope/record.h"
#include "tui/source.h"

enum tui_replay_item { TUI_REPLAY_ERROR = -1, TUI_REPLAY_END = 0, TUI_REPLAY_RECORD = 1, TUI_REPLAY_META = 2 };

struct tui_replay_reader {
	/*
	 * The next item: a record into *rec (its guest state only when XS_F_GUEST_STATE says so), or run metadata
	 * (*key and *value valid until the next call), the end, or an error with a message in err. Called from the
	 * replay thread only.
	 */
	enum tui_replay_item (*next)(void *ctx, struct xs_exit_record *rec, const char **key, const char **value,
				     char *err, size_t errlen);
	void (*close)(void *ctx);
	void *ctx;
};

/* A replay source over reader (which it owns from now on). label names it in the header. */
struct tui_source *tui_replay_new(const char *label, struct tui_replay_reader reader, double speed);

/* A reader of a record file (common/xsr.h). False and a message in err when the file cannot be opened. */
bool tui_replay_xsr_reader(const char *path, struct tui_replay_reader *out, char *err, size_t errlen);

/*
 * A reader of one run of an exitscope database (db/): its run_meta first, then its exits in the order they
 * were stored, with their guest states. *run_id 0 picks the newest run; the chosen id is written back.
 * False and a message in err when the file is not a store, or has no such run.
 */
bool tui_replay_db_reader(const char *path, int64_t *run_id, struct tui_replay_reader *out, char *err, size_t errlen);

#endif
