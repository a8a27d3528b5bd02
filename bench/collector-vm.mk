# The collector's peers where kvm:kvm_exit fires (`make bench-collector-vm`): bench/collector_vm.sh boots the QEMU
# AMD-V test host once and bench/collector_vm_inner.sh runs the same guest workloads there untraced, under
# exitscope record (per-exit mode), exitscope record --summary (aggregation mode), perf kvm stat record and live,
# perf stat -e kvm:kvm_exit and bpftrace: throughput ratios, tool CPU, BPF ns/event. TCG timing is not hardware
# timing: ratios only.
BENCH_TARGETS += bench-collector-vm

.PHONY: bench-collector-vm
bench-collector-vm: $(BUILD)/exitscope
	BUILD=$(BUILD) EXITSCOPE=$(abspath $(BUILD)/exitscope) bench/collector_vm.sh
