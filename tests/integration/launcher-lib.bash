# Helpers for the launcher's integration tests (tests/integration/launcher-*.sh source this file; it is not a
# test). Each test runs `exitscope run` on this host's /dev/kvm and checks the record file it wrote.
set -uo pipefail
: "${EXITSCOPE:?run through tests/run.sh}" "${BUILD:?}"

LWORK=$(mktemp -d "${TMPDIR:-/tmp}/xs-launcher-XXXXXX")
trap 'rm -rf "$LWORK"' EXIT
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/kvm-lib.bash"
source "$HERE/stderr-lib.bash"

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

# run NAME ARGS...: exitscope run ARGS -o $LWORK/NAME.xsr; stdout in NAME.out, stderr in NAME.err, status in $rc
run() {
	local name=$1
	shift
	"$EXITSCOPE" run "$@" -o "$LWORK/$name.xsr" >"$LWORK/$name.out" 2>"$LWORK/$name.err"
	rc=$?
}

# run_ok NAME ARGS...: as run, and the run must succeed
run_ok() {
	run "$@"
	[ "$rc" -eq 0 ] || fail "exitscope run ${*:2} exited $rc: $(tail -n 3 "$LWORK/$1.err")"
}

# check NAME EXPR...: assertions on NAME.xsr (tests/integration/launcher_check.py)
check() {
	local name=$1
	shift
	python3 "$HERE/launcher_check.py" "$LWORK/$name.xsr" "$@" || fail "$name: the checks above failed"
}

# expect_error NAME "message part" ARGS...: the run fails with one line on stderr naming the problem
expect_error() {
	local name=$1 want=$2
	shift 2
	run "$name" "$@"
	[ "$rc" -ne 0 ] || fail "exitscope run $* succeeded; expected an error containing '$want'"
	one_line_error "$LWORK/$name.err" "$want" "exitscope run $*"
}

# symbol GUEST MODE NAME: a built-in guest's symbol address (exitscope run --describe)
symbol() {
	"$EXITSCOPE" run --guest "$1" --mode "$2" --describe | awk -v s="$3" '$1 == "symbol" && $2 == s { print $3 }'
}

# The vmx backend needs only Bochs (scripts/deps/vmx.txt) and the runner image (make vmx-image).
require_bochs() {
	command -v bochs-bin >/dev/null || skip "bochs-bin is not installed (scripts/deps.sh vmx)"
	[ -f "$BUILD/kmod-vmx/vmx-runner.img" ] || skip "no $BUILD/kmod-vmx/vmx-runner.img (make vmx-image)"
}

# What every vmx run of a built-in guest satisfies: seq 0..len-1, one FINAL record (the last, the DONE
# port), status ok, END chunk, an exit-to-entry latency on every exit but the final one, the backend named.
vmx_common=('len(recs) > 0' '[r["seq"] for r in recs] == list(range(len(recs)))' 'n(final=True) == 1'
	'recs[-1]["final"] and recs[-1]["port"] == 0x500' 'meta["run.exit_status"] == "ok"'
	'end == (len(recs), 0)' 'meta["run.backend"] == "vmx-bochs"' 'int(meta["counter.exits"]) == len(recs)'
	'all(r["isa"] == 1 and r["vcpu"] == 0 for r in recs)' 'meta["vmx.time_unit"].startswith("tsc-ticks")'
	'all(bool(r["flags"] & 2) != r["final"] and r["latency"] > 0 or r["final"] for r in recs)')
