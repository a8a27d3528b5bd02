// SPDX-License-Identifier: MIT
/* The bare kernel's platform for the VT-x core: identity-mapped page pool, MSRs, TSC, debug-port print. */
#include "kmod-vmx/bare/bare.h"
#include "kmod-vmx/bare/hw.h"
#include "kmod-vmx/core/fmt.h"

static u64 pool_next = POOL_START;
static void *free_list; /* freed single pages, linked through their first word */
static unsigned int free_count;

static void *pool_alloc(void *ctx, u64 *phys)
{
	(void)ctx;
	void *p;

	if (free_list) {
		p = free_list;
		free_list = *(void **)p;
		free_count--;
	} else if (pool_next < POOL_END) {
		p = (void *)(__UINTPTR_TYPE__)pool_next;
		pool_next += KVMX_PAGE_SIZE;
	} else {
		return 0;
	}
	kvmx_memset(p, 0, KVMX_PAGE_SIZE);
	*phys = (u64)(__UINTPTR_TYPE__)p; /* identity mapping */
	return p;
}

static void pool_free(void *ctx, void *page)
{
	(void)ctx;
	*(void **)page = free_list;
	free_list = page;
	free_count++;
}

void *bare_alloc_contig(unsigned int pages, u64 *phys)
{
	u64 bytes = (u64)pages * KVMX_PAGE_SIZE;

	if (pool_next + bytes > POOL_END)
		return 0;
	void *p = (void *)(__UINTPTR_TYPE__)pool_next;
	pool_next += bytes;
	kvmx_memset(p, 0, bytes);
	*phys = (u64)(__UINTPTR_TYPE__)p;
	return p;
}

void bare_free_contig(void *p, unsigned int pages)
{
	for (unsigned int i = 0; i < pages; i++)
		pool_free(0, (u8 *)p + (u64)i * KVMX_PAGE_SIZE);
}

unsigned int bare_pool_free_pages(void)
{
	return (unsigned int)((POOL_END - pool_next) / KVMX_PAGE_SIZE) + free_count;
}

static void *identity(void *ctx, u64 phys)
{
	(void)ctx;
	return (void *)(__UINTPTR_TYPE__)phys;
}

static u64 plat_rdmsr(void *ctx, u32 msr)
{
	(void)ctx;
	return rdmsr(msr);
}

static void plat_wrmsr(void *ctx, u32 msr, u64 v)
{
	(void)ctx;
	wrmsr(msr, v);
}

static void plat_cpuid(void *ctx, u32 leaf, u32 subleaf, u32 out[4])
{
	(void)ctx;
	cpuid(leaf, subleaf, out);
}

static void plat_print(void *ctx, const char *line)
{
	(void)ctx;
	dbg_printf("# core: %s\n", line);
}

static u64 plat_now(void *ctx)
{
	(void)ctx;
	return rdtsc();
}

/* An interrupt acknowledged by a VM exit: the LAPIC timer is the only source; end it with an EOI. */
static void plat_host_irq(void *ctx, u32 vector)
{
	(void)ctx;
	(void)vector;
	lapic_write(LAPIC_EOI, 0);
}

/* The NMI was ours and had no work to do; an IRET to the next instruction lifts the NMI blocking. */
static void plat_host_nmi(void *ctx)
{
	(void)ctx;
	__asm__ volatile("mov %%rsp, %%rax\n\t"
			 "pushq $0x10\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "pushq $0x08\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 :
			 :
			 : "rax", "memory");
}

const struct kvmx_platform bare_platform = {
	.ctx = 0,
	.alloc_page = pool_alloc,
	.free_page = pool_free,
	.phys_to_virt = identity,
	.rdmsr = plat_rdmsr,
	.wrmsr = plat_wrmsr,
	.cpuid = plat_cpuid,
	.print = plat_print,
	.now = plat_now,
	.host_irq = plat_host_irq,
	.host_nmi = plat_host_nmi,
};

bool dbg_quiet;

void dbg_puts(const char *s)
{
	if (dbg_quiet)
		return;
	while (*s)
		outb(0xe9, (u8)*s++);
}

void dbg_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	kvmx_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dbg_puts(buf);
}

#define COM1 0x3f8

void e9_write(const void *buf, unsigned long n)
{
	const u8 *p = buf;

	__asm__ volatile("cld; rep outsb" : "+S"(p), "+c"(n) : "d"((u16)0xe9) : "memory");
}

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void serial_write(const void *buf, unsigned long n)
{
	const u8 *p = buf;

	while (n--) {
		while (!(inb(COM1 + 5) & 0x20))
			;
		outb(COM1, *p++);
	}
}

void bare_halt(void)
{
	/* Let the UART shift out its last bytes (TEMT), or the record file loses its END chunk. */
	for (unsigned int i = 0; i < 10000000 && !(inb(COM1 + 5) & 0x40); i++)
		;
	bochs_magic_break();
	for (;;)
		__asm__ volatile("cli; hlt");
}
