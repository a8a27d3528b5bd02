#!/usr/bin/env python3
"""Assertions on a record file written by `exitscope run -o FILE.xsr` (used by tests/integration/launcher-*.sh).

  launcher_check.py FILE.xsr 'EXPR' ...

Each EXPR is a Python expression that must be true; they see:
  recs            every record (dicts, in seq order) with the decoded detail merged in:
                  name (KVM_EXIT_* without the prefix; VMX records: the basic reason's name, IO_INSTRUCTION, ...), vcpu, seq, ts, tid, flags, rip, final (XS_F_FINAL),
                  io: port, size, dir ('in'/'out'), count, value, string;  mmio: gpa, len, write, value;
                  msr: index, write, kvm_reason, failed, value;  debug: exception, pc, dr6, dr7;  cr: cr, value
                  with guest state: gs_rip, gpr (list), cr0, cr3, cr4, cr8, efer, cs_sel
  meta            run metadata (dict of strings), end = (records written, dropped) from the END chunk
  n(**f)          how many records match every field given (name='IO', port=0x510, ...)
  vals(key, **f)  that field of the matching records, in seq order
  vec(v)          how many reports of vector v the guest's stubs made (OUT to port 0x501)
On failure it prints the expression and a summary of the records, and exits 1.
"""
import os
import struct
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import collector_xsr  # noqa: E402  (the shared record-file reader)

KVM_EXIT = {0: "UNKNOWN", 2: "IO", 4: "DEBUG", 5: "HLT", 6: "MMIO", 7: "IRQ_WINDOW_OPEN", 8: "SHUTDOWN",
            9: "FAIL_ENTRY", 10: "INTR", 11: "SET_TPR", 17: "INTERNAL_ERROR", 24: "SYSTEM_EVENT",
            29: "X86_RDMSR", 30: "X86_WRMSR"}
# VMX basic exit reasons (the vmx backend's records, isa 1), by the decoder's names
VMX_EXIT = {0: "EXCEPTION_NMI", 1: "EXTERNAL_INTERRUPT", 2: "TRIPLE_FAULT", 7: "INTERRUPT_WINDOW", 10: "CPUID",
            12: "HLT", 14: "INVLPG", 15: "RDPMC", 16: "RDTSC", 18: "VMCALL", 28: "CR_ACCESS", 29: "DR_ACCESS",
            30: "IO_INSTRUCTION", 31: "MSR_READ", 32: "MSR_WRITE", 36: "MWAIT_INSTRUCTION",
            39: "MONITOR_INSTRUCTION", 40: "PAUSE_INSTRUCTION", 48: "EPT_VIOLATION", 52: "PREEMPTION_TIMER",
            54: "WBINVD"}
ISA_VMX = 1
F_FINAL, F_GUEST_STATE = 1 << 7, 1 << 0


def decode(r, raw):
    d, k = r["detail"], r["kind"]
    names = VMX_EXIT if r["isa"] == ISA_VMX else KVM_EXIT
    out = dict(name=names.get(r["reason"] & 0xffff, str(r["reason"])), final=bool(r["flags"] & F_FINAL))
    if k == 1:
        port, size, direction, count, value, string = struct.unpack_from("<HBBIQB", d)
        out.update(port=port, size=size, dir="in" if direction else "out", count=count, value=value, string=string)
    elif k == 2:
        gpa, value, length, is_write = struct.unpack_from("<QQIB", d)
        out.update(gpa=gpa, value=value, len=length, write=is_write)
    elif k == 3:
        index, is_write, kvm_reason, failed, _r, value = struct.unpack_from("<IBBBBQ", d)
        out.update(index=index, write=is_write, kvm_reason=kvm_reason, failed=failed, value=value)
    elif k == 4:
        cr, is_write, _a, _b, _c, value = struct.unpack_from("<IBBBBQ", d)
        out.update(cr=cr, value=value)
    elif k == 7:
        exception, _r, pc, dr6, dr7 = struct.unpack_from("<IIQQQ", d)
        out.update(exception=exception, pc=pc, dr6=dr6, dr7=dr7)
    if r["flags"] & F_GUEST_STATE:
        gs = raw[192:576]
        cr0, cr2, cr3, cr4, cr8, efer = struct.unpack_from("<6Q", gs, 152)
        out.update(cr0=cr0, cr3=cr3, cr4=cr4, cr8=cr8, efer=efer, cs_sel=struct.unpack_from("<H", gs, 312 + 2)[0])
    r.update(out)
    return r


def load(path):
    data = open(path, "rb").read()
    recs, meta, end = collector_xsr.read(path)
    # the raw bytes of each record again, for the guest-state fields collector_xsr does not decode
    raws, pos = [], 32
    while pos + 8 <= len(data):
        ctype, clen = struct.unpack_from("<II", data, pos)
        body = data[pos + 8:pos + 8 + clen]
        pos += 8 + clen
        o = 0
        while ctype == 1 and o + 4 <= len(body):
            size = struct.unpack_from("<H", body, o + 2)[0]
            raws.append(body[o:o + size])
            o += size
    recs = [decode(r, raw) for r, raw in zip(recs, raws)]
    recs.sort(key=lambda r: r["seq"])
    return recs, meta, end


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    recs, meta, end = load(sys.argv[1])

    def match(r, f):
        return all(r.get(k) == v for k, v in f.items())

    def n(**f):
        return sum(1 for r in recs if match(r, f))

    def vals(key, **f):
        return [r.get(key) for r in recs if match(r, f)]

    def vec(v):
        return sum(1 for r in recs if r.get("port") == 0x501 and r.get("dir") == "out" and r["value"] & 0xff == v)

    env = dict(recs=recs, meta=meta, end=end, n=n, vals=vals, vec=vec, Counter=Counter)
    failed = 0
    for expr in sys.argv[2:]:
        try:
            ok = eval(expr, env)  # noqa: S307 (test expressions written in this repository)
        except Exception as e:  # noqa: BLE001
            ok, expr = False, f"{expr}  ({type(e).__name__}: {e})"
        if not ok:
            failed += 1
            print(f"FAIL: {expr}")
    if failed:
        c = Counter((r["name"], r.get("port"), r["vcpu"]) for r in recs)
        print(f"{len(recs)} records: " + ", ".join(f"{k}={v}" for k, v in sorted(c.items(), key=str)))
        print("meta: " + ", ".join(f"{k}={v}" for k, v in sorted(meta.items()) if not k.startswith("kvmstat")))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
