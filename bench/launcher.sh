#!/usr/bin/env bash
# `make bench-launcher`: userspace exits handled per second and the recorder's cost per exit, with and without
# guest-state capture, side by side in one run (bench/launcher_bench.c), then the CLI end to end with its
# outputs and the peers that can watch the same exits, each round interleaved against the same baseline:
#   exitscope run --no-record                 exits handled, nothing recorded (the baseline)
#   exitscope run (summary only)              every exit recorded with full guest state into the aggregator
#   exitscope run -o FILE.xsr                 ... and into a record file
#   exitscope run -o FILE.db                  ... and into the SQLite store
#   perf stat -e kvm:kvm_userspace_exit       the baseline while perf counts the same exits
#   perf record -e kvm:kvm_pio,...            the baseline while perf records them (what perf kvm would read)
# The vmx backend first (bench/launcher_vmx.py: time to the first record, records/s out of Bochs), then the
# kvm backend. Needs $EXITSCOPE, $LAUNCHER_BENCH, $BUILD; the kvm part /dev/kvm. ITERATIONS (default 5000: 40001 exits on PVM) and
# ROUNDS (default 5) size it.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${EXITSCOPE:?}" "${LAUNCHER_BENCH:?}" "${BUILD:?}"
ITERATIONS=${ITERATIONS:-5000}
ROUNDS=${ROUNDS:-5}
work=$BUILD/bench/launcher
mkdir -p "$work"
# The vmx backend (the kmod-vmx core inside Bochs) runs on every host: time to the first record and records/s
# streamed out of the emulator. VMX_ITERATIONS (default 2000) and VMX_ROUNDS (default 3) size it.
if command -v bochs-bin >/dev/null; then
	python3 bench/launcher_vmx.py "$EXITSCOPE" "${VMX_ITERATIONS:-2000}" "${VMX_ROUNDS:-3}"
else
	echo "bench-launcher: no bochs-bin: the vmx backend is not measured (scripts/deps.sh vmx)" >&2
fi
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "bench-launcher: no usable /dev/kvm: the kvm backend is not measured"; exit 0; }

"$LAUNCHER_BENCH" fill 1 | tee "$work/fill.out"
"$LAUNCHER_BENCH" sync 1.5 | tee "$work/sync.out"
"$LAUNCHER_BENCH" run "$ITERATIONS" "$ROUNDS"
# The recorder's cost per exit: filling and batching the record (fill) plus KVM copying the guest state into
# kvm_run for it (sync), both measured in isolation: a whole run's CPU time varies by more than their sum.
echo "recorder cost per exit (fill + KVM's copy of the guest state):"
awk -F'\t' '$1 == "RESULT" && $3 ~ /^(fill|kvm_sync)_ns_gs_/ { k = $3; sub(/^(fill|kvm_sync)_ns_/, "", k); c[k] += $4 }
	END { n = split("gs_off gs_regs gs_full", ks, " ")
		for (i = 1; i <= n; i++) {
			printf "  guest state %-5s %7.1f ns/exit\n", substr(ks[i], 4), c[ks[i]]
			printf "RESULT\tlauncher\trecorder_cost_ns_%s\t%.1f\tns/exit\n", ks[i], c[ks[i]]
		} }' "$work/fill.out" "$work/sync.out"

# exits/s of one CLI run, from its JSON summary (exits handled / seconds the vCPU threads ran)
rate() {
	python3 -c 'import json,sys
j = json.loads(sys.stdin.read().strip().splitlines()[-1])
assert j["status"] == "ok", j
print(j["exits_handled"] / j["run_seconds"])'
}
base=(run --guest io --iterations "$ITERATIONS" --json)
peers=(summary xsr db)
have_perf=false
if command -v perf >/dev/null && perf stat -e kvm:kvm_userspace_exit true >/dev/null 2>&1; then
	have_perf=true
	peers+=(perf_stat perf_record)
fi
one() { # name: one run, prints exits/s
	case $1 in
	baseline) "$EXITSCOPE" "${base[@]}" --no-record | rate ;;
	summary) "$EXITSCOPE" "${base[@]}" | rate ;;
	xsr) rm -f "$work/run.xsr" && "$EXITSCOPE" "${base[@]}" -o "$work/run.xsr" | rate ;;
	db) rm -f "$work/run.db"* && "$EXITSCOPE" "${base[@]}" -o "$work/run.db" | rate ;;
	perf_stat) perf stat -e kvm:kvm_userspace_exit -e kvm:kvm_pio -o "$work/perf.stat" -- \
		"$EXITSCOPE" "${base[@]}" --no-record | rate ;;
	perf_record) perf record -q -e kvm:kvm_userspace_exit -e kvm:kvm_pio -o "$work/perf.data" -- \
		"$EXITSCOPE" "${base[@]}" --no-record 2>/dev/null | rate ;;
	esac
}
declare -A ratios
for ((r = 0; r < ROUNDS; r++)); do
	b=$(one baseline)
	echo "baseline $b" >>"$work/rates.txt"
	for p in "${peers[@]}"; do
		x=$(one "$p")
		echo "$p $x" >>"$work/rates.txt"
		ratios[$p]+="$(awk -v x="$x" -v b="$b" 'BEGIN { printf "%.4f ", x / b }')"
	done
	ratios[baseline]+="$b "
done
echo "exitscope run end to end, io guest, $ITERATIONS iterations, $ROUNDS rounds; throughput relative to the"
echo "baseline run just before it (median over rounds; 1.00 = no cost):"
python3 - "${ratios[baseline]}" "$(for p in "${peers[@]}"; do echo "$p=${ratios[$p]}"; done)" <<'PY'
import statistics, sys
base = [float(x) for x in sys.argv[1].split()]
print(f"  {'baseline (no records)':40s} {statistics.median(base):9.0f} exits/s")
print(f"RESULT\tlauncher\tcli_exits_per_s_baseline\t{statistics.median(base):.0f}\texits/s")
label = {"summary": "records, full guest state, summary only", "xsr": "records into a record file (-o .xsr)",
         "db": "records into the store (-o .db)", "perf_stat": "peer: perf stat counting the exits",
         "perf_record": "peer: perf record of the exits"}
for line in sys.argv[2].splitlines():
    name, vals = line.split("=", 1)
    r = statistics.median(float(v) for v in vals.split())
    print(f"  {label[name]:40s} {r:9.2f} x baseline  ({(1 / r - 1) * 1e9 / statistics.median(base):+.0f} ns/exit)")
    print(f"RESULT\tlauncher\tcli_relative_{name}\t{r:.3f}\tx")
PY
$have_perf || echo "(perf is missing or cannot open kvm tracepoints: the perf peers were not measured)"
