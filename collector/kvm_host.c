// SPDX-License-Identifier: MIT
#include "collector/kvm_host.h"

#include <bpf/btf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static bool btf_has_struct(const struct btf *btf, const char *name)
{
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT) > 0;
}

/* vcpu_svm / vcpu_vmx in vmlinux (KVM built in) or in the vendor module's BTF. */
static enum xs_kvm_vendor probe_btf_vendor(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return XS_KVM_VENDOR_NONE;
	enum xs_kvm_vendor v = XS_KVM_VENDOR_NONE;
	if (btf_has_struct(vmlinux, "vcpu_svm"))
		v = XS_KVM_VENDOR_SVM;
	else if (btf_has_struct(vmlinux, "vcpu_vmx"))
		v = XS_KVM_VENDOR_VMX;
	static const struct {
		const char *path, *type;
		enum xs_kvm_vendor vendor;
	} mods[] = {
		{"/sys/kernel/btf/kvm_amd", "vcpu_svm", XS_KVM_VENDOR_SVM},
		{"/sys/kernel/btf/kvm_intel", "vcpu_vmx", XS_KVM_VENDOR_VMX},
	};
	for (size_t i = 0; v == XS_KVM_VENDOR_NONE && i < sizeof(mods) / sizeof(mods[0]); i++) {
		if (!exists(mods[i].path))
			continue;
		struct btf *m = btf__parse_split(mods[i].path, vmlinux);
		if (btf_has_struct(m, mods[i].type))
			v = mods[i].vendor;
		btf__free(m);
	}
	btf__free(vmlinux);
	return v;
}

void xs_kvm_host_probe(struct xs_kvm_host *h)
{
	memset(h, 0, sizeof(*h));
	static const char *const vendors[] = {"kvm_amd", "kvm_intel"};
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/sys/module/%s", vendors[i]);
		if (exists(path)) {
			h->hw_mode = true;
			snprintf(h->module, sizeof(h->module), "%s", vendors[i]);
			break;
		}
	}
	if (!h->hw_mode && exists("/sys/module/kvm_pvm"))
		snprintf(h->module, sizeof(h->module), "kvm_pvm");
	h->btf_vendor = probe_btf_vendor();
	if (h->btf_vendor != XS_KVM_VENDOR_NONE)
		h->hw_mode = true;
	static const char *const dirs[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[96];
		snprintf(path, sizeof(path), "%s/events/kvm", dirs[i]);
		if (exists(path)) {
			h->tracefs = true;
			snprintf(h->tracefs_dir, sizeof(h->tracefs_dir), "%s", dirs[i]);
			break;
		}
	}
}

const char *xs_kvm_vendor_name(enum xs_kvm_vendor v)
{
	switch (v) {
	case XS_KVM_VENDOR_SVM:
		return "svm";
	case XS_KVM_VENDOR_VMX:
		return "vmx";
	default:
		return "none";
	}
}
