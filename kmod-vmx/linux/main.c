// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * kmod_vmx.ko: /dev/kmod-vmx and the VM behind each open file (guest memory the caller maps), the module's
 * load and unload. Every open file and vCPU file holds a reference to the module, so it cannot be unloaded
 * while a VM exists; unload then checks that every page the core took came back.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "kmod-vmx/linux/kvmx_linux.h"

static void vm_release(struct kref *ref)
{
	struct kvmx_vm *vm = container_of(ref, struct kvmx_vm, ref);

	vfree(vm->mem);
	kfree(vm);
}

void kvmx_vm_put(struct kvmx_vm *vm)
{
	kref_put(&vm->ref, vm_release);
}

static int dev_open(struct inode *inode, struct file *file)
{
	struct kvmx_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);

	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	file->private_data = vm;
	return 0;
}

static int dev_release(struct inode *inode, struct file *file)
{
	kvmx_vm_put(file->private_data);
	return 0;
}

static long get_caps(struct kvmx_caps_info __user *arg)
{
	struct kvmx_caps_info *info = kzalloc(sizeof(*info), GFP_KERNEL);
	long rc = 0;

	if (!info)
		return -ENOMEM;
	info->abi_version = KVMX_ABI_VERSION;
	info->status = kvmx_check_available(info->msg);
	/* The MSRs are worth showing even while KVM holds VT-x; not on a CPU without it. */
	if (kvmx_usable)
		kvmx_fill_caps(info);
	if (copy_to_user(arg, info, sizeof(*info)))
		rc = -EFAULT;
	kfree(info);
	return rc;
}

static long create_vm(struct kvmx_vm *vm, struct kvmx_vm_config __user *arg)
{
	struct kvmx_vm_config cfg;
	long rc = 0;

	if (copy_from_user(&cfg, arg, sizeof(cfg)))
		return -EFAULT;
	memset(cfg.msg, 0, sizeof(cfg.msg));
	cfg.ring_bytes = 0;
	if (cfg.version != KVMX_ABI_VERSION) {
		snprintf(cfg.msg, KVMX_MSG_LEN, "ABI version %u requested; this module speaks version %d",
			 cfg.version, KVMX_ABI_VERSION);
		rc = -EPROTO;
	} else if (cfg.reserved[0] || cfg.reserved[1] || cfg.reserved[2] || cfg.reserved[3]) {
		snprintf(cfg.msg, KVMX_MSG_LEN, "reserved fields of the VM configuration are set");
		rc = -EINVAL;
	} else if (!cfg.mem_size || cfg.mem_size > KVMX_MAX_MEM_SIZE || !PAGE_ALIGNED(cfg.mem_size)) {
		snprintf(cfg.msg, KVMX_MSG_LEN, "guest memory of %llu bytes: a multiple of 4096 up to %llu wanted",
			 (unsigned long long)cfg.mem_size, KVMX_MAX_MEM_SIZE);
		rc = -EINVAL;
	} else if (cfg.ring_slots < 2 || cfg.ring_slots > KVMX_MAX_RING_SLOTS ||
		   (cfg.ring_slots & (cfg.ring_slots - 1))) {
		snprintf(cfg.msg, KVMX_MSG_LEN, "a ring of %u records: a power of two from 2 to %u wanted",
			 cfg.ring_slots, KVMX_MAX_RING_SLOTS);
		rc = -EINVAL;
	} else {
		rc = kvmx_check_available(cfg.msg);
	}
	if (!rc) {
		mutex_lock(&vm->lock);
		if (vm->created) {
			snprintf(cfg.msg, KVMX_MSG_LEN, "this file already holds a VM: open the device again");
			rc = -EEXIST;
		} else {
			vm->mem = vmalloc_user(cfg.mem_size);
			if (!vm->mem) {
				snprintf(cfg.msg, KVMX_MSG_LEN, "no memory for %llu bytes of guest memory",
					 (unsigned long long)cfg.mem_size);
				rc = -ENOMEM;
			} else {
				vm->mem_size = cfg.mem_size;
				vm->ring_slots = cfg.ring_slots;
				vm->ring_bytes = PAGE_ALIGN(kvmx_ring_bytes(cfg.ring_slots));
				vm->created = true;
				cfg.ring_bytes = vm->ring_bytes;
			}
		}
		mutex_unlock(&vm->lock);
	}
	if (copy_to_user(arg, &cfg, sizeof(cfg)))
		return -EFAULT;
	return rc;
}

static long create_vcpu(struct kvmx_vm *vm)
{
	long rc;

	mutex_lock(&vm->lock);
	if (!vm->created)
		rc = -ENOENT;
	else if (vm->nvcpus >= KVMX_MAX_VCPUS)
		rc = -ENOSPC;
	else
		rc = kvmx_vcpu_file_create(vm);
	mutex_unlock(&vm->lock);
	return rc;
}

static long dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kvmx_vm *vm = file->private_data;

	switch (cmd) {
	case KVMX_GET_CAPS:
		return get_caps((void __user *)arg);
	case KVMX_CREATE_VM:
		return create_vm(vm, (void __user *)arg);
	case KVMX_CREATE_VCPU:
		if (arg)
			return -EINVAL;
		return create_vcpu(vm);
	default:
		return -ENOTTY;
	}
}

static int dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kvmx_vm *vm = file->private_data;
	int rc = -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->created && !vma->vm_pgoff && vma->vm_end - vma->vm_start <= vm->mem_size)
		rc = remap_vmalloc_range(vma, vm->mem, 0);
	mutex_unlock(&vm->lock);
	return rc;
}

static const struct file_operations dev_fops = {
	.owner = THIS_MODULE,
	.open = dev_open,
	.release = dev_release,
	.unlocked_ioctl = dev_ioctl,
	.mmap = dev_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice kvmx_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kmod-vmx",
	.fops = &dev_fops,
	.mode = 0600,
};

static int __init kvmx_init(void)
{
	int rc = kvmx_platform_init();

	if (rc)
		return rc;
	rc = misc_register(&kvmx_dev);
	if (rc) {
		kvmx_platform_exit();
		return rc;
	}
	pr_info(KVMX_NAME ": /dev/kmod-vmx ready (ABI %d, VT-x %s)\n", KVMX_ABI_VERSION,
		kvmx_usable ? "usable" : "unusable");
	return 0;
}

static void __exit kvmx_exit(void)
{
	long live;

	misc_deregister(&kvmx_dev);
	kvmx_platform_exit();
	live = kvmx_pages_live();
	if (live)
		pr_err(KVMX_NAME ": leak: %ld pages the core allocated were not freed\n", live);
	else
		pr_info(KVMX_NAME ": unloaded, every page returned\n");
}

module_init(kvmx_init);
module_exit(kvmx_exit);
MODULE_LICENSE("Dual MIT/GPL");
MODULE_AUTHOR("exitscope");
MODULE_DESCRIPTION("exitscope's VT-x layer: VM exits with every execution control, recorded to an mmapped ring");
