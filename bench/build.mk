# bench/: benchmarks. An area adds bench/<area>.mk that defines `bench-<area>` and appends it to BENCH_TARGETS;
# every benchmark prints lines RESULT<TAB>bench<TAB>metric<TAB>value<TAB>unit. `make bench` runs them all and
# prints those lines as one table (also kept in $(BUILD)/bench-results.tsv).
BENCH_TARGETS :=
include $(filter-out bench/build.mk,$(sort $(wildcard bench/*.mk)))

.PHONY: bench
bench: deps
	@mkdir -p $(BUILD); set -o pipefail; : >$(BUILD)/bench.log; \
	for t in $(BENCH_TARGETS); do $(SUB_MAKE) $$t 2>&1 | tee -a $(BUILD)/bench.log || exit 1; done
	@grep '^RESULT	' $(BUILD)/bench.log | cut -f2- >$(BUILD)/bench-results.tsv
	@echo; echo "== bench results"; column -t -s '	' $(BUILD)/bench-results.tsv
