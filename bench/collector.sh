#!/usr/bin/env bash
# bench-collector: the cost of watching VM exits, measured side by side on one workload.
#
# For each workload (the launcher's io guest: userspace port exits; its cpuid guest: exits handled in the
# kernel), BENCH_REPEATS rounds (default 5), each running the workload once untraced, once under `exitscope
# record`, once under `perf record -e 'kvm:*'`, once under bpftrace counting the tracepoints exitscope uses
# (the order rotates each round: this host's 2 cores are shared and noisy). Reported per tool: the workload's
# throughput (median) and its ratio to untraced, the tool's events/s, the events it lost, its own CPU in % of
# one core, and for the BPF tools the in-kernel cost per event from kernel.bpf_stats_enabled. Then the
# consumer alone at 500k events/s from the BPF program's synthetic producer (bench/collector_synth.c).
#
# Every figure is printed as RESULT<TAB>bench<TAB>metric<TAB>value<TAB>unit. Needs root.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
X=${EXITSCOPE:-$BUILD/exitscope}
SYNTH=${COLLECTOR_SYNTH:-$BUILD/bench/collector-synth}
REPEATS=${BENCH_REPEATS:-5}
TOOLS=(none exitscope perf bpftrace)
WORKLOADS=("io:--guest io --mode long --iterations 4000" "cpuid:--guest cpuid --mode long --iterations 100000")
# The tracepoints exitscope attaches by default (and its KVM_RUN hook), for bpftrace to count the same.
TRACEPOINTS="kvm_exit kvm_entry kvm_pio kvm_mmio kvm_msr kvm_cr kvm_cpuid kvm_hypercall kvm_userspace_exit kvm_inj_exception kvm_page_fault"

[ "$(id -u)" -eq 0 ] || { echo "bench-collector: needs root"; exit 1; }
for t in perf bpftrace bpftool python3; do
	command -v $t >/dev/null || { echo "bench-collector: $t is missing (scripts/deps.sh bench)"; exit 1; }
done
work=$(mktemp -d /tmp/bench-collector.XXXXXX)
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
tool_pid=
cleanup() {
	[ -n "$tool_pid" ] && kill -INT "$tool_pid" 2>/dev/null
	echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$work"
}
trap cleanup EXIT
echo 1 >/proc/sys/kernel/bpf_stats_enabled

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# bpf_cost PID: "run_time_ns run_cnt" summed over the BPF programs process PID holds (their fdinfo)
bpf_cost() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^run_time_ns:/ {t += $2} /^run_cnt:/ {c += $2} END {print t+0, c+0}'
}

wait_for() { # file, pattern
	for _ in $(seq 1 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

start_tool() { # tool, round tag
	local tp=
	case $1 in
	none) tool_pid= ;;
	exitscope)
		"$X" record -o "$work/x.xsr" >"$work/tool.out" 2>"$work/tool.err" &
		tool_pid=$!
		wait_for "$work/tool.err" 'recording with' ;;
	perf)
		perf record -q -e 'kvm:*' -a -o "$work/perf.data" >"$work/tool.out" 2>"$work/tool.err" &
		tool_pid=$!
		sleep 2 ;; # perf says nothing when it is ready; opening ~90 tracepoints per CPU takes about 1 s
	bpftrace)
		for t in $TRACEPOINTS; do tp="$tp${tp:+,}tracepoint:kvm:$t"; done
		bpftrace -e "$tp { @[probe] = count(); }" >"$work/tool.out" 2>"$work/tool.err" &
		tool_pid=$!
		wait_for "$work/tool.out" 'Attaching' && sleep 1 ;;
	esac
}

# stop_tool TOOL: stop it and set events, lost, bpf_ns, bpf_cnt for the round (not in a subshell: it waits)
stop_tool() {
	events=0 lost=0 bpf_ns=0 bpf_cnt=0
	[ "$1" = none ] && return
	read -r bpf_ns bpf_cnt < <(bpf_cost "$tool_pid")
	kill -INT "$tool_pid"
	wait "$tool_pid" 2>/dev/null
	tool_pid=
	case $1 in
	exitscope)
		events=$(python3 tests/integration/collector_xsr.py meta "$work/x.xsr" counter.events)
		lost=$(python3 tests/integration/collector_xsr.py meta "$work/x.xsr" counter.dropped.ring) ;;
	perf)
		# the first SAMPLE line is the total; LOST lines appear only when perf lost something
		read -r events lost < <(perf report -i "$work/perf.data" --stats 2>/dev/null | awk '
			/SAMPLE events:/ && !s {s = $3} /LOST events:/ {l += $3} /LOST_SAMPLES events:/ {l += $3}
			END {print s+0, l+0}') ;;
	bpftrace)
		events=$(awk -F': ' '/^@\[/ {n += $2} END {print n+0}' "$work/tool.out") ;;
	esac
}

hz=$(getconf CLK_TCK)
for w in "${WORKLOADS[@]}"; do
	name=${w%%:*}
	args=${w#*:}
	iterations=$(echo "$args" | awk '{for (i = 1; i < NF; i++) if ($i == "--iterations") print $(i + 1)}')
	: >"$work/$name.tsv"
	for round in $(seq 1 "$REPEATS"); do
		n=${#TOOLS[@]}
		for i in $(seq 0 $((n - 1))); do
			tool=${TOOLS[$(((i + round) % n))]}
			tstart=$(date +%s.%N)
			start_tool "$tool" || { echo "bench-collector: $tool did not start"; cat "$work/tool.err"; exit 1; }
			c0=0
			[ -n "$tool_pid" ] && c0=$(cpu_ticks "$tool_pid")
			t0=$(date +%s.%N)
			"$X" run $args >/dev/null 2>&1 || { echo "bench-collector: exitscope run $args failed"; exit 1; }
			t1=$(date +%s.%N)
			c1=0
			[ -n "$tool_pid" ] && c1=$(cpu_ticks "$tool_pid")
			stop_tool "$tool"
			te=$(date +%s.%N)
			echo "$tool $t0 $t1 $((c1 - c0)) $events $lost $bpf_ns $bpf_cnt $tstart $te" >>"$work/$name.tsv"
		done
	done
	python3 - "$work/$name.tsv" "$name" "$iterations" "$hz" <<'PY'
import statistics, sys
path, name, iterations, hz = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = {}
for line in open(path):
    tool, t0, t1, ticks, events, lost, bpf_ns, bpf_cnt, ts, te = line.split()
    secs = float(t1) - float(t0)
    # events/s over the tool's whole run (start to stop): it traces every VM on the host, not just ours
    rows.setdefault(tool, []).append((iterations / secs, secs, int(ticks) / hz, int(events), int(lost),
                                      int(bpf_ns), int(bpf_cnt), float(te) - float(ts)))
base = statistics.median(r[0] for r in rows["none"])
print(f"\n== {name}: {iterations} iterations, median of {len(rows['none'])} interleaved rounds")
print(f"{'tool':10} {'iter/s':>10} {'ratio':>6} {'events/s':>10} {'lost':>8} {'tool CPU':>9} {'BPF ns/ev':>9}")
for tool in ("none", "exitscope", "perf", "bpftrace"):
    r = rows[tool]
    tput = statistics.median(x[0] for x in r)
    eps = statistics.median(x[3] / x[7] for x in r)
    lost = sum(x[4] for x in r)
    cpu = statistics.median(100 * x[2] / x[1] for x in r)
    cnt = sum(x[6] for x in r)
    bpf = sum(x[5] for x in r) / cnt if cnt else 0
    print(f"{tool:10} {tput:10.0f} {tput / base:6.3f} {eps:10.0f} {lost:8d} {cpu:8.1f}% {bpf:9.0f}")
    b = f"collector-{name}-{tool}"
    print(f"RESULT\t{b}\tthroughput\t{tput:.0f}\titerations/s")
    print(f"RESULT\t{b}\tratio_to_untraced\t{tput / base:.3f}\tx")
    if tool != "none":
        print(f"RESULT\t{b}\tevents_per_s\t{eps:.0f}\tevents/s")
        print(f"RESULT\t{b}\tevents_lost\t{lost}\tevents")
        print(f"RESULT\t{b}\ttool_cpu\t{cpu:.1f}\t% of one core")
    if cnt:
        print(f"RESULT\t{b}\tbpf_cost\t{bpf:.0f}\tns/event")
PY
done

echo
echo "== the consumer alone, 500k events/s from the synthetic producer"
"$SYNTH" 500000 5 || exit 1
"$SYNTH" 500000 5 "$work/synth.xsr" || exit 1
