/* SPDX-License-Identifier: MIT */
/* The KVM device the commands use, in one place for run, top --run and record. */
#ifndef EXITSCOPE_CLI_KVM_DEVICE_H
#define EXITSCOPE_CLI_KVM_DEVICE_H

/* $EXITSCOPE_KVM when set and not empty (tests hide the device with it, containers move it), else /dev/kvm. */
const char *xs_cli_kvm_device(void);

#endif
