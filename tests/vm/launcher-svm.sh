#!/usr/bin/env bash
# The launcher on a real hardware-virtualization KVM host: the QEMU TCG AMD-V test host of tests/vm (Debian's
# kernel, kvm-amd, our statically linked exitscope; tests/vm/lib/prepare.sh builds it) with the launcher's own
# in-VM script (tests/vm/launcher/guest-tests) layered over its /bin/guest-tests as a second initramfs archive.
# Every built-in guest in every mode, and the controls this project's PVM development host cannot honour
# (data breakpoints, #DB/#BP interception, HLT exits disabled, single-step traps after an exiting OUT, RF after
# an execution breakpoint), each checked on this side with tests/integration/launcher_check.py.
#
# Needs $BUILD/static/exitscope (make test-vm builds it). Exit 0 pass, 77 skip (last line says why), 1 fail.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
static=$BUILD/static/exitscope
work=$BUILD/vm-launcher
cache=${XS_VM_CACHE:-tests/vm/cache}
skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is missing (scripts/deps.sh vm)"
command -v as >/dev/null || skip "GNU as is missing (binutils)"
[ -x "$static" ] || fail "$static is missing: run make test-vm (or make BUILD=$BUILD/static STATIC=1 exitscope)"
mkdir -p "$work" "$cache"
mapfile -t boot < <(tests/vm/lib/prepare.sh "$cache" "$static" "$work") || fail "preparing the test host failed"
[ ${#boot[@]} -eq 2 ] || fail "preparing the test host failed"
kernel=${boot[0]}

# The overlay: our test script as /bin/guest-tests, and two failing guest images.
overlay=$work/overlay
rm -rf "$overlay" && mkdir -p "$overlay/bin" "$overlay/images"
cp tests/vm/launcher/guest-tests "$overlay/bin/guest-tests"
asm() { printf '.code64\n%s\n' "$2" | as --64 -o "$work/$1.o" - && objcopy -O binary -j .text "$work/$1.o" "$overlay/images/$1.bin"; }
asm triple 'mov $0x510, %dx
out %al, %dx
ud2' || fail "assembling triple"
asm x87 'mov $0x510, %dx
out %al, %dx
fninit
fldz
fstpt 0xa0000' || fail "assembling x87"
initrd=$work/initramfs-launcher.cpio.gz
(cd "$overlay" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/overlay.cpio.gz"
cat "${boot[1]}" "$work/overlay.cpio.gz" >"$initrd"

tests/vm/lib/boot.sh "$work" "$kernel" "$initrd" "${XS_VM_TIMEOUT:-1500}" 'xs-vm: launcher tests done' ||
	fail "running the test host failed"
grep -q '/dev/kvm ready' "$work/console.log" || fail "no /dev/kvm in the test host"
out=$work/out

failed=0
case_ok() { # name status expressions...: the case's exit status, then checks on its record file
	local name=$1 want=$2
	shift 2
	local got
	got=$(cat "$out/$name.status" 2>/dev/null || echo missing)
	if [ "$got" != "$want" ]; then
		echo "FAIL  $name: exit $got, want $want: $(tail -n 2 "$out/$name.err" 2>/dev/null)"
		failed=$((failed + 1))
		return
	fi
	if python3 tests/integration/launcher_check.py "$out/$name.xsr" "$@" >"$out/$name.check" 2>&1; then
		echo "PASS  $name"
	else
		echo "FAIL  $name"
		sed 's/^/      /' "$out/$name.check"
		failed=$((failed + 1))
	fi
}
case_refused() { # name message: the control was refused with that message, one line, exit 1
	local got
	got=$(cat "$out/$1.status" 2>/dev/null || echo missing)
	if [ "$got" = 1 ] && grep -qF -- "$2" "$out/$1.err" && [ "$(grep -c . "$out/$1.err")" -eq 1 ]; then
		echo "PASS  $1 (refused: $2)"
	else
		echo "FAIL  $1: exit $got, want the refusal '$2': $(cat "$out/$1.err" 2>/dev/null)"
		failed=$((failed + 1))
	fi
}
# QEMU's TCG emulation of SVM does not apply the VMCB's DR7 to the nested guest and does not route INT3 through
# the #BP intercept, so hardware breakpoints and #BP interception cannot work there: the launcher must refuse
# them (its probes see no effect) instead of accepting them silently. On a hardware AMD-V host they work.
tcg=false
grep -qa 'QEMU TCG' "$out/io-long.xsr" && tcg=true # run.cpu_model in the metadata
sym() { awk -v s="$2" '$1 == "symbol" && $2 == s { print $3 }' "$out/describe-debug-$1.txt"; }
N=20
common=('[r["seq"] for r in recs] == list(range(len(recs)))' 'n(final=True) == 1' 'recs[-1]["port"] == 0x500'
	'meta["run.exit_status"] == "ok"' 'end == (len(recs), 0)')
for mode in real protected long; do
	case_ok io-$mode 0 "${common[@]}" "vals('value', port=0x514) == list(range($N))" "n(port=0x518) in ($N, 4 * $N)" \
		"sum(vals('count', port=0x518)) == 4 * $N" "n(port=0x51a) == $N"
	case_ok mmio-$mode 0 "${common[@]}" "n(name='MMIO') == 3 * $N"
	case_ok msr-$mode 0 "${common[@]}" "n(name='X86_WRMSR') == n(name='X86_RDMSR') == $N" "n(index=0x175) == 0"
	case_ok cpuid-$mode 0 "${common[@]}" "len(recs) == 5" "int(meta['kvmstat.vcpu0.exits.end']) - int(meta['kvmstat.vcpu0.exits.start']) > $N"
	case_ok hlt-$mode 0 "${common[@]}" "n(name='HLT') == vec(0x20) == $N"
	case_ok cr-$mode 0 "${common[@]}" "n(name='SET_TPR') == ($N if '$mode' == 'long' else 0)" \
		"all(r['cr'] == 8 and r['value'] == 0 for r in recs if r['name'] == 'SET_TPR')"
	case_ok debug-$mode 0 "${common[@]}" "n(port=0x520) == $N"
	case_ok mixed-$mode 0 "${common[@]}" "len(recs) == 5 * $N + 2 * ($N // 4) + 1"
	lo=$(sym $mode debug_loop) hi=$(sym $mode debug_end) ex=$(sym $mode debug_exec)
	# hardware reports the single step after an exiting OUT too: 5 steps per iteration
	case_ok step-$mode 0 "sum(1 for r in recs if r['name'] == 'DEBUG' and $lo <= r['pc'] <= $hi) == 5 * $N + 1"
	if $tcg; then
		case_refused hwbp-$mode "control debug.hwbp: an execution breakpoint made no KVM_EXIT_DEBUG"
	else # RF is honoured: no step-overs, one exit per iteration at the breakpoint
		case_ok hwbp-$mode 0 "n(name='DEBUG') == $N" "set(vals('pc', name='DEBUG')) == {$ex}" \
			"meta['counter.stepovers'] == '0'"
	fi
	case_ok window-$mode 0 "n(name='IRQ_WINDOW_OPEN') == vec(0x20) == $N"
	case_ok nmi-$mode 0 "vec(2) == $N"
	case_ok trapbp-$mode 0 "vec(3) == $N"
	case_ok trapdb-$mode 0 "vec(1) == 4 * $N"
done
if $tcg; then
	case_refused wbp "control debug.hwbp: a write breakpoint made no KVM_EXIT_DEBUG"
	case_refused icpt-bp "control debug.intercept: INT3 with #BP interception (KVM_GUESTDBG_USE_SW_BP) made no"
else
	case_ok wbp 0 "n(name='DEBUG') == $N" "all(r['dr6'] & 1 for r in recs if r['name'] == 'DEBUG')"
	case_ok icpt-bp 0 "n(name='DEBUG', exception=3) == $N" "vec(3) == $N"
fi
# #DB interception works on every hardware host: the guest's own single-step traps exit, and are re-injected
case_ok icpt-db 0 "n(name='DEBUG', exception=1) == 4 * $N" "vec(1) == 4 * $N"
# HLT runs in the guest: it waits for the host's next interrupt, then the loop goes on without exits
case_ok dis-hlt 0 "${common[@]}" "n(name='HLT') == 0" "len(recs) == 1" "meta['control.exits.disable'] == 'hlt'"
case_ok gp 0 "vec(13) == $N"
case_ok vcpus4 0 "sorted(vals('vcpu', final=True)) == [0, 1, 2, 3]" \
	"all(vals('value', port=0x514, vcpu=v) == list(range($N)) for v in range(4))" \
	"all(vals('value', port=0x510, vcpu=v) == [v] * $N for v in range(4))"
case_ok mixed4 0 "int(meta['counter.inject.delivered']) == 4 * ($N // 4)"
case_ok triple 1 "recs[-1]['name'] == 'SHUTDOWN' and recs[-1]['final']" "recs[0]['port'] == 0x510"
case_ok x87 1 "recs[-1]['name'] == 'INTERNAL_ERROR' and recs[-1]['final']"
[ $failed -eq 0 ] || fail "$failed launcher cases failed on the AMD-V host"
echo "all launcher cases passed on real KVM (kvm-amd)"
