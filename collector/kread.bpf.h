/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading kernel memory the BPF program holds no typed pointer to: KVM structures found through the preempt
 * notifier, struct kvm_run, the VMCB, a tracepoint's `void *` argument.
 *
 * bpf_probe_read_kernel is a helper call that costs about as much as reserving ring space (~45 ns per call on
 * the development host, measured with bench/collector_floor.bpf.c). Since kernel 6.2, bpf_rdonly_cast turns an
 * address into an untrusted typed pointer instead: the verifier inlines the cast, and each load through it is
 * one instruction the JIT guards against faults (a faulting load reads 0). The cast needs a type of vmlinux's
 * own BTF, while KVM's types often live in module BTF: struct pt_regs, 21 consecutive unsigned longs on
 * x86-64, serves as a window of 8-byte words onto any address. Offsets still come from CO-RE relocations.
 *
 * Older kernels (Debian 12's 6.1) lack the kfunc: the weak symbol resolves to NULL, the verifier drops the
 * fast branch as dead code, and the reads are probe reads.
 *
 * Include after vmlinux.h and bpf_core_read.h.
 */
#ifndef EXITSCOPE_COLLECTOR_KREAD_BPF_H
#define EXITSCOPE_COLLECTOR_KREAD_BPF_H

extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;

#define KREAD_MAX_WORDS 21 /* the window: sizeof(struct pt_regs) / 8 */

/* The fast path exists on this kernel (a constant the verifier knows at load time). */
#define KREAD_FAST (bpf_rdonly_cast != NULL)

static __always_inline const u64 *kwindow(const void *addr)
{
	return bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct pt_regs));
}

/*
 * nwords 8-byte words (a constant, at most KREAD_MAX_WORDS) from kernel address src to dst. 0, or -1 if src is
 * NULL or the probe read failed; a fault on the fast path cannot be told from zeros (the pointers read here are
 * KVM's own and never fault).
 */
static __always_inline int kread_words(u64 *dst, u32 nwords, const void *src)
{
	if (!src)
		return -1;
	if (KREAD_FAST) {
		const u64 *w = kwindow(src);
#pragma unroll
		for (u32 i = 0; i < KREAD_MAX_WORDS; i++)
			if (i < nwords)
				dst[i] = w[i];
		return 0;
	}
	return bpf_probe_read_kernel(dst, nwords * 8, src) ? -1 : 0;
}

/*
 * The 8-byte word at kernel address src into *dst (0, or -1 as kread_words). Narrower fields are read through
 * it and masked: every field read this way lies inside a larger structure, so the word never crosses into
 * unmapped memory.
 */
static __always_inline int kread_word(u64 *dst, const void *src)
{
	*dst = 0;
	return kread_words(dst, 1, src);
}

/* An unsigned integer field of a KVM structure, read with its size on the running kernel (0 if unreadable). */
#define KREAD_UINT(field)                                                    \
	({                                                                   \
		u64 __v;                                                     \
		kread_word(&__v, &(field));                                  \
		u32 __size = bpf_core_field_size(field);                     \
		__size >= 8 ? __v : __v &((1ull << (8 * (__size & 7))) - 1); \
	})

#endif
