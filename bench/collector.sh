#!/usr/bin/env bash
# bench-collector: the cost of watching VM exits, measured side by side on one workload.
#
# For each workload (the launcher's io guest: userspace port exits; its cpuid guest: exits handled in the
# kernel):
#
# 1. Throughput: BENCH_REPEATS rounds (default 7), each running the workload once untraced, once under
#    `exitscope record` (per-exit mode: every event through the ring), once under `exitscope record --summary`
#    (exitscope-agg: aggregation mode, counts and latency histograms in kernel maps, no ring record), once
#    under `perf record -e 'kvm:*'`, once under bpftrace counting the tracepoints exitscope uses (kvm_fpu
#    included: exitscope binds threads to vCPUs there) and once under bpftrace counting only the exit
#    tracepoints (bpftrace-exits: what the previous exitscope attached, short of its KVM_RUN hook); the order
#    rotates each round: this host's 2 cores are shared and noisy. Reported per tool: the workload's
#    throughput (median) and its ratio to untraced, the tool's events/s (exitscope-agg: exits counted), the
#    events it lost (exitscope-agg: exits the cell map had no room for), its own CPU in % of one core.
#    kernel.bpf_stats_enabled is off here: its two clock reads around every BPF program would tax the tool
#    that runs more programs.
# 2. BPF cost: BENCH_COST_REPEATS rounds (default 3) with kernel.bpf_stats_enabled on, exitscope (both modes)
#    and then bpftrace each traced next to bench/collector_floor.bpf.c, our yardstick (an empty program, one that
#    takes a timestamp, one that writes the least possible ring event, one that writes it into per-CPU slots
#    without the ring's helpers, one probe read, one read through bpf_rdonly_cast) on the workload's busiest
#    tracepoints, in the same run. Reported: run_time_ns / run_cnt over the tool's programs (the cost per
#    event), the BPF time per workload exit, exitscope's programs one by one, and the yardstick's.
#
# Then the consumer alone at 500k events/s from the BPF program's synthetic producer (bench/collector_synth.c,
# median of BENCH_SYNTH_REPEATS runs, default 3), with a null sink and with a record file.
#
# EXITSCOPE_BASELINE=/path/to/an/older/exitscope adds that build as one more tool (exitscope-baseline) to both
# phases: before/after figures of a change, measured side by side.
#
# Every figure is printed as RESULT<TAB>bench<TAB>metric<TAB>value<TAB>unit. Needs root.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
X=${EXITSCOPE:-$BUILD/exitscope}
SYNTH=${COLLECTOR_SYNTH:-$BUILD/bench/collector-synth}
FLOOR=${COLLECTOR_FLOOR:-$BUILD/bench/collector-floor}
REPEATS=${BENCH_REPEATS:-7}
COST_REPEATS=${BENCH_COST_REPEATS:-3}
SYNTH_REPEATS=${BENCH_SYNTH_REPEATS:-3}
TOOLS=(none exitscope exitscope-agg perf bpftrace bpftrace-exits)
COST_TOOLS=(exitscope exitscope-agg bpftrace bpftrace-exits)
BASELINE=${EXITSCOPE_BASELINE:-}
if [ -n "$BASELINE" ]; then
	TOOLS+=(exitscope-baseline)
	COST_TOOLS+=(exitscope-baseline)
fi
# name:floor tracepoints:exitscope run arguments
WORKLOADS=("io:kvm_pio,kvm_userspace_exit:--guest io --mode long --iterations 8000"
	"cpuid:kvm_cpuid:--guest cpuid --mode long --iterations 100000")
# The tracepoints exitscope attaches by default, for bpftrace to count the same (bpftrace-exits: without kvm_fpu).
EXIT_TRACEPOINTS="kvm_exit kvm_entry kvm_pio kvm_mmio kvm_msr kvm_cr kvm_cpuid kvm_hypercall kvm_userspace_exit kvm_inj_exception kvm_page_fault"
TRACEPOINTS="$EXIT_TRACEPOINTS kvm_fpu"

[ "$(id -u)" -eq 0 ] || { echo "bench-collector: needs root"; exit 1; }
for t in perf bpftrace bpftool python3 /usr/bin/time; do
	command -v $t >/dev/null || { echo "bench-collector: $t is missing (scripts/deps.sh bench)"; exit 1; }
done
work=$(mktemp -d /tmp/bench-collector.XXXXXX)
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
tool_pid= floor_pid=
cleanup() {
	[ -n "$tool_pid" ] && kill -INT "$tool_pid" 2>/dev/null
	[ -n "$floor_pid" ] && kill -INT "$floor_pid" 2>/dev/null
	echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$work"
}
trap cleanup EXIT
echo 0 >/proc/sys/kernel/bpf_stats_enabled

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

source bench/bpf-stats.bash # prog_stats (the working directory is the repository's root)

wait_for() { # file, pattern
	for _ in $(seq 1 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

start_tool() { # tool
	local tp=
	case $1 in
	none) tool_pid= ;;
	exitscope | exitscope-baseline)
		local x=$X
		[ "$1" = exitscope-baseline ] && x=$BASELINE
		"$x" record -o "$work/x.xsr" >"$work/tool.out" 2>"$work/tool.err" &
		tool_pid=$!
		wait_for "$work/tool.err" 'recording with' ;;
	exitscope-agg)
		"$X" record --summary --json >"$work/tool.out" 2>"$work/tool.err" &
		tool_pid=$!
		wait_for "$work/tool.err" 'recording with' ;;
	perf)
		perf record -q -e 'kvm:*' -a -o "$work/perf.data" >"$work/tool.out" 2>"$work/tool.err" &
		tool_pid=$!
		sleep 2 ;; # perf says nothing when it is ready; opening ~90 tracepoints per CPU takes about 1 s
	bpftrace | bpftrace-exits)
		local list=$TRACEPOINTS
		[ "$1" = bpftrace-exits ] && list=$EXIT_TRACEPOINTS
		for t in $list; do tp="$tp${tp:+,}tracepoint:kvm:$t"; done
		bpftrace -e "$tp { @[probe] = count(); }" >"$work/tool.out" 2>"$work/tool.err" &
		tool_pid=$!
		wait_for "$work/tool.out" 'Attaching' && sleep 1 ;;
	esac
}

# stop_tool TOOL: stop it and set events, lost for the round (not in a subshell: it waits); with
# keep_stats=1, first save its programs' statistics in $work/progs
stop_tool() {
	events=0 lost=0
	[ "$1" = none ] && return
	[ "${keep_stats:-0}" = 1 ] && prog_stats "$tool_pid" >"$work/progs"
	kill -INT "$tool_pid"
	# bpftrace sometimes misses a SIGINT (seen stuck in epoll_wait for minutes): ask again every 5 s
	local k
	for k in $(seq 1 600); do
		kill -0 "$tool_pid" 2>/dev/null || break
		[ $((k % 50)) -eq 0 ] && kill -INT "$tool_pid"
		sleep 0.1
	done
	wait "$tool_pid" 2>/dev/null
	tool_pid=
	case $1 in
	exitscope | exitscope-baseline)
		events=$(python3 tests/integration/collector_xsr.py meta "$work/x.xsr" counter.events)
		lost=$(python3 tests/integration/collector_xsr.py meta "$work/x.xsr" counter.dropped.ring) ;;
	exitscope-agg) # events: the exits it counted; lost: those the cell map had no room for
		read -r events lost < <(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(s["total"], s["collector"]["agg_full"])' "$work/tool.out") ;;
	perf)
		# the first SAMPLE line is the total; LOST lines appear only when perf lost something
		read -r events lost < <(perf report -i "$work/perf.data" --stats 2>/dev/null | awk '
			/SAMPLE events:/ && !s {s = $3} /LOST events:/ {l += $3} /LOST_SAMPLES events:/ {l += $3}
			END {print s+0, l+0}') ;;
	bpftrace | bpftrace-exits)
		events=$(awk -F': ' '/^@\[/ {n += $2} END {print n+0}' "$work/tool.out") ;;
	esac
}

# run_workload ARGS: exitscope run ARGS; sets wpid, the workload's process id, and wcpu, its CPU seconds (user
# and system: the guest's time and the tracepoints' programs, which run in its threads)
run_workload() {
	# shellcheck disable=SC2016
	/usr/bin/time -f "%U %S" -o "$work/run.time" bash -c 'echo $$ >"$0"; exec "$@"' "$work/run.pid" \
		"$X" run "$@" >"$work/run.out" 2>&1 ||
		{ echo "bench-collector: exitscope run $* failed"; cat "$work/run.out"; exit 1; }
	wpid=$(cat "$work/run.pid")
	wcpu=$(awk '{print $1 + $2}' "$work/run.time")
}

hz=$(getconf CLK_TCK)
for w in "${WORKLOADS[@]}"; do
	name=${w%%:*}
	rest=${w#*:}
	floor_tps=${rest%%:*}
	args=${rest#*:}
	iterations=$(echo "$args" | awk '{for (i = 1; i < NF; i++) if ($i == "--iterations") print $(i + 1)}')
	: >"$work/$name.tsv"
	: >"$work/$name.cost"
	# 1. throughput
	for round in $(seq 1 "$REPEATS"); do
		n=${#TOOLS[@]}
		for i in $(seq 0 $((n - 1))); do
			tool=${TOOLS[$(((i + round) % n))]}
			tstart=$(date +%s.%N)
			start_tool "$tool" || { echo "bench-collector: $tool did not start"; cat "$work/tool.err"; exit 1; }
			c0=0
			[ -n "$tool_pid" ] && c0=$(cpu_ticks "$tool_pid")
			t0=$(date +%s.%N)
			# shellcheck disable=SC2086
			run_workload $args
			t1=$(date +%s.%N)
			c1=0
			[ -n "$tool_pid" ] && c1=$(cpu_ticks "$tool_pid")
			stop_tool "$tool"
			# the workload's exits: what exitscope recorded of its process
			pexits=0
			[ "$tool" = exitscope ] && pexits=$(python3 tests/integration/collector_xsr.py count "$work/x.xsr" --pid "$wpid")
			te=$(date +%s.%N)
			echo "$round $tool $t0 $t1 $((c1 - c0)) $events $lost $tstart $te $wcpu $pexits" >>"$work/$name.tsv"
		done
	done
	# 2. BPF cost, each tool next to the yardstick
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	for round in $(seq 1 "$COST_REPEATS"); do
		for tool in "${COST_TOOLS[@]}"; do
			# shellcheck disable=SC2086
			"$FLOOR" ${floor_tps//,/ } >"$work/floor.out" 2>"$work/floor.err" &
			floor_pid=$!
			wait_for "$work/floor.err" ready || { echo "bench-collector: collector-floor did not start"; cat "$work/floor.err"; exit 1; }
			start_tool "$tool" || { echo "bench-collector: $tool did not start"; cat "$work/tool.err"; exit 1; }
			# shellcheck disable=SC2086
			run_workload $args
			keep_stats=1 stop_tool "$tool"
			kill -INT "$floor_pid"
			wait "$floor_pid"
			floor_pid=
			# the workload's exits: what exitscope recorded of its process (the guest is deterministic, so the
			# bpftrace rounds that follow ran as many)
			[ "$tool" = exitscope ] &&
				exits=$(python3 tests/integration/collector_xsr.py count "$work/x.xsr" --pid "$wpid")
			echo "$tool $round $exits exits - 0 0" >>"$work/$name.cost"
			awk -v tool="$tool" -v round="$round" '{print tool, round, 0, "prog", $1, $2, $3}' "$work/progs" \
				>>"$work/$name.cost"
			awk -v tool="$tool" -v round="$round" -F'\t' '/^RESULT/ && $3 !~ /_runs$/ {
				sub("collector-floor-", "", $2); print tool, round, 0, "floor", $2 ":" $3, $4, 1}' \
				"$work/floor.out" >>"$work/$name.cost"
		done
	done
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
	python3 - "$work/$name.tsv" "$work/$name.cost" "$name" "$iterations" "$hz" <<'PY'
import statistics, sys
path, cost_path, name, iterations, hz = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
# one row per round and tool; ratios are paired: each run against the untraced run of its own round
rows, by_round, wexits = {}, {}, []
for line in open(path):
    rnd, tool, t0, t1, ticks, events, lost, ts, te, wcpu, pexits = line.split()
    secs = float(t1) - float(t0)
    # events/s over the tool's whole run (start to stop): it traces every VM on the host, not just ours
    row = dict(tput=iterations / secs, secs=secs, cpu=int(ticks) / hz, events=int(events), lost=int(lost),
               span=float(te) - float(ts), wcpu=float(wcpu))
    rows.setdefault(tool, []).append(row)
    by_round.setdefault(rnd, {})[tool] = row
    if int(pexits):
        wexits.append(int(pexits))
workload_exits = statistics.median(wexits) if wexits else 0

def paired(tool, f):
    return statistics.median(f(r[tool], r["none"]) for r in by_round.values() if tool in r and "none" in r)

# cost rows: tool round exits kind name value count ("exits": the workload's exits in that round)
progs, floor, exits, rounds = {}, {}, {}, set()
for line in open(cost_path):
    tool, rnd, nexits, kind, pname, value, count = line.split()
    rounds.add(rnd)
    if kind == "exits":
        exits[tool] = exits.get(tool, 0) + int(nexits)
    elif kind == "prog":
        p = progs.setdefault(tool, {}).setdefault(pname, [0, 0])
        p[0] += int(value)
        p[1] += int(count)
    elif tool == "exitscope":
        floor.setdefault(pname, []).append(float(value))

def cost(tool):
    t = sum(v[0] for v in progs.get(tool, {}).values())
    c = sum(v[1] for v in progs.get(tool, {}).values())
    return (t / c if c else 0, t / exits[tool] if exits.get(tool) else 0)

print(f"\n== {name}: {iterations} iterations ({workload_exits:.0f} exits), {len(by_round)} interleaved rounds, bpf_stats off")
print("   ratio: median over rounds of (throughput with the tool / untraced throughput of the same round);")
print("   best: the tool's fastest run / the fastest untraced run (other jobs only ever slow a run down)")
print("   +CPU/exit: the workload's own CPU time (guest and tracepoints) above the same round's untraced run")
print(f"{'tool':18} {'iter/s':>10} {'ratio':>6} {'best':>6} {'+CPU/exit':>10} {'events/s':>10} {'lost':>8} {'tool CPU':>9} {'BPF ns/ev':>9} {'BPF ns/exit':>11}")
for tool in ("none", "exitscope", "exitscope-agg", "exitscope-baseline", "perf", "bpftrace", "bpftrace-exits"):
    if tool not in rows:
        continue
    r = rows[tool]
    tput = statistics.median(x["tput"] for x in r)
    ratio = paired(tool, lambda t, n: t["tput"] / n["tput"])
    best = max(x["tput"] for x in r) / max(x["tput"] for x in rows["none"])
    extra = paired(tool, lambda t, n: t["wcpu"] - n["wcpu"]) * 1e9 / workload_exits if workload_exits else 0
    eps = statistics.median(x["events"] / x["span"] for x in r)
    lost = sum(x["lost"] for x in r)
    cpu = statistics.median(100 * x["cpu"] / x["secs"] for x in r)
    per_ev, per_exit = cost(tool) if tool in progs else (0, 0)
    print(f"{tool:18} {tput:10.0f} {ratio:6.3f} {best:6.3f} {extra:10.0f} {eps:10.0f} {lost:8d} {cpu:8.1f}% {per_ev:9.0f} {per_exit:11.0f}")
    b = f"collector-{name}-{tool}"
    print(f"RESULT\t{b}\tthroughput\t{tput:.0f}\titerations/s")
    print(f"RESULT\t{b}\tratio_to_untraced\t{ratio:.3f}\tx")
    print(f"RESULT\t{b}\tbest_ratio_to_untraced\t{best:.3f}\tx")
    if tool != "none":
        print(f"RESULT\t{b}\tworkload_cpu_per_exit\t{extra:.0f}\tns/exit")
        print(f"RESULT\t{b}\tevents_per_s\t{eps:.0f}\tevents/s")
        print(f"RESULT\t{b}\tevents_lost\t{lost}\tevents")
        print(f"RESULT\t{b}\ttool_cpu\t{cpu:.1f}\t% of one core")
    if tool in progs:
        print(f"RESULT\t{b}\tbpf_cost\t{per_ev:.0f}\tns/event")
        print(f"RESULT\t{b}\tbpf_ns_per_exit\t{per_exit:.0f}\tns/exit")
print(f"-- BPF cost: kernel.bpf_stats_enabled, {len(rounds)} rounds, each tool next to the yardstick in the same run")
for tool in ("exitscope", "exitscope-agg", "exitscope-baseline"):
    for pname, (t, c) in sorted(progs.get(tool, {}).items()):
        runs = c / exits[tool] if exits.get(tool) else 0
        if runs >= 0.01:  # the workload's programs (others ran a few times, for other VMs or at start)
            print(f"   {tool:18} {pname:22} {t / c:6.0f} ns/run  {runs:5.2f} runs/exit")
            print(f"RESULT\tcollector-{name}-{tool}-{pname}\tbpf_cost\t{t / c:.0f}\tns/event")
for pname in sorted(floor):
    v = statistics.median(floor[pname])
    print(f"   {'yardstick':18} {pname:33} {v:6.0f} ns/run (beside exitscope)")
    tp, prog = pname.split(":")
    print(f"RESULT\tcollector-{name}-yardstick-{tp}\t{prog}\t{v:.0f}\tns/event")
PY
done

echo
echo "== the consumer alone, 500k events/s from the synthetic producer (median of $SYNTH_REPEATS runs)"
for sink in null xsr; do
	: >"$work/synth-$sink.results"
	for _ in $(seq 1 "$SYNTH_REPEATS"); do
		out=()
		[ $sink = xsr ] && out=("$work/synth.xsr")
		"$SYNTH" 500000 5 "${out[@]}" >"$work/synth.out" || exit 1
		grep -v '^RESULT' "$work/synth.out"
		grep '^RESULT' "$work/synth.out" >>"$work/synth-$sink.results"
	done
	python3 - "$work/synth-$sink.results" <<'PY'
import statistics, sys
vals = {}
for line in open(sys.argv[1]):
    _, bench, metric, value, unit = line.rstrip("\n").split("\t")
    vals.setdefault((bench, metric, unit), []).append(float(value))
for (bench, metric, unit), v in vals.items():
    m = statistics.median(v)
    print(f"RESULT\t{bench}\t{metric}\t{m:.2f}\t{unit}" if metric == "consumer_cpu" else f"RESULT\t{bench}\t{metric}\t{m:.0f}\t{unit}")
PY
done
