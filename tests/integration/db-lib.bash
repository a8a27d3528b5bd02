# Helpers for the store's integration tests (tests/integration/db-*.sh): a scratch directory, checks that
# count failures, and the synthetic-exit tools the build makes ($BUILD/bench/top-synth, ingest-bench).
set -uo pipefail
: "${EXITSCOPE:?run through tests/run.sh}" "${BUILD:?}"
X=$EXITSCOPE
TOP_SYNTH=$PWD/$BUILD/bench/top-synth
INGEST_BENCH=$PWD/$BUILD/bench/ingest-bench
SQLITE_EXT=$PWD/$BUILD/exitscope_sqlite.so
tmp=$(mktemp -d)
cleanup_hooks=()
cleanup() {
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0

ok() { echo "ok   $1"; }
bad() {
	echo "FAIL $1"
	fails=$((fails + 1))
}

check() { # description, command that must succeed
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# description, expected status, a fixed string stderr must contain ("" for none), command...
expect_fail() {
	local what=$1 want_rc=$2 want_err=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -eq "$want_rc" ] && { [ -z "$want_err" ] || grep -qF -- "$want_err" "$tmp/err"; }; then
		ok "$what"
	else
		bad "$what (status $rc, stderr: $(head -c 300 "$tmp/err"))"
	fi
}

# The first column of the first row of a query, as text.
q() { "$X" query "$1" "$2" --format csv | sed -n 2p; }

need_tools() {
	local t
	for t in "$TOP_SYNTH" "$INGEST_BENCH"; do
		[ -x "$t" ] || { echo "$t is not built (make $BUILD/bench/$(basename "$t"))"; exit 1; }
	done
}

finish() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails checks failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
