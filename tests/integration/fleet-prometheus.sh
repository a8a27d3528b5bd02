#!/usr/bin/env bash
# exitscope serve --metrics under a real Prometheus (Debian's, started here on 127.0.0.1): the endpoint passes
# `promtool check metrics`, Prometheus scrapes it while the source runs, and its query API returns per-reason
# counters equal to the source's own figures — a replay of a stored run (SQL counts of the store, works
# without KVM), and a guest launched by serve (the launcher's summary; under KVM where /dev/kvm works, else on
# the vmx backend in Bochs); with KVM also the live collector under a full-rate guest. Bad input: a port
# in use, a malformed address, malformed HTTP requests.
source "$(dirname "$0")/fleet-lib.bash"
need_tools
need_cmd promtool

# 30000 exits at 5000/s of recorded time: a 6-second replay at speed 1, so Prometheus scrapes it mid-run.
"$TOP_SYNTH" -o "$tmp/r.xsr" --count 30000 --rate 5000 --vcpus 3 >/dev/null || { echo "top-synth failed"; exit 1; }
"$X" import "$tmp/r.xsr" -o "$tmp/r.db" >/dev/null || { echo "import failed"; exit 1; }

# Compare Prometheus's per-reason sums with "reason count" lines in file $2.
compare_counts() {
	local what=$1 want=$2
	prom_query 'sum by (reason) (exitscope_exits_total)' | awk '{printf "%s %d\n", $1, $2}' | sort >"$tmp/got"
	sort "$want" >"$tmp/want"
	if [ -s "$tmp/want" ] && diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
		ok "$what: Prometheus per-reason counters equal the source's ($(wc -l <"$tmp/want") reasons)"
	else
		bad "$what: Prometheus per-reason counters differ: $(head -20 "$tmp/diff")"
	fi
}

# serve SOURCE-ARGS...: start serve on SERVE_ADDR (Prometheus already scrapes it); sets SERVE_PID; output in
# $tmp/serve.*
start_serve() {
	"$X" serve --metrics "$SERVE_ADDR" --json "$@" >"$tmp/serve.out" 2>"$tmp/serve.err" &
	SERVE_PID=$!
	cleanup_hooks+=("stop_pid $SERVE_PID")
	wait_http "http://$SERVE_ADDR/metrics" 10 && return 0
	echo "serve did not start: $(cat "$tmp/serve.err")"
	exit 1
}

# Prometheus holds a sample taken while the source ran, with some records but fewer than the whole run ($2).
check_mid_run() {
	local mid
	mid=$(prom_query 'min_over_time((exitscope_records_total > 0 and on() exitscope_source_running == 1)[5m:100ms])' |
		awk '{print $NF}')
	[ -n "$mid" ] && [ "$mid" -lt "$2" ] && ok "$1: Prometheus scraped the endpoint while the source ran (a sample at $mid of $2 records)" ||
		bad "$1: no scrape while the source ran (min records '$mid')"
}

# Wait for the summary line (the source ended) and two more scrapes after it.
wait_summary() {
	for _ in $(seq 600); do [ -s "$tmp/serve.out" ] && break; sleep 0.1; done
	sleep 1.5
}

# ---- a replay of a stored run (no KVM needed) ----
SERVE_ADDR=127.0.0.1:$(free_port)
start_prometheus "$SERVE_ADDR"
EXITSCOPE_KVM=/nonexistent start_serve --replay "$tmp/r.db" --speed 1
curl -s "http://$SERVE_ADDR/metrics" >"$tmp/m1.txt"
check "promtool check metrics passes on the endpoint's output (mid-replay)" promtool check metrics <"$tmp/m1.txt"
wait_summary
curl -s "http://$SERVE_ADDR/metrics" >"$tmp/m2.txt"
check "promtool check metrics passes on the endpoint's output (after the replay)" promtool check metrics <"$tmp/m2.txt"
"$X" query "$tmp/r.db" "SELECT exit_name(isa, reason), count(*) FROM exits GROUP BY 1" --format csv | tail -n +2 |
	tr , ' ' >"$tmp/want_sql"
compare_counts "replay" "$tmp/want_sql"
python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["reasons"]:
    print(r["name"], r["count"])' "$tmp/serve.out" >"$tmp/want_summary"
check "serve's own summary equals the store's counts" diff <(sort "$tmp/want_sql") <(sort "$tmp/want_summary")
check_mid_run replay 30000
scrapes=$(prom_query 'count_over_time(up{job="exitscope"}[5m])' job | awk '{print $NF}')
[ "${scrapes:-0}" -ge 10 ] && ok "$scrapes scrapes, all recorded by Prometheus" || bad "only '${scrapes:-0}' scrapes"
lat=$(prom_query 'sum(exitscope_exit_latency_seconds_count)' | awk '{print $NF}')
want_lat=$("$X" query "$tmp/r.db" "SELECT count(*) FROM exits WHERE latency_ns IS NOT NULL" --format csv | sed -n 2p)
[ "$lat" = "$want_lat" ] && ok "latency histogram counts equal the store's ($lat)" ||
	bad "latency histogram count $lat, store $want_lat"
grep -q '^exitscope_ring_full_total{cpu=' "$tmp/m2.txt" && grep -q '^exitscope_collector_cpu_seconds_total{mode="user"}' "$tmp/m2.txt" &&
	ok "loss counters and the process's CPU time are exported" || bad "loss or CPU series missing"

# ---- HTTP: what a scraper or a stray client may send ----
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(status "http://$SERVE_ADDR/nope")" = 404 ] && ok "unknown path: 404" || bad "unknown path not 404"
[ "$(status -X POST "http://$SERVE_ADDR/metrics")" = 405 ] && ok "POST: 405" || bad "POST not 405"
[ "$(status -I "http://$SERVE_ADDR/metrics")" = 200 ] && ok "HEAD: 200" || bad "HEAD not 200"
raw() { # send $1 raw, print the status line
	local host=${SERVE_ADDR%:*} port=${SERVE_ADDR##*:}
	exec 3<>"/dev/tcp/$host/$port"
	printf '%b' "$1" >&3
	head -1 <&3 | tr -d '\r'
	exec 3<&-
}
[ "$(raw 'GARBAGE\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ] && ok "a malformed request line: 400" || bad "malformed: not 400"
[ "$(raw 'GET /metrics HTTP/2.0\r\n\r\n')" = "HTTP/1.1 505 HTTP Version Not Supported" ] && ok "HTTP/2.0 request line: 505" ||
	bad "HTTP/2.0 not 505"
[ "$(raw "GET /metrics HTTP/1.1\r\nX: $(head -c 9000 /dev/zero | tr '\0' a)\r\n\r\n")" = "HTTP/1.1 431 Request Header Fields Too Large" ] &&
	ok "a 9 KB head: 431" || bad "a 9 KB head: not 431"
exec 4<>"/dev/tcp/${SERVE_ADDR%:*}/${SERVE_ADDR##*:}" # a silent client: the next scrape waits at most 2 s
start=$SECONDS
[ "$(status "http://$SERVE_ADDR/metrics")" = 200 ] && ok "a scrape after a silent client is answered" ||
	bad "no answer after a silent client"
exec 4<&-

# ---- bad input: one line, non-zero status ----
expect_fail "a port in use: one line, status 1" 1 "cannot listen on $SERVE_ADDR: Address already in use" \
	env EXITSCOPE_KVM=/nonexistent "$X" serve --metrics "$SERVE_ADDR" --replay "$tmp/r.db"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok "... and exactly one line" || bad "port in use: $(wc -l <"$tmp/err") lines"
expect_fail "a malformed address" 1 "is not ADDR:PORT" "$X" serve --metrics 127.0.0.1 --replay "$tmp/r.db"
expect_fail "no --metrics" 2 "give --metrics" "$X" serve --replay "$tmp/r.db"
expect_fail "a missing store" 1 "nope.db" "$X" serve --metrics 127.0.0.1:0 --replay "$tmp/nope.db"
stop_pid "$SERVE_PID"
stop_pid "$PROM_PID"

# ---- a guest launched by serve: under KVM where /dev/kvm works, else on the kmod-vmx core in Bochs ----
kvm=0
[ -e "${EXITSCOPE_KVM:-/dev/kvm}" ] && "$X" run --guest cpuid --backend kvm --iterations 10 >/dev/null 2>&1 && kvm=1
launch=()
if [ $kvm = 1 ]; then
	launch=(--run mixed --backend kvm --iterations 30000)
elif "$X" run --guest cpuid --backend vmx --iterations 10 >/dev/null 2>&1; then
	launch=(--run cpuid --backend vmx --iterations 4000) # Bochs: ~1000 exits/s
fi
if [ ${#launch[@]} -gt 0 ]; then
	rm -rf "$tmp/prom"
	SERVE_ADDR=127.0.0.1:$(free_port)
	start_prometheus "$SERVE_ADDR"
	start_serve "${launch[@]}"
	wait_summary
	python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["reasons"]:
    print(r["name"], r["count"])' "$tmp/serve.out" >"$tmp/want_run"
	total=$(awk '{s += $2} END {print s}' "$tmp/want_run")
	handled=$(sed -n 's/.*: \([0-9]*\) exits handled.*/\1/p' "$tmp/serve.err")
	[ -n "$handled" ] && [ "$handled" = "$total" ] && ok "launched guest: summary total $total = the launcher's $handled exits" ||
		bad "launched guest: summary $total, launcher '$handled' ($(cat "$tmp/serve.err"))"
	compare_counts "launched guest" "$tmp/want_run"
	check_mid_run "launched guest" "$total"
	stop_pid "$SERVE_PID"

	# ---- live: the collector at full rate while a guest runs in another process (under KVM) ----
	if [ $kvm = 1 ] && [ "$(id -u)" = 0 ]; then # the collector needs root
		stop_pid "$PROM_PID"
		rm -rf "$tmp/prom"
		SERVE_ADDR=127.0.0.1:$(free_port)
		start_prometheus "$SERVE_ADDR"
		start_serve
		sleep 1
		"$X" run --guest cpuid --iterations 300000 --json >"$tmp/live_run.json" 2>/dev/null &
		rpid=$!
		slow=0 n=0
		while kill -0 "$rpid" 2>/dev/null; do # scrape as fast as curl goes while the guest runs
			t=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "http://$SERVE_ADDR/metrics") || slow=$((slow + 1))
			n=$((n + 1))
			awk -v t="$t" 'BEGIN { exit !(t > 1) }' && slow=$((slow + 1))
		done
		wait "$rpid"
		vpid=$(prom_query 'sum by (pid) (exitscope_exits_total{pid!="other"})' pid | awk '$2 > 100000 {print $1}' | head -1)
		[ "$slow" = 0 ] && [ "$n" -ge 5 ] && ok "live: $n scrapes during a full-rate guest, none slower than 1 s" ||
			bad "live: $slow of $n scrapes failed or took over 1 s"
		sleep 1.5
		got=$(prom_query "sum(exitscope_exits_total{pid=\"$rpid\"})" | awk '{print $NF}')
		[ "${got:-0}" -gt 300000 ] && ok "live: Prometheus holds ${got} exits of the guest's process $rpid (300000 CPUID loops)" ||
			bad "live: Prometheus holds '${got:-}' exits of pid $rpid (any pid over 100000: '$vpid')"
		stop_pid "$SERVE_PID"
	fi
else
	echo "note: neither KVM nor the vmx backend runs guests here: the launched-guest and live cases did not run"
fi
finish
