#!/usr/bin/env bash
# exitscope top with guest symbols, driven through tmux: replaying a real run of the built-in guest `mixed`
# (tests/integration/fixtures/mixed-40.xsr, no flag needed) the latest exits carry a SYMBOL column, `y` shows
# exits per guest function with exactly mixed's counts (guest_main 210, isr_common 10, _start 1: see
# analysis-symbols.sh), `H` the latency histogram of the selected reason; --guest-symbols with a map that
# covers nothing shows "(no symbol)"; a bad symbol file is refused before the screen opens.
source "$(dirname "$0")/tui-lib.bash"
FIX=$(cd "$(dirname "$0")" && pwd)/fixtures/mixed-40.xsr

tui_start_shell 140 40
tui_run --replay "$FIX" --speed 0
wait_for 'replay finished: 221 records' 20
wait_for 'SYMBOL'
wait_for 'guest_main\+0x'
keys y
wait_for 'Exits per guest function'
expect 'symbols: guest mixed \(built-in, long mode\)'
expect '^guest_main +210 '
expect '^isr_common +10 '
expect '^_start +1 '
keys q
wait_gone 'Exits per guest function'
# the first row of the reasons table is kvm IO (most exits): its histogram
keys H
wait_for 'Latency histogram'
expect '^kvm IO'
expect '[0-9]+ exits, [0-9]+ timed: p50 .* p90 .* p99 .* p99.9 .* max [0-9]'
expect '#+ [0-9]+$'
keys Escape
wait_gone 'Latency histogram'
tui_quit_and_check

# an explicit map that covers none of the guest's addresses
printf 'ffffffff81000000 T startup_64\nffffffff81000100 T _etext\n' >"$TUI_WORK/kernel.map"
tui_run --replay "$FIX" --speed 0 --guest-symbols "$TUI_WORK/kernel.map"
wait_for 'replay finished: 221 records' 20
wait_for '\(no symbol\)'
keys y
wait_for 'Exits per guest function'
expect '^\(no symbol\) +221 '
keys q
tui_quit_and_check

# a wrong symbol file: one line, non-zero, before any screen
"$EXITSCOPE" top --replay "$FIX" --guest-symbols /etc/hostname --batch -n 1 >"$TUI_WORK/out" 2>"$TUI_WORK/err" &&
	fail "top accepted /etc/hostname as symbols"
grep -q "not a System.map or kallsyms line" "$TUI_WORK/err" || fail "top: $(cat "$TUI_WORK/err")"
[ "$(grep -c . "$TUI_WORK/err")" -eq 1 ] || fail "not one line: $(cat "$TUI_WORK/err")"
echo "tui-symbols: ok"
