// SPDX-License-Identifier: MIT
/* Decode requests: parsing and rendering (see request.h). Freestanding. */
#include "decoder/request.h"
#include "decoder/render.h"
#include "decoder/strings.h"

/* The offending token, quoted: at most 40 bytes, printable ASCII only. */
static void quote_token(struct xs_writer *w, const char *tok, size_t toklen)
{
	size_t n = toklen < 40 ? toklen : 40;
	xs_w_str(w, " '");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tok[i];
		xs_w_ch(w, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (toklen > 40)
		xs_w_str(w, "...");
	xs_w_ch(w, '\'');
}

/* err = msg, then the token if there is one. */
static enum xs_request_status fail(char *err, size_t errlen, const char *msg, const char *tok, size_t toklen)
{
	struct xs_writer w;
	xs_w_init(&w, err, errlen);
	xs_w_str(&w, msg);
	if (tok)
		quote_token(&w, tok, toklen);
	xs_w_finish(&w);
	return XS_REQUEST_ERROR;
}

/* "unknown vmx reason 'FOO'" */
static enum xs_request_status fail_reason(char *err, size_t errlen, unsigned int isa, const char *tok, size_t toklen)
{
	struct xs_writer w;
	xs_w_init(&w, err, errlen);
	xs_w_str(&w, "unknown ");
	xs_w_str(&w, xs_isa_name(isa));
	xs_w_str(&w, " reason");
	quote_token(&w, tok, toklen);
	xs_w_finish(&w);
	return XS_REQUEST_ERROR;
}

/* A number (decimal or 0x) that fits in max; tok is NUL-terminated. */
static bool number(const char *tok, uint64_t max, uint64_t *out)
{
	uint64_t v;
	if (!xs_str_to_u64(tok, &v) || v > max)
		return false;
	*out = v;
	return true;
}

static bool isa_token(const char *tok, unsigned int *isa)
{
	/* Names only: a bare number here would be ambiguous with a reason number. */
	static const char *const names[] = {0, "vmx", "svm", "kvm", "host"};
	for (unsigned int i = 1; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!xs_strcasecmp(tok, names[i])) {
			*isa = i;
			return true;
		}
	}
	return false;
}

/* key=value: the keys request.h lists. */
static enum xs_request_status key_value(const char *tok, size_t len, struct xs_request *req, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		uint64_t max;
	} keys[] = {
		{"vector", 255},      {"intr_info", 0xffffffffu}, {"error_code", 0xffffffffu}, {"info2", UINT64_MAX},
		{"idt", 0xffffffffu}, {"idt_error", 0xffffffffu}, {"gpa", UINT64_MAX},	       {"gla", UINT64_MAX},
	};
	size_t eq = 0;
	while (tok[eq] != '=')
		eq++;
	for (unsigned int k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t kl = xs_strlen(keys[k].key);
		if (kl != eq || xs_strncasecmp(tok, keys[k].key, kl))
			continue;
		uint64_t v;
		if (!number(tok + eq + 1, keys[k].max, &v))
			return fail(err, errlen, "bad value in", tok, len);
		struct xs_decode_input *in = &req->in;
		switch (k) {
		case 0:
			in->vector = (int)v;
			break;
		case 1:
			in->intr_info = (uint32_t)v;
			in->have |= XS_IN_INTR_INFO;
			break;
		case 2:
			in->error_code = (uint32_t)v;
			in->have |= XS_IN_ERROR_CODE;
			break;
		case 3:
			in->info2 = v;
			break;
		case 4:
			in->idt_vectoring_info = (uint32_t)v;
			in->have |= XS_IN_IDT;
			break;
		case 5:
			in->idt_vectoring_error = (uint32_t)v;
			break;
		case 6:
			in->gpa = v;
			in->have |= XS_IN_GPA;
			break;
		default:
			in->gla = v;
			in->have |= XS_IN_GLA;
			break;
		}
		return XS_REQUEST_OK;
	}
	return fail(err, errlen, "unknown key in", tok, len);
}

enum xs_request_status xs_request_parse_tokens(const char *const *tok, const size_t *toklen, size_t n,
					       unsigned int default_isa, struct xs_request *req, char *err,
					       size_t errlen)
{
	struct xs_request zero = {.in = {.vector = -1}};
	*req = zero;
	if (n == 0)
		return XS_REQUEST_EMPTY;
	char buf[XS_REQUEST_MAX_TOKEN + 1];
	unsigned int isa = default_isa;
	bool have_reason = false;
	for (size_t i = 0; i < n; i++) {
		if (toklen[i] > XS_REQUEST_MAX_TOKEN)
			return fail(err, errlen, "token too long:", tok[i], toklen[i]);
		for (size_t j = 0; j < toklen[i]; j++) {
			if (!tok[i][j])
				return fail(err, errlen, "NUL byte in", tok[i], toklen[i]);
			buf[j] = tok[i][j];
		}
		buf[toklen[i]] = 0;
		unsigned int named;
		if (i == 0 && isa_token(buf, &named)) {
			isa = named;
			continue;
		}
		if (!isa)
			return fail(err, errlen, "expected an isa (vmx, svm, kvm or host) before", tok[i], toklen[i]);
		bool is_kv = false;
		for (size_t j = 0; j < toklen[i]; j++)
			is_kv |= buf[j] == '=';
		if (is_kv) {
			if (!have_reason)
				return fail(err, errlen, "expected a reason before", tok[i], toklen[i]);
			if (key_value(buf, toklen[i], req, err, errlen) != XS_REQUEST_OK)
				return XS_REQUEST_ERROR;
		} else if (!have_reason) {
			if (!xs_reason_parse(isa, buf, &req->in.reason))
				return fail_reason(err, errlen, isa, tok[i], toklen[i]);
			have_reason = true;
		} else if (!req->has_qualification) {
			if (!number(buf, UINT64_MAX, &req->in.qualification))
				return fail(err, errlen, "bad qualification", tok[i], toklen[i]);
			req->has_qualification = true;
		} else {
			return fail(err, errlen, "unexpected", tok[i], toklen[i]);
		}
	}
	if (!have_reason)
		return fail(err, errlen, "missing reason", 0, 0);
	req->in.isa = (uint8_t)isa;
	return XS_REQUEST_OK;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

enum xs_request_status xs_request_parse_line(const char *line, size_t len, unsigned int default_isa,
					     struct xs_request *req, char *err, size_t errlen)
{
	const char *tok[XS_REQUEST_MAX_TOKENS];
	size_t toklen[XS_REQUEST_MAX_TOKENS];
	size_t n = 0, i = 0;
	while (i < len) {
		while (i < len && is_space(line[i]))
			i++;
		if (i == len)
			break;
		if (n == 0 && line[i] == '#')
			break; /* a comment line */
		if (n == XS_REQUEST_MAX_TOKENS)
			return fail(err, errlen, "too many words", 0, 0);
		size_t start = i;
		while (i < len && !is_space(line[i]))
			i++;
		tok[n] = line + start;
		toklen[n++] = i - start;
	}
	return xs_request_parse_tokens(tok, toklen, n, default_isa, req, err, errlen);
}

void xs_request_render_json(struct xs_writer *w, const struct xs_request *req, const struct xs_decoded *d)
{
	xs_w_str(w, "{\"isa\":\"");
	xs_w_str(w, xs_isa_name(d->isa));
	xs_w_str(w, "\",\"reason\":");
	xs_w_u64(w, d->reason);
	if (d->basic_reason != d->reason) {
		xs_w_str(w, ",\"basic_reason\":");
		xs_w_u64(w, d->basic_reason);
	}
	xs_w_str(w, ",\"name\":");
	if (d->name) {
		xs_w_ch(w, '"');
		xs_w_str(w, d->name);
		xs_w_ch(w, '"');
	} else {
		xs_w_str(w, "null");
	}
	xs_w_str(w, ",\"qualification\":\"");
	xs_w_hex(w, req->in.qualification);
	xs_w_ch(w, '"');
	if (req->in.info2) {
		xs_w_str(w, ",\"info2\":\"");
		xs_w_hex(w, req->in.info2);
		xs_w_ch(w, '"');
	}
	xs_w_str(w, ",\"format\":");
	if (d->format) {
		xs_w_ch(w, '"');
		xs_w_str(w, d->format);
		xs_w_ch(w, '"');
	} else {
		xs_w_str(w, "null");
	}
	xs_w_str(w, ",\"fields\":");
	xs_render_fields_json(w, d);
	xs_w_ch(w, '}');
}

void xs_request_render_text(struct xs_writer *w, const struct xs_request *req, const struct xs_decoded *d)
{
	xs_w_str(w, xs_isa_name(d->isa));
	xs_w_ch(w, ' ');
	xs_render_reason_name(w, d->isa, d->basic_reason, d->name);
	xs_w_ch(w, '(');
	xs_w_u64(w, d->basic_reason);
	xs_w_str(w, ") qual=");
	xs_w_hex(w, req->in.qualification);
	if (req->in.info2) {
		xs_w_str(w, " info2=");
		xs_w_hex(w, req->in.info2);
	}
	if (d->format) {
		xs_w_ch(w, ' ');
		xs_w_str(w, d->format);
		xs_w_ch(w, ':');
	}
	if (d->nfields || d->dropped_fields) {
		xs_w_ch(w, ' ');
		xs_render_fields_text(w, d);
	}
}

void xs_request_render_error_json(struct xs_writer *w, unsigned long lineno, const char *msg, const char *line,
				  size_t len)
{
	xs_w_str(w, "{\"line\":");
	xs_w_u64(w, lineno);
	xs_w_str(w, ",\"error\":");
	xs_w_json_str(w, msg, xs_strlen(msg));
	xs_w_str(w, ",\"input\":");
	xs_w_json_str(w, line, len);
	xs_w_ch(w, '}');
}
