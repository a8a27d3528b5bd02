#!/usr/bin/env bash
# make bench-ingest: what the store costs, measured side by side in one run.
#
#   1. INGEST_COUNT (default 10000000) exits of top-synth's realistic VMX mix through the real store sink
#      (queue + writer thread + SQLite): rows/s over wall time, rows/s per second of writer-thread CPU (the
#      one-core figure; the machine's other core runs the producer), bytes on disk per exit.
#   2. The same with a guest-state block on every exit.
#   3. The same exits the naive way: one INSERT per exit into a table with a column per record field.
#   4. `exitscope report` over the 10 million (median of 5), by reason and by vCPU; and one full scan of the
#      exits view for comparison (what a report without stored aggregates would have to do).
#   5. perf record -e 'kvm:*' while `exitscope run --guest mixed` runs: perf.data bytes per event and per
#      exit of the same run, and the size of a perf.data holding as many events as the store holds exits.
#   6. The record file (.xsr) of the same exits: bytes per exit.
# Environment: EXITSCOPE, INGEST_BENCH, TOP_SYNTH, BUILD (set by make); INGEST_COUNT, PERF_ITERATIONS.
set -euo pipefail
: "${EXITSCOPE:?run through make bench-ingest}" "${INGEST_BENCH:?}" "${TOP_SYNTH:?}" "${BUILD:?}"
COUNT=${INGEST_COUNT:-10000000}
PERF_ITERATIONS=${PERF_ITERATIONS:-5000}
dir=$BUILD/bench/ingest
rm -rf "$dir"
mkdir -p "$dir"
result() { printf 'RESULT\t%s\t%s\t%s\t%s\n' "$@"; }

echo "== templates: top-synth's mix (100000 exits; 20000 with guest state on every exit)"
"$TOP_SYNTH" -o "$dir/mix.xsr" --count 100000 --rate 1000000
"$TOP_SYNTH" -o "$dir/mix-state.xsr" --count 20000 --rate 1000000 --state-every 1
xsr_bytes=$(stat -c %s "$dir/mix.xsr")
result ingest-xsr bytes_per_exit "$(awk -v b="$xsr_bytes" 'BEGIN { printf "%.1f", b / 100000 }')" bytes

echo "== $COUNT exits into the store"
"$INGEST_BENCH" --template "$dir/mix.xsr" --count "$COUNT" --db "$dir/store.db" --name ingest
echo "== $COUNT exits with guest state into the store"
"$INGEST_BENCH" --template "$dir/mix-state.xsr" --count "$COUNT" --db "$dir/state.db" --name ingest-guest-state
rm -f "$dir/state.db"
echo "== $COUNT exits, naive: one INSERT per exit, a column per field"
"$INGEST_BENCH" --template "$dir/mix.xsr" --count "$COUNT" --db "$dir/naive.db" --name ingest-naive --naive
rm -f "$dir/naive.db"

median_time() { # command... : median wall seconds of 5 runs
	local t=()
	for _ in 1 2 3 4 5; do
		local s e
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		t+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f", e - s }')")
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n 3p
}
echo "== exitscope report over $COUNT exits"
"$EXITSCOPE" report "$dir/store.db"
r=$(median_time "$EXITSCOPE" report "$dir/store.db")
echo "report --by reason: ${r}s (median of 5)"
result report-${COUNT} seconds_by_reason "$r" s
r=$(median_time "$EXITSCOPE" report "$dir/store.db" --by vcpu)
echo "report --by vcpu: ${r}s (median of 5)"
result report-${COUNT} seconds_by_vcpu "$r" s
s=$(date +%s.%N)
"$EXITSCOPE" query "$dir/store.db" "SELECT isa, reason, count(*), avg(latency_ns), max(latency_ns) FROM exits GROUP BY 1, 2" >/dev/null
e=$(date +%s.%N)
scan=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')
echo "the same numbers by scanning the exits view: ${scan}s"
result report-${COUNT} seconds_full_scan "$scan" s

echo "== perf record -e 'kvm:*' beside the store, on one exitscope run --guest mixed --iterations $PERF_ITERATIONS"
if ! command -v perf >/dev/null || [ ! -w /dev/kvm ]; then
	echo "perf or /dev/kvm missing here: perf comparison skipped"
else
	rm -f "$dir/run.db"
	perf record -q -e 'kvm:*' -o "$dir/perf.data" -- \
		"$EXITSCOPE" run --guest mixed --iterations "$PERF_ITERATIONS" -o "$dir/run.db" >/dev/null
	events=$(perf script -i "$dir/perf.data" 2>/dev/null | wc -l)
	pbytes=$(stat -c %s "$dir/perf.data")
	exits=$("$EXITSCOPE" query "$dir/run.db" "SELECT exits FROM runs" --format csv | tail -n 1)
	rows=$("$EXITSCOPE" query "$dir/run.db" "SELECT sum(pgsize) FROM dbstat WHERE name IN ('exit_rows', 'shapes', 'segments', 'exit_extra')" --format csv | tail -n 1)
	echo "perf.data: $pbytes bytes, $events kvm:* events (counted with perf script) for $exits exits"
	awk -v b="$pbytes" -v e="$events" -v x="$exits" -v n="$COUNT" -v r="$rows" -v s="$(stat -c %s "$dir/store.db")" 'BEGIN {
		printf "perf.data: %.1f bytes/event, %.1f events/exit, %.1f bytes/exit\n", b / e, e / x, b / x
		printf "a perf.data of %d events: %.0f MB; the store with %d exits: %.0f MB\n", n, b / e * n / 1e6, n, s / 1e6
		printf "this run in the store: %.1f bytes/exit without guest state (exit rows, shapes, segments)\n", r / x
		printf "RESULT\tperf-kvm\tbytes_per_event\t%.1f\tbytes\n", b / e
		printf "RESULT\tperf-kvm\tevents_per_exit\t%.1f\tevents\n", e / x
		printf "RESULT\tperf-kvm\tbytes_for_%d_events\t%.0f\tMB\n", n, b / e * n / 1e6
		printf "RESULT\tingest-launcher-run\tbytes_per_exit_no_state\t%.1f\tbytes\n", r / x
	}'
fi
rm -f "$dir/store.db" "$dir/run.db" "$dir/perf.data" "$dir"/*.xsr
