// SPDX-License-Identifier: MIT
/*
 * kmod-vmx core: reading the capability MSRs and computing control words, against the capability MSRs of
 * Bochs's CPU models (launcher/vmx_models.h), including every refusal.
 */
#include "kmodvmx_fake.h"

#include "kmod-vmx/core/controls.h"
#include "kmod-vmx/core/fmt.h"

#define N_MODELS (sizeof(vmx_models) / sizeof(vmx_models[0]))

static void read_caps(const struct vmx_model *m, bool true_ctls, struct kvmx_caps *caps)
{
	struct fake_platform f;
	struct kvmx_platform p;
	struct kvmx_err err;

	fake_init(&f, &p, m);
	f.true_ctls = true_ctls;
	assert_int_equal(kvmx_caps_read(&p, caps, &err), 0);
	if (f.bad_msr)
		fail_msg("%s: the core read MSR 0x%x, which this model does not have", m->name, f.bad_msr);
	fake_release(&f);
}

static void test_caps_read_every_model(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_MODELS; i++) {
		const struct vmx_model *m = &vmx_models[i];
		struct kvmx_caps c;
		read_caps(m, true, &c);
		assert_true(c.true_ctls);
		assert_int_equal(c.revision, m->basic & 0x7fffffff);
		assert_int_equal(c.pin, m->pin);
		assert_int_equal(c.proc, m->proc);
		assert_int_equal(c.proc2, m->proc2);
		/* The EPT/VPID MSR is read only where it exists; absent, it reads as no capability. */
		assert_int_equal(c.ept_vpid, ((m->proc2 >> 32) & (CPU2_EPT | CPU2_VPID)) ? m->ept : 0);
		assert_int_equal(c.cr0_fixed0, m->cr0f0);
		assert_int_equal(c.cr4_fixed1, m->cr4f1);
	}
}

static void test_caps_plain_msrs_without_bit55(void **state)
{
	(void)state;
	struct kvmx_caps c;
	read_caps(model_named("corei7_haswell_4770"), false, &c);
	assert_false(c.true_ctls);
	assert_int_equal(kvmx_allowed0((uint32_t)c.proc), 0x0401e172 | 0x04006172);
}

static void test_caps_refusals(void **state)
{
	(void)state;
	struct fake_platform f;
	struct kvmx_platform p;
	struct kvmx_caps c;
	struct kvmx_err err;

	fake_init(&f, &p, model_named("corei7_haswell_4770"));
	f.no_vmx = true;
	assert_int_equal(kvmx_caps_read(&p, &c, &err), -1);
	assert_non_null(strstr(err.msg, "CPUID.1:ECX bit 5"));
	f.no_vmx = false;
	f.feature_control = FEATURE_CONTROL_LOCKED; /* locked with VMX off */
	assert_int_equal(kvmx_caps_read(&p, &c, &err), -1);
	assert_non_null(strstr(err.msg, "IA32_FEATURE_CONTROL"));
	fake_release(&f);
}

/* A computed word holds every must-be-1 bit and no bit that must be 0. */
static void assert_word_legal(const struct kvmx_caps *c, const struct kvmx_words *w)
{
	for (int i = 0; i < KVMX_WORD_COUNT; i++) {
		uint64_t msr = kvmx_word_caps(c, (enum kvmx_word)i);
		if (i == KVMX_WORD_PROC2 && !(w->word[KVMX_WORD_PROC] & CPU_SECONDARY)) {
			assert_int_equal(w->word[i], 0);
			continue;
		}
		assert_int_equal(w->word[i] & kvmx_allowed0(msr), kvmx_allowed0(msr));
		assert_int_equal(w->word[i] & ~kvmx_allowed1(msr), 0);
	}
}

static void test_all_off_every_model(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_MODELS; i++) {
		struct kvmx_caps c;
		struct kvmx_controls want = {0};
		struct kvmx_guest_mode mode = {.ia32e = true};
		struct kvmx_words w;
		struct kvmx_err err;

		read_caps(&vmx_models[i], true, &c);
		assert_int_equal(kvmx_controls_compute(&c, &want, &mode, &w, &err), 0);
		assert_word_legal(&c, &w);
		assert_true(w.word[KVMX_WORD_EXIT] & EXIT_HOST_ADDR64);
		assert_true(w.word[KVMX_WORD_ENTRY] & ENTRY_IA32E_GUEST);
		assert_false(w.word[KVMX_WORD_PROC] & CPU_SECONDARY);
		/* TRUE controls: nothing of the table is forced on. */
		for (int j = 0; j < KVMX_WORD_COUNT; j++)
			assert_int_equal(w.forced[j], 0);
		/* EFER is switched where the model can. */
		if ((c.exit >> 32) & EXIT_LOAD_EFER)
			assert_true(w.word[KVMX_WORD_ENTRY] & ENTRY_LOAD_EFER);
	}
}

/* Each control alone: granted with its bit where allowed, otherwise refused naming it. */
static void test_each_control_every_model(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_MODELS; i++) {
		struct kvmx_caps c;
		read_caps(&vmx_models[i], true, &c);
		for (int ctl = 0; ctl < KVMX_CTL_COUNT; ctl++) {
			const struct kvmx_control_info *ci = kvmx_control_info((enum kvmx_ctl)ctl);
			struct kvmx_controls want = {0};
			struct kvmx_guest_mode mode = {.ia32e = true};
			struct kvmx_words w;
			struct kvmx_err err = {""};

			kvmx_control_set(&want, (enum kvmx_ctl)ctl, true);
			if (ctl == KVMX_CTL_VIRTUAL_NMIS || ctl == KVMX_CTL_NMI_WINDOW_EXITING)
				want.nmi_exiting = want.virtual_nmis = true;
			if (ctl == KVMX_CTL_UNRESTRICTED_GUEST)
				want.ept = true;
			int rc = kvmx_controls_compute(&c, &want, &mode, &w, &err);
			bool deps_ok = true;
			if (ctl == KVMX_CTL_NMI_WINDOW_EXITING)
				deps_ok = kvmx_control_allowed(&c, KVMX_CTL_NMI_EXITING) &&
					  kvmx_control_allowed(&c, KVMX_CTL_VIRTUAL_NMIS);
			if (ctl == KVMX_CTL_UNRESTRICTED_GUEST)
				deps_ok = kvmx_control_allowed(&c, KVMX_CTL_EPT);
			if (kvmx_control_allowed(&c, (enum kvmx_ctl)ctl) && deps_ok) {
				if (rc)
					fail_msg("%s: '%s' refused: %s", vmx_models[i].name, ci->name, err.msg);
				assert_true(w.word[ci->word] & ci->bit);
				if (ci->word == KVMX_WORD_PROC2)
					assert_true(w.word[KVMX_WORD_PROC] & CPU_SECONDARY);
				assert_word_legal(&c, &w);
			} else {
				assert_int_equal(rc, -1);
				if (deps_ok && !strstr(err.msg, ci->name))
					fail_msg("%s: refusal of '%s' does not name it: %s", vmx_models[i].name,
						 ci->name, err.msg);
			}
		}
	}
}

static void refused(const char *model, struct kvmx_controls *want, const char *needle)
{
	struct kvmx_caps c;
	struct kvmx_guest_mode mode = {.ia32e = true};
	struct kvmx_words w;
	struct kvmx_err err = {""};

	read_caps(model_named(model), true, &c);
	assert_int_equal(kvmx_controls_compute(&c, want, &mode, &w, &err), -1);
	if (!strstr(err.msg, needle))
		fail_msg("refusal '%s' lacks '%s'", err.msg, needle);
}

static void test_specific_refusals(void **state)
{
	(void)state;
	struct kvmx_controls c = {0};

	c.rdseed_exiting = true;
	refused("corei7_haswell_4770", &c,
		"secondary processor-based control 'RDSEED exiting' is not supported by this CPU (allowed-1 bit 16 "
		"clear in "
		"IA32_VMX_PROCBASED_CTLS2)");
	memset(&c, 0, sizeof(c));
	c.monitor_trap_flag = true;
	refused("corei7_haswell_4770", &c,
		"'monitor trap flag' is not supported by this CPU (allowed-1 bit 27 clear in "
		"IA32_VMX_TRUE_PROCBASED_CTLS)");
	memset(&c, 0, sizeof(c));
	c.ept = true;
	refused("core2_penryn_t9600", &c, "secondary processor-based control 'enable EPT' is not supported");
	memset(&c, 0, sizeof(c));
	c.preemption_timer = true;
	refused("core2_penryn_t9600", &c, "pin-based control 'activate VMX-preemption timer'");
	memset(&c, 0, sizeof(c));
	c.unrestricted_guest = true;
	refused("corei7_haswell_4770", &c, "'unrestricted guest' needs 'enable EPT'");
	memset(&c, 0, sizeof(c));
	c.virtual_nmis = true;
	refused("corei7_haswell_4770", &c, "'virtual NMIs' needs 'NMI exiting'");
	memset(&c, 0, sizeof(c));
	c.nmi_exiting = c.nmi_window_exiting = true;
	refused("corei7_haswell_4770", &c, "'NMI-window exiting' needs 'virtual NMIs'");
	memset(&c, 0, sizeof(c));
	c.preemption_timer_value = 10;
	refused("corei7_haswell_4770", &c, "'activate VMX-preemption timer' is off");
	memset(&c, 0, sizeof(c));
	c.cr3_load_exiting = true;
	c.cr3_target_count = 5;
	refused("corei7_haswell_4770", &c, "CR3-target count 5 exceeds this CPU's 4");
	memset(&c, 0, sizeof(c));
	c.n_io = 1;
	c.io[0] = (struct kvmx_io_range){0x80, 1};
	refused("corei7_haswell_4770", &c, "'use I/O bitmaps' is off");
	c.io_bitmaps = true;
	c.io[0] = (struct kvmx_io_range){0xfff0, 0x20};
	refused("corei7_haswell_4770", &c, "past port 0xffff");
	memset(&c, 0, sizeof(c));
	c.msr_bitmaps = true;
	c.n_msr = 1;
	c.msr[0] = (struct kvmx_msr_intercept){0x2000, true, true};
	refused("corei7_haswell_4770", &c, "MSR 0x2000 lies outside the MSR bitmap");
	memset(&c, 0, sizeof(c));
	c.n_msr = KVMX_MAX_MSR_INTERCEPTS + 1;
	refused("corei7_haswell_4770", &c, "MSR intercepts given");
}

/* Without TRUE controls, CR3-load/store exiting are default-1: forced on and reported, or refused if strict. */
static void test_forced_controls_without_true_msrs(void **state)
{
	(void)state;
	struct kvmx_caps c;
	struct kvmx_controls want = {0};
	struct kvmx_guest_mode mode = {.ia32e = true};
	struct kvmx_words w;
	struct kvmx_err err;

	read_caps(model_named("corei7_haswell_4770"), false, &c);
	assert_int_equal(kvmx_controls_compute(&c, &want, &mode, &w, &err), 0);
	assert_int_equal(w.forced[KVMX_WORD_PROC] & (CPU_CR3_LOAD | CPU_CR3_STORE), CPU_CR3_LOAD | CPU_CR3_STORE);
	assert_true(w.word[KVMX_WORD_PROC] & CPU_CR3_LOAD);
	want.strict = true;
	assert_int_equal(kvmx_controls_compute(&c, &want, &mode, &w, &err), -1);
	assert_non_null(strstr(err.msg, "'CR3-load exiting' cannot be 0 on this CPU (allowed-0 bit 15 set in "
					"IA32_VMX_PROCBASED_CTLS)"));
	/* Asking for it is not "forced". */
	want.cr3_load_exiting = want.cr3_store_exiting = true;
	want.cr8_load_exiting = want.cr8_store_exiting = true;
	assert_int_equal(kvmx_controls_compute(&c, &want, &mode, &w, &err), 0);
	assert_int_equal(w.forced[KVMX_WORD_PROC], 0);
}

static void test_ept_caps_required(void **state)
{
	(void)state;
	struct kvmx_caps c;
	struct kvmx_controls want = {.ept = true};
	struct kvmx_guest_mode mode = {.ia32e = true};
	struct kvmx_words w;
	struct kvmx_err err;

	read_caps(model_named("corei7_haswell_4770"), true, &c);
	c.ept_vpid &= ~EPT_CAP_WB;
	assert_int_equal(kvmx_controls_compute(&c, &want, &mode, &w, &err), -1);
	assert_non_null(strstr(err.msg, "write-back"));
}

static void test_lookup_and_names(void **state)
{
	(void)state;
	enum kvmx_ctl ctl;

	assert_true(kvmx_control_lookup("rdtsc_exiting", &ctl));
	assert_int_equal(ctl, KVMX_CTL_RDTSC_EXITING);
	assert_true(kvmx_control_lookup("unrestricted guest", &ctl));
	assert_int_equal(ctl, KVMX_CTL_UNRESTRICTED_GUEST);
	assert_false(kvmx_control_lookup("rdtsc", &ctl));
	/* Every control has a distinct bit in its word and a name. */
	for (int i = 0; i < KVMX_CTL_COUNT; i++) {
		const struct kvmx_control_info *a = kvmx_control_info((enum kvmx_ctl)i);
		assert_non_null(a->name);
		assert_int_equal(__builtin_popcount(a->bit), 1);
		for (int j = i + 1; j < KVMX_CTL_COUNT; j++) {
			const struct kvmx_control_info *b = kvmx_control_info((enum kvmx_ctl)j);
			assert_false(a->word == b->word && a->bit == b->bit);
		}
		struct kvmx_controls c = {0};
		kvmx_control_set(&c, (enum kvmx_ctl)i, true);
		assert_true(kvmx_control_wanted(&c, (enum kvmx_ctl)i));
	}
	assert_null(kvmx_control_info(KVMX_CTL_COUNT));
}

static void test_fmt(void **state)
{
	(void)state;
	char buf[64];

	assert_int_equal(kvmx_snprintf(buf, sizeof(buf), "%s=%u 0x%08x %llx %d %-4s|", "a", 7u, 0xabcu, 0x1ffffffffull,
				       -12, "b"),
			 strlen("a=7 0x00000abc 1ffffffff -12 b   |"));
	assert_string_equal(buf, "a=7 0x00000abc 1ffffffff -12 b   |");
	assert_int_equal(kvmx_snprintf(buf, 5, "%s", "truncated"), 9);
	assert_string_equal(buf, "trun");
	kvmx_snprintf(buf, sizeof(buf), "%zu %c %% %lu", (size_t)3, 'x', 5ul);
	assert_string_equal(buf, "3 x % 5");
	const char *volatile none = NULL; /* volatile: keep GCC from checking the NULL at compile time */
	kvmx_snprintf(buf, sizeof(buf), "%s", none);
	assert_string_equal(buf, "(null)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_read_every_model),
		cmocka_unit_test(test_caps_plain_msrs_without_bit55),
		cmocka_unit_test(test_caps_refusals),
		cmocka_unit_test(test_all_off_every_model),
		cmocka_unit_test(test_each_control_every_model),
		cmocka_unit_test(test_specific_refusals),
		cmocka_unit_test(test_forced_controls_without_true_msrs),
		cmocka_unit_test(test_ept_caps_required),
		cmocka_unit_test(test_lookup_and_names),
		cmocka_unit_test(test_fmt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
