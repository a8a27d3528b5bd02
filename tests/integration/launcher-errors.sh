#!/usr/bin/env bash
# Bad input and failing guests: each gets one clear error line and a non-zero status, and nothing already
# recorded is lost (a failing guest's records end in its final exit with the decoded cause, and the record
# file is complete). Ctrl-C and SIGTERM stop cleanly and keep everything.
# test-needs: kvm
. "$(dirname "$0")/launcher-lib.bash"
require_kvm
command -v as >/dev/null && command -v objcopy >/dev/null || skip "GNU as/objcopy missing (binutils)"

# image NAME MODE ASSEMBLY: a flat image assembled for the mode (long: --64, else --32 with .code16/.code32)
image() {
	local name=$1 mode=$2 src=$3
	local flag=--64 prefix=""
	[ "$mode" = long ] || flag=--32
	[ "$mode" = real ] && prefix=".code16"
	[ "$mode" = protected ] && prefix=".code32"
	printf '%s\n%s\n' "$prefix" "$src" | as $flag -o "$LWORK/$name.o" - || fail "assembling $name"
	objcopy -O binary -j .text "$LWORK/$name.o" "$LWORK/$name.bin" || fail "objcopy $name"
}

# --- the KVM device ---
EXITSCOPE_KVM=/nonexistent/kvm expect_error nokvm "/nonexistent/kvm: No such file or directory" --guest io --backend kvm
EXITSCOPE_KVM=/dev/null expect_error notkvm "/dev/null: KVM API version" --guest io
# --backend auto (the default) without a KVM device runs on the vmx backend and says why in one line
if command -v bochs-bin >/dev/null && [ -f "$BUILD/kmod-vmx/vmx-runner.img" ]; then
	EXITSCOPE_KVM=/nonexistent/kvm run auto --guest io --iterations 2
	[ "$rc" -eq 0 ] || fail "auto without KVM exited $rc: $(cat "$LWORK/auto.err")"
	grep -qF "/nonexistent/kvm: No such file or directory: running the guest on the vmx backend" "$LWORK/auto.err" &&
		[ "$(grep -c . "$LWORK/auto.err")" -eq 1 ] || fail "auto without KVM: $(cat "$LWORK/auto.err")"
	check auto "meta['run.backend'] == 'vmx-bochs'" "len(recs) == 17"
fi
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$LWORK"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$EXITSCOPE" run --guest io --backend kvm >"$LWORK/perm.out" 2>"$LWORK/perm.err"
	[ $? -ne 0 ] || fail "running as nobody succeeded"
	grep -q "/dev/kvm: Permission denied (run as root or join the group that owns it)" "$LWORK/perm.err" ||
		fail "no permission message: $(cat "$LWORK/perm.err")"
	[ "$(grep -c . "$LWORK/perm.err")" -eq 1 ] || fail "permission error not one line: $(cat "$LWORK/perm.err")"
fi

# --- images ---
: >"$LWORK/empty.bin"
expect_error empty "empty.bin: empty image" --image "$LWORK/empty.bin" --mode long --entry 0x200000
head -c $((2 << 20)) /dev/zero >"$LWORK/big.bin"
expect_error big "big.bin: image larger than guest memory (1 MiB)" --image "$LWORK/big.bin" --mode long \
	--entry 0x200000 --mem 1
image hlt long "hlt"
expect_error entry-out "entry point 0x10000000 lies outside guest memory" --image "$LWORK/hlt.bin" --mode long \
	--entry 0x10000000 --load 0x200000
expect_error entry-img "entry point 0x300000 is not inside the image" --image "$LWORK/hlt.bin" --mode long \
	--entry 0x300000 --load 0x200000
expect_error load-out "lies outside guest memory" --image "$LWORK/hlt.bin" --mode long --entry 0x2000000 --mem 16
expect_error overlap "overlaps the launcher's page tables" --image "$LWORK/hlt.bin" --mode long --entry 0x90000
expect_error nomode "--image needs --mode" --image "$LWORK/hlt.bin" --entry 0x200000
expect_error noentry "a flat image needs --entry" --image "$LWORK/hlt.bin" --mode long
expect_error noimage "nothing.bin: No such file or directory" --image "$LWORK/nothing.bin" --mode long --entry 0x8000
printf '\177ELF\002\001\001' >"$LWORK/bad.elf"
expect_error badelf "bad ELF image: ELF header cut short" --image "$LWORK/bad.elf" --mode long

# --- guests, options and controls ---
expect_error guest "unknown guest 'nosuch' (built-in guests: io, mmio, msr, cpuid, hlt, cr, debug, mixed, insns)" --guest nosuch
expect_error ctl "inject: 'irq:7@hlt': interrupt vectors are 32-255" --guest hlt --control inject=irq:7@hlt
expect_error ctl2 "unknown control 'exits.enable'" --guest hlt --control exits.enable=hlt
expect_error ctl3 "--control 'inject': expected KEY=VALUE" --guest hlt --control inject
expect_error param "guest io has no parameter 'speed'" --guest io --param speed=1
expect_error sym "debug.hwbp: guest io has no symbol 'nope'" --guest io --control debug.hwbp=@nope
expect_error ro "memory.readonly: 0xa0000-0xa0fff overlaps the unmapped hole" --guest mmio \
	--control memory.readonly=0xa0000-0xa0fff
"$EXITSCOPE" run --guest io -o /nonexistent/dir/x.xsr >/dev/null 2>"$LWORK/out.err"
[ $? -eq 1 ] && grep -q "/nonexistent/dir/x.xsr" "$LWORK/out.err" && [ "$(grep -c . "$LWORK/out.err")" -eq 1 ] ||
	fail "an unwritable output: $(cat "$LWORK/out.err")"
"$EXITSCOPE" run --guest io --vcpus 0 >/dev/null 2>"$LWORK/usage.err"
[ $? -eq 2 ] || fail "--vcpus 0 is not a usage error"
"$EXITSCOPE" run --guest io --mem 4096 >/dev/null 2>"$LWORK/usage.err"
[ $? -eq 2 ] || fail "--mem 4096 is not a usage error"

# --- guests that fail: the records so far, then the final exit with its cause ---
image triple long "mov \$0x510, %dx
out %al, %dx
ud2"
expect_error triple "the guest triple-faulted (KVM_EXIT_SHUTDOWN)" --image "$LWORK/triple.bin" --mode long \
	--entry 0x200000
check triple "len(recs) == 2" "recs[0]['port'] == 0x510" "recs[1]['name'] == 'SHUTDOWN' and recs[1]['final']" \
	"meta['run.exit_status'] == 'guest-error: vcpu 0: the guest triple-faulted (KVM_EXIT_SHUTDOWN)'" \
	"end == (2, 0)"
# an x87 store to MMIO is beyond KVM's instruction emulator on every host
image x87 long "mov \$0x510, %dx
out %al, %dx
fninit
fldz
fstpt 0xa0000"
expect_error internal "KVM internal error 1 (emulation failure)" --image "$LWORK/x87.bin" --mode long --entry 0x200000
check internal "recs[-1]['name'] == 'INTERNAL_ERROR' and recs[-1]['final']" "recs[0]['port'] == 0x510" \
	"meta['run.exit_status'].startswith('guest-error')"
# a fault the guest did not expect: WRMSR of an MSR that does not exist raises #GP in the guest
expect_error gp "vcpu 0: unexpected exception #GP (vector 13) in the guest at rip" --guest msr --param msr=0xdeadbeef \
	--no-default-controls --iterations 5
check gp "recs[-1]['port'] == 0x501 and recs[-1]['value'] & 0xff == 13 and recs[-1]['final']"
# a multi-vCPU run stops every vCPU when one fails, and each still ends with a final exit
expect_error gp4 "unexpected exception #GP" --guest msr --param msr=0xdeadbeef --no-default-controls --vcpus 4 \
	--iterations 0
check gp4 "sorted(set(vals('vcpu', final=True))) == [0, 1, 2, 3]" "n(final=True) == 4"

# --- stopping: SIGINT and SIGTERM keep everything and end every vCPU with a final exit ---
for sig in INT TERM; do
	"$EXITSCOPE" run --guest mixed --vcpus 2 --iterations 0 -o "$LWORK/sig$sig.xsr" --json >"$LWORK/sig$sig.out" \
		2>"$LWORK/sig$sig.err" &
	pid=$!
	sleep 1.5
	kill -$sig $pid
	wait $pid
	rc=$?
	[ $rc -eq 0 ] || fail "SIG$sig: exit $rc: $(cat "$LWORK/sig$sig.err")"
	check sig$sig "meta['run.exit_status'] == 'interrupted'" "len(recs) > 100" "end == (len(recs), 0)" \
		"sorted(vals('vcpu', final=True)) == [0, 1]" "all(r['name'] == 'INTR' for r in recs if r['final'])" \
		"sorted(r['seq'] for r in recs) == list(range(len(recs)))" "'kvmstat.vcpu1.exits.end' in meta"
	python3 -c 'import json,sys; j=json.loads(open(sys.argv[1]).read()); assert j["status"] == "interrupted", j' \
		"$LWORK/sig$sig.out" || fail "SIG$sig: the JSON summary is wrong: $(cat "$LWORK/sig$sig.out")"
done
echo "errors passed"
