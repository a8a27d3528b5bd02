// SPDX-License-Identifier: MIT
/* CPU mode setup: the GDT, TSS and page tables in guest memory, and the registers a vCPU starts with. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "launcher/vm.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define PTE_PRESENT 1ull
#define PTE_WRITE 2ull
#define PTE_LARGE 0x80ull

/* GDT descriptors: flat 4 GiB code (32- or 64-bit), flat data, and a busy TSS. */
#define GDT_CODE32 0x00cf9b000000ffffull
#define GDT_CODE64 0x00af9b000000ffffull
#define GDT_DATA 0x00cf93000000ffffull
#define TSS_LIMIT 0x67

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

void xs_vm_write_system_tables(struct xs_vm *vm)
{
	if (vm->mode == 16)
		return;
	uint8_t *gdt = vm->mem + XS_GPA_GDT;
	memset(gdt, 0, XS_GPA_PARAMS - XS_GPA_GDT);
	put64(gdt + XS_SEL_CODE, vm->mode == 64 ? GDT_CODE64 : GDT_CODE32);
	put64(gdt + XS_SEL_DATA, GDT_DATA);
	uint64_t base = XS_GPA_TSS;
	uint64_t tss = TSS_LIMIT | ((base & 0xffffff) << 16) | (0x8bull << 40) | ((base >> 24 & 0xff) << 56);
	put64(gdt + XS_SEL_TSS, tss); /* in long mode the next 8 bytes (base 63:32) stay zero */
	if (vm->mode != 64)
		return;
	uint8_t *pt = vm->mem + XS_GPA_PAGE_TABLES;
	memset(pt, 0, XS_PAGE_TABLE_PAGES * 0x1000);
	uint64_t pml4 = XS_GPA_PAGE_TABLES, pdpt = pml4 + 0x1000, pd = pdpt + 0x1000;
	put64(pt, pdpt | PTE_PRESENT | PTE_WRITE);
	for (uint64_t i = 0; i < 4; i++) {
		put64(pt + 0x1000 + i * 8, (pd + i * 0x1000) | PTE_PRESENT | PTE_WRITE);
		for (uint64_t j = 0; j < 512; j++)
			put64(pt + 0x2000 + i * 0x1000 + j * 8,
			      ((i * 512 + j) << 21) | PTE_PRESENT | PTE_WRITE | PTE_LARGE);
	}
}

static struct kvm_segment flat_segment(unsigned int mode, uint16_t sel, bool code)
{
	struct kvm_segment s = {
		.base = 0,
		.limit = mode == 16 ? 0xffff : 0xffffffff,
		.selector = mode == 16 ? 0 : sel,
		.type = code ? 0xb : 0x3, /* execute/read or read/write, accessed */
		.present = 1,
		.s = 1,
		.db = mode == 32 || (mode == 64 && !code),
		.l = mode == 64 && code,
		.g = mode != 16,
	};
	return s;
}

int xs_vcpu_set_entry_regs(const struct xs_vcpu *v, unsigned int mode, uint64_t entry, char *err, size_t errlen)
{
	struct kvm_sregs sr;
	if (ioctl(v->fd, KVM_GET_SREGS, &sr))
		return ERR("KVM_GET_SREGS: %s", strerror(errno));
	sr.cs = flat_segment(mode, XS_SEL_CODE, true);
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = flat_segment(mode, XS_SEL_DATA, false);
	uint64_t stack_lo = XS_GPA_STACKS + (uint64_t)v->id * XS_STACK_SIZE;
	struct kvm_regs regs;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rdi = XS_GPA_PARAMS + (uint64_t)v->id * XS_PARAMS_SIZE;
	if (mode == 16) {
		/* Entry below 64 KiB runs with CS = 0; above, CS holds the entry's paragraph. */
		if (entry > 0xffff) {
			sr.cs.selector = (uint16_t)(entry >> 4);
			sr.cs.base = (uint64_t)sr.cs.selector << 4;
		}
		regs.rip = entry - sr.cs.base;
		sr.ss.selector = (uint16_t)(stack_lo >> 4);
		sr.ss.base = stack_lo;
		regs.rsp = XS_STACK_SIZE;
		sr.cr0 &= ~(CR0_PE | CR0_PG);
	} else {
		regs.rip = entry;
		regs.rsp = stack_lo + XS_STACK_SIZE;
		sr.gdt.base = XS_GPA_GDT;
		sr.gdt.limit = 0x7ff;
		sr.tr = (struct kvm_segment){
			.base = XS_GPA_TSS, .limit = TSS_LIMIT, .selector = XS_SEL_TSS, .type = 11, .present = 1};
		sr.ldt = (struct kvm_segment){.type = 2, .unusable = 1};
		sr.cr0 = CR0_PE | CR0_ET | CR0_NE;
		sr.cr4 = 0;
		sr.efer = 0;
		if (mode == 64) {
			sr.cr0 |= CR0_PG;
			sr.cr3 = XS_GPA_PAGE_TABLES;
			sr.cr4 = CR4_PAE;
			sr.efer = EFER_LME | EFER_LMA;
		}
	}
	sr.idt.base = XS_GPA_IDT;
	sr.idt.limit = mode == 16 ? 0x3ff : 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sr))
		return ERR("KVM_SET_SREGS (%s mode): %s",
			   mode == 16	? "real"
			   : mode == 32 ? "protected"
					: "long",
			   strerror(errno));
	if (ioctl(v->fd, KVM_SET_REGS, &regs))
		return ERR("KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

int xs_vcpu_set_rf(const struct xs_vcpu *v, char *err, size_t errlen)
{
	struct kvm_regs regs;
	if (ioctl(v->fd, KVM_GET_REGS, &regs))
		return ERR("vcpu %u: KVM_GET_REGS: %s", v->id, strerror(errno));
	regs.rflags |= 1u << 16;
	if (ioctl(v->fd, KVM_SET_REGS, &regs))
		return ERR("vcpu %u: KVM_SET_REGS (RFLAGS.RF): %s", v->id, strerror(errno));
	return 0;
}
