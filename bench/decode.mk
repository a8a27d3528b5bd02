# The decoder's benchmark (`make bench-decode`): bench/decode_bench.c (decodes/s into the struct and as JSON,
# against a naive string-table + snprintf decoder) and bench/decode.sh (the batch path's lines/s against a
# naive Python decoder). Paths are spelled out: $(LIB) and $(EXITSCOPE) are defined after the build.mk files.
DECODE_BENCH := $(BUILD)/bench/decode-bench

$(DECODE_BENCH): bench/decode_bench.c $(BUILD)/libexitscope.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPTFLAGS) $(LDFLAGS) $< $(BUILD)/libexitscope.a $(LDLIBS) -o $@

BENCH_TARGETS += bench-decode

.PHONY: bench-decode
bench-decode: $(BUILD)/exitscope $(DECODE_BENCH)
	BUILD=$(BUILD) EXITSCOPE=$(abspath $(BUILD)/exitscope) DECODE_BENCH=$(abspath $(DECODE_BENCH)) bench/decode.sh
