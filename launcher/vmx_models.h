/* SPDX-License-Identifier: MIT */
/*
 * The vmx backend's CPU models (--cpu-model, --list-cpu-models) and the unit tests' fixture: VMX capability MSRs of
 * Bochs 2.7's CPU models, captured by the kmod-vmx test kernel under Bochs (kmod-vmx/bare/main.c prints them as "#
 * caps:" on the debug port; regenerate with the commands in docs/kmod-vmx.md). pin/proc/exit/entry are the TRUE_ MSRs:
 * every model sets IA32_VMX_BASIC bit 55.
 */
#ifndef EXITSCOPE_LAUNCHER_VMX_MODELS_H
#define EXITSCOPE_LAUNCHER_VMX_MODELS_H

#include <stdint.h>

struct vmx_model {
	const char *name;
	uint64_t basic, pin, proc, proc2, exit, entry, misc, ept, cr0f0, cr0f1, cr4f0, cr4f1;
};

static const struct vmx_model vmx_models[] = {
	{"bx_generic", 0xd810000000002b, 0x3f00000016, 0xf7f9fffe04006172, 0x4900000000, 0x3efff00036dfb,
	 0x1fff000011fb, 0x401e0, 0x0, 0x80000021, 0xffffffff, 0x2000, 0x27ff},
	{"core2_penryn_t9600", 0xd810000000002b, 0x3f00000016, 0xf7f9fffe04006172, 0x4100000000, 0x3ffff00036dfb,
	 0x3fff000011fb, 0x401e0, 0x0, 0x80000021, 0xffffffff, 0x2000, 0x467ff},
	{"corei5_lynnfield_750", 0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0x7f00000000, 0x7fffff00036dfb,
	 0xffff000011fb, 0x401e0, 0xf0106114141, 0x80000021, 0xffffffff, 0x2000, 0x67ff},
	{"corei5_arrandale_m520", 0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0xff00000000, 0x7fffff00036dfb,
	 0xffff000011fb, 0x401e0, 0xf0106114141, 0x80000021, 0xffffffff, 0x2000, 0x67ff},
	{"corei7_sandy_bridge_2600k", 0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0xff00000000,
	 0x7fffff00036dfb, 0xffff000011fb, 0x401e0, 0xf0106114141, 0x80000021, 0xffffffff, 0x2000, 0x627ff},
	{"corei7_ivy_bridge_3770k", 0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0x8ff00000000, 0x7fffff00036dfb,
	 0xffff000011fb, 0x401e0, 0xf0106114141, 0x80000021, 0xffffffff, 0x2000, 0x1727ff},
	{"corei7_haswell_4770", 0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0x47fff00000000, 0x7fffff00036dfb,
	 0xffff000011fb, 0x200401e0, 0xf0106334141, 0x80000021, 0xffffffff, 0x2000, 0x1727ff},
	{"broadwell_ult", 0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0x57fff00000000, 0x7fffff00036dfb,
	 0xffff000011fb, 0x200401e0, 0xf0106334141, 0x80000021, 0xffffffff, 0x2000, 0x3727ff},
	{"corei7_skylake_x", 0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0x2177fff00000000, 0x7fffff00036dfb,
	 0xffff000011fb, 0x600401e0, 0xf0106334141, 0x80000021, 0xffffffff, 0x2000, 0x3727ff},
	{"corei3_cnl", 0xd810000000002b, 0x7f00000016, 0xf7f9fffe04006172, 0x2157cff00000000, 0x7fffff00036dfb,
	 0xffff000011fb, 0x600401e0, 0xf0106334141, 0x80000021, 0xffffffff, 0x2000, 0x772fff},
	{"corei7_icelake_u", 0xd8100000000004, 0x7f00000016, 0xfff9fffe04006172, 0x2977fff00000000, 0x7fffff00036dfb,
	 0xffff000011fb, 0x600401e0, 0xf0106334141, 0x80000021, 0xffffffff, 0x2000, 0x772fff},
	{"tigerlake", 0x1d8100000000004, 0x7f00000016, 0xfff9fffe04006172, 0x2977fff00000000, 0x107fffff00036dfb,
	 0x10ffff000011fb, 0x600401e0, 0xf0106b34141, 0x80000021, 0xffffffff, 0x2000, 0xf72fff},
};

#endif
