#!/usr/bin/env bash
# --image: flat binaries in real, protected and long mode and ELF executables (entry point from the file),
# run with the launcher's entry state (RDI = parameter block, the mode's segments) and recorded like the
# built-in guests. Then the README's demo: a run into the store and the report over it.
# test-needs: kvm
. "$(dirname "$0")/launcher-lib.bash"
require_kvm
command -v as >/dev/null && command -v ld >/dev/null || skip "GNU as/ld missing (binutils)"

# Each image OUTs its mode's marker to 0x510, the parameter block's vCPU field to 0x511, then finishes.
body='mov $0x510, %dx
mov $MARK, %al
out %al, %dx
mov 4(%edi), %eax
mov $0x511, %dx
out %eax, %dx
mov $0x500, %dx
xor %eax, %eax
out %eax, %dx
hlt'
for mode in real protected long; do
	case $mode in
	real) flag=--32 pre=.code16 mark=16 entry=0x7c00 ;;
	protected) flag=--32 pre=.code32 mark=32 entry=0x100000 ;;
	long) flag=--64 pre=.code64 mark=64 entry=0x200000 ;;
	esac
	printf '%s\n%s\n' "$pre" "${body//MARK/$mark}" | as $flag -o "$LWORK/$mode.o" - || fail "as $mode"
	objcopy -O binary -j .text "$LWORK/$mode.o" "$LWORK/$mode.bin" || fail "objcopy $mode"
	run_ok flat-$mode --image "$LWORK/$mode.bin" --mode $mode --entry $entry --vcpus 2
	check flat-$mode "vals('value', port=0x510) == [$mark, $mark]" "sorted(vals('value', port=0x511)) == [0, 1]" \
		"n(final=True) == 2" "meta['run.guest'].startswith('image:')" "meta['run.mode'] == '$mode'" \
		"all(r['rip'] > $entry for r in recs)"
done
# a flat image placed with --load and entered further in
printf '.code64\nnop\nnop\n%s\n' "${body//MARK/7}" | as --64 -o "$LWORK/load.o" - && objcopy -O binary -j .text "$LWORK/load.o" "$LWORK/load.bin"
run_ok load --image "$LWORK/load.bin" --mode long --load 0x300000 --entry 0x300002
check load "vals('value', port=0x510) == [7]"

# ELF: segments at their physical addresses, the entry point from the header
printf '.code64\n.globl _start\n.text\n_start:\n%s\n' "${body//MARK/0x45}" | as --64 -o "$LWORK/elf.o" - || fail "as elf"
ld -m elf_x86_64 -nostdlib -Ttext=0x400000 -e _start "$LWORK/elf.o" -o "$LWORK/guest.elf" || fail "ld elf"
run_ok elf --image "$LWORK/guest.elf" --mode long
check elf "vals('value', port=0x510) == [0x45]" "meta['run.exit_status'] == 'ok'"
expect_error elfload "--load is for flat images" --image "$LWORK/guest.elf" --mode long --load 0x400000

# the README's demo: run the mixed guest into the store, then report over it
"$EXITSCOPE" run --guest mixed --iterations 200 -o "$LWORK/demo.db" >"$LWORK/demo.out" 2>"$LWORK/demo.err" ||
	fail "run into the store: $(cat "$LWORK/demo.err")"
"$EXITSCOPE" report "$LWORK/demo.db" >"$LWORK/report.out" 2>"$LWORK/report.err" ||
	fail "report: $(cat "$LWORK/report.err")"
total=$((5 * 200 + 2 * 50 + 1))
grep -q "$total" "$LWORK/report.out" || fail "the report does not show the $total exits: $(head -n 20 "$LWORK/report.out")"
echo "images passed"
