#!/usr/bin/env bash
# Boot a Linux kernel + initramfs once in Bochs with VT-x, from a GRUB ISO, and wait for its done line.
#
#   boot-bochs.sh WORK_DIR KERNEL INITRD TIMEOUT_SECONDS DONE_LINE [KERNEL_ARG...]
#
# The console (COM1) goes to WORK_DIR/console.log, Bochs's own log to WORK_DIR/bochs.log. CPU model
# $XS_KMOD_BOCHS_MODEL (default corei7_haswell_4770: VMX with EPT and unrestricted guest), 512 MB, ips=10M
# (../shared/notes/testbeds.md section 3). Exits 0 once a console line starts with DONE_LINE (Bochs is then
# stopped), 1 when Bochs ends or the timeout passes without it.
set -uo pipefail
work=$1 kernel=$2 initrd=$3 timeout=$4 done_line=$5
shift 5
model=${XS_KMOD_BOCHS_MODEL:-corei7_haswell_4770}
source "$(dirname "$0")/../../../kmod-vmx/bare/bochs.bash"
command -v bochs-bin >/dev/null || { echo "bochs-bin is missing (scripts/deps.sh vmx)"; exit 1; }
command -v grub-mkrescue >/dev/null || { echo "grub-mkrescue is missing (scripts/deps.sh kmod)"; exit 1; }

iso=$work/iso
rm -rf "$iso" && mkdir -p "$iso/boot/grub"
cp "$kernel" "$iso/boot/vmlinuz"
cp "$initrd" "$iso/boot/initrd"
cat >"$iso/boot/grub/grub.cfg" <<CFG
set timeout=0
menuentry "exitscope kmod test host" {
	linux /boot/vmlinuz console=ttyS0,115200 quiet loglevel=4 panic=-1 nokaslr $*
	initrd /boot/initrd
}
CFG
grub-mkrescue -o "$work/boot.iso" "$iso" >"$work/grub-mkrescue.log" 2>&1 ||
	{ tail -n 5 "$work/grub-mkrescue.log"; echo "grub-mkrescue failed"; exit 1; }

cd "$work"
rm -f console.log bochs.log boot.iso.lock
bochs_config . "$model" 512 10000000 console.log 'ata0-master: type=cdrom, path=boot.iso, status=inserted' \
	'boot: cdrom'
echo "booting $(basename "$kernel") in Bochs ($model) (console: $work/console.log)"
start=$SECONDS
"${bochs_cmd[@]}" </dev/null >bochs.stdout 2>&1 &
pid=$!
found=false
while kill -0 $pid 2>/dev/null && [ $((SECONDS - start)) -lt "$timeout" ]; do
	if grep -q "^$done_line" console.log 2>/dev/null; then
		found=true
		break
	fi
	sleep 2
done
grep -q "^$done_line" console.log 2>/dev/null && found=true
kill $pid 2>/dev/null && sleep 1 && kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
echo "Bochs ran $((SECONDS - start)) s"
$found || { tail -n 40 console.log 2>/dev/null; echo "the test host did not finish within ${timeout}s"; exit 1; }
