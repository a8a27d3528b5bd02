#!/usr/bin/env bash
# The vmx backend stamps its exits with the emulated TSC (XS_F_TS_TSC): every consumer must say "ticks" for
# their latencies and never turn the tick clock into a rate. `run`'s summary, `report` (text and JSON), `top
# --replay --batch` (rate unknown: "-"), `top --run --batch` (rate per wall second, near the ~1k exits/s Bochs
# manages, not the 143k/s the ticks gave) and `export`. The KVM backend's ns records stay in ns (when this host
# has a usable /dev/kvm). Needs only Bochs.
source "$(dirname "$0")/launcher-lib.bash"
require_bochs
DB=$LWORK/x.db

"$EXITSCOPE" run --backend vmx --guest cpuid --iterations 200 -o "$DB" >"$LWORK/run.out" 2>"$LWORK/run.err" ||
	fail "exitscope run --backend vmx exited $?: $(tail -n 3 "$LWORK/run.err")"
grep -qE '^vmx CPUID +200 .* [0-9]+ ticks +[0-9]+ ticks$' "$LWORK/run.out" ||
	fail "run's summary does not give the CPUID latencies in ticks: $(grep CPUID "$LWORK/run.out")"
grep -E '^vmx ' "$LWORK/run.out" | grep -q ' ns' && fail "run's summary labels tick latencies ns"

# report: tick units, a note saying why, no time unit on a latency
"$EXITSCOPE" report "$DB" >"$LWORK/report.txt" || fail "exitscope report exited $?"
grep -qE '^vmx CPUID +200 .*[0-9.]+k?ticks +[0-9.]+k?ticks +[0-9.]+k?ticks +[0-9.]+k?ticks$' "$LWORK/report.txt" ||
	fail "report: the CPUID row has no tick latencies: $(grep CPUID "$LWORK/report.txt")"
grep -E '^vmx ' "$LWORK/report.txt" | grep -qE '[0-9](ns|us|ms|s)( |$)' && fail "report labels tick latencies as time"
grep -q 'latencies are TSC ticks, not time' "$LWORK/report.txt" || fail "report does not say the latencies are TSC ticks"
"$EXITSCOPE" report "$DB" --json >"$LWORK/report.json" || fail "exitscope report --json exited $?"
python3 - "$LWORK/report.json" <<'EOF' || fail "report --json: tick latencies under the wrong keys"
import json, sys
rep = json.load(open(sys.argv[1]))
assert rep["time_unit"] == "tsc_ticks", rep["time_unit"]
cpuid = [r for r in rep["rows"] if r.get("name") == "CPUID"][0]
assert cpuid["latency_mean_ticks"] > 0 and "latency_mean_ns" not in cpuid, cpuid
EOF

"$EXITSCOPE" report "$DB" --histogram >"$LWORK/hist.txt" || fail "report --histogram exited $?"
grep -qE '^vmx CPUID: 200 exits, 200 timed +p50 [0-9.]+kticks .* max [0-9.]+kticks$' "$LWORK/hist.txt" ||
	fail "report --histogram: CPUID percentiles not in ticks: $(grep 'vmx CPUID' "$LWORK/hist.txt")"
grep -qE '^ +[0-9.]+k?ticks - [0-9.]+k?ticks +#+ [0-9]+$' "$LWORK/hist.txt" || fail "report --histogram: bins not in ticks"

# the store: runs.time_unit, the summary views say the unit and give no rate from ticks
[ "$(sqlite3 "$DB" "SELECT time_unit FROM runs")" = tsc_ticks ] || fail "runs.time_unit is not tsc_ticks"
[ "$(sqlite3 "$DB" "SELECT time_unit, rate IS NULL FROM vcpu_stats")" = "tsc_ticks|1" ] ||
	fail "vcpu_stats: $(sqlite3 "$DB" "SELECT * FROM vcpu_stats")"
[ "$(sqlite3 "$DB" "SELECT DISTINCT time_unit FROM reason_stats")" = tsc_ticks ] || fail "reason_stats has no time_unit"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM exits_per_second")" = 0 ] || fail "exits_per_second counts tick 'seconds'"
# a store of schema version 2 (before runs.time_unit) migrates, and the vmx run gets its unit from its metadata
cp "$DB" "$LWORK/v2.db"
sqlite3 "$LWORK/v2.db" "$(sqlite3 "$LWORK/v2.db" "SELECT 'DROP VIEW ' || name || ';' FROM sqlite_schema WHERE type = 'view'")
	ALTER TABLE runs DROP COLUMN time_unit; PRAGMA user_version = 2;" || fail "could not make a version-2 store"
"$EXITSCOPE" report "$LWORK/v2.db" | grep -qE '^vmx CPUID +200 .*kticks$' || fail "report of a migrated v2 store: no ticks"
[ "$(sqlite3 "$LWORK/v2.db" "PRAGMA user_version; SELECT time_unit FROM runs")" = "3
tsc_ticks" ] || fail "the v2 store did not migrate to version 3 with runs.time_unit"

# diff of two vmx runs: times per exit in ticks
cp "$DB" "$LWORK/d.db"
"$EXITSCOPE" run --backend vmx --guest cpuid --iterations 200 -o "$LWORK/d.db" >/dev/null 2>&1 || fail "second vmx run exited $?"
"$EXITSCOPE" diff "$LWORK/d.db:1" "$LWORK/d.db:2" >"$LWORK/diff.txt" || fail "exitscope diff exited $?"
grep -qE '^vmx CPUID .* [0-9.]+kt/[0-9.]+kt/[0-9.]+kt +[0-9.]+kt/' "$LWORK/diff.txt" ||
	fail "diff: CPUID times not in ticks: $(grep 'vmx CPUID' "$LWORK/diff.txt")"
grep -q 't = emulated TSC ticks' "$LWORK/diff.txt" || fail "diff does not say what t is"

# top --replay: ticks are no clock, so the rate is unknown ("-"), never thousands per second
"$EXITSCOPE" top --replay "$DB" --batch >"$LWORK/replay.txt" 2>&1 || fail "top --replay --batch exited $?"
grep -qE '^- exits/s +total 205 ' "$LWORK/replay.txt" ||
	fail "top --replay: header rate is not '-': $(grep 'exits/s' "$LWORK/replay.txt" | tail -n 1)"
grep -qE '^vmx CPUID +200 +- +[0-9.]+% +[0-9.]+kt +[0-9.]+kt +[0-9.]+kt' "$LWORK/replay.txt" ||
	fail "top --replay: CPUID row is not '200 - share tick latencies': $(grep '^vmx CPUID' "$LWORK/replay.txt" | tail -n 1)"
grep -q 'latency in emulated TSC ticks' "$LWORK/replay.txt" || fail "top --replay does not say what 't' is"

# top --run live: exits per wall second (Bochs runs this guest at ~1k exits/s; the ticks gave 143k/s)
timeout 120 "$EXITSCOPE" top --run cpuid --backend vmx --iterations 3000 --batch >"$LWORK/live.txt" 2>&1 ||
	fail "top --run --backend vmx --batch exited $?"
rates=$(grep -E '^vmx CPUID ' "$LWORK/live.txt" | awk '{print $4}')
[ -n "$rates" ] || fail "top --run: no CPUID rows"
max=$(printf '%s\n' $rates | sort -n | tail -n 1)
[[ "$max" =~ ^[0-9]+$ ]] && [ "$max" -gt 0 ] && [ "$max" -lt 20000 ] ||
	fail "top --run: CPUID rates '$(echo $rates)' are not exits per wall second"

# export: each exit says its unit
"$EXITSCOPE" export "$DB" --format csv -o "$LWORK/x.csv" 2>/dev/null || fail "export csv exited $?"
head -n 1 "$LWORK/x.csv" | grep -q ',time_unit$' || fail "export csv: no time_unit column"
[ "$(tail -n +2 "$LWORK/x.csv" | grep -vc ',tsc_ticks$')" = 0 ] || fail "export csv: a vmx exit not marked tsc_ticks"

# the KVM backend's records are ns, as before
KVM_DEV=${EXITSCOPE_KVM:-/dev/kvm}
if [ -r "$KVM_DEV" ] && [ -w "$KVM_DEV" ]; then
	"$EXITSCOPE" run --backend kvm --guest cpuid --iterations 200 -o "$LWORK/k.db" >/dev/null 2>&1 || fail "kvm run exited $?"
	"$EXITSCOPE" report "$LWORK/k.db" >"$LWORK/k.txt" || fail "report of the kvm run exited $?"
	grep -q ticks "$LWORK/k.txt" && fail "report of a KVM run talks of ticks"
	grep -qE '^kvm .*[0-9](ns|us|ms)$' "$LWORK/k.txt" || fail "report of a KVM run has no ns latencies"
	"$EXITSCOPE" top --replay "$LWORK/k.db" --batch >"$LWORK/k-replay.txt" 2>&1 || fail "kvm replay exited $?"
	grep -qE '^[0-9.]+k? exits/s' "$LWORK/k-replay.txt" || fail "top --replay of a KVM run lost its rate"
	grep -q 'TSC ticks' "$LWORK/k-replay.txt" && fail "top --replay of a KVM run talks of ticks"
	# both runs in one store: merged, ns and ticks have no common scale
	cp "$DB" "$LWORK/m.db" && "$EXITSCOPE" run --backend kvm --guest cpuid --iterations 20 -o "$LWORK/m.db" >/dev/null 2>&1 ||
		fail "kvm run into the vmx run's store exited $?"
	"$EXITSCOPE" report "$LWORK/m.db" --run all >"$LWORK/m.txt" || fail "report --run all exited $?"
	grep -q 'mix ns and TSC-tick latencies' "$LWORK/m.txt" || fail "report --run all does not say the units mix"
	grep -qE '^vmx CPUID +200 +[0-9.]+% +- +- +- +- +-$' "$LWORK/m.txt" ||
		fail "report --run all shows latencies across units: $(grep CPUID "$LWORK/m.txt")"
else
	echo "(no usable $KVM_DEV: the KVM side of this test did not run)"
fi
echo "vmx backend latencies are ticks everywhere; rates are per wall second live and unknown in a replay"
