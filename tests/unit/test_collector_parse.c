// SPDX-License-Identifier: MIT
/*
 * Unit tests for what the collector reads from outside: ring events (event_parse.c), tracefs format files
 * (tp_format.c) and perf ring records with raw tracepoint data (perf_decode.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/perf_event.h>
#include <string.h>

#include "collector/event_parse.h"
#include "collector/perf_decode.h"
#include "collector/tp_format.h"
#include "tests/helpers/assert_reason.h"

union ev_buf {
	struct xs_ev_hdr h;
	uint64_t align;
	unsigned char bytes[XS_EV_MAX_SIZE + 16];
};

static void test_event_check_sizes(void **state)
{
	(void)state;
	union ev_buf b;
	memset(&b, 0, sizeof(b));
	b.h.type = XS_EV_PIO;
	b.h.size = sizeof(struct xs_ev_pio);
	assert_null(xs_ev_check(&b, sizeof(struct xs_ev_pio)));
	assert_non_null(xs_ev_check(&b, sizeof(struct xs_ev_pio) + 8)); /* size field disagrees */
	b.h.size = sizeof(struct xs_ev_pio) + 8;
	assert_non_null(xs_ev_check(&b, sizeof(struct xs_ev_pio) + 8)); /* wrong for the type */
	assert_non_null(xs_ev_check(&b, 4));				/* shorter than a header */
	b.h.type = 0;
	b.h.size = sizeof(struct xs_ev_hdr);
	assert_non_null(xs_ev_check(&b, sizeof(struct xs_ev_hdr)));
	b.h.type = XS_EV_TYPE_COUNT;
	assert_non_null(xs_ev_check(&b, sizeof(struct xs_ev_hdr)));
	assert_non_null(xs_ev_check(b.bytes + 1, 24)); /* misaligned */
}

static void test_event_check_exit_blocks(void **state)
{
	(void)state;
	union ev_buf b;
	memset(&b, 0, sizeof(b));
	struct xs_ev_exit *e = (void *)&b;
	e->h.type = XS_EV_EXIT;
	e->h.size = sizeof(*e);
	assert_null(xs_ev_check(&b, sizeof(*e)));
	e->fields = XS_EVX_REGS; /* claims a block it does not carry */
	assert_non_null(xs_ev_check(&b, sizeof(*e)));
	e->h.size = XS_EV_EXIT_REGS_SIZE;
	assert_null(xs_ev_check(&b, XS_EV_EXIT_REGS_SIZE));
	assert_non_null(xs_ev_exit_regs(e));
	assert_null(xs_ev_exit_svm_save(e));
	e->fields = XS_EVX_SVM_SAVE; /* VMCB block without registers */
	e->h.size = XS_EV_EXIT_FULL_SIZE;
	assert_non_null(xs_ev_check(&b, XS_EV_EXIT_FULL_SIZE));
	e->fields = XS_EVX_REGS | XS_EVX_SVM_SAVE;
	assert_null(xs_ev_check(&b, XS_EV_EXIT_FULL_SIZE));
	assert_ptr_equal(xs_ev_exit_svm_save(e), (char *)e + XS_EV_EXIT_REGS_SIZE);
	e->fields = 0; /* room reserved, reads failed: fine */
	assert_null(xs_ev_check(&b, XS_EV_EXIT_FULL_SIZE));
	e->h.size = sizeof(*e) + 8;
	assert_non_null(xs_ev_check(&b, sizeof(*e) + 8));
	e->h.type = XS_EV_EXIT_TP;
	e->h.size = sizeof(*e);
	e->fields = XS_EVX_REGS;
	assert_non_null(xs_ev_check(&b, sizeof(*e))); /* the classic half never has guest state */
	assert_string_equal(xs_ev_type_name(XS_EV_EXIT_TP), "kvm_exit");
	assert_null(xs_ev_type_name(200));
}

static const char kvm_pio_format[] = "name: kvm_pio\n"
				     "ID: 1234\n"
				     "format:\n"
				     "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
				     "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
				     "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
				     "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
				     "\n"
				     "\tfield:unsigned int rw;\toffset:8;\tsize:4;\tsigned:0;\n"
				     "\tfield:unsigned int port;\toffset:12;\tsize:4;\tsigned:0;\n"
				     "\tfield:unsigned int size;\toffset:16;\tsize:4;\tsigned:0;\n"
				     "\tfield:unsigned int count;\toffset:20;\tsize:4;\tsigned:0;\n"
				     "\tfield:unsigned int val;\toffset:24;\tsize:4;\tsigned:0;\n"
				     "\n"
				     "print fmt: \"pio_%s at 0x%x\", REC->rw ? \"write\" : \"read\", REC->port\n";

static void test_format_parse(void **state)
{
	(void)state;
	struct xs_tp_format f;
	char err[128];
	assert_int_equal(xs_tp_format_parse(kvm_pio_format, strlen(kvm_pio_format), &f, err, sizeof(err)), 0);
	assert_int_equal(f.id, 1234);
	assert_int_equal(f.nfields, 9);
	const struct xs_tp_field *port = xs_tp_format_field(&f, "port");
	assert_non_null(port);
	assert_int_equal(port->offset, 12);
	assert_int_equal(port->size, 4);
	assert_true(xs_tp_format_field(&f, "common_pid")->is_signed);
	assert_null(xs_tp_format_field(&f, "nope"));

	static const char arr[] = "ID: 85\n\tfield:__u8 insn[15];\toffset:21;\tsize:15;\tsigned:0;\n";
	assert_int_equal(xs_tp_format_parse(arr, strlen(arr), &f, err, sizeof(err)), 0);
	assert_true(f.fields[0].is_array);
	assert_string_equal(f.fields[0].name, "insn");
	static const char flex[] = "ID: 6\n\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;\n";
	assert_int_equal(xs_tp_format_parse(flex, strlen(flex), &f, err, sizeof(err)), 0); /* flexible array */
}

static void test_format_bad(void **state)
{
	(void)state;
	struct xs_tp_format f;
	char err[128];
	static const char *const bad[] = {
		"field:int x;\toffset:0;\tsize:4;\n",			 /* no ID */
		"ID: 5\n",						 /* no fields */
		"ID: x\n\tfield:int x;\toffset:0;\tsize:4;\n",		 /* bad ID */
		"ID: 5\n\tfield:int x;\toffset:0;\n",			 /* no size */
		"ID: 5\n\tfield:int x;\toffset:70000;\tsize:4;\n",	 /* offset out of range */
		"ID: 5\n\tfield:int x;\toffset:65534;\tsize:4;\n",	 /* past 64 KiB */
		"ID: 5\n\tfield:int ;\toffset:0;\tsize:4;\n",		 /* no name */
		"ID: 5\n\tfield:int x;\toffset:0;\tsize:0;\n",		 /* empty */
		"ID: 99999999999\n\tfield:int x;\toffset:0;\tsize:4;\n", /* ID overflow */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(xs_tp_format_parse(bad[i], strlen(bad[i]), &f, err, sizeof(err)), -1);
		assert_true(err[0] != 0);
	}
}

/* A PERF_RECORD_SAMPLE (TID TIME CPU RAW) around a raw tracepoint record. */
static size_t make_sample(uint8_t *buf, const void *raw, uint32_t raw_size)
{
	struct perf_event_header h = {.type = PERF_RECORD_SAMPLE, .misc = 0, .size = 0};
	size_t o = sizeof(h);
	uint32_t pid = 100, tid = 101, cpu = 1, res = 0;
	uint64_t time = 5555;
	memcpy(buf + o, &pid, 4);
	memcpy(buf + o + 4, &tid, 4);
	memcpy(buf + o + 8, &time, 8);
	memcpy(buf + o + 16, &cpu, 4);
	memcpy(buf + o + 20, &res, 4);
	memcpy(buf + o + 24, &raw_size, 4);
	memcpy(buf + o + 28, raw, raw_size);
	o += 28 + raw_size;
	h.size = (uint16_t)o;
	memcpy(buf, &h, sizeof(h));
	return o;
}

static void test_perf_decode_pio(void **state)
{
	(void)state;
	struct xs_tp_format f;
	char err[128];
	assert_int_equal(xs_tp_format_parse(kvm_pio_format, strlen(kvm_pio_format), &f, err, sizeof(err)), 0);
	struct xs_tp_map m;
	assert_int_equal(xs_tp_map_build(&m, XS_EV_PIO, &f, err, sizeof(err)), 0);
	uint8_t raw[28] = {0};
	uint16_t id = 1234;
	uint32_t rw = 1, port = 0x3f8, size = 1, count = 1, val = 0x41;
	memcpy(raw, &id, 2);
	memcpy(raw + 8, &rw, 4);
	memcpy(raw + 12, &port, 4);
	memcpy(raw + 16, &size, 4);
	memcpy(raw + 20, &count, 4);
	memcpy(raw + 24, &val, 4);
	uint8_t buf[256];
	size_t n = make_sample(buf, raw, sizeof(raw));
	struct xs_perf_sample s;
	assert_int_equal(xs_perf_sample_parse(buf, n, &s), 0);
	assert_int_equal(s.tid, 101);
	assert_int_equal(s.time, 5555);
	union ev_buf out;
	assert_int_equal(xs_tp_decode(&m, &s, &out), 0);
	assert_null(xs_ev_check(&out, out.h.size));
	const struct xs_ev_pio *e = (const void *)&out;
	assert_int_equal(e->h.type, XS_EV_PIO);
	assert_int_equal(e->h.vcpu, XS_EV_VCPU_UNKNOWN);
	assert_int_equal(e->h.ts, 5555);
	assert_int_equal(e->h.pid, 100);
	assert_int_equal(e->port, 0x3f8);
	assert_int_equal(e->val, 0x41);
	assert_int_equal(e->rw, 1);

	s.raw_size = 20; /* shorter than the fields */
	assert_int_equal(xs_tp_decode(&m, &s, &out), -1);
	s.raw_size = sizeof(raw);
	raw[0] = 7; /* another tracepoint's record */
	make_sample(buf, raw, sizeof(raw));
	assert_int_equal(xs_perf_sample_parse(buf, n, &s), 0);
	assert_int_equal(xs_tp_decode(&m, &s, &out), -1);
}

static void test_perf_decode_required_fields(void **state)
{
	(void)state;
	struct xs_tp_format f;
	char err[128];
	assert_int_equal(xs_tp_format_parse(kvm_pio_format, strlen(kvm_pio_format), &f, err, sizeof(err)), 0);
	struct xs_tp_map m;
	/* the pio format has none of kvm_exit's fields */
	assert_int_equal(xs_tp_map_build(&m, XS_EV_EXIT_TP, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exit_reason"));
	/* kvm_entry's only field is optional (vcpu_id): a map without it still works */
	assert_int_equal(xs_tp_map_build(&m, XS_EV_ENTRY, &f, err, sizeof(err)), 0);
	assert_int_equal(xs_tp_map_build(&m, 200, &f, err, sizeof(err)), -1);
}

static void test_perf_signed_field(void **state)
{
	(void)state;
	static const char fmt[] = "ID: 9\n\tfield:__u32 reason;\toffset:8;\tsize:4;\tsigned:0;\n"
				  "\tfield:int errno;\toffset:12;\tsize:4;\tsigned:1;\n";
	struct xs_tp_format f;
	char err[128];
	assert_int_equal(xs_tp_format_parse(fmt, strlen(fmt), &f, err, sizeof(err)), 0);
	struct xs_tp_map m;
	assert_int_equal(xs_tp_map_build(&m, XS_EV_UEXIT, &f, err, sizeof(err)), 0);
	uint8_t raw[16] = {9, 0};
	int32_t e = -4;
	uint32_t reason = 10;
	memcpy(raw + 8, &reason, 4);
	memcpy(raw + 12, &e, 4);
	uint8_t buf[128];
	size_t n = make_sample(buf, raw, sizeof(raw));
	struct xs_perf_sample s;
	assert_int_equal(xs_perf_sample_parse(buf, n, &s), 0);
	union ev_buf out;
	assert_int_equal(xs_tp_decode(&m, &s, &out), 0);
	const struct xs_ev_uexit *u = (const void *)&out;
	assert_reason(XS_ISA_KVM, u->reason, 10); /* KVM_EXIT_* */
	assert_int_equal((int32_t)u->err, -4);
	assert_int_equal(u->have_run, 0);
}

static void test_perf_records_malformed(void **state)
{
	(void)state;
	uint8_t buf[128];
	uint8_t raw[8] = {0};
	size_t n = make_sample(buf, raw, sizeof(raw));
	struct xs_perf_sample s;
	assert_int_equal(xs_perf_sample_parse(buf, n - 1, &s), -1); /* size field disagrees */
	uint32_t big = 1000;
	memcpy(buf + sizeof(struct perf_event_header) + 24, &big, 4); /* raw longer than the record */
	assert_int_equal(xs_perf_sample_parse(buf, n, &s), -1);
	assert_int_equal(xs_perf_sample_parse(buf, 10, &s), -1);
	struct {
		struct perf_event_header h;
		uint64_t id, lost;
	} lost = {{PERF_RECORD_LOST, 0, sizeof(lost)}, 1, 42};
	uint64_t k;
	assert_int_equal(xs_perf_lost_parse(&lost, sizeof(lost), &k), 0);
	assert_int_equal(k, 42);
	assert_int_equal(xs_perf_lost_parse(&lost, 8, &k), -1);
	lost.h.type = PERF_RECORD_SAMPLE;
	assert_int_equal(xs_perf_lost_parse(&lost, sizeof(lost), &k), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_check_sizes), cmocka_unit_test(test_event_check_exit_blocks),
		cmocka_unit_test(test_format_parse),	  cmocka_unit_test(test_format_bad),
		cmocka_unit_test(test_perf_decode_pio),	  cmocka_unit_test(test_perf_decode_required_fields),
		cmocka_unit_test(test_perf_signed_field), cmocka_unit_test(test_perf_records_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
