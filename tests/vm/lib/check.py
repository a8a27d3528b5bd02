#!/usr/bin/env python3
"""Check what tests/vm/lib/guest-tests produced inside the QEMU AMD-V host.

  check.py OUT_DIR GUEST_IMAGE

GUEST_IMAGE is the flat binary of the workload's guest (the launcher's mixed guest in long mode), loaded where
OUT_DIR/describe.txt says: the snapshot's RIP must point at the instruction that caused each exit.

Prints one line per check (PASS/FAIL) with its figures and exits 1 if any check failed.
"""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integration"))
import collector_xsr as xsr  # noqa: E402

SVM = 2
IOIO, NPF, MSR, HLT = 0x7B, 0x400, 0x7C, 0x78
failures = []


def check(ok, what):
    print(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def perf_counts(out):
    """{'total': n, 'entry': n, reason: n, ...} from perf stat -x, (in the order guest-tests asked)."""
    reasons = [int(r, 0) for r in open(os.path.join(out, "perfstat.reasons")).read().split()]
    values = []
    for line in open(os.path.join(out, "perfstat.csv")):
        if not line.strip() or line.startswith("#"):
            continue
        field = line.split(",")[0]
        values.append(int(field) if field.isdigit() else None)
    if len(values) != 2 + len(reasons):
        sys.exit(f"perfstat.csv has {len(values)} counters, expected {2 + len(reasons)}")
    counts = {"total": values[0], "entry": values[1]}
    counts.update(zip(reasons, values[2:]))
    return counts


PREFIXES = {0x66, 0x67, 0xF2, 0xF3, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65} | set(range(0x40, 0x50))
OPCODES = {  # exit reason -> what the first opcode bytes after prefixes may be
    IOIO: [bytes([b]) for b in (0xE4, 0xE5, 0xE6, 0xE7, 0xEC, 0xED, 0xEE, 0xEF, 0x6C, 0x6D, 0x6E, 0x6F)],
    NPF: [bytes([b]) for b in (0x88, 0x89, 0x8A, 0x8B, 0xC6, 0xC7, 0xA0, 0xA1, 0xA2, 0xA3)],
    MSR: [b"\x0f\x32", b"\x0f\x30"],
    0x72: [b"\x0f\xa2"],
    HLT: [b"\xf4"],
}


def instructions_at_rip(exits, threads, image, load):
    bad, checked = [], 0
    for r in exits:
        if (r["pid"], r["tid"]) not in threads or r["reason"] not in OPCODES or "gs_rip" not in r:
            continue
        if r["reason"] == NPF and r["kind"] != xsr.D_MMIO:
            continue  # KVM populating guest memory (a code fetch, a first store), not an MMIO access
        off = r["gs_rip"] - load
        if not 0 <= off < len(image):
            bad.append(f"{r['reason']:#x} at {r['gs_rip']:#x} is outside the guest image")
            continue
        while off < len(image) and image[off] in PREFIXES:
            off += 1
        if not any(image[off:off + len(op)] == op for op in OPCODES[r["reason"]]):
            bad.append(f"{r['reason']:#x} at {r['gs_rip']:#x}: bytes {image[off:off + 3].hex()}")
        checked += 1
    return bad, checked


def main(out, image_path):
    image = open(image_path, "rb").read()
    load = next(int(line.split()[-1], 0) for line in open(os.path.join(out, "describe.txt"))
                if line.startswith("image "))
    for name in ("run", "bpf", "bpfboth", "bpftp", "perf", "ioio", "sampled", "vcpu1"):
        path = os.path.join(out, name + ".status")
        status = open(path).read().strip() if os.path.exists(path) else "missing"
        check(status == "0", f"{name} exited {status}")
    run, run_meta, _ = xsr.read(os.path.join(out, "run.xsr"))
    pid = run[0]["pid"] if run else None
    check(bool(run), f"the launcher recorded {len(run)} userspace exits")
    rec = {}
    for name in ("bpf", "bpfboth", "bpftp", "perf", "ioio", "sampled", "vcpu1"):
        recs, meta, _ = xsr.read(os.path.join(out, name + ".xsr"))
        rec[name] = [r for r in recs if r["pid"] == pid]
        drops = int(meta.get("counter.dropped.ring", 0)) + int(meta.get("counter.lost.perf", 0))
        check(meta.get("collector.mode") == "hardware" and drops == 0,
              f"{name}: backend {meta.get('collector.backend')}, {meta.get('collector.mode')} mode, vendor "
              f"{meta.get('collector.vendor')}, {len(rec[name])} records of the workload, {drops} dropped, "
              f"{meta.get('counter.unjoined')} unjoined")
        want_gs = {"perf": "none (the perf backend", "bpftp": "none (--exit-source tp"}.get(name, "full")
        check(meta.get("collector.guest_state", "").startswith(want_gs),
              f"{name}: guest_state metadata '{meta.get('collector.guest_state')}'")
    for name in ("perf", "bpftp"):
        err = open(os.path.join(out, name + ".stderr")).read()
        check("no guest-state snapshots" in err, f"{name}: says it takes no guest-state snapshots")
    perf = perf_counts(out)

    # kvm_exit records with SVM exit codes, per reason equal to perf stat's filtered counters
    exits = {name: [r for r in rec[name] if r["isa"] == SVM] for name in rec}
    for name in ("bpf", "bpfboth", "bpftp", "perf"):
        n = len(exits[name])
        check(n == perf["total"], f"{name}: {n} kvm_exit records, perf stat counted {perf['total']}")
        bad = []
        for reason, want in perf.items():
            if isinstance(reason, int):
                got = sum(1 for r in exits[name] if r["reason"] == reason)
                if got != want:
                    bad.append(f"{reason:#x}: {got} vs {want}")
        check(not bad, f"{name}: per-reason counts equal perf stat's for {len(perf) - 2} filtered reasons"
              + (" (" + ", ".join(bad) + ")" if bad else ""))
    seen = {r["reason"] for r in exits["bpf"]}
    print("      reasons seen: " + ", ".join(f"{x:#x}={sum(1 for r in exits['bpf'] if r['reason'] == x)}"
                                          for x in sorted(seen)))
    check(all(r["reason"] == IOIO for r in exits["ioio"]) and len(exits["ioio"]) == perf[IOIO],
          f"--reason svm:ioio kept {len(exits['ioio'])} IOIO exits and nothing else; perf stat: {perf[IOIO]}")
    v1 = [r for r in exits["bpf"] if r["vcpu"] == 1]
    check(v1 and len(exits["vcpu1"]) == len(v1) and all(r["vcpu"] == 1 for r in rec["vcpu1"]),
          f"--vcpu 1 kept {len(exits['vcpu1'])} exits, all of vCPU 1 (vCPU 1 had {len(v1)})")
    total_seen = len(exits["bpf"])
    kept = len(exits["sampled"])
    check(abs(kept - total_seen / 4) <= 1 and all(r["flags"] & (1 << 9) for r in exits["sampled"]),
          f"--sample 4 kept {kept} of {total_seen} exits, all flagged sampled")

    # decoded EXITINFO1 of IOIO exits against the port access KVM traced
    decoded = [json.loads(line) for line in open(os.path.join(out, "bpf.jsonl")) if line.startswith("{")]
    ioio = [d for d in decoded if d["isa"] == "svm" and d["reason"] == IOIO and d["pid"] == pid]
    mismatch = [d for d in ioio if d.get("detail_kind") != "io" or d["fields"]["port"] != d["detail"]["port"]
                or d["fields"]["direction_name"] != d["detail"]["direction"]
                or d["fields"]["access_size_bytes"] != d["detail"]["size"]]
    ports = sorted({d["fields"]["port"] for d in ioio})
    check(ioio and not mismatch, f"{len(ioio)} IOIO exits: EXITINFO1 decodes to the port, direction and size "
          f"kvm_pio traced ({len(mismatch)} differ); ports {', '.join(hex(p) for p in ports)}")

    # exit-to-entry latency
    lat = [r["latency"] for r in exits["bpf"] if r["flags"] & xsr.F_LATENCY]
    nthreads = len({r["tid"] for r in exits["bpf"]})
    check(len(lat) >= len(exits["bpf"]) - nthreads and all(x > 0 for x in lat),
          f"{len(lat)} of {len(exits['bpf'])} exits have an exit-to-entry latency (median "
          f"{statistics.median(lat) if lat else 0:.0f} ns, max {max(lat) if lat else 0} ns)")

    # the userspace exits are the launcher's, and the snapshot's RIP is where the launcher saw the guest
    ours = sorted((r for r in rec["bpf"] if r["flags"] & xsr.F_USERSPACE), key=lambda r: r["ts"])
    threads = {(r["pid"], r["tid"]) for r in run}
    ours = [r for r in ours if (r["pid"], r["tid"]) in threads]
    theirs = sorted(run, key=lambda r: r["seq"])
    same = []  # paired per vCPU, in each one's order
    for vcpu in {r["vcpu"] for r in theirs}:
        a = [r for r in theirs if r["vcpu"] == vcpu]
        b = [r for r in ours if r["vcpu"] == vcpu]
        same += [(x, y) for x, y in zip(a, b) if xsr.detail_key(x) == xsr.detail_key(y)]
    check(len(theirs) == len(ours) == len(same),
          f"userspace exits: launcher {len(theirs)}, collector {len(ours)}, {len(same)} with the same detail")
    # KVM completes an MMIO write and a HLT before it exits to user space: there the launcher sees the next RIP
    advanced = lambda a: (a["reason"] == 6 and xsr.detail_key(a)[3]) or a["reason"] == 5
    rip_ok = [1 for a, b in same if b["gs_valid"] & (1 << 16) and
              (b["gs_rip"] == a["rip"] if not advanced(a) else 0 < a["rip"] - b["gs_rip"] <= 15)]
    with_rip = [1 for a, b in same if a["flags"] & xsr.F_RIP]
    check(with_rip and len(rip_ok) == len(with_rip),
          f"guest-state RIP is the launcher's RIP at {len(rip_ok)} of {len(with_rip)} userspace exits (the "
          "instruction's, for MMIO writes and HLT, which KVM completes before exiting)")
    bad, checked = instructions_at_rip(exits["bpf"], threads, image, load)
    check(checked and not bad, f"at {checked} exits the snapshot's RIP points at the guest instruction that "
          f"caused it (IN/OUT, MOV for MMIO, RDMSR/WRMSR, CPUID, HLT){': ' + '; '.join(bad[:3]) if bad else ''}")
    outs = [(a, b) for a, b in same if xsr.detail_key(a)[0] == "io" and xsr.detail_key(a)[3] == 0]
    al_ok = [1 for a, b in outs if b["gpr"][0] & 0xff == xsr.detail_key(a)[5] & 0xff]
    check(outs and len(al_ok) == len(outs), f"guest-state RAX holds the OUT data at {len(al_ok)} of {len(outs)} OUTs")

    # the backends and the kvm_exit sources agree
    for other in ("perf", "bpftp", "bpfboth"):
        a = sorted(map(repr, (xsr.comparable(r, True) for r in rec["bpf"])))
        b = sorted(map(repr, (xsr.comparable(r, True) for r in rec[other])))
        check(a == b, f"bpf and {other} recorded the same {len(a)} records" if a == b else
              f"bpf ({len(a)}) and {other} ({len(b)}) records differ")
    gs_same = sum(1 for x, y in zip(sorted(exits["bpf"], key=lambda r: r["ts"]),
                                     sorted(exits["bpfboth"], key=lambda r: r["ts"]))
                  if x.get("gpr") == y.get("gpr") and x.get("gs_rip") == y.get("gs_rip"))
    check(gs_same == len(exits["bpf"]), f"merged kvm_exit halves carry the same guest state ({gs_same} of "
          f"{len(exits['bpf'])})")

    print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
