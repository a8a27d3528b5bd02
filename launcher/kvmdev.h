/* SPDX-License-Identifier: MIT */
/* The KVM system handle: /dev/kvm opened and checked, and capability queries. */
#ifndef EXITSCOPE_LAUNCHER_KVMDEV_H
#define EXITSCOPE_LAUNCHER_KVMDEV_H

#include <stddef.h>

struct xs_kvmdev {
	int fd;
	int run_size; /* KVM_GET_VCPU_MMAP_SIZE */
	int max_vcpus;
};

/*
 * Open the KVM device (normally /dev/kvm) and check the API version. On failure -1 and a one-line message
 * that says what to do ("/dev/kvm: Permission denied (run as root or join the kvm group)").
 */
int xs_kvmdev_open(struct xs_kvmdev *k, const char *path, char *err, size_t errlen);
void xs_kvmdev_close(struct xs_kvmdev *k);

/* KVM_CHECK_EXTENSION on fd (/dev/kvm or a VM): its value, or 0 when the ioctl fails. */
int xs_kvmdev_cap(int fd, long cap);

#endif
