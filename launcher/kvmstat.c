// SPDX-License-Identifier: MIT
#include "launcher/kvmstat.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/util.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)
#define MAX_STATS 4096
#define MAX_NAME 1024

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, (off_t)off);
	return n == (ssize_t)len ? 0 : -1;
}

int xs_kvmstat_parse(struct xs_kvmstat *s, int stats_fd, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->fd = stats_fd;
	struct kvm_stats_header h;
	if (read_at(stats_fd, &h, sizeof(h), 0))
		return ERR("KVM stats: cannot read the header");
	if (h.num_desc > MAX_STATS || h.name_size == 0 || h.name_size > MAX_NAME)
		return ERR("KVM stats: implausible header (%u descriptors, names of %u bytes)", h.num_desc,
			   h.name_size);
	size_t desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	uint8_t *descs = xs_malloc(desc_size * (h.num_desc ? h.num_desc : 1));
	if (h.num_desc && read_at(stats_fd, descs, desc_size * h.num_desc, h.desc_offset)) {
		free(descs);
		return ERR("KVM stats: cannot read the descriptors");
	}
	s->names = xs_calloc(h.num_desc ? h.num_desc : 1, sizeof(*s->names));
	s->offsets = xs_calloc(h.num_desc ? h.num_desc : 1, sizeof(*s->offsets));
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc d;
		const uint8_t *p = descs + i * desc_size;
		memcpy(&d, p, sizeof(d));
		if (d.size != 1)
			continue; /* a histogram: not a single counter */
		uint64_t off = (uint64_t)h.data_offset + d.offset;
		if (off > UINT32_MAX - 8)
			continue;
		const char *name = (const char *)p + sizeof(struct kvm_stats_desc);
		size_t len = strnlen(name, h.name_size);
		if (!len || len == h.name_size)
			continue; /* empty or not NUL-terminated */
		s->names[s->n] = xs_strdup(name);
		s->offsets[s->n] = (uint32_t)off;
		s->n++;
	}
	free(descs);
	return 0;
}

int xs_kvmstat_open(struct xs_kvmstat *s, int vcpu_fd, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	int fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return ERR("KVM_GET_STATS_FD: %s", strerror(errno));
	if (xs_kvmstat_parse(s, fd, err, errlen)) {
		xs_kvmstat_close(s);
		return -1;
	}
	return 0;
}

int xs_kvmstat_read(const struct xs_kvmstat *s, uint64_t *values)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (read_at(s->fd, &values[i], sizeof(values[i]), s->offsets[i]))
			return -1;
	return 0;
}

int xs_kvmstat_find(const struct xs_kvmstat *s, const char *name)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return (int)i;
	return -1;
}

void xs_kvmstat_close(struct xs_kvmstat *s)
{
	for (unsigned int i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	free(s->offsets);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}
