#!/usr/bin/env bash
# The shipped tuning scripts on the kvm backend, with their conclusions checked:
#   controls-impact  the MSR filter's exits disappear when it is turned off, single-stepping adds DEBUG exits,
#                    controls the host refuses are listed as such (never silently flipped)
#   minimize-exits   with "port 0x3f8 still seen", finds a set no larger than the hand-written known-good one
#                    (msr.exit_read = none), and `exitscope run --controls` on the file it wrote reproduces the
#                    count it reported
#   sweep            widening the MSR read filter over the msr guest's two MSRs: exits per iteration never fall
#                    (0 -> 1 -> 2), and asking for the opposite direction fails with the script's line
. "$(dirname "$0")/tune-lib.bash"
# test-needs: kvm
require_kvm

# --- controls-impact ---
tune_ok impact -o impact.db "$SCRIPTS/controls-impact.lua" guest=mixed iterations=100 repeats=2
has impact "impact: msr.exit_read=none delta=-1 verdict=fewer reasons=-kvm_X86_RDMSR guest=completed"
grep -E '^impact: debug.singlestep=on delta=[0-9.]+ verdict=more reasons=\+kvm_DEBUG' "$TWORK/impact.out" >/dev/null ||
	fail "single-stepping must add DEBUG exits: $(grep singlestep "$TWORK/impact.out")"
has impact "impact: inject=none delta=-0.25 verdict=fewer"
# the first line of the table is the largest change
first=$(grep -m1 '^impact: ' "$TWORK/impact.out")
[[ $first == "impact: debug.singlestep=on "* ]] || fail "ranking: the largest change is not first: $first"
# every control is either flipped or reported unsupported with the reason
for key in exits.disable msr.exit_read msr.exit_write msr.exit_unknown debug.singlestep debug.hwbp debug.intercept \
	irq.window inject record.io record.mmio record.guest_state memory.readonly; do
	grep -qE "^(impact: $key=|$key +not supported here: $key)" "$TWORK/impact.out" || fail "controls-impact skipped $key"
done
# on this host's KVM exits.disable=hlt may be refused; where it is honoured, HLT exits must go
if grep -q '^impact: exits.disable=hlt' "$TWORK/impact.out"; then
	grep -E '^impact: exits.disable=hlt .*verdict=fewer reasons=.*-kvm_HLT' "$TWORK/impact.out" >/dev/null ||
		fail "exits.disable=hlt honoured but HLT exits did not go"
fi
runs=$(sql impact.db "SELECT count(*) FROM tune_runs")
[ "$runs" -ge 20 ] || fail "controls-impact kept $runs runs"

# --- minimize-exits ---
tune_ok minimize -o min.db "$SCRIPTS/minimize-exits.lua" guest=mixed iterations=200 repeats=2 require=port:0x3f8 \
	out=minimal.ctl
has minimize "step 1: msr.exit_read=none"
line=$(grep '^minimal: ' "$TWORK/minimize.out") || fail "no conclusion"
found=$(sed -E 's/.*\(([0-9]+) exits per run of 200 iterations\).*/\1/' <<<"$line")
[ -f "$TWORK/minimal.ctl" ] || fail "minimal.ctl not written"
printf 'msr.exit_read = none\n' >"$TWORK/hand.ctl"
total() { "$EXITSCOPE" run --guest mixed --iterations 200 --controls "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"] == "ok", d
print(d["total"])'; }
hand=$(total "$TWORK/hand.ctl") || fail "the hand-written set does not run"
again=$(total "$TWORK/minimal.ctl") || fail "the written set does not run"
echo "minimize-exits: found $found exits per run, hand-written $hand, the written file reproduces $again"
[ "$found" -le "$hand" ] || fail "minimize-exits found $found exits, more than the hand-written set's $hand"
[ "$again" = "$found" ] || fail "exitscope run --controls minimal.ctl gave $again exits, the script reported $found"
# the requirement held: port 0x3f8 still exits with the written set
"$EXITSCOPE" run --guest mixed --iterations 200 --controls "$TWORK/minimal.ctl" -o "$TWORK/check.db" >/dev/null
[ "$(sql check.db "SELECT count(*) FROM exits WHERE io_port = 1016")" = 200 ] || fail "port 0x3f8 no longer seen"

# --- sweep ---
tune_ok sweep -o sweep.db "$SCRIPTS/sweep.lua" control=msr.exit_read format=0x170+%d from=1 to=8 guest=msr \
	set.msr.exit_write=none iterations=100 expect=increasing csv=curve.csv
has sweep "monotonic: increasing"
python3 - "$TWORK/curve.csv" <<'PY' || fail "sweep curve"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 8, rows
rdmsr = [float(r["X86_RDMSR"]) for r in rows]
assert rdmsr == [0, 0, 0, 0, 1, 2, 2, 2], rdmsr          # 0x174 joins at +5, 0x175 at +6
per = [float(r["exits_per_iteration"]) for r in rows]
assert all(b >= a for a, b in zip(per, per[1:])), per
PY
grep -qE '^ +6 \|#{50} 2\.01$' "$TWORK/sweep.out" || fail "no chart: $(tail -n 12 "$TWORK/sweep.out")"
expect_tune_error sweepdown "sweep.lua:" -o sweep.db "$SCRIPTS/sweep.lua" control=msr.exit_read format=0x170+%d \
	values=1,6 guest=msr set.msr.exit_write=none iterations=50 expect=decreasing
grep -qF "expected the exits per iteration to be decreasing along msr.exit_read, but the curve is increasing" \
	"$TWORK/sweepdown.err" || fail "sweep direction error: $(cat "$TWORK/sweepdown.err")"
echo "tune scripts: all checks passed"
