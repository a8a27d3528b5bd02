#!/usr/bin/env bash
# bench-collector-vm: exitscope next to its peers where kvm:kvm_exit fires — inside the QEMU AMD-V test host
# (Debian's kernel with kvm-amd under QEMU TCG; tests/vm/integration/boot-tests.sh boots it once with this host's
# /usr, /etc, the repository and the build shared into it), where bench/collector_vm_inner.sh runs the same guest
# workloads untraced and under exitscope (per-exit and aggregation modes), perf kvm stat record, perf kvm stat
# live, perf stat -e kvm:kvm_exit and bpftrace (see that script for what is measured and how).
#
# TCG TIMING IS NOT HARDWARE TIMING: every instruction of the test host is emulated, exits cost tens of
# microseconds and the tools share its one CPU with the workload. Read the ratios between tools of one run; no
# figure is an absolute cost on hardware (bench/collector.sh measures this host's own tracepoints).
#
# Prints the inner script's table and its RESULT<TAB>bench<TAB>metric<TAB>value<TAB>unit lines. Needs root for
# nothing on this side; BENCH_VM_* variables pass through (BENCH_VM_REPEATS, BENCH_VM_WORKLOADS, ...).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export EXITSCOPE=${EXITSCOPE:-$PWD/$BUILD/exitscope}
for t in qemu-system-x86_64; do
	command -v $t >/dev/null || { echo "bench-collector-vm: $t is missing (scripts/deps.sh vm bench)"; exit 1; }
done
[ -x "$EXITSCOPE" ] || { echo "bench-collector-vm: $EXITSCOPE is missing (make)"; exit 1; }
out=$BUILD/vm-bench/results
rm -rf "$out"
# the inner script's settings: it reads this file from the shared build tree
mkdir -p "$BUILD/vm-bench"
for v in $(compgen -e | grep '^BENCH_VM_'); do
	printf 'export %s=%q\n' "$v" "${!v}"
done >"$BUILD/vm-bench/settings.bash"
XS_VM_WORK=$BUILD/vm-bench XS_VM_TIMEOUT=${XS_VM_TIMEOUT:-1500} TEST_TIMEOUT=1400 \
	tests/vm/integration/boot-tests.sh "$out" bench/collector_vm_inner.sh ||
	{ echo "bench-collector-vm: the QEMU AMD-V test host did not run"; exit 1; }
cat "$out/collector_vm_inner.log"
exit "$(cat "$out/collector_vm_inner.rc")"
