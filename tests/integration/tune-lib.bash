# Helpers for the tune/diff integration tests (tests/integration/tune-*.sh source this file; it is not a test).
set -uo pipefail
: "${EXITSCOPE:?run through tests/run.sh}" "${BUILD:?}"

TWORK=$(mktemp -d "${TMPDIR:-/tmp}/xs-tune-XXXXXX")
trap 'rm -rf "$TWORK"' EXIT
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPTS=$ROOT/scripts
source "$ROOT/tests/integration/stderr-lib.bash"

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

# The kvm backend needs the KVM device (EXITSCOPE_KVM names another one).
require_kvm() {
	local dev=${EXITSCOPE_KVM:-/dev/kvm}
	[ -e "$dev" ] || skip "no $dev on this host: the kvm backend cannot run guests here"
	[ -r "$dev" ] && [ -w "$dev" ] || skip "no permission to open $dev"
}

# tune NAME ARGS...: exitscope tune ARGS; stdout in NAME.out, stderr in NAME.err, status in $rc
tune() {
	local name=$1
	shift
	(cd "$TWORK" && "$EXITSCOPE" tune "$@") >"$TWORK/$name.out" 2>"$TWORK/$name.err"
	rc=$?
}

tune_ok() {
	tune "$@"
	[ "$rc" -eq 0 ] || fail "exitscope tune ${*:2} exited $rc: $(tail -n 3 "$TWORK/$1.err")"
}

# expect_tune_error NAME "message part" ARGS...: one error line naming the problem, exit status 1
expect_tune_error() {
	local name=$1 want=$2
	shift 2
	tune "$name" "$@"
	[ "$rc" -eq 1 ] || fail "exitscope tune $* exited $rc; expected 1 with '$want'"
	one_line_error "$TWORK/$name.err" "$want" "exitscope tune $*"
}

# has NAME TEXT: NAME.out contains TEXT
has() {
	grep -qF -- "$2" "$TWORK/$1.out" || fail "$1: output lacks '$2':
$(cat "$TWORK/$1.out")"
}

# sql DB QUERY: one value
sql() {
	"$EXITSCOPE" query "$TWORK/$1" "$2" --format csv | tail -n 1
}

# The vmx backend runs the kmod-vmx core inside Bochs: it needs bochs-bin and the runner image.
require_bochs() {
	command -v bochs-bin >/dev/null || skip "bochs-bin is not installed (scripts/deps.sh vmx)"
	[ -f "$BUILD/kmod-vmx/vmx-runner.img" ] || skip "no $BUILD/kmod-vmx/vmx-runner.img (make vmx-image)"
}
