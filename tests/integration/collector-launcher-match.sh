#!/usr/bin/env bash
# Acceptance: with the launcher's guests running on this host's KVM, the collector records exactly what the
# launcher itself recorded (the same userspace exits per vCPU, in order, with the same ports, MMIO addresses,
# MSRs and values), with zero drops: the mixed guest on 4 vCPUs, and the io (string/rep forms), mmio and msr
# guests in every CPU mode.
# test-needs: kvm
. "$(dirname "$0")/collector-lib.bash"
need_kvm_tracing

start_record all -o "$work/rec.xsr"
runs=()
run() { # name, exitscope run arguments...
	local name=$1
	shift
	"$EXITSCOPE" run "$@" -o "$work/$name.xsr" >"$work/$name.out" 2>&1 || { cat "$work/$name.out"; fail "exitscope run $*"; }
	runs+=("$name")
}
run mixed4 --guest mixed --vcpus 4 --iterations 1500
for mode in real protected long; do
	for guest in io mmio msr; do
		run "$guest-$mode" --guest "$guest" --mode "$mode" --iterations 300
	done
done
stop_record all || fail "exitscope record exited $?"
for name in "${runs[@]}"; do
	echo "== $name"
	$XSR launcher-match "$work/$name.xsr" "$work/rec.xsr" || fail "the collector's records of $name differ from the launcher's"
done
dropped=$($XSR meta "$work/rec.xsr" counter.dropped.ring)
[ "$dropped" = 0 ] || fail "$dropped events dropped in the ring"
pass "${#runs[@]} launcher runs recorded exactly, 0 dropped"
