// SPDX-License-Identifier: MIT
/*
 * The reason tables against the uapi headers installed on this machine: every EXIT_REASON_*, SVM_EXIT_*,
 * SVM_VMGEXIT_* event code and KVM_EXIT_* reason macro must be in decoder/reasons.c with the same value and
 * name (the macro name without its prefix; SVM_VMGEXIT_X is "VMGEXIT_X"). The macro list is generated from
 * the headers at build time (decoder/gen_uapi_reasons.sh), so a newer header set is checked automatically and
 * a macro we do not know fails the test.
 */
#include <stdio.h>

#include "decoder_uapi_macros.h" /* generated: $(BUILD)/gen */
#include "tests/unit/decoder_test_util.h"

/*
 * Macros with a reason prefix that are not reasons. Each is a sub-code or flag of one reason's data, or an
 * alias; a macro not listed here and not in the tables fails the test.
 */
static const char *const not_reasons[] = {
	"SVM_EXIT_LAST_EXCP",		 /* alias: the last exception intercept code, 0x5f (EXCP_31) */
	"SVM_VMGEXIT_SET_AP_JUMP_TABLE", /* SW_EXITINFO1 sub-codes of VMGEXIT_AP_JUMP_TABLE */
	"SVM_VMGEXIT_GET_AP_JUMP_TABLE",
	"SVM_VMGEXIT_AP_CREATE_ON_INIT", /* SW_EXITINFO1 sub-codes of VMGEXIT_AP_CREATION */
	"SVM_VMGEXIT_AP_CREATE",
	"SVM_VMGEXIT_AP_DESTROY",
	"KVM_EXIT_HYPERV_SYNIC", /* kvm_run.hyperv.type values of KVM_EXIT_HYPERV */
	"KVM_EXIT_HYPERV_HCALL",
	"KVM_EXIT_HYPERV_SYNDBG",
	"KVM_EXIT_XEN_HCALL", /* kvm_run.xen.type value of KVM_EXIT_XEN */
	"KVM_EXIT_IO_IN",     /* kvm_run.io.direction values of KVM_EXIT_IO */
	"KVM_EXIT_IO_OUT",
	"KVM_EXIT_ARM_SEA_FLAG_GPA_VALID", /* kvm_run.arm_sea.flags bits of KVM_EXIT_ARM_SEA */
	"KVM_EXIT_ARM_SEA_FLAG_GVA_VALID",
	"EXIT_REASON_PENDING_INTERRUPT", /* the old name of INTERRUPT_WINDOW (7) in older headers */
};

/* Macros the generator could not evaluate and that we know are not reasons. */
static const char *const expected_skips[] = {
	"SVM_EXIT_REASONS",	   /* the tracepoint's { code, "name" } initializer list */
	"VMX_EXIT_REASONS",	   /* idem (not matched by the generator's prefixes, listed for clarity) */
	"SVM_VMGEXIT_TERM_REASON", /* function-like: builds a termination reason */
};

static bool listed(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

#define LISTED(name, list) listed(name, list, sizeof(list) / sizeof(list[0]))

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void test_every_header_reason_is_in_the_tables(void **state)
{
	(void)state;
	unsigned int checked[XS_ISA_COUNT] = {0}, flags = 0, failures = 0;
	for (size_t i = 0; i < sizeof(uapi_macros) / sizeof(uapi_macros[0]); i++) {
		const char *macro = uapi_macros[i].name;
		long long value = uapi_macros[i].value;
		if (LISTED(macro, not_reasons))
			continue;
		if (starts(macro, "VMX_EXIT_REASONS_")) {
			/* Flag bits of the 32-bit VMX reason: the record header must agree. */
			uint32_t want = !strcmp(macro, "VMX_EXIT_REASONS_FAILED_VMENTRY") ? XS_VMX_REASON_FAILED_VMENTRY
					: !strcmp(macro, "VMX_EXIT_REASONS_SGX_ENCLAVE_MODE")
						? XS_VMX_REASON_ENCLAVE_MODE
						: 0;
			if (!want || (uint64_t)value != want) {
				print_error("%s = %#llx: not a VMX flag bit exitscope knows\n", macro, value);
				failures++;
			}
			flags++;
			continue;
		}
		unsigned int isa;
		const char *name;
		char vmgexit[128];
		if (starts(macro, "EXIT_REASON_")) {
			isa = XS_ISA_VMX;
			name = macro + strlen("EXIT_REASON_");
		} else if (starts(macro, "SVM_EXIT_")) {
			isa = XS_ISA_SVM;
			name = macro + strlen("SVM_EXIT_");
		} else if (starts(macro, "SVM_VMGEXIT_")) {
			isa = XS_ISA_SVM;
			snprintf(vmgexit, sizeof(vmgexit), "VMGEXIT_%s", macro + strlen("SVM_VMGEXIT_"));
			name = vmgexit;
		} else {
			isa = XS_ISA_KVM;
			name = macro + strlen("KVM_EXIT_");
		}
		/* SVM_EXIT_ERR is -1: the 32-bit exit code 0xffffffff. */
		if (value < -1 || value > 0xffffffffll) {
			print_error("%s = %lld does not fit a 32-bit reason\n", macro, value);
			failures++;
			continue;
		}
		uint32_t code = (uint32_t)value;
		const char *ours = xs_reason_name(isa, code);
		if (!ours || strcmp(ours, name)) {
			print_error("%s = %#x: the %s table has %s\n", macro, code, xs_isa_name(isa),
				    ours ? ours : "nothing");
			failures++;
		}
		checked[isa]++;
	}
	for (size_t i = 0; uapi_skipped[i]; i++) {
		if (!LISTED(uapi_skipped[i], expected_skips)) {
			print_error("%s: the generator could not evaluate it; is it a reason?\n", uapi_skipped[i]);
			failures++;
		}
	}
	print_message("checked %u VMX, %u SVM, %u KVM reason macros and %u flag macros\n", checked[XS_ISA_VMX],
		      checked[XS_ISA_SVM], checked[XS_ISA_KVM], flags);
	assert_int_equal(failures, 0);
	/* An empty or broken generation must not pass: the 6.1 headers alone define 62, 110 and 38. */
	assert_true(checked[XS_ISA_VMX] >= 60);
	assert_true(checked[XS_ISA_SVM] >= 100);
	assert_true(checked[XS_ISA_KVM] >= 35);
	assert_true(flags >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_header_reason_is_in_the_tables),
	};
	return cmocka_run_group_tests_name("decoder_uapi", tests, NULL, NULL);
}
