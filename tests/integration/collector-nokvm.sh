#!/usr/bin/env bash
# exitscope record on a host without KVM (the device hidden with EXITSCOPE_KVM, no VM running: a private PID
# namespace and /proc, debugfs out of sight): recording until Ctrl-C is refused at once with one line saying
# why, and no output is made; a --duration recording goes on after a one-line notice, ends on time with 0
# exits, and its metadata says why it is empty. Runs on every host (the device is hidden, not needed).
. "$(dirname "$0")/collector-lib.bash"
X=$EXITSCOPE
[ "$(id -u)" -eq 0 ] || skip "needs root (a private PID namespace, BPF programs)"
command -v unshare >/dev/null || skip "unshare is missing (util-linux)"

# nokvm DEVICE ARGS...: exitscope record ARGS with DEVICE as the KVM device, seeing no process but its own
# (tracefs mounted in its own mount namespace when the host has not)
nokvm() {
	local dev=$1
	shift
	EXITSCOPE_KVM=$dev unshare --pid --fork --mount-proc sh -c \
		'umount -l /sys/kernel/debug 2>/dev/null; xs_tracefs_mounted=; '"$(declare -f xs_mount_tracefs)"'; xs_mount_tracefs >/dev/null; exec "$@"' sh "$X" record "$@" >"$work/o" 2>"$work/e"
}
want='no KVM device (/nonexistent/kvm: No such file or directory) and no VM running'
nokvm /nonexistent/kvm -o "$work/forever.xsr"
rc=$?
[ $rc -eq 1 ] || fail "record without KVM and without --duration exited $rc: $(cat "$work/e")"
[ "$(cat "$work/e")" = "exitscope: record: nothing to record: $want (give --duration to record a fixed time anyway)" ] ||
	fail "unclear error: $(cat "$work/e")"
[ ! -e "$work/forever.xsr" ] || fail "the refused recording made an output file"
pass "refused at once: $(cat "$work/e")"

: >"$work/plain-file"
nokvm "$work/plain-file" -p 1 # itself, pid 1 of its namespace
[ $? -eq 1 ] && grep -qF "no KVM device ($work/plain-file: not a device) and no VM running" "$work/e" ||
	fail "a KVM device that is a plain file, with -p: $(cat "$work/e")"
pass "-p is no fixed time either; a plain file is no device"

nokvm /nonexistent/kvm --duration 0.5 -o "$work/window.xsr" --json
rc=$?
[ $rc -eq 0 ] || fail "record --duration without KVM exited $rc: $(cat "$work/e")"
[ "$(head -n 1 "$work/e")" = "exitscope: record: $want: nothing to record unless one appears; recording for the --duration anyway" ] ||
	fail "no notice first: $(cat "$work/e")"
[ "$(grep -c 'no KVM device' "$work/e")" -eq 1 ] || fail "the notice is not one line: $(cat "$work/e")"
# The tracepoints see every VM of the kernel: where /dev/kvm only is hidden, other VMs may run (other jobs)
n=$($XSR count "$work/window.xsr")
[ -e /dev/kvm ] || [ "$n" = 0 ] || fail "$n records on a host without KVM"
[ "$($XSR meta "$work/window.xsr" collector.no_kvm)" = "$want" ] || fail "no collector.no_kvm in the metadata"
[ "$($XSR meta "$work/window.xsr" run.end)" = duration ] || fail "the recording did not end with its --duration"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["total"] == int(sys.argv[2]), s' "$work/o" "$n" ||
	fail "the summary: $(cat "$work/o")"
pass "--duration records the window after the notice: $n exits (other VMs of this host, if it has /dev/kvm), collector.no_kvm in the metadata"
