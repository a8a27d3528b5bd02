// SPDX-License-Identifier: MIT
/* MOV r/m <-> reg decoding for the runner's MMIO exits (runner_decode.h). */
#include "kmod-vmx/bare/runner_decode.h"
#include "kmod-vmx/core/fmt.h"

/* Bytes of ModRM + SIB + displacement that follow the opcode, or -1. */
static int modrm_bytes(const u8 *p, unsigned int avail, bool addr16)
{
	if (!avail)
		return -1;
	u8 modrm = p[0];
	unsigned int mod = modrm >> 6, rm = modrm & 7;
	if (mod == 3)
		return -2; /* a register operand: not a memory access */
	int n = 1;
	if (addr16) {
		if (mod == 0 && rm == 6)
			return n + 2;
		return n + (mod == 1 ? 1 : mod == 2 ? 2 : 0);
	}
	if (rm == 4) {
		if (avail < 2)
			return -1;
		n++;
		if (mod == 0 && (p[1] & 7) == 5)
			return n + 4;
	} else if (mod == 0 && rm == 5) {
		return n + 4;
	}
	return n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

int mmio_decode(const u8 *code, unsigned int avail, unsigned int mode, struct mmio_insn *out, char *why,
		unsigned int whylen)
{
	bool opsize = false, addrsize = false;
	u8 rex = 0;
	unsigned int i = 0;
	for (; i < avail && i < 14; i++) {
		u8 b = code[i];
		if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65)
			continue;
		if (b == 0x66) {
			opsize = true;
			continue;
		}
		if (b == 0x67) {
			addrsize = true;
			continue;
		}
		break;
	}
	if (mode == 64 && i < avail && (code[i] & 0xf0) == 0x40)
		rex = code[i++];
	if (i >= avail) {
		kvmx_snprintf(why, whylen, "instruction bytes run past the readable page");
		return -1;
	}
	u8 op = code[i++];
	if (op >= 0xa0 && op <= 0xa3) { /* MOV between AL/eAX and an absolute address (moffs) */
		unsigned int asize = mode == 64 ? (addrsize ? 4 : 8) : (mode == 16) != addrsize ? 2 : 4;
		out->len = i + asize;
		if (out->len > avail) {
			kvmx_snprintf(why, whylen, "instruction bytes run past the readable page");
			return -1;
		}
		out->write = op >= 0xa2;
		out->reg = 0;
		out->high_byte = false;
		out->size = !(op & 1) ? 1 : (rex & 8) ? 8 : (mode == 16) != opsize ? 2 : 4;
		return 0;
	}
	if (op != 0x88 && op != 0x89 && op != 0x8a && op != 0x8b) {
		kvmx_snprintf(why, whylen,
			      "opcode 0x%x is not a MOV between a register and memory (the MMIO forms "
			      "the runner decodes)",
			      op);
		return -1;
	}
	bool addr16 = mode == 16 ? !addrsize : mode == 32 ? addrsize : false;
	int m = modrm_bytes(code + i, avail - i, addr16);
	if (m < 0) {
		kvmx_snprintf(why, whylen,
			      m == -2 ? "MOV with a register operand cannot touch memory"
				      : "instruction bytes run past the readable page");
		return -1;
	}
	u8 modrm = code[i];
	out->len = i + (unsigned int)m;
	if (out->len > avail) { /* found by fuzz_kmodvmx_decode: a displacement past the bytes given */
		kvmx_snprintf(why, whylen, "instruction bytes run past the readable page");
		return -1;
	}
	out->write = op == 0x88 || op == 0x89;
	out->reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	out->high_byte = false;
	if (op == 0x88 || op == 0x8a) {
		out->size = 1;
		if (!rex && out->reg >= 4) {
			out->high_byte = true;
			out->reg -= 4;
		}
	} else if (rex & 8) {
		out->size = 8;
	} else {
		bool big = mode == 16 ? opsize : !opsize;
		out->size = big ? 4 : 2;
	}
	return 0;
}

u64 mmio_answer(const struct mmio_insn *mi, u64 reg, struct xs_detail_mmio *m)
{
	u64 size_mask = mi->size >= 8 ? ~0ull : (1ull << (8 * mi->size)) - 1;
	m->len = mi->size;
	m->is_write = mi->write;
	if (mi->write) {
		m->value = (mi->high_byte ? reg >> 8 : reg) & size_mask;
		return reg;
	}
	u64 mask = size_mask << (mi->high_byte ? 8 : 0);
	m->value = size_mask;
	return mi->size == 4 ? 0xffffffffull : (reg & ~mask) | mask;
}
