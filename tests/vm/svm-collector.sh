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

results=$work/results.img
rm -f "$results"
truncate -s 256M "$results"
console=$work/console.log
echo "booting $kernel under QEMU TCG with AMD-V (console: $console)"
start=$SECONDS
# -smp 1: -smp 2 hung some boots (testbeds.md); a hard outer timeout covers any other hang.
timeout -s KILL "${XS_VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 2G -nodefaults \
	-no-user-config -display none -no-reboot -serial stdio -kernel "$kernel" -initrd "$initrd" \
	-drive "file=$results,format=raw,if=virtio" \
	-append "console=ttyS0 quiet panic=-1 XS_VM_ITERATIONS=${XS_VM_ITERATIONS:-150}" </dev/null >"$console" 2>&1
rc=$?
echo "QEMU exited $rc after $((SECONDS - start)) s"
grep '^xs-vm:' "$console" | sed 's/\r$//'
grep -q '^xs-vm: done' "$console" || { tail -n 40 "$console"; fail "the test host did not finish"; }
out=$work/out
rm -rf "$out" && mkdir -p "$out"
tar -xf "$results" -C "$out" || fail "no results on the results disk"
python3 tests/vm/lib/check.py "$out" "$BUILD/static/guests/mixed_64.bin"
