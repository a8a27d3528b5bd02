// SPDX-License-Identifier: MIT
#include "launcher/vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/util.h"
#include "launcher/kvmdev.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

void *xs_vm_gpa(const struct xs_vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->mem_bytes || len > vm->mem_bytes - gpa)
		return NULL;
	if (gpa < XS_GPA_HOLE_END && gpa + len > XS_GPA_HOLE)
		return NULL;
	return vm->mem + gpa;
}

static int add_slot(struct xs_vm *vm, uint64_t lo, uint64_t hi, bool readonly, char *err, size_t errlen)
{
	if (hi <= lo)
		return 0;
	struct kvm_userspace_memory_region r = {
		.slot = vm->nr_slots,
		.flags = readonly ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = lo,
		.memory_size = hi - lo,
		.userspace_addr = (uint64_t)(uintptr_t)(vm->mem + lo),
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		return readonly ? ERR("memory.readonly: KVM refused a read-only slot at 0x%llx-0x%llx: %s",
				      (unsigned long long)lo, (unsigned long long)hi - 1, strerror(errno))
				: ERR("KVM_SET_USER_MEMORY_REGION 0x%llx-0x%llx: %s", (unsigned long long)lo,
				      (unsigned long long)hi - 1, strerror(errno));
	vm->nr_slots++;
	return 0;
}

/* RAM [lo, hi) as slots, with the read-only ranges inside it carved out as read-only slots. */
static int add_ram(struct xs_vm *vm, uint64_t lo, uint64_t hi, const struct xs_range_list *ro, char *err, size_t errlen)
{
	while (lo < hi) {
		/* the first read-only range that starts at or after lo (ranges may come in any order) */
		const struct xs_range *next = NULL;
		for (unsigned int i = 0; i < ro->n; i++)
			if (ro->r[i].hi >= lo && ro->r[i].lo < hi && (!next || ro->r[i].lo < next->lo))
				next = &ro->r[i];
		if (!next)
			return add_slot(vm, lo, hi, false, err, errlen);
		uint64_t rlo = next->lo > lo ? next->lo : lo, rhi = next->hi + 1 < hi ? next->hi + 1 : hi;
		if (add_slot(vm, lo, rlo, false, err, errlen) || add_slot(vm, rlo, rhi, true, err, errlen))
			return -1;
		lo = rhi;
	}
	return 0;
}

static int check_readonly(const struct xs_range_list *ro, uint64_t mem, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < ro->n; i++) {
		const struct xs_range *r = &ro->r[i];
		if (r->hi >= mem)
			return ERR("memory.readonly: 0x%llx-0x%llx lies outside guest memory (%llu MiB)",
				   (unsigned long long)r->lo, (unsigned long long)r->hi,
				   (unsigned long long)(mem >> 20));
		if (r->lo < XS_GPA_HOLE_END && r->hi >= XS_GPA_HOLE)
			return ERR("memory.readonly: 0x%llx-0x%llx overlaps the unmapped hole 0x%x-0x%x",
				   (unsigned long long)r->lo, (unsigned long long)r->hi, XS_GPA_HOLE,
				   XS_GPA_HOLE_END - 1);
		for (unsigned int j = 0; j < i; j++)
			if (r->lo <= ro->r[j].hi && ro->r[j].lo <= r->hi)
				return ERR("memory.readonly: ranges 0x%llx-0x%llx and 0x%llx-0x%llx overlap",
					   (unsigned long long)ro->r[j].lo, (unsigned long long)ro->r[j].hi,
					   (unsigned long long)r->lo, (unsigned long long)r->hi);
	}
	return 0;
}

static int setup_memory(struct xs_vm *vm, const struct xs_vm_spec *spec, char *err, size_t errlen)
{
	static const struct xs_range_list none;
	const struct xs_range_list *ro = spec->controls ? &spec->controls->readonly : &none;
	if (check_readonly(ro, spec->mem_bytes, err, errlen))
		return -1;
	vm->mem =
		mmap(NULL, spec->mem_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return ERR("cannot map %llu MiB of guest memory: %s", (unsigned long long)(spec->mem_bytes >> 20),
			   strerror(errno));
	}
	vm->mem_bytes = spec->mem_bytes;
	uint64_t low_end = spec->mem_bytes < XS_GPA_HOLE ? spec->mem_bytes : XS_GPA_HOLE;
	if (add_ram(vm, 0, low_end, ro, err, errlen))
		return -1;
	if (spec->mem_bytes > XS_GPA_HOLE_END && add_ram(vm, XS_GPA_HOLE_END, spec->mem_bytes, ro, err, errlen))
		return -1;
	return 0;
}

static void load_image(struct xs_vm *vm, const struct xs_image *img)
{
	for (unsigned int i = 0; i < img->n; i++) {
		const struct xs_image_segment *s = &img->seg[i];
		memcpy(vm->mem + s->gpa, s->data, s->filesz);
		memset(vm->mem + s->gpa + s->filesz, 0, s->memsz - s->filesz);
	}
}

static void write_params(struct xs_vm *vm, const struct xs_vm_spec *spec)
{
	for (unsigned int i = 0; i < spec->vcpus; i++) {
		uint8_t *p = vm->mem + XS_GPA_PARAMS + (uint64_t)i * XS_PARAMS_SIZE;
		uint32_t words[] = {XS_PARAMS_MAGIC,  i,
				    spec->vcpus,      spec->mode,
				    spec->iterations, spec->args[0],
				    spec->args[1],    spec->args[2],
				    spec->args[3]};
		memset(p, 0, XS_PARAMS_SIZE);
		memcpy(p, words, sizeof(words));
	}
}

static int create_vcpu(int run_size, struct xs_vm *vm, unsigned int id, char *err, size_t errlen)
{
	struct xs_vcpu *v = &vm->vcpus[id];
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		return ERR("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
	v->run_size = (size_t)run_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return ERR("mmap of vCPU %u's kvm_run: %s", id, strerror(errno));
	}
	return 0;
}

void xs_guest_mem_fill(uint8_t *mem, const struct xs_vm_spec *spec)
{
	struct xs_vm vm = {.mem = mem, .mem_bytes = spec->mem_bytes, .mode = spec->mode};
	if (spec->image)
		load_image(&vm, spec->image);
	xs_vm_write_system_tables(&vm);
	write_params(&vm, spec);
}

int xs_vm_create(int kvm_fd, int run_size, const struct xs_vm_spec *spec, struct xs_vm **out, char *err, size_t errlen)
{
	struct xs_vm *vm = xs_calloc(1, sizeof(*vm));
	vm->fd = -1;
	vm->mode = spec->mode;
	vm->vcpus = xs_calloc(spec->vcpus, sizeof(*vm->vcpus));
	for (unsigned int i = 0; i < spec->vcpus; i++)
		vm->vcpus[i].fd = -1;
	vm->fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		(void)ERR("KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	/* VMX without unrestricted guest needs a TSS area to run real mode; harmless elsewhere. */
	if (xs_kvmdev_cap(vm->fd, KVM_CAP_SET_TSS_ADDR) && ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000ul)) {
		(void)ERR("KVM_SET_TSS_ADDR: %s", strerror(errno));
		goto fail;
	}
	if (spec->controls && xs_vm_apply_vm_controls(kvm_fd, vm->fd, spec->controls, err, errlen))
		goto fail;
	if (setup_memory(vm, spec, err, errlen))
		goto fail;
	xs_guest_mem_fill(vm->mem, spec);
	for (unsigned int i = 0; i < spec->vcpus; i++) {
		vm->nr_vcpus = i + 1;
		if (create_vcpu(run_size, vm, i, err, errlen))
			goto fail;
		static const struct xs_controls no_controls;
		const struct xs_controls *c = spec->controls ? spec->controls : &no_controls;
		if (xs_vcpu_apply_cpuid(kvm_fd, &vm->vcpus[i], c, err, errlen) ||
		    xs_vcpu_set_entry_regs(&vm->vcpus[i], spec->mode, spec->entry, err, errlen) ||
		    xs_vcpu_apply_debug(&vm->vcpus[i], c, 0, err, errlen))
			goto fail;
	}
	*out = vm;
	return 0;
fail:
	xs_vm_destroy(vm);
	return -1;
}

void xs_vm_destroy(struct xs_vm *vm)
{
	if (!vm)
		return;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->vcpus[i].run_size);
		if (vm->vcpus[i].fd >= 0)
			close(vm->vcpus[i].fd);
	}
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->mem)
		munmap(vm->mem, vm->mem_bytes);
	free(vm->vcpus);
	free(vm);
}
