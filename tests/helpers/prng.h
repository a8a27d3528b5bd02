/* SPDX-License-Identifier: MIT */
/*
 * The one pseudo-random generator of the tests, benchmarks and fuzz helpers: xorshift64 (Marsaglia 2003,
 * shifts 13/7/17). Deterministic for a seed, so every run of a test or a benchmark sees the same inputs;
 * never for anything that must be unpredictable. Header-only: benchmarks and fuzz targets include it without
 * linking the test helpers.
 */
#ifndef EXITSCOPE_TESTS_PRNG_H
#define EXITSCOPE_TESTS_PRNG_H

#include <stdint.h>

struct xs_prng {
	uint64_t s; /* never 0: xorshift stays at 0 */
};

static inline struct xs_prng xs_prng_seed(uint64_t seed)
{
	struct xs_prng p = {seed ? seed : 0x9e3779b97f4a7c15ull};
	return p;
}

static inline uint64_t xs_prng_next(struct xs_prng *p)
{
	p->s ^= p->s << 13;
	p->s ^= p->s >> 7;
	p->s ^= p->s << 17;
	return p->s;
}

/* A value in [0, n) (n > 0); the modulo bias is irrelevant for test inputs. */
static inline uint64_t xs_prng_below(struct xs_prng *p, uint64_t n)
{
	return xs_prng_next(p) % n;
}

#endif
