/* SPDX-License-Identifier: MIT */
/*
 * A map from host thread id to a fixed-size value, for the per-vCPU-thread state the joiner, the perf
 * backend and its filter keep. Open addressing, grows by doubling; values are zeroed when created and stay
 * where they are until the next insertion (which may move them).
 */
#ifndef EXITSCOPE_COLLECTOR_TIDMAP_H
#define EXITSCOPE_COLLECTOR_TIDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_tidmap;

struct xs_tidmap *xs_tidmap_new(size_t value_size);
void xs_tidmap_free(struct xs_tidmap *m);

/* The value of tid, or NULL. */
void *xs_tidmap_find(const struct xs_tidmap *m, uint32_t tid);
/* The value of tid, created (zeroed) if absent; *created says which. Invalidates earlier pointers on growth. */
void *xs_tidmap_get(struct xs_tidmap *m, uint32_t tid, bool *created);

/* Visit every value (no insertion during the walk). */
void xs_tidmap_each(struct xs_tidmap *m, void (*fn)(void *ctx, uint32_t tid, void *value), void *ctx);

size_t xs_tidmap_count(const struct xs_tidmap *m);

#endif
