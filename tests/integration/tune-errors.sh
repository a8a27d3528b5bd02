#!/usr/bin/env bash
# Bad tuning scripts: a Lua error, an unknown control, a control the host refuses, a run that fails, an
# infinite loop and a run cut by --timeout each end the script with ONE line "SCRIPT:LINE: message" and status
# 1, and the session store keeps every run that finished before (tune_runs and runs agree).
. "$(dirname "$0")/tune-lib.bash"

# --- without any run: syntax and runtime errors, usage ---
printf 'local x = 1\nlocal y = = 2\n' >"$TWORK/syntax.lua"
expect_tune_error syntax "syntax.lua:2: unexpected symbol near '='" -o s0.db syntax.lua
printf 'local t = nil\n\nprint(t.field)\n' >"$TWORK/nilindex.lua"
expect_tune_error nilindex "nilindex.lua:3: attempt to index a nil value (local 't')" -o s0.db nilindex.lua
printf 'error({code = 3})\n' >"$TWORK/errobj.lua"
expect_tune_error errobj "errobj.lua:1: error object is a table value" -o s0.db errobj.lua
printf 'xs.run{guest = "io", repeats = "many"}\n' >"$TWORK/badtype.lua"
expect_tune_error badtype "badtype.lua:1: xs.run: field 'repeats' must be an integer, not string" -o s0.db badtype.lua
expect_tune_error missing "missing.lua: No such file or directory" -o s0.db missing.lua
"$EXITSCOPE" tune >/dev/null 2>&1
[ $? -eq 2 ] || fail "tune without a script must exit 2"
"$EXITSCOPE" tune --timeout -3 x.lua >/dev/null 2>&1
[ $? -eq 2 ] || fail "a bad --timeout must exit 2"

# --- an infinite loop, bounded by --timeout (the count hook) ---
printf 'local n = 0\nwhile true do\n  n = n + 1\nend\n' >"$TWORK/loop.lua"
start=$SECONDS
expect_tune_error loop "loop.lua:3: timeout: the script ran longer than --timeout 1" -o s0.db --timeout 1 loop.lua
[ $((SECONDS - start)) -le 10 ] || fail "the loop ran $((SECONDS - start)) s under --timeout 1"
# a loop inside string functions called from Lua: still bounded (the hook counts Lua instructions)
printf 'local s = ""\nfor i = 1, 1e12 do s = ("x"):rep(10) end\n' >"$TWORK/loop2.lua"
expect_tune_error loop2 "loop2.lua:2: timeout" -o s0.db --timeout 1 loop2.lua

# --- runs, then each kind of failure: the runs before it are kept. On the kvm backend where the host has a
# KVM device, else on the vmx backend (Bochs), so no host skips these.
if (require_kvm) >/dev/null 2>&1; then
	B=kvm
else
	require_bochs
	B=vmx
	echo "note: no KVM device here: the runs below use the vmx backend"
fi
cat >"$TWORK/common.lua" <<LUA
BACKEND = "$B"; local first = xs.run{backend = BACKEND, guest = "io", iterations = 20, label = "kept"}
assert(first.ok and #first.runs == 1)
LUA
check_kept() { # NAME DB: the store holds the one finished run, described in tune_runs
	local n t
	n=$(sql "$2" "SELECT count(*) FROM tune_runs WHERE label = 'kept' AND status = 'ok'")
	t=$(sql "$2" "SELECT count(*) FROM runs r JOIN tune_runs t USING(run_id) WHERE r.exits > 0")
	[ "$n" = 1 ] && [ "$t" -ge 1 ] || fail "$1: the finished run is not kept (tune_runs $n, runs $t)"
}

{ cat "$TWORK/common.lua"; printf 'xs.run{backend = BACKEND, guest = "io", controls = {["no.such"] = "on"}}\n'; } >"$TWORK/unknown.lua"
expect_tune_error unknown "unknown.lua:3: xs.run: unknown control 'no.such'" -o u.db unknown.lua
grep -qF "keeps the 1 finished run" "$TWORK/unknown.err" || fail "unknown: the message does not say what was kept"
check_kept unknown u.db

# a control this host refuses: the first unsupported one the launcher's probes find
cat >"$TWORK/pick.lua" <<'LUA'
for _, c in ipairs(xs.controls(arg[1])) do
  if not c.supported then print(c.name .. "=" .. c.example) return end
end
LUA
tune_ok pick -o p.db pick.lua "$B"
refused=$(head -n 1 "$TWORK/pick.out")
if [ -n "$refused" ]; then
	{ cat "$TWORK/common.lua"; printf 'xs.run{backend = BACKEND, guest = "mixed", controls = {"%s"}}\n' "$refused"; } >"$TWORK/refused.lua"
	expect_tune_error refused "refused.lua:3: xs.run: control ${refused%%=*}: " -o r.db refused.lua
	grep -qF "allow_unsupported = true runs without it" "$TWORK/refused.err" || [ "$B" = vmx ] ||
		fail "the refusal does not name the script's field: $(cat "$TWORK/refused.err")"
	check_kept refused r.db
	# with allow_unsupported the run goes ahead and lists the refusal
	if [ "$B" = kvm ]; then # the vmx backend refuses the other backend's keys outright
		printf 'local r = xs.run{guest = "mixed", iterations = 20, allow_unsupported = true, controls = {"%s"}}\nprint(#r.refusals, r.refusals[1])\n' "$refused" >"$TWORK/allowed.lua"
		tune_ok allowed -o r.db allowed.lua
		has allowed "1	${refused%%=*}"
	fi
else
	echo "note: this host honours every kvm control; the refused-control case is covered by the backend checks"
fi

# a run that fails in the guest (ud2 with no IDT: a triple fault)
printf '\x0f\x0b' >"$TWORK/ud.bin"
{ cat "$TWORK/common.lua"; printf 'xs.run{backend = BACKEND, image = "ud.bin", mode = "long", entry = 0x200000, iterations = 5}\n'; } >"$TWORK/failrun.lua"
expect_tune_error failrun "failrun.lua:3: xs.run: run 2 (repeat 1) failed: guest-error" -o f.db failrun.lua
check_kept failrun f.db
[ "$(sql f.db "SELECT status FROM tune_runs WHERE run_id = 2")" != ok ] || fail "the failed run is not marked"
# allow_failure: the script carries on and sees ok = false
{ cat "$TWORK/common.lua"; printf 'local r = xs.run{backend = BACKEND, image = "ud.bin", mode = "long", entry = 0x200000, iterations = 5, allow_failure = true}\nprint(r.ok, r.status)\n'; } >"$TWORK/failok.lua"
tune_ok failok -o f2.db failok.lua
has failok "false	guest-error: "

# a run cut by --timeout: stopped, kept, the script's line named
{ cat "$TWORK/common.lua"; printf 'xs.run{backend = BACKEND, guest = "io", iterations = 0, duration = 60}\n'; } >"$TWORK/longrun.lua"
start=$SECONDS
expect_tune_error longrun "longrun.lua:3: xs.run: timeout: the script ran longer than --timeout 2s (run 2 stopped and kept)" \
	-o l.db --timeout 2 longrun.lua
[ $((SECONDS - start)) -le 15 ] || fail "the run went on for $((SECONDS - start)) s under --timeout 2"
check_kept longrun l.db
[ "$(sql l.db "SELECT status FROM tune_runs WHERE run_id = 2")" = timeout ] || fail "the cut run is not marked timeout"
echo "tune errors: all checks passed"
