// SPDX-License-Identifier: MIT
/* Fuzz the parsers of ClickHouse's HTTP replies (any bytes a server, or something posing as one, sends): the
 * one-line error and the TabSeparated fields. No input may crash them or read past its length; the error line
 * is printable ASCII within its buffer; a field fits its buffer and a number field holds digits only. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/clickhouse_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 1 << 16)
		return 0;
	size_t row = data[0] & 7, field = data[0] >> 5, outlen = (size_t)data[1] % 64 + 1;
	size_t len = size - 2;
	char *body = malloc(len ? len : 1); /* exact size: ASan catches a read past the end */
	memcpy(body, data + 2, len);

	char line[80];
	xs_ch_error_line(body, len, line, sizeof(line));
	assert(strlen(line) < sizeof(line));
	for (const char *p = line; *p; p++)
		assert(*p >= 0x20 && *p < 0x7f);

	char *out = malloc(outlen);
	if (xs_ch_tsv_field(body, len, row, field, out, outlen))
		assert(memchr(out, 0, outlen));
	uint64_t v;
	char digits[32];
	if (xs_ch_tsv_u64(body, len, row, field, &v)) {
		assert(xs_ch_tsv_field(body, len, row, field, digits, sizeof(digits)));
		for (const char *p = digits; *p; p++)
			assert(*p >= '0' && *p <= '9');
	}
	(void)xs_ch_tsv_rows(body, len);
	free(out);
	free(body);
	return 0;
}
