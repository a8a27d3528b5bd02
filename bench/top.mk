# The dashboard's benchmark (`make bench-top`) and its synthetic record generator, which the tui integration
# tests use too. Paths are spelled out: $(LIB) and $(EXITSCOPE) are defined after the build.mk files are read.
TOP_SYNTH := $(BUILD)/bench/top-synth

$(TOP_SYNTH): bench/top_synth.c $(BUILD)/libexitscope.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPTFLAGS) $(LDFLAGS) $< $(BUILD)/libexitscope.a $(LDLIBS) -o $@

TEST_PREP += $(TOP_SYNTH)
BENCH_TARGETS += bench-top

.PHONY: bench-top
bench-top: $(BUILD)/exitscope $(TOP_SYNTH) $(BUILD)/bench/collector-synth
	BUILD=$(BUILD) EXITSCOPE=$(abspath $(BUILD)/exitscope) TOP_SYNTH=$(abspath $(TOP_SYNTH)) \
		COLLECTOR_SYNTH=$(abspath $(BUILD)/bench/collector-synth) bench/top.sh
