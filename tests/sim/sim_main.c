/*
 * sim_main.c - ovsim: build an overlay of N simulated nodes and measure it.
 *
 *   ovsim [-n NODES] [-s SEED] [-l LOOKUPS] [-f FAIL%] [-j JOIN_MS]
 *         [-i IDLE_MIN] [-a AORS] [-e EXPIRES_S] [-H HOLDDOWN_MS]
 *         [-S SPREAD_MS] [-c MEAN_S [-m MINUTES] [-A SHAPE] [-o CSV]
 *         [-C]] [-d DENSITY] [-P] [-L SPATIAL_MS] [-K ENTRIES]
 *         [-M MAX_LINKS] [-v]
 *
 * Nodes join one every JOIN_MS (virtual) through two random live nodes,
 * or with --start SPREAD_MS all start within SPREAD_MS (0: at once), each
 * through the one before it in a random chain (sim_start_chain);
 * then ovsim waits for the ring to be correct, runs lookups, measures
 * idle traffic, optionally fails FAIL% of the nodes at once and measures
 * again.  Exit status 1 if the ring never converged or lookups failed.
 *
 * With AORS, the location service too (loc/loc.h): before the failures,
 * random nodes register AORS AORs (contact URIs, lifetime EXPIRES_S) and
 * each is looked up from a random node; after them, once the ring is
 * repaired and the replica hold-down over, and again once the lifetime
 * is over (the live registrars have refreshed theirs; those of dead
 * ones are gone).  Exit status 1 also if an AOR was not found before,
 * or one of a live registrar is lost at the end.
 *
 * With --churn MEAN_S, after the idle minutes the overlay churns for
 * MINUTES (sim_churn): sessions from a Pareto distribution of mean MEAN_S
 * and shape SHAPE (default 2), failures silent (-C: crashes), a new node
 * for each; LOOKUPS routed lookups and as many AOR lookups a minute,
 * AORS AORs a node (default 1).  A CSV row a minute to CSV; exit status
 * 1 if fewer than 99.9% of the lookups were answered by the responsible
 * node (issue 23's target) or fewer than 99.5% of the AOR lookups found
 * their binding.
 *
 * DENSITY (1, 2, 4, 8 or 16) is [overlay] finger_density: finger slots an
 * octave (ov_chord.h); -P turns on proximity neighbour selection
 * ([overlay] pns).  SPATIAL_MS puts the nodes at random points of a unit
 * square, a link's latency growing by SPATIAL_MS times the distance (so
 * that there is something for -P to find).  Lookups are run again after
 * the idle minutes, once the fingers have been refreshed.  ENTRIES is
 * [overlay] location_cache (default 0 here): then the same lookups, the
 * same keys from the same nodes, are made twice more.  MAX_LINKS is
 * [overlay] max_links (128): a density of 8 needs more.
 */
#include <sys/resource.h>

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rng.h"
#include "sim.h"

/* What --aors measures. */
struct aor_run {
	struct sim_aors	*a;
	unsigned	 n;
	int		 expires;
	unsigned	 stored;
	unsigned	 before;	/* found before the failures */
	unsigned	 unheld;	/* no copy left after them */
	double		 hops;		/* of the last routed lookups */
	uint64_t	 msgs;		/* sim_messages() at the start */
	uint64_t	 vstart;	/* virtual ms at the start */
	double		 wstart;	/* real s at the start */
};

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
report_lookups(struct sim *s, unsigned n, unsigned alive, double *hops)
{
	struct sim_lookup_stats	st;

	sim_lookups(s, n, OV_Q_PING, &st);
	printf("lookups: %u/%u answered by the responsible node, %u wrong, "
	    "%u failed; hops mean %.2f max %u (1/2 log2 N = %.2f), %.1f ms\n",
	    st.ok, st.tried, st.wrong, st.failed, st.mean_hops, st.max_hops,
	    0.5 * log2((double)alive), st.mean_ms);
	*hops = st.mean_hops;
	return st.ok == st.tried;
}

static void
aors_lookup(struct aor_run *r, const char *when, struct sim_aor_stats *st)
{
	sim_aors_lookup(r->a, st);
	printf("aors %s: found %u/%u (%u of dead registrars); lost %u "
	    "(registrar dead), %u (registrar alive); %u failed\n", when,
	    st->found, st->tried, st->found_dead, st->lost_dead,
	    st->lost_alive, st->failed);
}

/* Register the AORs and look each up once. */
static bool
aors_start(struct sim *s, struct aor_run *r)
{
	struct sim_aor_stats	st;
	uint64_t		t = sim_now(s);

	r->msgs = sim_messages(s);
	r->vstart = t;
	r->wstart = real_s();
	r->a = sim_aors_new(s, r->n, r->expires, &r->stored);
	printf("aors: %u of %u registered (lifetime %d s) in %.1f s "
	    "virtual\n", r->stored, r->n, r->expires,
	    (double)(sim_now(s) - t) / 1000);
	aors_lookup(r, "before", &st);
	r->before = st.found;
	return r->stored == r->n && st.found == st.tried;
}

/*
 * After killed of the nodes failed at killed_at: past the replica
 * hold-down, and past the lifetime; the summary.
 */
static bool
aors_after(struct sim *s, struct aor_run *r, unsigned nodes,
    unsigned killed, uint64_t killed_at, uint32_t holddown_ms)
{
	struct sim_aor_stats	st;
	struct rusage		ru;
	uint64_t		end = killed_at + holddown_ms + 5000;

	if (killed > 0) {
		if (sim_now(s) < end)
			sim_run(s, end - sim_now(s));
		printf("aors: %u of dead registrars; %u with no copy left\n",
		    sim_aors_orphaned(r->a), r->unheld);
		aors_lookup(r, "after the repair", &st);
	}
	end = killed_at + (uint64_t)r->expires * 1000 + 10000;
	if (sim_now(s) < end)
		sim_run(s, end - sim_now(s));
	aors_lookup(r, "after the lifetime", &st);
	getrusage(RUSAGE_SELF, &ru);
	printf("summary: %u nodes, %u AORs, %u failed; found %u before, %u "
	    "after; lost %u (registrar dead), %u (registrar alive); hops "
	    "%.2f; %llu messages, %.0f s virtual, %.1f s real; max RSS %.0f "
	    "MB\n", nodes, r->n, killed, r->before, st.found, st.lost_dead,
	    st.lost_alive, r->hops, (unsigned long long)(sim_messages(s) -
	    r->msgs), (double)(sim_now(s) - r->vstart) / 1000, real_s() -
	    r->wstart, (double)ru.ru_maxrss / 1024);
	return st.lost_alive == 0 && st.failed == 0;
}

static bool
churn(struct sim *s, struct sim_churn_cfg *cfg, const char *csv)
{
	struct sim_churn_stats	st;
	struct rusage		ru;
	double			w = real_s();

	if (csv != NULL && (cfg->csv = fopen(csv, "w")) == NULL) {
		perror(csv);
		return false;
	}
	printf("churn: %u minutes, sessions Pareto (shape %.2f) of mean "
	    "%.0f s, failures %s; %u lookups and %u AOR lookups a minute, "
	    "%u AORs a node\n", cfg->minutes, cfg->shape, cfg->mean_s,
	    cfg->crash ? "crashes" : "silent", cfg->lookups,
	    cfg->aor_lookups, cfg->aors);
	sim_churn(s, cfg, &st);
	if (cfg->csv != NULL && fclose(cfg->csv) != 0)
		perror(csv);
	getrusage(RUSAGE_SELF, &ru);
	printf("churn: peers %u-%u; %u failed, %u joined\n"
	    "churn lookups: %u/%u answered by the responsible node (%.3f%%), "
	    "%u wrong, %u failed; hops mean %.2f p99 %u (1/2 log2 N = %.2f); "
	    "%u lookups left out (the asking node failed)\n"
	    "churn aors: %u/%u found, %u lost (registrar alive), %u failed, "
	    "%u gone with their registrar\n"
	    "churn traffic: %.1f messages, %.0f bytes a node a minute\n"
	    "churn: %.1f s real, max RSS %.0f MB\n", st.nodes_min,
	    st.nodes_max, st.failures, st.joins, st.ok, st.lookups,
	    st.lookups ? 100.0 * st.ok / st.lookups : 100.0, st.wrong,
	    st.failed, st.mean_hops, st.p99_hops,
	    0.5 * log2((double)st.nodes_max), st.orphaned, st.aor_found,
	    st.aor_lookups,
	    st.aor_lost, st.aor_failed, st.aor_dead, st.msgs_per_node_min,
	    st.bytes_per_node_min, real_s() - w, (double)ru.ru_maxrss / 1024);
	return st.ok * 1000 >= st.lookups * 999 &&
	    st.aor_found * 1000 >= st.aor_lookups * 995;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ovsim [-n NODES] [-s SEED] [-l LOOKUPS] "
	    "[-f FAIL_PERCENT] [-j JOIN_MS] [-i IDLE_MINUTES]\n"
	    "             [-a AORS] [-e EXPIRES_S] [-H HOLDDOWN_MS] [-S SPREAD_MS]\n"
	    "             [-c MEAN_S [-m MINUTES] [-A SHAPE] [-o CSV] [-C]] "
	    "[-d DENSITY] [-P] [-L SPATIAL_MS] [-K ENTRIES]\n"
	    "             [-M MAX_LINKS] [-v]\n"
	    "       (long: --nodes --seed --lookups --fail --join --idle "
	    "--aors --expires --holddown --start\n"
	    "        --churn --minutes --shape --csv --crash --density --pns "
	    "--spatial --location-cache\n"
	    "        --max-links --verbose)\n");
	exit(2);
}

static const struct option longopts[] = {
	{ "nodes",	required_argument,	NULL,	'n' },
	{ "seed",	required_argument,	NULL,	's' },
	{ "lookups",	required_argument,	NULL,	'l' },
	{ "fail",	required_argument,	NULL,	'f' },
	{ "join",	required_argument,	NULL,	'j' },
	{ "idle",	required_argument,	NULL,	'i' },
	{ "aors",	required_argument,	NULL,	'a' },
	{ "expires",	required_argument,	NULL,	'e' },
	{ "holddown",	required_argument,	NULL,	'H' },
	{ "start",	required_argument,	NULL,	'S' },
	{ "churn",	required_argument,	NULL,	'c' },
	{ "minutes",	required_argument,	NULL,	'm' },
	{ "shape",	required_argument,	NULL,	'A' },
	{ "csv",	required_argument,	NULL,	'o' },
	{ "crash",	no_argument,		NULL,	'C' },
	{ "density",	required_argument,	NULL,	'd' },
	{ "pns",	no_argument,		NULL,	'P' },
	{ "spatial",	required_argument,	NULL,	'L' },
	{ "location-cache", required_argument,	NULL,	'K' },
	{ "max-links",	required_argument,	NULL,	'M' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ NULL,		0,			NULL,	0 },
};

int
main(int argc, char **argv)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 n = 200, lookups = 1000, fail = 0, idle = 10, join = 100;
	unsigned	 i, wrong, alive, killed = 0;
	int		 spread = -1;
	unsigned	 density = 1;
	struct aor_run	 ar = { .expires = 600 };
	struct sim_churn_cfg cc = { .minutes = 30, .shape = 2, .aors = 1 };
	const char	*csv = NULL;
	bool		 aors_set = false;
	uint64_t	 m0, killed_at = 0;
	double		 t0, took;
	bool		 ok = true;
	int		 ch;

	/* a line at a time: a long run shows where it is */
	setvbuf(stdout, NULL, _IOLBF, 0);
	sim_opts_default(&o);
	if (getenv("OVSIM_NODE") != NULL)
		o.verbose_node = atoi(getenv("OVSIM_NODE"));
	/* the daemon's replica hold-down (§10.7.1) */
	o.node.replica_holddown_ms = 30000;
	while ((ch = getopt_long(argc, argv, "n:s:l:f:j:i:a:e:H:S:c:m:A:o:Cd:PL:K:M:v",
	    longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'n': n = (unsigned)atoi(optarg); break;
		case 's': o.seed = strtoull(optarg, NULL, 10); break;
		case 'l': lookups = (unsigned)atoi(optarg); break;
		case 'f': fail = (unsigned)atoi(optarg); break;
		case 'j': join = (unsigned)atoi(optarg); break;
		case 'i': idle = (unsigned)atoi(optarg); break;
		case 'a':
			ar.n = (unsigned)atoi(optarg);
			aors_set = true;
			break;
		case 'e': ar.expires = atoi(optarg); break;
		case 'H':
			o.node.replica_holddown_ms = (uint32_t)atoi(optarg);
			break;
		case 'S': spread = atoi(optarg); break;
		case 'c': cc.mean_s = atof(optarg); break;
		case 'm': cc.minutes = (unsigned)atoi(optarg); break;
		case 'A': cc.shape = atof(optarg); break;
		case 'o': csv = optarg; break;
		case 'C': cc.crash = true; break;
		case 'd':
			density = (unsigned)atoi(optarg);
			for (o.node.finger_density_bits = 0;
			    (1u << o.node.finger_density_bits) < density;
			    o.node.finger_density_bits++)
				;
			break;
		case 'P': o.node.pns = true; break;
		case 'L': o.spatial_ms = (uint32_t)atoi(optarg); break;
		case 'M': o.node.max_links = (unsigned)atoi(optarg); break;
		case 'K':
			o.node.location_cache = (unsigned)atoi(optarg);
			break;
		case 'v': o.verbose = true; break;
		default: usage();
		}
	}
	if (n < 1 || fail > 90 || ar.expires < 1 || spread > 3600000 ||
	    cc.mean_s < 0 || cc.shape <= 1 || cc.minutes < 1 ||
	    (cc.mean_s > 0 && fail > 0) || density < 1 || density > 16 ||
	    (density & (density - 1)) != 0 || o.node.max_links < 4)
		usage();
	if (cc.mean_s > 0) {
		/* with --churn, -a is AORs a node and -l a minute */
		cc.aors = aors_set ? ar.n : 1;
		ar.n = 0;
		cc.lookups = cc.aor_lookups = lookups;
	}
	s = sim_new(&o);
	t0 = real_s();
	if (spread >= 0)
		sim_start_chain(s, n, (unsigned)spread);
	else {
		sim_add(s, 0);
		for (i = 1; i < n; i++) {
			sim_add(s, 2);
			sim_run(s, join);
		}
	}
	printf("ovsim: seed %llu: %u nodes joined in %.1f s virtual, %.1f s "
	    "real\n", (unsigned long long)o.seed, n,
	    (double)sim_now(s) / 1000, real_s() - t0);
	if (!converge(s, 600000, &took, &wrong)) {
		printf("ring: NOT correct after 600 s: %u nodes wrong, %u "
		    "rings\n", wrong, sim_rings(s));
		if (o.verbose || getenv("OVSIM_DUMP") != NULL)
			sim_dump(s, stdout);
		ok = false;
	} else
		printf("ring: correct %.0f s after the last join (%u ring)\n",
		    took, sim_rings(s));
	ok &= report_lookups(s, lookups, n, &ar.hops);
	m0 = sim_messages(s);
	sim_run(s, (uint64_t)idle * 60000);
	if (idle > 0)
		printf("idle: %.2f messages per node per minute over %u "
		    "minutes\n", (double)(sim_messages(s) - m0) / n / idle,
		    idle);
	if (idle > 0) {
		/* the fingers refreshed (and with -P chosen by RTT) */
		printf("after idle: ");
		ok &= report_lookups(s, lookups, n, &ar.hops);
	}
	for (i = 0; i < 2 && o.node.location_cache > 0; i++) {
		struct sim_lookup_stats	st;
		uint64_t		hits = 0, links = 0;
		unsigned		k;

		sim_lookups_again(s, OV_Q_PING, &st);
		for (k = 0; k < sim_count(s); k++) {
			if (!sim_alive(s, k))
				continue;
			hits += ov_node_stats(sim_node(s, k))->lcache_hits;
			links += ov_node_stats(sim_node(s, k))->lcache_attaches;
		}
		printf("the same again: %u/%u answered by the responsible "
		    "node; hops mean %.2f max %u, %.1f ms (cache: %llu hits, "
		    "%llu links asked for)\n", st.ok, st.tried, st.mean_hops,
		    st.max_hops, st.mean_ms, (unsigned long long)hits,
		    (unsigned long long)links);
		ok &= st.ok == st.tried;
	}
	if (cc.mean_s > 0)
		ok &= churn(s, &cc, csv);
	if (ar.n > 0)
		ok &= aors_start(s, &ar);
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
		killed_at = sim_now(s);
		if (ar.n > 0)
			ar.unheld = sim_aors_unheld(ar.a);
		printf("failed %u nodes (%u%%) at once\n", killed, fail);
		if (!converge(s, 600000, &took, &wrong)) {
			printf("ring: NOT repaired after 600 s: %u wrong\n",
			    wrong);
			ok = false;
		} else
			printf("ring: repaired in %.0f s\n", took);
		ok &= report_lookups(s, lookups, alive, &ar.hops);
	}
	if (ar.n > 0)
		ok &= aors_after(s, &ar, n, killed, fail > 0 ? killed_at :
		    sim_now(s), o.node.replica_holddown_ms);
	printf("ovsim: %.1f s real in all\n", real_s() - t0);
	sim_aors_free(ar.a);
	sim_free(s);
	return ok ? 0 : 1;
}
