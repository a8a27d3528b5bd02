#!/usr/bin/env bash
# Bad input to the vmx backend: one line naming the problem and a non-zero status, before Bochs starts
# where possible; a guest that triple-faults, Bochs missing or failing, a hang bounded by --duration and
# Ctrl-C keep every record made so far. Needs only Bochs.
. "$(dirname "$0")/launcher-lib.bash"
require_bochs
V=(--backend vmx --iterations 5)

expect_error model "unknown CPU model 'nosuch' (--list-cpu-models:" "${V[@]}" --guest cpuid --cpu-model nosuch
expect_error key "unknown control 'vmx.nosuch'" "${V[@]}" --guest cpuid --control vmx.nosuch=on
expect_error range "vmx.cr0_mask: '0x100000000' is not a number 0-0xffffffff" "${V[@]}" --guest cr \
	--control vmx.cr0_mask=0x100000000
expect_error vector "vmx.exception_bitmap: '40' is not an exception name" "${V[@]}" --guest debug \
	--control vmx.exception_bitmap=gp,40
expect_error port "vmx.io_bitmap:" "${V[@]}" --guest io --control vmx.io_bitmap=0x10000
expect_error cr3 "vmx.cr3_targets: '0x1000,0x2000,0x3000,0x4000,0x5000': give 1-4 CR3 values" "${V[@]}" --guest cr \
	--control vmx.cr3_targets=0x1000,0x2000,0x3000,0x4000,0x5000
expect_error switch "vmx.rdtsc_exiting: 'maybe' is not on or off" "${V[@]}" --guest insns --control vmx.rdtsc_exiting=maybe
# the model lacks the control: the core's refusal names the control and the capability bit
expect_error lacks "CPU model corei7_haswell_4770: secondary processor-based control 'RDSEED exiting' is not supported by this CPU (allowed-1 bit 16 clear in IA32_VMX_PROCBASED_CTLS2)" \
	"${V[@]}" --guest insns --cpu-model corei7_haswell_4770 --control vmx.rdseed_exiting=on
expect_error noept "CPU model core2_penryn_t9600: secondary processor-based control 'enable EPT'" \
	"${V[@]}" --guest cpuid --cpu-model core2_penryn_t9600
# keys of the other backend
expect_error tokvm "control vmx.rdtsc_exiting: the kvm backend has no VT-x controls" --backend kvm --guest insns \
	--control vmx.rdtsc_exiting=on
expect_error tovmx "control exits.disable: only the kvm backend has it; the vmx-bochs backend refuses it" \
	"${V[@]}" --guest hlt --control exits.disable=hlt
expect_error modelkvm "--cpu-model tigerlake: the kvm backend runs on the host's CPU" --backend kvm --guest cpuid \
	--cpu-model tigerlake
expect_error vcpus "--vcpus 2: the vmx backend runs one vCPU" "${V[@]}" --guest io --vcpus 2
expect_error period "control inject: 'irq:0x20@period:1ms': the vmx backend schedules by exits" "${V[@]}" \
	--guest hlt --control inject=irq:0x20@period:1ms
"$EXITSCOPE" run --backend nosuch --guest io 2>"$LWORK/b.err" && fail "--backend nosuch succeeded"
grep -q "backend 'nosuch': use kvm, vmx or auto" "$LWORK/b.err" || fail "--backend nosuch: $(cat "$LWORK/b.err")"

# Bochs missing, Bochs failing
# path_error NAME PATH "message part" ARGS...: exitscope run with that PATH fails with one line
path_error() {
	local name=$1 path=$2 want=$3
	shift 3
	PATH=$path "$EXITSCOPE" run "$@" -o "$LWORK/$name.xsr" >"$LWORK/$name.out" 2>"$LWORK/$name.err" &&
		fail "$name: exitscope run $* succeeded"
	grep -qF -- "$want" "$LWORK/$name.err" || fail "$name: stderr lacks '$want': $(cat "$LWORK/$name.err")"
	[ "$(grep -c . "$LWORK/$name.err")" -eq 1 ] || fail "$name: not one line: $(cat "$LWORK/$name.err")"
}
mkdir -p "$LWORK/empty" "$LWORK/fake"
path_error nobochs "$LWORK/empty" "the vmx backend needs Bochs: bochs-bin is not on PATH" "${V[@]}" --guest io
printf '#!/bin/sh\necho "bochs: cannot start" >&2\nexit 1\n' >"$LWORK/fake/bochs-bin"
chmod +x "$LWORK/fake/bochs-bin"
path_error badbochs "$LWORK/fake:$PATH" "Bochs exited with status 1 before the run ended" "${V[@]}" --guest io

# a guest that triple-faults (UD2 with no IDT): its exit is recorded, final, one line, status 1
printf '\x0f\x0b' >"$LWORK/ud2.bin"
expect_error triple "vcpu 0: the guest triple-faulted" --backend vmx --image "$LWORK/ud2.bin" --mode long --entry 0x10000
check triple "len(recs) == 1" "recs[0]['name'] == 'TRIPLE_FAULT' and recs[0]['final']" \
	"meta['run.exit_status'].startswith('guest-error: vcpu 0: the guest triple-faulted')"

# a guest that hangs without exiting: --duration ends it with one line and status 1; a guest that keeps
# exiting until --duration is a planned end (status 0)
printf '\xeb\xfe' >"$LWORK/hang.bin"
expect_error hang "vcpu 0: the guest made no VM exit in the last" --backend vmx --image "$LWORK/hang.bin" \
	--mode long --entry 0x10000 --duration 4
check hang "len(recs) == 0" "meta['run.stopped_by'] == 'duration'" \
	"meta['run.exit_status'].startswith('guest-error: vcpu 0: the guest made no VM exit')"
run_ok busy --backend vmx --guest io --iterations 0 --duration 4
check busy "len(recs) > 0" "meta['run.stopped_by'] == 'duration'" "meta['run.exit_status'] == 'ok'"

# Ctrl-C: the emulator stops, every record already streamed is kept, gap-free, status interrupted
"$EXITSCOPE" run --backend vmx --guest mixed --iterations 0 -o "$LWORK/int.xsr" >"$LWORK/int.out" 2>"$LWORK/int.err" &
pid=$!
sleep 4
kill -INT $pid
wait $pid
rc=$?
[ "$rc" -eq 0 ] || fail "Ctrl-C: exit $rc: $(cat "$LWORK/int.err")"
check int "len(recs) > 0" "[r['seq'] for r in recs] == list(range(len(recs)))" \
	"meta['run.exit_status'] == 'interrupted'" "end == (len(recs), 0)"
pgrep -f "bochs-bin -q -f bochsrc" -P $$ >/dev/null && fail "Bochs still running after Ctrl-C"
echo "bad input and failures handled"
