# tui/: the live exit dashboard, `exitscope top` (ncurses). Only tui/draw.c includes curses.h.
LIB_SRCS += $(wildcard tui/*.c)
ifeq ($(STATIC),1)
TUI_LIBS := $(shell pkg-config --static --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
else
TUI_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
endif
LDLIBS += $(TUI_LIBS)
