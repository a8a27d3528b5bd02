# The store's benchmark (`make bench-ingest`): bench/ingest_bench.c drives the real store sink (queue, writer
# thread, SQLite) with 10 million exits replayed from top-synth's realistic mix, with and without guest state,
# next to a naive one-row-per-INSERT table; bench/ingest.sh adds report times over the 10 million and a
# perf record -e 'kvm:*' comparison. The kill -9 integration test uses ingest-bench too.
# Paths are spelled out: $(LIB), $(EXITSCOPE) and TOP_SYNTH are defined after this file is read.
INGEST_BENCH := $(BUILD)/bench/ingest-bench

$(INGEST_BENCH): bench/ingest_bench.c $(BUILD)/libexitscope.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPTFLAGS) $(LDFLAGS) $< $(BUILD)/libexitscope.a $(LDLIBS) -o $@

TEST_PREP += $(INGEST_BENCH)
BENCH_TARGETS += bench-ingest

.PHONY: bench-ingest
bench-ingest: $(BUILD)/exitscope $(INGEST_BENCH) $(BUILD)/bench/top-synth
	BUILD=$(BUILD) EXITSCOPE=$(abspath $(BUILD)/exitscope) INGEST_BENCH=$(abspath $(INGEST_BENCH)) \
		TOP_SYNTH=$(abspath $(BUILD)/bench/top-synth) bench/ingest.sh
