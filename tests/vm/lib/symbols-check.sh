#!/usr/bin/env bash
# Guest symbols on the records of the QEMU AMD-V test host (called by tests/vm/svm-collector.sh after its boot):
# the BPF collector's record of the `exitscope run --guest mixed` workload carries real SVM exit codes and the
# guest RIP of each exit. A System.map made here from the guest's ELF (nm), given as --guest-symbols, must
# resolve every one of those RIPs to one of the guest's functions; the I/O exits (SVM IOIO, 0x7b) must come from
# the functions that execute OUT/IN (guest_main for the serial port, isr_common for the timer's report, _start
# for the end-of-run port), no RIP may be left uncovered, and the kernel/user split must say CPL 0.
#
#   symbols-check.sh EXITSCOPE OUT_DIR GUEST_ELF
set -uo pipefail
X=$1 out=$2 elf=$3
fail() {
	echo "FAIL: symbols: $*"
	exit 1
}
[ -f "$out/bpf.xsr" ] || fail "$out/bpf.xsr missing"
[ -f "$elf" ] || fail "$elf missing"
map=$out/guest.System.map
nm -n "$elf" >"$map" || fail "nm $elf"
"$X" report "$out/bpf.xsr" --by reason,symbol --guest-symbols "$map" >"$out/symbols.txt" 2>"$out/symbols.err" ||
	fail "report --by reason,symbol: $(cat "$out/symbols.err")"
"$X" report "$out/bpf.xsr" --by reason,symbol --guest-symbols "$map" --json >"$out/symbols.json" 2>>"$out/symbols.err" ||
	fail "report --json: $(cat "$out/symbols.err")"
sed 's/^/  /' "$out/symbols.txt"
python3 - "$out/symbols.json" <<'PY' || fail "the symbols of the AMD-V exits are wrong (report above)"
import json, sys
rep = json.load(open(sys.argv[1]))
rows = rep["rows"]
known = {"_start", "build_idt", "vector_stubs", "isr_with_error", "isr_common", "guest_main", "message",
         "idt_descriptor"}
uncovered = sum(r["count"] for r in rows if r["label"] == "(no symbol)")
with_rip = sum(r["count"] for r in rows if r["label"] != "(no RIP)")
ioio = {r["label"]: r["count"] for r in rows if r.get("reason_label") == "svm IOIO"}
problems = []
if with_rip == 0:
    problems.append("no exit carried a guest RIP")
if uncovered:
    problems.append(f"{uncovered} RIPs no symbol of the guest covers")
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
print(f"symbols: {with_rip} AMD-V exits with a RIP, all in the guest's functions; IOIO by function {ioio}")
PY
