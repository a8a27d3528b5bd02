#!/usr/bin/env bash
# The collector's filters on this host, each checked against what the launcher recorded on the same run:
# -p (and the end of recording when that process exits), --vcpu, --reason, --events, --sample, for both
# backends.
# test-needs: kvm
. "$(dirname "$0")/collector-lib.bash"
need_kvm_tracing
count() { $XSR count "$@"; }

for backend in bpf perf; do
	start_record "vcpu-$backend" --backend "$backend" --vcpu 1 -o "$work/vcpu-$backend.xsr"
	start_record "reason-$backend" --backend "$backend" --reason "$IO_FILTER" -o "$work/reason-$backend.xsr"
	start_record "events-$backend" --backend "$backend" --events mmio,userspace_exit -o "$work/events-$backend.xsr"
	start_record "sample-$backend" --backend "$backend" --sample 5 -o "$work/sample-$backend.xsr"
	start_record "all-$backend" --backend "$backend" -o "$work/all-$backend.xsr"
	"$EXITSCOPE" run --guest mixed --vcpus 2 --iterations 1000 -o "$work/run-$backend.xsr" >/dev/null 2>&1 || fail "exitscope run failed"
	for r in vcpu reason events sample all; do
		stop_record "$r-$backend" || fail "$r-$backend recorder exited $?"
	done
	pid=$($XSR dump "$work/run-$backend.xsr" | head -n 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["pid"])')
	total=$(count "$work/all-$backend.xsr" --pid "$pid")

	v0=$(count "$work/vcpu-$backend.xsr" --pid "$pid")
	v1=$($XSR dump "$work/all-$backend.xsr" --pid "$pid" | grep -c '"vcpu": 1,')
	others=$($XSR dump "$work/vcpu-$backend.xsr" | grep -vc '"vcpu": 1,')
	[ "$v0" -gt 0 ] && [ "$v0" = "$v1" ] && [ "$others" = 0 ] || fail "$backend --vcpu 1 kept $v0 records ($others of other vCPUs), expected $v1"
	pass "$backend --vcpu 1: $v0 of $total records, all of vCPU 1"

	pio=$(count "$work/reason-$backend.xsr" --pid "$pid")
	want=$(count "$work/all-$backend.xsr" --pid "$pid" --isa $IO_ISA_NUM --reason $IO_REASON)
	notpio=$($XSR dump "$work/reason-$backend.xsr" | grep -vc "\"isa\": $IO_ISA_NUM, \"source\": [23], \"flags\": [0-9]*, \"reason\": $IO_REASON,")
	[ "$pio" -gt 0 ] && [ "$pio" = "$want" ] && [ "$notpio" = 0 ] || fail "$backend --reason $IO_FILTER kept $pio ($notpio others), expected $want"
	$XSR launcher-match "$work/run-$backend.xsr" "$work/reason-$backend.xsr" >"$work/m.txt"
	grep -q "KVM_EXIT 2: launcher \([0-9]*\) collector \1$" "$work/m.txt" || { cat "$work/m.txt"; fail "$backend --reason $IO_FILTER lost port exits"; }
	pass "$backend --reason $IO_FILTER: $pio records, every userspace port access among them"

	ev=$(count "$work/events-$backend.xsr" --pid "$pid")
	bad=$($XSR dump "$work/events-$backend.xsr" --pid "$pid" | grep -c '"reason": [^27],')
	[ "$ev" -gt 0 ] && [ "$bad" = 0 ] || fail "$backend --events mmio,userspace_exit recorded $bad records of other events"
	pass "$backend --events mmio,userspace_exit: $ev records, MMIO and userspace exits only"

	kept=$(count "$work/sample-$backend.xsr" --pid "$pid")
	flagged=$(count "$work/sample-$backend.xsr" --pid "$pid" --flag 0x200)
	seen=$(count "$work/sample-$backend.xsr")
	python3 -c "import sys; k,t=$kept,$total; sys.exit(0 if 0.15*t <= k <= 0.25*t else 1)" ||
		fail "$backend --sample 5 kept $kept of $total"
	[ "$kept" = "$flagged" ] || fail "$backend --sample: $((kept - flagged)) records not flagged sampled"
	pass "$backend --sample 5: kept $kept of $total exits of the run, all flagged"
done

# -p: only that process, and recording ends with it
# (the guests outlive the recorder's start-up, which takes seconds under QEMU TCG)
dur=$((3 * $(xs_slowdown)))
"$EXITSCOPE" run --guest mixed --iterations 0 --duration $dur -o "$work/p.xsr" >/dev/null 2>&1 &
target=$!
"$EXITSCOPE" run --guest io --iterations 0 --duration $dur >/dev/null 2>&1 &
other=$!
sleep 0.5
"$EXITSCOPE" record -p "$target" -o "$work/pid.xsr" >"$work/pid.out" 2>"$work/pid.err" || fail "record -p exited $?"
wait "$target" "$other"
n=$(count "$work/pid.xsr")
mine=$(count "$work/pid.xsr" --pid "$target")
[ "$n" -gt 0 ] && [ "$n" = "$mine" ] || fail "record -p $target kept $n records, $mine of that process"
[ "$($XSR meta "$work/pid.xsr" run.end)" = process-exited ] || fail "record -p did not end with the process"
pass "-p $target: $n records, all of that process; recording ended with it"
