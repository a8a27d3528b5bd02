# `make bench-export`: exitscope export per format and report --by symbol over a 10 M-exit store made the way
# bench-ingest makes its store (bench/ingest_bench.c replaying top-synth's mix), with peak memory per run;
# sqlite3's own CSV dump of the exits view is the peer. Paths are spelled out (see bench/ingest.mk).
BENCH_TARGETS += bench-export

.PHONY: bench-export
bench-export: $(BUILD)/exitscope $(BUILD)/bench/ingest-bench $(BUILD)/bench/top-synth
	BUILD=$(BUILD) EXITSCOPE=$(abspath $(BUILD)/exitscope) INGEST_BENCH=$(abspath $(BUILD)/bench/ingest-bench) \
		TOP_SYNTH=$(abspath $(BUILD)/bench/top-synth) bench/export.sh
