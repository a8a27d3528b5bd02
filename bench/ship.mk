# The fleet exporters' benchmark (`make bench-ship`): exits/s shipped to a real ClickHouse and bytes on the wire
# per exit, next to clickhouse-client and curl posting the same rows; the scrape cost of `serve --metrics` at
# 100 k exits/s under a real Prometheus. Needs Debian's clickhouse-server and prometheus (scripts/deps/fleet.txt).
BENCH_TARGETS += bench-ship

.PHONY: bench-ship
bench-ship: $(BUILD)/exitscope $(BUILD)/bench/top-synth $(BUILD)/bench/ingest-bench
	BUILD=$(BUILD) EXITSCOPE=$(abspath $(BUILD)/exitscope) bench/ship.sh
