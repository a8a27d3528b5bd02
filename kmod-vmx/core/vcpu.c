// SPDX-License-Identifier: MIT
/* VMX operation, VMCS setup and the run loop. */
#include "kmod-vmx/core/vcpu.h"
#include "kmod-vmx/core/exit_record.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/policy.h"
#include "kmod-vmx/core/vmx_arch.h"
#include "kmod-vmx/core/x86.h"

static void release_region(struct kvmx_cpu *cpu)
{
	if (!cpu->region_borrowed)
		cpu->plat->free_page(cpu->plat->ctx, cpu->vmxon_region);
	cpu->vmxon_region = 0;
}

static int cpu_on(struct kvmx_cpu *cpu, const struct kvmx_platform *p, void *region, u64 region_phys,
		  struct kvmx_err *err)
{
	kvmx_memset(cpu, 0, sizeof(*cpu));
	cpu->plat = p;
	if (kvmx_caps_read(p, &cpu->caps, err))
		return -1;
	if (!(cpu->caps.feature_control & FEATURE_CONTROL_LOCKED))
		p->wrmsr(p->ctx, MSR_IA32_FEATURE_CONTROL,
			 cpu->caps.feature_control | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX);

	cpu->region_borrowed = region != 0;
	cpu->vmxon_region = region;
	cpu->vmxon_phys = region_phys;
	if (!region)
		cpu->vmxon_region = p->alloc_page(p->ctx, &cpu->vmxon_phys);
	if (!cpu->vmxon_region)
		return kvmx_fail(err, "out of memory for the VMXON region");
	*(u32 *)cpu->vmxon_region = cpu->caps.revision;

	/* CR0 and CR4 must satisfy the VMX fixed bits before VMXON (CR0.NE and CR4.VMXE, SDM 23.8). */
	cpu->cr0_before = kvmx_read_cr0();
	cpu->cr4_before = kvmx_read_cr4();
	u64 cr0 = (cpu->cr0_before | cpu->caps.cr0_fixed0) & cpu->caps.cr0_fixed1;
	u64 cr4 = ((cpu->cr4_before | X86_CR4_VMXE) | cpu->caps.cr4_fixed0) & cpu->caps.cr4_fixed1;
	if (!(cr4 & X86_CR4_VMXE)) {
		release_region(cpu);
		return kvmx_fail(err, "CR4.VMXE may not be set (IA32_VMX_CR4_FIXED1=0x%llx)",
				 (unsigned long long)cpu->caps.cr4_fixed1);
	}
	kvmx_write_cr0(cr0);
	kvmx_write_cr4(cr4);
	if (kvmx_vmxon(cpu->vmxon_phys)) {
		kvmx_write_cr4(cpu->cr4_before);
		kvmx_write_cr0(cpu->cr0_before);
		release_region(cpu);
		return kvmx_fail(err, "VMXON failed (revision 0x%x, region at 0x%llx)", cpu->caps.revision,
				 (unsigned long long)cpu->vmxon_phys);
	}
	cpu->on = true;
	return 0;
}

int kvmx_cpu_on(struct kvmx_cpu *cpu, const struct kvmx_platform *p, struct kvmx_err *err)
{
	return cpu_on(cpu, p, 0, 0, err);
}

int kvmx_cpu_on_region(struct kvmx_cpu *cpu, const struct kvmx_platform *p, void *region, u64 region_phys,
		       struct kvmx_err *err)
{
	if (!region)
		return kvmx_fail(err, "no VMXON region given");
	return cpu_on(cpu, p, region, region_phys, err);
}

void kvmx_cpu_off(struct kvmx_cpu *cpu)
{
	if (!cpu->on)
		return;
	kvmx_vmxoff();
	kvmx_write_cr4(cpu->cr4_before & ~X86_CR4_VMXE);
	kvmx_write_cr0(cpu->cr0_before);
	release_region(cpu);
	cpu->on = false;
}

int kvmx_vcpu_create(struct kvmx_vcpu *v, struct kvmx_cpu *cpu, u32 id, u8 source, struct kvmx_ring_header *ring,
		     struct kvmx_err *err)
{
	const struct kvmx_platform *p = cpu->plat;

	kvmx_memset(v, 0, sizeof(*v));
	v->cpu = cpu;
	v->plat = p;
	v->id = id;
	v->source = source;
	v->ring = ring;
	if (ring)
		kvmx_ring_producer_init(&v->ring_out, ring);
	v->vmcs = p->alloc_page(p->ctx, &v->vmcs_phys);
	v->io_bitmap_a = p->alloc_page(p->ctx, &v->io_bitmap_a_phys);
	v->io_bitmap_b = p->alloc_page(p->ctx, &v->io_bitmap_b_phys);
	v->msr_bitmap = p->alloc_page(p->ctx, &v->msr_bitmap_phys);
	if (!v->vmcs || !v->io_bitmap_a || !v->io_bitmap_b || !v->msr_bitmap) {
		kvmx_vcpu_destroy(v);
		return kvmx_fail(err, "out of memory for the VMCS and its bitmaps");
	}
	*(u32 *)v->vmcs = cpu->caps.revision;
	return 0;
}

void kvmx_vcpu_destroy(struct kvmx_vcpu *v)
{
	const struct kvmx_platform *p = v->plat;

	if (v->vmcs && v->cpu->on)
		kvmx_vmclear(v->vmcs_phys);
	if (v->ept_ready)
		kvmx_ept_destroy(&v->ept);
	void *pages[] = {v->vmcs, v->io_bitmap_a, v->io_bitmap_b, v->msr_bitmap};
	for (unsigned int i = 0; i < KVMX_ARRAY_SIZE(pages); i++)
		if (pages[i])
			p->free_page(p->ctx, pages[i]);
	v->vmcs = 0;
	v->ept_ready = false;
}

int kvmx_vcpu_ept_map(struct kvmx_vcpu *v, u64 gpa, u64 hpa, u64 size, u64 perms, u64 memtype, struct kvmx_err *err)
{
	if (!v->ept_ready) {
		if (kvmx_ept_init(&v->ept, v->plat, &v->cpu->caps, err))
			return -1;
		v->ept_ready = true;
	}
	return kvmx_ept_map(&v->ept, gpa, hpa, size, perms, memtype, err);
}

static void build_bitmaps(struct kvmx_vcpu *v, const struct kvmx_controls *c)
{
	kvmx_memset(v->io_bitmap_a, 0, KVMX_PAGE_SIZE);
	kvmx_memset(v->io_bitmap_b, 0, KVMX_PAGE_SIZE);
	kvmx_memset(v->msr_bitmap, 0, KVMX_PAGE_SIZE);
	for (unsigned int i = 0; i < c->n_io; i++) {
		for (u32 port = c->io[i].first; port < (u32)c->io[i].first + c->io[i].count; port++) {
			u8 *bm = port < 0x8000 ? v->io_bitmap_a : v->io_bitmap_b;
			u32 bit = port & 0x7fff;
			bm[bit / 8] |= (u8)(1u << (bit % 8));
		}
	}
	/* MSR bitmap: read low, read high, write low, write high; 1 KiB each (SDM 24.6.9). */
	for (unsigned int i = 0; i < c->n_msr; i++) {
		u32 m = c->msr[i].msr;
		u32 base = m >= 0xc0000000 ? 1024 : 0;
		u32 bit = m & 0x1fff;
		if (c->msr[i].read)
			v->msr_bitmap[base + bit / 8] |= (u8)(1u << (bit % 8));
		if (c->msr[i].write)
			v->msr_bitmap[2048 + base + bit / 8] |= (u8)(1u << (bit % 8));
	}
}

struct vmcs_writer {
	u32 failed_field;
	bool failed;
};

static void w(struct vmcs_writer *wr, u32 field, u64 value)
{
	if (kvmx_vmwrite(field, value) && !wr->failed) {
		wr->failed = true;
		wr->failed_field = field;
	}
}

static void write_host_state(struct vmcs_writer *wr, const struct kvmx_vcpu *v)
{
	const struct kvmx_platform *p = v->plat;
	struct kvmx_dtr gdtr, idtr;

	kvmx_sgdt(&gdtr);
	kvmx_sidt(&idtr);
	w(wr, VMCS_HOST_CR0, kvmx_read_cr0());
	w(wr, VMCS_HOST_CR3, kvmx_read_cr3());
	w(wr, VMCS_HOST_CR4, kvmx_read_cr4());
	w(wr, VMCS_HOST_CS_SEL, kvmx_read_cs() & ~7u);
	w(wr, VMCS_HOST_SS_SEL, kvmx_read_ss() & ~7u);
	w(wr, VMCS_HOST_DS_SEL, kvmx_read_ds() & ~7u);
	w(wr, VMCS_HOST_ES_SEL, kvmx_read_es() & ~7u);
	w(wr, VMCS_HOST_FS_SEL, kvmx_read_fs() & ~7u);
	w(wr, VMCS_HOST_GS_SEL, kvmx_read_gs() & ~7u);
	u16 tr = kvmx_read_tr();
	w(wr, VMCS_HOST_TR_SEL, tr & ~7u);
	w(wr, VMCS_HOST_TR_BASE, kvmx_descriptor_base64(gdtr.base, tr));
	w(wr, VMCS_HOST_FS_BASE, p->rdmsr(p->ctx, MSR_IA32_FS_BASE));
	w(wr, VMCS_HOST_GS_BASE, p->rdmsr(p->ctx, MSR_IA32_GS_BASE));
	w(wr, VMCS_HOST_GDTR_BASE, gdtr.base);
	w(wr, VMCS_HOST_IDTR_BASE, idtr.base);
	w(wr, VMCS_HOST_SYSENTER_CS, p->rdmsr(p->ctx, MSR_IA32_SYSENTER_CS));
	w(wr, VMCS_HOST_SYSENTER_ESP, p->rdmsr(p->ctx, MSR_IA32_SYSENTER_ESP));
	w(wr, VMCS_HOST_SYSENTER_EIP, p->rdmsr(p->ctx, MSR_IA32_SYSENTER_EIP));
	if (v->words.word[KVMX_WORD_EXIT] & EXIT_LOAD_EFER)
		w(wr, VMCS_HOST_EFER, p->rdmsr(p->ctx, MSR_IA32_EFER));
	if (v->words.word[KVMX_WORD_EXIT] & EXIT_LOAD_PAT)
		w(wr, VMCS_HOST_PAT, p->rdmsr(p->ctx, MSR_IA32_PAT));
	w(wr, VMCS_HOST_RIP, (u64)(__UINTPTR_TYPE__)kvmx_vmexit_entry);
}

/* The CR0/CR4 fixed bits the guest must satisfy; "unrestricted guest" frees CR0.PE and CR0.PG. */
static u64 guest_cr0(const struct kvmx_vcpu *v, u64 cr0)
{
	u64 fixed0 = v->cpu->caps.cr0_fixed0;

	if (v->words.word[KVMX_WORD_PROC2] & CPU2_UNRESTRICTED)
		fixed0 &= ~(X86_CR0_PE | X86_CR0_PG);
	return (cr0 | fixed0) & v->cpu->caps.cr0_fixed1;
}

static void write_guest_state(struct vmcs_writer *wr, struct kvmx_vcpu *v, const struct kvmx_guest_state *gs)
{
	for (unsigned int i = 0; i < XS_SEG_COUNT; i++) {
		w(wr, VMCS_GUEST_ES_SEL + 2 * i, gs->seg[i].sel);
		w(wr, VMCS_GUEST_ES_BASE + 2 * i, gs->seg[i].base);
		w(wr, VMCS_GUEST_ES_LIMIT + 2 * i, gs->seg[i].limit);
		w(wr, VMCS_GUEST_ES_AR + 2 * i, gs->seg[i].ar);
	}
	w(wr, VMCS_GUEST_GDTR_BASE, gs->gdtr_base);
	w(wr, VMCS_GUEST_GDTR_LIMIT, gs->gdtr_limit);
	w(wr, VMCS_GUEST_IDTR_BASE, gs->idtr_base);
	w(wr, VMCS_GUEST_IDTR_LIMIT, gs->idtr_limit);
	w(wr, VMCS_GUEST_CR0, guest_cr0(v, gs->cr0));
	w(wr, VMCS_GUEST_CR3, gs->cr3);
	w(wr, VMCS_GUEST_CR4, (gs->cr4 | v->cpu->caps.cr4_fixed0) & v->cpu->caps.cr4_fixed1);
	w(wr, VMCS_GUEST_DR7, gs->dr7);
	w(wr, VMCS_GUEST_RSP, gs->rsp);
	w(wr, VMCS_GUEST_RIP, gs->rip);
	w(wr, VMCS_GUEST_RFLAGS, gs->rflags | 2);
	w(wr, VMCS_GUEST_PENDING_DBG, 0);
	w(wr, VMCS_GUEST_INTERRUPTIBILITY, gs->interruptibility);
	w(wr, VMCS_GUEST_ACTIVITY, gs->activity);
	w(wr, VMCS_GUEST_SYSENTER_CS, 0);
	w(wr, VMCS_GUEST_SYSENTER_ESP, 0);
	w(wr, VMCS_GUEST_SYSENTER_EIP, 0);
	w(wr, VMCS_GUEST_DEBUGCTL, 0);
	w(wr, VMCS_LINK_POINTER, gs->link_pointer);
	if (v->words.word[KVMX_WORD_ENTRY] & ENTRY_LOAD_EFER)
		w(wr, VMCS_GUEST_EFER, gs->efer);
	if (v->words.word[KVMX_WORD_ENTRY] & ENTRY_LOAD_PAT)
		w(wr, VMCS_GUEST_PAT, gs->pat);
	v->gprs = gs->gprs;
}

static void write_controls(struct vmcs_writer *wr, struct kvmx_vcpu *v, const struct kvmx_controls *c)
{
	const u32 *word = v->words.word;

	w(wr, VMCS_PIN_CTLS, word[KVMX_WORD_PIN]);
	w(wr, VMCS_PROC_CTLS, word[KVMX_WORD_PROC]);
	if (word[KVMX_WORD_PROC] & CPU_SECONDARY)
		w(wr, VMCS_PROC_CTLS2, word[KVMX_WORD_PROC2]);
	w(wr, VMCS_EXIT_CTLS, word[KVMX_WORD_EXIT]);
	w(wr, VMCS_ENTRY_CTLS, word[KVMX_WORD_ENTRY]);
	w(wr, VMCS_EXCEPTION_BITMAP, c->exception_bitmap);
	w(wr, VMCS_PF_ERROR_MASK, 0);
	w(wr, VMCS_PF_ERROR_MATCH, 0);
	w(wr, VMCS_CR3_TARGET_COUNT, c->cr3_target_count);
	for (unsigned int i = 0; i < c->cr3_target_count; i++)
		w(wr, VMCS_CR3_TARGET0 + 2 * i, c->cr3_targets[i]);
	w(wr, VMCS_CR0_MASK, c->cr0_mask);
	w(wr, VMCS_CR0_SHADOW, c->cr0_shadow);
	w(wr, VMCS_CR4_MASK, c->cr4_mask);
	w(wr, VMCS_CR4_SHADOW, c->cr4_shadow);
	w(wr, VMCS_IO_BITMAP_A, v->io_bitmap_a_phys);
	w(wr, VMCS_IO_BITMAP_B, v->io_bitmap_b_phys);
	if (word[KVMX_WORD_PROC] & CPU_MSR_BITMAPS)
		w(wr, VMCS_MSR_BITMAP, v->msr_bitmap_phys);
	if (word[KVMX_WORD_PROC] & CPU_TSC_OFFSETTING)
		w(wr, VMCS_TSC_OFFSET, 0);
	if (word[KVMX_WORD_PROC2] & CPU2_EPT)
		w(wr, VMCS_EPT_POINTER, kvmx_ept_pointer(&v->ept));
	if (word[KVMX_WORD_PIN] & PIN_PREEMPTION_TIMER)
		w(wr, VMCS_PREEMPTION_TIMER, c->preemption_timer_value);
	w(wr, VMCS_EXIT_MSR_STORE_COUNT, 0);
	w(wr, VMCS_EXIT_MSR_LOAD_COUNT, 0);
	w(wr, VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	w(wr, VMCS_ENTRY_INTR_INFO, 0);
}

/* Controls the CPU set although nobody asked: said once per configuration, never kept silently. */
static void report_forced(const struct kvmx_vcpu *v)
{
	for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++) {
		const struct kvmx_control_info *ci = kvmx_control_info((enum kvmx_ctl)i);
		if (v->words.forced[ci->word] & ci->bit) {
			char line[128];
			kvmx_snprintf(line, sizeof(line), "%s control '%s' is forced on by this CPU",
				      kvmx_word_name(ci->word), ci->name);
			v->plat->print(v->plat->ctx, line);
		}
	}
}

int kvmx_vcpu_load(struct kvmx_vcpu *v, struct kvmx_err *err)
{
	struct vmcs_writer wr = {0, false};

	if (kvmx_vmptrld(v->vmcs_phys))
		return kvmx_fail(err, "VMPTRLD of the VMCS at 0x%llx failed", (unsigned long long)v->vmcs_phys);
	write_host_state(&wr, v);
	if (wr.failed)
		return kvmx_fail(err, "VMWRITE to host-state field 0x%x failed (VM-instruction error %llu)",
				 wr.failed_field, (unsigned long long)kvmx_vmread(VMCS_INSN_ERROR));
	v->launched = false;
	return 0;
}

int kvmx_vcpu_configure(struct kvmx_vcpu *v, const struct kvmx_controls *c, const struct kvmx_guest_state *gs,
			struct kvmx_err *err)
{
	struct kvmx_guest_mode mode = {.ia32e = gs->ia32e};
	struct vmcs_writer wr = {0, false};

	if (kvmx_controls_compute(&v->cpu->caps, c, &mode, &v->words, err))
		return -1;
	if (c->ept && !v->ept_ready)
		return kvmx_fail(err, "control 'enable EPT' is on but no guest memory is mapped in the EPT");
	/* The core applies CR0.NE and CR4.VMXE itself; a guest without protection or paging is another matter. */
	u64 mode_bits = v->cpu->caps.cr0_fixed0 & (X86_CR0_PE | X86_CR0_PG);
	if (!(v->words.word[KVMX_WORD_PROC2] & CPU2_UNRESTRICTED) && (gs->cr0 & mode_bits) != mode_bits)
		return kvmx_fail(err,
				 "guest CR0 0x%llx clears PE or PG: a real-mode or unpaged guest needs control "
				 "'unrestricted guest'",
				 (unsigned long long)gs->cr0);
	v->ctl = *c;
	report_forced(v);
	build_bitmaps(v, c);
	if (kvmx_vmclear(v->vmcs_phys) || kvmx_vmptrld(v->vmcs_phys))
		return kvmx_fail(err, "VMCLEAR/VMPTRLD of the VMCS at 0x%llx failed", (unsigned long long)v->vmcs_phys);
	write_controls(&wr, v, c);
	write_host_state(&wr, v);
	write_guest_state(&wr, v, gs);
	if (wr.failed)
		return kvmx_fail(err, "VMWRITE to VMCS field 0x%x failed (VM-instruction error %llu)", wr.failed_field,
				 (unsigned long long)kvmx_vmread(VMCS_INSN_ERROR));
	v->launched = false;
	v->halted = false;
	v->event_pending = false;
	v->tpr = 0;
	v->tpr_dirty = true;
	return 0;
}

static bool stop_requested(const struct kvmx_vcpu *v, u32 basic)
{
	return basic < 128 && (v->stop_on[basic / 32] & (1u << (basic % 32)));
}

enum kvmx_stop kvmx_vcpu_run(struct kvmx_vcpu *v, kvmx_exit_handler handler, void *opaque)
{
	if (!handler)
		handler = kvmx_policy_default;
	if (kvmx_vmptrld(v->vmcs_phys))
		return KVMX_STOP_VMFAIL;
	for (u32 n = 0;; n++) {
		if (v->max_exits && n >= v->max_exits)
			return KVMX_STOP_EXIT_LIMIT;
		if (v->halted) {
			if (!v->event_pending)
				return KVMX_STOP_HLT;
			v->halted = false;
		}
		if (v->event_pending) {
			kvmx_vmwrite(VMCS_ENTRY_INTR_INFO, v->event_info);
			kvmx_vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, v->event_error);
			kvmx_vmwrite(VMCS_ENTRY_INSN_LEN, v->event_insn_len);
			v->event_pending = false;
		}
		if (v->cr2_dirty) {
			kvmx_write_cr2(v->guest_cr2);
			v->cr2_dirty = false;
		}
		/* Without a TPR shadow the guest owns the real TPR; emulated CR8 loads land there too. */
		if (v->tpr_dirty) {
			kvmx_write_cr8(v->tpr);
			v->tpr_dirty = false;
		}
		v->entry_ts = v->plat->now(v->plat->ctx);
		int rc = kvmx_vmenter(&v->gprs, v->launched);
		u64 ts = v->plat->now(v->plat->ctx);
		v->guest_cr2 = kvmx_read_cr2();
		v->tpr = kvmx_read_cr8();
		if (rc != KVMX_ENTER_EXITED) {
			v->insn_error = rc == KVMX_ENTER_FAIL_VALID ? (u32)kvmx_vmread(VMCS_INSN_ERROR) : 0;
			v->failed_entries++;
			return KVMX_STOP_VMFAIL;
		}
		v->exits++;
		kvmx_exit_record_fill(v, &v->rec, ts);
		enum kvmx_stop stop;
		if (v->rec.reason & XS_VMX_REASON_FAILED_VMENTRY) {
			/* The VMCS stays unlaunched: the next attempt must VMLAUNCH again. */
			v->failed_entries++;
			v->rec.flags |= XS_F_FINAL;
			stop = KVMX_STOP_ENTRY_FAIL;
		} else {
			v->launched = true;
			u32 basic = XS_VMX_BASIC_REASON(v->rec.reason);
			stop = stop_requested(v, basic) ? KVMX_STOP_REQUESTED : handler(v, &v->rec, opaque);
			if (stop == KVMX_STOP_TRIPLE_FAULT)
				v->rec.flags |= XS_F_FINAL;
		}
		if (v->ring)
			kvmx_ring_produce(&v->ring_out, &v->rec);
		if (stop != KVMX_STOP_NONE)
			return stop;
	}
}
