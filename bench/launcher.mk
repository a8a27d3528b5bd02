# The launcher's benchmark (`make bench-launcher`): bench/launcher_bench.c (the recorder's CPU cost per record,
# and the launcher in process: exits/s and recorder cost per exit per guest-state level) and bench/launcher.sh
# (the CLI with the store and record-file outputs, and perf counting / recording the same exits side by side).
LAUNCHER_BENCH := $(BUILD)/bench/launcher-bench

$(LAUNCHER_BENCH): bench/launcher_bench.c $(BUILD)/libexitscope.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPTFLAGS) $(LDFLAGS) $< $(BUILD)/libexitscope.a $(LDLIBS) -o $@

BENCH_TARGETS += bench-launcher

.PHONY: bench-launcher
bench-launcher: $(BUILD)/exitscope $(LAUNCHER_BENCH)
	BUILD=$(BUILD) EXITSCOPE=$(abspath $(BUILD)/exitscope) LAUNCHER_BENCH=$(abspath $(LAUNCHER_BENCH)) bench/launcher.sh
