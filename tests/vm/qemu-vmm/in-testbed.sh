#!/usr/bin/env bash
# Runs inside the QEMU AMD-V test host (tests/vm/qemu-vmm.sh boots it): a VMM nobody here wrote, Debian's
# qemu-system-x86_64 with -enable-kvm on the test host's kvm-amd (tests/vm/qemu-vmm/lib.bash), its firmware
# booting a boot sector that executes CPUID a known number of times. Attached before the guest's first
# instruction (QEMU starts paused) and all on the same run: `exitscope record -p` in per-exit mode, `exitscope
# record --summary -p` (aggregation mode, when this exitscope has it), `exitscope top -p --batch`, and perf stat
# counting kvm:kvm_exit per exit reason (one counter per SVM exit code, each with a tracepoint filter, and the
# unfiltered total). tests/vm/qemu-vmm/check.py then compares them. Exit 0 pass, 1 fail.
set -uo pipefail
X=${EXITSCOPE:?}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.bash"
w=$(mktemp -d /tmp/qemu-vmm.XXXXXX)
loops=${XS_QEMU_LOOPS:-2000}
fail() { step "FAIL: $*"; exit 1; }
step() { # to the log, and to the test host's console as live progress
	echo "$*"
	echo "xs-vm: qemu-vmm: $*" >/dev/console 2>/dev/null
}

[ -c /dev/kvm ] || fail "no /dev/kvm in the test host"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is missing (scripts/deps.sh vm)"
[ -f "$QV_BIOS" ] || fail "$QV_BIOS is missing (seabios)"
missing=$(ldd "$(command -v qemu-system-x86_64)" | grep 'not found')
[ -z "$missing" ] || fail "QEMU's libraries do not resolve here: $missing"
qv_image "$w" "$loops" || fail "assembling the boot sector"
echo "$loops" >"$w/loops"
echo "$QV_BIOS" >"$w/bios"
echo "$QV_RAM_MB" >"$w/ram_mb"
echo "$QV_NAME" >"$w/qemu.name"

# The SVM exit codes counted one by one (AMD APM vol. 2, appendix C: CR0 read/write, INTR, VINTR,
# CR0_SEL_WRITE, CPUID, RSM, HLT, IOIO, MSR, SHUTDOWN, WBINVD, NPF); the unfiltered total covers the rest.
reasons="0x0 0x10 0x60 0x61 0x64 0x65 0x72 0x73 0x78 0x7b 0x7c 0x7f 0x89 0x400"
echo "$reasons" >"$w/perfstat.reasons"
perf_args=(-e kvm:kvm_exit)
for r in $reasons; do
	perf_args+=(-e kvm:kvm_exit --filter "exit_reason == $((r))")
done

step "starting QEMU paused"
qv_start "$w" || fail "starting QEMU"
echo "$qv_pid" >"$w/qemu.pid"
echo "$qv_cmdline" >"$w/qemu.cmdline"
echo "QEMU (pid $qv_pid, paused): $qv_cmdline"
step "attaching the tracers"
pids=()
"$X" record -p "$qv_pid" -o "$w/perexit.xsr" --json >"$w/perexit.json" 2>"$w/perexit.err" &
pids+=($!)
qv_wait_for "$w/perexit.err" 'recording with' || fail "record did not start: $(cat "$w/perexit.err")"
if "$X" record --help 2>&1 | grep -q -- '--summary'; then
	"$X" record --summary -p "$qv_pid" --json >"$w/summary.json" 2>"$w/summary.err" &
	pids+=($!)
	qv_wait_for "$w/summary.err" 'recording' || fail "record --summary did not start: $(cat "$w/summary.err")"
fi
"$X" top -p "$qv_pid" --batch -d 1 >"$w/top.txt" 2>"$w/top.err" &
top_pid=$!
qv_wait_for "$w/top.txt" '=== snapshot 1' || fail "top did not start: $(cat "$w/top.err")"
perf stat -x, -o "$w/perfstat.csv" "${perf_args[@]}" -p "$qv_pid" &
perf_pid=$!
sleep 3 # perf stat says nothing when its counters are open (a late one shows as unequal counts)
start=$SECONDS
step "running the guest"
qv_cont "$w" || fail "the monitor's cont failed"
qv_wait
step "QEMU exited with status $qv_status after $((SECONDS - start)) s (67: the boot sector's isa-debug-exit)"
echo "SeaBIOS's debug console, last lines:"
tail -n 3 "$w/seabios.log" | sed 's/^/  /'
[ "$qv_status" -eq 67 ] || fail "the guest did not run to its end: $(cat "$w/qemu.out")"
step "stopping the tracers"
kill -INT "$perf_pid"
wait "$perf_pid"
for p in "${pids[@]}"; do # record ends with the process it traces
	wait "$p" || fail "a recorder failed (pid $p): $(cat "$w"/*.err)"
done
sleep 1.5 # top: one more snapshot after the end; it goes on until stopped
kill -TERM "$top_pid"
wait "$top_pid" || fail "top failed: $(cat "$w/top.err")"
cat "$w/perexit.err"
[ -f "$w/summary.err" ] && cat "$w/summary.err"
echo "perf stat:"
grep -v '^#' "$w/perfstat.csv" | grep . | sed 's/^/  /'
echo "top's last snapshot, per vCPU:"
awk '/^=== snapshot/ {s = ""} {s = s $0 "\n"} END {printf "%s", s}' "$w/top.txt" | sed -n '/^PER VCPU/,/^$/p'
"$X" import "$w/perexit.xsr" -o "$w/store.db" >/dev/null || fail "import"
"$X" report "$w/store.db" >"$w/report.txt" || fail "report"
cat "$w/report.txt"
step "checking"
python3 "$here/check.py" "$w"
rc=$?
rm -rf "$w"
exit $rc
