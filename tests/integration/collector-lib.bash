# Helpers for tests/integration/collector-*.sh (sourced; not a test itself).
# Needs $EXITSCOPE and $BUILD (tests/run.sh sets them).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/kvm-lib.bash"
XSR="python3 $here/collector_xsr.py"
work=$(mktemp -d "${BUILD:-build}/test-tmp-collector.XXXXXX")
work=$(cd "$work" && pwd)
recorders=()
trap 'for p in "${recorders[@]}"; do kill -INT "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

need_kvm_tracing() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (BPF programs and perf tracepoint events)"
	require_kvm
	xs_mount_tracefs || skip "no KVM tracepoints under /sys/kernel/tracing"
}

# The records of a port access on this host's KVM: where kvm_exit fires (kvm_amd, kvm_intel: the QEMU AMD-V
# test host) hardware-mode records with the vendor's exit code, elsewhere (PVM) host-event PIO records.
# IO_FILTER is its --reason, IO_ISA/IO_NAME as printed, IO_ISA_NUM/IO_REASON as in the record.
case $(xs_exit_isa) in
svm) COL_MODE=hardware IO_ISA=svm IO_NAME=IOIO IO_ISA_NUM=2 IO_REASON=123 ;;
vmx) COL_MODE=hardware IO_ISA=vmx IO_NAME=IO_INSTRUCTION IO_ISA_NUM=1 IO_REASON=30 ;;
*) COL_MODE=host-event IO_ISA=host IO_NAME=PIO IO_ISA_NUM=4 IO_REASON=1 ;;
esac
IO_FILTER=$IO_ISA:${IO_NAME,,}

# start_record NAME ARGS...: exitscope record in the background, output in $work/NAME.*; waits until it
# records (it says so on stderr).
start_record() {
	local name=$1
	shift
	"$EXITSCOPE" record "$@" >"$work/$name.out" 2>"$work/$name.err" &
	local pid=$!
	recorders+=("$pid")
	echo "$pid" >"$work/$name.pid"
	for _ in $(seq 1 300); do
		grep -q 'recording with' "$work/$name.err" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$work/$name.err"
	fail "exitscope record $* did not start"
}

# wait_vm PID: until that process has created its VM (at most 20 s)
wait_vm() {
	for _ in $(seq 1 200); do
		ls -l "/proc/$1/fd" 2>/dev/null | grep -q 'anon_inode:kvm-vm' && return 0
		sleep 0.1
	done
	fail "process $1 made no VM in 20 s"
}

# stop_record NAME [SIGNAL]: stop it and return its exit status.
stop_record() {
	local pid
	pid=$(cat "$work/$1.pid")
	kill -"${2:-INT}" "$pid"
	wait "$pid"
}
