// SPDX-License-Identifier: MIT
/*
 * The print sink (cli/print_sink.c): one line per record, text or JSON, growth past its first buffer, write
 * errors counted as drops. cli/ is not in libexitscope.a: tests/build.mk links cli/print_sink.o into this test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "cli/print_sink.h"
#include "tests/unit/decoder_json_check.h"
#include "tests/unit/decoder_test_util.h"

static struct xs_exit_record recs[3];

static void fill(void)
{
	memset(recs, 0, sizeof(recs));
	for (int i = 0; i < 3; i++) {
		recs[i].version = XS_RECORD_VERSION;
		recs[i].isa = XS_ISA_VMX;
		recs[i].reason = 28;
		recs[i].qualification = (uint64_t)i;
		recs[i].seq = (uint64_t)i;
	}
	/* The last one carries the guest-state block: its JSON line outgrows the sink's first buffer. */
	recs[2].flags = XS_F_GUEST_STATE;
	memset(&recs[2].gs, 0xff, sizeof(recs[2].gs));
}

static void test_json_lines(void **state)
{
	(void)state;
	fill();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct xs_sink *s = xs_print_sink(f, XS_PRINT_JSON, true);
	assert_int_equal(xs_sink_meta(s, "key", "value"), 0); /* not printed */
	assert_int_equal(xs_sink_write(s, recs, 3), 0);
	assert_int_equal(s->written, 3);
	assert_int_equal(s->dropped, 0);
	assert_int_equal(xs_sink_close(s), 0);
	/* Three lines, each one valid JSON object */
	int lines = 0;
	for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		assert_true(json_valid(line, (size_t)(nl - line)));
		assert_non_null(strstr(line, "\"name\":\"CR_ACCESS\""));
		lines++;
	}
	assert_int_equal(lines, 3);
	assert_non_null(strstr(buf, "\"guest_state\":{"));
	free(buf);
}

static void test_text_lines(void **state)
{
	(void)state;
	fill();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct xs_sink *s = xs_print_sink(f, XS_PRINT_TEXT, false);
	assert_int_equal(xs_sink_write(s, recs, 2), 0);
	assert_int_equal(xs_sink_flush(s), 0);
	assert_int_equal(xs_sink_close(s), 0);
	fclose(f);
	assert_string_equal(buf, "0 cpu=0 tid=0 vcpu=0 vmx CR_ACCESS qual=0x0 | cr=0 access_type=MOV_TO_CR gpr=RAX\n"
				 "0 cpu=0 tid=0 vcpu=0 vmx CR_ACCESS qual=0x1 | cr=1 access_type=MOV_TO_CR gpr=RAX\n");
	free(buf);
}

static void test_write_error_counts_drops(void **state)
{
	(void)state;
	fill();
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0); /* every fwrite reaches the device and fails */
	struct xs_sink *s = xs_print_sink(f, XS_PRINT_TEXT, true);
	assert_int_equal(xs_sink_write(s, recs, 3), -ENOSPC);
	assert_int_equal(s->written, 3);
	assert_int_equal(s->dropped, 3);
	assert_int_equal(xs_sink_write(s, recs, 2), -ENOSPC);
	assert_int_equal(s->dropped, 5);
	assert_int_equal(xs_sink_close(s), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_text_lines),
		cmocka_unit_test(test_write_error_counts_drops),
	};
	return cmocka_run_group_tests_name("decoder_print_sink", tests, NULL, NULL);
}
