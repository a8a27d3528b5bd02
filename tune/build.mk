# tune/: `exitscope tune`, Lua 5.4 scripts driving tuning sessions (Debian's liblua5.4-dev, embedded).
LIB_SRCS += $(wildcard tune/*.c)
CPPFLAGS += -I/usr/include/lua5.4
LDLIBS += -llua5.4
