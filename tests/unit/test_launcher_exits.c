// SPDX-License-Identifier: MIT
/*
 * Unit tests for the launcher's exit handling (launcher/exit_handle.c): what the guest's tiny machine
 * answers, and which exits stop the vCPU with which message. Uses fabricated kvm_run pages, so it covers the
 * exits a development host cannot produce (failed VM entry, system events, unknown reasons).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "launcher/launcher_internal.h"

#define RUN_SIZE 8192

struct fixture {
	struct xs_launcher_kvm l;
	struct xs_vcpu v;
	struct xs_vcpu_ctx c;
	char msg[512];
};

static struct fixture *setup(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->v.run = aligned_alloc(4096, RUN_SIZE);
	memset(f->v.run, 0, RUN_SIZE);
	f->v.run_size = RUN_SIZE;
	f->v.fd = -1;
	f->v.id = 2;
	f->c.l = &f->l;
	f->c.v = &f->v;
	xs_controls_init(&f->l.ctl);
	return f;
}

static void teardown(struct fixture *f)
{
	free(f->v.run);
	free(f);
}

static enum xs_exit_action out(struct fixture *f, uint16_t port, uint32_t value, uint8_t size)
{
	struct kvm_run *run = f->v.run;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.port = port;
	run->io.size = size;
	run->io.count = 1;
	run->io.data_offset = 4096;
	memcpy((uint8_t *)run + 4096, &value, 4);
	f->msg[0] = 0;
	return xs_handle_exit(&f->c, KVM_EXIT_IO, f->msg, sizeof(f->msg));
}

static void test_ports(void **state)
{
	(void)state;
	struct fixture *f = setup();
	assert_int_equal(out(f, 0x510, 7, 1), XS_ACT_CONTINUE);
	assert_int_equal(out(f, XS_PORT_RESULT, 7, 4), XS_ACT_CONTINUE);
	assert_int_equal(out(f, XS_PORT_DONE, 0, 4), XS_ACT_DONE);
	assert_int_equal(out(f, XS_PORT_FAIL, 3, 4), XS_ACT_GUEST_ERROR);
	assert_string_equal(f->msg, "vcpu 2: the guest's self-check 3 failed");
	/* IN reads all-ones, for every element of a string transfer */
	struct kvm_run *run = f->v.run;
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.size = 2;
	run->io.count = 3;
	memset((uint8_t *)run + 4096, 0, 16);
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_IO, f->msg, sizeof(f->msg)), XS_ACT_CONTINUE);
	const uint8_t *d = (const uint8_t *)run + 4096;
	for (int i = 0; i < 6; i++)
		assert_int_equal(d[i], 0xff);
	assert_int_equal(d[6], 0);
	/* KVM data outside the mapping is a host error, never a wild write */
	run->io.data_offset = RUN_SIZE - 2;
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_IO, f->msg, sizeof(f->msg)), XS_ACT_HOST_ERROR);
	teardown(f);
}

static void test_vector_reports(void **state)
{
	(void)state;
	struct fixture *f = setup();
	f->c.outstanding[0x20] = 1;
	assert_int_equal(out(f, XS_PORT_VECTOR, 0x20 | 0x9000 << 8, 4), XS_ACT_CONTINUE);
	assert_int_equal(f->c.outstanding[0x20], 0);
	assert_int_equal(atomic_load(&f->c.delivered), 1);
	/* the same vector again was not injected: an unexpected interrupt */
	assert_int_equal(out(f, XS_PORT_VECTOR, 0x20 | 0x9000 << 8, 4), XS_ACT_GUEST_ERROR);
	assert_string_equal(f->msg, "vcpu 2: unexpected interrupt vector 0x20 in the guest at rip 0x9000");
	assert_int_equal(out(f, XS_PORT_VECTOR, 13 | 0x9123 << 8, 4), XS_ACT_GUEST_ERROR);
	assert_string_equal(f->msg, "vcpu 2: unexpected exception #GP (vector 13) in the guest at rip 0x9123");
	/* a guest that raises #BP on purpose says so */
	f->l.own_exceptions = 1u << 3;
	assert_int_equal(out(f, XS_PORT_VECTOR, 3 | 0x9000 << 8, 4), XS_ACT_CONTINUE);
	teardown(f);
}

static void test_mmio(void **state)
{
	(void)state;
	struct fixture *f = setup();
	struct kvm_run *run = f->v.run;
	run->mmio.is_write = 0;
	run->mmio.len = 4;
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_MMIO, f->msg, sizeof(f->msg)), XS_ACT_CONTINUE);
	for (int i = 0; i < 8; i++)
		assert_int_equal(run->mmio.data[i], 0xff);
	teardown(f);
}

static void test_stopping_exits(void **state)
{
	(void)state;
	struct fixture *f = setup();
	struct kvm_run *run = f->v.run;
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_SHUTDOWN, f->msg, sizeof(f->msg)), XS_ACT_GUEST_ERROR);
	assert_string_equal(f->msg, "vcpu 2: the guest triple-faulted (KVM_EXIT_SHUTDOWN)");
	run->fail_entry.hardware_entry_failure_reason = 0x21;
	run->fail_entry.cpu = 1;
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_FAIL_ENTRY, f->msg, sizeof(f->msg)), XS_ACT_GUEST_ERROR);
	assert_string_equal(f->msg, "vcpu 2: VM entry failed (KVM_EXIT_FAIL_ENTRY, hardware reason 0x21 on cpu 1)");
	run->internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_INTERNAL_ERROR, f->msg, sizeof(f->msg)), XS_ACT_GUEST_ERROR);
	assert_string_equal(f->msg, "vcpu 2: KVM internal error 3 (event delivery failed)");
	run->system_event.type = KVM_SYSTEM_EVENT_CRASH;
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_SYSTEM_EVENT, f->msg, sizeof(f->msg)), XS_ACT_GUEST_ERROR);
	assert_string_equal(f->msg, "vcpu 2: guest system event 3 (crash, KVM_EXIT_SYSTEM_EVENT)");
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_TPR_ACCESS, f->msg, sizeof(f->msg)), XS_ACT_GUEST_ERROR);
	assert_string_equal(f->msg, "vcpu 2: exit reason 12 (TPR_ACCESS) that the launcher does not handle");
	assert_int_equal(xs_handle_exit(&f->c, 200, f->msg, sizeof(f->msg)), XS_ACT_GUEST_ERROR);
	assert_non_null(strstr(f->msg, "exit reason 200 (unknown)"));
	/* continuing exits */
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_HLT, f->msg, sizeof(f->msg)), XS_ACT_CONTINUE);
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_IRQ_WINDOW_OPEN, f->msg, sizeof(f->msg)), XS_ACT_CONTINUE);
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_HYPERCALL, f->msg, sizeof(f->msg)), XS_ACT_CONTINUE);
	assert_int_equal(run->hypercall.ret, (uint64_t)-1000);
	/* a signal exit only stops the vCPU when a stop was asked for */
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_INTR, f->msg, sizeof(f->msg)), XS_ACT_CONTINUE);
	atomic_store(&f->c.stop, true);
	assert_int_equal(xs_handle_exit(&f->c, KVM_EXIT_INTR, f->msg, sizeof(f->msg)), XS_ACT_STOP);
	teardown(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_vector_reports),
		cmocka_unit_test(test_mmio),
		cmocka_unit_test(test_stopping_exits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
