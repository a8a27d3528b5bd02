# fleet/: the exporters to the engines a fleet runs (docs/fleet.md): the Prometheus text endpoint of
# `exitscope serve` and the ClickHouse shipper of `exitscope ship`. Consumers only: records, the decoder,
# the aggregation and the store; never a producer.
LIB_SRCS += $(wildcard fleet/*.c)
# libcurl (ship's HTTP client) cannot be linked statically on Debian (no static GSSAPI, LDAP, nghttp2, ...):
# a STATIC=1 build (the test hosts' initramfs) leaves it out, and ship says so (fleet/clickhouse.c).
ifeq ($(STATIC),1)
CPPFLAGS += -DXS_NO_LIBCURL
LDLIBS += -lz
else
LDLIBS += -lcurl -lz
endif
