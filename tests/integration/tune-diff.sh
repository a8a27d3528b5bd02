#!/usr/bin/env bash
# exitscope diff on real runs: repeats of the mixed guest with and without its MSR filter. The MSR exits are
# flagged (gone, fewer, an exact interval since the launcher's counts do not vary), nothing else is; a side
# against itself changes nothing; one run a side says 'cannot tell' where counts differ; JSON and CSV carry the
# same verdicts; bad specifications get one line and status 1, a bad command line status 2.
. "$(dirname "$0")/tune-lib.bash"
# test-needs: kvm
require_kvm
db=$TWORK/d.db
for i in 1 2 3; do
	"$EXITSCOPE" run --guest mixed --iterations 200 -o "$db" >/dev/null || fail "run $i"
done
for i in 1 2 3; do
	"$EXITSCOPE" run --guest mixed --iterations 200 --control msr.exit_read=none -o "$db" >/dev/null || fail "run $i"
done

"$EXITSCOPE" diff "$db:1-3" "$db:4,5,6" >"$TWORK/text.out" || fail "diff exited $?"
grep -E '^kvm X86_RDMSR +1 +0 +gone .* fewer$' "$TWORK/text.out" >/dev/null || fail "RDMSR not flagged: $(cat "$TWORK/text.out")"
grep -E '^msr 0x174 .* fewer$' "$TWORK/text.out" >/dev/null || fail "MSR 0x174 not flagged"
grep -E '^kvm IO +2.255 +2.255 .* same$' "$TWORK/text.out" >/dev/null || fail "IO not the same"
grep -E '^all exits +5.505 +4.505 .* fewer$' "$TWORK/text.out" >/dev/null || fail "total not fewer"
grep -q '^2 of 9 rows changed significantly$' "$TWORK/text.out" || fail "wrong count: $(tail -n 1 "$TWORK/text.out")"

"$EXITSCOPE" diff --json "$db:1-3" "$db:4-6" >"$TWORK/d.json" || fail "diff --json"
python3 - "$TWORK/d.json" <<'PY' || fail "JSON checks"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["per"] == "iteration" and d["significant"] == 2, d
rows = {(r["dim"], r["key"]): r for r in d["rows"]}
r = rows[("reason", "kvm X86_RDMSR")]
assert r["verdict"] == "fewer" and r["rate_a"] == 1 and r["rate_b"] == 0 and r["count_a"] == 600, r
assert r["method"] == "exact" and r["ci_lo"] == -1 and r["ci_hi"] == -1, r
assert all(x["verdict"] == "same" for k, x in rows.items() if k[1] not in ("kvm X86_RDMSR", "msr 0x174")), rows
assert [x["id"] for x in d["a"]["runs"]] == [1, 2, 3] and d["b"]["runs"][0]["iterations"] == 200, d["b"]
PY

"$EXITSCOPE" diff --csv "$db:1-3" "$db:4-6" >"$TWORK/d.csv" || fail "diff --csv"
[ "$(wc -l <"$TWORK/d.csv")" -eq 11 ] || fail "CSV: header + total + 9 rows expected: $(cat "$TWORK/d.csv")"
grep -q '^reason,"kvm X86_RDMSR",3,29,600,0,1,0,0,0,-1,-1,-1,' "$TWORK/d.csv" || fail "CSV RDMSR row: $(cat "$TWORK/d.csv")"

# a side against itself, and single runs
"$EXITSCOPE" diff --json "$db:1-3" "$db:1-3" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["significant"] == 0 and all(r["verdict"] == "same" for r in d["rows"]), d' || fail "self diff"
"$EXITSCOPE" diff "$db:1" "$db:4" >"$TWORK/one.out" || fail "single-run diff"
grep -E '^kvm X86_RDMSR .* cannot tell$' "$TWORK/one.out" >/dev/null || fail "one run a side must say cannot tell"
grep -q 'one run per side: differences cannot be told from noise' "$TWORK/one.out" || fail "no single-run note"
# FILE alone is the newest run; FILE:all every run
"$EXITSCOPE" diff --json "$db" "$db:all" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [r["id"] for r in d["a"]["runs"]] == [6] and len(d["b"]["runs"]) == 6, d' || fail "FILE / FILE:all"

# errors
expect() { # status "message" ARGS...
	local want_rc=$1 want=$2
	shift 2
	"$EXITSCOPE" diff "$@" >/dev/null 2>"$TWORK/err"
	local got=$?
	[ "$got" -eq "$want_rc" ] || fail "diff $*: exit $got, wanted $want_rc"
	grep -qF -- "$want" "$TWORK/err" || fail "diff $*: stderr lacks '$want': $(cat "$TWORK/err")"
	[ "$(grep -c . "$TWORK/err")" -eq 1 ] || fail "diff $*: not one line: $(cat "$TWORK/err")"
}
expect 1 "no run 9 in the store" "$db:9" "$db:1"
expect 1 "runs are N, N-M" "$db:3-1" "$db:1"
expect 1 "runs are N, N-M" "$db:x" "$db:1"
expect 1 "$TWORK/none.db" "$TWORK/none.db" "$db:1"
echo "not sqlite" >"$TWORK/text.db"
expect 1 "not an SQLite database" "$TWORK/text.db" "$db:1"
expect 2 "give two runs" "$db:1"
expect 2 "not both" --json --csv "$db:1" "$db:2"
echo "diff: all checks passed"
