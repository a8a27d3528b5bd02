/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU KVM binary statistics (KVM_CAP_BINARY_STATS_FD): the counters of exits KVM handles in the kernel,
 * which never reach the launcher's loop. The launcher samples them at the start and end of a run and stores
 * both as kvmstat.vcpuN.<name>.start / .end metadata. Only scalar statistics are kept (histograms skipped).
 */
#ifndef EXITSCOPE_LAUNCHER_KVMSTAT_H
#define EXITSCOPE_LAUNCHER_KVMSTAT_H

#include <stddef.h>
#include <stdint.h>

struct xs_kvmstat {
	int fd;
	unsigned int n;
	char **names;
	uint32_t *offsets; /* byte offset of each value from the start of the fd */
};

/* Read the descriptors from a statistics fd (taken over: closed by xs_kvmstat_close). */
int xs_kvmstat_parse(struct xs_kvmstat *s, int stats_fd, char *err, size_t errlen);
/* KVM_GET_STATS_FD on a vCPU fd, then parse. */
int xs_kvmstat_open(struct xs_kvmstat *s, int vcpu_fd, char *err, size_t errlen);
/* Current values, s->n of them. */
int xs_kvmstat_read(const struct xs_kvmstat *s, uint64_t *values);
/* Index of a statistic by name, or -1. */
int xs_kvmstat_find(const struct xs_kvmstat *s, const char *name);
void xs_kvmstat_close(struct xs_kvmstat *s);

#endif
