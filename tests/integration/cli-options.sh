#!/usr/bin/env bash
# The option tables of run, record, top, serve, tune, export and ship (cli/options.h, cli/option_groups.h): the man page's
# option lists are the tables' (scripts/man-options.py --check, and a drifted copy fails it), every command
# answers a bad command line with one line in one format and status 2, --help lists each group's options,
# and the options the groups share behave alike in every command that takes them.
set -uo pipefail
: "${EXITSCOPE:?}"
X=$EXITSCOPE
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() {
	echo "FAIL $1"
	fails=$((fails + 1))
}

# The man page's lists are generated from the tables; a man page edited apart from them fails the check.
if scripts/man-options.py --check "$X" docs/exitscope.1 >"$tmp/check.out" 2>&1; then
	ok "docs/exitscope.1's option lists equal the option tables"
else
	bad "man page drifted: $(cat "$tmp/check.out")"
fi
sed 's/^only vCPU N$/only the vCPU N/' docs/exitscope.1 >"$tmp/drifted.1"
cmp -s docs/exitscope.1 "$tmp/drifted.1" && bad "the drift test changed nothing (is --vcpu's help text still 'only vCPU N'?)"
if scripts/man-options.py --check "$X" "$tmp/drifted.1" >"$tmp/check.out" 2>&1; then
	bad "a drifted man page passed the check"
elif grep -q "option lists of record differ" "$tmp/check.out"; then
	ok "a drifted man page fails the check, naming the command"
else
	bad "drift message: $(cat "$tmp/check.out")"
fi

# One usage-error format: "exitscope: CMD: <what> (see exitscope CMD --help)", one line, status 2.
expect_usage() { # command, message pattern, arguments...
	local cmd=$1 want=$2
	shift 2
	"$X" "$cmd" "$@" >"$tmp/o" 2>"$tmp/e"
	local rc=$?
	if [ "$rc" != 2 ] || [ "$(wc -l <"$tmp/e")" != 1 ] ||
		! grep -q "^exitscope: $cmd: $want (see exitscope $cmd --help)\$" "$tmp/e"; then
		bad "$cmd $*: status $rc, stderr: $(cat "$tmp/e")"
	else
		ok "$cmd $*: $(cat "$tmp/e")"
	fi
}
for cmd in run record top serve tune export ship; do
	expect_usage "$cmd" "unknown option '--bogus'" --bogus
	"$X" "$cmd" --help >"$tmp/help" 2>&1 || bad "$cmd --help: status $?"
	grep -q "^usage: exitscope $cmd" "$tmp/help" || bad "$cmd --help: no usage line"
	grep -q "^  -h, --help  *this text\$" "$tmp/help" || bad "$cmd --help: no -h line"
done
for cmd in run record top serve; do
	expect_usage "$cmd" "unexpected argument 'extra'" extra
done
expect_usage tune "option '--timeout' needs a value" --timeout

# The launch group: the same flags, checks and messages in run and in top/serve --run.
for cmd in run top serve; do
	expect_usage "$cmd" "--mem '0': give 1-3072 (MiB)" --mem 0
	expect_usage "$cmd" "--vcpus '65': give 1-64" --vcpus 65
	expect_usage "$cmd" "--mode 'flat': use real, protected or long" --mode flat
	expect_usage "$cmd" "option '--vcpus' needs a value" --vcpus
	grep -q "^Launch:" <("$X" "$cmd" --help) || bad "$cmd --help: no Launch group"
done
expect_usage run "--backend 'nosuch': use kvm, vmx or auto" --backend nosuch
expect_usage top "--backend 'nosuch': auto, bpf or perf (with --run: auto, kvm or vmx)" --backend nosuch
# The collect group's -p in record and top/serve; the output group's --duration and --json.
for cmd in record top serve; do
	expect_usage "$cmd" "--pid '0': expected a process id" -p 0
done
for cmd in run record; do
	expect_usage "$cmd" "--duration 'abc': expected seconds > 0" --duration abc
	grep -q "^Output:" <("$X" "$cmd" --help) || bad "$cmd --help: no Output group"
done
grep -q -- "^      --json " <("$X" serve --help) || bad "serve --help: no --json"
grep -q -- "--duration" <("$X" serve --help) && bad "serve --help lists --duration (it takes only --json of the output group)"
expect_usage serve "unknown option '--duration'" --duration 1
# A hidden entry (ship --max-rows, a test hook) is taken but in neither --help nor the man page.
expect_usage ship "--max-rows '0': give a number of rows" --max-rows 0
"$X" ship --help | grep -q -- --max-rows && bad "ship --help shows the hidden --max-rows"
grep -q 'max\\-rows' docs/exitscope.1 && bad "the man page shows the hidden --max-rows"

# Table-checked values reach the command: run --list-guests and a describe go through the same parser.
"$X" run --guest io --mode real --describe >"$tmp/d" 2>&1 && grep -q "^guest io (real mode)" "$tmp/d" ||
	bad "run --guest io --mode real --describe: $(head -n 2 "$tmp/d")"

[ "$fails" = 0 ] || {
	echo "$fails failure(s)"
	exit 1
}
echo "all passed"
