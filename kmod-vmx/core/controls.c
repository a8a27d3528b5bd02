// SPDX-License-Identifier: MIT
/* From requested controls to VMCS control words, checked against the allowed-0/allowed-1 settings. */
#include "kmod-vmx/core/controls.h"
#include "kmod-vmx/core/fmt.h"
#include "kmod-vmx/core/vmx_arch.h"

struct control_entry {
	struct kvmx_control_info info;
	kvmx_size_t offset; /* of the bool in struct kvmx_controls */
};

#define CTL(id, nm, field, w, b) [id] = {{nm, #field, w, b}, __builtin_offsetof(struct kvmx_controls, field)}

static const struct control_entry controls[KVMX_CTL_COUNT] = {
	CTL(KVMX_CTL_EXTINT_EXITING, "external-interrupt exiting", extint_exiting, KVMX_WORD_PIN, PIN_EXTINT_EXITING),
	CTL(KVMX_CTL_NMI_EXITING, "NMI exiting", nmi_exiting, KVMX_WORD_PIN, PIN_NMI_EXITING),
	CTL(KVMX_CTL_VIRTUAL_NMIS, "virtual NMIs", virtual_nmis, KVMX_WORD_PIN, PIN_VIRTUAL_NMIS),
	CTL(KVMX_CTL_PREEMPTION_TIMER, "activate VMX-preemption timer", preemption_timer, KVMX_WORD_PIN,
	    PIN_PREEMPTION_TIMER),
	CTL(KVMX_CTL_INTR_WINDOW_EXITING, "interrupt-window exiting", intr_window_exiting, KVMX_WORD_PROC,
	    CPU_INTR_WINDOW),
	CTL(KVMX_CTL_HLT_EXITING, "HLT exiting", hlt_exiting, KVMX_WORD_PROC, CPU_HLT),
	CTL(KVMX_CTL_INVLPG_EXITING, "INVLPG exiting", invlpg_exiting, KVMX_WORD_PROC, CPU_INVLPG),
	CTL(KVMX_CTL_MWAIT_EXITING, "MWAIT exiting", mwait_exiting, KVMX_WORD_PROC, CPU_MWAIT),
	CTL(KVMX_CTL_RDPMC_EXITING, "RDPMC exiting", rdpmc_exiting, KVMX_WORD_PROC, CPU_RDPMC),
	CTL(KVMX_CTL_RDTSC_EXITING, "RDTSC exiting", rdtsc_exiting, KVMX_WORD_PROC, CPU_RDTSC),
	CTL(KVMX_CTL_CR3_LOAD_EXITING, "CR3-load exiting", cr3_load_exiting, KVMX_WORD_PROC, CPU_CR3_LOAD),
	CTL(KVMX_CTL_CR3_STORE_EXITING, "CR3-store exiting", cr3_store_exiting, KVMX_WORD_PROC, CPU_CR3_STORE),
	CTL(KVMX_CTL_CR8_LOAD_EXITING, "CR8-load exiting", cr8_load_exiting, KVMX_WORD_PROC, CPU_CR8_LOAD),
	CTL(KVMX_CTL_CR8_STORE_EXITING, "CR8-store exiting", cr8_store_exiting, KVMX_WORD_PROC, CPU_CR8_STORE),
	CTL(KVMX_CTL_NMI_WINDOW_EXITING, "NMI-window exiting", nmi_window_exiting, KVMX_WORD_PROC, CPU_NMI_WINDOW),
	CTL(KVMX_CTL_MOV_DR_EXITING, "MOV-DR exiting", mov_dr_exiting, KVMX_WORD_PROC, CPU_MOV_DR),
	CTL(KVMX_CTL_UNCOND_IO_EXITING, "unconditional I/O exiting", uncond_io_exiting, KVMX_WORD_PROC, CPU_UNCOND_IO),
	CTL(KVMX_CTL_IO_BITMAPS, "use I/O bitmaps", io_bitmaps, KVMX_WORD_PROC, CPU_IO_BITMAPS),
	CTL(KVMX_CTL_MONITOR_TRAP_FLAG, "monitor trap flag", monitor_trap_flag, KVMX_WORD_PROC, CPU_MTF),
	CTL(KVMX_CTL_MSR_BITMAPS, "use MSR bitmaps", msr_bitmaps, KVMX_WORD_PROC, CPU_MSR_BITMAPS),
	CTL(KVMX_CTL_MONITOR_EXITING, "MONITOR exiting", monitor_exiting, KVMX_WORD_PROC, CPU_MONITOR),
	CTL(KVMX_CTL_PAUSE_EXITING, "PAUSE exiting", pause_exiting, KVMX_WORD_PROC, CPU_PAUSE),
	CTL(KVMX_CTL_EPT, "enable EPT", ept, KVMX_WORD_PROC2, CPU2_EPT),
	CTL(KVMX_CTL_DESC_TABLE_EXITING, "descriptor-table exiting", desc_table_exiting, KVMX_WORD_PROC2,
	    CPU2_DESC_TABLE),
	CTL(KVMX_CTL_ENABLE_RDTSCP, "enable RDTSCP", enable_rdtscp, KVMX_WORD_PROC2, CPU2_RDTSCP),
	CTL(KVMX_CTL_WBINVD_EXITING, "WBINVD exiting", wbinvd_exiting, KVMX_WORD_PROC2, CPU2_WBINVD),
	CTL(KVMX_CTL_UNRESTRICTED_GUEST, "unrestricted guest", unrestricted_guest, KVMX_WORD_PROC2, CPU2_UNRESTRICTED),
	CTL(KVMX_CTL_RDRAND_EXITING, "RDRAND exiting", rdrand_exiting, KVMX_WORD_PROC2, CPU2_RDRAND),
	CTL(KVMX_CTL_RDSEED_EXITING, "RDSEED exiting", rdseed_exiting, KVMX_WORD_PROC2, CPU2_RDSEED),
	CTL(KVMX_CTL_ACK_INTERRUPT_ON_EXIT, "acknowledge interrupt on exit", ack_interrupt_on_exit, KVMX_WORD_EXIT,
	    EXIT_ACK_INTR),
};

static const char *const word_names[KVMX_WORD_COUNT] = {
	[KVMX_WORD_PIN] = "pin-based",
	[KVMX_WORD_PROC] = "primary processor-based",
	[KVMX_WORD_PROC2] = "secondary processor-based",
	[KVMX_WORD_EXIT] = "VM-exit",
	[KVMX_WORD_ENTRY] = "VM-entry",
};

static const char *const word_msrs[2][KVMX_WORD_COUNT] = {
	{"IA32_VMX_PINBASED_CTLS", "IA32_VMX_PROCBASED_CTLS", "IA32_VMX_PROCBASED_CTLS2", "IA32_VMX_EXIT_CTLS",
	 "IA32_VMX_ENTRY_CTLS"},
	{"IA32_VMX_TRUE_PINBASED_CTLS", "IA32_VMX_TRUE_PROCBASED_CTLS", "IA32_VMX_PROCBASED_CTLS2",
	 "IA32_VMX_TRUE_EXIT_CTLS", "IA32_VMX_TRUE_ENTRY_CTLS"},
};

const struct kvmx_control_info *kvmx_control_info(enum kvmx_ctl ctl)
{
	return (unsigned int)ctl < KVMX_CTL_COUNT ? &controls[ctl].info : 0;
}

const char *kvmx_word_name(enum kvmx_word word)
{
	return (unsigned int)word < KVMX_WORD_COUNT ? word_names[word] : "unknown";
}

u64 kvmx_word_caps(const struct kvmx_caps *caps, enum kvmx_word word)
{
	switch (word) {
	case KVMX_WORD_PIN:
		return caps->pin;
	case KVMX_WORD_PROC:
		return caps->proc;
	case KVMX_WORD_PROC2:
		return (kvmx_allowed1(caps->proc) & CPU_SECONDARY) ? caps->proc2 : 0;
	case KVMX_WORD_EXIT:
		return caps->exit;
	case KVMX_WORD_ENTRY:
		return caps->entry;
	default:
		return 0;
	}
}

bool kvmx_control_allowed(const struct kvmx_caps *caps, enum kvmx_ctl ctl)
{
	const struct kvmx_control_info *ci = kvmx_control_info(ctl);

	return ci && (kvmx_allowed1(kvmx_word_caps(caps, ci->word)) & ci->bit);
}

bool kvmx_control_wanted(const struct kvmx_controls *c, enum kvmx_ctl ctl)
{
	if ((unsigned int)ctl >= KVMX_CTL_COUNT)
		return false;
	return *(const bool *)((const char *)c + controls[ctl].offset);
}

void kvmx_control_set(struct kvmx_controls *c, enum kvmx_ctl ctl, bool on)
{
	if ((unsigned int)ctl < KVMX_CTL_COUNT)
		*(bool *)((char *)c + controls[ctl].offset) = on;
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

bool kvmx_control_lookup(const char *name, enum kvmx_ctl *ctl)
{
	for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++) {
		if (same(name, controls[i].info.key) || same(name, controls[i].info.name)) {
			*ctl = (enum kvmx_ctl)i;
			return true;
		}
	}
	return false;
}

static const char *msr_name(const struct kvmx_caps *caps, enum kvmx_word word)
{
	return word_msrs[caps->true_ctls ? 1 : 0][word];
}

/* Dependencies between controls the SDM states as VM-entry checks (26.2.1.1), refused up front. */
static int check_dependencies(const struct kvmx_caps *caps, const struct kvmx_controls *c, struct kvmx_err *err)
{
	if (c->virtual_nmis && !c->nmi_exiting)
		return kvmx_fail(err, "control 'virtual NMIs' needs 'NMI exiting'");
	if (c->nmi_window_exiting && !c->virtual_nmis)
		return kvmx_fail(err, "control 'NMI-window exiting' needs 'virtual NMIs'");
	if (c->unrestricted_guest && !c->ept)
		return kvmx_fail(err, "control 'unrestricted guest' needs 'enable EPT'");
	if (!c->preemption_timer && c->preemption_timer_value)
		return kvmx_fail(err, "a VMX-preemption timer value is set but 'activate VMX-preemption timer' is off");
	if (c->cr3_target_count > KVMX_MAX_CR3_TARGETS || c->cr3_target_count > kvmx_cr3_target_max(caps))
		return kvmx_fail(err, "CR3-target count %u exceeds this CPU's %u", c->cr3_target_count,
				 kvmx_cr3_target_max(caps) < KVMX_MAX_CR3_TARGETS ? kvmx_cr3_target_max(caps)
										  : KVMX_MAX_CR3_TARGETS);
	if (c->n_io > KVMX_MAX_IO_RANGES)
		return kvmx_fail(err, "%u I/O port ranges given, at most %u", c->n_io, KVMX_MAX_IO_RANGES);
	if (c->n_io && !c->io_bitmaps)
		return kvmx_fail(err, "I/O ports to intercept are listed but 'use I/O bitmaps' is off");
	for (unsigned int i = 0; i < c->n_io; i++)
		if (!c->io[i].count || c->io[i].first + c->io[i].count > 0x10000)
			return kvmx_fail(err, "I/O port range 0x%x+%u is empty or past port 0xffff", c->io[i].first,
					 c->io[i].count);
	if (c->n_msr > KVMX_MAX_MSR_INTERCEPTS)
		return kvmx_fail(err, "%u MSR intercepts given, at most %u", c->n_msr, KVMX_MAX_MSR_INTERCEPTS);
	if (c->n_msr && !c->msr_bitmaps)
		return kvmx_fail(err, "MSRs to intercept are listed but 'use MSR bitmaps' is off");
	for (unsigned int i = 0; i < c->n_msr; i++) {
		u32 m = c->msr[i].msr;
		if (!(m <= 0x1fff || (m >= 0xc0000000 && m <= 0xc0001fff)))
			return kvmx_fail(err, "MSR 0x%x lies outside the MSR bitmap (0-0x1fff, 0xc0000000-0xc0001fff)",
					 m);
	}
	return 0;
}

/* Set bit `bit` of word `w` if the CPU allows it; otherwise leave it (optional features of the core). */
static void want_if_allowed(const struct kvmx_caps *caps, struct kvmx_words *o, enum kvmx_word w, u32 bit)
{
	if (kvmx_allowed1(kvmx_word_caps(caps, w)) & bit)
		o->word[w] |= bit;
}

/* What the core itself needs or uses when it can: a 64-bit host, EFER and PAT switching, IA-32e guests. */
static int core_needs(const struct kvmx_caps *caps, const struct kvmx_guest_mode *mode, struct kvmx_words *out,
		      struct kvmx_err *err)
{
	out->word[KVMX_WORD_EXIT] |= EXIT_HOST_ADDR64;
	if (!(kvmx_allowed1(caps->exit) & EXIT_HOST_ADDR64))
		return kvmx_fail(err, "VM-exit control 'host address-space size' is not supported: no 64-bit host");
	want_if_allowed(caps, out, KVMX_WORD_EXIT, EXIT_SAVE_EFER | EXIT_LOAD_EFER);
	want_if_allowed(caps, out, KVMX_WORD_EXIT, EXIT_SAVE_PAT | EXIT_LOAD_PAT);
	if (out->word[KVMX_WORD_EXIT] & EXIT_LOAD_EFER)
		want_if_allowed(caps, out, KVMX_WORD_ENTRY, ENTRY_LOAD_EFER);
	if (out->word[KVMX_WORD_EXIT] & EXIT_LOAD_PAT)
		want_if_allowed(caps, out, KVMX_WORD_ENTRY, ENTRY_LOAD_PAT);
	if (mode && mode->ia32e) {
		if (!(kvmx_allowed1(caps->entry) & ENTRY_IA32E_GUEST))
			return kvmx_fail(err, "VM-entry control 'IA-32e mode guest' is not supported");
		out->word[KVMX_WORD_ENTRY] |= ENTRY_IA32E_GUEST;
	}
	return 0;
}

int kvmx_controls_compute(const struct kvmx_caps *caps, const struct kvmx_controls *want,
			  const struct kvmx_guest_mode *mode, struct kvmx_words *out, struct kvmx_err *err)
{
	u32 requested[KVMX_WORD_COUNT] = {0};
	u32 table_bits[KVMX_WORD_COUNT] = {0};

	kvmx_memset(out, 0, sizeof(*out));
	if (check_dependencies(caps, want, err))
		return -1;

	/* 1. Every requested control must be allowed to be 1. */
	for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++) {
		const struct kvmx_control_info *ci = &controls[i].info;
		table_bits[ci->word] |= ci->bit;
		if (!kvmx_control_wanted(want, (enum kvmx_ctl)i))
			continue;
		if (ci->word == KVMX_WORD_PROC2 && !(kvmx_allowed1(caps->proc) & CPU_SECONDARY))
			return kvmx_fail(err,
					 "secondary control '%s' is not supported: this CPU has no secondary controls "
					 "('activate secondary controls' allowed-1 clear in %s)",
					 ci->name, msr_name(caps, KVMX_WORD_PROC));
		if (!(kvmx_allowed1(kvmx_word_caps(caps, ci->word)) & ci->bit))
			return kvmx_fail(err,
					 "%s control '%s' is not supported by this CPU (allowed-1 bit %u clear in %s)",
					 kvmx_word_name(ci->word), ci->name, (unsigned int)__builtin_ctz(ci->bit),
					 msr_name(caps, ci->word));
		requested[ci->word] |= ci->bit;
	}
	if (requested[KVMX_WORD_PROC2]) {
		if (!(kvmx_allowed1(caps->proc) & CPU_SECONDARY))
			return kvmx_fail(err, "primary control 'activate secondary controls' is not supported");
		requested[KVMX_WORD_PROC] |= CPU_SECONDARY;
	}
	if (want->ept && (caps->ept_vpid & (EPT_CAP_WALK4 | EPT_CAP_WB)) != (EPT_CAP_WALK4 | EPT_CAP_WB))
		return kvmx_fail(err,
				 "control 'enable EPT' needs 4-level walks and write-back paging structures "
				 "(IA32_VMX_EPT_VPID_CAP=0x%llx)",
				 (unsigned long long)caps->ept_vpid);

	/* 2. What the core itself needs or uses when it can. */
	if (core_needs(caps, mode, out, err))
		return -1;

	/* 3. Add what must be 1; a control of the table forced on without a request is reported or refused. */
	for (unsigned int w = 0; w < KVMX_WORD_COUNT; w++) {
		u64 msr = kvmx_word_caps(caps, (enum kvmx_word)w);
		u32 must = kvmx_allowed0(msr);
		u32 forced = must & table_bits[w] & ~requested[w];

		out->word[w] |= requested[w] | must;
		if (forced && want->strict) {
			for (unsigned int i = 0; i < KVMX_CTL_COUNT; i++) {
				const struct kvmx_control_info *ci = &controls[i].info;
				if (ci->word == w && (forced & ci->bit))
					return kvmx_fail(
						err,
						"%s control '%s' cannot be 0 on this CPU (allowed-0 bit %u set in %s)",
						kvmx_word_name(ci->word), ci->name,
						(unsigned int)__builtin_ctz(ci->bit), msr_name(caps, ci->word));
			}
		}
		out->forced[w] = forced;
		/* Reserved bits that must be 0 never get set: everything we set was checked against allowed-1. */
		if (out->word[w] & ~kvmx_allowed1(msr))
			return kvmx_fail(
				err, "%s controls 0x%x: the CPU requires bits 0x%x that it does not allow (%s=0x%llx)",
				kvmx_word_name((enum kvmx_word)w), out->word[w], out->word[w] & ~kvmx_allowed1(msr),
				msr_name(caps, (enum kvmx_word)w), (unsigned long long)msr);
	}
	return 0;
}
