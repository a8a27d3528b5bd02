// SPDX-License-Identifier: MIT
/* The vmx.* keys: parsing, canonical text, and applying them to the core's struct kvmx_controls. */
#include "launcher/vmx_controls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "launcher/control_values.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

/* The and the SDM's longer spellings of the core's keys. */
static const struct {
	const char *alias, *key;
} aliases[] = {
	{"external_interrupt_exiting", "extint_exiting"},
	{"interrupt_window_exiting", "intr_window_exiting"},
	{"unconditional_io_exiting", "uncond_io_exiting"},
	{"descriptor_table_exiting", "desc_table_exiting"},
	{"rdtscp", "enable_rdtscp"},
	{"acknowledge_interrupt_on_exit", "ack_interrupt_on_exit"},
};

enum field {
	F_SWITCH,
	F_IO_BITMAP,
	F_MSR_READ,
	F_MSR_WRITE,
	F_EXCEPTIONS,
	F_CR0_MASK,
	F_CR0_SHADOW,
	F_CR4_MASK,
	F_CR4_SHADOW,
	F_CR3_TARGETS,
	F_PREEMPTION_TIMER,
	F_COUNT
};

static const struct {
	const char *key, *kind, *values;
	enum kvmx_ctl needs;
} fields[F_COUNT] = {
	[F_SWITCH] = {NULL, "switch", "on|off", KVMX_CTL_COUNT},
	[F_IO_BITMAP] = {"io_bitmap", "ports", "none|PORT[-PORT],... (at most 8 ranges)", KVMX_CTL_IO_BITMAPS},
	[F_MSR_READ] = {"msr_bitmap.read", "msrs", "none|MSR[-MSR],... (at most 16 MSRs with .write)",
			KVMX_CTL_MSR_BITMAPS},
	[F_MSR_WRITE] = {"msr_bitmap.write", "msrs", "none|MSR[-MSR],... (at most 16 MSRs with .read)",
			 KVMX_CTL_MSR_BITMAPS},
	[F_EXCEPTIONS] = {"exception_bitmap", "vectors", "none|de,db,nmi,bp,...,pf,... or 0-31", KVMX_CTL_COUNT},
	[F_CR0_MASK] = {"cr0_mask", "value", "32-bit mask: bits the host owns", KVMX_CTL_COUNT},
	[F_CR0_SHADOW] = {"cr0_shadow", "value", "32-bit read shadow", KVMX_CTL_COUNT},
	[F_CR4_MASK] = {"cr4_mask", "value", "32-bit mask: bits the host owns", KVMX_CTL_COUNT},
	[F_CR4_SHADOW] = {"cr4_shadow", "value", "32-bit read shadow", KVMX_CTL_COUNT},
	[F_CR3_TARGETS] = {"cr3_targets", "values", "none|CR3[,CR3...] (at most 4, as the CPU allows)", KVMX_CTL_COUNT},
	[F_PREEMPTION_TIMER] = {"preemption_timer", "value", "off|TICKS (32-bit, in TSC >> the CPU's rate)",
				KVMX_CTL_PREEMPTION_TIMER},
};

static const char *const vector_names[32] = {"de", "db", "nmi", "bp", "of", "br", "ud", "nm", "df", NULL, "ts",
					     "np", "ss", "gp",	"pf", NULL, "mf", "ac", "mc", "xm", "ve", "cp"};

static const char *canonical_key(const char *key, enum field *f, enum kvmx_ctl *ctl)
{
	for (size_t i = 0; i < XS_ARRAY_SIZE(aliases); i++)
		if (!strcmp(key, aliases[i].alias))
			key = aliases[i].key;
	for (int i = F_SWITCH + 1; i < F_COUNT; i++)
		if (!strcmp(key, fields[i].key)) {
			*f = (enum field)i;
			return fields[i].key;
		}
	if (!strcmp(key, "preemption_timer_value"))
		return NULL;
	if (kvmx_control_lookup(key, ctl)) {
		*f = F_SWITCH;
		return kvmx_control_info(*ctl)->key;
	}
	return NULL;
}

static int parse_u32(const char *v, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	if (!xs_parse_range(v, 0, max, out))
		return ERR("'%s' is not a number 0-0x%llx", v, (unsigned long long)max);
	return 0;
}

static int parse_vectors(const char *v, uint32_t *mask, char *err, size_t errlen)
{
	*mask = 0;
	if (!strcmp(v, "none"))
		return 0;
	char buf[XS_CTL_VMX_VALUE_MAX], *items[32];
	snprintf(buf, sizeof(buf), "%s", v);
	int n = xs_cv_split(buf, items, 32);
	if (n <= 0)
		return ERR("'%s': expected exception names or vectors 0-31", v);
	for (int i = 0; i < n; i++) {
		const char *it = items[i][0] == '#' ? items[i] + 1 : items[i];
		int vec = -1;
		for (int k = 0; k < 32; k++)
			if (vector_names[k] && !strcasecmp(it, vector_names[k]))
				vec = k;
		uint64_t num;
		if (vec < 0 && xs_parse_range(it, 0, 31, &num))
			vec = (int)num;
		if (vec < 0)
			return ERR("'%s' is not an exception name (de, db, nmi, bp, ..., pf) or a vector 0-31",
				   items[i]);
		*mask |= 1u << vec;
	}
	return 0;
}

static int format_vectors(uint32_t mask, char *buf, size_t len)
{
	if (!mask)
		return snprintf(buf, len, "none");
	size_t used = 0;
	buf[0] = 0;
	for (int k = 0; k < 32; k++)
		if (mask & (1u << k)) {
			if (vector_names[k])
				used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
							 vector_names[k]);
			else
				used += (size_t)snprintf(buf + used, len - used, "%s%d", used ? "," : "", k);
			if (used >= len)
				return (int)used;
		}
	return (int)used;
}

int xs_vmx_add_msrs(struct kvmx_controls *k, const struct xs_range_list *l, bool write, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < l->n; i++)
		for (uint64_t m = l->r[i].lo; m <= l->r[i].hi; m++) {
			unsigned int j;
			for (j = 0; j < k->n_msr && k->msr[j].msr != m; j++)
				;
			if (j == k->n_msr) {
				if (k->n_msr == KVMX_MAX_MSR_INTERCEPTS)
					return ERR("more than %d MSRs listed (the core's limit)",
						   KVMX_MAX_MSR_INTERCEPTS);
				k->msr[k->n_msr++] = (struct kvmx_msr_intercept){(u32)m, false, false};
			}
			if (write)
				k->msr[j].write = true;
			else
				k->msr[j].read = true;
		}
	k->msr_bitmaps = true;
	return 0;
}

/* Parse value for field f into k; canonical text into canon. */
static int apply_io_bitmap(struct kvmx_controls *k, const char *v, char *canon, size_t canonlen, char *err,
			   size_t errlen)
{
	struct xs_range_list rl;
	if (xs_cv_range_list(v, 0xffff, false, KVMX_MAX_IO_RANGES, &rl, err, errlen))
		return -1;
	k->io_bitmaps = rl.n > 0;
	k->n_io = rl.n;
	for (unsigned int i = 0; i < rl.n; i++)
		k->io[i] = (struct kvmx_io_range){(u16)rl.r[i].lo, (u32)(rl.r[i].hi - rl.r[i].lo + 1)};
	xs_cv_range_list_format(&rl, canon, canonlen);
	return 0;
}

static int apply_msrs(struct kvmx_controls *k, bool write, const char *v, char *canon, size_t canonlen, char *err,
		      size_t errlen)
{
	struct xs_range_list rl;
	if (xs_cv_range_list(v, UINT32_MAX, false, XS_CTL_MAX_RANGES, &rl, err, errlen))
		return -1;
	for (unsigned int i = 0; i < rl.n; i++)
		if (rl.r[i].hi - rl.r[i].lo >= KVMX_MAX_MSR_INTERCEPTS)
			return ERR("more than %d MSRs listed (the core's limit)", KVMX_MAX_MSR_INTERCEPTS);
	for (unsigned int i = 0; i < k->n_msr; i++) /* the key replaces its direction's earlier value */
		if (write)
			k->msr[i].write = false;
		else
			k->msr[i].read = false;
	if (xs_vmx_add_msrs(k, &rl, write, err, errlen))
		return -1;
	xs_cv_range_list_format(&rl, canon, canonlen);
	return 0;
}

static int apply_cr3_targets(struct kvmx_controls *k, const char *v, char *canon, size_t canonlen, char *err,
			     size_t errlen)
{
	k->cr3_target_count = 0;
	if (!strcmp(v, "none")) {
		snprintf(canon, canonlen, "none");
		return 0;
	}
	char buf[XS_CTL_VMX_VALUE_MAX], *items[8];
	snprintf(buf, sizeof(buf), "%s", v);
	int n = xs_cv_split(buf, items, 8);
	if (n <= 0 || n > KVMX_MAX_CR3_TARGETS)
		return ERR("'%s': give 1-%d CR3 values", v, KVMX_MAX_CR3_TARGETS);
	size_t used = 0;
	canon[0] = 0;
	for (int i = 0; i < n; i++) {
		uint64_t num;
		if (!xs_parse_range(items[i], 0, UINT64_MAX >> 12 << 12, &num) || (num & 0xfff))
			return ERR("'%s' is not a page-aligned CR3 value", items[i]);
		k->cr3_targets[k->cr3_target_count++] = num;
		used += (size_t)snprintf(canon + used, used < canonlen ? canonlen - used : 0, "%s0x%llx", i ? "," : "",
					 (unsigned long long)num);
	}
	return 0;
}

static int apply_preemption_timer(struct kvmx_controls *k, const char *v, char *canon, size_t canonlen, char *err,
				  size_t errlen)
{
	uint64_t num;
	if (!strcmp(v, "off")) {
		k->preemption_timer = false;
		snprintf(canon, canonlen, "off");
		return 0;
	}
	if (parse_u32(v, UINT32_MAX, &num, err, errlen))
		return -1;
	k->preemption_timer = true;
	k->preemption_timer_value = (u32)num;
	snprintf(canon, canonlen, "%llu", (unsigned long long)num);
	return 0;
}

static int apply_one(struct kvmx_controls *k, enum field f, enum kvmx_ctl ctl, const char *v, char *canon,
		     size_t canonlen, char *err, size_t errlen)
{
	uint64_t num;
	switch (f) {
	case F_SWITCH: {
		bool on;
		if (xs_cv_bool(v, &on, err, errlen))
			return -1;
		kvmx_control_set(k, ctl, on);
		snprintf(canon, canonlen, "%s", on ? "on" : "off");
		return 0;
	}
	case F_IO_BITMAP:
		return apply_io_bitmap(k, v, canon, canonlen, err, errlen);
	case F_MSR_READ:
	case F_MSR_WRITE:
		return apply_msrs(k, f == F_MSR_WRITE, v, canon, canonlen, err, errlen);
	case F_EXCEPTIONS: {
		uint32_t mask;
		if (parse_vectors(v, &mask, err, errlen))
			return -1;
		k->exception_bitmap = mask;
		format_vectors(mask, canon, canonlen);
		return 0;
	}
	case F_CR0_MASK:
	case F_CR0_SHADOW:
	case F_CR4_MASK:
	case F_CR4_SHADOW:
		if (parse_u32(v, UINT32_MAX, &num, err, errlen))
			return -1;
		*(f == F_CR0_MASK     ? &k->cr0_mask
		  : f == F_CR0_SHADOW ? &k->cr0_shadow
		  : f == F_CR4_MASK   ? &k->cr4_mask
				      : &k->cr4_shadow) = num;
		snprintf(canon, canonlen, "0x%llx", (unsigned long long)num);
		return 0;
	case F_CR3_TARGETS:
		return apply_cr3_targets(k, v, canon, canonlen, err, errlen);
	case F_PREEMPTION_TIMER:
		return apply_preemption_timer(k, v, canon, canonlen, err, errlen);
	case F_COUNT:
		break;
	}
	return ERR("internal: bad field");
}

int xs_vmx_control_set(struct xs_controls *c, const char *key, const char *value, char *err, size_t errlen)
{
	enum field f = F_COUNT;
	enum kvmx_ctl ctl = KVMX_CTL_COUNT;
	const char *canon_key = canonical_key(key, &f, &ctl);
	if (!canon_key)
		return ERR("unknown control 'vmx.%s' (`exitscope run --backend vmx --list-controls` lists them)", key);
	struct kvmx_controls scratch;
	memset(&scratch, 0, sizeof(scratch));
	char canon[XS_CTL_VMX_VALUE_MAX], msg[256];
	if (apply_one(&scratch, f, ctl, value, canon, sizeof(canon), msg, sizeof(msg)))
		return ERR("vmx.%s: %s", canon_key, msg);
	if (strlen(canon) >= sizeof(c->vmx[0].value) - 1)
		return ERR("vmx.%s: value too long", canon_key);
	unsigned int i;
	for (i = 0; i < c->n_vmx && strcmp(c->vmx[i].key, canon_key); i++)
		;
	if (i == c->n_vmx) {
		if (c->n_vmx == XS_CTL_MAX_VMX)
			return ERR("vmx.%s: more than %d vmx.* keys", canon_key, XS_CTL_MAX_VMX);
		c->n_vmx++;
	}
	/* Zero the slot first: a shorter value must not leave the old one's tail behind its NUL (controls are
	 * compared whole, e.g. by the fuzz target's round trip). */
	memset(&c->vmx[i], 0, sizeof(c->vmx[i]));
	snprintf(c->vmx[i].key, sizeof(c->vmx[i].key), "%s", canon_key);
	snprintf(c->vmx[i].value, sizeof(c->vmx[i].value), "%s", canon);
	return 0;
}

bool xs_vmx_control_given(const struct xs_controls *c, const char *key)
{
	for (unsigned int i = 0; i < c->n_vmx; i++)
		if (!strcmp(c->vmx[i].key, key))
			return true;
	return false;
}

int xs_vmx_controls_apply(const struct xs_controls *c, struct kvmx_controls *out, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < c->n_vmx; i++) {
		enum field f = F_COUNT;
		enum kvmx_ctl ctl = KVMX_CTL_COUNT;
		char canon[XS_CTL_VMX_VALUE_MAX], msg[256];
		if (!canonical_key(c->vmx[i].key, &f, &ctl) ||
		    apply_one(out, f, ctl, c->vmx[i].value, canon, sizeof(canon), msg, sizeof(msg)))
			return ERR("vmx.%s: %s", c->vmx[i].key, msg);
	}
	return 0;
}

const struct xs_vmx_key_info *xs_vmx_key(unsigned int i, struct xs_vmx_key_info *scratch, char *namebuf, size_t namelen)
{
	if (i == KVMX_CTL_PREEMPTION_TIMER)
		i++; /* vmx.preemption_timer takes the timer's value (or off) below */
	if (i < KVMX_CTL_COUNT) {
		snprintf(namebuf, namelen, "vmx.%s", kvmx_control_info((enum kvmx_ctl)i)->key);
		*scratch = (struct xs_vmx_key_info){namebuf, fields[F_SWITCH].kind, fields[F_SWITCH].values,
						    (enum kvmx_ctl)i};
		return scratch;
	}
	i -= KVMX_CTL_COUNT;
	if (i + 1 >= F_COUNT)
		return NULL;
	const int f = (int)i + 1;
	snprintf(namebuf, namelen, "vmx.%s", fields[f].key);
	*scratch = (struct xs_vmx_key_info){namebuf, fields[f].kind, fields[f].values, fields[f].needs};
	return scratch;
}
