// SPDX-License-Identifier: MIT
#include "db/guest_state.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define GS_MAX_COLUMNS 80

static struct xs_gs_column columns[GS_MAX_COLUMNS];
static size_t ncolumns;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void add(const char *name, size_t offset, size_t size, uint64_t bit)
{
	struct xs_gs_column *c = &columns[ncolumns++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->offset = (uint16_t)offset;
	c->size = (uint8_t)size;
	c->valid_bit = bit;
}

#define FIELD(f) offsetof(struct xs_guest_state, f), sizeof(((struct xs_guest_state *)0)->f)

static void build(void)
{
	static const char *const gprs[XS_GPR_COUNT] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
						       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
	static const char *const segs[XS_SEG_COUNT] = {"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"};
	char name[16];

	for (unsigned int i = 0; i < XS_GPR_COUNT; i++)
		add(gprs[i], offsetof(struct xs_guest_state, gpr) + i * 8, 8, XS_GS_GPR(i));
	add("rip", FIELD(rip), XS_GS_RIP);
	add("rflags", FIELD(rflags), XS_GS_RFLAGS);
	add("cr0", FIELD(cr0), XS_GS_CR0);
	add("cr2", FIELD(cr2), XS_GS_CR2);
	add("cr3", FIELD(cr3), XS_GS_CR3);
	add("cr4", FIELD(cr4), XS_GS_CR4);
	add("cr8", FIELD(cr8), XS_GS_CR8);
	add("efer", FIELD(efer), XS_GS_EFER);
	add("dr6", FIELD(dr6), XS_GS_DR6);
	add("dr7", FIELD(dr7), XS_GS_DR7);
	for (unsigned int i = 0; i < XS_SEG_COUNT; i++) {
		snprintf(name, sizeof(name), "%s_sel", segs[i]);
		add(name, offsetof(struct xs_guest_state, seg_sel) + i * 2, 2, XS_GS_SEG_SEL);
		snprintf(name, sizeof(name), "%s_base", segs[i]);
		add(name, offsetof(struct xs_guest_state, seg_base) + i * 8, 8, XS_GS_SEG_BASE);
		snprintf(name, sizeof(name), "%s_limit", segs[i]);
		add(name, offsetof(struct xs_guest_state, seg_limit) + i * 4, 4, XS_GS_SEG_LIMIT);
		snprintf(name, sizeof(name), "%s_ar", segs[i]);
		add(name, offsetof(struct xs_guest_state, seg_ar) + i * 4, 4, XS_GS_SEG_AR);
	}
	add("gdtr_base", FIELD(gdtr_base), XS_GS_GDTR);
	add("gdtr_limit", FIELD(gdtr_limit), XS_GS_GDTR);
	add("idtr_base", FIELD(idtr_base), XS_GS_IDTR);
	add("idtr_limit", FIELD(idtr_limit), XS_GS_IDTR);
}

size_t xs_gs_columns(const struct xs_gs_column **cols)
{
	pthread_once(&once, build);
	*cols = columns;
	return ncolumns;
}

uint64_t xs_gs_get(const struct xs_guest_state *gs, const struct xs_gs_column *c)
{
	const unsigned char *p = (const unsigned char *)gs + c->offset;
	uint64_t v = 0;
	memcpy(&v, p, c->size); /* little-endian: the low bytes */
	return v;
}

void xs_gs_set(struct xs_guest_state *gs, const struct xs_gs_column *c, uint64_t v)
{
	memcpy((unsigned char *)gs + c->offset, &v, c->size);
}
