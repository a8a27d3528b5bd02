// SPDX-License-Identifier: MIT
#include "collector/kvm_host.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * Whether the kernel's BTF describes the vendor module's vCPU structure (vcpu_svm / vcpu_vmx), without
 * parsing BTF (a second of CPU on a small machine): a loadable module (it has an initstate) brings it in its
 * own BTF file, a built-in one in vmlinux's.
 */
static bool vendor_btf(const char *module)
{
	char path[96];
	snprintf(path, sizeof(path), "/sys/module/%s/initstate", module);
	if (!exists(path))
		return exists("/sys/kernel/btf/vmlinux");
	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", module);
	return exists(path);
}

void xs_kvm_host_probe(struct xs_kvm_host *h)
{
	memset(h, 0, sizeof(*h));
	static const struct {
		const char *module;
		enum xs_kvm_vendor vendor;
	} vendors[] = {{"kvm_amd", XS_KVM_VENDOR_SVM}, {"kvm_intel", XS_KVM_VENDOR_VMX}};
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/sys/module/%s", vendors[i].module);
		if (!exists(path))
			continue;
		h->hw_mode = true;
		snprintf(h->module, sizeof(h->module), "%s", vendors[i].module);
		if (vendor_btf(vendors[i].module))
			h->btf_vendor = vendors[i].vendor;
		break;
	}
	if (!h->hw_mode && exists("/sys/module/kvm_pvm"))
		snprintf(h->module, sizeof(h->module), "kvm_pvm");
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

/* KVM's debugfs names each VM's directory "PID-FD". */
static bool debugfs_lists_vm(void)
{
	DIR *d = opendir("/sys/kernel/debug/kvm");
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	int pid, fd;
	char end;
	while (!found && (e = readdir(d)))
		found = sscanf(e->d_name, "%d-%d%c", &pid, &fd, &end) == 2;
	closedir(d);
	return found;
}

static bool process_holds_vm(const char *pid)
{
	char path[300];
	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	DIR *d = opendir(path);
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		char link[64];
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, e->d_name);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			found = !strcmp(link, "anon_inode:kvm-vm");
		}
	}
	closedir(d);
	return found;
}

bool xs_kvm_vm_running(void)
{
	if (debugfs_lists_vm())
		return true;
	DIR *d = opendir("/proc");
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d)))
		found = isdigit((unsigned char)e->d_name[0]) && process_holds_vm(e->d_name);
	closedir(d);
	return found;
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
