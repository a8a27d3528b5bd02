// SPDX-License-Identifier: MIT
#include "tui/host.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void tui_host_kernel(char *buf, size_t len)
{
	struct utsname u;
	snprintf(buf, len, "%s", uname(&u) ? "?" : u.release);
}

const char *tui_vendor_short(const char *vendor_id)
{
	if (!strcmp(vendor_id, "AuthenticAMD"))
		return "AMD";
	if (!strcmp(vendor_id, "HygonGenuine"))
		return "Hygon";
	if (!strcmp(vendor_id, "GenuineIntel"))
		return "Intel";
	return vendor_id;
}

void tui_host_cpu(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096], vendor[64] = "?";
	bool vmx = false, svm = false, have_flags = false;
	while (f && fgets(line, sizeof(line), f) && !have_flags) {
		if (!strncmp(line, "vendor_id", 9)) {
			const char *v = strchr(line, ':');
			if (v && sscanf(v + 1, "%63s", vendor) != 1)
				snprintf(vendor, sizeof(vendor), "?");
		} else if (!strncmp(line, "flags", 5)) {
			have_flags = true;
			vmx = strstr(line, " vmx") != NULL;
			svm = strstr(line, " svm") != NULL;
		}
	}
	if (f)
		fclose(f);
	snprintf(buf, len, "%s %s", tui_vendor_short(vendor), vmx ? "vmx" : svm ? "svm" : "(no vmx/svm)");
}

/* The value of "-name" / "--name" / "--id" in a NUL-separated argument list. */
bool tui_cmdline_vm_name(const char *args, size_t len, char *buf, size_t buflen)
{
	const char *end = args + len;
	for (const char *a = args; a < end; a += strlen(a) + 1) {
		bool name_opt = !strcmp(a, "-name") || !strcmp(a, "--name") || !strcmp(a, "--id");
		const char *next = a + strlen(a) + 1;
		if (!name_opt || next >= end || !*next)
			continue;
		/* QEMU: "-name guest=web1,debug-threads=on" or "-name web1,process=x" */
		const char *v = strncmp(next, "guest=", 6) ? next : next + 6;
		size_t n = strcspn(v, ",");
		if (!n)
			continue;
		snprintf(buf, buflen, "%.*s", (int)n, v);
		return true;
	}
	return false;
}

bool tui_process_vm_name(uint32_t pid, char *buf, size_t len)
{
	char path[64], args[4096];
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, args, sizeof(args) - 1);
	close(fd);
	if (n > 0) {
		args[n] = 0;
		if (tui_cmdline_vm_name(args, (size_t)n, buf, len))
			return true;
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, args, sizeof(args) - 1);
	close(fd);
	if (n <= 0)
		return false;
	args[n] = 0;
	args[strcspn(args, "\n")] = 0;
	snprintf(buf, len, "%s", args);
	return true;
}
