#!/usr/bin/env bash
# make bench-export: what exporting and symbolizing cost, measured side by side in one run.
#
#   1. A store of EXPORT_COUNT (default 10000000) exits of top-synth's realistic VMX mix (bench/ingest_bench.c,
#      as bench-ingest makes it); their guest RIPs lie in 1 MiB of guest kernel text, which a System.map of
#      4096 functions made here covers.
#   2. exitscope export --format trace, folded, csv, jsonl of all of them: exits/s over wall time, peak
#      resident memory (GNU time), bytes written per exit. The peer: sqlite3 -csv dumping the exits view
#      (no decoding, no symbols), the cheapest CSV export SQLite itself offers. Wall time and CPU time both:
#      on a shared machine the CPU figure is the steadier one.
#   3. exitscope report --by symbol and --by reason,symbol over them: seconds and peak memory.
# Environment: EXITSCOPE, INGEST_BENCH, TOP_SYNTH, BUILD (set by make); EXPORT_COUNT.
set -euo pipefail
: "${EXITSCOPE:?run through make bench-export}" "${INGEST_BENCH:?}" "${TOP_SYNTH:?}" "${BUILD:?}"
COUNT=${EXPORT_COUNT:-10000000}
dir=$BUILD/bench/export
rm -rf "$dir"
mkdir -p "$dir"
result() { printf 'RESULT\t%s\t%s\t%s\t%s\n' "$@"; }

echo "== a store of $COUNT exits (top-synth's mix through the store sink)"
"$TOP_SYNTH" -o "$dir/mix.xsr" --count 100000 --rate 1000000
"$INGEST_BENCH" --template "$dir/mix.xsr" --count "$COUNT" --db "$dir/store.db" --name export-store >/dev/null
python3 -c 'import sys
base = 0xffffffff81000000
with open(sys.argv[1], "w") as f:
    for i in range(4096):
        f.write("%016x T synth_fn_%d\n" % (base + i * 256, i))' "$dir/System.map"

# measure NAME COMMAND...: wall seconds and peak RSS (KiB) of one run, into $secs and $rss
measure() {
	local name=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$dir/$name.time" "$@"
	read -r secs usr sys rss <"$dir/$name.time"; cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

for fmt in trace folded csv jsonl; do
	echo "== export --format $fmt"
	measure "export-$fmt" "$EXITSCOPE" export "$dir/store.db" --format "$fmt" --guest-symbols "$dir/System.map" \
		-o "$dir/out.$fmt" 2>"$dir/export-$fmt.err"
	cat "$dir/export-$fmt.err"
	grep -q "^export: wrote $COUNT exits" "$dir/export-$fmt.err" || { echo "export did not write $COUNT exits" >&2; exit 1; }
	bytes=$(stat -c %s "$dir/out.$fmt")
	rm -f "$dir/out.$fmt"
	echo "$fmt: ${secs}s wall, ${cpu}s CPU, peak RSS ${rss} KiB, $bytes bytes"
	result "export-$fmt" exits_per_s "$(awk -v n="$COUNT" -v s="$secs" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.01) }')" exits/s
	result "export-$fmt" exits_per_cpu_s "$(awk -v n="$COUNT" -v s="$cpu" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.01) }')" exits/s
	result "export-$fmt" peak_rss "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" MiB
	result "export-$fmt" bytes_per_exit "$(awk -v b="$bytes" -v n="$COUNT" 'BEGIN { printf "%.1f", b / n }')" bytes
done

echo "== peer: sqlite3 -csv of the exits view (raw columns, no decoding, no symbols)"
measure sqlite3-csv sqlite3 -csv "$dir/store.db" "SELECT * FROM exits" >"$dir/peer.csv"
bytes=$(stat -c %s "$dir/peer.csv")
rm -f "$dir/peer.csv"
echo "sqlite3 -csv: ${secs}s wall, ${cpu}s CPU, peak RSS ${rss} KiB, $bytes bytes"
result sqlite3-csv-exits exits_per_s "$(awk -v n="$COUNT" -v s="$secs" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.01) }')" exits/s
result sqlite3-csv-exits exits_per_cpu_s "$(awk -v n="$COUNT" -v s="$cpu" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.01) }')" exits/s
result sqlite3-csv-exits peak_rss "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" MiB

for by in symbol reason,symbol; do
	echo "== report --by $by over $COUNT exits"
	measure "report-$by" "$EXITSCOPE" report "$dir/store.db" --by "$by" --guest-symbols "$dir/System.map" >"$dir/report-$by.txt"
	head -n 8 "$dir/report-$by.txt"
	echo "report --by $by: ${secs}s wall, ${cpu}s CPU, peak RSS ${rss} KiB"
	result "report-by-${by/,/-}-$COUNT" seconds "$secs" s
	result "report-by-${by/,/-}-$COUNT" cpu_seconds "$cpu" s
	result "report-by-${by/,/-}-$COUNT" peak_rss "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" MiB
done
rm -rf "$dir"
