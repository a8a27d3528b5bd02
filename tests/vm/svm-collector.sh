#!/usr/bin/env bash
# The collector on a real hardware-virtualization KVM host: Debian's kernel booted under QEMU TCG with AMD-V
# (`-cpu max` gives svm, npt), kvm-amd loaded, our statically linked exitscope inside. One `exitscope run`
# workload is recorded by several collectors at once (BPF with tp_btf, BPF with both kvm_exit halves, BPF with
# the classic half only, perf, a reason filter, 1-in-4 sampling) and counted by perf stat per exit reason;
# tests/vm/lib/check.py checks the results on this side. ../shared/notes/testbeds.md section 2 has the recipe.
#
# Needs $BUILD/static/exitscope (make test-vm builds it). Exit 0 pass, 77 skip (last line says why), 1 fail.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
static=$BUILD/static/exitscope
work=$BUILD/vm
cache=${XS_VM_CACHE:-tests/vm/cache}
skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is missing (scripts/deps.sh vm)"
[ -x "$static" ] || fail "$static is missing: run make test-vm (or make BUILD=$BUILD/static STATIC=1 exitscope)"
mkdir -p "$work" "$cache"
mapfile -t boot < <(tests/vm/lib/prepare.sh "$cache" "$static" "$work") || fail "preparing the test host failed"
[ ${#boot[@]} -eq 2 ] || fail "preparing the test host failed"
kernel=${boot[0]} initrd=${boot[1]}

tests/vm/lib/boot.sh "$work" "$kernel" "$initrd" "${XS_VM_TIMEOUT:-900}" 'xs-vm: done' \
	"XS_VM_ITERATIONS=${XS_VM_ITERATIONS:-150}"
rc=$?
grep '^xs-vm:' "$work/console.log" | sed 's/\r$//'
[ $rc -eq 0 ] || fail "running the test host failed"
out=$work/out
python3 tests/vm/lib/check.py "$out" "$BUILD/static/guests/mixed_64.bin"
rc=$?
# guest symbols resolve the RIPs recorded here (analysis/; docs/analysis.md)
tests/vm/lib/symbols-check.sh "$static" "$out" "$BUILD/static/guests/mixed_64.elf" \
	"$BUILD/static/guests/probe_64.elf" || rc=1
exit $rc
