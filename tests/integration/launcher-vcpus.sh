#!/usr/bin/env bash
# --vcpus 4: one host thread per vCPU, every vCPU's exits recorded with its own vCPU id, thread, data and its
# own final exit; sequence numbers unique and gap-free across the run; per-vCPU KVM statistics.
# test-needs: kvm
. "$(dirname "$0")/launcher-lib.bash"
require_kvm
N=200
V=4

run_ok io4 --guest io --vcpus $V --iterations $N
check io4 "meta['run.vcpus'] == '$V'" "meta['run.exit_status'] == 'ok'" \
	"sorted(r['seq'] for r in recs) == list(range(len(recs)))" "end == (len(recs), 0)" \
	"sorted(vals('vcpu', final=True)) == list(range($V))" \
	"all(r['port'] == 0x500 for r in recs if r['final'])" \
	"len({r['tid'] for r in recs}) == $V" \
	"all(len({r['tid'] for r in recs if r['vcpu'] == v}) == 1 for v in range($V))" \
	"all(vals('value', port=0x510, vcpu=v) == [v] * $N for v in range($V))" \
	"all(vals('value', port=0x514, vcpu=v) == list(range($N)) for v in range($V))" \
	"all(vals('value', port=0x512, vcpu=v) == [0xffff] * $N for v in range($V))" \
	"all(sum(vals('count', port=0x518, vcpu=v)) == 4 * $N for v in range($V))" \
	"all(f'kvmstat.vcpu{v}.exits.end' in meta for v in range($V))" \
	"all(int(meta[f'kvmstat.vcpu{v}.exits.end']) - int(meta[f'kvmstat.vcpu{v}.exits.start']) >= n(vcpu=v) for v in range($V))" \
	"all(r['gpr'][7] == 0x2000 + 128 * r['vcpu'] for r in recs if r['port'] == 0x510)"

# the per-vCPU MMIO data and injected interrupts stay with their vCPU
run_ok mmio4 --guest mmio --vcpus $V --iterations $N
check mmio4 "all(vals('value', gpa=0xa0000, vcpu=v) == [v << 24 | i for i in range($N)] for v in range($V))"
run_ok mixed4 --guest mixed --vcpus $V --iterations $N
check mixed4 "all(n(name='HLT', vcpu=v) == $N // 4 for v in range($V))" \
	"all(sum(1 for r in recs if r['vcpu'] == v and r.get('port') == 0x501) == $N // 4 for v in range($V))" \
	"all(n(name='X86_RDMSR', vcpu=v) == $N for v in range($V))" \
	"int(meta['counter.inject.delivered']) == $V * ($N // 4)"
# every vCPU of a run that is stopped ends with its own final exit
run_ok stop4 --guest hlt --param wait=1 --vcpus $V --iterations 0 --duration 0.5 --control inject=none
check stop4 "sorted(vals('vcpu', final=True)) == list(range($V))" \
	"all(r['name'] == 'INTR' for r in recs if r['final'])" "meta['run.exit_status'] == 'ok'"
echo "vcpus passed"
