/* SPDX-License-Identifier: MIT */
/*
 * Decode requests: what `exitscope decode` reads, from its command line or, in batch mode, one per input line:
 *
 *     [ISA] REASON [QUALIFICATION] [key=value ...]
 *
 * ISA is vmx, svm, kvm or host (optional when the caller supplies a default); REASON a name (uapi prefix
 * optional, any case) or a number (decimal or 0x); QUALIFICATION a number. Keys: vector=N (the exception
 * vector of a VMX EXCEPTION_NMI exit), intr_info=X, error_code=X, info2=X (SVM EXITINFO2), idt=X and
 * idt_error=X (VMX IDT-vectoring information), gpa=X, gla=X.
 *
 * Every line is outside input: parsing never reads past `len`, allocates nothing, and reports the first
 * problem as one message. Freestanding (decoder/writer.h).
 */
#ifndef EXITSCOPE_DECODER_REQUEST_H
#define EXITSCOPE_DECODER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "decoder/decoder.h"
#include "decoder/writer.h"

#define XS_REQUEST_MAX_TOKENS 16
#define XS_REQUEST_MAX_TOKEN 64 /* longest token accepted, in bytes */

enum xs_request_status {
	XS_REQUEST_OK = 0,
	XS_REQUEST_EMPTY = 1, /* blank line or '#' comment: nothing to decode */
	XS_REQUEST_ERROR = 2, /* err holds the reason */
};

struct xs_request {
	struct xs_decode_input in;
	bool has_qualification;
};

/* Parse tokens (argv-style, each tok[i] of toklen[i] bytes, not necessarily NUL-terminated). default_isa 0:
 * the first token must name the isa. */
enum xs_request_status xs_request_parse_tokens(const char *const *tok, const size_t *toklen, size_t n,
					       unsigned int default_isa, struct xs_request *req, char *err,
					       size_t errlen);

/* Parse one line (no newline needed; a trailing \r is ignored). */
enum xs_request_status xs_request_parse_line(const char *line, size_t len, unsigned int default_isa,
					     struct xs_request *req, char *err, size_t errlen);

/* {"isa":"vmx","reason":28,"name":"CR_ACCESS","qualification":"0x3","format":"cr_access","fields":{...}} */
void xs_request_render_json(struct xs_writer *w, const struct xs_request *req, const struct xs_decoded *d);
/* vmx CR_ACCESS(28) qual=0x3 cr_access: cr=3 access_type=MOV_TO_CR gpr=RAX */
void xs_request_render_text(struct xs_writer *w, const struct xs_request *req, const struct xs_decoded *d);
/* {"line":3,"error":"unknown vmx reason 'FOO'","input":"vmx FOO"} */
void xs_request_render_error_json(struct xs_writer *w, unsigned long lineno, const char *msg, const char *line,
				  size_t len);

#endif
