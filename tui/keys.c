// SPDX-License-Identifier: MIT
#include "tui/keys.h"

#include <stdio.h>
#include <string.h>

#define ESC 0x1b

void tui_keydec_init(struct tui_keydec *d)
{
	memset(d, 0, sizeof(*d));
}

bool tui_keydec_pending(const struct tui_keydec *d)
{
	return d->len > 0 || d->discarding;
}

/* CSI sequences ending in '~': ESC [ n ~ (VT220 editing keys and function keys). */
static int tilde_key(unsigned int n)
{
	switch (n) {
	case 1:
	case 7:
		return TUI_KEY_HOME;
	case 4:
	case 8:
		return TUI_KEY_END;
	case 3:
		return TUI_KEY_DELETE;
	case 5:
		return TUI_KEY_PGUP;
	case 6:
		return TUI_KEY_PGDN;
	case 11:
		return TUI_KEY_F1;
	case 21:
		return TUI_KEY_F10;
	default:
		return TUI_KEY_NONE;
	}
}

/* The key of a final byte shared by CSI and SS3 forms (ESC [ A, ESC O A, ESC [ 1 ; 2 A ...). */
static int final_key(unsigned char f)
{
	switch (f) {
	case 'A':
		return TUI_KEY_UP;
	case 'B':
		return TUI_KEY_DOWN;
	case 'C':
		return TUI_KEY_RIGHT;
	case 'D':
		return TUI_KEY_LEFT;
	case 'H':
		return TUI_KEY_HOME;
	case 'F':
		return TUI_KEY_END;
	case 'Z':
		return TUI_KEY_BTAB;
	case 'P':
		return TUI_KEY_F1;
	case 'M':
		return TUI_KEY_ENTER; /* keypad Enter in application mode (SS3 M) */
	default:
		return TUI_KEY_NONE;
	}
}

/* A complete CSI sequence in d->buf (ESC [ params final). */
static int csi_key(const struct tui_keydec *d)
{
	unsigned char f = d->buf[d->len - 1];
	/* Linux console function keys: ESC [ [ A .. E */
	if (d->len == 4 && d->buf[2] == '[')
		return d->buf[3] == 'A' ? TUI_KEY_F1 : TUI_KEY_NONE;
	if (f == '~') {
		unsigned int n = 0;
		for (size_t i = 2; i < d->len - 1 && d->buf[i] >= '0' && d->buf[i] <= '9'; i++)
			n = n * 10 + (d->buf[i] - '0');
		return tilde_key(n);
	}
	/* Modified keys (ESC [ 1 ; 5 A) are taken as the plain key. Mouse reports (ESC [ M ...) are not enabled. */
	return f == 'M' ? TUI_KEY_NONE : final_key(f);
}

static int plain_key(unsigned char c)
{
	switch (c) {
	case '\r':
	case '\n':
		return TUI_KEY_ENTER;
	case '\t':
		return TUI_KEY_TAB;
	case 0x7f:
	case 0x08:
		return TUI_KEY_BACKSPACE;
	default:
		return c;
	}
}

/* One byte after "ESC [" or "ESC O": a key when the sequence is complete, else 0 (also for swallowed ones). */
static int sequence_byte(struct tui_keydec *d, unsigned char c)
{
	if (d->len == sizeof(d->buf)) { /* absurdly long: swallow the rest of it */
		d->len = 0;
		d->discarding = true;
		return TUI_KEY_NONE;
	}
	d->buf[d->len++] = c;
	if (d->buf[1] == 'O') { /* SS3: exactly one more byte */
		d->len = 0;
		return final_key(c);
	}
	/* CSI: parameter and intermediate bytes 0x20-0x3f, then a final byte 0x40-0x7e. "ESC [ [" is the Linux
	 * console's function-key prefix and takes one more byte. A control byte breaks the sequence. */
	if (d->len == 3 && c == '[')
		return TUI_KEY_NONE;
	if (c < 0x20) {
		d->len = 0;
		return TUI_KEY_NONE;
	}
	if (c >= 0x40 && c <= 0x7e) {
		int key = csi_key(d);
		d->len = 0;
		return key;
	}
	return TUI_KEY_NONE;
}

size_t tui_keydec_feed(struct tui_keydec *d, const unsigned char *bytes, size_t n, int *keys, size_t max)
{
	size_t out = 0;
	for (size_t i = 0; i < n && out < max; i++) {
		unsigned char c = bytes[i];
		if (d->discarding) {
			d->discarding = c >= 0x20 && c < 0x40; /* parameter bytes go on; the final one ends it */
			continue;
		}
		if (!d->len) {
			if (c == ESC)
				d->buf[d->len++] = c;
			else
				keys[out++] = plain_key(c);
		} else if (d->len == 1) {
			if (c == '[' || c == 'O') {
				d->buf[d->len++] = c;
				continue;
			}
			/* Esc, then something that starts no sequence (Alt+key, or Esc typed just before a key). */
			keys[out++] = TUI_KEY_ESC;
			if (c == ESC)
				continue; /* the second Esc may start a sequence */
			d->len = 0;
			if (out < max)
				keys[out++] = plain_key(c);
		} else {
			int key = sequence_byte(d, c);
			if (key)
				keys[out++] = key;
		}
	}
	return out;
}

int tui_keydec_timeout(struct tui_keydec *d)
{
	d->discarding = false;
	int key = d->len == 1 ? TUI_KEY_ESC : TUI_KEY_NONE;
	d->len = 0;
	return key;
}

const char *tui_key_name(int key, char *buf, size_t len)
{
	static const char *const names[] = {"Up",    "Down", "Left",	  "Right", "PgUp",    "PgDn", "Home", "End",
					    "Enter", "Esc",  "Backspace", "Tab",   "BackTab", "Del",  "F1",   "F10"};
	if (key >= TUI_KEY_UP && key <= TUI_KEY_F10)
		snprintf(buf, len, "%s", names[key - TUI_KEY_UP]);
	else if (key == ' ')
		snprintf(buf, len, "Space");
	else if (key > 0 && key < 0x20)
		snprintf(buf, len, "^%c", key + '@');
	else if (key > 0 && key < 0x100)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "?");
	return buf;
}
