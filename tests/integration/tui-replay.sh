#!/usr/bin/env bash
# exitscope top against a replayed database, driven through tmux: the right reasons and counts appear, sort,
# filter, pause, detail, resize and quit work, and quitting exits 0 and gives the terminal back.
#
# The records come from bench/top-synth (a fixed cycle of 100 slots, so every count is exact), imported into a
# database with `exitscope import`; the expected counts are asked of the database with SQL, independently of
# the dashboard.
source "$(dirname "$0")/tui-lib.bash"
SYNTH=$BUILD/bench/top-synth
[ -x "$SYNTH" ] || fail "$SYNTH is not built (make test builds it; or make BUILD=$BUILD $SYNTH)"

# 2000 exits at 500/s of recorded time: a 4-second replay at speed 1.
"$SYNTH" -o "$TUI_WORK/r.xsr" --count 2000 --rate 500 --vcpus 2 --state-every 10 || fail "top-synth failed"
"$EXITSCOPE" import "$TUI_WORK/r.xsr" -o "$TUI_WORK/r.db" >/dev/null || fail "import failed"
declare -A want
while IFS=, read -r name n; do want[$name]=$n; done < <("$EXITSCOPE" query "$TUI_WORK/r.db" \
	"SELECT exit_name(isa, reason), count(*) FROM exits GROUP BY 1" --format csv | tail -n +2)
[ "${#want[@]}" -eq 10 ] || fail "expected 10 reasons in the database, got ${#want[@]}"

tui_start_shell 80 24
tui_run --replay "$TUI_WORK/r.db" --speed 1
wait_for 'replay r.db run 1 at 1x'
wait_for 'vmx EPT_VIOLATION'

# Pause while the replay runs: the figures freeze (and the replay's clock with them) ...
sleep 1
expect_pause_freezes
screen | grep -q 'replay finished' && fail "the replay ran on while paused"
# ... and resume: the replay goes on where it was and ends with every record.
keys Space
wait_gone 'PAUSED'
wait_for 'replay finished: 2000 records' 20
sleep 1.2 # one refresh after the end
expect 'total 2.00k  dropped 0'

# Every reason with its exact count (all below 1000, so printed whole).
for name in "${!want[@]}"; do
	got=$(row_count "vmx $name")
	[ "$got" = "${want[$name]}" ] || fail "vmx $name: the dashboard shows '$got', the database holds ${want[$name]}"
done

# Sort: by count the biggest comes first; by name (n) CPUID leads; I inverts.
[ "$(first_reason)" = EPT_VIOLATION ] || fail "sorted by count, EPT_VIOLATION is not first"
sort_and_expect_first n 'name A-Z' CPUID
sort_and_expect_first I 'name Z-A' VMCALL
sort_and_expect_first c 'count high first' EPT_VIOLATION

# Filter: only HLT is left, in the table and in the latest exits.
keys f
wait_for 'filter \(pid= vm= vcpu= reason=; empty clears\)'
type_text 'reason=HLT'
keys Enter
wait_for 'filter: reason=vmx:HLT'
[ "$(row_count 'vmx HLT')" = "${want[HLT]}" ] || fail "filtered: HLT is not ${want[HLT]}"
reject 'vmx (EPT_VIOLATION|IO_INSTRUCTION|EXTERNAL_INTERRUPT|MSR_WRITE|CPUID|VMCALL)'
expect "total ${want[HLT]} \(of 2.00k\)"
# a vCPU filter as well
hlt_v1=$("$EXITSCOPE" query "$TUI_WORK/r.db" \
	"SELECT count(*) FROM exits WHERE vcpu = 1 AND exit_name(isa, reason) = 'HLT'" --format csv | tail -n 1)
keys f C-u
type_text 'reason=HLT vcpu=1'
keys Enter
wait_for 'filter: vcpu=1 reason=vmx:HLT'
[ "$(row_count 'vmx HLT')" = "$hlt_v1" ] || fail "HLT on vCPU 1 is not $hlt_v1"
# a bad filter says why and keeps the prompt
keys f C-u
type_text 'reason=NOSUCH'
keys Enter
wait_for "'NOSUCH' is not an exit reason"
keys Escape
keys F
wait_for 'filter cleared'
expect 'vmx EPT_VIOLATION'

# Detail: the newest IO exit, decoded, with its detail union; then one with a guest state.
keys f C-u
type_text 'IO_INSTRUCTION'
keys Enter
wait_for 'filter: reason=vmx:IO_INSTRUCTION'
keys Enter
wait_for 'Exit detail'
expect 'vmx IO_INSTRUCTION \(30\)'
expect 'Decoded qualification: io'
expect 'port=0x(3f8|71)'
expect 'Detail \(io\)'
keys Escape
wait_gone 'Exit detail'
keys F
keys Tab
keys Enter
wait_for 'Exit detail'
expect 'Guest state'
keys Escape
wait_gone 'Exit detail'
# the synthetic record 1990 carries a guest state (every 10th): find it among the latest exits
keys f C-u
type_text 'reason=vmx:EPT_VIOLATION vcpu=0'
keys Enter
wait_for 'filter: vcpu=0'
keys Enter
wait_for 'Exit detail'
for _ in 1 2 3 4 5 6 7 8; do
	screen | grep -q 'RAX ' && break
	keys Left
	sleep 0.2
done
expect 'RAX [0-9a-f]{16}'
keys End
wait_for 'CR0 0000000080050033'
keys q
wait_gone 'Exit detail'
keys F

# Help, then resize: wide terminals get more columns, narrow ones fewer; no line is wider than the screen.
keys h
wait_for 'exitscope top: keys'
keys x
wait_gone 'exitscope top: keys'
check_layout 80 24
reject ' P99'
tmx resize-window -t t -x 140 -y 40
wait_for ' P99'
check_layout 140 40
expect 'LATENCY RIP'
tmx resize-window -t t -x 64 -y 16
wait_gone ' P99'
check_layout 64 16
tmx resize-window -t t -x 50 -y 10
wait_for 'terminal too small'
tmx resize-window -t t -x 80 -y 24
wait_for 'vmx EPT_VIOLATION'
check_layout 80 24

# Colour where the terminal has it (tmux's "screen" has 8 colours): the header bar is black on cyan.
tmx capture-pane -e -p -t t | head -n 1 | grep -qF $'\e[30m\e[46m' || fail "no colour on a colour terminal"
tui_quit_and_check

# Readable without colour: --no-color on a vt100 draws the bars and the selection in reverse video only.
keys "clear; TERM=vt100 $EXITSCOPE top --replay $TUI_WORK/r.db --speed 0 --no-color; echo EXIT=\$?" Enter
wait_for 'replay finished: 2000 records'
sleep 1.2
tmx capture-pane -e -p -t t >"$TUI_WORK/plain.txt"
grep -qE $'\e\\[(3|4)[0-7]m' "$TUI_WORK/plain.txt" && fail "colour codes with --no-color"
head -n 1 "$TUI_WORK/plain.txt" | grep -qF $'\e[7m' || fail "the header bar is not in reverse video without colour"
expect "vmx EPT_VIOLATION +${want[EPT_VIOLATION]} "
keys q
wait_for '^EXIT=0$' 10
echo "ok: replayed database: counts, sort, filter, pause, detail, resize, colour and none, quit"
