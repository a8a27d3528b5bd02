#!/usr/bin/env bash
# The shipped tuning scripts on the vmx backend (the kmod-vmx core inside Bochs: deterministic, so repeats
# agree exactly and xs.diff's verdicts are exact), with their conclusions checked:
#   controls-impact  vmx.rdtsc_exiting=on adds one RDTSC exit per iteration of a guest that runs RDTSC;
#                    vmx.exception_bitmap=bp,ud adds one EXCEPTION_NMI exit (vector 3) per INT3;
#                    vmx.io_bitmap=0x3f8,0x500-0x503 removes the IN 0x3fd exit and keeps OUT 0x3f8;
#                    vmx.hlt_exiting=off removes the HLT exits (one per four iterations), and the guest still
#                    completes (the runner's LAPIC timer wakes its HLT)
#   minimize-exits   with "port 0x3f8 still seen", a set no larger than the hand-written known-good one
#                    (vmx.io_bitmap = 0x3f8,0x500-0x503), and `exitscope run --controls` on the written file
#                    reproduces the count it reported
#   sweep            the VMX preemption timer: a longer timer never gives more exits per iteration
. "$(dirname "$0")/tune-lib.bash"
require_bochs
command -v as >/dev/null && command -v objcopy >/dev/null || skip "GNU as/objcopy missing (binutils)"

# --- controls-impact: RDTSC exiting on the insns guest (which=1: RDTSC each iteration) ---
tune_ok rdtsc -o impact.db "$SCRIPTS/controls-impact.lua" backend=vmx guest=insns param.which=1 iterations=10 \
	repeats=2 only=vmx.rdtsc_exiting duration=120
has rdtsc "impact: vmx.rdtsc_exiting=on delta=1 verdict=more reasons=+vmx_RDTSC guest=completed"

# --- the exception bitmap on the debug guest (trap=1: INT3 each iteration) ---
tune_ok exc -o impact.db "$SCRIPTS/controls-impact.lua" backend=vmx guest=debug param.trap=1 iterations=10 \
	repeats=2 only=vmx.exception_bitmap duration=120
has exc "impact: vmx.exception_bitmap=bp,ud delta=1 verdict=more reasons=+vmx_EXCEPTION_NMI guest=completed"
[ "$(sql impact.db "SELECT count(*) FROM exits e JOIN tune_runs t USING(run_id) WHERE t.label = 'vmx.exception_bitmap=bp,ud' AND exit_name(e.isa, e.reason) = 'EXCEPTION_NMI' AND (e.intr_info & 0xff) = 3")" = 20 ] ||
	fail "the exception bitmap's exits are not 10 x #BP per repeat"

# --- the I/O bitmap and HLT exiting on the mixed guest ---
tune_ok mixed -o impact.db "$SCRIPTS/controls-impact.lua" backend=vmx guest=mixed iterations=8 repeats=2 \
	only=vmx.io_bitmap,vmx.hlt_exiting duration=20
has mixed "impact: vmx.io_bitmap=0x3f8,0x500-0x503 delta=-1 verdict=fewer reasons=- guest=completed"
io_ports=$(sql impact.db "SELECT group_concat(DISTINCT printf('0x%x', io_port)) FROM (SELECT io_port FROM exits e JOIN tune_runs t USING(run_id) WHERE t.label = 'vmx.io_bitmap=0x3f8,0x500-0x503' AND io_port IS NOT NULL ORDER BY io_port)")
[ "$io_ports" = '"0x3f8,0x500,0x501"' ] || [ "$io_ports" = "0x3f8,0x500,0x501" ] ||
	fail "with the I/O bitmap the ports that exit are $io_ports (want 0x3f8 and the launcher's 0x500/0x501)"
# exitscope diff on these stored vmx runs: the baseline's repeats against the I/O bitmap's
base=$(sql impact.db "SELECT group_concat(run_id) FROM tune_runs WHERE label = 'baseline' AND guest = 'mixed'")
iob=$(sql impact.db "SELECT group_concat(run_id) FROM tune_runs WHERE label = 'vmx.io_bitmap=0x3f8,0x500-0x503'")
base=${base//\"/} iob=${iob//\"/}
"$EXITSCOPE" diff --json "$TWORK/impact.db:$base" "$TWORK/impact.db:$iob" | python3 -c '
import json, sys
d = json.load(sys.stdin)
rows = {r["key"]: r for r in d["rows"]}
assert rows["port 0x3fd"]["verdict"] == "fewer" and rows["port 0x3fd"]["rate_b"] == 0, rows["port 0x3fd"]
assert rows["port 0x3f8"]["verdict"] == "same" and rows["port 0x3f8"]["method"] == "exact", rows["port 0x3f8"]
assert rows["vmx IO_INSTRUCTION"]["delta"] == -1 and d["significant"] == 2, d' ||
	fail "exitscope diff $base vs $iob on the vmx runs"
grep -E '^impact: vmx.hlt_exiting=off delta=-0.25 verdict=fewer reasons=-vmx_HLT guest=completed$' "$TWORK/mixed.out" >/dev/null ||
	fail "vmx.hlt_exiting=off: $(grep hlt_exiting "$TWORK/mixed.out")"

# --- minimize-exits ---
tune_ok minimize -o min.db "$SCRIPTS/minimize-exits.lua" backend=vmx guest=mixed iterations=8 repeats=2 \
	require=port:0x3f8 only=vmx.io_bitmap,msr.exit_read,vmx.rdtsc_exiting out=minimal.ctl duration=120
line=$(grep '^minimal: ' "$TWORK/minimize.out") || fail "no conclusion: $(cat "$TWORK/minimize.out")"
found=$(sed -E 's/.*\(([0-9]+) exits per run of 8 iterations\).*/\1/' <<<"$line")
printf 'vmx.io_bitmap = 0x3f8,0x500-0x503\n' >"$TWORK/hand.ctl"
total() { "$EXITSCOPE" run --backend vmx --guest mixed --iterations 8 --controls "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"] == "ok", d
print(d["total"])'; }
hand=$(total "$TWORK/hand.ctl") || fail "the hand-written set does not run"
again=$(total "$TWORK/minimal.ctl") || fail "the written set does not run"
echo "minimize-exits (vmx): found $found exits per run, hand-written $hand, the written file reproduces $again"
[ "$found" -le "$hand" ] || fail "minimize-exits found $found exits, more than the hand-written set's $hand"
[ "$again" = "$found" ] || fail "exitscope run --controls minimal.ctl gave $again exits, the script reported $found"
grep -q '^vmx.io_bitmap = ' "$TWORK/minimal.ctl" || fail "the I/O bitmap is not in the minimal set: $(cat "$TWORK/minimal.ctl")"

# --- sweep: the preemption timer over a guest that spins between exits ---
printf '.code64\n mov 16(%%rdi), %%ecx\n1: mov $20000, %%ebx\n2: dec %%ebx\n jnz 2b\n mov $0x3f8, %%dx\n out %%al, %%dx\n dec %%ecx\n jnz 1b\n xor %%eax, %%eax\n mov $0x500, %%dx\n out %%eax, %%dx\n3: hlt\n jmp 3b\n' |
	as --64 -o "$TWORK/spin.o" - && objcopy -O binary -j .text "$TWORK/spin.o" "$TWORK/spin.bin" || fail "assembling spin.bin"
tune_ok sweep -o sweep.db "$SCRIPTS/sweep.lua" backend=vmx image=spin.bin mode=long entry=0x200000 iterations=5 \
	repeats=2 control=vmx.preemption_timer values=1000,2000,4000,8000 expect=decreasing csv=curve.csv duration=120
has sweep "monotonic: decreasing"
python3 - "$TWORK/curve.csv" <<'PY' || fail "sweep curve: $(cat "$TWORK/curve.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
timer = [float(r["PREEMPTION_TIMER"]) for r in rows]
assert len(timer) == 4 and all(a > b for a, b in zip(timer, timer[1:])), timer
assert all(float(r["sd"]) == 0 for r in rows), rows      # deterministic under Bochs
PY
echo "tune scripts on vmx: all checks passed"
