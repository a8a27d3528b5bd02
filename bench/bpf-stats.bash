# What the collector benches share (sourced by bench/collector.sh and bench/collector_vm_inner.sh).

# prog_stats PID: one line "name run_time_ns run_cnt" per BPF program process PID holds (the figures count
# only while kernel.bpf_stats_enabled is 1).
prog_stats() {
	local ids
	ids=$(cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ {print $2}' | sort -u | tr '\n' ' ')
	[ -n "$ids" ] || return 0
	bpftool prog show -j | python3 -c '
import json, sys
ids = {int(x) for x in sys.argv[1:]}
for p in json.load(sys.stdin):
    if p["id"] in ids:
        print(p.get("name", "?"), p.get("run_time_ns", 0), p.get("run_cnt", 0))' $ids
}
