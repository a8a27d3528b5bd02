/* SPDX-License-Identifier: MIT */
/*
 * Facts about this host and its processes for the dashboard's header and VM names: the kernel release, the
 * CPU vendor and its hardware virtualization, and the name a VM process carries.
 */
#ifndef EXITSCOPE_TUI_HOST_H
#define EXITSCOPE_TUI_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "6.1.0-18-amd64" (uname -r), or "?" */
void tui_host_kernel(char *buf, size_t len);
/* "AMD svm", "Intel vmx", "AMD (no vmx/svm)" from /proc/cpuinfo, or "?" */
void tui_host_cpu(char *buf, size_t len);
/* "AuthenticAMD" -> "AMD", "GenuineIntel" -> "Intel"; other vendor strings as they are. */
const char *tui_vendor_short(const char *vendor_id);

/*
 * The VM name of a host process, from its command line (QEMU's "-name guest=web1,..." or "-name web1",
 * kvmtool's "--name web1", Firecracker's "--id web1"), else its comm. False when the process is gone.
 */
bool tui_process_vm_name(uint32_t pid, char *buf, size_t len);
/* The same from a command line already read: NUL-separated arguments, len bytes. */
bool tui_cmdline_vm_name(const char *args, size_t len, char *buf, size_t buflen);

#endif
