// SPDX-License-Identifier: MIT
#include "launcher/kvmdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int xs_kvmdev_cap(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
	return r < 0 ? 0 : r;
}

int xs_kvmdev_open(struct xs_kvmdev *k, const char *path, char *err, size_t errlen)
{
	k->fd = open(path, O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		int e = errno;
		const char *hint = e == ENOENT ? " (no KVM on this host: load kvm_intel/kvm_amd or use a host with KVM)"
				   : e == EACCES ? " (run as root or join the group that owns it)"
						 : "";
		snprintf(err, errlen, "%s: %s%s", path, strerror(e), hint);
		return -1;
	}
	int version = ioctl(k->fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		snprintf(err, errlen, "%s: KVM API version %d, need %d (is this a KVM device?)", path, version,
			 KVM_API_VERSION);
		goto fail;
	}
	k->run_size = ioctl(k->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_size < (int)sizeof(struct kvm_run)) {
		snprintf(err, errlen, "%s: bad KVM_GET_VCPU_MMAP_SIZE %d", path, k->run_size);
		goto fail;
	}
	k->max_vcpus = xs_kvmdev_cap(k->fd, KVM_CAP_MAX_VCPUS);
	if (k->max_vcpus <= 0)
		k->max_vcpus = xs_kvmdev_cap(k->fd, KVM_CAP_NR_VCPUS);
	if (k->max_vcpus <= 0)
		k->max_vcpus = 1;
	return 0;
fail:
	close(k->fd);
	k->fd = -1;
	return -1;
}

void xs_kvmdev_close(struct xs_kvmdev *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}
