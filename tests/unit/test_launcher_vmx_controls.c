// SPDX-License-Identifier: MIT
/*
 * Unit tests for the vmx.* control keys (launcher/vmx_controls.c) and the vmx backend's control building and
 * model checks (launcher/vmx_bochs.c): canonical spellings and values, the core's struct filled, refusals by
 * name, the default model, and a model lacking a control refused with the capability bit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/backend.h"
#include "launcher/vmx_backend.h"
#include "launcher/vmx_controls.h"

static char err[512];

static void set_ok(struct xs_controls *c, const char *key, const char *value)
{
	if (xs_controls_set(c, key, value, err, sizeof(err)))
		fail_msg("%s=%s: %s", key, value, err);
}

static void set_bad(struct xs_controls *c, const char *key, const char *value, const char *expect)
{
	struct xs_controls before = *c;
	assert_int_equal(xs_controls_set(c, key, value, err, sizeof(err)), -1);
	if (!strstr(err, expect))
		fail_msg("%s=%s: message '%s' lacks '%s'", key, value, err, expect);
	assert_memory_equal(&before, c, sizeof(before));
}

static const char *value_of(const struct xs_controls *c, const char *key)
{
	for (unsigned int i = 0; i < c->n_vmx; i++)
		if (!strcmp(c->vmx[i].key, key))
			return c->vmx[i].value;
	return NULL;
}

static void test_keys_and_canonical_values(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "vmx.rdtsc_exiting", "on");
	set_ok(&c, "vmx.external_interrupt_exiting", "yes"); /* alias -> the core's key */
	set_ok(&c, "vmx.RDPMC exiting", "1");		     /* the SDM's name */
	set_ok(&c, "vmx.exception_bitmap", "#GP, pf,3,UD");
	set_ok(&c, "vmx.io_bitmap", "0x60-0x64,0x3f8");
	set_ok(&c, "vmx.cr0_mask", "8");
	set_ok(&c, "vmx.cr3_targets", "0x90000,0x1000");
	set_ok(&c, "vmx.preemption_timer", "1000");
	set_ok(&c, "vmx.msr_bitmap.read", "0x174-0x176");
	assert_string_equal(value_of(&c, "rdtsc_exiting"), "on");
	assert_string_equal(value_of(&c, "extint_exiting"), "on");
	assert_string_equal(value_of(&c, "rdpmc_exiting"), "on");
	assert_string_equal(value_of(&c, "exception_bitmap"), "bp,ud,gp,pf");
	assert_string_equal(value_of(&c, "io_bitmap"), "0x60-0x64,0x3f8");
	assert_string_equal(value_of(&c, "cr0_mask"), "0x8");
	assert_string_equal(value_of(&c, "cr3_targets"), "0x90000,0x1000");
	assert_string_equal(value_of(&c, "preemption_timer"), "1000");
	set_ok(&c, "vmx.rdtsc_exiting", "off"); /* a key given again replaces its value */
	assert_string_equal(value_of(&c, "rdtsc_exiting"), "off");
	assert_int_equal(c.n_vmx, 9);

	struct kvmx_controls k;
	memset(&k, 0, sizeof(k));
	assert_int_equal(xs_vmx_controls_apply(&c, &k, err, sizeof(err)), 0);
	assert_false(k.rdtsc_exiting);
	assert_true(k.extint_exiting && k.rdpmc_exiting && k.io_bitmaps && k.msr_bitmaps && k.preemption_timer);
	assert_int_equal(k.exception_bitmap, (1u << 3) | (1u << 6) | (1u << 13) | (1u << 14));
	assert_int_equal(k.n_io, 2);
	assert_int_equal(k.io[0].first, 0x60);
	assert_int_equal(k.io[0].count, 5);
	assert_int_equal(k.cr0_mask, 8);
	assert_int_equal(k.cr3_target_count, 2);
	assert_int_equal(k.preemption_timer_value, 1000);
	assert_int_equal(k.n_msr, 3);
	assert_true(k.msr[2].read && !k.msr[2].write && k.msr[2].msr == 0x176);
}

static void test_refusals(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_bad(&c, "vmx.nosuch", "on", "unknown control 'vmx.nosuch'");
	set_bad(&c, "vmx.rdtsc_exiting", "maybe", "vmx.rdtsc_exiting: 'maybe' is not on or off");
	set_bad(&c, "vmx.cr0_mask", "0x100000000", "vmx.cr0_mask: '0x100000000' is not a number 0-0xffffffff");
	set_bad(&c, "vmx.exception_bitmap", "32", "'32' is not an exception name");
	set_bad(&c, "vmx.cr3_targets", "0x1001", "'0x1001' is not a page-aligned CR3 value");
	set_bad(&c, "vmx.cr3_targets", "1000,2000,3000,4000,5000", "give 1-4 CR3 values");
	set_bad(&c, "vmx.msr_bitmap.write", "0x0-0x20", "more than 16 MSRs");
	set_bad(&c, "vmx.io_bitmap", "0x10000", "vmx.io_bitmap:");
	assert_int_equal(c.n_vmx, 0);
}

static void test_backend_keys(void **state)
{
	(void)state;
	struct xs_controls c;
	xs_controls_init(&c);
	set_ok(&c, "vmx.hlt_exiting", "on");
	assert_int_equal(xs_backend_check_keys(&xs_backend_kvm, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control vmx.hlt_exiting: the kvm backend has no VT-x controls"));
	assert_int_equal(xs_backend_check_keys(&xs_backend_vmx_bochs, &c, err, sizeof(err)), 0);
	xs_controls_init(&c);
	set_ok(&c, "exits.disable", "hlt");
	assert_int_equal(xs_backend_check_keys(&xs_backend_vmx_bochs, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control exits.disable: only the kvm backend has it"));
	assert_int_equal(xs_backend_check_keys(&xs_backend_kvm, &c, err, sizeof(err)), 0);
}

static void test_models(void **state)
{
	(void)state;
	const struct vmx_model *def = xs_vmx_model_find(NULL);
	assert_non_null(def);
	/* the default has the most controls: every other model has at most as many */
	for (size_t i = 0; i < xs_vmx_model_count(); i++)
		assert_true(xs_vmx_model_features(xs_vmx_model_at(i)) <= xs_vmx_model_features(def));
	assert_int_equal(xs_vmx_model_features(def), KVMX_CTL_COUNT);
	assert_string_equal(def->name, "tigerlake");
	assert_null(xs_vmx_model_find("nosuch"));
	assert_int_equal(xs_vmx_model_features(xs_vmx_model_find("bx_generic")), 23);
}

static void test_build_controls(void **state)
{
	(void)state;
	struct xs_launch_config cfg;
	assert_int_equal(xs_launch_config_init(&cfg, "msr", err, sizeof(err)), 0);
	cfg.mode = 16;
	struct kvmx_controls k;
	assert_int_equal(xs_vmx_build_controls(&cfg, &cfg.controls, &k, err, sizeof(err)), 0);
	/* what the launcher's guests need, and msr.exit_read/write = 0x174 as MSR bitmap entries */
	assert_true(k.ept && k.unrestricted_guest && k.uncond_io_exiting && k.hlt_exiting && k.msr_bitmaps);
	assert_int_equal(k.n_msr, 1);
	assert_true(k.msr[0].msr == 0x174 && k.msr[0].read && k.msr[0].write);
	/* I/O bitmaps always keep the launcher's ports */
	set_ok(&cfg.controls, "vmx.io_bitmap", "0x510");
	assert_int_equal(xs_vmx_build_controls(&cfg, &cfg.controls, &k, err, sizeof(err)), 0);
	assert_int_equal(k.n_io, 2);
	assert_int_equal(k.io[1].first, 0x500);
	assert_int_equal(k.io[1].count, 4);
	set_ok(&cfg.controls, "vmx.unrestricted_guest", "off");
	assert_int_equal(xs_vmx_build_controls(&cfg, &cfg.controls, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vmx.unrestricted_guest: a real-mode guest needs it on"));
}

/* A control the model lacks is refused by the core's own check, naming the control and the capability bit. */
static void test_model_lacks(void **state)
{
	(void)state;
	struct kvmx_caps caps;
	xs_vmx_model_caps(xs_vmx_model_find("corei7_haswell_4770"), &caps);
	struct kvmx_controls k;
	memset(&k, 0, sizeof(k));
	k.rdseed_exiting = true;
	struct kvmx_guest_mode gm = {.ia32e = true};
	struct kvmx_words w;
	struct kvmx_err kerr;
	assert_int_equal(kvmx_controls_compute(&caps, &k, &gm, &w, &kerr), -1);
	assert_non_null(strstr(kerr.msg, "'RDSEED exiting' is not supported by this CPU (allowed-1 bit 16 clear in "
					 "IA32_VMX_PROCBASED_CTLS2)"));
}

static unsigned int n_listed, n_unsupported;
static void count(void *ctx, const char *name, const char *kind, const char *values, bool ok, const char *why)
{
	(void)ctx;
	(void)kind;
	(void)values;
	n_listed++;
	if (!ok) {
		n_unsupported++;
		assert_non_null(why);
	}
	assert_non_null(name);
}

static void test_list_controls(void **state)
{
	(void)state;
	n_listed = n_unsupported = 0;
	assert_int_equal(xs_launch_list_controls("vmx", "tigerlake", count, NULL, err, sizeof(err)), 0);
	unsigned int all = n_listed, generic_no = n_unsupported;
	n_listed = n_unsupported = 0;
	assert_int_equal(xs_launch_list_controls("vmx", "bx_generic", count, NULL, err, sizeof(err)), 0);
	assert_int_equal(n_listed, all);
	assert_true(n_unsupported > generic_no); /* bx_generic lacks EPT, RDRAND, ... */
	assert_int_equal(xs_launch_list_controls("vmx", "nosuch", count, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown CPU model 'nosuch'"));
}

/* The vmx backend's host: the module when its device exists (and no CPU model is asked for), else Bochs. */
static void test_vmx_hosts(void **state)
{
	(void)state;
	const struct xs_launch_backend *be = NULL;
	setenv("EXITSCOPE_KMOD_VMX", "/nonexistent/kmod-vmx", 1);
	assert_int_equal(xs_vmx_pick_host(NULL, NULL, &be, err, sizeof(err)), 0);
	assert_ptr_equal(be, &xs_backend_vmx_bochs);
	assert_int_equal(xs_vmx_pick_host("module", NULL, &be, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--vmx-host module: /nonexistent/kmod-vmx: No such file"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(xs_vmx_pick_host("bochs", NULL, &be, err, sizeof(err)), 0);
	assert_ptr_equal(be, &xs_backend_vmx_bochs);
	assert_int_equal(xs_vmx_pick_host("qemu", NULL, &be, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--vmx-host 'qemu'"));

	/* a device that is there (not the module's: every ioctl fails) */
	setenv("EXITSCOPE_KMOD_VMX", "/dev/null", 1);
	assert_int_equal(xs_vmx_pick_host(NULL, NULL, &be, err, sizeof(err)), 0);
	assert_ptr_equal(be, &xs_backend_vmx_module);
	assert_string_equal(be->name, "vmx-module");
	assert_int_equal(xs_vmx_pick_host("auto", "tigerlake", &be, err, sizeof(err)), 0);
	assert_ptr_equal(be, &xs_backend_vmx_bochs);
	assert_int_equal(xs_launch_list_controls_host("vmx", "module", NULL, count, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/dev/null: KVMX_GET_CAPS"));
	unsetenv("EXITSCOPE_KMOD_VMX");
}

/* What the module host cannot do is refused by name before the device is asked anything. */
static void module_refuses(const char *guest, const char *key, const char *value, const char *cpu_model,
			   const char *expect)
{
	struct xs_launch_config cfg;
	assert_int_equal(xs_launch_config_init(&cfg, guest, err, sizeof(err)), 0);
	if (key)
		set_ok(&cfg.controls, key, value);
	cfg.backend = "vmx";
	cfg.vmx_host = "module";
	cfg.cpu_model = cpu_model;
	struct xs_launcher *l = NULL;
	assert_int_equal(xs_launcher_create(&cfg, NULL, &l, err, sizeof(err)), -1);
	assert_null(l);
	if (!strstr(err, expect))
		fail_msg("%s: message '%s' lacks '%s'", guest, err, expect);
}

static void test_module_refusals(void **state)
{
	(void)state;
	setenv("EXITSCOPE_KMOD_VMX", "/dev/null", 1);
	module_refuses("hlt", "inject", "irq:0x20@period:1ms", NULL, "schedules by exits");
	module_refuses("cpuid", NULL, NULL, "tigerlake", "--cpu-model tigerlake: the module runs guests on this host");
	module_refuses("cpuid", "vmx.io_bitmap", "0x510", NULL, "refused by the module: ports the bitmap");
	module_refuses("cpuid", "vmx.msr_bitmaps", "on", NULL, "refused by the module: MSRs the bitmap");
	module_refuses("cpuid", "vmx.hlt_exiting", "off", NULL, "control vmx.hlt_exiting=off");
	/* everything else reaches the device, which is not the module's */
	module_refuses("cpuid", "vmx.rdtsc_exiting", "on", NULL, "/dev/null: KVMX_GET_CAPS");
	unsetenv("EXITSCOPE_KMOD_VMX");
}

static const char *rule_forced(enum kvmx_ctl c)
{
	return c == KVMX_CTL_EPT ? "memory" : NULL;
}

static const char *rule_refused(enum kvmx_ctl c)
{
	return c == KVMX_CTL_MSR_BITMAPS ? "host MSRs" : NULL;
}

static char listed_why[2][256];

static void capture(void *ctx, const char *name, const char *kind, const char *values, bool ok, const char *why)
{
	(void)ctx;
	(void)kind;
	(void)values;
	if (!strcmp(name, "vmx.ept"))
		snprintf(listed_why[0], sizeof(listed_why[0]), "%s %s", ok ? "yes" : "no", why ? why : "");
	if (!strcmp(name, "vmx.msr_bitmaps"))
		snprintf(listed_why[1], sizeof(listed_why[1]), "%s %s", ok ? "yes" : "no", why ? why : "");
}

static void test_host_rules_listed(void **state)
{
	(void)state;
	struct kvmx_caps caps;
	xs_vmx_model_caps(xs_vmx_model_find("tigerlake"), &caps);
	const struct xs_vmx_host_rules rules = {"the host", rule_forced, rule_refused};
	assert_int_equal(xs_vmx_list_controls_caps(&caps, "this CPU", &rules, capture, NULL), 0);
	assert_string_equal(listed_why[0], "yes forced on by the host: memory");
	assert_string_equal(listed_why[1], "no refused by the host: host MSRs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_and_canonical_values),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_backend_keys),
		cmocka_unit_test(test_models),
		cmocka_unit_test(test_build_controls),
		cmocka_unit_test(test_model_lacks),
		cmocka_unit_test(test_list_controls),
		cmocka_unit_test(test_vmx_hosts),
		cmocka_unit_test(test_module_refusals),
		cmocka_unit_test(test_host_rules_listed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
