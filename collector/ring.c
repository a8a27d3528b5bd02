// SPDX-License-Identifier: MIT
#include "collector/ring.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/util.h"

struct xs_ring {
	xs_ring_fn fn;
	void *ctx;
	int epoll_fd;
	size_t page, mask;
	uint64_t *consumer_pos; /* page 0 of the map: ours to write */
	uint64_t *producer_pos; /* page 1: the kernel's */
	uint8_t *data;		/* after it: the ring, mapped twice in a row so no record wraps */
};

struct xs_ring *xs_ring_open(int map_fd, size_t ring_bytes, xs_ring_fn fn, void *ctx, char *err, size_t errlen)
{
	if (!ring_bytes || ring_bytes & (ring_bytes - 1)) {
		snprintf(err, errlen, "ring size %zu is not a power of two", ring_bytes);
		return NULL;
	}
	struct xs_ring *r = xs_calloc(1, sizeof(*r));
	r->fn = fn;
	r->ctx = ctx;
	r->epoll_fd = -1;
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->mask = ring_bytes - 1;
	void *c = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (c == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the ring's consumer page: %s", strerror(errno));
		free(r);
		return NULL;
	}
	r->consumer_pos = c;
	void *p = mmap(NULL, r->page + 2 * ring_bytes, PROT_READ, MAP_SHARED, map_fd, (off_t)r->page);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the ring: %s", strerror(errno));
		xs_ring_free(r);
		return NULL;
	}
	r->producer_pos = p;
	r->data = (uint8_t *)p + r->page;
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	if (r->epoll_fd < 0 || epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev) < 0) {
		snprintf(err, errlen, "cannot wait on the ring: %s", strerror(errno));
		xs_ring_free(r);
		return NULL;
	}
	return r;
}

void xs_ring_free(struct xs_ring *r)
{
	if (!r)
		return;
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	if (r->producer_pos)
		munmap(r->producer_pos, r->page + 2 * (r->mask + 1));
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page);
	free(r);
}

int xs_ring_consume(struct xs_ring *r)
{
	uint64_t cons = __atomic_load_n(r->consumer_pos, __ATOMIC_RELAXED), published = cons;
	int n = 0;
	for (;;) {
		uint64_t prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		if (cons == prod)
			break;
		while (cons < prod) {
			uint32_t *hdr = (uint32_t *)(r->data + (cons & r->mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			if (len & BPF_RINGBUF_BUSY_BIT)
				goto out; /* reserved, not yet submitted: the rest waits for the next round */
			cons += ((len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ + 7) &
				~(uint64_t)7;
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				r->fn(r->ctx, hdr + 2, len & ~BPF_RINGBUF_DISCARD_BIT);
				n++;
			}
			if (cons - published >= XS_RING_PUBLISH_BYTES) {
				__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
				published = cons;
			}
		}
	}
out:
	if (cons != published)
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	return n;
}

int xs_ring_poll(struct xs_ring *r, int timeout_ms)
{
	struct epoll_event ev;
	if (epoll_wait(r->epoll_fd, &ev, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return xs_ring_consume(r);
}
