#!/usr/bin/env bash
# Every built-in guest in real, protected and long mode on this host's /dev/kvm, with its default controls
# and with them off: the exact userspace exits each guest documents per iteration, with the right decoded
# fields, one final exit, gap-free sequence numbers and the run's metadata.
# test-needs: kvm
. "$(dirname "$0")/launcher-lib.bash"
require_kvm
N=40

# What every run must satisfy: seq 0..len-1, one FINAL record (the last, the DONE port), status ok, END chunk,
# an exit-to-entry latency on every exit but the final one.
common=('len(recs) > 0' '[r["seq"] for r in recs] == list(range(len(recs)))' 'n(final=True) == 1'
	'recs[-1]["final"] and recs[-1]["port"] == 0x500' 'meta["run.exit_status"] == "ok"'
	'end == (len(recs), 0)' 'meta["run.source"] == "launcher"' 'int(meta["counter.exits"]) == len(recs)'
	'all(r["vcpu"] == 0 and r["tid"] == recs[0]["tid"] for r in recs)' 'any(k.startswith("kvmstat.vcpu0.") for k in meta)'
	'all(bool(r["flags"] & 2) != r["final"] and r["latency"] > 0 or r["final"] for r in recs)')

for mode in real protected long; do
	m=${mode}
	# io: OUT P (vCPU), IN P+2 (0xffff), OUT P+4 (iteration), REP OUTSB 4 to P+8, REP INSW 2 from P+10
	run_ok io-$m --guest io --mode $mode --iterations $N
	check io-$m "${common[@]}" "meta['run.mode'] == '$mode'" \
		"vals('value', port=0x510) == [0] * $N" "n(port=0x510, dir='out', size=1) == $N" \
		"vals('value', port=0x512) == [0xffff] * $N" "n(port=0x512, dir='in', size=2) == $N" \
		"vals('value', port=0x514) == list(range($N))" "n(port=0x514, size=4) == $N" \
		"sum(vals('count', port=0x518)) == 4 * $N" "n(port=0x518) in ($N, 4 * $N)" \
		"sum(vals('count', port=0x51a)) == 2 * $N" "n(port=0x51a) == $N and all(vals('string', port=0x51a))" \
		"n(name='IO') == len(recs)" "all(r['flags'] & 1 for r in recs)"
	run_ok io-port-$m --guest io --mode $mode --iterations 5 --param port=0x600
	check io-port-$m "n(port=0x600) == 5" "n(port=0x510) == 0" "meta['run.param.port'] == '0x600'"

	# mmio: write 0xa0000, read 0xa0008 (0xffffffff), write 0xc0000 only while read-only
	run_ok mmio-$m --guest mmio --mode $mode --iterations $N
	check mmio-$m "${common[@]}" "vals('value', gpa=0xa0000, write=1) == list(range($N))" \
		"vals('value', gpa=0xa0008, write=0) == [0xffffffff] * $N" "n(gpa=0xc0000, write=1, len=1) == $N" \
		"vals('value', gpa=0xc0000) == [i & 0xff for i in range($N)]" "n(name='MMIO') == 3 * $N" \
		"meta['control.memory.readonly'] == '0xc0000-0xc0fff'"
	run_ok mmio-off-$m --guest mmio --mode $mode --iterations $N --control memory.readonly=none
	check mmio-off-$m "${common[@]}" "n(gpa=0xc0000) == 0" "n(name='MMIO') == 2 * $N"

	# msr: filtered WRMSR/RDMSR of 0x174 exit, RDMSR of 0x175 does not; off: none exit
	run_ok msr-$m --guest msr --mode $mode --iterations $N
	check msr-$m "${common[@]}" "vals('value', name='X86_WRMSR', index=0x174) == list(range($N))" \
		"vals('value', name='X86_RDMSR', index=0x174) == list(range($N))" "n(index=0x175) == 0" \
		"all(r['kvm_reason'] == 4 and not r['failed'] for r in recs if r['name'].startswith('X86_'))"
	run_ok msr-both-$m --guest msr --mode $mode --iterations $N --control msr.exit_read=0x174-0x175
	check msr-both-$m "${common[@]}" "n(name='X86_RDMSR', index=0x175) == $N" "n(name='X86_RDMSR') == 2 * $N"
	run_ok msr-off-$m --guest msr --mode $mode --iterations $N --no-default-controls
	check msr-off-$m "${common[@]}" "n(name='X86_RDMSR') + n(name='X86_WRMSR') == 0" "len(recs) == 1"

	# cpuid: no userspace exits in the loop; the last result reported on 0x502
	run_ok cpuid-$m --guest cpuid --mode $mode --iterations $N
	check cpuid-$m "${common[@]}" "len(recs) == 5" "n(port=0x502) == 4" "vals('value', port=0x502)[0] >= 1"
	run_ok cpuid-ovr-$m --guest cpuid --mode $mode --iterations $N --param leaf=0x40000000 \
		--control cpuid.0x40000000.ebx=0x12345678
	check cpuid-ovr-$m "${common[@]}" "vals('value', port=0x502)[1] == 0x12345678" \
		"meta['control.cpuid.0x40000000.ebx'] == '0x12345678'"

	# hlt: HLT woken by the injected vector 0x20, which the guest's stub reports; off: HLT only
	run_ok hlt-$m --guest hlt --mode $mode --iterations $N
	check hlt-$m "${common[@]}" "n(name='HLT') == $N" "vec(0x20) == $N" "len(recs) == 2 * $N + 1" \
		"meta['counter.inject.injected'] == meta['counter.inject.delivered'] == '$N'"
	run_ok hlt-off-$m --guest hlt --mode $mode --iterations $N --control inject=none
	check hlt-off-$m "${common[@]}" "n(name='HLT') == $N" "vec(0x20) == 0" "len(recs) == $N + 1"

	# cr: handled in the kernel; hardware KVM reports lowering CR8 as SET_TPR in long mode
	run_ok cr-$m --guest cr --mode $mode --iterations $N
	check cr-$m "${common[@]}" "len(recs) - n(name='SET_TPR') == 1" "n(name='SET_TPR') in (0, $N)" \
		"recs[-1]['cr0'] & 1 == (0 if '$mode' == 'real' else 1)" \
		"recs[-1]['efer'] == (0x500 if '$mode' == 'long' else 0)"

	# debug: one marker OUT per iteration
	run_ok debug-$m --guest debug --mode $mode --iterations $N
	check debug-$m "${common[@]}" "n(port=0x520) == $N" "len(recs) == $N + 1"

	# mixed: 5 exits per iteration and HLT + report every 4th
	run_ok mixed-$m --guest mixed --mode $mode --iterations $N
	check mixed-$m "${common[@]}" "n(port=0x3f8) == $N" "n(port=0x3fd, dir='in') == $N" \
		"n(gpa=0xa0000, write=1) == $N" "n(gpa=0xa0004, write=0) == $N" \
		"n(name='X86_RDMSR', index=0x174) == $N" "n(name='HLT') == $N // 4" "vec(0x20) == $N // 4" \
		"bytes(vals('value', port=0x3f8)[:10]) == b'exitscope\\n'" "len(recs) == 5 * $N + 2 * ($N // 4) + 1"
	echo "$mode mode: every guest passed"
done

# guest state: long mode's control registers and segments, and record.guest_state's three levels
run_ok gs-full --guest io --iterations 2
check gs-full "recs[0]['cr3'] == 0x90000" "recs[0]['efer'] == 0x500" "recs[0]['cs_sel'] == 8" \
	"all(r['flags'] & 1 and r['flags'] & (1 << 10) for r in recs)"
run_ok gs-off --guest io --iterations 2 --control record.guest_state=off
check gs-off "not any(r['flags'] & 1 for r in recs)" "meta['control.record.guest_state'] == 'off'"
run_ok gs-regs --guest io --iterations 2 --control record.guest_state=regs
check gs-regs "all(r['flags'] & 1 and r['gs_valid'] == 0x3ffff for r in recs)"
echo "all guests passed"
