#!/usr/bin/env bash
# The BPF ring's consumer (collector/ring.c) across many wrap-arounds: a 1 MiB ring carries a few MB of the
# launcher's io and mmio exits (every record's bytes pass the end of the ring several times, some records
# straddle it in the double mapping), and the collector still records exactly what the launcher recorded,
# with zero drops and no bad events.
# test-needs: kvm
. "$(dirname "$0")/collector-lib.bash"
need_kvm_tracing

start_record small --backend bpf --ring-size 1048576 -o "$work/rec.xsr"
"$EXITSCOPE" run --guest io --mode long --iterations 4000 -o "$work/io.xsr" >"$work/io.out" 2>&1 ||
	{ cat "$work/io.out"; fail "exitscope run --guest io"; }
"$EXITSCOPE" run --guest mmio --mode long --iterations 1500 -o "$work/mmio.xsr" >"$work/mmio.out" 2>&1 ||
	{ cat "$work/mmio.out"; fail "exitscope run --guest mmio"; }
stop_record small || fail "exitscope record exited $?"
for name in io mmio; do
	$XSR launcher-match "$work/$name.xsr" "$work/rec.xsr" || fail "the records of $name differ from the launcher's"
done
events=$($XSR meta "$work/rec.xsr" counter.events)
least=$((3 * 1048576 / 64)) # every event takes at least 64 bytes of ring: 3 ring sizes went through
[ "$events" -gt "$least" ] || fail "only $events events: the ring may not have wrapped 3 times"
for k in counter.dropped.ring counter.bad_events; do
	v=$($XSR meta "$work/rec.xsr" "$k")
	[ "$v" = 0 ] || fail "$k is $v"
done
pass "$events events through a 1 MiB ring recorded exactly as the launcher did, 0 dropped, 0 bad"
