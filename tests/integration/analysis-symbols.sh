#!/usr/bin/env bash
# Guest symbolization, report --by symbol and the exports, on real runs of the built-in guest `mixed`:
#  - a record file from a real run, committed (tests/integration/fixtures/mixed-40.xsr: 40 iterations, made
#    with `exitscope run --guest mixed --iterations 40 -o mixed-40.xsr`), so hosts without KVM check it too;
#  - a live run on this host's KVM when there is one (EXITSCOPE_KVM or /dev/kvm).
# mixed's exits come from known functions (launcher/guests/mixed.S, runtime.S): per iteration 5 in guest_main
# (OUT, IN, MMIO write, MMIO read, RDMSR), every 4th iteration a HLT in guest_main and the injected timer's
# report from isr_common; the run's final OUT comes from _start. So for N iterations: guest_main 5N + N/4,
# isr_common N/4, _start 1, and nothing else.
set -uo pipefail
: "${EXITSCOPE:?run through tests/run.sh}" "${BUILD:?}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/xs-analysis-XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}

# expect_symbols LABEL N ARGS...: `report ARGS --by symbol --json` gives exactly mixed's functions and counts
expect_symbols() {
	local label=$1 n=$2
	shift 2
	"$EXITSCOPE" report "$@" --by symbol --json >"$W/rep.json" 2>"$W/rep.err" || fail "$label: report failed: $(cat "$W/rep.err")"
	python3 - "$W/rep.json" "$n" "$label" <<'PY' || fail "$label: symbols differ"
import json, sys
rep = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
got = {r["label"]: r["count"] for r in rep["rows"]}
want = {"guest_main": 5 * n + n // 4, "isr_common": n // 4, "_start": 1}
if got != want or rep["exits"] != sum(want.values()):
    print(f"{sys.argv[3]}: got {got} (exits {rep['exits']}), want {want}")
    sys.exit(1)
print(f"{sys.argv[3]}: {got} ({rep['symbols']})")
PY
}

# expect_error LABEL "message part" ARGS...: report fails with one line naming the problem
expect_error() {
	local label=$1 want=$2
	shift 2
	if "$EXITSCOPE" report "$@" >"$W/err.out" 2>"$W/err.txt"; then
		fail "$label: succeeded; expected an error containing '$want'"
	fi
	grep -qF -- "$want" "$W/err.txt" || fail "$label: stderr lacks '$want': $(cat "$W/err.txt")"
	[ "$(grep -c . "$W/err.txt")" -eq 1 ] || fail "$label: not one line: $(cat "$W/err.txt")"
	echo "$label: $(cat "$W/err.txt")"
}

check_exports() { # SOURCE N
	local src=$1 n=$2 total=$((5 * $2 + 2 * ($2 / 4) + 1))
	"$EXITSCOPE" export "$src" --format trace -o "$W/t.json" 2>"$W/x.err" || fail "export trace: $(cat "$W/x.err")"
	grep -qx "export: wrote $total exits (.*" "$W/x.err" || fail "export trace did not say it wrote $total exits: $(cat "$W/x.err")"
	python3 "$HERE/trace_check.py" "$W/t.json" --exits "$total" || fail "trace export fails the format check"
	python3 - "$W/t.json" <<'PY' || fail "trace args lack symbols"
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X"]
syms = {e["args"]["symbol"].split("+")[0] for e in ev}
assert syms == {"guest_main", "isr_common", "_start"}, syms
assert all(e["args"]["rip"].startswith("0x") for e in ev)
PY
	for weight in count latency; do
		"$EXITSCOPE" export "$src" --format folded --weight "$weight" -o "$W/f.txt" 2>"$W/x.err" || fail "export folded: $(cat "$W/x.err")"
		grep -q "^export: wrote $total exits in [0-9]* stacks" "$W/x.err" || fail "folded: $(cat "$W/x.err")"
	done
	"$EXITSCOPE" export "$src" --format folded -o "$W/f.txt" 2>/dev/null
	local sum
	sum=$(awk '{ s += $NF } END { print s }' "$W/f.txt")
	[ "$sum" = "$total" ] || fail "folded counts sum to $sum, not the $total exits exported"
	grep -q ';vcpu 0;kvm HLT;guest_main [0-9]*$' "$W/f.txt" || fail "folded lacks the HLT stack: $(cat "$W/f.txt")"
	"$EXITSCOPE" export "$src" --format csv -o "$W/x.csv" 2>/dev/null || fail "export csv"
	python3 -c "import csv,sys; rows=list(csv.DictReader(open(sys.argv[1]))); assert len(rows)==$total, len(rows); assert {r['symbol'].split('+')[0] for r in rows}=={'guest_main','isr_common','_start'}" "$W/x.csv" || fail "csv export"
	"$EXITSCOPE" export "$src" --format jsonl -o "$W/x.jsonl" 2>/dev/null || fail "export jsonl"
	python3 -c "import json,sys; rows=[json.loads(l) for l in open(sys.argv[1])]; assert len(rows)==$total; assert all('symbol' in r and r['cpl']==0 for r in rows)" "$W/x.jsonl" || fail "jsonl export"
	"$EXITSCOPE" export "$src" --format csv --reason HLT -o "$W/h.csv" 2>"$W/x.err" || fail "export --reason"
	grep -q "^export: wrote $(($2 / 4)) exits" "$W/x.err" || fail "--reason HLT: $(cat "$W/x.err")"
	"$EXITSCOPE" export "$src" --format csv --vcpu 7 -o "$W/v.csv" 2>"$W/x.err" || fail "export --vcpu"
	grep -q "^export: wrote 0 exits" "$W/x.err" || fail "--vcpu 7: $(cat "$W/x.err")"
	echo "exports of $src: $total exits, trace checked, folded sums, csv/jsonl parse, filters count"
}

FIX=$HERE/fixtures/mixed-40.xsr
ELF=$BUILD/guests/mixed_64.elf
[ -f "$ELF" ] || fail "$ELF missing: build first"

# 1. the committed record of a real run: from the file and from a store it was imported into
expect_symbols "record file" 40 "$FIX"
"$EXITSCOPE" import "$FIX" -o "$W/fix.db" >/dev/null 2>&1 || fail "import of the fixture failed"
expect_symbols "store" 40 "$W/fix.db"
# the same answers from the guest's ELF, from a System.map made from it, and from a KASLR-shifted map
expect_symbols "ELF" 40 "$W/fix.db" --guest-symbols "$ELF"
nm -n "$ELF" >"$W/System.map"
expect_symbols "System.map" 40 "$W/fix.db" --guest-symbols "$W/System.map"
python3 -c 'import sys
for l in open(sys.argv[1]):
    a, t, n = l.split()
    if t != "a": print("%016x %s %s" % (int(a, 16) - 0x1000, t, n))' "$W/System.map" >"$W/shifted.map"
expect_symbols "System.map + --guest-kaslr-offset" 40 "$W/fix.db" --guest-symbols "$W/shifted.map" --guest-kaslr-offset 0x1000
# without the offset every RIP of the shifted map lies past its last symbol's reach or in the wrong place
"$EXITSCOPE" report "$W/fix.db" --by symbol --guest-symbols "$W/shifted.map" --json >"$W/wrong.json" || fail "report"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert {x['label'] for x in r['rows']} != {'guest_main','isr_common','_start'}" "$W/wrong.json" ||
	fail "an unshifted map gave the right symbols: the offset is not applied"
# an address no symbol covers is shown as such: a map whose only symbol lies past the guest
printf 'ffffffff81000000 T startup_64\nffffffff81000100 T _etext\n' >"$W/kernel.map"
"$EXITSCOPE" report "$W/fix.db" --by symbol --guest-symbols "$W/kernel.map" --json >"$W/none.json" || fail "report"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert [(x['label'],x['count']) for x in r['rows']]==[('(no symbol)',221)], r['rows']" "$W/none.json" ||
	fail "uncovered RIPs were attributed to a symbol"

# 2. wrong, stripped and damaged symbol files
cp "$ELF" "$W/stripped.elf" && strip --strip-all "$W/stripped.elf"
expect_error "stripped ELF" "without a symbol table (stripped?)" "$W/fix.db" --by symbol --guest-symbols "$W/stripped.elf"
head -c 4096 /dev/urandom >"$W/random.bin"
printf '\x01' | dd of="$W/random.bin" bs=1 count=1 conv=notrunc 2>/dev/null
expect_error "binary junk" "neither an ELF file nor a System.map or kallsyms dump" "$W/fix.db" --by symbol --guest-symbols "$W/random.bin"
printf 'this is not a symbol map\n' >"$W/words.txt"
expect_error "text that is no map" "words.txt:1: not a System.map or kallsyms line" "$W/fix.db" --by symbol --guest-symbols "$W/words.txt"
printf '0000000000000000 T startup_64\n0000000000000000 t foo\t[kvm]\n' >"$W/kallsyms"
expect_error "kallsyms without privilege" "every address is 0" "$W/fix.db" --by symbol --guest-symbols "$W/kallsyms"
: >"$W/empty"
expect_error "empty file" "empty: no symbols" "$W/fix.db" --by symbol --guest-symbols "$W/empty"
head -c 100 "$ELF" >"$W/cut.elf"
expect_error "truncated ELF" "cut.elf: truncated ELF file" "$W/fix.db" --by symbol --guest-symbols "$W/cut.elf"
expect_error "missing file" "No such file" "$W/fix.db" --by symbol --guest-symbols "$W/nope"

# 3. exit_symbol()/exit_function() in SQL: the same counts; uncovered is NULL; the one-argument form needs a file
"$EXITSCOPE" query "$W/fix.db" --format csv \
	"SELECT exit_function(rip, run_id) AS fn, count(*) AS n FROM exits GROUP BY 1 ORDER BY 1" >"$W/q.csv" ||
	fail "query exit_function(rip, run_id)"
[ "$(tr -d '\r' <"$W/q.csv" | tr '\n' ' ')" = "fn,n _start,1 guest_main,210 isr_common,10 " ] || fail "query: $(cat "$W/q.csv")"
"$EXITSCOPE" query "$W/fix.db" --format csv --guest-symbols "$W/System.map" \
	"SELECT count(*) FROM exits WHERE exit_symbol(rip) LIKE 'guest_main+0x%'" >"$W/q.csv" || fail "query --guest-symbols"
[ "$(tail -n 1 "$W/q.csv" | tr -d '\r')" = 210 ] || fail "query exit_symbol(rip): $(cat "$W/q.csv")"
"$EXITSCOPE" query "$W/fix.db" --format csv --guest-symbols "$W/kernel.map" \
	"SELECT count(*) FROM exits WHERE exit_symbol(rip) IS NULL" >"$W/q.csv" || fail "query uncovered"
[ "$(tail -n 1 "$W/q.csv" | tr -d '\r')" = 221 ] || fail "uncovered RIPs are not NULL: $(cat "$W/q.csv")"
"$EXITSCOPE" query "$W/fix.db" "SELECT exit_symbol(rip) FROM exits" >/dev/null 2>"$W/q.err" && fail "exit_symbol(rip) without symbols succeeded"
grep -q "needs --guest-symbols" "$W/q.err" || fail "exit_symbol(rip) without symbols: $(cat "$W/q.err")"
echo "query: exit_symbol/exit_function agree with the report"

check_exports "$FIX" 40
check_exports "$W/fix.db" 40

# 4. live, where this host has KVM
kvm=${EXITSCOPE_KVM:-/dev/kvm}
if [ -r "$kvm" ] && [ -w "$kvm" ]; then
	"$EXITSCOPE" run --guest mixed --iterations 24 -o "$W/live.db" >"$W/run.out" 2>&1 || fail "live run failed: $(tail -3 "$W/run.out")"
	expect_symbols "live run" 24 "$W/live.db"
	check_exports "$W/live.db" 24
	"$EXITSCOPE" report "$W/live.db" --histogram >"$W/hist.txt" || fail "report --histogram"
	grep -q "^kvm IO: [0-9]* exits, [0-9]* timed  p50 .* p90 .* p99 .* p99.9 .* max " "$W/hist.txt" || fail "histogram: $(cat "$W/hist.txt")"
	echo "live run on $kvm checked"
else
	echo "no usable KVM device ($kvm): the live run is not checked here (the fixture was)"
fi
echo "analysis-symbols: ok"
