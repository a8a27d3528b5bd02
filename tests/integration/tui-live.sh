#!/usr/bin/env bash
# exitscope top in live mode (-p PID: the collector on the KVM tracepoints) while a guest runs in another
# process: the guest's exits appear under its pid, the header names the backend, and nothing is dropped.
# test-needs: kvm
source "$(dirname "$0")/tui-lib.bash"
[ "$(id -u)" -eq 0 ] || skip "live mode needs root (BPF or perf tracepoints)"
source "$(dirname "$0")/kvm-lib.bash"
require_kvm
xs_mount_tracefs ||
	skip "the kernel has no kvm tracepoints"

"$EXITSCOPE" run --guest mixed --iterations 0 --duration 30 >"$TUI_WORK/run.out" 2>&1 &
guest=$!
sleep 0.5
kill -0 "$guest" 2>/dev/null || fail "the guest did not start: $(cat "$TUI_WORK/run.out")"

# Text snapshots first: the figures are there, for this pid only.
"$EXITSCOPE" top -p "$guest" --batch -n 3 -d 1 >"$TUI_WORK/batch.txt" 2>"$TUI_WORK/batch.err" ||
	fail "top --batch failed: $(cat "$TUI_WORK/batch.err")"
last=$(awk '/^=== snapshot 3 ===/ { p = 1 } p' "$TUI_WORK/batch.txt")
grep -qE "live: pid $guest \((bpf|perf)" <<<"$last" || fail "the header does not name the pid and backend: $last"
isa=$(xs_exit_isa) # host events on PVM, the vendor's exit codes where kvm_exit fires
grep -qE "^$isa " <<<"$last" || fail "no $isa exit reasons in live mode: $last"
grep -qE "^$guest mixed|^$guest exitscope" <<<"$last" || fail "no per-vCPU row for pid $guest: $last"
grep -q 'dropped 0' <<<"$last" || fail "records dropped: $last"
total=$(sed -n '3s/.*total \([0-9.]*[kM]*\).*/\1/p' <<<"$last")
[ -n "$total" ] && [ "$total" != 0 ] || fail "no exits counted: $last"

# The screen: the same, pause holds it, quit gives the terminal back.
tui_start_shell 80 24
tui_run -p "$guest"
wait_for "live: pid $guest"
wait_for "^$isa [A-Z_]+ +[0-9]"
keys Space
wait_for 'PAUSED'
sleep 0.3
frozen=$(header_total)
sleep 1.5
[ "$(header_total)" = "$frozen" ] || fail "the total moved while paused"
keys Space
wait_gone 'PAUSED'
tui_quit_and_check
kill "$guest" 2>/dev/null
wait "$guest" 2>/dev/null
echo "ok: live collector view of pid $guest"
