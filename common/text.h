/* SPDX-License-Identifier: MIT */
/*
 * Text that came from outside (record metadata such as host names and guest command lines, database cells,
 * process names) on its way to a terminal or a JSON document: a terminal must never receive a raw escape
 * sequence from it, and JSON must stay valid UTF-8 whatever bytes it held.
 */
#ifndef EXITSCOPE_TEXT_H
#define EXITSCOPE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * The length of the valid UTF-8 character at s (1-4; at most n bytes looked at), or 0 when the bytes there
 * are not one (a stray continuation byte, an overlong form, a surrogate, beyond U+10FFFF, cut short).
 */
size_t xs_utf8_char_len(const unsigned char *s, size_t n);

/*
 * s made safe for a terminal into buf (len bytes, always terminated; cut at a character boundary): control
 * characters (C0, DEL, C1) and bytes that are not valid UTF-8 become the four visible characters \xNN.
 * Returns buf.
 */
char *xs_text_safe(const char *s, char *buf, size_t len);
/* The same, malloc'd (never NULL). */
char *xs_text_safe_dup(const char *s);

/* s as a JSON string with its quotes: escapes, control characters as \u00NN, invalid UTF-8 as U+FFFD. */
void xs_json_fputs(FILE *out, const char *s);

/*
 * A latency for people in its unit: 850ns, 12.35us, 4.56ms, 1.20s; TSC ticks (the vmx backend's records,
 * XS_F_TS_TSC) as 850ticks, 12.35kticks, 4.56Mticks, never as a time. Returns buf.
 */
const char *xs_fmt_latency(double v, bool ticks, char *buf, size_t len);

#endif
