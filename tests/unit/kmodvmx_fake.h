/* SPDX-License-Identifier: MIT */
/*
 * A fake platform for the kmod-vmx core's host unit tests: pages from the C heap with made-up physical
 * addresses (so phys_to_virt really has to translate), capability MSRs from a captured Bochs model, and a
 * log of MSR reads so a test can prove the core never touches an MSR the model lacks.
 */
#ifndef TEST_KMODVMX_FAKE_H
#define TEST_KMODVMX_FAKE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kmod-vmx/core/platform.h"
#include "kmod-vmx/core/vmx_arch.h"
#include "launcher/vmx_models.h"

#define FAKE_MAX_PAGES 4096
#define FAKE_PHYS_BASE 0x40000000ull /* physical addresses differ from virtual ones */

/* Plain (non-TRUE) control MSRs report the default-1 class as must-be-1 (SDM A.2). */
#define DEFAULT1_PIN 0x16ull
#define DEFAULT1_PROC 0x0401e172ull
#define DEFAULT1_EXIT 0x36dffull
#define DEFAULT1_ENTRY 0x11ffull

struct fake_platform {
	const struct vmx_model *model;
	bool true_ctls; /* report IA32_VMX_BASIC bit 55 */
	bool no_vmx;	/* CPUID.1:ECX.VMX clear */
	uint64_t feature_control;
	void *pages[FAKE_MAX_PAGES];
	unsigned int npages, live_pages, alloc_limit;
	uint32_t msr_reads[64];
	unsigned int nreads;
	uint32_t bad_msr; /* first MSR read that this model does not have, or 0 */
	uint64_t tsc;
	uint32_t host_irqs, host_nmis;
};

static bool fake_has_msr(const struct fake_platform *f, uint32_t msr)
{
	const struct vmx_model *m = f->model;
	switch (msr) {
	case MSR_IA32_FEATURE_CONTROL:
	case MSR_IA32_VMX_BASIC:
	case MSR_IA32_VMX_PINBASED_CTLS:
	case MSR_IA32_VMX_PROCBASED_CTLS:
	case MSR_IA32_VMX_EXIT_CTLS:
	case MSR_IA32_VMX_ENTRY_CTLS:
	case MSR_IA32_VMX_MISC:
	case MSR_IA32_VMX_CR0_FIXED0:
	case MSR_IA32_VMX_CR0_FIXED1:
	case MSR_IA32_VMX_CR4_FIXED0:
	case MSR_IA32_VMX_CR4_FIXED1:
		return true;
	case MSR_IA32_VMX_TRUE_PINBASED_CTLS:
	case MSR_IA32_VMX_TRUE_PROCBASED_CTLS:
	case MSR_IA32_VMX_TRUE_EXIT_CTLS:
	case MSR_IA32_VMX_TRUE_ENTRY_CTLS:
		return f->true_ctls;
	case MSR_IA32_VMX_PROCBASED_CTLS2:
		return (m->proc >> 32) & CPU_SECONDARY;
	case MSR_IA32_VMX_EPT_VPID_CAP:
		return (m->proc2 >> 32) & (CPU2_EPT | CPU2_VPID);
	default:
		return msr == 0x10 || msr == MSR_IA32_STAR || msr == MSR_IA32_KERNEL_GS_BASE;
	}
}

static uint64_t fake_rdmsr(void *ctx, uint32_t msr)
{
	struct fake_platform *f = ctx;
	const struct vmx_model *m = f->model;

	if (f->nreads < 64)
		f->msr_reads[f->nreads++] = msr;
	if (!fake_has_msr(f, msr) && !f->bad_msr)
		f->bad_msr = msr;
	switch (msr) {
	case MSR_IA32_FEATURE_CONTROL:
		return f->feature_control;
	case MSR_IA32_VMX_BASIC:
		return f->true_ctls ? m->basic : m->basic & ~VMX_BASIC_TRUE_CTLS;
	case MSR_IA32_VMX_TRUE_PINBASED_CTLS:
		return m->pin;
	case MSR_IA32_VMX_TRUE_PROCBASED_CTLS:
		return m->proc;
	case MSR_IA32_VMX_TRUE_EXIT_CTLS:
		return m->exit;
	case MSR_IA32_VMX_TRUE_ENTRY_CTLS:
		return m->entry;
	case MSR_IA32_VMX_PINBASED_CTLS:
		return m->pin | DEFAULT1_PIN;
	case MSR_IA32_VMX_PROCBASED_CTLS:
		return m->proc | DEFAULT1_PROC;
	case MSR_IA32_VMX_EXIT_CTLS:
		return m->exit | DEFAULT1_EXIT;
	case MSR_IA32_VMX_ENTRY_CTLS:
		return m->entry | DEFAULT1_ENTRY;
	case MSR_IA32_VMX_PROCBASED_CTLS2:
		return m->proc2;
	case MSR_IA32_VMX_EPT_VPID_CAP:
		return m->ept;
	case MSR_IA32_VMX_MISC:
		return m->misc;
	case MSR_IA32_VMX_CR0_FIXED0:
		return m->cr0f0;
	case MSR_IA32_VMX_CR0_FIXED1:
		return m->cr0f1;
	case MSR_IA32_VMX_CR4_FIXED0:
		return m->cr4f0;
	case MSR_IA32_VMX_CR4_FIXED1:
		return m->cr4f1;
	case MSR_IA32_STAR:
		return 0x0023001000000000ull;
	default:
		return 0;
	}
}

static void fake_wrmsr(void *ctx, uint32_t msr, uint64_t v)
{
	(void)ctx;
	(void)msr;
	(void)v;
}

static void *fake_alloc_page(void *ctx, uint64_t *phys)
{
	struct fake_platform *f = ctx;

	if (f->npages == FAKE_MAX_PAGES || (f->alloc_limit && f->live_pages >= f->alloc_limit))
		return NULL;
	void *p = aligned_alloc(4096, 4096);
	assert_non_null(p);
	memset(p, 0, 4096);
	f->pages[f->npages] = p;
	*phys = FAKE_PHYS_BASE + (uint64_t)f->npages * 4096;
	f->npages++;
	f->live_pages++;
	return p;
}

static void fake_free_page(void *ctx, void *page)
{
	struct fake_platform *f = ctx;

	for (unsigned int i = 0; i < f->npages; i++) {
		if (f->pages[i] == page) {
			free(page);
			f->pages[i] = NULL;
			f->live_pages--;
			return;
		}
	}
	fail_msg("freeing a page the platform never handed out");
}

static void *fake_phys_to_virt(void *ctx, uint64_t phys)
{
	struct fake_platform *f = ctx;
	uint64_t i = (phys - FAKE_PHYS_BASE) / 4096;

	assert_true(phys >= FAKE_PHYS_BASE && i < f->npages && f->pages[i]);
	return f->pages[i];
}

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct fake_platform *f = ctx;

	(void)subleaf;
	out[0] = leaf == 1 ? 0x306c3 : 0xd;
	out[1] = 0x756e6547;
	out[2] = leaf == 1 ? (f->no_vmx ? 0 : CPUID_1_ECX_VMX) | 0x8000 : 0x6c65746e;
	out[3] = 0x49656e69;
}

static void fake_print(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static uint64_t fake_now(void *ctx)
{
	struct fake_platform *f = ctx;
	return f->tsc += 1000;
}

static void fake_host_irq(void *ctx, uint32_t vector)
{
	(void)vector;
	((struct fake_platform *)ctx)->host_irqs++;
}

static void fake_host_nmi(void *ctx)
{
	((struct fake_platform *)ctx)->host_nmis++;
}

static void fake_init(struct fake_platform *f, struct kvmx_platform *p, const struct vmx_model *m)
{
	memset(f, 0, sizeof(*f));
	f->model = m;
	f->true_ctls = true;
	f->feature_control = FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
	*p = (struct kvmx_platform){
		.ctx = f,
		.alloc_page = fake_alloc_page,
		.free_page = fake_free_page,
		.phys_to_virt = fake_phys_to_virt,
		.rdmsr = fake_rdmsr,
		.wrmsr = fake_wrmsr,
		.cpuid = fake_cpuid,
		.print = fake_print,
		.now = fake_now,
		.host_irq = fake_host_irq,
		.host_nmi = fake_host_nmi,
	};
}

static void fake_release(struct fake_platform *f)
{
	for (unsigned int i = 0; i < f->npages; i++)
		free(f->pages[i]);
	f->npages = f->live_pages = 0;
}

static const struct vmx_model *model_named(const char *name)
{
	for (size_t i = 0; i < sizeof(vmx_models) / sizeof(vmx_models[0]); i++)
		if (!strcmp(vmx_models[i].name, name))
			return &vmx_models[i];
	fail_msg("no captured model %s", name);
	return NULL;
}

#endif
