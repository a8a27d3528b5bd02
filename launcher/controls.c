// SPDX-License-Identifier: MIT
/* The control spec's keys: parsing each key's value, and printing it back canonically. */
#include "launcher/controls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "common/util.h"
#include "launcher/control_values.h"
#include "launcher/vmx_controls.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)
#define VALUE_MAX 1024

struct key_def {
	const char *name;
	int (*set)(struct xs_controls *c, const char *v, char *err, size_t errlen);
	int (*format)(const struct xs_controls *c, char *buf, size_t len);
};

static int set_record_io(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return xs_cv_range_list(v, 0xffff, true, XS_CTL_MAX_RANGES, &c->record_io, err, errlen);
}

static int fmt_record_io(const struct xs_controls *c, char *buf, size_t len)
{
	return xs_cv_range_list_format(&c->record_io, buf, len);
}

static int set_record_mmio(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return xs_cv_range_list(v, UINT64_MAX, true, XS_CTL_MAX_RANGES, &c->record_mmio, err, errlen);
}

static int fmt_record_mmio(const struct xs_controls *c, char *buf, size_t len)
{
	return xs_cv_range_list_format(&c->record_mmio, buf, len);
}

static int set_guest_state(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "full") || !strcmp(v, "on"))
		c->guest_state = XS_GS_FULL;
	else if (!strcmp(v, "regs"))
		c->guest_state = XS_GS_REGS;
	else if (!strcmp(v, "off"))
		c->guest_state = XS_GS_OFF;
	else
		return ERR("'%s' is not full, regs or off", v);
	return 0;
}

static int fmt_guest_state(const struct xs_controls *c, char *buf, size_t len)
{
	static const char *const names[] = {"off", "regs", "full"};
	return snprintf(buf, len, "%s", names[c->guest_state]);
}

static int set_msr_list(struct xs_range_list *l, const char *v, char *err, size_t errlen)
{
	struct xs_range_list tmp;
	if (xs_cv_range_list(v, UINT32_MAX, false, XS_CTL_MAX_MSR_RANGES, &tmp, err, errlen))
		return -1;
	for (unsigned int i = 0; i < tmp.n; i++)
		if (tmp.r[i].hi - tmp.r[i].lo >= XS_CTL_MAX_MSR_SPAN)
			return ERR("MSR range 0x%llx-0x%llx spans more than %u MSRs (KVM's filter limit)",
				   (unsigned long long)tmp.r[i].lo, (unsigned long long)tmp.r[i].hi,
				   XS_CTL_MAX_MSR_SPAN);
	*l = tmp;
	return 0;
}

static int set_msr_read(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return set_msr_list(&c->msr_read, v, err, errlen);
}

static int fmt_msr_read(const struct xs_controls *c, char *buf, size_t len)
{
	return xs_cv_range_list_format(&c->msr_read, buf, len);
}

static int set_msr_write(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return set_msr_list(&c->msr_write, v, err, errlen);
}

static int fmt_msr_write(const struct xs_controls *c, char *buf, size_t len)
{
	return xs_cv_range_list_format(&c->msr_write, buf, len);
}

static int set_msr_unknown(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return xs_cv_bool(v, &c->msr_unknown, err, errlen);
}

static int fmt_bool(bool b, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", b ? "on" : "off");
}

static int fmt_msr_unknown(const struct xs_controls *c, char *buf, size_t len)
{
	return fmt_bool(c->msr_unknown, buf, len);
}

/* A comma list of names, each one bit; "none" is the empty set. */
static int set_flag_names(const char *v, const char *const *names, const unsigned int *bits, size_t n,
			  unsigned int *out, char *err, size_t errlen)
{
	if (!strcmp(v, "none")) {
		*out = 0;
		return 0;
	}
	char buf[VALUE_MAX];
	strcpy(buf, v);
	char *items[16];
	int count = xs_cv_split(buf, items, 16);
	if (count < 0)
		return ERR("too many items");
	unsigned int mask = 0;
	for (int i = 0; i < count; i++) {
		size_t j = 0;
		while (j < n && strcmp(items[i], names[j]))
			j++;
		if (j == n)
			return ERR("unknown item '%s'", items[i]);
		mask |= bits[j];
	}
	*out = mask;
	return 0;
}

static int fmt_flag_names(unsigned int mask, const char *const *names, const unsigned int *bits, size_t n, char *buf,
			  size_t len)
{
	if (!mask)
		return snprintf(buf, len, "none");
	size_t used = 0;
	for (size_t j = 0; j < n; j++)
		if (mask & bits[j])
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? "," : "",
						 names[j]);
	return (int)used;
}

static const char *const exit_names[] = {"hlt", "pause", "cstate", "mwait"};
static const unsigned int exit_bits[] = {XS_DISABLE_HLT, XS_DISABLE_PAUSE, XS_DISABLE_CSTATE, XS_DISABLE_MWAIT};

static int set_exits_disable(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return set_flag_names(v, exit_names, exit_bits, XS_ARRAY_SIZE(exit_names), &c->disable_exits, err, errlen);
}

static int fmt_exits_disable(const struct xs_controls *c, char *buf, size_t len)
{
	return fmt_flag_names(c->disable_exits, exit_names, exit_bits, XS_ARRAY_SIZE(exit_names), buf, len);
}

static int set_singlestep(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return xs_cv_bool(v, &c->singlestep, err, errlen);
}

static int fmt_singlestep(const struct xs_controls *c, char *buf, size_t len)
{
	return fmt_bool(c->singlestep, buf, len);
}

/*
 * "none" or a comma list of at most max items, each parsed by one() into out (item_size bytes apart). *n is
 * set only when every item parses.
 */
static int set_items(const char *v, unsigned int max, const char *what, size_t item_size,
		     int (*one)(const char *s, void *out, char *err, size_t errlen), void *out, unsigned int *n,
		     char *err, size_t errlen)
{
	uint8_t *tmp = xs_calloc(max, item_size);
	char buf[VALUE_MAX], *items[16];
	int count = 0, rc = 0;
	if (strcmp(v, "none")) {
		strcpy(buf, v);
		count = xs_cv_split(buf, items, (int)(max < 16 ? max : 16));
		if (count < 0)
			rc = ERR("more than %u %s", max, what);
		for (int i = 0; !rc && i < count; i++)
			rc = one(items[i], tmp + (size_t)i * item_size, err, errlen);
	}
	if (!rc) {
		memcpy(out, tmp, item_size * max); /* unused slots zeroed: equal lists compare equal */
		*n = (unsigned int)count;
	}
	free(tmp);
	return rc;
}

static int parse_hwbp(const char *s, void *out, char *err, size_t errlen)
{
	return xs_cv_hwbp(s, out, err, errlen);
}

static int set_hwbp(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return set_items(v, XS_CTL_MAX_HWBP, "breakpoints (x86 has 4 debug address registers)", sizeof(c->hwbp[0]),
			 parse_hwbp, c->hwbp, &c->n_hwbp, err, errlen);
}

static int fmt_list(unsigned int n, int (*one)(const void *item, char *buf, size_t len), const void *items,
		    size_t item_size, char *buf, size_t len)
{
	if (!n)
		return snprintf(buf, len, "none");
	size_t used = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, ",");
		used += (size_t)one((const char *)items + i * item_size, buf + used, used < len ? len - used : 0);
	}
	return (int)used;
}

static int one_hwbp(const void *item, char *buf, size_t len)
{
	return xs_hwbp_format(item, buf, len);
}

static int fmt_hwbp(const struct xs_controls *c, char *buf, size_t len)
{
	return fmt_list(c->n_hwbp, one_hwbp, c->hwbp, sizeof(c->hwbp[0]), buf, len);
}

static const char *const intercept_names[] = {"db", "bp"};
static const unsigned int intercept_bits[] = {XS_INTERCEPT_DB, XS_INTERCEPT_BP};

static int set_intercept(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return set_flag_names(v, intercept_names, intercept_bits, 2, &c->intercept, err, errlen);
}

static int fmt_intercept(const struct xs_controls *c, char *buf, size_t len)
{
	return fmt_flag_names(c->intercept, intercept_names, intercept_bits, 2, buf, len);
}

static int set_irq_window(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return xs_cv_bool(v, &c->irq_window, err, errlen);
}

static int fmt_irq_window(const struct xs_controls *c, char *buf, size_t len)
{
	return fmt_bool(c->irq_window, buf, len);
}

static int parse_inject(const char *s, void *out, char *err, size_t errlen)
{
	return xs_cv_inject(s, out, err, errlen);
}

static int set_inject(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	return set_items(v, XS_CTL_MAX_INJECT, "injections", sizeof(c->inject[0]), parse_inject, c->inject,
			 &c->n_inject, err, errlen);
}

static int one_inject(const void *item, char *buf, size_t len)
{
	return xs_inject_format(item, buf, len);
}

static int fmt_inject(const struct xs_controls *c, char *buf, size_t len)
{
	return fmt_list(c->n_inject, one_inject, c->inject, sizeof(c->inject[0]), buf, len);
}

static int set_readonly(struct xs_controls *c, const char *v, char *err, size_t errlen)
{
	struct xs_range_list tmp;
	if (xs_cv_range_list(v, UINT64_MAX, false, XS_CTL_MAX_READONLY, &tmp, err, errlen))
		return -1;
	for (unsigned int i = 0; i < tmp.n; i++)
		if ((tmp.r[i].lo & 0xfff) || ((tmp.r[i].hi + 1) & 0xfff))
			return ERR("range 0x%llx-0x%llx is not whole 4 KiB pages", (unsigned long long)tmp.r[i].lo,
				   (unsigned long long)tmp.r[i].hi);
	c->readonly = tmp;
	return 0;
}

static int fmt_readonly(const struct xs_controls *c, char *buf, size_t len)
{
	return xs_cv_range_list_format(&c->readonly, buf, len);
}

/* Indexed by enum xs_control_key; cpuid is handled apart (its keys carry the leaf). */
static const struct key_def keys[XS_CTL_COUNT] = {
	[XS_CTL_RECORD_IO] = {"record.io", set_record_io, fmt_record_io},
	[XS_CTL_RECORD_MMIO] = {"record.mmio", set_record_mmio, fmt_record_mmio},
	[XS_CTL_RECORD_GUEST_STATE] = {"record.guest_state", set_guest_state, fmt_guest_state},
	[XS_CTL_MSR_EXIT_READ] = {"msr.exit_read", set_msr_read, fmt_msr_read},
	[XS_CTL_MSR_EXIT_WRITE] = {"msr.exit_write", set_msr_write, fmt_msr_write},
	[XS_CTL_MSR_EXIT_UNKNOWN] = {"msr.exit_unknown", set_msr_unknown, fmt_msr_unknown},
	[XS_CTL_EXITS_DISABLE] = {"exits.disable", set_exits_disable, fmt_exits_disable},
	[XS_CTL_DEBUG_SINGLESTEP] = {"debug.singlestep", set_singlestep, fmt_singlestep},
	[XS_CTL_DEBUG_HWBP] = {"debug.hwbp", set_hwbp, fmt_hwbp},
	[XS_CTL_DEBUG_INTERCEPT] = {"debug.intercept", set_intercept, fmt_intercept},
	[XS_CTL_IRQ_WINDOW] = {"irq.window", set_irq_window, fmt_irq_window},
	[XS_CTL_INJECT] = {"inject", set_inject, fmt_inject},
	[XS_CTL_CPUID] = {"cpuid.LEAF[.SUBLEAF].REG", NULL, NULL},
	[XS_CTL_MEMORY_READONLY] = {"memory.readonly", set_readonly, fmt_readonly},
};

const char *xs_control_key_name(enum xs_control_key k)
{
	return (unsigned int)k < XS_CTL_COUNT ? keys[k].name : "?";
}

void xs_controls_init(struct xs_controls *c)
{
	memset(c, 0, sizeof(*c));
	c->record_io.all = true;
	c->record_mmio.all = true;
	c->guest_state = XS_GS_FULL;
}

void xs_controls_clear(struct xs_controls *c, enum xs_control_key k)
{
	struct xs_controls d;
	xs_controls_init(&d);
	switch (k) {
	case XS_CTL_RECORD_IO:
		c->record_io = d.record_io;
		break;
	case XS_CTL_RECORD_MMIO:
		c->record_mmio = d.record_mmio;
		break;
	case XS_CTL_RECORD_GUEST_STATE:
		c->guest_state = d.guest_state;
		break;
	case XS_CTL_MSR_EXIT_READ:
		c->msr_read = d.msr_read;
		break;
	case XS_CTL_MSR_EXIT_WRITE:
		c->msr_write = d.msr_write;
		break;
	case XS_CTL_MSR_EXIT_UNKNOWN:
		c->msr_unknown = false;
		break;
	case XS_CTL_EXITS_DISABLE:
		c->disable_exits = 0;
		break;
	case XS_CTL_DEBUG_SINGLESTEP:
		c->singlestep = false;
		break;
	case XS_CTL_DEBUG_HWBP:
		c->n_hwbp = 0;
		break;
	case XS_CTL_DEBUG_INTERCEPT:
		c->intercept = 0;
		break;
	case XS_CTL_IRQ_WINDOW:
		c->irq_window = false;
		break;
	case XS_CTL_INJECT:
		c->n_inject = 0;
		break;
	case XS_CTL_CPUID:
		c->n_cpuid = 0;
		break;
	case XS_CTL_MEMORY_READONLY:
		c->readonly = d.readonly;
		break;
	default:
		return;
	}
	c->given &= ~(1u << k);
}

static const char *const reg_names[] = {"eax", "ebx", "ecx", "edx"};

/* key "cpuid.LEAF[.SUBLEAF].REG" */
static int set_cpuid(struct xs_controls *c, const char *key, const char *v, char *err, size_t errlen)
{
	char buf[64];
	if (strlen(key) >= sizeof(buf))
		return ERR("%s: unknown control (cpuid.LEAF[.SUBLEAF].REG)", key);
	strcpy(buf, key + strlen("cpuid."));
	char *parts[4] = {buf, NULL, NULL, NULL};
	int n = 1;
	for (char *p = buf; (p = strchr(p, '.')) && n < 4; p++) {
		*p = 0;
		parts[n++] = p + 1;
	}
	if (n < 2 || n > 3 || strchr(parts[n - 1], '.'))
		return ERR("%s: unknown control (cpuid.LEAF[.SUBLEAF].REG)", key);
	struct xs_cpuid_override o;
	memset(&o, 0, sizeof(o));
	uint64_t leaf, sub = 0;
	if (!xs_parse_range(parts[0], 0, UINT32_MAX, &leaf))
		return ERR("%s: leaf '%s' is not a 32-bit number", key, parts[0]);
	if (n == 3 && !xs_parse_range(parts[1], 0, UINT32_MAX, &sub))
		return ERR("%s: subleaf '%s' is not a 32-bit number", key, parts[1]);
	size_t r = 0;
	while (r < 4 && strcmp(parts[n - 1], reg_names[r]))
		r++;
	if (r == 4)
		return ERR("%s: register '%s' is not eax, ebx, ecx or edx", key, parts[n - 1]);
	o.leaf = (uint32_t)leaf;
	o.subleaf = (uint32_t)sub;
	o.has_subleaf = n == 3;
	o.reg = (enum xs_cpuid_reg)r;
	bool remove = !strcmp(v, "none");
	uint64_t value = 0;
	if (!remove && !xs_parse_range(v, 0, UINT32_MAX, &value))
		return ERR("%s: '%s' is not a 32-bit number", key, v);
	o.value = (uint32_t)value;
	unsigned int i = 0;
	while (i < c->n_cpuid && !(c->cpuid[i].leaf == o.leaf && c->cpuid[i].subleaf == o.subleaf &&
				   c->cpuid[i].has_subleaf == o.has_subleaf && c->cpuid[i].reg == o.reg))
		i++;
	if (remove) {
		if (i < c->n_cpuid) {
			memmove(&c->cpuid[i], &c->cpuid[i + 1], (c->n_cpuid - i - 1) * sizeof(c->cpuid[0]));
			memset(&c->cpuid[--c->n_cpuid], 0, sizeof(c->cpuid[0]));
		}
	} else {
		if (i == c->n_cpuid && c->n_cpuid == XS_CTL_MAX_CPUID)
			return ERR("%s: more than %d cpuid overrides", key, XS_CTL_MAX_CPUID);
		c->cpuid[i] = o;
		c->n_cpuid += i == c->n_cpuid;
	}
	if (c->n_cpuid)
		c->given |= 1u << XS_CTL_CPUID;
	else
		c->given &= ~(1u << XS_CTL_CPUID);
	return 0;
}

int xs_controls_set(struct xs_controls *c, const char *key, const char *value, char *err, size_t errlen)
{
	if (strlen(value) >= VALUE_MAX)
		return ERR("%s: value longer than %d characters", key, VALUE_MAX - 1);
	if (!*value)
		return ERR("%s: empty value", key);
	if (!strncmp(key, "cpuid.", 6))
		return set_cpuid(c, key, value, err, errlen);
	if (!strncmp(key, "vmx.", 4))
		return xs_vmx_control_set(c, key + 4, value, err, errlen);
	for (unsigned int k = 0; k < XS_CTL_COUNT; k++) {
		if (!keys[k].set || strcmp(key, keys[k].name))
			continue;
		char msg[256];
		if (keys[k].set(c, value, msg, sizeof(msg)))
			return ERR("%s: %s", key, msg);
		c->given |= 1u << k;
		return 0;
	}
	return ERR("unknown control '%s' (docs/controls.md lists them)", key);
}

int xs_controls_parse_line(struct xs_controls *c, const char *line, char *err, size_t errlen)
{
	char buf[VALUE_MAX + 128];
	if (strlen(line) >= sizeof(buf))
		return ERR("line longer than %zu characters", sizeof(buf) - 1);
	strcpy(buf, line);
	char *hash = strchr(buf, '#');
	if (hash)
		*hash = 0;
	char *s = xs_cv_trim(buf);
	if (!*s)
		return 0;
	char *eq = strchr(s, '=');
	if (!eq)
		return ERR("'%s' is not KEY=VALUE", s);
	*eq = 0;
	char *key = xs_cv_trim(s), *value = xs_cv_trim(eq + 1);
	if (!*key)
		return ERR("missing key before '='");
	return xs_controls_set(c, key, value, err, errlen);
}

int xs_controls_parse_text(struct xs_controls *c, const char *text, size_t len, const char *origin, char *err,
			   size_t errlen)
{
	struct xs_controls tmp = *c;
	size_t start = 0;
	for (unsigned int lineno = 1; start < len; lineno++) {
		size_t end = start;
		while (end < len && text[end] != '\n')
			end++;
		char line[VALUE_MAX + 128];
		size_t n = end - start;
		if (n >= sizeof(line))
			return ERR("%s:%u: line longer than %zu characters", origin, lineno, sizeof(line) - 1);
		memcpy(line, text + start, n);
		line[n] = 0;
		if (memchr(line, 0, n))
			return ERR("%s:%u: NUL byte in a control file", origin, lineno);
		char msg[512];
		if (xs_controls_parse_line(&tmp, line, msg, sizeof(msg)))
			return ERR("%s:%u: %s", origin, lineno, msg);
		start = end + 1;
	}
	*c = tmp;
	return 0;
}

int xs_controls_load_file(struct xs_controls *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ERR("%s: %s", path, strerror(errno));
	size_t cap = 1u << 20;
	char *text = xs_malloc(cap + 1);
	size_t n = fread(text, 1, cap + 1, f);
	int rc;
	if (ferror(f))
		rc = ERR("%s: read error", path);
	else if (n > cap)
		rc = ERR("%s: larger than 1 MiB; not a control file", path);
	else
		rc = xs_controls_parse_text(c, text, n, path, err, errlen);
	fclose(f);
	free(text);
	return rc;
}

void xs_controls_visit(const struct xs_controls *c, void (*fn)(void *ctx, const char *key, const char *value),
		       void *ctx)
{
	char value[2048];
	for (unsigned int k = 0; k < XS_CTL_COUNT; k++) {
		if (!(c->given & (1u << k)) || !keys[k].format)
			continue;
		keys[k].format(c, value, sizeof(value));
		fn(ctx, keys[k].name, value);
	}
	for (unsigned int i = 0; i < c->n_vmx; i++) {
		char key[XS_CTL_VMX_KEY_MAX + 8];
		snprintf(key, sizeof(key), "vmx.%s", c->vmx[i].key);
		fn(ctx, key, c->vmx[i].value);
	}
	for (unsigned int i = 0; i < c->n_cpuid; i++) {
		const struct xs_cpuid_override *o = &c->cpuid[i];
		char key[64];
		if (o->has_subleaf)
			snprintf(key, sizeof(key), "cpuid.0x%x.0x%x.%s", o->leaf, o->subleaf, reg_names[o->reg]);
		else
			snprintf(key, sizeof(key), "cpuid.0x%x.%s", o->leaf, reg_names[o->reg]);
		snprintf(value, sizeof(value), "0x%x", o->value);
		fn(ctx, key, value);
	}
}
