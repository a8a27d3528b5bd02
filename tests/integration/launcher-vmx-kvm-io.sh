#!/usr/bin/env bash
# The io guest on both backends: the I/O exits the kvm backend records (KVM_EXIT_IO) and the vmx backend
# records (VMX IO_INSTRUCTION, the kmod-vmx core inside Bochs) agree in number, port, direction, size and
# value, in every mode. Needs /dev/kvm for the kvm half and Bochs for the vmx half.
. "$(dirname "$0")/launcher-lib.bash"
# test-needs: kvm
require_kvm
require_bochs
N=12
for mode in real protected long; do
	run_ok kvm-$mode --backend kvm --guest io --mode $mode --iterations $N
	run_ok vmx-$mode --backend vmx --guest io --mode $mode --iterations $N
	python3 - "$LWORK/kvm-$mode.xsr" "$LWORK/vmx-$mode.xsr" <<'PY' || fail "$mode: the backends' I/O exits differ"
import sys
sys.path.insert(0, "tests/integration")
import launcher_check as lc
def io(path):
    recs, _meta, _end = lc.load(path)
    return [(r["port"], r["dir"], r["size"], r["value"] if r["dir"] == "out" else None)
            for r in recs if r.get("port") is not None]
kvm, vmx = io(sys.argv[1]), io(sys.argv[2])
print(f"kvm {len(kvm)} I/O exits, vmx {len(vmx)}")
assert len(kvm) == len(vmx), (len(kvm), len(vmx))
assert kvm == vmx, next((i, a, b) for i, (a, b) in enumerate(zip(kvm, vmx)) if a != b)
PY
	echo "$mode mode: the same I/O exits on kvm and vmx"
done
