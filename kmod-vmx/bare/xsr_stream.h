/* SPDX-License-Identifier: MIT */
/*
 * The serial stream is itself a record file (common/xsr.h format): header, META chunks, RECORDS chunks,
 * END with the written and dropped counts. Whatever COM1 captured loads with `exitscope import` as is.
 * Records are batched into chunks of up to XSR_STREAM_BATCH records; a run cut short keeps every complete
 * chunk.
 */
#ifndef KVMX_BARE_XSR_STREAM_H
#define KVMX_BARE_XSR_STREAM_H

#include "kmod-vmx/core/types.h"

#define XSR_STREAM_BATCH 64

/* Where the stream goes: COM1 (serial_write) unless changed before xsr_stream_begin. */
void xsr_stream_set_writer(void (*write)(const void *buf, unsigned long n));
void xsr_stream_begin(void);
void xsr_stream_meta(const char *key, const char *value);
void xsr_stream_metaf(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xsr_stream_record(const struct xs_exit_record *r);
void xsr_stream_flush(void);
/* Flush and write END; dropped is what the producers lost (ring overflows). */
void xsr_stream_end(u64 dropped);
u64 xsr_stream_written(void);

#endif
