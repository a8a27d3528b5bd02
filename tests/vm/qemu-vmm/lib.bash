# Debian's QEMU as the VMM under test, inside the QEMU AMD-V test host (sourced by tests/vm/qemu-vmm/in-testbed.sh
# and bench/collector_vm_inner.sh; not a test). qemu-system-x86_64 comes from the host's /usr, shared into the test
# host over 9p, and runs with -enable-kvm on the test host's kvm-amd: nested SVM under TCG. Its guest is SeaBIOS
# booting tests/vm/qemu-vmm/boot.S from an IDE disk; the boot sector executes CPUID a given number of times and
# ends QEMU through isa-debug-exit (status 67), so each run is the same firmware boot and a bounded workload.
# QEMU starts paused (-S) so that tracers attach to its process before the guest runs its first instruction.

QV_BIOS=/usr/share/seabios/bios-256k.bin # what QEMU 7.2's pc machine loads by default, named to be sure
QV_NAME=xs-firmware
QV_RAM_MB=16

# qv_image DIR LOOPS: DIR/boot.img (a 1 MiB disk: the boot sector, then zeros) and DIR/boot.syms (nm)
qv_image() {
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	as --32 --defsym XS_LOOPS="$2" -o "$1/boot.o" "$here/boot.S" &&
		objcopy -O binary -j .text "$1/boot.o" "$1/boot.img" && nm "$1/boot.o" >"$1/boot.syms" &&
		truncate -s 1M "$1/boot.img"
}

# qv_start DIR: start QEMU paused on DIR/boot.img; sets qv_pid and qv_cmdline (its arguments, space-separated).
# A watchdog kills it after $QV_TIMEOUT seconds (default 300): TCG runs the nested guest slowly, never forever.
qv_start() {
	local d=$1
	local args=(qemu-system-x86_64 -name "guest=$QV_NAME" -machine pc -enable-kvm -cpu host -m "$QV_RAM_MB" -bios "$QV_BIOS"
		-nodefaults -no-user-config -display none -no-reboot
		-drive "file=$d/boot.img,format=raw,if=ide" -device isa-debug-exit,iobase=0xf4,iosize=1
		-chardev "file,id=dbg,path=$d/seabios.log" -device isa-debugcon,iobase=0x402,chardev=dbg
		-monitor "unix:$d/monitor,server=on,wait=off" -S)
	rm -f "$d/monitor"
	"${args[@]}" >"$d/qemu.out" 2>&1 </dev/null &
	qv_pid=$!
	qv_cmdline="${args[*]}"
	(sleep "${QV_TIMEOUT:-300}" && kill -KILL "$qv_pid" 2>/dev/null) &
	qv_watchdog=$!
	local i
	for i in $(seq 1 300); do
		[ -S "$d/monitor" ] && return 0
		kill -0 "$qv_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "QEMU did not start: $(cat "$d/qemu.out")"
	return 1
}

# qv_cont DIR: let the paused guest run (the monitor's "cont")
qv_cont() {
	python3 - "$1/monitor" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"cont\n")
time.sleep(0.2)
PY
}

# qv_wait: wait for QEMU to end; 0 when the boot sector ended it (isa-debug-exit status 67)
qv_wait() {
	wait "$qv_pid"
	qv_status=$?
	kill "$qv_watchdog" 2>/dev/null
	wait "$qv_watchdog" 2>/dev/null
	[ "$qv_status" -eq 67 ]
}

# wait_for FILE PATTERN [TENTHS]: until FILE holds PATTERN (default 60 s)
qv_wait_for() {
	local i
	for i in $(seq 1 "${3:-600}"); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
