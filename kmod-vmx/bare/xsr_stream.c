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

/*
 * Each chunk leaves in one write, header and payload together: a channel that other output may interleave
 * with (Bochs prints debugger lines on port 0xe9's stdout) then only ever sees it between whole chunks.
 */
static u8 chunk[8 + XSR_STREAM_BATCH * XS_RECORD_FULL_SIZE];
static u8 *const batch = chunk + 8;
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

/* Send chunk[]: its header, then length bytes of payload already at chunk + 8. */
static void chunk_send(u32 type, u32 length)
{
	put_u32(chunk, type);
	put_u32(chunk + 4, length);
	stream_write(chunk, 8 + length);
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
	u8 meta[8 + 512];

	if (kl + 1 + vl + 1 > sizeof(meta) - 8)
		vl = (u32)sizeof(meta) - 8 - kl - 2; /* keys are short; a value this long is cut */
	put_u32(meta, CHUNK_META);
	put_u32(meta + 4, kl + 1 + vl + 1);
	kvmx_memcpy(meta + 8, key, kl + 1);
	kvmx_memcpy(meta + 8 + kl + 1, value, vl);
	meta[8 + kl + 1 + vl] = 0;
	stream_write(meta, 8 + kl + 1 + vl + 1);
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
	chunk_send(CHUNK_RECORDS, batch_bytes);
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
	xsr_stream_flush();
	put_u64(batch, written);
	put_u64(batch + 8, dropped);
	chunk_send(CHUNK_END, 16);
}

u64 xsr_stream_written(void)
{
	return written;
}
