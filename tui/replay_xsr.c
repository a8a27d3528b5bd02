// SPDX-License-Identifier: MIT
/* Replaying a record file: the reader behind `exitscope top --replay FILE.xsr`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/xsr.h"
#include "tui/replay.h"

struct xsr_replay {
	struct xsr_reader *reader;
	struct xsr_item item;
	char value[32];
	struct xsr_verdict verdict;
	bool damaged;
	int stage; /* after the end: 1 = report the writer's drops, 2 = report unreadable records, 3 = done */
};

static enum tui_replay_item xsr_next_item(void *ctx, struct xs_exit_record *rec, const char **key, const char **value,
					  char *err, size_t errlen)
{
	struct xsr_replay *x = ctx;
	for (;;) {
		if (x->stage == 1) {
			/* Drops the recording itself counted, and records the reader had to skip, add to "dropped". */
			x->stage = 2;
			if (x->item.kind == XSR_ITEM_END && x->item.end_dropped) {
				snprintf(x->value, sizeof(x->value), "%llu", (unsigned long long)x->item.end_dropped);
				*key = "counter.dropped.recorded";
				*value = x->value;
				return TUI_REPLAY_META;
			}
		}
		if (x->stage == 2) {
			/* The same verdict as `exitscope import` gives for this file (common/xsr.h). */
			x->stage = 3;
			x->damaged = xsr_verdict(x->reader, &x->verdict);
			if (x->damaged && x->verdict.lost_known && x->verdict.lost) {
				snprintf(x->value, sizeof(x->value), "%llu", (unsigned long long)x->verdict.lost);
				*key = "counter.dropped.unreadable";
				*value = x->value;
				return TUI_REPLAY_META;
			}
		}
		if (x->stage == 3) {
			if (!x->damaged)
				return TUI_REPLAY_END;
			snprintf(err, errlen, "%s", x->verdict.message);
			return TUI_REPLAY_ERROR;
		}
		int rc = xsr_next(x->reader, &x->item);
		if (rc <= 0 || x->item.kind == XSR_ITEM_END) {
			x->stage = 1;
			continue;
		}
		if (x->item.kind == XSR_ITEM_META) {
			*key = x->item.key;
			*value = x->item.value;
			return TUI_REPLAY_META;
		}
		/* Only the record's wire size: the guest state is read only when its flag says it is there. */
		memcpy(rec, &x->item.rec, xs_record_wire_size(&x->item.rec));
		return TUI_REPLAY_RECORD;
	}
}

static void xsr_close_reader(void *ctx)
{
	struct xsr_replay *x = ctx;
	xsr_close(x->reader);
	free(x);
}

bool tui_replay_xsr_reader(const char *path, struct tui_replay_reader *out, char *err, size_t errlen)
{
	struct xsr_reader *reader = xsr_open(path, err, errlen);
	if (!reader)
		return false;
	struct xsr_replay *x = xs_calloc(1, sizeof(*x));
	x->reader = reader;
	out->next = xsr_next_item;
	out->close = xsr_close_reader;
	out->ctx = x;
	return true;
}
