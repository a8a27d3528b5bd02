/* The inner guest's boot sector (tests/vm/qemu-vmm): SeaBIOS loads it at 0000:7c00 and jumps to it in real
 * mode. It executes CPUID XS_LOOPS times (each one an SVM CPUID exit at the label cpuid_insn), then asks QEMU's
 * isa-debug-exit device at port 0xf4 to end QEMU with status (0x21 << 1) | 1 = 67: the run's end is the guest's
 * own, after a known number of exits at a known address. Assembled with XS_LOOPS set by --defsym. */
	.code16
	.globl _start, cpuid_insn, exit_insn
_start:
	cli
	mov $XS_LOOPS, %si
1:	xor %eax, %eax
cpuid_insn:
	cpuid
	dec %si
	jnz 1b
	mov $0x21, %al
exit_insn:
	out %al, $0xf4
2:	hlt
	jmp 2b
	.org 510
	.byte 0x55, 0xaa
