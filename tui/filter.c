// SPDX-License-Identifier: MIT
#include "tui/filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "decoder/decoder.h"

/* Isas to look a reason name up in: the ones seen first, then the rest. */
static const uint8_t isa_order[] = {XS_ISA_VMX, XS_ISA_SVM, XS_ISA_KVM, XS_ISA_HOST_EVENT};

static bool parse_reason(const char *spec, const struct tui_filter_ctx *ctx, uint8_t *isa, uint32_t *reason, char *err,
			 size_t errlen)
{
	const char *colon = strchr(spec, ':');
	if (colon) {
		char name[16];
		size_t n = (size_t)(colon - spec);
		if (n >= sizeof(name) || !n) {
			snprintf(err, errlen, "filter: unknown isa in '%s' (vmx, svm, kvm or host)", spec);
			return false;
		}
		memcpy(name, spec, n);
		name[n] = 0;
		if (!xs_isa_from_name(name, isa) || *isa == XS_ISA_UNKNOWN) {
			snprintf(err, errlen, "filter: unknown isa '%s' (vmx, svm, kvm or host)", name);
			return false;
		}
		if (!xs_reason_parse(*isa, colon + 1, reason)) {
			snprintf(err, errlen, "filter: '%s' is not a %s exit reason", colon + 1, xs_isa_name(*isa));
			return false;
		}
		return true;
	}
	/* Without an isa: a match among the isas seen wins; it must be unique there (or, if none was seen with
	 * it, among all isas). */
	for (int pass = 0; pass < 2; pass++) {
		int found = 0;
		for (size_t i = 0; i < XS_ARRAY_SIZE(isa_order); i++) {
			uint8_t candidate = isa_order[i];
			bool seen = ctx && (ctx->isa_seen & (1u << candidate));
			uint32_t code;
			if (seen != (pass == 0) || !xs_reason_parse(candidate, spec, &code))
				continue;
			if (found++) {
				snprintf(err, errlen, "filter: reason '%s' is ambiguous (%s or %s): write isa:%s", spec,
					 xs_isa_name(*isa), xs_isa_name(candidate), spec);
				return false;
			}
			*isa = candidate;
			*reason = code;
		}
		if (found)
			return true;
	}
	snprintf(err, errlen, "filter: '%s' is not an exit reason of vmx, svm, kvm or host events", spec);
	return false;
}

static bool parse_u32(const char *what, const char *v, uint32_t *out, char *err, size_t errlen)
{
	uint64_t n;
	if (!xs_parse_range(v, 0, UINT32_MAX, &n)) {
		snprintf(err, errlen, "filter: %s '%s' is not a number up to %u", what, v, UINT32_MAX);
		return false;
	}
	*out = (uint32_t)n;
	return true;
}

static void append(char *buf, size_t len, const char *fmt, ...) XS_PRINTF(3, 4);
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used && used + 1 < len)
		buf[used++] = ' ', buf[used] = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static bool apply_term(char *term, const struct tui_filter_ctx *ctx, struct tui_filter *f, char *err, size_t errlen)
{
	char *eq = strchr(term, '=');
	const char *key = eq ? term : "reason", *value = eq ? eq + 1 : term;
	if (eq)
		*eq = 0;
	if (!*value) {
		snprintf(err, errlen, "filter: '%s=' needs a value", key);
		return false;
	}
	if (!strcmp(key, "pid")) {
		f->agg.by_pid = true;
		return parse_u32("pid", value, &f->agg.pid, err, errlen);
	}
	if (!strcmp(key, "vcpu")) {
		f->agg.by_vcpu = true;
		return parse_u32("vcpu", value, &f->agg.vcpu, err, errlen);
	}
	if (!strcmp(key, "vm")) {
		uint64_t pid;
		if (xs_parse_range(value, 0, UINT32_MAX, &pid)) {
			f->agg.pid = (uint32_t)pid;
		} else if (!ctx || !ctx->vm_lookup) {
			snprintf(err, errlen, "filter: no VM names are known here: use vm=PID");
			return false;
		} else {
			err[0] = 0;
			if (!ctx->vm_lookup(ctx->arg, value, &f->agg.pid, err, errlen)) {
				if (!err[0])
					snprintf(err, errlen, "filter: no VM called '%s'", value);
				return false;
			}
			snprintf(f->vm, sizeof(f->vm), "%s", value);
		}
		f->agg.by_pid = true;
		return true;
	}
	if (!strcmp(key, "reason")) {
		f->agg.by_reason = true;
		return parse_reason(value, ctx, &f->agg.isa, &f->agg.reason, err, errlen);
	}
	snprintf(err, errlen, "filter: unknown term '%s' (pid=, vm=, vcpu=, reason=)", key);
	return false;
}

bool tui_filter_parse(const char *text, const struct tui_filter_ctx *ctx, struct tui_filter *out, char *err,
		      size_t errlen)
{
	struct tui_filter f;
	memset(&f, 0, sizeof(f));
	char buf[256];
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "filter: longer than %zu characters", sizeof(buf) - 1);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p >= 0x7f) {
			snprintf(err, errlen, "filter: unexpected character 0x%02x (names and numbers are ASCII)", *p);
			return false;
		}
	}
	snprintf(buf, sizeof(buf), "%s", text);
	char *save = NULL;
	for (char *term = strtok_r(buf, " \t,", &save); term; term = strtok_r(NULL, " \t,", &save)) {
		if (!apply_term(term, ctx, &f, err, errlen))
			return false;
	}
	if (f.agg.by_pid && f.vm[0])
		append(f.text, sizeof(f.text), "vm=%s(pid %u)", f.vm, f.agg.pid);
	else if (f.agg.by_pid)
		append(f.text, sizeof(f.text), "pid=%u", f.agg.pid);
	if (f.agg.by_vcpu)
		append(f.text, sizeof(f.text), "vcpu=%u", f.agg.vcpu);
	if (f.agg.by_reason) {
		/* A VMX name stands for the basic reason only: a code with flag bits (31 failed entry, ...) stays a
		 * number, so the text parses back to the same filter. */
		const char *name = xs_reason_name(f.agg.isa, f.agg.reason);
		uint32_t named;
		if (name && xs_reason_parse(f.agg.isa, name, &named) && named == f.agg.reason)
			append(f.text, sizeof(f.text), "reason=%s:%s", xs_isa_name(f.agg.isa), name);
		else
			append(f.text, sizeof(f.text), "reason=%s:0x%x", xs_isa_name(f.agg.isa), f.agg.reason);
	}
	*out = f;
	return true;
}

bool tui_filter_active(const struct tui_filter *f)
{
	return f->agg.by_pid || f->agg.by_vcpu || f->agg.by_reason;
}

bool tui_filter_match(const struct tui_filter *f, const struct xs_exit_record *r)
{
	if (f->agg.by_pid && r->pid != f->agg.pid)
		return false;
	if (f->agg.by_vcpu && r->vcpu != f->agg.vcpu)
		return false;
	if (f->agg.by_reason && (r->isa != f->agg.isa || r->reason != f->agg.reason))
		return false;
	return true;
}
