// SPDX-License-Identifier: MIT
#include "collector/filter.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "decoder/decoder.h"

static const char *const tp_names[XS_TP_COUNT] = {
	[XS_TP_EXIT] = "kvm_exit",
	[XS_TP_ENTRY] = "kvm_entry",
	[XS_TP_PIO] = "kvm_pio",
	[XS_TP_MMIO] = "kvm_mmio",
	[XS_TP_MSR] = "kvm_msr",
	[XS_TP_CR] = "kvm_cr",
	[XS_TP_CPUID] = "kvm_cpuid",
	[XS_TP_HYPERCALL] = "kvm_hypercall",
	[XS_TP_USERSPACE_EXIT] = "kvm_userspace_exit",
	[XS_TP_INJ_EXCEPTION] = "kvm_inj_exception",
	[XS_TP_PAGE_FAULT] = "kvm_page_fault",
	[XS_TP_EMULATE_INSN] = "kvm_emulate_insn",
	[XS_TP_NESTED_VMEXIT] = "kvm_nested_vmexit",
};

const char *xs_col_tp_name(unsigned int tp)
{
	return tp < XS_TP_COUNT ? tp_names[tp] : NULL;
}

/* The next comma-separated item of *p, trimmed, into buf; false at the end. */
static bool next_item(const char **p, char *buf, size_t len, bool *too_long)
{
	const char *s = *p;
	*too_long = false;
	if (!*s)
		return false;
	const char *end = strchr(s, ',');
	size_t n = end ? (size_t)(end - s) : strlen(s);
	*p = end ? end + 1 : s + n;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len) {
		*too_long = true;
		n = len - 1;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	return true;
}

static void set_bit(uint32_t *words, uint32_t bit)
{
	words[bit / 32] |= 1u << (bit % 32);
}

static int add_reason(struct xs_col_filter *f, unsigned int isa, uint32_t reason, const char *item, char *err,
		      size_t errlen)
{
	switch (isa) {
	case XS_ISA_VMX:
		if (XS_VMX_BASIC_REASON(reason) >= XS_BPF_VMX_WORDS * 32) {
			snprintf(err, errlen, "reason '%s': VMX basic reason %u is out of range", item,
				 XS_VMX_BASIC_REASON(reason));
			return -1;
		}
		set_bit(f->vmx, XS_VMX_BASIC_REASON(reason));
		return 0;
	case XS_ISA_SVM:
		if (reason < XS_BPF_SVM_WORDS * 32) {
			set_bit(f->svm, reason);
			return 0;
		}
		if (f->nsvm_extra == XS_ARRAY_SIZE(f->svm_extra)) {
			snprintf(err, errlen, "reason '%s': too many SVM codes above 0x%x", item,
				 XS_BPF_SVM_WORDS * 32);
			return -1;
		}
		f->svm_extra[f->nsvm_extra++] = reason;
		f->svm_other = true;
		return 0;
	case XS_ISA_HOST_EVENT:
		if (reason == 0 || reason >= XS_HEV_COUNT) {
			snprintf(err, errlen, "reason '%s': host event %u does not exist", item, reason);
			return -1;
		}
		f->host |= 1u << reason;
		return 0;
	}
	snprintf(err, errlen, "reason '%s': the collector records vmx, svm and host reasons only", item);
	return -1;
}

static bool is_number(const char *s)
{
	uint64_t v;
	return xs_parse_u64(s, &v);
}

static int parse_reason_item(struct xs_col_filter *f, const char *item, char *err, size_t errlen)
{
	static const unsigned int isas[] = {XS_ISA_VMX, XS_ISA_SVM, XS_ISA_HOST_EVENT};
	const char *colon = strchr(item, ':');
	if (colon) {
		char isa_name[16];
		size_t n = (size_t)(colon - item);
		uint8_t isa;
		if (n == 0 || n >= sizeof(isa_name)) {
			snprintf(err, errlen, "reason '%s': expected ISA:REASON with ISA vmx, svm or host", item);
			return -1;
		}
		memcpy(isa_name, item, n);
		isa_name[n] = 0;
		if (!xs_isa_from_name(isa_name, &isa)) {
			snprintf(err, errlen, "reason '%s': unknown isa '%s' (vmx, svm or host)", item, isa_name);
			return -1;
		}
		uint32_t reason;
		if (!colon[1] || !xs_reason_parse(isa, colon + 1, &reason)) {
			snprintf(err, errlen, "reason '%s': no %s reason '%s'", item, xs_isa_name(isa), colon + 1);
			return -1;
		}
		return add_reason(f, isa, reason, item, err, errlen);
	}
	if (is_number(item)) {
		snprintf(err, errlen, "reason '%s': a number needs its isa (vmx:%s, svm:%s or host:%s)", item, item,
			 item, item);
		return -1;
	}
	bool found = false;
	for (size_t i = 0; i < XS_ARRAY_SIZE(isas); i++) {
		uint32_t reason;
		if (xs_reason_parse(isas[i], item, &reason)) {
			if (add_reason(f, isas[i], reason, item, err, errlen))
				return -1;
			found = true;
		}
	}
	if (!found) {
		snprintf(err, errlen, "unknown exit reason '%s' (see exitscope decode --list)", item);
		return -1;
	}
	return 0;
}

int xs_col_parse_reasons(const char *list, struct xs_col_filter *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	if (!list || !*list) {
		snprintf(err, errlen, "empty reason list");
		return -1;
	}
	char item[96];
	bool too_long;
	const char *p = list;
	while (next_item(&p, item, sizeof(item), &too_long)) {
		if (too_long) {
			snprintf(err, errlen, "reason '%s...' is too long", item);
			return -1;
		}
		if (!*item) {
			snprintf(err, errlen, "empty item in reason list '%s'", list);
			return -1;
		}
		if (parse_reason_item(f, item, err, errlen))
			return -1;
	}
	f->by_reason = true;
	return 0;
}

static int tp_from_name(const char *name)
{
	const char *bare = strncmp(name, "kvm_", 4) ? name : name + 4;
	for (int t = 0; t < XS_TP_COUNT; t++) {
		if (!strcmp(tp_names[t] + 4, bare))
			return t;
	}
	return -1;
}

int xs_col_parse_events(const char *list, uint32_t *events, char *err, size_t errlen)
{
	if (!list || !*list) {
		snprintf(err, errlen, "empty event list");
		return -1;
	}
	uint32_t set = 0, add = 0, remove = 0;
	bool absolute = false;
	char item[48];
	bool too_long;
	const char *p = list;
	while (next_item(&p, item, sizeof(item), &too_long)) {
		char sign = item[0] == '+' || item[0] == '-' ? item[0] : 0;
		const char *name = sign ? item + 1 : item;
		uint32_t bits;
		if (!strcmp(name, "all")) {
			bits = XS_TP_ALL;
		} else {
			int t = too_long ? -1 : tp_from_name(name);
			if (t < 0) {
				snprintf(
					err, errlen,
					"unknown event '%s' (exit entry pio mmio msr cr cpuid hypercall userspace_exit "
					"inj_exception page_fault emulate_insn nested_vmexit, or all)",
					name);
				return -1;
			}
			bits = XS_TP_BIT(t);
		}
		if (sign == '+')
			add |= bits;
		else if (sign == '-')
			remove |= bits;
		else {
			set |= bits;
			absolute = true;
		}
	}
	uint32_t result = ((absolute ? set : XS_TP_DEFAULT) | add) & ~remove;
	if (!result) {
		snprintf(err, errlen, "event list '%s' leaves no event", list);
		return -1;
	}
	*events = result;
	return 0;
}

bool xs_col_reason_ok(const struct xs_col_filter *f, unsigned int isa, uint32_t reason)
{
	if (!f || !f->by_reason)
		return true;
	switch (isa) {
	case XS_ISA_VMX: {
		uint32_t b = XS_VMX_BASIC_REASON(reason);
		return b < XS_BPF_VMX_WORDS * 32 && (f->vmx[b / 32] >> (b % 32)) & 1;
	}
	case XS_ISA_SVM:
		if (reason < XS_BPF_SVM_WORDS * 32)
			return (f->svm[reason / 32] >> (reason % 32)) & 1;
		for (unsigned int i = 0; i < f->nsvm_extra; i++) {
			if (f->svm_extra[i] == reason)
				return true;
		}
		return false;
	case XS_ISA_HOST_EVENT:
		return reason < 32 && (f->host >> reason) & 1;
	}
	return false;
}

void xs_col_events_text(uint32_t events, char *buf, size_t len)
{
	size_t used = 0;
	if (len)
		buf[0] = 0;
	for (int t = 0; t < XS_TP_COUNT; t++) {
		if (!(events & XS_TP_BIT(t)))
			continue;
		int n = snprintf(buf + used, len > used ? len - used : 0, "%s%s", used ? "," : "", tp_names[t]);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}
