// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The core's platform on Linux: pages from the page allocator (counted, so unload can prove none leaked),
 * MSRs and CPUID of the running CPU, one VMXON region per possible CPU allocated at load, and the run
 * section's entry into and exit from VMX operation on the current CPU.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/hw_breakpoint.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/pkru.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "kmod-vmx/linux/kvmx_linux.h"
#include "kmod-vmx/core/fmt.h"

static atomic_long_t pages_live;

static void *plat_alloc_page(void *ctx, u64 *phys)
{
	/* The core allocates only from process context (create, EPT mapping); atomic callers get GFP_ATOMIC. */
	gfp_t gfp = (irqs_disabled() || !preemptible()) ? GFP_ATOMIC : GFP_KERNEL_ACCOUNT;
	struct page *pg = alloc_page(gfp | __GFP_ZERO);

	if (!pg)
		return NULL;
	atomic_long_inc(&pages_live);
	*phys = page_to_phys(pg);
	return page_address(pg);
}

static void plat_free_page(void *ctx, void *page)
{
	if (!page)
		return;
	free_page((unsigned long)page);
	atomic_long_dec(&pages_live);
}

static void *plat_phys_to_virt(void *ctx, u64 phys)
{
	return __va(phys);
}

static u64 plat_rdmsr(void *ctx, u32 msr)
{
	u64 v;

	rdmsrl(msr, v);
	return v;
}

static void plat_wrmsr(void *ctx, u32 msr, u64 value)
{
	wrmsrl(msr, value);
}

static void plat_cpuid(void *ctx, u32 leaf, u32 subleaf, u32 out[4])
{
	cpuid_count(leaf, subleaf, &out[0], &out[1], &out[2], &out[3]);
}

static void plat_print(void *ctx, const char *line)
{
	pr_info(KVMX_NAME ": %s\n", line);
}

static u64 plat_now(void *ctx)
{
	return rdtsc();
}

/* An interrupt acknowledged on exit, or an NMI that exited: the kernel's own IDT entry handles it. */
static void call_idt(u32 vector)
{
	struct desc_ptr idt;
	gate_desc *gate;

	store_idt(&idt);
	gate = (gate_desc *)idt.address + vector;
	kvmx_call_idt_entry(gate_offset(gate));
}

static void plat_host_irq(void *ctx, u32 vector)
{
	call_idt(vector);
}

static void plat_host_nmi(void *ctx)
{
	call_idt(NMI_VECTOR);
}

const struct kvmx_platform kvmx_linux_platform = {
	.alloc_page = plat_alloc_page,
	.free_page = plat_free_page,
	.phys_to_virt = plat_phys_to_virt,
	.rdmsr = plat_rdmsr,
	.wrmsr = plat_wrmsr,
	.cpuid = plat_cpuid,
	.print = plat_print,
	.now = plat_now,
	.host_irq = plat_host_irq,
	.host_nmi = plat_host_nmi,
};

long kvmx_pages_live(void)
{
	return atomic_long_read(&pages_live);
}

/* ---- capabilities and refusals ---- */

struct kvmx_cpu kvmx_caps_cpu;
bool kvmx_usable;
char kvmx_unusable_msg[KVMX_MSG_LEN];

static void read_caps(void *unused)
{
	struct kvmx_err err;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL && boot_cpu_data.x86_vendor != X86_VENDOR_ZHAOXIN &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_CENTAUR) {
		snprintf(kvmx_unusable_msg, KVMX_MSG_LEN,
			 "not an Intel CPU (vendor %.12s): kmod-vmx needs VT-x; use --backend kvm",
			 boot_cpu_data.x86_vendor_id);
		return;
	}
	kvmx_caps_cpu.plat = &kvmx_linux_platform;
	if (kvmx_caps_read(&kvmx_linux_platform, &kvmx_caps_cpu.caps, &err)) {
		snprintf(kvmx_unusable_msg, KVMX_MSG_LEN, "%s", err.msg);
		return;
	}
	if (!(kvmx_caps_cpu.caps.feature_control & FEAT_CTL_LOCKED)) {
		/* The kernel locks IA32_FEATURE_CONTROL at boot (with VMX on when it can): not locked means not done. */
		snprintf(kvmx_unusable_msg, KVMX_MSG_LEN,
			 "IA32_FEATURE_CONTROL is not locked (0x%llx): the kernel did not enable VMX at boot",
			 (unsigned long long)kvmx_caps_cpu.caps.feature_control);
		return;
	}
	if (!(kvmx_allowed1(kvmx_caps_cpu.caps.proc2) & SECONDARY_EXEC_ENABLE_EPT) ||
	    !(kvmx_allowed1(kvmx_caps_cpu.caps.proc) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)) {
		snprintf(kvmx_unusable_msg, KVMX_MSG_LEN,
			 "this CPU has no EPT: kmod-vmx confines every guest to its own memory with EPT");
		return;
	}
	kvmx_usable = true;
}

void kvmx_fill_caps(struct kvmx_caps_info *info)
{
	struct kvmx_caps caps;
	struct kvmx_err err;
	int cpu = get_cpu();

	info->cpu = cpu;
	info->features = KVMX_FEAT_RUN_STATE | KVMX_FEAT_SET_RIP | KVMX_FEAT_INJECT_READY | KVMX_FEAT_EPT_RANGE;
	if (kvmx_caps_read(&kvmx_linux_platform, &caps, &err) == 0) {
		info->basic = caps.basic;
		info->pin = caps.pin;
		info->proc = caps.proc;
		info->proc2 = caps.proc2;
		info->exit = caps.exit;
		info->entry = caps.entry;
		info->ept_vpid = caps.ept_vpid;
		info->misc = caps.misc;
		info->cr0_fixed0 = caps.cr0_fixed0;
		info->cr0_fixed1 = caps.cr0_fixed1;
		info->cr4_fixed0 = caps.cr4_fixed0;
		info->cr4_fixed1 = caps.cr4_fixed1;
		info->feature_control = caps.feature_control;
		info->true_ctls = caps.true_ctls;
	}
	put_cpu();
}

/* kvm.ko exports this; finding it means KVM (kvm_intel on an Intel host) is loaded. */
static bool kvm_loaded(void)
{
	if (!__symbol_get("kvm_rebooting"))
		return false;
	__symbol_put("kvm_rebooting");
	return true;
}

int kvmx_check_available(char msg[KVMX_MSG_LEN])
{
	if (!kvmx_usable) {
		snprintf(msg, KVMX_MSG_LEN, "%s", kvmx_unusable_msg);
		return -ENODEV;
	}
	if (kvm_loaded()) {
		snprintf(msg, KVMX_MSG_LEN,
			 "VT-x is in use: KVM (kvm_intel) is loaded on this host, so --backend kvm is the choice here "
			 "(or unload kvm_intel and kvm to use kmod-vmx)");
		return -EBUSY;
	}
	return 0;
}

/* ---- per-CPU VMXON regions and the run section ---- */

struct kvmx_pcpu {
	void *region;
	u64 region_phys;
	struct kvmx_cpu cpu;
	struct desc_ptr idt; /* the host IDTR (a VM exit leaves its limit at 0xffff) */
	unsigned long debugctl;
	u64 kernel_gs_base; /* a guest's SWAPGS writes the real MSR: VMX does not switch it */
	u32 pkru;	    /* a guest's WRPKRU writes the real PKRU */
};

static DEFINE_PER_CPU(struct kvmx_pcpu, kvmx_pcpus);

int kvmx_platform_init(void)
{
	unsigned int cpu;

	read_caps(NULL);
	if (!kvmx_usable) {
		pr_info(KVMX_NAME ": VT-x cannot be used here: %s\n", kvmx_unusable_msg);
		return 0; /* the device stays, and says why on every request */
	}
	for_each_possible_cpu(cpu) {
		struct kvmx_pcpu *pc = per_cpu_ptr(&kvmx_pcpus, cpu);

		pc->region = plat_alloc_page(NULL, &pc->region_phys);
		if (!pc->region) {
			kvmx_platform_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

void kvmx_platform_exit(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct kvmx_pcpu *pc = per_cpu_ptr(&kvmx_pcpus, cpu);

		plat_free_page(NULL, pc->region);
		pc->region = NULL;
	}
}

struct kvmx_cpu *kvmx_vmx_enter(struct kvmx_err *err)
{
	struct kvmx_pcpu *pc = this_cpu_ptr(&kvmx_pcpus);
	unsigned long cr4 = cr4_read_shadow();

	lockdep_assert_irqs_disabled();
	if (cr4 & X86_CR4_VMXE) {
		kvmx_fail(err,
			  "VT-x is in use on CPU %d by another hypervisor (CR4.VMXE is set: kvm_intel running VMs?); "
			  "--backend kvm is the choice there",
			  smp_processor_id());
		return NULL;
	}
	if ((cr4 | X86_CR4_VMXE) & ~kvmx_caps_cpu.caps.cr4_fixed1) {
		kvmx_fail(err, "the kernel's CR4 0x%lx has bits VMX operation forbids (IA32_VMX_CR4_FIXED1=0x%llx)",
			  cr4, (unsigned long long)kvmx_caps_cpu.caps.cr4_fixed1);
		return NULL;
	}
	store_idt(&pc->idt);
	pc->debugctl = get_debugctlmsr();
	rdmsrl(MSR_KERNEL_GS_BASE, pc->kernel_gs_base);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE))
		pc->pkru = read_pkru();
	/* Through the kernel's CR4 shadow, so that nothing it writes later clears VMXE under VMX operation. */
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	if (kvmx_cpu_on_region(&pc->cpu, &kvmx_linux_platform, pc->region, pc->region_phys, err)) {
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		return NULL;
	}
	return &pc->cpu;
}

void kvmx_vmx_leave(struct kvmx_cpu *cpu)
{
	struct kvmx_pcpu *pc = container_of(cpu, struct kvmx_pcpu, cpu);

	kvmx_cpu_off(cpu);
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
	/* What a VM exit changed and the VMCS's host-state area cannot say (as KVM restores them). */
	load_fixmap_gdt(smp_processor_id()); /* GDTR limit */
	invalidate_tss_limit();		      /* TR limit 0x67: the I/O bitmap */
	load_idt(&pc->idt);		      /* IDTR limit */
	if (pc->debugctl)
		update_debugctlmsr(pc->debugctl);
	wrmsrl(MSR_KERNEL_GS_BASE, pc->kernel_gs_base);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE) && read_pkru() != pc->pkru)
		write_pkru(pc->pkru);
	if (hw_breakpoint_active())
		hw_breakpoint_restore(); /* DR7 (and DR0-3 a guest may have written) */
}
