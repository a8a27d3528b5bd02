#!/usr/bin/env bash
# `make bench-decode`: the decoder's throughput (bench/decode_bench.c, into the struct and as JSON) and the
# batch path's lines/s (`exitscope decode --json -`), each compared side by side in the same run with a naive
# implementation of the same job (C: string table + snprintf; Python: dict + json.dumps).
# Needs: $EXITSCOPE, $DECODE_BENCH, $BUILD. LINES=1000000 sets the batch size.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${EXITSCOPE:?}" "${DECODE_BENCH:?}" "${BUILD:?}"
LINES=${LINES:-1000000}
work=$BUILD/bench/decode
mkdir -p "$work"

"$DECODE_BENCH" "${DECODE_BENCH_SECONDS:-0.4}"

# A realistic mix of requests, fixed seed: names and numbers, VMX and SVM, some with key=value.
python3 - "$LINES" >"$work/requests.txt" <<'PY'
import random, sys
random.seed(7)
mix = [("vmx EPT_VIOLATION", 20, 0x1ff), ("vmx EXTERNAL_INTERRUPT", 15, 0), ("vmx IO_INSTRUCTION", 12, 0xffff007b),
       ("vmx MSR_WRITE", 12, 0), ("vmx HLT", 8, 0), ("vmx CR_ACCESS", 5, 0xf3f), ("vmx 0", 4, 0xffff),
       ("svm NPF", 10, 0x30000001f), ("svm IOIO", 8, 0xffff03fd), ("svm 0x7c", 6, 1)]
pool = [m for m in mix for _ in range(m[1])]
out = []
for _ in range(int(sys.argv[1])):
    name, _, mask = random.choice(pool)
    extra = " vector=14" if name == "vmx 0" else ""
    out.append("%s 0x%x%s\n" % (name, random.getrandbits(40) & mask, extra))
sys.stdout.write("".join(out))
PY
"$EXITSCOPE" decode --list --isa vmx --json >"$work/table.jsonl"
"$EXITSCOPE" decode --list --isa svm --json >>"$work/table.jsonl"

best() { # command... : the best of 3 wall times in seconds
	local best=999999 t
	for _ in 1 2 3; do
		local s e
		s=$(date +%s.%N)
		"$@" <"$work/requests.txt" >"$work/out.jsonl"
		e=$(date +%s.%N)
		best=$(awk -v s="$s" -v e="$e" -v b="$best" 'BEGIN { t = e - s; print (t < b ? t : b) }')
	done
	echo "$best"
}

ours=$(best "$EXITSCOPE" decode --json -)
lines=$(wc -l <"$work/out.jsonl")
if [ "$lines" -ne "$LINES" ] || grep -q '"error"' "$work/out.jsonl"; then
	echo "bench-decode: the batch decoder produced $lines lines (want $LINES) or errors" >&2
	exit 1
fi
naive=$(best python3 bench/decode_naive.py "$work/table.jsonl")
awk -v n="$LINES" -v o="$ours" -v p="$naive" 'BEGIN {
	ro = n / o; rp = n / p
	printf "batch path, %d lines, best of 3 wall times\n", n
	printf "  exitscope decode --json -      %8.2f M lines/s (%.2fs)\n", ro / 1e6, o
	printf "  naive Python (dict+json.dumps) %8.2f M lines/s (%.2fs); exitscope %.1fx\n", rp / 1e6, p, ro / rp
	printf "RESULT\tdecode\tbatch_json_lines\t%.0f\tlines/s\n", ro
	printf "RESULT\tdecode\tnaive_python_batch_lines\t%.0f\tlines/s\n", rp
	printf "RESULT\tdecode\tbatch_speedup_vs_python\t%.1f\tx\n", ro / rp
}'
