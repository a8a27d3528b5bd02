// SPDX-License-Identifier: MIT
/* A record file written to COM1 (layout: docs/record-format.md, common/xsr.h). */
#include "kmod-vmx/bare/xsr_stream.h"
#include "kmod-vmx/bare/bare.h"
#include "kmod-vmx/core/fmt.h"

#define CHUNK_RECORDS 1
#define CHUNK_META 2
#define CHUNK_END 3

/* COM1 unless the image chose another channel (xsr_stream_set_writer). */
static void (*stream_write)(const void *buf, unsigned long n) = serial_write;

void xsr_stream_set_writer(void (*write)(const void *buf, unsigned long n))
{
	stream_write = write;
}

static u8 batch[XSR_STREAM_BATCH * XS_RECORD_FULL_SIZE];
static u32 batch_bytes;
static u64 written;

static void put_u32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void put_u64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void chunk_header(u32 type, u32 length)
{
	u8 h[8];

	put_u32(h, type);
	put_u32(h + 4, length);
	stream_write(h, sizeof(h));
}

void xsr_stream_begin(void)
{
	u8 h[32] = {'X', 'S', 'R', 'E', 'C', 'O', 'R', 'D'};

	put_u32(h + 8, 1);   /* format version */
	put_u32(h + 12, 32); /* header size */
	h[16] = XS_RECORD_VERSION;
	h[18] = (u8)XS_RECORD_CORE_SIZE;
	h[19] = (u8)(XS_RECORD_CORE_SIZE >> 8);
	h[20] = (u8)XS_RECORD_FULL_SIZE;
	h[21] = (u8)(XS_RECORD_FULL_SIZE >> 8);
	stream_write(h, sizeof(h));
}

void xsr_stream_meta(const char *key, const char *value)
{
	u32 kl = (u32)kvmx_strlen(key), vl = (u32)kvmx_strlen(value);

	chunk_header(CHUNK_META, kl + 1 + vl + 1);
	stream_write(key, kl + 1);
	stream_write(value, vl + 1);
}

void xsr_stream_metaf(const char *key, const char *fmt, ...)
{
	char value[256];
	va_list ap;

	va_start(ap, fmt);
	kvmx_vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	xsr_stream_meta(key, value);
}

void xsr_stream_flush(void)
{
	if (!batch_bytes)
		return;
	chunk_header(CHUNK_RECORDS, batch_bytes);
	stream_write(batch, batch_bytes);
	batch_bytes = 0;
}

void xsr_stream_record(const struct xs_exit_record *r)
{
	u32 n = xs_record_wire_size(r);

	if (batch_bytes + n > sizeof(batch))
		xsr_stream_flush();
	kvmx_memcpy(batch + batch_bytes, r, n);
	batch_bytes += n;
	written++;
}

void xsr_stream_end(u64 dropped)
{
	u8 p[16];

	xsr_stream_flush();
	put_u64(p, written);
	put_u64(p + 8, dropped);
	chunk_header(CHUNK_END, sizeof(p));
	stream_write(p, sizeof(p));
}

u64 xsr_stream_written(void)
{
	return written;
}
