#!/usr/bin/env bash
# make bench-ship: the cost of feeding the fleet's engines, measured in one run on 127.0.0.1.
#
#   1. ship: COUNT exits (default 1000000, bench/top-synth's mix, imported into a store) into a fresh
#      clickhouse-server table, gzip-compressed (the default) and plain (--no-gzip): exits/s end to end (SQLite
#      read, TabSeparated rows, gzip, HTTP, ClickHouse's insert) and bytes on the wire per exit (request and
#      reply, headers included, as libcurl counts them).
#      Peers on the same rows and server: curl posting the same TabSeparated text over the same HTTP interface
#      (ClickHouse's ingest ceiling over HTTP, no store to read), and clickhouse-client over the native protocol.
#   2. scrape: serve --metrics replaying RATE exits/s (default 100000, recorded pace) for WINDOW seconds while
#      Prometheus scrapes it every second and curl scrapes it SCRAPES more times: scrape latency (curl), the
#      endpoint's render time, bytes and series per scrape, Prometheus's own scrape_duration_seconds, serve's CPU
#      with and without the extra scrapes; the peer: Prometheus's own /metrics endpoint scraped the same way.
#
# Environment: EXITSCOPE, BUILD (set by make), SHIP_BENCH_COUNT, SHIP_BENCH_RATE, SHIP_BENCH_WINDOW, SHIP_BENCH_SCRAPES.
set -uo pipefail
: "${EXITSCOPE:?run through make bench-ship}" "${BUILD:?}"
COUNT=${SHIP_BENCH_COUNT:-1000000}
RATE=${SHIP_BENCH_RATE:-100000}
WINDOW=${SHIP_BENCH_WINDOW:-8}
SCRAPES=${SHIP_BENCH_SCRAPES:-100}
source tests/integration/fleet-lib.bash
HZ=$(getconf CLK_TCK)
result() { echo "RESULT $1 $2 $3"; }
dir=$BUILD/bench
mkdir -p "$dir"

# ---- 1. ship ----
store=$dir/ship-$COUNT.db
if [ ! -f "$store" ]; then
	echo "generating a store of $COUNT synthetic exits: $store"
	"$TOP_SYNTH" -o "$tmp/s.xsr" --count "$COUNT" --rate 100000 --vcpus 8 --vms 4 >/dev/null
	"$X" import "$tmp/s.xsr" -o "$store.tmp" >/dev/null && mv "$store.tmp" "$store"
	rm -f "$tmp/s.xsr"
fi
rm -f "$store.shipped"
start_clickhouse
for mode in gzip plain; do
	table=bench.exits_$mode
	line=$("$X" ship "$store" --clickhouse "$CH_URL" --table "$table" --quiet $([ $mode = plain ] && echo --no-gzip)) ||
		{ echo "ship failed"; exit 1; }
	rm -f "$store.shipped"
	echo "$mode: $line"
	rate=$(sed -n 's/.*: \([0-9]*\) exits\/s.*/\1/p' <<<"$line")
	bpe=$(sed -n 's/.* \([0-9.]*\) bytes on the wire per exit.*/\1/p' <<<"$line")
	result "ship_${mode}_exits_per_s" "$rate" exits/s
	result "ship_${mode}_wire_bytes_per_exit" "$bpe" bytes
done
# The same rows as TabSeparated text, posted by the peers into tables of the same schema.
chq "SELECT * FROM bench.exits_plain" >"$tmp/rows.tsv"
rows=$(wc -l <"$tmp/rows.tsv")
size=$(stat -c %s "$tmp/rows.tsv")
result tsv_bytes_per_exit "$(awk -v s="$size" -v n="$rows" 'BEGIN { printf "%.1f", s / n }')" bytes
create=$("$X" ship --schema --table bench.peer)
for peer in curl clickhouse-client; do
	chq "DROP TABLE IF EXISTS bench.peer" >/dev/null
	curl -s "$CH_URL/" --data-binary "$create" >/dev/null
	start=$(date +%s.%N)
	if [ "$peer" = curl ]; then
		curl -s -f "$CH_URL/?query=INSERT%20INTO%20bench.peer%20FORMAT%20TabSeparated" --data-binary @"$tmp/rows.tsv" >/dev/null
	else
		clickhouse-client --port "$CH_TCP_PORT" --query "INSERT INTO bench.peer FORMAT TabSeparated" <"$tmp/rows.tsv"
	fi
	end=$(date +%s.%N)
	got=$(chq "SELECT count() FROM bench.peer")
	[ "$got" = "$rows" ] || echo "warning: $peer inserted $got of $rows rows"
	result "peer_${peer//-/_}_exits_per_s" "$(awk -v n="$rows" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')" exits/s
done
stop_pid "$CH_PID"

# ---- 2. scrape at RATE exits/s ----
xsr=$dir/scrape-${RATE}x$((WINDOW + 6)).xsr
[ -f "$xsr" ] || "$TOP_SYNTH" -o "$xsr" --count $((RATE * (WINDOW + 6))) --rate "$RATE" --vcpus 8 --vms 4 >/dev/null
cat "$xsr" >/dev/null
SERVE_ADDR=127.0.0.1:$(free_port)
start_prometheus "$SERVE_ADDR"
serve_cpu() { awk '{print $14 + $15}' /proc/"$1"/stat; }
scrape_round() { # label, extra scrapes: serve's CPU over WINDOW/2 s with that many curl scrapes in it
	local t0 t1 i
	t0=$(serve_cpu "$spid")
	local start=$SECONDS
	for ((i = 0; i < $2; i++)); do
		curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "http://$SERVE_ADDR/metrics" >>"$tmp/scrapes.$1"
	done
	sleep $((WINDOW / 2 - (SECONDS - start) > 0 ? WINDOW / 2 - (SECONDS - start) : 0))
	t1=$(serve_cpu "$spid")
	awk -v t=$((t1 - t0)) -v hz="$HZ" -v s=$((SECONDS - start)) 'BEGIN { printf "%.2f", 100 * t / hz / s }'
}
EXITSCOPE_KVM=/nonexistent "$X" serve --metrics "$SERVE_ADDR" --replay "$xsr" --speed 1 >/dev/null 2>&1 &
spid=$!
cleanup_hooks+=("stop_pid $spid")
wait_http "http://$SERVE_ADDR/metrics" 10
sleep 1
quiet=$(scrape_round quiet 0)
busy=$(scrape_round busy "$SCRAPES")
result serve_cpu_pct_prometheus_only "$quiet" %
result serve_cpu_pct_with_extra_scrapes "$busy" "% ($SCRAPES curl scrapes in $((WINDOW / 2)) s)"
sort -n "$tmp/scrapes.busy" | awk '{ t[NR] = $1; b += $2 } END {
	p99 = int(NR * 0.99) + 1; if (p99 > NR) p99 = NR
	printf "RESULT scrape_latency_median_ms %.3f ms\nRESULT scrape_latency_p99_ms %.3f ms\nRESULT scrape_bytes %.0f bytes\n",
		1000 * t[int(NR / 2) + 1], 1000 * t[p99], b / NR }'
curl -s "http://$SERVE_ADDR/metrics" >"$tmp/m.txt"
result scrape_series "$(grep -vc '^#' "$tmp/m.txt")" series
result scrape_render_ms "$(awk '/^exitscope_scrape_render_seconds/ { printf "%.3f", 1000 * $2 }' "$tmp/m.txt")" ms
seen=$(awk '/^exitscope_records_total/ {print $2}' "$tmp/m.txt")
result serve_records_during_scrapes "$seen" records
result prometheus_scrape_duration_ms "$(prom_query 'avg_over_time(scrape_duration_seconds{job="exitscope"}[1m])' job |
	awk '{ printf "%.3f", 1000 * $NF }')" ms
# Peer: Prometheus's own endpoint (Go client library), scraped the same way.
for ((i = 0; i < SCRAPES; i++)); do
	curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "$PROM_URL/metrics" >>"$tmp/scrapes.peer"
done
sort -n "$tmp/scrapes.peer" | awk '{ t[NR] = $1; b += $2 } END {
	printf "RESULT peer_prometheus_metrics_latency_median_ms %.3f ms\nRESULT peer_prometheus_metrics_bytes %.0f bytes\n",
		1000 * t[int(NR / 2) + 1], b / NR }'
stop_pid "$spid"
exit 0
