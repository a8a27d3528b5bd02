# The collector's benchmark (`make bench-collector`): bench/collector.sh traces the same guest workload,
# side by side, untraced, with exitscope record, with `perf record -e 'kvm:*'` and with bpftrace counting the
# same tracepoints (throughput ratios, events/s, events lost, CPU of each tool), measures the BPF cost per
# event from kernel.bpf_stats_enabled next to a yardstick of our own (bench/collector_floor.bpf.c: minimal
# programs on the same tracepoints, in the same runs), and bench/collector_synth.c measures the consumer at
# 500k events/s from the BPF program's synthetic producer. Paths are spelled out: $(LIB) and $(EXITSCOPE)
# come after the build.mk files.
COLLECTOR_SYNTH := $(BUILD)/bench/collector-synth
COLLECTOR_FLOOR := $(BUILD)/bench/collector-floor
COLLECTOR_FLOOR_GEN := $(BUILD)/gen/bench

$(COLLECTOR_SYNTH): bench/collector_synth.c $(BUILD)/libexitscope.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPTFLAGS) $(LDFLAGS) $< $(BUILD)/libexitscope.a $(LDLIBS) -o $@

$(COLLECTOR_FLOOR_GEN)/collector_floor.bpf.o: bench/collector_floor.bpf.c $(BUILD)/gen/collector/vmlinux.h
	@mkdir -p $(@D)
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I$(BUILD)/gen/collector -c $< -o $@

$(COLLECTOR_FLOOR_GEN)/collector_floor.skel.h: $(COLLECTOR_FLOOR_GEN)/collector_floor.bpf.o
	$(BPFTOOL) gen skeleton $< name collector_floor_bpf >$@.tmp
	mv $@.tmp $@

$(COLLECTOR_FLOOR): bench/collector_floor.c $(COLLECTOR_FLOOR_GEN)/collector_floor.skel.h $(BUILD)/libexitscope.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPTFLAGS) $(LDFLAGS) $< $(BUILD)/libexitscope.a $(LDLIBS) -o $@

BENCH_TARGETS += bench-collector

.PHONY: bench-collector
bench-collector: $(BUILD)/exitscope $(COLLECTOR_SYNTH) $(COLLECTOR_FLOOR)
	BUILD=$(BUILD) EXITSCOPE=$(abspath $(BUILD)/exitscope) COLLECTOR_SYNTH=$(abspath $(COLLECTOR_SYNTH)) \
		COLLECTOR_FLOOR=$(abspath $(COLLECTOR_FLOOR)) bench/collector.sh
