# fleet/: the exporters to the engines a fleet runs (docs/fleet.md): the Prometheus text endpoint of
# `exitscope serve` and the ClickHouse shipper of `exitscope ship`. Consumers only: records, the decoder,
# the aggregation and the store; never a producer.
LIB_SRCS += $(wildcard fleet/*.c)
LDLIBS += -lcurl -lz
