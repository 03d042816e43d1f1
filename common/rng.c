/*
 * rng.c - helpers over an injected random source; xoshiro256** for tests.
 */
#include <string.h>

#include "rng.h"

uint64_t
rng_u64(struct rng *r)
{
	uint64_t	v;

	r->fill(&v, sizeof v, r->arg);
	return v;
}

uint64_t
rng_below(struct rng *r, uint64_t n)
{
	uint64_t	v, limit;

	if (n <= 1)
		return 0;
	/* Reject the top partial range so every value is equally likely. */
	limit = UINT64_MAX - UINT64_MAX % n;
	do
		v = rng_u64(r);
	while (v >= limit);
	return v % n;
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
xoshiro_next(struct rng_xoshiro *x)
{
	uint64_t	result = rotl(x->s[1] * 5, 7) * 9;
	uint64_t	t = x->s[1] << 17;

	x->s[2] ^= x->s[0];
	x->s[3] ^= x->s[1];
	x->s[1] ^= x->s[2];
	x->s[0] ^= x->s[3];
	x->s[2] ^= t;
	x->s[3] = rotl(x->s[3], 45);
	return result;
}

void
rng_xoshiro_seed(struct rng_xoshiro *x, uint64_t seed)
{
	int	i;

	/* splitmix64 spreads the seed over the state. */
	for (i = 0; i < 4; i++) {
		uint64_t	z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		x->s[i] = z ^ (z >> 31);
	}
}

void
rng_xoshiro_fill(void *buf, size_t len, void *arg)
{
	struct rng_xoshiro	*x = arg;
	uint8_t			*p = buf;
	uint64_t		 v;
	size_t			 n;

	while (len > 0) {
		v = xoshiro_next(x);
		n = len < sizeof v ? len : sizeof v;
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}
