# The collector's benchmark (`make bench-collector`): bench/collector.sh traces the same guest workload,
# side by side, untraced, with exitscope record, with `perf record -e 'kvm:*'` and with bpftrace counting the
# same tracepoints (throughput ratios, events/s, events lost, CPU of each tool, BPF cost per event from
# kernel.bpf_stats_enabled), and bench/collector_synth.c measures the consumer at 500k events/s from the BPF
# program's synthetic producer. Paths are spelled out: $(LIB) and $(EXITSCOPE) come after the build.mk files.
COLLECTOR_SYNTH := $(BUILD)/bench/collector-synth

$(COLLECTOR_SYNTH): bench/collector_synth.c $(BUILD)/libexitscope.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPTFLAGS) $(LDFLAGS) $< $(BUILD)/libexitscope.a $(LDLIBS) -o $@

BENCH_TARGETS += bench-collector

.PHONY: bench-collector
bench-collector: $(BUILD)/exitscope $(COLLECTOR_SYNTH)
	BUILD=$(BUILD) EXITSCOPE=$(abspath $(BUILD)/exitscope) COLLECTOR_SYNTH=$(abspath $(COLLECTOR_SYNTH)) bench/collector.sh
