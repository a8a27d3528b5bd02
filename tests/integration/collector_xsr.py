#!/usr/bin/env python3
"""Read exitscope record files (.xsr, docs/record-format.md) and compare what different producers recorded.

Used by tests/integration/collector-*.sh, tests/vm and bench/collector.sh:

  collector_xsr.py dump FILE [--pid PID]            one line per record (JSON)
  collector_xsr.py meta FILE KEY                    a run metadata value (exit 1 if absent)
  collector_xsr.py complete FILE                    exit 0 if the file ends with its END chunk
  collector_xsr.py count FILE [--pid P] [--isa I] [--reason R] [--flag F]   how many records match
  collector_xsr.py launcher-match RUN.xsr REC.xsr   the collector saw exactly the userspace exits the launcher
                                                    recorded: same sequence per vCPU, same ports/MSRs/values
  collector_xsr.py backends-match BPF.xsr PERF.xsr [RUN.xsr]
                                                    the two backends produced the same records (fields the perf
                                                    backend cannot see excepted: guest state, kvm_run data),
                                                    only the threads of RUN.xsr's launcher if given
  collector_xsr.py per-reason FILE [--pid P] [--isa I]   "reason count" lines
"""
import json
import signal
import struct
import sys

CORE, FULL = 192, 576
ISA = {1: "vmx", 2: "svm", 3: "kvm", 4: "host"}
F_GUEST_STATE, F_LATENCY, F_UNJOINED, F_USERSPACE, F_RIP = 1 << 0, 1 << 1, 1 << 6, 1 << 8, 1 << 10
D_IO, D_MMIO, D_MSR = 1, 2, 3
KVM_EXIT_IO, KVM_EXIT_MMIO, KVM_EXIT_RDMSR, KVM_EXIT_WRMSR = 2, 6, 29, 30


def read(path):
    """(records, meta, end) from a record file; records as dicts."""
    data = open(path, "rb").read()
    if data[:8] != b"XSRECORD":
        sys.exit(f"{path}: not a record file")
    pos, recs, meta, end = 32, [], {}, None
    while pos + 8 <= len(data):
        ctype, clen = struct.unpack_from("<II", data, pos)
        body = data[pos + 8:pos + 8 + clen]
        pos += 8 + clen
        if ctype == 1:
            o = 0
            while o + 4 <= len(body):
                size = struct.unpack_from("<H", body, o + 2)[0]
                recs.append(parse_record(body[o:o + size]))
                o += size
        elif ctype == 2:
            k, v = body.split(b"\0")[:2]
            meta[k.decode()] = v.decode()
        elif ctype == 3:
            end = struct.unpack_from("<QQ", body)
    return recs, meta, end


def parse_record(b):
    (version, size, isa, source, flags, reason, vcpu, ts, seq, pid, tid, cpu, intr_info, qual, info2, error_code,
     insn_len, insn_info, idt_info, idt_err, detail_kind) = struct.unpack_from("<HHBBHIIQQIIIIQQIIIIIB", b)
    guest_rip, guest_phys, guest_linear, latency, run_ns, handler_ns = struct.unpack_from("<QQQQQQ", b, 88)
    detail = b[136:192]
    r = dict(isa=isa, source=source, flags=flags, reason=reason, vcpu=vcpu, ts=ts, seq=seq, pid=pid, tid=tid,
             cpu=cpu, intr_info=intr_info, qual=qual, info2=info2, error_code=error_code, kind=detail_kind,
             rip=guest_rip, phys=guest_phys, latency=latency, detail=detail)
    if flags & F_GUEST_STATE and len(b) >= FULL:
        gs = b[192:576]
        r["gs_valid"] = struct.unpack_from("<Q", gs)[0]
        r["gpr"] = list(struct.unpack_from("<16Q", gs, 8))
        r["gs_rip"] = struct.unpack_from("<Q", gs, 136)[0]
    return r


def detail_key(r):
    """The detail fields both producers know, as a comparable tuple."""
    d, k = r["detail"], r["kind"]
    if k == D_IO:
        port, size, direction, count, value = struct.unpack_from("<HBBIQ", d)
        return ("io", port, size, direction, count, value)
    if k == D_MMIO:
        gpa, value, length, is_write = struct.unpack_from("<QQIB", d)
        return ("mmio", gpa, length, is_write, value)
    if k == D_MSR:
        index, is_write, _kvm_reason, failed, _r, value = struct.unpack_from("<IBBBBQ", d)
        return ("msr", index, is_write, failed, value)
    return ("kind", k, d.hex())


# A hardware-mode record has no field for the KVM_EXIT_* of its userspace exit (qualification holds the exit's
# EXITINFO1 / exit qualification): it follows from the detail KVM traced, else from the exit code.
KVM_EXIT_DEBUG, KVM_EXIT_HLT, KVM_EXIT_SHUTDOWN, KVM_EXIT_INTR = 4, 5, 8, 10
SVM_TO_KVM_EXIT = {0x78: KVM_EXIT_HLT, 0x7f: KVM_EXIT_SHUTDOWN, 0x60: KVM_EXIT_INTR, 0x41: KVM_EXIT_DEBUG,
                   0x43: KVM_EXIT_DEBUG}
VMX_TO_KVM_EXIT = {12: KVM_EXIT_HLT, 2: KVM_EXIT_SHUTDOWN, 1: KVM_EXIT_INTR, 0: KVM_EXIT_DEBUG}


def userspace_reason(r):
    """The KVM_EXIT_* of a record: the launcher's reason, the collector's joined userspace exit."""
    if r["isa"] == 3:
        return r["reason"]
    if r["isa"] == 4:
        return r["qual"]
    k = r["kind"]
    if k in (D_IO, D_MMIO):
        return KVM_EXIT_IO if k == D_IO else KVM_EXIT_MMIO
    if k == D_MSR:
        return KVM_EXIT_WRMSR if struct.unpack_from("<IB", r["detail"])[1] else KVM_EXIT_RDMSR
    table = SVM_TO_KVM_EXIT if r["isa"] == 2 else VMX_TO_KVM_EXIT
    return table.get(r["reason"], f"{ISA[r['isa']]}:{r['reason']:#x}")


def launcher_match(run_path, rec_path):
    run, _, _ = read(run_path)
    rec, meta, _ = read(rec_path)
    if not run:
        sys.exit("launcher-match: the launcher recorded nothing")
    # The launcher's vCPU threads: the same process also runs probe VMs whose exits it does not record.
    threads = {(r["pid"], r["tid"]) for r in run}
    ours = [r for r in rec if (r["pid"], r["tid"]) in threads and r["flags"] & F_USERSPACE]
    bad = 0
    for vcpu in sorted({r["vcpu"] for r in run} | {r["vcpu"] for r in ours}):
        a = [(userspace_reason(r), detail_key(r)) for r in sorted(run, key=lambda r: r["seq"]) if r["vcpu"] == vcpu]
        b = [(userspace_reason(r), detail_key(r)) for r in sorted(ours, key=lambda r: r["ts"]) if r["vcpu"] == vcpu]
        if a == b:
            print(f"vcpu {vcpu}: {len(a)} userspace exits, identical sequences")
            continue
        bad += 1
        print(f"vcpu {vcpu}: launcher {len(a)} exits, collector {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                print(f"  first difference at #{i}: launcher {x} collector {y}")
                break
    counts = {}
    for r in run:
        counts.setdefault(userspace_reason(r), [0, 0])[0] += 1
    for r in ours:
        counts.setdefault(userspace_reason(r), [0, 0])[1] += 1
    for reason, (a, b) in sorted(counts.items(), key=lambda kv: str(kv[0]).zfill(12)):
        print(f"KVM_EXIT {reason}: launcher {a} collector {b}{'' if a == b else '  MISMATCH'}")
    dropped = int(meta.get("counter.dropped.ring", "0")) + int(meta.get("counter.lost.perf", "0"))
    print(f"collector drops: {dropped}")
    return 1 if bad or dropped else 0


def comparable(r, strip_run_data):
    """A collector record without what only the BPF backend can know: the guest-state snapshot and, with
    strip_run_data, what it copied from struct kvm_run (the detail of a userspace exit no tracepoint describes,
    such as an MSR-filter exit, and a debug exit's RIP)."""
    run_data = strip_run_data and r["flags"] & F_USERSPACE and r["kind"] not in (D_IO, D_MMIO)
    flags = r["flags"] & ~F_GUEST_STATE
    rip = r["rip"] if r["flags"] & F_RIP else None
    if run_data and r["isa"] == 4:
        flags &= ~F_RIP
        rip = None
    k = (r["isa"], r["reason"], r["vcpu"], r["pid"], r["tid"], flags, r["qual"], r["info2"], r["intr_info"],
         r["error_code"], r["phys"], r["latency"] > 0, rip)
    return k + (("run-data",) if run_data else detail_key(r))


def backends_match(bpf_path, perf_path, run_path=None):
    a, ma, _ = read(bpf_path)
    b, mb, _ = read(perf_path)
    if run_path:
        threads = {(r["pid"], r["tid"]) for r in read(run_path)[0]}
        a = [r for r in a if (r["pid"], r["tid"]) in threads]
        b = [r for r in b if (r["pid"], r["tid"]) in threads]
    if not a:
        sys.exit("backends-match: the BPF run recorded nothing")
    ka = sorted(map(repr, (comparable(r, True) for r in a)))
    kb = sorted(map(repr, (comparable(r, True) for r in b)))
    print(f"bpf {len(a)} records, perf {len(b)} records")
    for m, name in ((ma, "bpf"), (mb, "perf")):
        print(f"{name}: dropped.ring {m.get('counter.dropped.ring')} lost.perf {m.get('counter.lost.perf')} "
              f"unjoined {m.get('counter.unjoined')}")
    if ka == kb:
        print("identical records")
        return 0
    sa, sb = set(ka), set(kb)
    for x in sorted(sa - sb)[:5]:
        print("  only bpf: ", x)
    for x in sorted(sb - sa)[:5]:
        print("  only perf:", x)
    return 1


def select(recs, args):
    def opt(name):
        return args[args.index(name) + 1] if name in args else None

    out = recs
    if opt("--pid"):
        out = [r for r in out if r["pid"] == int(opt("--pid"), 0)]
    if opt("--isa"):
        isa = {v: k for k, v in ISA.items()}.get(opt("--isa")) or int(opt("--isa"), 0)
        out = [r for r in out if r["isa"] == isa]
    if opt("--reason"):
        out = [r for r in out if r["reason"] == int(opt("--reason"), 0)]
    if opt("--flag"):
        out = [r for r in out if r["flags"] & int(opt("--flag"), 0)]
    return out


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, path = argv[1], argv[2]
    if cmd == "launcher-match":
        return launcher_match(path, argv[3])
    if cmd == "backends-match":
        return backends_match(path, argv[3], argv[4] if len(argv) > 4 else None)
    recs, meta, end = read(path)
    if cmd == "complete":
        print(f"END chunk: {end[0]} records written, {end[1]} dropped" if end else "no END chunk")
        return 0 if end else 1
    if cmd == "meta":
        if argv[3] not in meta:
            return 1
        print(meta[argv[3]])
        return 0
    sel = select(recs, argv[3:])
    if cmd == "count":
        print(len(sel))
    elif cmd == "per-reason":
        counts = {}
        for r in sel:
            counts[r["reason"]] = counts.get(r["reason"], 0) + 1
        for reason, n in sorted(counts.items()):
            print(f"{reason:#x} {n}")
    elif cmd == "dump":
        for r in sel:
            r = dict(r, detail=r["detail"].hex())
            print(json.dumps(r))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... dump | head` ends quietly
    sys.exit(main(sys.argv))
