#!/usr/bin/env bash
# Guest symbols on the records of the QEMU AMD-V test host (called by tests/vm/svm-collector.sh after its boot):
# the BPF collector's record of the `exitscope run --guest mixed` workload carries real SVM exit codes and the
# guest RIP of each exit. A System.map made here from the guest's ELF (nm), given as --guest-symbols, must
# resolve every one of those RIPs to one of the guest's functions; the I/O exits (SVM IOIO, 0x7b) must come from
# the functions that execute OUT/IN (guest_main for the serial port, isr_common for the timer's report, _start
# for the end-of-run port), and the kernel/user split must say CPL 0. The collector also sees the launcher's
# control-probe VM (launcher/guests/probe.S, run in the same process before the workload, linked at the same
# address): its RIPs past mixed's last symbol are uncovered by mixed's map, and every uncovered one must be
# covered by the probe's ELF instead, so no RIP is unexplained.
#
#   symbols-check.sh EXITSCOPE OUT_DIR GUEST_ELF PROBE_ELF
set -uo pipefail
X=$1 out=$2 elf=$3 probe_elf=$4
fail() {
	echo "FAIL: symbols: $*"
	exit 1
}
[ -f "$out/bpf.xsr" ] || fail "$out/bpf.xsr missing"
[ -f "$elf" ] || fail "$elf missing"
[ -f "$probe_elf" ] || fail "$probe_elf missing"
map=$out/guest.System.map
nm -n "$elf" >"$map" || fail "nm $elf"
# the probe's ELF itself (a System.map's last label covers only its own address; the ELF bounds it by .text)
"$X" export "$out/bpf.xsr" --format jsonl --guest-symbols "$probe_elf" -o "$out/probe-symbols.jsonl" 2>>"$out/symbols.err" ||
	fail "export with the probe's map: $(cat "$out/symbols.err")"
"$X" export "$out/bpf.xsr" --format jsonl --guest-symbols "$map" -o "$out/guest-symbols.jsonl" 2>>"$out/symbols.err" ||
	fail "export with the guest's map: $(cat "$out/symbols.err")"
"$X" report "$out/bpf.xsr" --by reason,symbol --guest-symbols "$map" >"$out/symbols.txt" 2>"$out/symbols.err" ||
	fail "report --by reason,symbol: $(cat "$out/symbols.err")"
"$X" report "$out/bpf.xsr" --by reason,symbol --guest-symbols "$map" --json >"$out/symbols.json" 2>>"$out/symbols.err" ||
	fail "report --json: $(cat "$out/symbols.err")"
sed 's/^/  /' "$out/symbols.txt"
python3 - "$out/symbols.json" "$out/guest-symbols.jsonl" "$out/probe-symbols.jsonl" <<'PY' || fail "the symbols of the AMD-V exits are wrong (report above)"
import json, sys
rep = json.load(open(sys.argv[1]))
rows = rep["rows"]
known = {"_start", "build_idt", "vector_stubs", "isr_with_error", "isr_common", "guest_main", "message",
         "idt_descriptor"}
uncovered = sum(r["count"] for r in rows if r["label"] == "(no symbol)")
# the same exits, one per line, symbolized with mixed's map and with the probe guest's map
guest = [json.loads(l) for l in open(sys.argv[2])]
probe = [json.loads(l) for l in open(sys.argv[3])]
assert len(guest) == len(probe) == rep["exits"], (len(guest), len(probe), rep["exits"])
by_probe = [p["symbol"] for g, p in zip(guest, probe) if "(no symbol)" in g.get("symbol", "")]
with_rip = sum(r["count"] for r in rows if r["label"] != "(no RIP)")
ioio = {r["label"]: r["count"] for r in rows if r.get("reason_label") == "svm IOIO"}
problems = []
if with_rip == 0:
    problems.append("no exit carried a guest RIP")
if len(by_probe) != uncovered:
    problems.append(f"report and export disagree on uncovered RIPs ({uncovered} vs {len(by_probe)})")
unexplained = [s for s in by_probe if "(no symbol)" in s]
if unexplained:
    problems.append(f"{len(unexplained)} RIPs neither mixed's nor the probe guest's symbols cover: {unexplained[:5]}")
strangers = {r["label"] for r in rows} - known - {"(no symbol)", "(no RIP)"}
if strangers:
    problems.append(f"symbols that are not the guest's: {strangers}")
if not ioio or set(ioio) - {"guest_main", "isr_common", "_start"} or ioio.get("guest_main", 0) < ioio.get("isr_common", 0):
    problems.append(f"IOIO exits not from guest_main/isr_common/_start: {ioio}")
user = sum(r["cpl_user"] for r in rows)
if user:
    problems.append(f"{user} exits at CPL 3 in a guest that never leaves ring 0")
if problems:
    print("symbols: " + "; ".join(problems))
    sys.exit(1)
print(f"symbols: {with_rip} AMD-V exits with a RIP: {with_rip - uncovered} covered by mixed's map, {uncovered} by the "
      f"probe guest's ({sorted(set(s.split('+')[0] for s in by_probe))}); IOIO by function {ioio}")
PY
