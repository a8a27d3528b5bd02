#!/usr/bin/env bash
# exitscope decode, end to end: single requests (text and JSON), batch mode with good and bad lines, --list,
# and the usage errors. Every JSON line is checked with Python's json module.
set -uo pipefail
: "${EXITSCOPE:?}"
X=$EXITSCOPE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		fails=$((fails + 1))
	fi
}

expect() { # description, expected exit status, expected stdout, command...
	local what=$1 want_rc=$2 want_out=$3
	shift 3
	local out rc
	out=$("$@" 2>"$tmp/err")
	rc=$?
	if [ "$rc" -eq "$want_rc" ] && { [ "$want_out" = "*" ] || [ "$out" = "$want_out" ]; }; then
		echo "ok   $what"
	else
		echo "FAIL $what: exit $rc (want $want_rc)"
		echo "     got:  $out"
		[ "$want_out" = "*" ] || echo "     want: $want_out"
		sed 's/^/     stderr: /' "$tmp/err"
		fails=$((fails + 1))
	fi
}

json_lines() { # file: every line is one JSON object
	python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    v = json.loads(line)
    assert isinstance(v, dict), "line %d is not an object" % n
' "$1"
}

# ---- single requests ----
expect "text: the issue's CR access" 0 \
	"vmx CR_ACCESS(28) qual=0x3 cr_access: cr=3 access_type=MOV_TO_CR gpr=RAX" \
	$X decode --isa vmx CR_ACCESS 0x3
expect "json: the issue's CR access" 0 \
	'{"isa":"vmx","reason":28,"name":"CR_ACCESS","qualification":"0x3","format":"cr_access","fields":{"cr":3,"access_type":0,"access_type_name":"MOV_TO_CR","gpr":0,"gpr_name":"RAX"}}' \
	$X decode --isa vmx --json CR_ACCESS 0x3
expect "json after the operands" 0 \
	'{"isa":"vmx","reason":28,"name":"CR_ACCESS","qualification":"0x3","format":"cr_access","fields":{"cr":3,"access_type":0,"access_type_name":"MOV_TO_CR","gpr":0,"gpr_name":"RAX"}}' \
	$X decode --isa vmx CR_ACCESS 0x3 --json
expect "svm: the 64-bit exit code -1 is ERR" 0 \
	"svm ERR(4294967295) qual=0x5" \
	$X decode --isa svm -1 0x5
expect "svm: -1 written as 64 bits, after --json" 0 \
	'{"isa":"svm","reason":4294967295,"name":"ERR","qualification":"0x0","format":null,"fields":{}}' \
	$X decode --isa svm 0xffffffffffffffff --json
expect "vmx: -1 is no reason" 1 "" $X decode --isa vmx -1
expect "number with flag bits" 0 \
	"vmx INVALID_STATE(33) qual=0x2 entry_failure: entry_failure_code=PDPTE_LOAD failed_vmentry=1" \
	$X decode --isa vmx 0x80000021 2
expect "#DB via vector=" 0 \
	"vmx EXCEPTION_NMI(0) qual=0x4000 debug_exception: vector=DB b0=0 b1=0 b2=0 b3=0 bld=0 bd=0 bs=1 rtm=0" \
	$X decode --isa vmx EXCEPTION_NMI 0x4000 vector=1
expect "#PF via intr_info=" 0 \
	"vmx EXCEPTION_NMI(0) qual=0xdead000 page_fault: vector=PF fault_address=0xdead000 intr_vector=PF intr_type=HARDWARE_EXCEPTION intr_error_code_valid=1 intr_nmi_unblocking=0 intr_valid=1" \
	$X decode --isa vmx EXCEPTION_NMI 0xdead000 intr_info=0x80000b0e
expect "svm NPF by lower-case name" 0 \
	"svm NPF(1024) qual=0x100000004 info2=0xfee00000 svm_npf: present=0 write=0 user=1 rsvd=0 fetch=0 protection_key=0 shadow_stack=0 rmp=0 final_translation=1 page_walk=0 encrypted=0 size_mismatch=0 vmpl=0 gpa=0xfee00000" \
	$X decode --isa svm npf 0x100000004 info2=0xfee00000
expect "uapi-prefixed name" 0 "svm IOIO(123) qual=0x0 svm_ioio: port=0x0 direction=OUT string=0 rep=0 access_size_bytes=0 address_size=0 segment=ES next_rip=0x0" \
	$X decode --isa svm SVM_EXIT_IOIO
expect "unknown reason is an error" 1 "" $X decode --isa vmx FOO
check "  ... with a one-line message" grep -qx "exitscope: decode: unknown vmx reason 'FOO'" "$tmp/err"
expect "bad qualification" 1 "" $X decode --isa vmx CR_ACCESS 0xzz
expect "no isa" 1 "" $X decode CR_ACCESS 3
expect "unknown isa" 2 "" $X decode --isa arm CR_ACCESS
expect "unknown option" 2 "" $X decode --bogus
expect "no arguments" 2 "" $X decode
expect "--help" 0 "*" $X decode --help
check "  ... shows the usage" grep -q "usage: exitscope decode" <($X decode --help)

# ---- batch ----
cat >"$tmp/in" <<'IN'
vmx CR_ACCESS 0x3
svm NPF 0x100000004
vmx EXCEPTION_NMI 0x4000 vector=1

# a comment
vmx FOO 1
bogus line
vmx IO_INSTRUCTION 0x3f80008 extra=1
kvm MMIO
host PIO
IN
printf 'svm IOIO 0x3f80211 info2=0x1234' >>"$tmp/in" # the last line has no newline
$X decode --json - <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "batch: exit 1 when a line failed" test $rc -eq 1
check "batch: one line out per request line" test "$(wc -l <"$tmp/out")" -eq 9
check "batch: every line is JSON" json_lines "$tmp/out"
check "batch: the issue's example line" grep -qxF '{"isa":"vmx","reason":28,"name":"CR_ACCESS","qualification":"0x3","format":"cr_access","fields":{"cr":3,"access_type":0,"access_type_name":"MOV_TO_CR","gpr":0,"gpr_name":"RAX"}}' "$tmp/out"
check "batch: error objects carry line numbers" grep -qxF '{"line":6,"error":"unknown vmx reason '"'"'FOO'"'"'","input":"vmx FOO 1"}' "$tmp/out"
check "batch: a bad key is an error" grep -qF '"line":8,"error":"unknown key in '"'"'extra=1'"'"'"' "$tmp/out"
check "batch: the stream goes on after errors" grep -qF '"name":"IOIO"' "$tmp/out"
check "batch: kvm and host reasons" grep -qF '"name":"PIO"' "$tmp/out"
check "batch: stderr counts the failures" grep -qF 'decode: 3 of 11 lines failed' "$tmp/err"

printf 'CR_ACCESS 0x3\nNPF 4\n' | $X decode --isa vmx - >"$tmp/out" 2>"$tmp/err"
check "batch text with --isa: exit 1 (NPF is not vmx)" test $? -eq 1
check "  ... text line" grep -qxF "vmx CR_ACCESS(28) qual=0x3 cr_access: cr=3 access_type=MOV_TO_CR gpr=RAX" "$tmp/out"
check "  ... error on stderr with its line" grep -qF "line 2: unknown vmx reason 'NPF'" "$tmp/err"

{
	echo "vmx HLT"
	head -c 5000 /dev/zero | tr '\0' 'A'
	echo
	echo "vmx CPUID"
} | $X decode --json - >"$tmp/out" 2>/dev/null
rc=$?
check "batch: over-long line is an error" test $rc -eq 1
check "  ... reported once, input cut" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 3, lines
assert lines[0]["name"] == "HLT" and lines[2]["name"] == "CPUID"
assert lines[1]["line"] == 2 and "too long" in lines[1]["error"] and len(lines[1]["input"]) == 4096
' "$tmp/out"

python3 -c '
import random
random.seed(1)
names = ["vmx EPT_VIOLATION", "vmx IO_INSTRUCTION", "vmx CR_ACCESS", "svm NPF", "svm IOIO", "vmx HLT"]
for i in range(100000):
    print("%s 0x%x" % (random.choice(names), random.getrandbits(36)))
' >"$tmp/big"
$X decode --json - <"$tmp/big" >"$tmp/out"
rc=$?
check "batch: 100000 good lines, exit 0" test $rc -eq 0
check "  ... 100000 results" test "$(wc -l <"$tmp/out")" -eq 100000
check "  ... all JSON" json_lines "$tmp/out"
check "batch: empty input is fine" bash -c "$X decode --json - </dev/null"

# ---- --list ----
for isa in vmx svm kvm host; do
	$X decode --list --isa $isa >"$tmp/list.txt" && $X decode --list --isa $isa --json >"$tmp/list.json"
	check "--list $isa" test -s "$tmp/list.txt"
	check "--list --json $isa: same count, all JSON" bash -c "[ \$(wc -l <'$tmp/list.txt') -eq \$(wc -l <'$tmp/list.json') ] && python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' '$tmp/list.json'"
done
check "--list vmx: 86 codes with reserved 35" bash -c "[ \$($X decode --list --isa vmx | wc -l) -eq 86 ] && $X decode --list --isa vmx | grep -qE '^ +35 +0x23 +\\(reserved\\)'"
check "--list svm has NPF and VMGEXIT_PSC" bash -c "$X decode --list --isa svm | grep -q ' NPF ' && $X decode --list --isa svm | grep -q 'VMGEXIT_PSC'"
expect "--list needs --isa" 2 "" $X decode --list
expect "--list takes no operands" 2 "" $X decode --list --isa vmx HLT

# ---- the man page ----
man=$(dirname "$0")/../../docs/exitscope.1
check "man page renders without warnings" bash -c "groff -man -Tutf8 -ww -z '$man' 2>&1 | { ! grep -q .; }"
for opt in --isa --json --list vector= intr_info= error_code= info2= idt= gpa=; do
	check "man page and --help both document $opt" bash -c "$X decode --help | grep -qF -- '$opt' && sed 's/\\\\-/-/g' '$man' | grep -qF -- '$opt'"
done

echo "$fails failed"
[ $fails -eq 0 ]
