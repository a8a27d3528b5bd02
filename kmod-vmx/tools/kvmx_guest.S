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

/*
 * The MSR/CR guest: R12 iterations of RDMSR and WRMSR of IA32_SYSENTER_CS (0x174, held in the VMCS),
 * MOV from and to CR3, and MOV to CR8 (0), then VMCALL. With CR3-load/store and CR8-load exiting on: R12
 * RDMSR, R12 WRMSR and 3 * R12 CR-access exits, all emulated by the core.
 */
	.globl kvmx_guest2_start, kvmx_guest2_end
kvmx_guest2_start:
2:	mov $0x174, %ecx
	mov %r12d, %eax
	xor %edx, %edx
	wrmsr
	rdmsr
	mov %cr3, %rax
	mov %rax, %cr3
	xor %eax, %eax
	mov %rax, %cr8
	dec %r12
	jnz 2b
3:	vmcall
	jmp 3b
kvmx_guest2_end:

	.section .note.GNU-stack, "", @progbits
