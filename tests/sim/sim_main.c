/*
 * sim_main.c - ovsim: build an overlay of N simulated nodes and measure it.
 *
 *   ovsim [-n NODES] [-s SEED] [-l LOOKUPS] [-f FAIL%] [-j JOIN_MS]
 *         [-i IDLE_MIN] [-v]
 *
 * Nodes join one every JOIN_MS (virtual) through two random live nodes;
 * then ovsim waits for the ring to be correct, runs lookups, measures
 * idle traffic, optionally fails FAIL% of the nodes at once and measures
 * again.  Exit status 1 if the ring never converged or lookups failed.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rng.h"
#include "sim.h"

static double
real_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run in 1 s steps until the ring is right or limit_ms passes. */
static bool
converge(struct sim *s, uint64_t limit_ms, double *took_s, unsigned *wrong)
{
	uint64_t	start = sim_now(s);

	while (!sim_ring_ok(s, wrong)) {
		if (sim_now(s) - start >= limit_ms)
			return false;
		sim_run(s, 1000);
	}
	*took_s = (double)(sim_now(s) - start) / 1000;
	return true;
}

static bool
report_lookups(struct sim *s, unsigned n, unsigned alive)
{
	struct sim_lookup_stats	st;

	sim_lookups(s, n, OV_Q_PING, &st);
	printf("lookups: %u/%u answered by the responsible node, %u wrong, "
	    "%u failed; hops mean %.2f max %u (1/2 log2 N = %.2f)\n", st.ok,
	    st.tried, st.wrong, st.failed, st.mean_hops, st.max_hops,
	    0.5 * log2((double)alive));
	return st.ok == st.tried;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ovsim [-n NODES] [-s SEED] [-l LOOKUPS] "
	    "[-f FAIL_PERCENT] [-j JOIN_MS] [-i IDLE_MINUTES] [-v]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 n = 200, lookups = 1000, fail = 0, idle = 10, join = 100;
	unsigned	 i, wrong, alive, killed = 0;
	uint64_t	 m0;
	double		 t0, took;
	bool		 ok = true;
	int		 ch;

	sim_opts_default(&o);
	if (getenv("OVSIM_NODE") != NULL)
		o.verbose_node = atoi(getenv("OVSIM_NODE"));
	while ((ch = getopt(argc, argv, "n:s:l:f:j:i:v")) != -1) {
		switch (ch) {
		case 'n': n = (unsigned)atoi(optarg); break;
		case 's': o.seed = strtoull(optarg, NULL, 10); break;
		case 'l': lookups = (unsigned)atoi(optarg); break;
		case 'f': fail = (unsigned)atoi(optarg); break;
		case 'j': join = (unsigned)atoi(optarg); break;
		case 'i': idle = (unsigned)atoi(optarg); break;
		case 'v': o.verbose = true; break;
		default: usage();
		}
	}
	if (n < 1 || fail > 90)
		usage();
	s = sim_new(&o);
	t0 = real_s();
	sim_add(s, 0);
	for (i = 1; i < n; i++) {
		sim_add(s, 2);
		sim_run(s, join);
	}
	printf("ovsim: seed %llu: %u nodes joined in %.1f s virtual, %.1f s "
	    "real\n", (unsigned long long)o.seed, n,
	    (double)sim_now(s) / 1000, real_s() - t0);
	if (!converge(s, 600000, &took, &wrong)) {
		printf("ring: NOT correct after 600 s: %u nodes wrong\n", wrong);
		if (o.verbose || getenv("OVSIM_DUMP") != NULL)
			sim_dump(s, stdout);
		ok = false;
	} else
		printf("ring: correct %.0f s after the last join\n", took);
	ok &= report_lookups(s, lookups, n);
	m0 = sim_messages(s);
	sim_run(s, (uint64_t)idle * 60000);
	printf("idle: %.2f messages per node per minute over %u minutes\n",
	    (double)(sim_messages(s) - m0) / n / idle, idle);
	if (fail > 0) {
		struct rng_xoshiro	x;
		struct rng		r = { rng_xoshiro_fill, &x };

		rng_xoshiro_seed(&x, o.seed + 1);
		while (killed < n * fail / 100) {
			i = (unsigned)rng_below(&r, n);
			if (sim_alive(s, i)) {
				sim_kill(s, i);
				killed++;
			}
		}
		alive = n - killed;
		printf("failed %u nodes (%u%%) at once\n", killed, fail);
		if (!converge(s, 600000, &took, &wrong)) {
			printf("ring: NOT repaired after 600 s: %u wrong\n",
			    wrong);
			ok = false;
		} else
			printf("ring: repaired in %.0f s\n", took);
		ok &= report_lookups(s, lookups, alive);
	}
	printf("ovsim: %.1f s real in all\n", real_s() - t0);
	sim_free(s);
	return ok ? 0 : 1;
}
