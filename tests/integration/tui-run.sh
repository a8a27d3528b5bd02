#!/usr/bin/env bash
# exitscope top against a guest it launches (--run), driven through tmux: the reasons and counts the launcher
# itself reports appear, sort, filter, pause, detail, resize and quit work, and quitting exits 0 and gives the
# terminal back.
# test-needs: kvm
source "$(dirname "$0")/tui-lib.bash"
source "$(dirname "$0")/kvm-lib.bash"
require_kvm

# The counts `exitscope run` reports for the same guest and iterations: the dashboard must show the same.
"$EXITSCOPE" run --guest mixed --iterations 200 >"$TUI_WORK/run.txt" || fail "exitscope run failed"
declare -A want
while read -r isa name n _; do
	[ "$isa" = kvm ] && want[$name]=$n
done <"$TUI_WORK/run.txt"
[ "${#want[@]}" -ge 3 ] || fail "the mixed guest made fewer than 3 kinds of exits: $(cat "$TUI_WORK/run.txt")"

tui_start_shell 80 24

# 1. A run of fixed length: exact counts, sort, filter, detail, resize.
tui_run --run mixed --iterations 200
wait_for 'run: guest mixed'
wait_for 'guest ok: [0-9]+ exits handled' 30
sleep 1.2 # one refresh after the end
for name in "${!want[@]}"; do
	got=$(row_count "kvm $name")
	[ "$got" = "${want[$name]}" ] || fail "kvm $name: the dashboard shows '$got', exitscope run counted ${want[$name]}"
done
expect 'dropped 0'
# times are shown: exit-to-entry latency where the launcher records it, else its handler time (HDL)
expect ' (HDL )?MEAN +(HDL )?MAX'
expect '^kvm IO +[0-9]+ +[0-9.]+k? +[0-9.]+% +[0-9.]+(ns|us|ms) +[0-9.]+(ns|us|ms)'

sort_and_expect_first n 'name A-Z' HLT
sort_and_expect_first c 'count high first' IO

keys f
type_text 'reason=MMIO'
keys Enter
wait_for 'filter: reason=kvm:MMIO'
[ "$(row_count 'kvm MMIO')" = "${want[MMIO]}" ] || fail "filtered: MMIO is not ${want[MMIO]}"
reject 'kvm (IO|HLT|X86_RDMSR) '
# the per-vCPU table under the filter: one vCPU, all of its exits MMIO
keys v
wait_for 'per vCPU  filter: reason=kvm:MMIO'
expect "mixed +0 +${want[MMIO]} "
keys v
# detail of the newest MMIO exit: decoded, the MMIO detail and the guest state the launcher captured
keys Tab Enter
wait_for 'Exit detail'
expect 'kvm MMIO \(6\)'
expect 'Detail \(mmio\)'
expect '(read|write) gpa=0xa000[04] len=4' # the detail table's order (docs/tui.md)
expect 'source launcher'
keys Escape
wait_gone 'Exit detail'
keys F Tab

tmx resize-window -t t -x 132 -y 36
wait_for '(HANDLER|LATENCY) RIP'
check_layout 132 36
tmx resize-window -t t -x 80 -y 24
wait_gone '(HANDLER|LATENCY) RIP'
check_layout 80 24
tui_quit_and_check

# 2. A guest that runs until we quit: pause freezes the figures while the guest goes on.
keys "clear" Enter
tui_run --run mixed --vcpus 2
wait_for 'run: guest mixed'
wait_for 'kvm MMIO'
sleep 1.5
keys v
wait_for 'per vCPU'
expect ' 0 +[0-9.]+k? '
expect ' 1 +[0-9.]+k? '
keys v
keys Space
wait_for 'PAUSED'
sleep 0.3
frozen=$(header_total)
sleep 1.5
[ "$(header_total)" = "$frozen" ] || fail "the total moved while paused ($frozen -> $(header_total))"
keys Space
wait_gone 'PAUSED'
sleep 1.5
[ "$(header_total)" != "$frozen" ] || fail "the total did not move after resuming"
reject 'guest (ok|guest-error|host-error)'
tui_quit_and_check
echo "ok: launched guest: counts, sort, filter, pause, detail, resize, quit"
