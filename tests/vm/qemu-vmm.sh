#!/usr/bin/env bash
# A VMM nobody here wrote: Debian's qemu-system-x86_64 with -enable-kvm, traced by exitscope inside the QEMU AMD-V
# test host (Debian's kernel with kvm-amd under QEMU TCG: kvm:kvm_exit fires there). One boot of the test host
# (tests/vm/integration/boot-tests.sh, which shares this host's /usr, /etc, the repository and the build into it)
# runs tests/vm/qemu-vmm/in-testbed.sh: QEMU boots SeaBIOS and a boot sector, recorded by exitscope in per-exit
# and aggregation modes and counted by perf stat per exit reason; per-reason counts must be equal, guest RIPs in
# the guest's code, the VM named by its command line in top and report (tests/vm/qemu-vmm/check.py).
#
# Exit 0 pass, 77 skip (last line says why), else fail.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export EXITSCOPE=${EXITSCOPE:-$PWD/$BUILD/exitscope}
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 is missing (scripts/deps.sh vm)"; exit 77; }
[ -x "$EXITSCOPE" ] || { echo "FAIL: $EXITSCOPE is missing (make)"; exit 1; }
out=$BUILD/vm-qemu-vmm/results
rm -rf "$out"
XS_VM_WORK=$BUILD/vm-qemu-vmm XS_VM_TIMEOUT=${XS_VM_TIMEOUT:-600} TEST_TIMEOUT=${XS_QEMU_VMM_TIMEOUT:-400} \
	tests/vm/integration/boot-tests.sh "$out" tests/vm/qemu-vmm/in-testbed.sh || exit 1
grep '^xs-vm:' "$out/console.log" | sed 's/\r$//'
cat "$out/in-testbed.log"
[ -f "$out/in-testbed.rc" ] || { echo "FAIL: the test host left no result"; exit 1; }
exit "$(cat "$out/in-testbed.rc")"
