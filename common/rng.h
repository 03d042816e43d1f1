/*
 * rng.h - an injected source of randomness (STYLE.md §3).
 *
 * Cores never read a random source of their own: transaction IDs, timer
 * jitter and random finger targets come from the struct rng they are
 * given.  The daemon fills it from OpenSSL, the simulator from a seeded
 * generator so that every run can be replayed.
 */
#ifndef RNG_H
#define RNG_H

#include <stddef.h>
#include <stdint.h>

typedef void (*rng_fill_cb)(void *buf, size_t len, void *arg);

struct rng {
	rng_fill_cb	 fill;
	void		*arg;
};

uint64_t rng_u64(struct rng *);
/* Uniform in [0, n); n > 0. */
uint64_t rng_below(struct rng *, uint64_t n);

/*
 * A small seeded generator (xoshiro256**) for the simulator and tests;
 * use rng_xoshiro_fill as the fill callback with the state as arg.
 */
struct rng_xoshiro {
	uint64_t	s[4];
};

void	rng_xoshiro_seed(struct rng_xoshiro *, uint64_t seed);
void	rng_xoshiro_fill(void *buf, size_t len, void *arg);

#endif
