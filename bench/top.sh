#!/usr/bin/env bash
# make bench-top: exitscope top under a heavy stream of exits, measured in one run.
#
#   1. Replay RATE exits/s (default 500000, recorded pace, speed 1) from a record file into the dashboard on an
#      80x24 tmux screen at a 1 s refresh. Over WINDOW seconds: CPU of the dashboard's own threads (the drawing
#      thread, which also aggregates, and the input thread), CPU of the replay thread that feeds it, and of the
#      whole process, from /proc/<pid>/task/*/stat; the rate on screen; records dropped.
#   2. While the stream goes on: key-to-screen latency, KEYS times: press v (switch table) and time until the
#      screen shows the other table (tmux capture-pane polled every few ms).
#   3. Side by side, the same window: procps top at a 1 s refresh on the same kind of screen, the reference
#      cost of a terminal dashboard on this machine. (There is no peer that can consume an exit stream here:
#      kvm_stat is not packaged in Debian 12, and perf kvm stat sees no kvm_exit on this PVM host.)
#   4. The fastest replay of a database into the dashboard (--batch, full speed), for --replay DB.
#   5. Live, the collector and the dashboard together (root): RATE exits/s from the BPF program's synthetic
#      producer (COLLECTOR_SYNTH --produce-only: getppid() calls the program turns into CPUID exits of that
#      process, through the same per-cause path as a real one: this host's KVM cannot reach 500k exits/s)
#      into `exitscope top -p PRODUCER` (EXITSCOPE_BENCH_SYNTHETIC=1 loads the producer), once in aggregation
#      mode (the default: counts in kernel maps) and once with --per-exit (every exit through the ring). Over
#      WINDOW seconds: CPU of the whole exitscope process (collector thread, dashboard, input) and of its
#      collector thread alone, the rate on screen, dropped. The BPF program's own time runs in the producer's
#      syscalls, not in exitscope: the producer's CPU is shown too (bench-collector measures it per event).
#      The synthetic exits are host events: this measures host-event mode (hosts like this one, where
#      kvm_exit does not fire); where it fires, a CPUID event without its kvm_exit is no exit.
#
# Environment: EXITSCOPE, TOP_SYNTH, COLLECTOR_SYNTH (set by make), TOP_BENCH_RATE, TOP_BENCH_WINDOW (s),
# TOP_BENCH_KEYS.
set -euo pipefail
: "${EXITSCOPE:?run through make bench-top}" "${TOP_SYNTH:?}" "${COLLECTOR_SYNTH:?}" "${BUILD:?}"
RATE=${TOP_BENCH_RATE:-500000}
WINDOW=${TOP_BENCH_WINDOW:-6}
KEYS=${TOP_BENCH_KEYS:-10}
WARMUP=2
RECORDED=$((WARMUP + WINDOW + KEYS / 2 + 6)) # seconds of records: enough to outlast every measurement
HZ=$(getconf CLK_TCK)
dir=$BUILD/bench
mkdir -p "$dir"
sock=xs-bench-top-$$
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { tmx kill-server 2>/dev/null || true; }
trap cleanup EXIT

file=$dir/top-${RATE}x${RECORDED}.xsr
if [ ! -f "$file" ]; then
	echo "generating $((RATE * RECORDED)) synthetic exits at $RATE/s into $file"
	"$TOP_SYNTH" -o "$file.tmp" --count $((RATE * RECORDED)) --rate "$RATE" --vcpus 4 --vms 2 --state-every 1000
	mv "$file.tmp" "$file"
fi
cat "$file" >/dev/null # into the page cache: the replay must not wait on the disk

# CPU ticks of each thread of pid: "comm ticks" lines.
thread_ticks() {
	local t
	for t in /proc/"$1"/task/*; do
		printf '%s %s\n' "$(cat "$t/comm")" "$(awk '{print $14 + $15}' "$t/stat")"
	done 2>/dev/null
}
proc_ticks() { awk '{print $14 + $15}' /proc/"$1"/stat; }
pct() { awk -v t="$1" -v s="$2" -v hz="$HZ" 'BEGIN { printf "%.2f", 100 * t / hz / s }'; }

tmx new-session -d -s dash -x 80 -y 24 \
	"env LANG=C.UTF-8 TERM=screen $EXITSCOPE top --replay $file --speed 1 --interval 1; sleep 30"
tmx new-session -d -s ref -x 80 -y 24 "env TERM=screen top -d 1"
top_pid= ref_pid=
for _ in $(seq 50); do # the panes' shells start the programs
	top_pid=$(pgrep -P "$(tmx display -p -t =dash: '#{pane_pid}')" -x exitscope || true)
	ref_pid=$(tmx display -p -t =ref: '#{pane_pid}')
	[ -n "$top_pid" ] && [ "$(cat /proc/"$ref_pid"/comm 2>/dev/null)" = top ] && break
	sleep 0.1
done
[ -n "$top_pid" ] || { echo "bench-top: exitscope did not start:" >&2; tmx capture-pane -p -t =dash: >&2; exit 1; }
sleep "$WARMUP"

# window PID [REF_PID]: sleep WINDOW seconds; sets before/after (PID's threads), proc (PID's ticks), ref
# (REF_PID's ticks) and secs
window() {
	local p0 p1 r0=0 r1=0 t0 t1
	before=$(thread_ticks "$1")
	p0=$(proc_ticks "$1")
	[ -n "${2:-}" ] && r0=$(proc_ticks "$2")
	t0=$(date +%s.%N)
	sleep "$WINDOW"
	after=$(thread_ticks "$1")
	p1=$(proc_ticks "$1")
	[ -n "${2:-}" ] && r1=$(proc_ticks "$2")
	t1=$(date +%s.%N)
	proc=$((p1 - p0)) ref=$((r1 - r0))
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
}
ticks_of() { # comm-regex, ticks listing
	awk -v re="$1" '$1 ~ re { s += $2 } END { print s + 0 }' <<<"$2"
}
# the header's rate and dropped count, from a captured screen
shown_rate() { sed -n '2s/^\([^ ]*\) exits\/s.*/\1/p' <<<"$1"; }
shown_dropped() { sed -n '2s/.*dropped \([^ ]*\) .*/\1/p' <<<"$1"; }

window "$top_pid" "$ref_pid"
screen=$(tmx capture-pane -p -t =dash:)
dash=$(($(ticks_of '^(exitscope|xs-top-input)$' "$after") - $(ticks_of '^(exitscope|xs-top-input)$' "$before")))
feed=$(($(ticks_of '^xs-top-replay$' "$after") - $(ticks_of '^xs-top-replay$' "$before")))
dash_pct=$(pct "$dash" "$secs")
feed_pct=$(pct "$feed" "$secs")
proc_pct=$(pct "$proc" "$secs")
ref_pct=$(pct "$ref" "$secs")
shown_rate=$(shown_rate "$screen")
dropped=$(shown_dropped "$screen")

# Key-to-screen latency while the stream goes on.
lat=()
for ((i = 0; i < KEYS; i++)); do
	want='per vCPU'
	[ $((i % 2)) -eq 1 ] && want='exit reasons'
	s=$(date +%s%N)
	tmx send-keys -t =dash: v
	until tmx capture-pane -p -t =dash: | sed -n 3p | grep -q "^$want"; do
		[ $(($(date +%s%N) - s)) -gt 5000000000 ] && { echo "bench-top: key $i took over 5 s" >&2; exit 1; }
	done
	lat+=($((($(date +%s%N) - s) / 1000000)))
	sleep 0.25
done
# The floor of that measurement: one send-keys + capture-pane round trip with nothing to wait for.
rt=()
for ((i = 0; i < KEYS; i++)); do
	s=$(date +%s%N)
	tmx send-keys -t =dash: ''
	tmx capture-pane -p -t =dash: >/dev/null
	rt+=($((($(date +%s%N) - s) / 1000000)))
done
rt_med=$(printf '%s\n' "${rt[@]}" | sort -n | sed -n "$(((KEYS + 1) / 2))p")
still=$(tmx capture-pane -p -t =dash: | sed -n 1p)
grep -q 'replaying' <<<"$still" || echo "warning: the replay ended before the key measurements did" >&2
sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
lat_med=$(sed -n "$(((KEYS + 1) / 2))p" <<<"$sorted")
lat_max=$(tail -n 1 <<<"$sorted")
tmx send-keys -t =dash: q

# The fastest replay of a database into the dashboard.
db=$dir/top-1M.db
if [ ! -f "$db" ]; then
	"$TOP_SYNTH" -o "$dir/top-1M.xsr" --count 1000000 --rate "$RATE" --vcpus 4 --vms 2 --state-every 1000
	"$EXITSCOPE" import "$dir/top-1M.xsr" -o "$db.tmp" >/dev/null
	mv "$db.tmp" "$db"
	rm -f "$dir/top-1M.xsr"
fi
s=$(date +%s%N)
"$EXITSCOPE" top --replay "$db" --speed 0 --batch -n 1000 >"$dir/top-db-batch.txt"
db_secs=$(awk -v ns=$(($(date +%s%N) - s)) 'BEGIN { print ns / 1e9 }')
grep -q 'replay finished: 1000000 records' "$dir/top-db-batch.txt" || { echo "bench-top: the database replay did not finish" >&2; exit 1; }
db_rate=$(awk -v s="$db_secs" 'BEGIN { printf "%.0f", 1000000 / s }')

cat <<EOF2

exitscope top, $RATE exits/s replayed (speed 1) on an 80x24 screen, 1 s refresh, $secs s window:
  dashboard threads (aggregation + drawing + input)  $dash_pct% of a core   (target < 5%)
  replay thread feeding it                           $feed_pct% of a core
  whole process                                      $proc_pct% of a core
  rate on screen $shown_rate exits/s, dropped $dropped
  key to screen (v, $KEYS presses): median $lat_med ms, max $lat_max ms   (one refresh = 1000 ms;
    a bare tmux send-keys + capture-pane round trip, the measurement's floor: median $rt_med ms)
  reference, same window: procps top -d 1 on the same kind of screen: $ref_pct% of a core
  database replay at full speed into the dashboard: $db_rate exits/s (1M exits in $db_secs s)
EOF2
printf 'RESULT\ttop\tdashboard_cpu_at_%s_per_s\t%s\t%%core\n' "$RATE" "$dash_pct"
printf 'RESULT\ttop\treplay_feed_cpu\t%s\t%%core\n' "$feed_pct"
printf 'RESULT\ttop\tprocess_cpu\t%s\t%%core\n' "$proc_pct"
printf 'RESULT\ttop\trate_on_screen\t%s\texits/s\n' "$shown_rate"
printf 'RESULT\ttop\tdropped\t%s\trecords\n' "$dropped"
printf 'RESULT\ttop\tkey_to_screen_median\t%s\tms\n' "$lat_med"
printf 'RESULT\ttop\tkey_to_screen_max\t%s\tms\n' "$lat_max"
printf 'RESULT\ttop\ttmux_round_trip_median\t%s\tms\n' "$rt_med"
printf 'RESULT\ttop\tprocps_top_cpu_same_window\t%s\t%%core\n' "$ref_pct"
printf 'RESULT\ttop\tdb_replay_full_speed\t%s\texits/s\n' "$db_rate"

# 5. Live: collector + dashboard in one process, both modes.
tmx kill-session -t =ref: 2>/dev/null || true
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-top: the live part needs root (BPF); skipped"
	exit 0
fi
# live_mode NAME [top options]: one window; prints the figures and RESULT lines
live_mode() {
	local name=$1 prod pid=
	shift
	"$COLLECTOR_SYNTH" --produce-only "$RATE" $((WARMUP + WINDOW + 8)) >"$dir/live-$name.producer" &
	prod=$!
	tmx new-session -d -s "live-$name" -x 80 -y 24 \
		"env EXITSCOPE_BENCH_SYNTHETIC=1 LANG=C.UTF-8 TERM=screen $EXITSCOPE top -p $prod --interval 1 $*; sleep 30"
	for _ in $(seq 50); do
		pid=$(pgrep -P "$(tmx display -p -t "=live-$name:" '#{pane_pid}')" -x exitscope || true)
		[ -n "$pid" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] || { echo "bench-top: exitscope top did not start:" >&2; tmx capture-pane -p -t "=live-$name:" >&2; exit 1; }
	sleep "$WARMUP"
	window "$pid" "$prod"
	local scr coll proc_pct coll_pct prod_pct rate drop
	scr=$(tmx capture-pane -p -t "=live-$name:")
	tmx send-keys -t "=live-$name:" q
	wait "$prod"
	coll=$(($(ticks_of '^xs-top-collect$' "$after") - $(ticks_of '^xs-top-collect$' "$before")))
	proc_pct=$(pct "$proc" "$secs")
	coll_pct=$(pct "$coll" "$secs")
	prod_pct=$(pct "$ref" "$secs")
	rate=$(shown_rate "$scr")
	drop=$(shown_dropped "$scr")
	printf '  %-10s exitscope %s%% of a core (collector thread %s%%), rate on screen %s exits/s, dropped %s;\n' \
		"$name" "$proc_pct" "$coll_pct" "$rate" "$drop"
	printf '             the producer (its getppid() calls and the BPF program they run) %s%%\n' "$prod_pct"
	sed -n 1,2p <<<"$scr" | sed 's/^/      /'
	{
		printf 'RESULT\ttop-live-%s\tprocess_cpu_at_%s_per_s\t%s\t%%core\n' "$name" "$RATE" "$proc_pct"
		printf 'RESULT\ttop-live-%s\tcollector_thread_cpu\t%s\t%%core\n' "$name" "$coll_pct"
		printf 'RESULT\ttop-live-%s\tproducer_cpu\t%s\t%%core\n' "$name" "$prod_pct"
		printf 'RESULT\ttop-live-%s\trate_on_screen\t%s\texits/s\n' "$name" "$rate"
		printf 'RESULT\ttop-live-%s\tdropped\t%s\texits\n' "$name" "$drop"
	} >>"$dir/live.results"
}
: >"$dir/live.results"
echo
echo "exitscope top live, collector + dashboard in one process, $RATE exits/s synthetic, $WINDOW s window:"
if "$EXITSCOPE" top --help 2>&1 | grep -q -- --per-exit; then
	live_mode aggregate
	live_mode per-exit --per-exit
else
	echo "  (this build's top has no aggregation mode: per-exit only)"
	live_mode per-exit
fi
cat "$dir/live.results"
