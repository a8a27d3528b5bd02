/* SPDX-License-Identifier: MIT */
/*
 * Just enough x86 decoding for the runner's MMIO: an EPT violation says which guest-physical address was
 * touched but not how, and its instruction length is undefined. The forms the built-in guests use are
 * decoded (MOV between a register and memory, 8/16/32/64-bit, with segment, operand- and address-size
 * prefixes and REX); anything else is refused by name, never guessed.
 */
#ifndef KVMX_BARE_RUNNER_DECODE_H
#define KVMX_BARE_RUNNER_DECODE_H

#include "exitscope/record.h"
#include "kmod-vmx/core/types.h"

struct mmio_insn {
	unsigned int len;  /* instruction length */
	unsigned int size; /* access size in bytes */
	bool write;	   /* register -> memory */
	unsigned int reg;  /* x86 register number (8-bit: AL..BL are 0..3, AH..BH 4..7 without REX) */
	bool high_byte;	   /* AH, CH, DH, BH */
};

/*
 * Decode the instruction in code[0..avail) for a guest in mode 16, 32 or 64. 0, or -1 with why[] naming the
 * unsupported form.
 */
int mmio_decode(const u8 *code, unsigned int avail, unsigned int mode, struct mmio_insn *out, char *why,
		unsigned int whylen);

/*
 * Answer a decoded MMIO access as the runner does: a write is dropped, a read returns all-ones. Fills *m
 * (size, direction, value) and returns what the register `reg` (the value of register mi->reg) holds afterwards:
 * unchanged for a write; for a read all-ones in the accessed bytes (a 32-bit load zero-extends to 64 bits).
 */
u64 mmio_answer(const struct mmio_insn *mi, u64 reg, struct xs_detail_mmio *m);

#endif
