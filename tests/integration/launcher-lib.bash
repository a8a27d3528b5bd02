# Helpers for the launcher's integration tests (tests/integration/launcher-*.sh source this file; it is not a
# test). Each test runs `exitscope run` on this host's /dev/kvm and checks the record file it wrote.
set -uo pipefail
: "${EXITSCOPE:?run through tests/run.sh}" "${BUILD:?}"

LWORK=$(mktemp -d "${TMPDIR:-/tmp}/xs-launcher-XXXXXX")
trap 'rm -rf "$LWORK"' EXIT
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/kvm-lib.bash"

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
	grep -qF -- "$want" "$LWORK/$name.err" || fail "exitscope run $*: stderr lacks '$want': $(cat "$LWORK/$name.err")"
	[ "$(grep -c . "$LWORK/$name.err")" -eq 1 ] || fail "exitscope run $*: not one line: $(cat "$LWORK/$name.err")"
}

# symbol GUEST MODE NAME: a built-in guest's symbol address (exitscope run --describe)
symbol() {
	"$EXITSCOPE" run --guest "$1" --mode "$2" --describe | awk -v s="$3" '$1 == "symbol" && $2 == s { print $3 }'
}
