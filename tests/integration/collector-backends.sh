#!/usr/bin/env bash
# Acceptance: the BPF backend and the perf backend give the same records on the same workload (both record
# at once), guest state and struct kvm_run contents apart, which only BPF can read (docs/collector.md); so do
# the BPF backend's two kinds of detail programs (tp_btf and classic tracepoints).
# Also: `--backend auto` falls back to perf, saying why, when BPF cannot load (here: no CAP_BPF).
# test-needs: kvm
. "$(dirname "$0")/collector-lib.bash"
need_kvm_tracing

start_record bpf --backend bpf -o "$work/bpf.xsr"
start_record perf --backend perf -o "$work/perf.xsr"
start_record classic --backend bpf --detail-source tp -o "$work/classic.xsr"
"$EXITSCOPE" run --guest mixed --vcpus 2 --iterations 1000 -o "$work/run.xsr" >"$work/run.out" 2>&1 ||
	{ cat "$work/run.out"; fail "exitscope run --guest mixed failed"; }
"$EXITSCOPE" run --guest io --mode real --iterations 300 -o "$work/run-io.xsr" >"$work/run-io.out" 2>&1 ||
	{ cat "$work/run-io.out"; fail "exitscope run --guest io failed"; }
stop_record bpf || fail "bpf recorder exited $?"
stop_record perf || fail "perf recorder exited $?"
stop_record classic || fail "classic recorder exited $?"
for r in run run-io; do
	$XSR backends-match "$work/bpf.xsr" "$work/perf.xsr" "$work/$r.xsr" || fail "the backends recorded $r differently"
	$XSR backends-match "$work/bpf.xsr" "$work/classic.xsr" "$work/$r.xsr" >/dev/null ||
		fail "the tp_btf and the classic detail programs recorded $r differently"
	$XSR launcher-match "$work/$r.xsr" "$work/bpf.xsr" >/dev/null || fail "the BPF records of $r differ from the launcher's"
done
[ "$($XSR meta "$work/perf.xsr" collector.backend)" = perf ] || fail "the perf recording does not say so"
[ "$($XSR meta "$work/perf.xsr" counter.lost.perf)" = 0 ] || fail "perf lost samples"
[ "$($XSR meta "$work/classic.xsr" collector.detail_programs)" = tracepoint ] || fail "--detail-source tp"
pass "bpf (tp_btf and classic detail programs) and perf recorded the same records"

# Without CAP_BPF the program cannot load: auto says why and records with perf; --backend bpf fails.
command -v capsh >/dev/null || skip "capsh is missing (libcap2-bin) for the fallback test"
drop=cap_bpf,cap_sys_admin
capsh --drop=$drop -- -c "'$EXITSCOPE' record --duration 0.5 -o '$work/fallback.xsr'" >"$work/fb.out" 2>"$work/fb.err" ||
	{ cat "$work/fb.err"; fail "record without CAP_BPF failed instead of falling back"; }
grep -q 'BPF unavailable: .*using the perf backend' "$work/fb.err" || { cat "$work/fb.err"; fail "no fallback reason printed"; }
grep -q 'recording with the perf backend' "$work/fb.err" || fail "the fallback did not record with perf"
[ "$($XSR meta "$work/fallback.xsr" collector.backend)" = perf ] || fail "the fallback's run metadata does not say perf"
$XSR meta "$work/fallback.xsr" collector.fallback | grep -q 'BPF unavailable' || fail "collector.fallback missing"
if capsh --drop=$drop -- -c "'$EXITSCOPE' record --backend bpf --duration 0.2" >/dev/null 2>"$work/nobpf.err"; then
	fail "--backend bpf succeeded without CAP_BPF"
fi
grep -q '^exitscope: record: BPF backend: cannot' "$work/nobpf.err" || { cat "$work/nobpf.err"; fail "unclear error without CAP_BPF"; }
pass "auto falls back to perf with the reason: $(grep -o 'BPF unavailable: .*' "$work/fb.err" | head -n 1)"
