// SPDX-License-Identifier: MIT
/*
 * The bare machine both bare-metal images share (the test kernel and the runner): GDT, TSS and host IDT,
 * boot and kernel stacks, the host page tables start.S fills, the LAPIC, the MTRRs, and the CPU's VMX facts
 * as metadata.
 */
#include "kmod-vmx/bare/machine.h"
#include "kmod-vmx/bare/bare.h"
#include "kmod-vmx/bare/guest.h"
#include "kmod-vmx/bare/hw.h"
#include "kmod-vmx/bare/xsr_stream.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"

u64 gdt[GDT_ENTRIES] __attribute__((aligned(16))) = {
	0,
	0x00af9a000000ffffull, /* 0x08: 64-bit code */
	0x00cf92000000ffffull, /* 0x10: data */
	0x00cf9a000000ffffull, /* 0x18: 32-bit code */
	0,
	0, /* 0x28: TSS, filled in at start */
	0,
};

struct dtr {
	u16 limit;
	u64 base;
} __attribute__((packed));

/* start.S loads this before the jump to 64-bit code. */
struct dtr gdt_desc = {sizeof(gdt) - 1, (u64)(__UINTPTR_TYPE__)gdt};
u8 host_tss[104] __attribute__((aligned(16)));
static u64 host_idt[512] __attribute__((aligned(16)));
extern const char host_stub_table[];

/* Boot stack for start32 and the kernel stack (both in .bss). */
u8 boot_stack[4096] __attribute__((aligned(16)));
u8 kernel_stack[65536] __attribute__((aligned(16)));
u64 host_pml4[512] __attribute__((aligned(4096)));
u64 host_pdpt[512] __attribute__((aligned(4096)));
u64 host_pd[4 * 512] __attribute__((aligned(4096)));
__asm__(".globl boot_stack_top, kernel_stack_top\n"
	".set boot_stack_top, boot_stack + 4096\n"
	".set kernel_stack_top, kernel_stack + 65536\n");

void load_tables(void)
{
	u64 tss = (u64)(__UINTPTR_TYPE__)host_tss;
	u64 limit = sizeof(host_tss) - 1;

	gdt[5] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) | ((limit >> 16) & 0xf) << 48 |
		 ((tss >> 24) & 0xff) << 56;
	gdt[6] = tss >> 32;
	__asm__ volatile("ltr %w0" : : "r"((u16)GDT_TSS));

	for (unsigned int v = 0; v < 256; v++) {
		u64 h = (u64)(__UINTPTR_TYPE__)host_stub_table + 16 * v;
		host_idt[2 * v] = (h & 0xffff) | ((u64)GDT_CODE64 << 16) | (0x8eull << 40) | ((h >> 16) & 0xffff) << 48;
		host_idt[2 * v + 1] = h >> 32;
	}
	struct dtr idtr = {sizeof(host_idt) - 1, (u64)(__UINTPTR_TYPE__)host_idt};
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* Every host interrupt lands here (start.S). Only stale LAPIC timer interrupts are expected. */
void host_interrupt(u64 vector, u64 error, u64 rip);
void host_interrupt(u64 vector, u64 error, u64 rip)
{
	if (vector == GUEST_TIMER_VECTOR) {
		lapic_write(LAPIC_EOI, 0);
		return;
	}
	if (vector == 0xff) /* spurious: no EOI */
		return;
	dbg_printf("Bail out! host exception %llu (error 0x%llx) at rip 0x%llx\n", (unsigned long long)vector,
		   (unsigned long long)error, (unsigned long long)rip);
	bare_halt();
}

void lapic_init(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	/* The BIOS left the 8259 PICs routing the PIT to vector 8: mask them, the LAPIC is the only source. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	wrmsr(MSR_IA32_APIC_BASE, base | (1ull << 11));
	lapic_write(LAPIC_SVR, 0x1ff);		/* enabled, spurious vector 0xff */
	lapic_write(LAPIC_LVT_TIMER, 1u << 16); /* masked until a guest arms it */
}

/*
 * RAM write-back, the top gigabyte (LAPIC and other MMIO) uncached. The BIOS leaves the MTRRs off, which
 * makes all memory UC, and MONITOR does not arm on UC memory.
 */
void mtrr_init(void)
{
	u32 r[4];

	cpuid(1, 0, r);
	if (!(r[3] & (1u << 12)) || !(rdmsr(0xfe) & 0xff)) /* no MTRRs, or no variable ranges */
		return;
	cpuid(0x80000000, 0, r);
	unsigned int width = 36;
	if (r[0] >= 0x80000008) {
		cpuid(0x80000008, 0, r);
		width = r[0] & 0xff;
	}
	u64 addr_mask = (1ull << width) - 1;
	wrmsr(0x2ff, 0);					 /* off while changing */
	wrmsr(0x200, 0xc0000000ull);				 /* PHYSBASE0: 3 GiB, UC */
	wrmsr(0x201, (addr_mask & ~0x3fffffffull) | (1u << 11)); /* PHYSMASK0: 1 GiB, valid */
	wrmsr(0x2ff, (1u << 11) | 6);				 /* enabled, default WB */
}

void cpu_brand(char *out, unsigned int len)
{
	u32 r[12];

	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000004) {
		kvmx_snprintf(out, len, "unknown");
		return;
	}
	for (u32 i = 0; i < 3; i++)
		cpuid(0x80000002 + i, 0, r + 4 * i);
	const char *s = (const char *)r;
	unsigned int n = 0;
	while (*s == ' ')
		s++;
	while (n + 1 < len && n < 47 && s[n])
		out[n] = s[n], n++;
	out[n] = 0;
}

void describe_cpu(const struct kvmx_caps *c)
{
	char brand[64];

	cpu_brand(brand, sizeof(brand));
	dbg_printf("# cpu: %s\n", brand);
	dbg_printf("# vmx: revision 0x%x, %s controls, EPT/VPID caps 0x%llx\n", c->revision,
		   c->true_ctls ? "TRUE" : "plain", (unsigned long long)c->ept_vpid);
	xsr_stream_meta("run.source", "bare-vmx");
	xsr_stream_meta("run.cpu_vendor", "GenuineIntel");
	xsr_stream_meta("run.cpu_model", brand);
	xsr_stream_meta("vmx.cpu_brand", brand);
	xsr_stream_metaf("vmx.basic", "0x%llx", (unsigned long long)c->basic);
	xsr_stream_metaf("vmx.revision", "0x%x", c->revision);
	xsr_stream_metaf("vmx.pinbased", "0x%llx", (unsigned long long)c->pin);
	xsr_stream_metaf("vmx.procbased", "0x%llx", (unsigned long long)c->proc);
	xsr_stream_metaf("vmx.procbased2", "0x%llx", (unsigned long long)c->proc2);
	xsr_stream_metaf("vmx.exit", "0x%llx", (unsigned long long)c->exit);
	xsr_stream_metaf("vmx.entry", "0x%llx", (unsigned long long)c->entry);
	xsr_stream_metaf("vmx.misc", "0x%llx", (unsigned long long)c->misc);
	xsr_stream_metaf("vmx.ept_vpid_cap", "0x%llx", (unsigned long long)c->ept_vpid);
	xsr_stream_metaf("vmx.cr0_fixed0", "0x%llx", (unsigned long long)c->cr0_fixed0);
	xsr_stream_metaf("vmx.cr0_fixed1", "0x%llx", (unsigned long long)c->cr0_fixed1);
	xsr_stream_metaf("vmx.cr4_fixed0", "0x%llx", (unsigned long long)c->cr4_fixed0);
	xsr_stream_metaf("vmx.cr4_fixed1", "0x%llx", (unsigned long long)c->cr4_fixed1);
	/* The same values as one line a script can turn into a unit-test fixture. */
	dbg_printf("# caps: basic=0x%llx pin=0x%llx proc=0x%llx proc2=0x%llx exit=0x%llx entry=0x%llx misc=0x%llx "
		   "ept=0x%llx cr0f0=0x%llx cr0f1=0x%llx cr4f0=0x%llx cr4f1=0x%llx\n",
		   (unsigned long long)c->basic, (unsigned long long)c->pin, (unsigned long long)c->proc,
		   (unsigned long long)c->proc2, (unsigned long long)c->exit, (unsigned long long)c->entry,
		   (unsigned long long)c->misc, (unsigned long long)c->ept_vpid, (unsigned long long)c->cr0_fixed0,
		   (unsigned long long)c->cr0_fixed1, (unsigned long long)c->cr4_fixed0,
		   (unsigned long long)c->cr4_fixed1);
}
