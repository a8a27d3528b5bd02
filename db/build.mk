# db/: the SQLite store (schema, writer thread, encoder, aggregates, SQL functions, report) and the
# loadable SQLite extension build/exitscope_sqlite.so with the SQL functions for the stock sqlite3 shell.
LIB_SRCS += $(filter-out db/extension.c,$(wildcard db/*.c))
LDLIBS += -lsqlite3
# `import` identifies a record file by its SHA-256 (libcrypto) to refuse importing it twice.
LDLIBS += -lcrypto

# The extension: db/sqlfuncs.c and the decoder built position-independent, calling SQLite through the
# host program's API table (XS_SQLITE_EXTENSION).
XS_SQLITE_EXT := $(BUILD)/exitscope_sqlite.so
XS_SQLITE_EXT_SRCS := db/extension.c db/sqlfuncs.c $(wildcard decoder/*.c)
XS_SQLITE_EXT_OBJS := $(XS_SQLITE_EXT_SRCS:%.c=$(BUILD)/pic/%.o)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DXS_SQLITE_EXTENSION $(CFLAGS) -O2 -fPIC -fvisibility=hidden -c $< -o $@

# Only the two entry points are exported.
$(XS_SQLITE_EXT): $(XS_SQLITE_EXT_OBJS)
	$(CC) -shared -Wl,--no-undefined -Wl,-z,defs $^ -o $@

ALL_EXTRA += $(XS_SQLITE_EXT)

.PHONY: install-sqlite-extension
install-sqlite-extension: $(XS_SQLITE_EXT)
	install -D -m 0644 $(XS_SQLITE_EXT) $(DESTDIR)$(PREFIX)/lib/exitscope/exitscope_sqlite.so
INSTALL_EXTRA += install-sqlite-extension
-include $(XS_SQLITE_EXT_OBJS:.o=.d)
