/* SPDX-License-Identifier: MIT */
/*
 * assert_reason(isa, actual, expected): a cmocka assertion on an exit reason that names both reasons through
 * the decoder when it fails ("exit reason vmx CPUID (10), want vmx IO_INSTRUCTION (30)"), as the KVM
 * selftests' TEST_ASSERT_KVM_EXIT_REASON does, instead of two bare numbers.
 */
#ifndef EXITSCOPE_TESTS_ASSERT_REASON_H
#define EXITSCOPE_TESTS_ASSERT_REASON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* "vmx IO_INSTRUCTION (30)", "kvm IO (2)", "svm unknown (0x1234)": into buf, which it returns. */
const char *xs_test_reason_text(unsigned int isa, uint32_t reason, char *buf, size_t len);

#define assert_reason(isa, actual, expected)                                                                    \
	do {                                                                                                    \
		const unsigned int isa_ = (isa);                                                                \
		const uint32_t actual_ = (uint32_t)(actual), expected_ = (uint32_t)(expected);                  \
		if (actual_ != expected_) {                                                                     \
			char a_[96], e_[96];                                                                    \
			fail_msg("exit reason %s, want %s", xs_test_reason_text(isa_, actual_, a_, sizeof(a_)), \
				 xs_test_reason_text(isa_, expected_, e_, sizeof(e_)));                         \
		}                                                                                               \
	} while (0)

#endif
