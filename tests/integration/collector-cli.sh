#!/usr/bin/env bash
# exitscope record's command line: bad input gets one clear line and a non-zero status; --print (text and
# JSON lines), --json summaries; Ctrl-C and SIGTERM stop cleanly with everything flushed (the record file
# ends with its END chunk and the run's metadata); --duration ends on time.
# test-needs: kvm
. "$(dirname "$0")/collector-lib.bash"
X=$EXITSCOPE

expect_error() { # status, message pattern, arguments...
	local want=$1 pattern=$2
	shift 2
	"$X" record "$@" >"$work/o" 2>"$work/e"
	local rc=$?
	[ "$rc" = "$want" ] || fail "record $*: exit $rc, expected $want ($(cat "$work/e"))"
	[ "$(wc -l <"$work/e")" = 1 ] || fail "record $*: expected one line of error, got: $(cat "$work/e")"
	grep -q "^exitscope: record: .*$pattern" "$work/e" || fail "record $*: unclear error: $(cat "$work/e")"
}
expect_error 2 "unknown option '--bogus'" --bogus
expect_error 2 "unexpected argument 'extra'" extra
expect_error 2 "needs a value" --reason
expect_error 2 "unknown exit reason 'nosuch'" --reason nosuch
expect_error 2 "a number needs its isa" --reason 30
expect_error 2 "unknown event 'pixo'" --events pixo
expect_error 2 "leaves no event" --events -all
expect_error 2 "expected N >= 1" --sample 0
expect_error 2 "expected seconds > 0" --duration -1
expect_error 2 "expected seconds > 0" --duration abc
expect_error 2 "expected a process id" -p 0
expect_error 2 "expected a vCPU number" --vcpu x
expect_error 2 "expected auto, bpf or perf" --backend ebpf
expect_error 2 "expected full, regs or none" --guest-state all
expect_error 2 "between 4096 and 1 GiB" --ring-size 12
expect_error 1 "no process 2147483646" -p 2147483646
expect_error 1 "nonexistent" -o /nonexistent/dir/out.xsr --duration 0.1
"$X" record --help | grep -q '^usage: exitscope record' || fail "--help"
pass "bad command lines: one clear line each, status 2 (usage) or 1"

need_kvm_tracing

# --print: one text line per exit on stdout, the summary on stderr; --json: JSON lines
start_record text --print --reason "$IO_FILTER"
start_record json --print --json --reason "$IO_FILTER"
start_record summary --json
"$X" run --guest io --mode real --iterations 50 -o "$work/run.xsr" >/dev/null 2>&1 || fail "exitscope run failed"
for r in text json summary; do stop_record $r || fail "$r recorder exited $?"; done
pid=$($XSR dump "$work/run.xsr" | head -n 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["pid"])')
grep -q "$IO_ISA $IO_NAME .*| io port=0x" "$work/text.out" || fail "--print text lines: $(head -n 3 "$work/text.out")"
grep -q '^[0-9]* exits in ' "$work/text.err" || fail "--print: no summary on stderr"
python3 - "$work/json.out" "$pid" "$IO_ISA" "$IO_NAME" "$COL_MODE" <<'PY' || fail "--print --json lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
mine = [l for l in lines if l["pid"] == int(sys.argv[2])]
# In hardware mode KVM's emulator handles a string I/O instruction (the io guest's REP OUTS) over more than
# one IOIO exit and traces the port access (kvm_pio) on one of them: the others have no io detail (seen on
# the QEMU AMD-V host: 2 of the io guest's 10 IOIO exits per iteration). Every other exit has it.
string_io = lambda l: sys.argv[5] == "hardware" and l.get("fields", {}).get("string") == 1
bad = [l for l in lines if not (l["isa"] == sys.argv[3] and l["name"] == sys.argv[4] and
                                (l.get("detail_kind") == "io" or string_io(l)))]
assert mine and not bad, (len(mine), len(bad), bad[:2])
assert any(l.get("detail_kind") == "io" and l["detail"]["port"] == l.get("fields", {}).get("port", l["detail"]["port"])
           for l in mine), "no port access detail"
print(f"{len(mine)} JSON lines of the run")
PY
python3 - "$work/summary.out" "$IO_NAME" "$COL_MODE" <<'PY' || fail "--json summary: $(cat "$work/summary.out")"
import json, sys
s = json.load(open(sys.argv[1]))
c = s["collector"]
assert s["total"] > 0 and s["dropped"] == 0 and c["dropped_ring"] == 0 and c["backend"] in ("bpf", "perf"), s
assert any(r["name"] == sys.argv[2] for r in s["reasons"]) and c["mode"] == sys.argv[3], s
print(f"summary: {s['total']} exits, {c['events']} events, mode {c['mode']}")
PY
pass "--print, --print --json and --json"

# signals: everything recorded so far is kept, the file is complete
for sig in INT TERM; do
	# the guest runs until killed below (its --duration only bounds it), from before the recorder starts
	"$X" run --guest mixed --iterations 0 --duration $((4 * $(xs_slowdown))) >/dev/null 2>&1 &
	guest=$!
	wait_vm "$guest"
	start_record "sig$sig" -o "$work/sig$sig.xsr"
	sleep 1
	stop_record "sig$sig" "$sig" || fail "record stopped by SIG$sig exited $?"
	kill -INT "$guest" 2>/dev/null
	wait "$guest"
	n=$($XSR count "$work/sig$sig.xsr")
	[ "$n" -gt 100 ] || fail "SIG$sig: only $n records kept"
	[ "$($XSR meta "$work/sig$sig.xsr" run.end)" = interrupted ] || fail "SIG$sig: run.end not interrupted"
	$XSR complete "$work/sig$sig.xsr" || fail "SIG$sig: the record file has no END chunk"
	$XSR meta "$work/sig$sig.xsr" counter.records >/dev/null || fail "SIG$sig: counters not written"
	want=$($XSR meta "$work/sig$sig.xsr" counter.records)
	[ "$want" = "$n" ] || fail "SIG$sig: the file holds $n records, the collector counted $want"
	pass "SIG$sig: $n records kept, counters written"
done

# A running VM is something to record even where the KVM device is hidden (collector-nokvm.sh: without one)
"$X" run --guest io --iterations 0 --duration 20 >/dev/null 2>&1 &
guest=$!
wait_vm "$guest"
EXITSCOPE_KVM=/nonexistent/kvm start_record hidden -o "$work/hidden.xsr"
sleep 0.5
stop_record hidden || fail "record with a VM running and the device hidden exited $?"
kill -INT "$guest" 2>/dev/null
wait "$guest"
! grep -q 'no KVM device' "$work/hidden.err" || fail "the running VM was not seen: $(cat "$work/hidden.err")"
! $XSR meta "$work/hidden.xsr" collector.no_kvm >/dev/null || fail "collector.no_kvm with a VM running"
pass "a running VM is seen with the KVM device hidden: no notice"

start=$(date +%s.%N)
"$X" record --duration 1.5 -o "$work/dur.xsr" >/dev/null 2>&1 || fail "--duration run failed"
took=$(python3 -c "import time; print(round(time.time() - $start, 2))")
# the start-up (BPF load) is in it: under QEMU TCG ("$(xs_slowdown)" times slower) it takes seconds
python3 -c "import sys; sys.exit(0 if 1.5 <= $took < 1.5 + 2.5 * $(xs_slowdown) else 1)" || fail "--duration 1.5 took $took s"
[ "$($XSR meta "$work/dur.xsr" run.end)" = duration ] || fail "--duration: run.end"
pass "--duration 1.5 took $took s"
