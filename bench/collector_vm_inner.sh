#!/usr/bin/env bash
# bench-collector-vm, the part that runs inside the QEMU AMD-V test host (bench/collector_vm.sh boots it): the
# peers that need kvm:kvm_exit, which never fires on this project's development host, measured side by side.
#
# TCG TIMING IS NOT HARDWARE TIMING. The test host is Debian's kernel with kvm-amd under QEMU's TCG emulation of
# SVM on one emulated CPU: every instruction is emulated, a guest exit costs tens of microseconds, and the
# tools share that one CPU with the workload. Only ratios between tools measured in the same run mean
# anything; no figure here is an absolute cost on real hardware.
#
# Workloads (BENCH_VM_WORKLOADS, default "cpuid io qemu"): cpuid, the launcher's cpuid guest (exits handled in the
# kernel); io, its io guest (userspace port exits); qemu, Debian's qemu-system-x86_64 -enable-kvm booting
# SeaBIOS and a boot sector (tests/vm/qemu-vmm/lib.bash: a VMM nobody here wrote).
#
# 1. Throughput: after one uncounted warm-up run of each workload, BENCH_VM_REPEATS rounds (default 3), each
#    running every workload once untraced and once under each tool, the order rotating each round:
#    exitscope record (per-exit mode: a ring record per exit),
#    exitscope record --summary (aggregation mode: counted in the kernel), perf kvm stat record, perf kvm stat
#    live, perf stat -e kvm:kvm_exit, bpftrace counting kvm_exit per reason. Per tool: the median over rounds of
#    (workload throughput with the tool / untraced throughput of the same round), and the tool's own CPU in %
#    of the one CPU over the workload's run. kernel.bpf_stats_enabled is off.
# 2. BPF cost: BENCH_VM_COST_REPEATS rounds (default 1) with kernel.bpf_stats_enabled on, for the tools that run
#    BPF programs: run_time_ns / run_cnt over the tool's programs (ns per program run), and BPF time per
#    kvm_exit (the run_cnt of the kvm_exit programs counts the exits).
#
# Prints RESULT<TAB>bench<TAB>metric<TAB>value<TAB>unit lines. Exits 1 when a tool or workload fails.
set -uo pipefail
X=${EXITSCOPE:?}
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/tests/vm/qemu-vmm/lib.bash"
settings=$repo/${BUILD:-build}/vm-bench/settings.bash # BENCH_VM_* as bench/collector_vm.sh was given them
[ -f "$settings" ] && source "$settings"
REPEATS=${BENCH_VM_REPEATS:-3}
COST_REPEATS=${BENCH_VM_COST_REPEATS:-1}
read -r -a WORKLOADS <<<"${BENCH_VM_WORKLOADS:-cpuid io qemu}"
CPUID_ITERATIONS=${BENCH_VM_CPUID_ITERATIONS:-30000}
IO_ITERATIONS=${BENCH_VM_IO_ITERATIONS:-1000}
QEMU_LOOPS=${BENCH_VM_QEMU_LOOPS:-20000}
TOOLS=(none exitscope exitscope-summary perf-kvm-record perf-kvm-live perf-stat bpftrace)
COST_TOOLS=(exitscope exitscope-summary bpftrace)
w=$(mktemp -d /tmp/bench-vm.XXXXXX)
QV_TIMEOUT=${BENCH_VM_QEMU_TIMEOUT:-90} # a QEMU run that hangs is killed, counted as failed and left out
tool_pid=
say() { echo "$*"; echo "xs-vm: bench: $*" >/dev/console 2>/dev/null; }
die() { say "bench-collector-vm: $*"; exit 1; }
cleanup() {
	[ -n "$tool_pid" ] && kill -INT "$tool_pid" 2>/dev/null
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
}
trap cleanup EXIT
for t in perf bpftrace bpftool python3 qemu-system-x86_64; do
	command -v $t >/dev/null || die "$t is missing (scripts/deps.sh bench vm)"
done
[ -c /dev/kvm ] || die "no /dev/kvm in the test host"
qv_image "$w" "$QEMU_LOOPS" || die "assembling the boot sector"
echo 0 >/proc/sys/kernel/bpf_stats_enabled
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

start_tool() { # tool
	local f=$w/tool.err
	: >"$f"
	case $1 in
	none) tool_pid= ;;
	exitscope)
		"$X" record -o "$w/x.xsr" >"$w/tool.out" 2>"$f" &
		tool_pid=$!
		qv_wait_for "$f" 'recording with' ;;
	exitscope-summary)
		"$X" record --summary --json >"$w/tool.out" 2>"$f" &
		tool_pid=$!
		qv_wait_for "$f" 'recording with' ;;
	perf-kvm-record)
		perf kvm stat record -a -o "$w/perf.data" >"$w/tool.out" 2>"$f" &
		tool_pid=$!
		sleep 3 ;; # perf says nothing when its events are open
	perf-kvm-live)
		perf kvm stat live -d 1 >"$w/tool.out" 2>"$f" &
		tool_pid=$!
		sleep 3 ;;
	perf-stat)
		perf stat -a -x, -o "$w/tool.out" -e kvm:kvm_exit 2>"$f" &
		tool_pid=$!
		sleep 2 ;;
	bpftrace)
		bpftrace -e 'tracepoint:kvm:kvm_exit { @[args->exit_reason] = count(); }' >"$w/tool.out" 2>"$f" &
		tool_pid=$!
		qv_wait_for "$w/tool.out" 'Attaching' && sleep 1 ;;
	esac
}

stop_tool() {
	[ -n "$tool_pid" ] || return 0
	kill -INT "$tool_pid"
	local i
	for i in $(seq 1 300); do # perf kvm stat live has once ignored SIGINT here: 30 s, then SIGKILL
		kill -0 "$tool_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$tool_pid" 2>/dev/null && say "$1 did not stop on SIGINT within 30 s: killed" && kill -KILL "$tool_pid"
	wait "$tool_pid" 2>/dev/null
	tool_pid=
}

source "$repo/bench/bpf-stats.bash" # prog_stats

# run_workload NAME: sets secs (wall time) and units (iterations done)
run_workload() {
	local t0 t1
	t0=$(date +%s.%N)
	case $1 in
	cpuid)
		"$X" run --guest cpuid --mode long --iterations "$CPUID_ITERATIONS" >"$w/run.out" 2>&1 || return 1
		units=$CPUID_ITERATIONS ;;
	io)
		"$X" run --guest io --mode long --iterations "$IO_ITERATIONS" >"$w/run.out" 2>&1 || return 1
		units=$IO_ITERATIONS ;;
	qemu) # one firmware boot and QEMU_LOOPS CPUIDs; it starts paused: continue at once
		qv_start "$w" >"$w/run.out" && qv_cont "$w" && qv_wait || return 1
		units=1 ;;
	esac
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
}

say "TCG timing is not hardware timing: ratios between tools of this run only"
for wl in "${WORKLOADS[@]}"; do # a warm-up run each, not counted: the first run reads the programs over 9p
	run_workload "$wl" || say "warm-up: $wl failed: $(tail -n 3 "$w/run.out")"
done
: >"$w/rows"
for round in $(seq 1 "$REPEATS"); do
	n=${#TOOLS[@]}
	for i in $(seq 0 $((n - 1))); do
		tool=${TOOLS[$(((i + round) % n))]}
		# one start per tool and round (a tool's start takes ~20 s under TCG), the workloads one after the other
		start_tool "$tool" || die "$tool did not start: $(cat "$w/tool.err")"
		for wl in "${WORKLOADS[@]}"; do
			c0=0
			[ -n "$tool_pid" ] && c0=$(cpu_ticks "$tool_pid")
			if ! run_workload "$wl"; then # counted and reported, the round goes on
				say "round $round: $wl under $tool FAILED (QEMU status ${qv_status:-}): $(tail -n 3 "$w/run.out")"
				echo "$round $tool $wl failed" >>"$w/failed"
				continue
			fi
			c1=0
			[ -n "$tool_pid" ] && c1=$(cpu_ticks "$tool_pid")
			echo "$round $tool $wl $secs $units $((c1 - c0))" >>"$w/rows"
			say "round $round: $wl under $tool: $secs s, tool CPU $((c1 - c0)) ticks"
		done
		stop_tool "$tool"
	done
done

# 2. BPF cost
echo 1 >/proc/sys/kernel/bpf_stats_enabled
: >"$w/cost"
for round in $(seq 1 "$COST_REPEATS"); do
	for tool in "${COST_TOOLS[@]}"; do
		start_tool "$tool" || die "$tool did not start: $(cat "$w/tool.err")"
		for wl in "${WORKLOADS[@]}"; do # each workload's share: the statistics' growth over its run
			prog_stats "$tool_pid" >"$w/stats0"
			if ! run_workload "$wl"; then
				say "cost round $round: $wl under $tool FAILED: $(tail -n 3 "$w/run.out")"
				echo "cost $tool $wl failed" >>"$w/failed"
				continue
			fi
			prog_stats "$tool_pid" >"$w/stats1"
			{ sed 's/^/0 /' "$w/stats0"; sed 's/^/1 /' "$w/stats1"; } | awk -v t="$tool" -v wl="$wl" '
				$1 == 0 {t0[$2] += $3; c0[$2] += $4} $1 == 1 {a[$2] += $3; b[$2] += $4}
				END {for (k in a) print t, wl, k, a[k] - t0[k], b[k] - c0[k]}' >>"$w/cost"
			say "cost round $round: $wl under $tool: $(wc -l <"$w/stats1") programs, $(awk '{n += $3} END {print n + 0}' "$w/stats1") runs in all"
		done
		stop_tool "$tool"
	done
done
echo 0 >/proc/sys/kernel/bpf_stats_enabled
nfailed=$(cat "$w/failed" 2>/dev/null | wc -l)
echo "failed workload runs (left out of the figures): $nfailed"
[ "$nfailed" -eq 0 ] || sed 's/^/  /' "$w/failed"
echo -e "RESULT\tcollector-vm\tfailed_runs\t$nfailed\truns"

python3 - "$w/rows" "$w/cost" "$hz" <<'PY'
import statistics, sys
rows_path, cost_path, hz = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = {}  # (workload, round) -> tool -> (units/s, tool CPU %)
for line in open(rows_path):
    rnd, tool, wl, secs, units, ticks = line.split()
    secs = float(secs)
    runs.setdefault((wl, rnd), {})[tool] = (float(units) / secs, 100 * int(ticks) / hz / secs)
cost = {}  # (tool, workload) -> [time, runs, exit-program runs]
for line in open(cost_path):
    tool, wl, name, t, c = line.split()
    k = cost.setdefault((tool, wl), [0, 0, 0])
    k[0] += int(t)
    k[1] += int(c)
    if "exit" in name and "entry" not in name:
        k[2] = max(k[2], int(c))
print("\n(TCG timing is not hardware timing: ratios between the tools of this run only)")
for wl in sorted({w for w, _ in runs}):
    rounds = [r for (w, _), r in runs.items() if w == wl]
    unit = "boots/s" if wl == "qemu" else "iterations/s"
    print(f"\n== {wl}: {len(rounds)} rounds")
    print(f"{'tool':20} {unit:>14} {'ratio':>7} {'tool CPU':>9} {'BPF ns/run':>10} {'BPF ns/exit':>11}")
    for tool in ("none", "exitscope", "exitscope-summary", "perf-kvm-record", "perf-kvm-live", "perf-stat", "bpftrace"):
        mine = [r[tool] for r in rounds if tool in r]
        if not mine:
            continue
        tput = statistics.median(m[0] for m in mine)
        ratios = [r[tool][0] / r["none"][0] for r in rounds if tool in r and "none" in r]
        ratio = statistics.median(ratios) if ratios else float("nan")
        cpu = statistics.median(m[1] for m in mine)
        b = f"collector-vm-{wl}-{tool}"
        line = f"{tool:20} {tput:14.3f} {ratio:7.3f} {cpu:8.1f}%"
        print(f"RESULT\t{b}\tthroughput\t{tput:.3f}\t{unit}")
        print(f"RESULT\t{b}\tratio_to_untraced\t{ratio:.3f}\tx")
        if tool != "none":
            print(f"RESULT\t{b}\ttool_cpu\t{cpu:.1f}\t% of one CPU")
        c = cost.get((tool, wl))
        if c and c[1]:
            per_run = c[0] / c[1]
            per_exit = c[0] / c[2] if c[2] else 0
            line += f" {per_run:10.0f} {per_exit:11.0f}"
            print(f"RESULT\t{b}\tbpf_cost\t{per_run:.0f}\tns/event")
            print(f"RESULT\t{b}\tbpf_ns_per_exit\t{per_exit:.0f}\tns/exit")
        print(line)
PY
rc=$?
rm -rf "$w"
exit $rc
