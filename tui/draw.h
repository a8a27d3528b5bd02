/* SPDX-License-Identifier: MIT */
/*
 * The screen: the only code that calls ncurses. It draws a header, a frame and the interaction state, and
 * decides nothing. Every draw erases the back buffer (never clear()), draws everything, and hands ncurses one
 * wnoutrefresh + doupdate, which sends only the cells that changed: no flicker, whatever the terminal size.
 * Colour when the terminal has it (and NO_COLOR is unset); attributes only (bold, reverse) otherwise.
 *
 * Only the drawing thread calls these; ncurses is not thread-safe.
 */
#ifndef EXITSCOPE_TUI_DRAW_H
#define EXITSCOPE_TUI_DRAW_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/frame.h"
#include "tui/header.h"
#include "tui/ui.h"

/* Take over the terminal. False with a message in err when there is no usable terminal. */
bool tui_screen_open(bool colour, char *err, size_t errlen);
/* Give the terminal back as it was (safe to call twice, and from atexit). */
void tui_screen_close(void);
/* Give the terminal back and stop the process (^Z); returns when continued. Redraw in full afterwards. */
void tui_screen_suspend(void);
/* After SIGWINCH: learn the new size from the terminal. */
void tui_screen_resize(void);
void tui_screen_size(int *rows, int *cols);

/* Draw everything. full: repaint every cell (^L, after a resize). vm_name names a pid's VM (may be NULL). */
void tui_draw(const struct tui_header *h, const struct tui_frame *f, const struct tui_ui *ui, bool full,
	      tui_vm_name_fn vm_name, void *arg);

#endif
