/* SPDX-License-Identifier: MIT */
/*
 * The guest kvmx-test runs through /dev/kmod-vmx: 64-bit code, position independent (copied to GPA
 * KVMX_GUEST_CODE), R12 iterations of CPUID, RDTSC, OUT and HLT, then VMCALL. With HLT and RDTSC exiting on
 * that is exactly R12 exits of each of CPUID, RDTSC, I/O and HLT, and one VMCALL (plus host interrupts).
 */
	.section .rodata.kvmx_guest, "a"
	.code64
	.globl kvmx_guest_start, kvmx_guest_end, kvmx_guest_cpuid, kvmx_guest_rdtsc, kvmx_guest_out
	.globl kvmx_guest_hlt, kvmx_guest_vmcall
kvmx_guest_start:
1:	xor %eax, %eax
	xor %ecx, %ecx
kvmx_guest_cpuid:
	cpuid
kvmx_guest_rdtsc:
	rdtsc
	mov %r12d, %eax
kvmx_guest_out:
	out %al, $0x80
kvmx_guest_hlt:
	hlt
	dec %r12
	jnz 1b
kvmx_guest_vmcall:
	vmcall
	jmp kvmx_guest_vmcall
kvmx_guest_end:

	.section .note.GNU-stack, "", @progbits
