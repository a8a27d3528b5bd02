#!/usr/bin/env bash
# Every built-in guest in real, protected and long mode on the vmx backend (the kmod-vmx core inside Bochs):
# the exact exits each guest makes per iteration under VT-x, with decoded fields, one final exit, gap-free
# sequence numbers, latencies and the run's metadata. Needs only Bochs: it runs on every host.
. "$(dirname "$0")/launcher-lib.bash"
require_bochs
N=8

for mode in real protected long; do
	m=$mode
	vmx() { run_ok "$1" --backend vmx --mode $mode --iterations $N "${@:2}"; }

	# io: OUT P, IN P+2 (all-ones), OUT P+4 (iteration), REP OUTSB 4 to P+8 (4 exits of 1, as KVM), REP INSW
	vmx io-$m --guest io
	check io-$m "${vmx_common[@]}" "meta['run.mode'] == '$mode'" \
		"vals('value', port=0x510) == [0] * $N" "n(port=0x510, dir='out', size=1) == $N" \
		"vals('value', port=0x512) == [0xffff] * $N" "n(port=0x512, dir='in', size=2) == $N" \
		"vals('value', port=0x514) == list(range($N))" "n(port=0x514, size=4) == $N" \
		"n(port=0x518) == 4 * $N and sum(vals('count', port=0x518)) == 4 * $N" \
		"n(port=0x51a) == $N and vals('count', port=0x51a) == [2] * $N" \
		"n(name='IO_INSTRUCTION') == len(recs) == 8 * $N + 1"

	# mmio: write 0xa0000, read 0xa0008 (all-ones), byte write to the read-only page 0xc0000: EPT violations
	vmx mmio-$m --guest mmio
	check mmio-$m "${vmx_common[@]}" "vals('value', gpa=0xa0000, write=1) == list(range($N))" \
		"vals('value', gpa=0xa0008, write=0) == [0xffffffff] * $N" "n(gpa=0xc0000, write=1, len=1) == $N" \
		"vals('value', gpa=0xc0000) == [i & 0xff for i in range($N)]" "n(name='EPT_VIOLATION') == 3 * $N" \
		"len(recs) == 3 * $N + 1"
	vmx mmio-off-$m --guest mmio --control memory.readonly=none
	check mmio-off-$m "${vmx_common[@]}" "n(gpa=0xc0000) == 0" "n(name='EPT_VIOLATION') == 2 * $N"

	# msr: WRMSR and RDMSR of 0x174 exit (MSR bitmaps), RDMSR of 0x175 does not
	vmx msr-$m --guest msr
	check msr-$m "${vmx_common[@]}" "n(name='MSR_WRITE') == $N" "n(name='MSR_READ') == $N" "len(recs) == 2 * $N + 1"
	vmx msr-off-$m --guest msr --no-default-controls
	check msr-off-$m "${vmx_common[@]}" "len(recs) == 1"

	# cpuid: VT-x exits on every CPUID (KVM answers it in the kernel); 4 result OUTs and done
	vmx cpuid-$m --guest cpuid
	check cpuid-$m "${vmx_common[@]}" "n(name='CPUID') == $N" "n(name='IO_INSTRUCTION') == 5" "len(recs) == $N + 5"

	# hlt: HLT, woken by the injected 0x20, whose report is one OUT to 0x501
	vmx hlt-$m --guest hlt
	check hlt-$m "${vmx_common[@]}" "n(name='HLT') == $N" "n(port=0x501) == $N" "len(recs) == 2 * $N + 1" \
		"meta['counter.inject.injected'] == meta['counter.inject.delivered'] == '$N'"

	# cr, debug, insns: nothing exits with the default controls but the done port (debug: its marker OUT)
	vmx cr-$m --guest cr
	check cr-$m "${vmx_common[@]}" "len(recs) == 1"
	vmx debug-$m --guest debug
	check debug-$m "${vmx_common[@]}" "n(port=0x520) == $N" "len(recs) == $N + 1"
	vmx insns-$m --guest insns
	check insns-$m "${vmx_common[@]}" "len(recs) == 1"

	# mixed: OUT 0x3f8, IN 0x3fd, MMIO write and read, RDMSR 0x174, CPUID; every 4th iteration HLT + report
	vmx mixed-$m --guest mixed
	check mixed-$m "${vmx_common[@]}" "n(port=0x3f8) == $N" "n(port=0x3fd) == $N" "n(name='EPT_VIOLATION') == 2 * $N" \
		"n(name='MSR_READ') == $N" "n(name='CPUID') == $N" "n(name='HLT') == $N // 4" "n(port=0x501) == $N // 4" \
		"len(recs) == 6 * $N + 2 * ($N // 4) + 1"
	# record.guest_state: full (the default) keeps CR0; regs only GPRs, RIP, RFLAGS; off no block at all
	check cpuid-$m "all(r['flags'] & 1 and r['cr0'] & 0x10 for r in recs)"
	vmx gs-regs-$m --guest cpuid --control record.guest_state=regs
	check gs-regs-$m "all(r['flags'] & 1 and r['cr0'] == 0 for r in recs)" "n(name='CPUID') == $N"
	vmx gs-off-$m --guest cpuid --control record.guest_state=off
	check gs-off-$m "not any(r['flags'] & 1 for r in recs)" "n(name='CPUID') == $N"
	echo "$mode mode: every guest passed"
done
echo "all guests passed on the vmx backend"
