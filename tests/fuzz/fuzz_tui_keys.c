// SPDX-License-Identifier: MIT
/*
 * Fuzz the dashboard's key decoder (terminal bytes from outside) and the interaction state machine behind it:
 * any byte stream, split at any point, must decode without overrunning and drive the UI without crashing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tui/frame.h"
#include "tui/keys.h"
#include "tui/model.h"
#include "tui/ui.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tui_model m;
	static struct tui_frame f;
	static bool ready;
	if (!ready) {
		tui_model_init(&m);
		for (uint32_t i = 0; i < 40; i++) {
			struct xs_exit_record r;
			memset(&r, 0, sizeof(r));
			r.version = XS_RECORD_VERSION;
			r.isa = (uint8_t)(1 + i % 2);
			r.reason = i % 5;
			r.vcpu = i % 3;
			r.ts = 1000000000ull + i;
			r.flags = i % 4 ? 0 : XS_F_GUEST_STATE;
			r.size = (uint16_t)xs_record_wire_size(&r);
			tui_model_add(&m, &r);
		}
		ready = true;
	}
	struct tui_view v;
	memset(&v, 0, sizeof(v));
	struct tui_ui ui;
	tui_ui_init(&ui, &v, 1.0);
	tui_frame_build(&f, &m, &ui.view, NULL, NULL);
	/* The first byte picks the terminal size and where the stream is split into two reads. */
	int rows = size ? 5 + data[0] % 60 : 24, cols = size ? 30 + data[0] * 3 % 200 : 80;
	size_t split = size > 1 ? data[1] % size : 0;
	tui_layout(rows, cols, f.nrows, &ui.layout);
	tui_ui_sync(&ui, &f);
	struct tui_keydec d;
	tui_keydec_init(&d);
	int keys[2 * 4096];
	size_t n = 0;
	if (size <= 4096) {
		n = tui_keydec_feed(&d, data, split, keys, 2 * split);
		n += tui_keydec_feed(&d, data + split, size - split, keys + n, 2 * (size - split));
		int k = tui_keydec_timeout(&d);
		if (k)
			keys[n++] = k;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int fx = tui_ui_key(&ui, keys[i], &f, &m);
		if (fx & TUI_FX_FILTER) {
			struct tui_filter parsed;
			char err[200];
			struct tui_filter_ctx ctx = {m.isa_seen, NULL, NULL};
			if (tui_filter_parse(ui.input, &ctx, &parsed, err, sizeof(err)))
				tui_ui_filter_result(&ui, &parsed, NULL);
			else
				tui_ui_filter_result(&ui, NULL, err);
			fx |= TUI_FX_REBUILD;
		}
		if (fx & TUI_FX_REBUILD)
			tui_frame_build(&f, &m, &ui.view, NULL, NULL);
		else if (fx & TUI_FX_RESORT)
			tui_frame_sort(&f, &ui.view);
		tui_layout(rows, cols, f.nrows, &ui.layout);
		tui_ui_sync(&ui, &f);
		if (ui.sel >= f.nrows && f.nrows)
			__builtin_trap();
		if (ui.latest_sel >= f.nlatest && f.nlatest)
			__builtin_trap();
	}
	return 0;
}
