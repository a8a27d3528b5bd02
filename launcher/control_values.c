// SPDX-License-Identifier: MIT
#include "launcher/control_values.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

char *xs_cv_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

int xs_cv_split(char *s, char **items, int max)
{
	int n = 0;
	for (char *p = s;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (n == max)
			return -1;
		items[n++] = xs_cv_trim(p);
		if (!comma)
			return n;
		p = comma + 1;
	}
}

int xs_cv_bool(const char *s, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = {"on", "1", "yes", "true"}, *const no[] = {"off", "0", "no", "false"};
	for (size_t i = 0; i < XS_ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return ERR("'%s' is not on or off", s);
}

static int parse_number(const char *s, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	if (!xs_parse_u64(s, out))
		return ERR("'%s' is not a number", s);
	if (*out > max)
		return ERR("%s is larger than 0x%llx", s, (unsigned long long)max);
	return 0;
}

static int parse_range(char *s, uint64_t max, struct xs_range *r, char *err, size_t errlen)
{
	char *sep = strpbrk(s, "-+");
	if (!sep) {
		if (parse_number(s, max, &r->lo, err, errlen))
			return -1;
		r->hi = r->lo;
		return 0;
	}
	char op = *sep;
	*sep = 0;
	char *a = xs_cv_trim(s), *b = xs_cv_trim(sep + 1);
	uint64_t second;
	if (parse_number(a, max, &r->lo, err, errlen))
		return -1;
	if (!xs_parse_u64(b, &second))
		return ERR("'%s' is not a number", b);
	if (op == '-') {
		if (second > max)
			return ERR("%s is larger than 0x%llx", b, (unsigned long long)max);
		if (second < r->lo)
			return ERR("range %s-%s ends before it starts", a, b);
		r->hi = second;
		return 0;
	}
	if (!second)
		return ERR("range %s+0 is empty", a);
	if (second - 1 > max - r->lo)
		return ERR("range %s+%s goes past 0x%llx", a, b, (unsigned long long)max);
	r->hi = r->lo + second - 1;
	return 0;
}

int xs_cv_range_list(const char *s, uint64_t max, bool allow_all, unsigned int max_ranges, struct xs_range_list *out,
		     char *err, size_t errlen)
{
	struct xs_range_list l;
	memset(&l, 0, sizeof(l));
	if (!strcmp(s, "all")) {
		if (!allow_all)
			return ERR("'all' is not allowed here; list the ranges");
		l.all = true;
		*out = l;
		return 0;
	}
	if (!strcmp(s, "none")) {
		*out = l;
		return 0;
	}
	char buf[1024];
	if (strlen(s) >= sizeof(buf))
		return ERR("list too long");
	strcpy(buf, s);
	char *items[XS_CTL_MAX_RANGES];
	int n = xs_cv_split(buf, items, (int)max_ranges);
	if (n < 0)
		return ERR("more than %u ranges", max_ranges);
	for (int i = 0; i < n; i++) {
		if (!*items[i])
			return ERR("empty item in list '%s'", s);
		if (parse_range(items[i], max, &l.r[i], err, errlen))
			return -1;
	}
	l.n = (unsigned int)n;
	*out = l;
	return 0;
}

int xs_cv_range_list_format(const struct xs_range_list *l, char *buf, size_t len)
{
	if (l->all)
		return snprintf(buf, len, "all");
	if (!l->n)
		return snprintf(buf, len, "none");
	size_t used = 0;
	for (unsigned int i = 0; i < l->n; i++) {
		int w;
		if (l->r[i].lo == l->r[i].hi)
			w = snprintf(buf + used, used < len ? len - used : 0, "%s0x%llx", i ? "," : "",
				     (unsigned long long)l->r[i].lo);
		else
			w = snprintf(buf + used, used < len ? len - used : 0, "%s0x%llx-0x%llx", i ? "," : "",
				     (unsigned long long)l->r[i].lo, (unsigned long long)l->r[i].hi);
		used += (size_t)w;
	}
	return (int)used;
}

bool xs_range_list_has(const struct xs_range_list *l, uint64_t v)
{
	if (l->all)
		return true;
	for (unsigned int i = 0; i < l->n; i++)
		if (v >= l->r[i].lo && v <= l->r[i].hi)
			return true;
	return false;
}

bool xs_range_list_overlaps(const struct xs_range_list *l, uint64_t lo, uint64_t hi)
{
	if (l->all)
		return true;
	for (unsigned int i = 0; i < l->n; i++)
		if (l->r[i].lo <= hi && lo <= l->r[i].hi)
			return true;
	return false;
}

static const struct {
	const char *unit;
	uint64_t ns;
} duration_units[] = {{"s", 1000000000}, {"ms", 1000000}, {"us", 1000}, {"ns", 1}};

int xs_cv_duration_ns(const char *s, uint64_t *out, char *err, size_t errlen)
{
	size_t digits = 0;
	while (isdigit((unsigned char)s[digits]))
		digits++;
	for (size_t i = 0; digits && digits <= 20 && i < XS_ARRAY_SIZE(duration_units); i++) {
		if (strcmp(s + digits, duration_units[i].unit))
			continue;
		char num[24];
		memcpy(num, s, digits);
		num[digits] = 0;
		uint64_t v;
		if (!xs_parse_u64(num, &v) || v > UINT64_MAX / duration_units[i].ns)
			return ERR("duration '%s' is too long", s);
		*out = v * duration_units[i].ns;
		return 0;
	}
	return ERR("'%s' is not a duration (a whole number and ns, us, ms or s)", s);
}

/* The largest unit that divides the duration exactly: 250us, not 250000ns. */
static int format_duration(uint64_t ns, char *buf, size_t len)
{
	size_t i = 0;
	while (i + 1 < XS_ARRAY_SIZE(duration_units) && ns % duration_units[i].ns)
		i++;
	return snprintf(buf, len, "%llu%s", (unsigned long long)(ns / duration_units[i].ns), duration_units[i].unit);
}

static bool vector_has_error_code(unsigned int v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static int parse_when(const char *s, struct xs_inject *in, char *err, size_t errlen)
{
	if (!strcmp(s, "hlt")) {
		in->when = XS_WHEN_HLT;
		return 0;
	}
	const char *colon = strchr(s, ':');
	if (!colon)
		return ERR("'%s' is not a schedule (hlt, exit:N, every:N, period:DURATION or io:PORT)", s);
	size_t kw = (size_t)(colon - s);
	const char *arg = colon + 1;
	if (kw == 6 && !strncmp(s, "period", 6)) {
		in->when = XS_WHEN_PERIOD;
		if (xs_cv_duration_ns(arg, &in->n, err, errlen))
			return -1;
		if (in->n < XS_CTL_MIN_PERIOD_NS)
			return ERR("period %s is shorter than 10us", arg);
		return 0;
	}
	if (kw == 2 && !strncmp(s, "io", 2)) {
		in->when = XS_WHEN_IO;
		return parse_number(arg, 0xffff, &in->n, err, errlen);
	}
	if (kw == 4 && !strncmp(s, "exit", 4))
		in->when = XS_WHEN_AT;
	else if (kw == 5 && !strncmp(s, "every", 5))
		in->when = XS_WHEN_EVERY;
	else
		return ERR("'%s' is not a schedule (hlt, exit:N, every:N, period:DURATION or io:PORT)", s);
	if (parse_number(arg, UINT64_MAX, &in->n, err, errlen))
		return -1;
	if (!in->n)
		return ERR("'%s': N must be at least 1", s);
	return 0;
}

int xs_cv_inject(const char *s, struct xs_inject *out, char *err, size_t errlen)
{
	char buf[128];
	if (strlen(s) >= sizeof(buf))
		return ERR("injection '%.20s...' too long", s);
	strcpy(buf, s);
	char *at = strchr(buf, '@');
	if (!at)
		return ERR("'%s' has no schedule (KIND[:VECTOR]@WHEN)", s);
	*at = 0;
	struct xs_inject in;
	memset(&in, 0, sizeof(in));
	char *what = xs_cv_trim(buf), *fields[3] = {what, NULL, NULL};
	for (int i = 1; i < 3; i++) {
		char *colon = fields[i - 1] ? strchr(fields[i - 1], ':') : NULL;
		if (colon) {
			*colon = 0;
			fields[i] = colon + 1;
		}
	}
	uint64_t v = 0;
	if (!strcmp(fields[0], "nmi")) {
		if (fields[1])
			return ERR("'%s': nmi takes no vector", s);
		in.kind = XS_INJ_NMI;
		in.vector = 2;
	} else if (!strcmp(fields[0], "irq")) {
		if (!fields[1] || fields[2])
			return ERR("'%s': irq needs exactly one vector (irq:VECTOR)", s);
		if (parse_number(fields[1], 255, &v, err, errlen))
			return -1;
		if (v < 32)
			return ERR("'%s': interrupt vectors are 32-255 (use exc: for exceptions)", s);
		in.kind = XS_INJ_IRQ;
		in.vector = (uint8_t)v;
	} else if (!strcmp(fields[0], "exc")) {
		if (!fields[1])
			return ERR("'%s': exc needs a vector (exc:VECTOR[:ERROR])", s);
		if (parse_number(fields[1], 31, &v, err, errlen))
			return -1;
		if (v == 2)
			return ERR("'%s': vector 2 is the NMI (use nmi@...)", s);
		in.kind = XS_INJ_EXC;
		in.vector = (uint8_t)v;
		in.has_error = vector_has_error_code((unsigned int)v);
		if (fields[2]) {
			if (!in.has_error)
				return ERR("'%s': exception %llu has no error code", s, (unsigned long long)v);
			uint64_t e;
			if (parse_number(fields[2], UINT32_MAX, &e, err, errlen))
				return -1;
			in.error_code = (uint32_t)e;
		}
	} else {
		return ERR("'%s': unknown kind '%s' (irq, nmi or exc)", s, fields[0]);
	}
	if (parse_when(xs_cv_trim(at + 1), &in, err, errlen))
		return -1;
	*out = in;
	return 0;
}

int xs_inject_format(const struct xs_inject *in, char *buf, size_t len)
{
	char what[32], when[48];
	if (in->kind == XS_INJ_NMI)
		snprintf(what, sizeof(what), "nmi");
	else if (in->kind == XS_INJ_IRQ)
		snprintf(what, sizeof(what), "irq:0x%x", in->vector);
	else if (in->has_error)
		snprintf(what, sizeof(what), "exc:%u:0x%x", in->vector, in->error_code);
	else
		snprintf(what, sizeof(what), "exc:%u", in->vector);
	switch (in->when) {
	case XS_WHEN_HLT:
		snprintf(when, sizeof(when), "hlt");
		break;
	case XS_WHEN_AT:
		snprintf(when, sizeof(when), "exit:%llu", (unsigned long long)in->n);
		break;
	case XS_WHEN_EVERY:
		snprintf(when, sizeof(when), "every:%llu", (unsigned long long)in->n);
		break;
	case XS_WHEN_IO:
		snprintf(when, sizeof(when), "io:0x%llx", (unsigned long long)in->n);
		break;
	default: {
		char d[32];
		format_duration(in->n, d, sizeof(d));
		snprintf(when, sizeof(when), "period:%s", d);
		break;
	}
	}
	return snprintf(buf, len, "%s@%s", what, when);
}

int xs_cv_hwbp(const char *s, struct xs_hwbp *out, char *err, size_t errlen)
{
	char buf[128];
	if (strlen(s) >= sizeof(buf))
		return ERR("breakpoint '%.20s...' too long", s);
	strcpy(buf, s);
	struct xs_hwbp bp;
	memset(&bp, 0, sizeof(bp));
	bp.type = XS_HWBP_EXEC;
	bp.len = 1;
	char *parts[3] = {buf, NULL, NULL};
	for (int i = 1; i < 3; i++) {
		char *slash = parts[i - 1] ? strchr(parts[i - 1], '/') : NULL;
		if (slash) {
			*slash = 0;
			parts[i] = slash + 1;
		}
	}
	if (parts[0][0] == '@') {
		const char *name = parts[0] + 1;
		size_t n = strlen(name);
		if (!n || n >= sizeof(bp.symbol))
			return ERR("'%s': a symbol name is 1-%zu characters", s, sizeof(bp.symbol) - 1);
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)name[i]) && name[i] != '_')
				return ERR("'%s': '%s' is not a symbol name", s, name);
		memcpy(bp.symbol, name, n + 1);
	} else if (parse_number(parts[0], UINT64_MAX, &bp.addr, err, errlen)) {
		return -1;
	}
	if (parts[1]) {
		if (!strcmp(parts[1], "x"))
			bp.type = XS_HWBP_EXEC;
		else if (!strcmp(parts[1], "w"))
			bp.type = XS_HWBP_WRITE;
		else if (!strcmp(parts[1], "rw"))
			bp.type = XS_HWBP_RW;
		else
			return ERR("'%s': type '%s' is not x, w or rw", s, parts[1]);
	}
	if (parts[2]) {
		uint64_t l;
		if (parse_number(parts[2], 8, &l, err, errlen) || (l != 1 && l != 2 && l != 4 && l != 8))
			return ERR("'%s': length must be 1, 2, 4 or 8", s);
		bp.len = (unsigned int)l;
	}
	if (bp.type == XS_HWBP_EXEC && bp.len != 1)
		return ERR("'%s': an execution breakpoint has length 1", s);
	if (!bp.symbol[0] && (bp.addr & (bp.len - 1)))
		return ERR("'%s': address not aligned to the length %u", s, bp.len);
	*out = bp;
	return 0;
}

int xs_hwbp_format(const struct xs_hwbp *bp, char *buf, size_t len)
{
	static const char *const types[] = {
		[XS_HWBP_EXEC] = "x", [XS_HWBP_WRITE] = "w", [2] = "?", [XS_HWBP_RW] = "rw"};
	if (bp->symbol[0])
		return snprintf(buf, len, "@%s/%s/%u", bp->symbol, types[bp->type], bp->len);
	return snprintf(buf, len, "0x%llx/%s/%u", (unsigned long long)bp->addr, types[bp->type], bp->len);
}
