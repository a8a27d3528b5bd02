# Helpers for tests/integration/collector-*.sh (sourced; not a test itself).
# Needs $EXITSCOPE and $BUILD (tests/run.sh sets them).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
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
	[ -c /dev/kvm ] || skip "no /dev/kvm on this host"
	[ -d /sys/kernel/tracing/events/kvm ] || skip "no KVM tracepoints under /sys/kernel/tracing"
}

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

# stop_record NAME [SIGNAL]: stop it and return its exit status.
stop_record() {
	local pid
	pid=$(cat "$work/$1.pid")
	kill -"${2:-INT}" "$pid"
	wait "$pid"
}
