#!/usr/bin/env bash
# Run the kmod-vmx test image under Bochs on one CPU model and hold the result to account:
#
#   tests/vmx/lib/run-model.sh MODEL [SCENARIO-THAT-MAY-SKIP...]
#
# Passes only if Bochs ends cleanly, the kernel reports "N passed, 0 failed, M skipped", the scenarios that
# skipped (or are TODO) are exactly the ones listed (a feature this model lacks, or a known Bochs defect:
# nothing else may hide behind a skip), the serial record file checks out, and `exitscope import` loads it
# with every record. Used by tests/vmx/bochs-*.sh; $BUILD and $EXITSCOPE come from tests/run.sh.
set -uo pipefail
model=$1
shift
expected_skips=$(printf '%s\n' "$@" | sort)
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
image=$build/kmod-vmx/vmx-test.img
checker=$build/kmod-vmx/xsr-check
out=$build/vmx-runs/$model

fail() { echo "FAIL: $model: $*"; exit 1; }

command -v bochs-bin >/dev/null || { echo "bochs-bin is not installed (scripts/deps.sh vmx)"; exit 77; }
[ -f "$image" ] || fail "no test image $image (make vmx-image)"
[ -x "$checker" ] || fail "no record checker $checker (make vmx-image)"

"$root/kmod-vmx/bare/run-bochs.sh" "$model" "$image" "$out"
rc=$?
tap=$out/debug.txt
grep -a -E '^(ok|not ok|#|[0-9]+ passed|1\.\.|Bail)' "$tap" || true
[ $rc -eq 0 ] || fail "bochs exited with $rc (124: timed out); see $out/bochs.log"
grep -a -q '^Bail out!' "$tap" && fail "the test kernel bailed out"

summary=$(grep -a -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$tap" | tail -n 1)
[ -n "$summary" ] || fail "no summary line: the kernel did not finish"
failed=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$summary")
[ "$failed" -eq 0 ] || fail "$summary"
# Real failures are "not ok" without a TODO directive.
grep -a -E '^not ok' "$tap" | grep -a -v '# TODO' && fail "failing scenarios above"

skips=$(grep -a -E '^(ok|not ok) [0-9]+ - [a-z0-9_]+ # (SKIP|TODO)' "$tap" | sed -E 's/^(ok|not ok) [0-9]+ - ([a-z0-9_]+) .*/\2/' | sort)
if [ "$skips" != "$expected_skips" ]; then
	echo "skipped or TODO here:"
	sed 's/^/    /' <<<"$skips"
	echo "expected:"
	sed 's/^/    /' <<<"$expected_skips"
	fail "the set of skipped scenarios changed"
fi

# Bochs names every VM-entry check that failed: it must agree with what the failure scenarios provoked.
for check in 'VMENTER FAIL: VMCS guest CS.TYPE' 'VMCS link pointer' 'pin-based controls allowed 0-settings'; do
	grep -a -q -F "$check" "$out/bochs.log" || fail "bochs.log does not name the provoked failure '$check'"
done

"$checker" "$out/serial.xsr" --min-records 100 --meta run.source --meta vmx.basic --meta vmx.procbased ||
	fail "the serial record file is not sound"
records=$("$checker" "$out/serial.xsr" | sed -E 's/.*: ([0-9]+) records.*/\1/')

# The records load into the store as they are.
if [ -x "${EXITSCOPE:-}" ]; then
	db=$out/import.db
	rm -f "$db"
	"$EXITSCOPE" import "$out/serial.xsr" -o "$db" || fail "exitscope import failed"
	n=$("$EXITSCOPE" query "$db" 'SELECT count(*) AS n FROM exits' --format csv | tail -n 1)
	[ "$n" = "$records" ] || fail "the store holds $n exits, the file $records"
	# One decoded qualification through the store: the unconditional I/O scenario's OUT to port 0x80.
	port=$("$EXITSCOPE" query "$db" "SELECT exit_field(isa, reason, qualification, 'port') AS p FROM exits
		WHERE exit_name(isa, reason) = 'IO_INSTRUCTION' ORDER BY seq LIMIT 1" --format csv | tail -n 1)
	[ "$port" = 128 ] || fail "first I/O exit decodes to port '$port' in the store, want 128"
	echo "store: $n exits imported into $db"
else
	echo "exitscope binary not built: import not checked"
fi
echo "PASS: $model: $summary"
