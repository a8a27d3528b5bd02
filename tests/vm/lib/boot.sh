#!/usr/bin/env bash
# Boot the test host that prepare.sh built, once, and unpack what its tests left on the results disk.
#
#   boot.sh WORK_DIR KERNEL INITRD TIMEOUT_SECONDS DONE_LINE [KERNEL_ARG...] [-- QEMU_ARG...]
#
# The console goes to WORK_DIR/console.log, the results to WORK_DIR/out. Exits 0 when a console line starts
# with DONE_LINE and the results are unpacked; otherwise prints why (and the console's tail) and exits 1.
set -uo pipefail
work=$1 kernel=$2 initrd=$3 timeout=$4 done_line=$5
shift 5
kargs=() qargs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do kargs+=("$1"); shift; done
[ $# -gt 0 ] && shift && qargs=("$@")

results=$work/results.img
rm -f "$results"
truncate -s 256M "$results"
console=$work/console.log
echo "booting $kernel under QEMU TCG with AMD-V (console: $console)"
start=$SECONDS
# -smp 1: -smp 2 hung some boots (testbeds.md); a hard outer timeout covers any other hang.
timeout -s KILL "$timeout" qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 2G -nodefaults \
	-no-user-config -display none -no-reboot -serial stdio -kernel "$kernel" -initrd "$initrd" \
	-drive "file=$results,format=raw,if=virtio" -append "console=ttyS0 quiet panic=-1${kargs[*]:+ ${kargs[*]}}" \
	"${qargs[@]}" </dev/null >"$console" 2>&1
echo "QEMU exited $? after $((SECONDS - start)) s"
grep -q "^$done_line" "$console" || { tail -n 40 "$console"; echo "the test host did not finish"; exit 1; }
out=$work/out
rm -rf "$out" && mkdir -p "$out"
tar -xf "$results" -C "$out" || { echo "no results on the results disk"; exit 1; }
