#!/usr/bin/env bash
# kmod_vmx.ko on a real Linux kernel with VT-x: Debian's kernel booted ONCE in Bochs (an Intel model with EPT),
# the module built against exactly that kernel's headers (tests/lib/debian-kernel.sh), and inside it
# (tests/kmod/lib/init): the refusal while KVM is loaded, the capability MSRs, refused controls, the
# CPUID/RDTSC/OUT/HLT and MSR/CR guests with exact exit counts from the mmapped ring (kvmx-test), a bounded ioctl fuzzer
# (kvmx-fuzz), `exitscope run --backend vmx` on the module for the cases of tests/kmod/lib/cases with records
# equal to the Bochs host's (`--vmx-host bochs`, run here on the same CPU model), unload refused while a VM is
# open and then done, and a kernel log without warnings, oopses or leaks. Needs $BUILD/kmod-vmx/kvmx-test and
# kvmx-fuzz (make kmod-tools), the static $BUILD/static/exitscope (make static-exitscope), $BUILD/exitscope and
# the runner image (make exitscope vmx-image). Exit 0 pass, 77 skip, else fail.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
work=$BUILD/kmod-host
cache=${XS_KMOD_CACHE:-tests/kmod/cache}
N=${XS_KMOD_ITERATIONS:-20}
FUZZ=${XS_KMOD_FUZZ_SECONDS:-20}
RUN_N=${XS_KMOD_RUN_ITERATIONS:-5} # iterations of each exitscope run case
MODEL=corei7_haswell_4770          # the Bochs CPU of boot-bochs.sh, and of the Bochs-host comparison
skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
start=$SECONDS

command -v bochs-bin >/dev/null || skip "bochs-bin is missing (scripts/deps.sh vmx)"
command -v grub-mkrescue >/dev/null || skip "grub-mkrescue is missing (scripts/deps.sh kmod)"
for t in kvmx-test kvmx-fuzz; do
	[ -x "$BUILD/kmod-vmx/$t" ] || fail "$BUILD/kmod-vmx/$t is missing: run make kmod-tools"
done
static=$BUILD/static/exitscope
[ -x "$static" ] || fail "$static is missing: run make static-exitscope"
file "$static" | grep -q 'statically linked' || fail "$static is not statically linked"
[ -x "$BUILD/exitscope" ] || fail "$BUILD/exitscope is missing: run make exitscope"
rm -rf "$work" && mkdir -p "$work" "$cache"
kdir=$(tests/lib/debian-kernel.sh "$cache" --headers irqbypass kvm kvm-intel) ||
	fail "fetching Debian's kernel and headers failed"
kver=$(cat "$kdir/version")
headers=$(cd "$kdir/headers/usr/src/linux-headers-$kver" && pwd)

# The module, against exactly the booted kernel's headers.
# no jobserver of a parent `make -jN test-kmod` (its "jobserver unavailable" warning is not kbuild's)
MAKEFLAGS= MFLAGS= make -C kmod-vmx/linux KDIR="$headers" OUT="$(pwd)/$work/module" >"$work/kbuild.log" 2>&1 ||
	{ tail -n 30 "$work/kbuild.log"; fail "building kmod_vmx.ko against $kver failed"; }
if grep -E 'warning:|objtool' "$work/kbuild.log"; then fail "kbuild warned (above)"; fi
modinfo -F vermagic "$work/module/kmod_vmx.ko" | grep -q "^$kver " || fail "kmod_vmx.ko is not built for $kver"

# The initramfs: busybox, the module, KVM's modules (for the refusal), the static test tools.
root=$work/initramfs
mkdir -p "$root"/{bin,lib/modules,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/busybox"
file "$root/bin/busybox" | grep -q 'statically linked' || fail "/bin/busybox is not static (install busybox-static)"
cp "$BUILD/kmod-vmx/kvmx-test" "$BUILD/kmod-vmx/kvmx-fuzz" "$static" tests/kmod/lib/norm-records "$root/bin/"
cp tests/kmod/lib/cases "$root/lib/cases"
cp "$work/module/kmod_vmx.ko" "$kdir"/modules/*.ko "$root/lib/modules/"
cp tests/kmod/lib/init "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

tests/kmod/lib/boot-bochs.sh "$work" "$kdir/vmlinuz" "$work/initrd.gz" "${XS_KMOD_TIMEOUT:-800}" 'xs-kmod: done' \
	"xs_kmod_n=$N xs_kmod_fuzz=$FUZZ xs_kmod_run_n=$RUN_N" || fail "the Bochs test host did not finish"
log=$work/console.log
tr -d '\r' <"$log" >"$work/console.txt"
log=$work/console.txt

failed=0
expect() { # description, fixed string the console must hold
	if grep -qF -- "$2" "$log"; then
		echo "PASS  $1"
	else
		echo "FAIL  $1: no '$2' on the console"
		failed=$((failed + 1))
	fi
}
status_of() { # the status line after the step "xs-kmod: > $1"
	awk -v s="xs-kmod: > $1" 'index($0, s) == 1 { want = 1; next } want && /^xs-kmod: status / { print $3; exit }' "$log"
}
step_ok() { # description, step command line, wanted status
	local got
	got=$(status_of "$2")
	if [ "$got" = "${3:-0}" ]; then
		echo "PASS  $1"
	else
		echo "FAIL  $1: '$2' exited ${got:-?} (want ${3:-0})"
		failed=$((failed + 1))
	fi
}

expect "the kernel sees VMX and EPT" "vmx yes, ept yes"
step_ok "kmod_vmx.ko loads" "insmod /lib/modules/kmod_vmx.ko"
expect "/dev/kmod-vmx is mode 0600" "xs-kmod: device crw-------"
step_ok "refused while KVM is loaded, naming --backend kvm" \
	"kvmx-test refused-vm KVM (kvm_intel) is loaded on this host, so --backend kvm is the choice here"
step_ok "capability MSRs through the module" "kvmx-test caps"
step_ok "a control the model lacks is refused by name" \
	"kvmx-test refused-control rdseed_exiting secondary processor-based control 'RDSEED exiting' is not supported by this CPU"
step_ok "the I/O bitmaps are refused (they would hand over host ports)" \
	"kvmx-test refused-control io_bitmaps control 'use I/O bitmaps' would give the guest every host I/O port"
step_ok "CPUID/RDTSC/OUT/HLT guest, exact counts with RDTSC exiting on and off" "kvmx-test run $N"
step_ok "RDMSR/WRMSR/MOV CR3/MOV CR8 guest, exact counts, MSR index and values" "kvmx-test msr-cr $N"
step_ok "the ioctl fuzzer ran ${FUZZ}s and survived" "kvmx-fuzz $FUZZ 0x5eed"
step_ok "the module still runs a guest after the fuzzer" "kvmx-test run 3"

# exitscope run --backend vmx on the module, case by case, against the Bochs host on the same CPU model.
step_ok "exitscope --list-controls reads this CPU through the module" "exitscope run --backend vmx --list-controls"
list=$(awk '/^xs-kmod: > exitscope run --backend vmx --list-controls$/ { on = 1; next } on && /^xs-kmod: status/ { exit } on' "$log")
for want in "vmx.extint_exiting .* forced on by the module" "vmx.io_bitmap .* no .*refused by the module" \
	"vmx.msr_bitmaps .* no .*refused by the module" "vmx.rdseed_exiting .* no .*this CPU"; do
	if echo "$list" | grep -qE -- "$want"; then
		echo "PASS  --list-controls: $want"
	else
		echo "FAIL  --list-controls has no line matching '$want'"
		failed=$((failed + 1))
	fi
done
cases=0
while read -r name args; do
	case "$name" in '#'* | '') continue ;; esac
	cases=$((cases + 1))
	section=$(awk -v b="xs-kmod: case $name begin" -v e="xs-kmod: case $name status" \
		'$0 == b { on = 1; next } on && index($0, e) == 1 { print; exit } on' "$log")
	status=$(echo "$section" | sed -n "s/^xs-kmod: case $name status //p")
	echo "$section" | sed -n 's/^xs-kmod: rec //p' >"$work/case-$name.module"
	# shellcheck disable=SC2086
	"$BUILD/exitscope" run --backend vmx --vmx-host bochs --cpu-model $MODEL --iterations "$RUN_N" $args --print \
		2>"$work/case-$name.bochs.err" | tests/kmod/lib/norm-records >"$work/case-$name.bochs"
	counts=$(awk '{ print $2 }' "$work/case-$name.module" | sort | uniq -c | awk '{ printf "%s %s, ", $2, $1 }')
	if [ "$status" != 0 ]; then
		echo "FAIL  case $name on the module exited ${status:-?}:"
		echo "$section" | grep '^xs-kmod: err ' | head -n 5 | sed 's/^/      /'
		failed=$((failed + 1))
	elif ! echo "$section" | grep -q '^xs-kmod: case backend: vmx-module$'; then
		echo "FAIL  case $name did not run on the vmx-module backend"
		failed=$((failed + 1))
	elif [ ! -s "$work/case-$name.module" ] || ! cmp -s "$work/case-$name.module" "$work/case-$name.bochs"; then
		echo "FAIL  case $name: the module's records differ from the Bochs host's (< module, > bochs):"
		diff "$work/case-$name.module" "$work/case-$name.bochs" | head -n 12 | sed 's/^/      /'
		failed=$((failed + 1))
	else
		echo "PASS  case $name: $(wc -l <"$work/case-$name.module") records equal to the Bochs host's (${counts%, })"
	fi
done <tests/kmod/lib/cases
[ "$cases" -ge 14 ] || fail "tests/kmod/lib/cases has $cases cases"
expect "a run names the controls the module forces on, on stderr" \
	"note: the module forces on vmx.extint_exiting vmx.nmi_exiting for the host's safety"
expect "every record of a run carries source kmod-vmx and a real pid and tid" \
	"xs-kmod: sources"
sources=$(sed -n 's/^xs-kmod: sources //p' "$log")
if echo "$sources" | grep -qE '^ ?[0-9]+ kmod-vmx pid=ok tid=ok;$' && ! echo "$sources" | grep -q 'bare-vmx'; then
	echo "PASS  records: $sources"
else
	echo "FAIL  records' source/pid/tid: '$sources' (want one line: N kmod-vmx pid=ok tid=ok)"
	failed=$((failed + 1))
fi
step_ok "a control the CPU lacks is refused through exitscope" \
	"exitscope run --backend vmx --guest cpuid --iterations 2 --control vmx.rdseed_exiting=on" 1
expect "... by name" "the module refused the controls: secondary processor-based control 'RDSEED exiting' is not supported"
step_ok "the I/O bitmap is refused by the module host" \
	"exitscope run --backend vmx --guest io --iterations 2 --control vmx.io_bitmap=0x510" 1
expect "... by name, saying why" "refused by the module: ports the bitmap does not list would reach the host's hardware"
step_ok "--cpu-model with --vmx-host module is refused" \
	"exitscope run --backend vmx --vmx-host module --cpu-model corei7_haswell_4770 --guest cpuid" 1

fuzz_runs=$(sed -n 's/^kvmx-fuzz: .* succeeded, \([0-9]*\) runs .*/\1/p' "$log")
if [ "${fuzz_runs:-0}" -ge 10 ]; then
	echo "PASS  the fuzzer's random guests ran ($fuzz_runs runs)"
else
	echo "FAIL  the fuzzer ran ${fuzz_runs:-no} guests (want at least 10): it did not reach KVMX_RUN"
	failed=$((failed + 1))
fi
rmmod_status=$(awk '/^xs-kmod: > rmmod kmod_vmx$/ { want = 1; next } want && /^xs-kmod: status / { print $3; want = 0 }' "$log" | tr '\n' ' ')
if [ "${rmmod_status%% *}" != 0 ] && [ "$rmmod_status" != " " ] && [ "$(echo "$rmmod_status" | cut -d' ' -f2)" = 0 ]; then
	echo "PASS  rmmod refused while a VM file is open, done once it is closed"
else
	echo "FAIL  rmmod with a VM open, then closed: statuses $rmmod_status (want non-zero, then 0)"
	failed=$((failed + 1))
fi
expect "every page the core took came back at unload" "kmod_vmx: unloaded, every page returned"

dmesg_log=$(sed -n '/^xs-kmod: dmesg begin/,/^xs-kmod: dmesg end/p' "$log")
bad=$(echo "$dmesg_log" | grep -E 'WARNING|BUG|Oops|general protection|Call Trace|leak|RIP:' | grep -v 'every page returned' || true)
if [ -z "$bad" ]; then
	echo "PASS  the kernel log has no warning, BUG, oops or leak"
else
	echo "FAIL  the kernel log:"
	echo "$bad" | head -n 40 | sed 's/^/      /'
	failed=$((failed + 1))
fi

echo "--- kvmx-test and kvmx-fuzz output"
grep -E '^(ok|FAIL|count|stops|caps|kvmx-fuzz:) ' "$log" | sed 's/^/      /'
echo "test host wall time: $((SECONDS - start)) s"
[ $failed -eq 0 ] || fail "$failed checks failed in the Bochs Linux test host"
echo "kmod_vmx.ko passed inside Debian's $kver in Bochs"
