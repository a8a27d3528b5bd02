// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A vCPU file: guest state and controls from the caller, the run loop, and the record ring mapped into the
 * caller.
 *
 * The run loop works in sections. A section runs on one CPU with preemption and interrupts off: enter VMX
 * operation (VMXON), load the vCPU's VMCS with this CPU's host state (or write the whole VMCS when the
 * caller changed controls or registers), run the core until it stops or the host needs the CPU back, then
 * VMCLEAR and VMXOFF. Between sections the thread may be preempted, migrated, or see a signal; the VMCS is
 * then clear in memory and the next section VMLAUNCHes it on whatever CPU it runs. A host interrupt during
 * the guest is an exit ("external-interrupt exiting" is always on): the exit handler opens interrupts for it
 * and ends the section when a reschedule or a signal is pending.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/fpu/api.h>
#include <asm/irq_vectors.h>
#include <asm/mtrr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "kmod-vmx/linux/kvmx_linux.h"
#include "kmod-vmx/core/x86.h"

/* Exits per section at most, so that even a guest that never sees a host interrupt gives the CPU back. */
#define KVMX_SECTION_EXITS 4096u

static_assert(KVMX_RUN_STOP_EXIT_LIMIT == (int)KVMX_STOP_EXIT_LIMIT);
static_assert(KVMX_RUN_STOP_UNHANDLED == (int)KVMX_STOP_UNHANDLED);

static void deliver_held(struct kvmx_lvcpu *lv);

/* The default policy, plus what a Linux host needs at each exit. */
static enum kvmx_stop handle_exit(struct kvmx_vcpu *v, struct xs_exit_record *rec, void *opaque)
{
	enum kvmx_stop stop;

	/* Without a TPR shadow the guest's CR8 is the CPU's: the host runs with TPR 0 (Linux does not use it). */
	if (v->tpr) {
		kvmx_write_cr8(0);
		v->tpr_dirty = true;
	}
	rec->pid = current->tgid;
	rec->tid = current->pid;
	rec->cpu = smp_processor_id();
	stop = kvmx_policy_default(v, rec, NULL);
	deliver_held(opaque); /* after the policy: an interrupt-window exit has just cleared the control */
	if (XS_VMX_BASIC_REASON(rec->reason) == EXIT_REASON_EXTERNAL_INTERRUPT &&
	    !(v->words.word[KVMX_WORD_EXIT] & VM_EXIT_ACK_INTR_ON_EXIT)) {
		/* The interrupt is still pending at the CPU: let the kernel take it (one instruction after STI). */
		local_irq_enable();
		cpu_relax();
		local_irq_disable();
		/*
		 * An IPI in that window may have changed CR4 (perf's CR4.PCE) or reloaded CR3: the next exit
		 * must restore the CPU as it is now (as KVM checks before each entry).
		 */
		kvmx_vmwrite(HOST_CR3, __read_cr3());
		kvmx_vmwrite(HOST_CR4, cr4_read_shadow());
	}
	if (stop == KVMX_STOP_NONE && (need_resched() || signal_pending(current)))
		stop = KVMX_STOP_YIELD;
	return stop;
}

/* Whether the guest can take an external interrupt now (the VMCS is current). */
static bool can_take_interrupt(void)
{
	return (kvmx_vmread(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(kvmx_vmread(GUEST_INTERRUPTIBILITY_INFO) & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/*
 * A held KVMX_RUN_INJECT_READY event: queued for the next entry when the guest can take it, else
 * interrupt-window exiting asks the CPU to say when (the window exit clears it again: the core's policy).
 */
static void deliver_held(struct kvmx_lvcpu *lv)
{
	struct kvmx_vcpu *v = &lv->v;

	if (!lv->held || v->event_pending)
		return;
	if ((lv->held_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR && !can_take_interrupt()) {
		kvmx_vcpu_update_controls(v, KVMX_WORD_PROC, CPU_BASED_INTR_WINDOW_EXITING, 0);
		return;
	}
	v->event_pending = true;
	v->event_info = lv->held_info;
	v->event_error = lv->held_error;
	v->event_insn_len = lv->held_len;
	lv->held = false;
}

/* INVEPT for this vCPU's EPT: all contexts where the CPU has it, else this one. */
static void flush_ept(void)
{
	struct {
		u64 eptp, reserved;
	} desc = { kvmx_vmread(EPT_POINTER), 0 };
	u64 type = (kvmx_caps_cpu.caps.ept_vpid & VMX_EPT_EXTENT_GLOBAL_BIT) ? VMX_EPT_EXTENT_GLOBAL :
										  VMX_EPT_EXTENT_CONTEXT;

	asm volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

/* One section (see above). Returns the core's stop; err is set for KVMX_STOP_VMFAIL without an exit. */
static enum kvmx_stop run_section(struct kvmx_lvcpu *lv, const struct kvmx_run *run, bool first, u64 max_exits,
				  struct kvmx_err *err, u32 *cpu_out)
{
	struct kvmx_vcpu *v = &lv->v;
	enum kvmx_stop stop = KVMX_STOP_VMFAIL;
	struct kvmx_cpu *cpu;
	bool ok;

	kernel_fpu_begin(); /* the guest may clobber FPU/SSE registers: the task's are saved first */
	local_irq_disable();
	cpu = kvmx_vmx_enter(err);
	if (!cpu)
		goto out;
	*cpu_out = smp_processor_id();
	v->cpu = cpu;
	if (lv->dirty)
		ok = kvmx_vcpu_configure(v, &lv->ctl, &lv->gs, err) == 0;
	else
		ok = kvmx_vcpu_load(v, err) == 0;
	if (ok) {
		lv->dirty = false;
		if (first && (run->flags & KVMX_RUN_SKIP_INSN))
			kvmx_vcpu_skip_insn(v);
		if (first && (run->flags & KVMX_RUN_SET_RIP))
			kvmx_vmwrite(GUEST_RIP, run->rip);
		if (first && (run->flags & KVMX_RUN_INJECT)) {
			v->event_pending = true;
			v->event_info = run->inject_info;
			v->event_error = run->inject_error;
			v->event_insn_len = run->inject_insn_len;
		}
		if (first && (run->flags & KVMX_RUN_INJECT_READY)) {
			lv->held = true;
			lv->held_info = run->inject_info;
			lv->held_error = run->inject_error;
			lv->held_len = run->inject_insn_len;
		}
		deliver_held(lv);
		if (lv->ept_flush) {
			flush_ept();
			lv->ept_flush = false;
		}
		v->max_exits = max_exits;
		stop = kvmx_vcpu_run(v, handle_exit, lv);
		lv->out_rip = kvmx_vmread(GUEST_RIP);
		lv->out_rflags = kvmx_vmread(GUEST_RFLAGS);
		lv->out_interruptibility = (u32)kvmx_vmread(GUEST_INTERRUPTIBILITY_INFO);
		if (v->tpr) {
			kvmx_write_cr8(0);
			v->tpr_dirty = true;
		}
	}
	/* Clear in memory before VMXOFF: the next section may load it on another CPU. */
	kvmx_vmclear(v->vmcs_phys);
	v->launched = false;
	kvmx_vmx_leave(cpu);
	v->cpu = &kvmx_caps_cpu;
out:
	local_irq_enable();
	kernel_fpu_end();
	return stop;
}

static int check_run(const struct kvmx_lvcpu *lv, const struct kvmx_run *run)
{
	u32 type = run->inject_info & INTR_INFO_INTR_TYPE_MASK;
	u32 inject = run->flags & (KVMX_RUN_INJECT | KVMX_RUN_INJECT_READY);

	/* rip (unless SET_RIP), rflags, interruptibility and event_held are outputs: ignored here */
	if (run->flags & ~(KVMX_RUN_SKIP_INSN | KVMX_RUN_INJECT | KVMX_RUN_SET_RIP | KVMX_RUN_INJECT_READY) ||
	    run->reserved || inject == (KVMX_RUN_INJECT | KVMX_RUN_INJECT_READY))
		return -EINVAL;
	if (!lv->have_controls || !lv->have_regs)
		return -ENOEXEC; /* nothing to run yet */
	if ((run->flags & KVMX_RUN_SKIP_INSN) && (lv->dirty || !lv->v.exits))
		return -EINVAL; /* no exit whose instruction could be skipped */
	if ((run->flags & KVMX_RUN_INJECT_READY) && lv->held)
		return -EBUSY; /* one held event at a time */
	if (inject) {
		/* Valid bit, no reserved bits (30:12), no reserved type 1, an NMI on vector 2. */
		if (!(run->inject_info & INTR_INFO_VALID_MASK) || (run->inject_info & 0x7ffff000u) ||
		    type == INTR_TYPE_RESERVED ||
		    (type == INTR_TYPE_NMI_INTR && (run->inject_info & INTR_INFO_VECTOR_MASK) != NMI_VECTOR) ||
		    run->inject_insn_len > 15)
			return -EINVAL;
	}
	return 0;
}

static long vcpu_run(struct kvmx_lvcpu *lv, struct kvmx_run __user *arg)
{
	struct kvmx_vcpu *v = &lv->v;
	u64 start = v->exits, budget;
	enum kvmx_stop stop;
	struct kvmx_run run;
	struct kvmx_err err = { .msg = "" };
	bool first = true;
	u32 cpu = 0;
	int rc;

	if (copy_from_user(&run, arg, sizeof(run)))
		return -EFAULT;
	rc = check_run(lv, &run);
	if (rc)
		return rc;
	budget = run.max_exits ? run.max_exits : U64_MAX;
	v->halted = false; /* a run after an HLT stop resumes the guest behind its HLT */
	for (;;) {
		u64 done = v->exits - start;

		if (signal_pending(current)) {
			stop = KVMX_STOP_YIELD;
			break;
		}
		if (done >= budget) {
			stop = KVMX_STOP_EXIT_LIMIT;
			break;
		}
		cond_resched();
		stop = run_section(lv, &run, first, min_t(u64, budget - done, KVMX_SECTION_EXITS), &err, &cpu);
		first = false;
		if (stop != KVMX_STOP_YIELD && stop != KVMX_STOP_EXIT_LIMIT)
			break;
	}

	memset(run.msg, 0, sizeof(run.msg));
	if (stop == KVMX_STOP_YIELD) {
		run.stop = KVMX_RUN_STOP_SIGNAL;
	} else if (stop == KVMX_STOP_VMFAIL && err.msg[0]) {
		run.stop = KVMX_RUN_STOP_ERROR;
		strscpy(run.msg, err.msg, sizeof(run.msg));
	} else {
		run.stop = stop;
		if (stop == KVMX_STOP_VMFAIL)
			snprintf(run.msg, sizeof(run.msg), "VMLAUNCH/VMRESUME failed: VM-instruction error %u",
				 v->insn_error);
	}
	run.exit_reason = v->rec.reason;
	run.exit_qualification = v->rec.qualification;
	run.exits = v->exits - start;
	run.total_exits = v->exits;
	run.ring_dropped = v->ring_out.dropped;
	run.insn_error = v->insn_error;
	run.cpu = cpu;
	run.rip = lv->out_rip;
	run.rflags = lv->out_rflags;
	run.interruptibility = lv->out_interruptibility;
	run.event_held = lv->held;
	if (copy_to_user(arg, &run, sizeof(run)))
		return -EFAULT;
	return 0;
}

static long vcpu_set_controls(struct kvmx_lvcpu *lv, struct kvmx_control_req __user *arg)
{
	struct kvmx_control_req *req;
	struct kvmx_controls c;
	long rc;

	req = memdup_user(arg, sizeof(*req));
	if (IS_ERR(req))
		return PTR_ERR(req);
	memset(req->msg, 0, sizeof(req->msg));
	req->forced_on = 0;
	memset(req->words, 0, sizeof(req->words));
	rc = kvmx_controls_from_req(req, lv->have_regs ? lv->gs.ia32e : true, &c);
	if (!rc) {
		lv->ctl = c;
		lv->forced_on = req->forced_on;
		lv->have_controls = true;
		lv->dirty = true;
	}
	if (copy_to_user(arg, req, sizeof(*req)))
		rc = -EFAULT;
	kfree(req);
	return rc;
}

static long vcpu_set_regs(struct kvmx_lvcpu *lv, const struct kvmx_regs __user *arg)
{
	struct kvmx_guest_state gs;
	struct kvmx_regs *req;
	char msg[KVMX_MSG_LEN];
	long rc;

	req = memdup_user(arg, sizeof(*req));
	if (IS_ERR(req))
		return PTR_ERR(req);
	rc = kvmx_regs_from_req(req, &gs, msg);
	kfree(req);
	if (rc)
		return rc;
	/* The controls were checked for one guest mode; a 64-bit guest changes the entry and exit words. */
	if (lv->have_controls && gs.ia32e != lv->gs.ia32e && lv->have_regs)
		lv->have_controls = false;
	lv->gs = gs;
	lv->have_regs = true;
	lv->dirty = true;
	return 0;
}

/* KVMX_SET_EPT_RANGE: whole pages of the VM's memory unmapped, read-only or mapped again. */
static long vcpu_set_ept_range(struct kvmx_lvcpu *lv, const struct kvmx_ept_range __user *arg)
{
	static const u64 perms[8] = { [KVMX_EPT_NONE] = 0, [KVMX_EPT_RX] = VMX_EPT_READABLE_MASK |
									     VMX_EPT_EXECUTABLE_MASK,
				      [KVMX_EPT_RWX] = VMX_EPT_RWX_MASK };
	struct kvmx_vm *vm = lv->vm;
	struct kvmx_ept_range r;
	struct kvmx_err err;
	u64 off;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.reserved || (r.access != KVMX_EPT_NONE && r.access != KVMX_EPT_RX && r.access != KVMX_EPT_RWX))
		return -EINVAL;
	if (!r.size || !PAGE_ALIGNED(r.gpa) || !PAGE_ALIGNED(r.size) || r.gpa >= vm->mem_size ||
	    r.size > vm->mem_size - r.gpa)
		return -EINVAL;
	lv->ept_flush = true;
	for (off = r.gpa; off < r.gpa + r.size; off += PAGE_SIZE) {
		u64 hpa = (u64)vmalloc_to_pfn((u8 *)vm->mem + off) << PAGE_SHIFT;

		if (kvmx_vcpu_ept_map(&lv->v, off, hpa, PAGE_SIZE, perms[r.access], MTRR_TYPE_WRBACK, &err))
			return -ENOMEM;
		if (!(off & ((1 << 24) - 1)))
			cond_resched();
	}
	return 0;
}

static long vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	struct kvmx_lvcpu *lv = file->private_data;
	void __user *arg = (void __user *)uarg;
	struct kvmx_gpr_block gprs;
	long rc;

	if (!mutex_trylock(&lv->lock))
		return -EBUSY; /* another thread is in this vCPU: one vCPU per calling thread */
	switch (cmd) {
	case KVMX_SET_REGS:
		rc = vcpu_set_regs(lv, arg);
		break;
	case KVMX_SET_CONTROLS:
		rc = vcpu_set_controls(lv, arg);
		break;
	case KVMX_GET_GPRS:
		memcpy(gprs.gpr, lv->v.gprs.r, sizeof(gprs.gpr));
		rc = copy_to_user(arg, &gprs, sizeof(gprs)) ? -EFAULT : 0;
		break;
	case KVMX_SET_GPRS:
		rc = copy_from_user(&gprs, arg, sizeof(gprs)) ? -EFAULT : 0;
		if (!rc)
			memcpy(lv->v.gprs.r, gprs.gpr, sizeof(gprs.gpr));
		break;
	case KVMX_RUN:
		rc = vcpu_run(lv, arg);
		break;
	case KVMX_SET_EPT_RANGE:
		rc = vcpu_set_ept_range(lv, arg);
		break;
	default:
		rc = -ENOTTY;
	}
	mutex_unlock(&lv->lock);
	return rc;
}

static int vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kvmx_lvcpu *lv = file->private_data;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start > lv->vm->ring_bytes)
		return -EINVAL;
	return remap_vmalloc_range(vma, lv->ring_mem, 0);
}

static void vcpu_free(struct kvmx_lvcpu *lv)
{
	/* Each section ends with VMCLEAR and VMXOFF: destroying needs no VMX operation (v.cpu is not on). */
	if (lv->v.vmcs)
		kvmx_vcpu_destroy(&lv->v);
	vfree(lv->ring_mem);
	kvmx_vm_put(lv->vm);
	kfree(lv);
}

static int vcpu_release(struct inode *inode, struct file *file)
{
	vcpu_free(file->private_data);
	return 0;
}

static const struct file_operations vcpu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vcpu_ioctl,
	.mmap = vcpu_mmap,
	.release = vcpu_release,
	.llseek = noop_llseek,
};

/* Map the VM's memory, page by page (vmalloc memory is not contiguous), at GPA 0 of this vCPU's EPT. */
static int map_guest_memory(struct kvmx_lvcpu *lv, struct kvmx_err *err)
{
	struct kvmx_vm *vm = lv->vm;
	u64 off;

	for (off = 0; off < vm->mem_size; off += PAGE_SIZE) {
		u64 hpa = (u64)vmalloc_to_pfn((u8 *)vm->mem + off) << PAGE_SHIFT;

		if (kvmx_vcpu_ept_map(&lv->v, off, hpa, PAGE_SIZE, VMX_EPT_RWX_MASK, MTRR_TYPE_WRBACK, err))
			return -ENOMEM;
		if (!(off & ((1 << 24) - 1)))
			cond_resched();
	}
	return 0;
}

int kvmx_vcpu_file_create(struct kvmx_vm *vm)
{
	struct kvmx_ring_header *ring;
	struct kvmx_lvcpu *lv;
	struct kvmx_err err;
	int fd;

	lv = kzalloc(sizeof(*lv), GFP_KERNEL_ACCOUNT);
	if (!lv)
		return -ENOMEM;
	mutex_init(&lv->lock);
	kref_get(&vm->ref);
	lv->vm = vm;
	lv->ring_mem = vmalloc_user(vm->ring_bytes);
	if (!lv->ring_mem)
		goto nomem;
	/* Exactly the slots asked for: the page-rounded mapping may hold more, which would double them. */
	ring = kvmx_ring_init(lv->ring_mem, kvmx_ring_bytes(vm->ring_slots), &err);
	if (!ring || ring->nslots != vm->ring_slots)
		goto nomem;
	if (kvmx_vcpu_create(&lv->v, &kvmx_caps_cpu, vm->nvcpus, XS_SRC_KMOD_VMX, ring, &err))
		goto nomem;
	if (map_guest_memory(lv, &err))
		goto nomem;
	lv->ept_flush = true; /* a new EPT root may reuse a page whose old translations the CPU still holds */
	fd = anon_inode_getfd("kmod-vmx-vcpu", &vcpu_fops, lv, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		vcpu_free(lv);
		return fd;
	}
	vm->nvcpus++;
	return fd;
nomem:
	vcpu_free(lv);
	return -ENOMEM;
}
