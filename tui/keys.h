/* SPDX-License-Identifier: MIT */
/*
 * Key decoding for the dashboard's input thread: raw terminal bytes to keys.
 *
 * Why not ncurses' wgetch: ncurses (as Debian builds it) is not thread-safe, and wgetch touches the screen
 * state the drawing thread is updating. The input thread therefore reads the terminal itself and decodes the
 * sequences terminals send: ECMA-48 CSI (ESC [ ... final byte) and SS3 (ESC O x) in both cursor-key modes, as
 * xterm, tmux, screen, VTE and the Linux console emit them. Unknown sequences are swallowed whole, never
 * delivered as stray characters.
 */
#ifndef EXITSCOPE_TUI_KEYS_H
#define EXITSCOPE_TUI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* Keys 1..255 are the byte itself (letters, digits, control characters such as 0x0c Ctrl-L). */
enum tui_key {
	TUI_KEY_NONE = 0,
	TUI_KEY_UP = 0x100,
	TUI_KEY_DOWN,
	TUI_KEY_LEFT,
	TUI_KEY_RIGHT,
	TUI_KEY_PGUP,
	TUI_KEY_PGDN,
	TUI_KEY_HOME,
	TUI_KEY_END,
	TUI_KEY_ENTER,
	TUI_KEY_ESC,
	TUI_KEY_BACKSPACE,
	TUI_KEY_TAB,
	TUI_KEY_BTAB,
	TUI_KEY_DELETE,
	TUI_KEY_F1,
	TUI_KEY_F10,
};

#define TUI_CTRL(c) ((c)&0x1f)

struct tui_keydec {
	unsigned char buf[32]; /* an escape sequence being received */
	size_t len;
	bool discarding; /* inside a sequence too long to keep: swallow it up to its final byte */
};

void tui_keydec_init(struct tui_keydec *d);
/* Feed bytes; decoded keys go to keys[], which must have room for 2 * n keys (max). Returns how many. */
size_t tui_keydec_feed(struct tui_keydec *d, const unsigned char *bytes, size_t n, int *keys, size_t max);
/* True while a sequence is incomplete: the caller waits the escape delay, then calls tui_keydec_timeout. */
bool tui_keydec_pending(const struct tui_keydec *d);
/* No more bytes came: a lone ESC becomes TUI_KEY_ESC; an incomplete sequence is dropped. Returns the key or 0. */
int tui_keydec_timeout(struct tui_keydec *d);

/* A name for messages and tests: "q", "Enter", "Up", "^L". */
const char *tui_key_name(int key, char *buf, size_t len);

#endif
