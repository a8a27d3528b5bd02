// SPDX-License-Identifier: MIT
/* The batch request parser and the renderers: exact output, every error path, truncation. */
#include <stdio.h>

#include "decoder/request.h"
#include "tests/unit/decoder_json_check.h"
#include "tests/unit/decoder_test_util.h"
#include "tests/helpers/assert_reason.h"
#include "tests/helpers/records.h"

static struct xs_request req;
static char err[256];

static enum xs_request_status parse(const char *line, unsigned int isa)
{
	err[0] = 0;
	return xs_request_parse_line(line, strlen(line), isa, &req, err, sizeof(err));
}

static void expect_error(const char *line, unsigned int isa, const char *msg)
{
	assert_int_equal(parse(line, isa), XS_REQUEST_ERROR);
	assert_string_equal(err, msg);
}

static void test_parse_ok(void **state)
{
	(void)state;
	assert_int_equal(parse("vmx CR_ACCESS 0x3", 0), XS_REQUEST_OK);
	assert_int_equal(req.in.isa, XS_ISA_VMX);
	assert_reason(req.in.isa, req.in.reason, 28);
	assert_int_equal(req.in.qualification, 3);
	assert_true(req.has_qualification);
	assert_int_equal(req.in.vector, -1);
	/* Default isa, numbers in decimal, tabs, a trailing CR */
	assert_int_equal(parse("\t28   3\r", XS_ISA_VMX), XS_REQUEST_OK);
	assert_reason(req.in.isa, req.in.reason, 28);
	assert_int_equal(req.in.qualification, 3);
	/* The line's isa wins over the default; prefixes and case do not matter */
	assert_int_equal(parse("SVM svm_exit_npf 0x100000004 info2=0xfee00000", XS_ISA_VMX), XS_REQUEST_OK);
	assert_int_equal(req.in.isa, XS_ISA_SVM);
	assert_reason(req.in.isa, req.in.reason, 0x400);
	assert_int_equal(req.in.info2, 0xfee00000);
	assert_int_equal(parse("svm SVM_VMGEXIT_PSC", 0), XS_REQUEST_OK);
	assert_reason(req.in.isa, req.in.reason, 0x80000010u);
	assert_false(req.has_qualification);
	/* Every key */
	assert_int_equal(parse("vmx EXCEPTION_NMI 0x4000 vector=1 intr_info=0x80000301 error_code=0 "
			       "idt=0x80000030 idt_error=5 gpa=0x1000 gla=0x2000 info2=7",
			       0),
			 XS_REQUEST_OK);
	assert_int_equal(req.in.vector, 1);
	assert_int_equal(req.in.intr_info, 0x80000301);
	assert_int_equal(req.in.idt_vectoring_info, 0x80000030);
	assert_int_equal(req.in.idt_vectoring_error, 5);
	assert_int_equal(req.in.gpa, 0x1000);
	assert_int_equal(req.in.gla, 0x2000);
	assert_int_equal(req.in.info2, 7);
	assert_int_equal(req.in.have, XS_IN_INTR_INFO | XS_IN_ERROR_CODE | XS_IN_IDT | XS_IN_GPA | XS_IN_GLA);
	/* Flag bits in a VMX number */
	assert_int_equal(parse("vmx 0x80000021 2", 0), XS_REQUEST_OK);
	assert_reason(req.in.isa, req.in.reason, 0x80000021u);
}

static void test_parse_empty(void **state)
{
	(void)state;
	assert_int_equal(parse("", 0), XS_REQUEST_EMPTY);
	assert_int_equal(parse("   \t\r", 0), XS_REQUEST_EMPTY);
	assert_int_equal(parse("# vmx CR_ACCESS 3", 0), XS_REQUEST_EMPTY);
	assert_int_equal(parse("  # indented comment", XS_ISA_VMX), XS_REQUEST_EMPTY);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("CR_ACCESS 3", 0, "expected an isa (vmx, svm, kvm or host) before 'CR_ACCESS'");
	expect_error("1 CR_ACCESS", 0, "expected an isa (vmx, svm, kvm or host) before '1'");
	expect_error("vmx", 0, "missing reason");
	expect_error("vmx FOO 1", 0, "unknown vmx reason 'FOO'");
	expect_error("svm CR_ACCESS", 0, "unknown svm reason 'CR_ACCESS'");
	expect_error("vmx 0x100000000", 0, "unknown vmx reason '0x100000000'");
	expect_error("vmx CR_ACCESS zz", 0, "bad qualification 'zz'");
	expect_error("vmx CR_ACCESS 0x10000000000000000", 0, "bad qualification '0x10000000000000000'");
	expect_error("vmx CR_ACCESS -1", 0, "bad qualification '-1'");
	expect_error("vmx CR_ACCESS 3 4", 0, "unexpected '4'");
	expect_error("vmx CR_ACCESS 3 foo=2", 0, "unknown key in 'foo=2'");
	expect_error("vmx CR_ACCESS 3 =2", 0, "unknown key in '=2'");
	expect_error("vmx vector=1", 0, "expected a reason before 'vector=1'");
	expect_error("vmx EXCEPTION_NMI 0 vector=256", 0, "bad value in 'vector=256'");
	expect_error("vmx EXCEPTION_NMI 0 vector=", 0, "bad value in 'vector='");
	expect_error("vmx EXCEPTION_NMI 0 intr_info=0x100000000", 0, "bad value in 'intr_info=0x100000000'");
	expect_error("vmx 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", 0, "too many words");
	char long_line[200];
	snprintf(long_line, sizeof(long_line), "vmx %0100d", 1);
	assert_int_equal(parse(long_line, 0), XS_REQUEST_ERROR);
	assert_non_null(strstr(err, "token too long: '000000"));
	assert_non_null(strstr(err, "...'"));
	/* A NUL inside the line and non-printable bytes in the echoed token */
	static const char nul_line[] = "vmx CR\0ACCESS";
	assert_int_equal(xs_request_parse_line(nul_line, sizeof(nul_line) - 1, 0, &req, err, sizeof(err)),
			 XS_REQUEST_ERROR);
	assert_string_equal(err, "NUL byte in 'CR?ACCESS'");
	expect_error("vmx \x01\xff", 0, "unknown vmx reason '?\?'");
	/* A tiny error buffer is NUL-terminated, never overrun */
	char small[8];
	assert_int_equal(xs_request_parse_line("vmx FOO", 7, 0, &req, small, sizeof(small)), XS_REQUEST_ERROR);
	assert_string_equal(small, "unknown");
}

static void render_json(const char *line, char *out, size_t len)
{
	assert_int_equal(parse(line, 0), XS_REQUEST_OK);
	struct xs_decoded d;
	xs_decode_input(&req.in, &d);
	struct xs_writer w;
	xs_w_init(&w, out, len);
	xs_request_render_json(&w, &req, &d);
	size_t n = xs_w_finish(&w);
	assert_true(n < len);
	assert_true(json_valid(out, n));
}

static void test_render_exact(void **state)
{
	(void)state;
	char out[2048];
	render_json("vmx CR_ACCESS 0x3", out, sizeof(out));
	assert_string_equal(out, "{\"isa\":\"vmx\",\"reason\":28,\"name\":\"CR_ACCESS\",\"qualification\":\"0x3\","
				 "\"format\":\"cr_access\",\"fields\":{\"cr\":3,\"access_type\":0,\"access_type_name\":"
				 "\"MOV_TO_CR\",\"gpr\":0,\"gpr_name\":\"RAX\"}}");
	render_json("vmx 0x80000021 4", out, sizeof(out));
	assert_string_equal(out,
			    "{\"isa\":\"vmx\",\"reason\":2147483681,\"basic_reason\":33,\"name\":\"INVALID_STATE\","
			    "\"qualification\":\"0x4\",\"format\":\"entry_failure\",\"fields\":{"
			    "\"entry_failure_code\":4,\"entry_failure_code_name\":\"VMCS_LINK_POINTER\","
			    "\"failed_vmentry\":1}}");
	render_json("vmx 99", out, sizeof(out));
	assert_string_equal(out,
			    "{\"isa\":\"vmx\",\"reason\":99,\"name\":null,\"qualification\":\"0x0\",\"format\":null,"
			    "\"fields\":{}}");
	render_json("svm IOIO 0x3f80211 info2=0x1234", out, sizeof(out));
	assert_non_null(strstr(out, "\"info2\":\"0x1234\""));

	assert_int_equal(parse("vmx CR_ACCESS 0x3", 0), XS_REQUEST_OK);
	struct xs_decoded d;
	xs_decode_input(&req.in, &d);
	struct xs_writer w;
	xs_w_init(&w, out, sizeof(out));
	xs_request_render_text(&w, &req, &d);
	xs_w_finish(&w);
	assert_string_equal(out, "vmx CR_ACCESS(28) qual=0x3 cr_access: cr=3 access_type=MOV_TO_CR gpr=RAX");
	assert_int_equal(parse("vmx 35 7", 0), XS_REQUEST_OK);
	xs_decode_input(&req.in, &d);
	xs_w_init(&w, out, sizeof(out));
	xs_request_render_text(&w, &req, &d);
	xs_w_finish(&w);
	assert_string_equal(out, "vmx reserved-0x23(35) qual=0x7");
}

static void test_render_error(void **state)
{
	(void)state;
	char out[256];
	struct xs_writer w;
	xs_w_init(&w, out, sizeof(out));
	static const char input[] = "vmx \"q\\\x01\xc3\xa9";
	xs_request_render_error_json(&w, 7, "unknown vmx reason '\"q\\?\?'", input, sizeof(input) - 1);
	size_t n = xs_w_finish(&w);
	assert_true(json_valid(out, n));
	assert_string_equal(out, "{\"line\":7,\"error\":\"unknown vmx reason '\\\"q\\\\?\?'\",\"input\":\"vmx "
				 "\\\"q\\\\\\u0001\\u00c3\\u00a9\"}");
}

static void test_writer_truncation(void **state)
{
	(void)state;
	struct xs_decoded d;
	xs_decode_values(XS_ISA_VMX, 28, 0x3, 0, 0, -1, &d);
	char full[256];
	size_t need = xs_decoded_fields_json(&d, full, sizeof(full));
	assert_int_equal(need, strlen(full));
	for (size_t len = 0; len < need + 2; len++) {
		char small[256];
		memset(small, 'X', sizeof(small));
		assert_int_equal(xs_decoded_fields_json(&d, small, len), need);
		if (len) {
			size_t kept = len - 1 < need ? len - 1 : need;
			assert_int_equal(strlen(small), kept);
			assert_memory_equal(small, full, kept);
		}
		assert_int_equal(small[len], 'X'); /* nothing written past len */
	}
	/* Numbers at their edges */
	char b[80];
	struct xs_writer w;
	xs_w_init(&w, b, sizeof(b));
	xs_w_u64(&w, UINT64_MAX);
	xs_w_ch(&w, ' ');
	xs_w_i64(&w, INT64_MIN);
	xs_w_ch(&w, ' ');
	xs_w_hex(&w, 0);
	xs_w_ch(&w, ' ');
	xs_w_hex(&w, UINT64_MAX);
	xs_w_finish(&w);
	assert_string_equal(b, "18446744073709551615 -9223372036854775808 0x0 0xffffffffffffffff");
}

static void test_record_json_and_text(void **state)
{
	(void)state;
	struct xs_exit_record r = xs_test_record(XS_ISA_VMX, 30);
	r.source = XS_SRC_BPF;
	r.qualification = 0x3f80000;
	r.flags = XS_F_RIP | XS_F_LATENCY;
	r.guest_rip = 0xfff0;
	r.latency_ns = 830;
	r.ts = 123456789;
	r.vcpu = 1;
	r.detail_kind = XS_D_IO;
	r.detail.io.port = 0x3f8;
	r.detail.io.size = 1;
	r.detail.io.count = 1;
	r.detail.io.value = 0x41;
	char out[8192];
	size_t n = xs_record_json(&r, out, sizeof(out));
	assert_true(json_valid(out, n));
	assert_non_null(strstr(out, "\"name\":\"IO_INSTRUCTION\""));
	assert_non_null(strstr(out, "\"source\":\"bpf\""));
	assert_non_null(strstr(out, "\"fields\":{\"size\":0,\"access_size_bytes\":1,"));
	assert_non_null(strstr(out, "\"detail\":{ \"port\":1016,\"size\":1,\"direction\":\"OUT\",\"count\":1,"
				    "\"value\":\"0x41\""));
	xs_record_text(&r, out, sizeof(out));
	assert_string_equal(out, "123456789 cpu=0 tid=0 vcpu=1 vmx IO_INSTRUCTION qual=0x3f80000 rip=0xfff0 "
				 "latency_ns=830 | size=0 access_size_bytes=1 direction=OUT string=0 rep=0 "
				 "operand_encoding=DX port=0x3f8 | io port=0x3f8 OUT size=1 count=1 value=0x41");
	/* Every detail kind (and an unknown one), with and without the guest-state block, renders valid JSON. */
	for (unsigned int kind = 0; kind <= XS_D_COUNT; kind++) {
		memset(&r.detail, 0xff, sizeof(r.detail));
		r.detail_kind = (uint8_t)kind;
		r.flags = kind & 1 ? XS_F_GUEST_STATE : 0;
		memset(&r.gs, 0xab, sizeof(r.gs));
		n = xs_record_json(&r, out, sizeof(out));
		assert_true(n < sizeof(out));
		if (!json_valid(out, n))
			fail_msg("kind %u: invalid JSON: %s", kind, out);
		xs_record_text(&r, out, sizeof(out));
	}
	/* An empty detail object */
	r.detail_kind = XS_D_NONE;
	r.flags = 0;
	n = xs_record_json(&r, out, sizeof(out));
	assert_non_null(strstr(out, "\"detail\":{}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_render_exact),
		cmocka_unit_test(test_render_error),
		cmocka_unit_test(test_writer_truncation),
		cmocka_unit_test(test_record_json_and_text),
	};
	return cmocka_run_group_tests_name("decoder_request", tests, NULL, NULL);
}
