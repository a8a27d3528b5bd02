// SPDX-License-Identifier: MIT
#include "tui/source.h"

#include <stdarg.h>
#include <stdio.h>

void tui_source_end(struct tui_source *s, enum tui_source_state state, const char *fmt, ...)
{
	if (atomic_load_explicit(&s->state, memory_order_acquire) != TUI_SOURCE_RUNNING)
		return; /* the first reason to end is the one reported */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->message, sizeof(s->message), fmt, ap);
	va_end(ap);
	atomic_store_explicit(&s->state, state, memory_order_release);
}

enum tui_source_state tui_source_state(const struct tui_source *s, const char **message)
{
	enum tui_source_state st = atomic_load_explicit(&s->state, memory_order_acquire);
	if (message)
		*message = st == TUI_SOURCE_RUNNING ? NULL : s->message;
	return st;
}
