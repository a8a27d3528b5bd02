#!/usr/bin/env python3
"""Check what tests/vm/qemu-vmm/in-testbed.sh saw of Debian's QEMU running a guest on the test host's kvm-amd.

  check.py DIR

DIR holds (in-testbed.sh writes them): perfstat.csv and perfstat.reasons (perf stat -e kvm:kvm_exit: the
unfiltered total, then one counter per SVM exit code with a tracepoint filter), perexit.xsr and perexit.json
(`exitscope record -p`: the records and its own JSON summary), summary.json (`exitscope record --summary`, when
that mode exists), boot.syms (the boot sector's labels), bios (the firmware's path), ram_mb (the guest's RAM),
loops (the boot sector's CPUID count), qemu.pid, top.txt (`exitscope top -p --batch`), report.txt (`exitscope report`).

Checks: per-reason counts of each exitscope mode equal perf stat's (each listed reason, and the rest against
the total minus the listed ones); every exit's guest RIP lies in the guest's code (16-bit offsets: the boot
sector or SeaBIOS's real-mode code; SeaBIOS's flat 32-bit code below 1 MiB or in its ROM alias below 4 GiB; its
init code relocated to the top of RAM), the CPUID and I/O exits in SeaBIOS's flat code point at a CPUID or IN/OUT
instruction of its image, the boot sector's CPUIDs are all there at the one address, and its OUT to 0xf4; the
VM is named by its command line in top and in the report.
Prints one line per check (PASS/FAIL) and exits 1 if any failed.
"""
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integration"))
import collector_xsr as xsr  # noqa: E402

SVM = 2
CPUID, IOIO = 0x72, 0x7B
BOOT = 0x7C00
PREFIXES = {0x66, 0x67, 0xF2, 0xF3, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}
OPCODES = {
    IOIO: [bytes([b]) for b in (0xE4, 0xE5, 0xE6, 0xE7, 0xEC, 0xED, 0xEE, 0xEF, 0x6C, 0x6D, 0x6E, 0x6F)],
    CPUID: [b"\x0f\xa2"],
}
failures = []


def check(ok, what):
    print(("PASS  " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def perf_counts(d):
    reasons = [int(r, 0) for r in open(os.path.join(d, "perfstat.reasons")).read().split()]
    values = []
    for line in open(os.path.join(d, "perfstat.csv")):
        if line.strip() and not line.startswith("#"):
            field = line.split(",")[0]
            values.append(int(field) if field.isdigit() else None)
    if len(values) != 1 + len(reasons):
        sys.exit(f"perfstat.csv has {len(values)} counters, expected {1 + len(reasons)}")
    return values[0], dict(zip(reasons, values[1:]))


def compare(mode, counts, total, listed):
    """counts: {svm exit code: n} of one exitscope mode against perf stat's."""
    bad = []
    for reason, n in listed.items():
        if counts.get(reason, 0) != n:
            bad.append(f"{reason:#x}: exitscope {counts.get(reason, 0)} perf {n}")
    rest = sum(n for r, n in counts.items() if r not in listed)
    perf_rest = total - sum(listed.values())
    if rest != perf_rest:
        bad.append(f"other reasons: exitscope {rest} perf {perf_rest}")
    shown = ", ".join(f"{r:#x}={n}" for r, n in sorted(counts.items()))
    check(not bad and sum(counts.values()) == total,
          f"{mode}: per-reason counts equal perf stat's ({sum(counts.values())} exits, perf {total}: {shown})"
          + ("; " + "; ".join(bad) if bad else ""))


def regions(bios):
    """(start, end, file offset) of SeaBIOS's bytes as the guest sees them (QEMU maps the whole ROM below 4 GiB
    and its last 128 KiB below 1 MiB; SeaBIOS copies itself to RAM there, 256 KiB images from 0xc0000)."""
    size = len(bios)
    low = min(size, 0x40000)
    return [(0x100000 - low, 0x100000, size - low), (2**32 - size, 2**32, 0)]


def instruction(r, bios, ram_top):
    """(the bytes at a record's RIP or b"" when they are not known here, where it is); (None, None) when the RIP
    is in no code of this guest."""
    rip = r["rip"]
    if rip < 0x10000:
        # 16-bit code: RIP is an offset in a segment whose base the record does not carry (the boot sector runs
        # at 0000:7c00, SeaBIOS at f000:xxxx, its SMM handler at its SMBASE): the offset is all there is
        return b"", "16-bit code (boot sector or SeaBIOS)"
    for start, end, off in regions(bios):
        if start <= rip < end:
            return bios[off + rip - start:], "SeaBIOS"
    if ram_top - 0x100000 <= rip < ram_top:
        # SeaBIOS relocates its 32-bit init code to the top of RAM (CONFIG_RELOCATE_INIT), relocations applied:
        # the bytes there are not the file's
        return b"", "SeaBIOS init code relocated to the top of RAM"
    return None, None


def opcode_ok(code, reason):
    i = 0
    while i < len(code) and code[i] in PREFIXES:
        i += 1
    return any(code[i:i + len(op)] == op for op in OPCODES[reason])


def main(d):
    total, listed = perf_counts(d)
    pid = int(open(os.path.join(d, "qemu.pid")).read())
    loops = int(open(os.path.join(d, "loops")).read())
    bios = open(open(os.path.join(d, "bios")).read().strip(), "rb").read()
    syms = {line.split()[2]: int(line.split()[0], 16) for line in open(os.path.join(d, "boot.syms"))
            if len(line.split()) == 3}
    check(total > 1000, f"perf stat counted {total} kvm_exit events of QEMU (pid {pid}): thousands expected")

    recs, meta, _ = xsr.read(os.path.join(d, "perexit.xsr"))
    exits = [r for r in recs if r["isa"] == SVM]
    others = collections.Counter((r["isa"], r["reason"]) for r in recs if r["isa"] != SVM)
    check(all(r["pid"] == pid for r in recs), f"every record is QEMU's (pid {pid}); other isa records: {dict(others)}")
    dropped = sum(int(meta.get(k, "0")) for k in ("counter.dropped.ring", "counter.lost.perf", "counter.dropped.sink"))
    check(dropped == 0, f"per-exit mode dropped {dropped} records")
    compare("per-exit mode (the records)", collections.Counter(r["reason"] for r in exits), total, listed)

    def json_counts(name):
        s = json.load(open(os.path.join(d, name)))
        return collections.Counter({r["reason"]: r["count"] for r in s["reasons"] if r["isa"] == "svm"}), s
    c, s = json_counts("perexit.json")
    compare("per-exit mode (its summary)", c, total, listed)
    if os.path.exists(os.path.join(d, "summary.json")):
        c, s = json_counts("summary.json")
        compare("aggregation mode (record --summary)", c, total, listed)
    else:
        print("NOTE  no summary.json: this exitscope has no record --summary (aggregation mode)")

    # guest RIPs
    ram_top = int(open(os.path.join(d, "ram_mb")).read()) << 20
    where, outside, wrong, checked = collections.Counter(), [], [], 0
    for r in exits:
        if r["rip"] == 0 and r["reason"] not in (CPUID, IOIO):
            where["(no RIP)"] += 1
            continue
        code, place = instruction(r, bios, ram_top)
        if code is None:
            outside.append(f"{r['reason']:#x}@{r['rip']:#x}")
            continue
        where[place] += 1
        if r["reason"] in OPCODES and code:
            checked += 1
            if not opcode_ok(code, r["reason"]):
                wrong.append(f"{r['reason']:#x}@{r['rip']:#x} ({place}: {code[:3].hex()})")
    check(not outside, f"every exit's RIP is in the guest's code: {dict(where)}"
          + (f"; outside: {len(outside)} e.g. {outside[:8]}" if outside else ""))
    check(checked > 1000 and not wrong,
          f"{checked} CPUID/IOIO exits in SeaBIOS's flat code point at a CPUID or IN/OUT instruction of its image"
          + (f"; {len(wrong)} do not, e.g. {wrong[:8]}" if wrong else ""))
    cpuid_at = BOOT + syms["cpuid_insn"]
    n = sum(1 for r in exits if r["reason"] == CPUID and r["rip"] == cpuid_at)
    check(n == loops, f"the boot sector's CPUID at {cpuid_at:#x}: {n} exits, {loops} executed")
    out_at = BOOT + syms["exit_insn"]
    n = sum(1 for r in exits if r["reason"] == IOIO and r["rip"] == out_at and (r["qual"] >> 16) == 0xF4)
    check(n == 1, f"the boot sector's OUT to 0xf4 at {out_at:#x}: {n} exit")
    check(where["SeaBIOS"] > 1000, f"SeaBIOS's own exits in its flat code: {where['SeaBIOS']}")

    # the VM's name
    cmdline = open(f"{d}/qemu.cmdline").read().strip()
    name = open(f"{d}/qemu.name").read().strip()
    top = open(os.path.join(d, "top.txt")).read()
    check(f"{pid} {name}" in top, f"top names the VM '{pid} {name}' (from its command line: {cmdline[:60]}...)")
    # top's last snapshot, taken after QEMU ended: its exit-reason table against the per-exit summary's
    last = top.split("=== snapshot")[-1]
    names = {r["name"]: r["count"] for r in json.load(open(os.path.join(d, "perexit.json")))["reasons"]
             if r["isa"] == "svm" and r["name"]}
    shown = {}
    for line in last.split("EXIT REASONS", 1)[-1].split("PER VCPU", 1)[0].splitlines():
        f = line.split()
        if len(f) > 2 and f[0] == "svm" and f[2].isdigit():
            shown[f[1]] = int(f[2])
    counting = re.search(r"counting ([^,\n]*)", last.split("EXIT REASONS", 1)[0])
    mode = "counting " + counting.group(1).strip() if counting else "per-exit stream"
    check(shown == names, f"top's last snapshot ({mode}): per-reason counts equal the per-exit mode's"
          + ("" if shown == names else f": top {shown}, per-exit {names}"))
    report = open(os.path.join(d, "report.txt")).read()
    check(cmdline in report, "the report names the VM by its command line")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
