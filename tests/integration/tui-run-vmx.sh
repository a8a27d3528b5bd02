#!/usr/bin/env bash
# exitscope top --run on the vmx backend, through tmux: the rows of the kmod-vmx core's exits (streamed out of
# Bochs while the guest runs) appear and grow before the guest finishes, the final counts equal what
# `exitscope run --backend vmx` counts for the same guest, and quitting gives the terminal back. Needs only
# Bochs.
source "$(dirname "$0")/tui-lib.bash"
command -v bochs-bin >/dev/null || skip "bochs-bin is not installed (scripts/deps.sh vmx)"
N=1500

tui_start_shell 100 30
tui_run --run mixed --backend vmx --iterations $N
wait_for 'run: guest mixed'
wait_for '^vmx IO_INSTRUCTION +[0-9]' 30
first=$(row_count 'vmx IO_INSTRUCTION')
reject 'guest ok: [0-9]+ exits handled'
sleep 2
second=$(row_count 'vmx IO_INSTRUCTION')
# while the guest still runs, the count has grown: rows update live, not only at the end
reject 'guest ok: [0-9]+ exits handled'
[ "${second%k}" != "${first%k}" ] || fail "vmx IO_INSTRUCTION stayed at $first for 2 s while the guest ran"
wait_for 'guest ok: [0-9]+ exits handled' 120
sleep 1.2 # one refresh after the end
# the counts the same guest gives in `exitscope run --backend vmx`: 2N + N/4 + 1 I/O, 2N EPT, N CPUID, N RDMSR
want_io=$((2 * N + N / 4 + 1))
for pair in "IO_INSTRUCTION $want_io" "EPT_VIOLATION $((2 * N))" "CPUID $N" "MSR_READ $N" "HLT $((N / 4))"; do
	set -- $pair
	got=$(row_count "vmx $1")
	# the table shows 3 significant digits from 1000 on ("3.38k")
	[ "$got" = "$2" ] || [ "$got" = "$(awk -v n="$2" 'BEGIN { printf(n < 10000 ? "%.2fk" : "%.1fk", n / 1000) }')" ] ||
		fail "vmx $1: the dashboard shows '$got', want $2"
done
expect 'dropped 0'
tui_quit_and_check
echo "top --run on the vmx backend updates live and ends with the launcher's counts"
