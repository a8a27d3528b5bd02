# Helpers for the dashboard's tmux-driven tests (tests/integration/tui-*.sh source this file; it is not a test).
#
# Each test runs exitscope top inside a shell in a detached tmux session on its own server socket, so tests
# running at the same time never see each other's panes, and drives it with send-keys / capture-pane.

set -uo pipefail
: "${EXITSCOPE:?run through tests/run.sh}" "${BUILD:?}"

TUI_SOCK=xs-tui-$$
TUI_WORK=$(mktemp -d "${TMPDIR:-/tmp}/xs-tui-XXXXXX")
tmx() { tmux -L "$TUI_SOCK" -f /dev/null "$@"; }
tui_cleanup() {
	tmx kill-server 2>/dev/null
	sleep 0.2 # the pane's shell may still be exiting inside the work directory
	rm -rf "$TUI_WORK"
}
trap tui_cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "---- screen ----"
	tmx capture-pane -p -t t 2>/dev/null
	echo "----------------"
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

command -v tmux >/dev/null || skip "tmux is not installed (scripts/deps.sh installs it)"

# Start a shell in an 80x24 session; the test types the command into it, so the shell is there again after
# the dashboard quits and shows whether the terminal was given back.
tui_start_shell() {
	tmx new-session -d -s t -x "${1:-80}" -y "${2:-24}" "env -i PATH=$PATH HOME=$TUI_WORK HISTFILE=/dev/null TERM=screen LANG=C.UTF-8 PS1='$ ' bash --norc --noprofile" ||
		fail "cannot start tmux"
	sleep 0.2
}

screen() { tmx capture-pane -p -t t; }

# Wait until the screen matches an extended regex (default 20 s).
wait_for() {
	local re=$1 timeout=${2:-20} waited=0
	while ! screen | grep -qE -- "$re"; do
		sleep 0.1
		waited=$((waited + 1))
		[ $waited -ge $((timeout * 10)) ] && fail "timed out waiting for /$re/"
	done
}

# Wait until the screen no longer matches.
wait_gone() {
	local re=$1 timeout=${2:-10} waited=0
	while screen | grep -qE -- "$re"; do
		sleep 0.1
		waited=$((waited + 1))
		[ $waited -ge $((timeout * 10)) ] && fail "timed out waiting for /$re/ to go"
	done
}

expect() { screen | grep -qE -- "$1" || fail "expected /$1/ on the screen"; }
reject() { ! screen | grep -qE -- "$1" || fail "did not expect /$1/ on the screen"; }
keys() { tmx send-keys -t t "$@"; }
type_text() { tmx send-keys -t t -l "$1"; }

# The row of the table for a label: "vmx HLT   200 ..." -> the COUNT column (the second number-ish field).
row_count() {
	screen | awk -v label="$1" 'index($0, label " ") == 1 { sub("^" label " +", ""); split($0, f, " "); print f[1]; exit }'
}

# The reason on the table's first row (the screen's line 5), and a check of it after a sort key.
first_reason() { screen | sed -n 5p | awk '{print $2}'; }
sort_and_expect_first() { # key, the header's "sort: ..." text, the reason that must come first
	keys "$1"
	wait_for "sort: $2"
	[ "$(first_reason)" = "$3" ] || fail "sorted by $2, $3 is not first (got $(first_reason))"
}

# The header's "total N" figure.
header_total() {
	screen | sed -n '2s/.*total \([^ ]*\).*/\1/p'
}

# Space pauses the dashboard: PAUSED shows and the header's total stops moving; the total it froze at is left
# in $frozen (the caller resumes).
expect_pause_freezes() {
	keys Space
	wait_for 'PAUSED'
	sleep 0.3
	frozen=$(header_total)
	sleep 1.5
	[ "$(header_total)" = "$frozen" ] || fail "the total moved while paused ($frozen -> $(header_total))"
}

# Start the dashboard in the shell, and record its exit status and the terminal's modes after it returns.
tui_run() {
	keys "clear; echo BEFORE-TOP; $EXITSCOPE top $*; echo EXIT=\$?; stty -a | tr ';' '\\n' | grep -owE -- '-?(icanon|echo)' | tr '\\n' ' '; echo" Enter
}

# Quit with q and check the shell is back with the terminal as it was.
tui_quit_and_check() {
	keys q
	wait_for '^EXIT=[0-9]+' 10
	expect '^EXIT=0$'
	wait_for '^-?icanon' 5
	expect '^icanon echo$'
	expect 'BEFORE-TOP'
	[ "$(tmx display -p -t t '#{alternate_on}')" = 0 ] || fail "the alternate screen is still on after quitting"
	[ "$(tmx display -p -t t '#{cursor_flag}')" = 1 ] || fail "the cursor is still hidden after quitting"
}

# The header must stay within the width and the state must end its first line, after any resize.
check_layout() {
	local w=$1 h=$2
	[ "$(screen | wc -l)" -eq "$h" ] || fail "screen is not $h lines"
	local widest
	widest=$(screen | LC_ALL=C.UTF-8 wc -L)
	[ "$widest" -le "$w" ] || fail "a line is $widest columns wide on a $w-column screen"
}
