/*
 * check_sim_routes.c - how routes are chosen, in the simulator: finger
 * density, proximity neighbour selection and the location cache
 * ([overlay] finger_density, pns and location_cache).  Each compares a
 * run with the choice against one without, on the same seed.  Every
 * failure names its seed.
 */
#include <math.h>

#include <check.h>

#include "check_main.h"
#include "ov_node.h"
#include "sim.h"

#define SEED	((uint64_t)(20261207 + _i))

/* n nodes join 100 ms apart; the ring settles, fingers are refreshed. */
static struct sim *
build(const struct sim_opts *o, unsigned n, unsigned idle_min)
{
	struct sim	*s = sim_new(o);
	unsigned	 i, t, wrong;

	sim_add(s, 0);
	for (i = 1; i < n; i++) {
		sim_add(s, 2);
		sim_run(s, 100);
	}
	for (t = 0; t < 60 && !sim_ring_ok(s, &wrong); t++)
		sim_run(s, 1000);
	ck_assert_msg(sim_ring_ok(s, &wrong), "seed %llu: %u nodes wrong 60 s "
	    "after the last join", (unsigned long long)o->seed, wrong);
	sim_run(s, (uint64_t)idle_min * 60000);
	return s;
}

static void
lookups(struct sim *s, uint64_t seed, struct sim_lookup_stats *st)
{
	sim_lookups(s, 400, OV_Q_PING, st);
	ck_assert_msg(st->ok == st->tried, "seed %llu: %u/%u lookups right, "
	    "%u wrong, %u failed", (unsigned long long)seed, st->ok,
	    st->tried, st->wrong, st->failed);
}

/* 4 finger slots an octave: about log2 N / 3 hops, not log2 N / 2. */
START_TEST(density_shortens_routes)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct sim_lookup_stats	 st1, st4;

	sim_opts_default(&o);
	o.seed = SEED;
	s = build(&o, 400, 5);
	lookups(s, o.seed, &st1);
	sim_free(s);
	o.node.finger_density_bits = 2;
	s = build(&o, 400, 5);
	lookups(s, o.seed, &st4);
	sim_free(s);
	ck_assert_msg(st4.mean_hops <= 0.8 * st1.mean_hops, "seed %llu: "
	    "mean hops %.2f at density 4, %.2f at 1",
	    (unsigned long long)o.seed, st4.mean_hops, st1.mean_hops);
}
END_TEST

static uint64_t
pns_swaps(struct sim *s)
{
	uint64_t	k = 0;
	unsigned	i;

	for (i = 0; i < sim_count(s); i++)
		if (sim_alive(s, i))
			k += ov_node_stats(sim_node(s, i))->pns_swaps;
	return k;
}

/*
 * Nodes on a plane, links 10 to 150 ms: with proximity neighbour
 * selection fingers are near peers of their ranges, and lookups faster.
 */
START_TEST(pns_nearer_fingers)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct sim_lookup_stats	 off, on;

	sim_opts_default(&o);
	o.seed = SEED;
	o.spatial_ms = 100;
	s = build(&o, 400, 10);
	lookups(s, o.seed, &off);
	ck_assert_uint_eq(pns_swaps(s), 0);
	sim_free(s);
	o.node.pns = true;
	s = build(&o, 400, 10);
	lookups(s, o.seed, &on);
	ck_assert_msg(pns_swaps(s) > 0, "seed %llu: no finger swapped",
	    (unsigned long long)o.seed);
	sim_free(s);
	ck_assert_msg(on.mean_ms <= 0.9 * off.mean_ms, "seed %llu: lookups "
	    "%.1f ms with pns, %.1f ms without", (unsigned long long)o.seed,
	    on.mean_ms, off.mean_ms);
}
END_TEST

/*
 * The same keys looked up again from the same nodes: the second answer
 * links the asker to the peer responsible, the third lookup takes one
 * hop.  Without the cache it takes as many as the first.  Then nodes
 * join (some between a key and its cached peer) and cached peers crash:
 * every lookup is still answered by the node responsible now.
 */
START_TEST(location_cache_one_hop)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct sim_lookup_stats	 st;
	unsigned		 cache, i;

	for (cache = 0; cache <= 16; cache += 16) {
		sim_opts_default(&o);
		o.seed = SEED;
		o.node.location_cache = cache;
		s = build(&o, 300, 2);
		lookups(s, o.seed, &st);
		ck_assert_double_ge(st.mean_hops, 2.0);
		sim_lookups_again(s, OV_Q_PING, &st);
		sim_lookups_again(s, OV_Q_PING, &st);
		ck_assert_msg(st.ok == st.tried, "seed %llu, cache %u: %u/%u "
		    "right", (unsigned long long)o.seed, cache, st.ok,
		    st.tried);
		if (cache == 0) {
			ck_assert_double_ge(st.mean_hops, 2.0);
			sim_free(s);
			continue;
		}
		ck_assert_msg(st.mean_hops < 1.05, "seed %llu: the third "
		    "time %.2f hops", (unsigned long long)o.seed,
		    st.mean_hops);
		/* 60 nodes join, every 10th node crashes */
		for (i = 0; i < 60; i++) {
			sim_add(s, 2);
			sim_run(s, 100);
		}
		for (i = 0; i < 300; i += 10)
			sim_kill(s, i);
		sim_run(s, 30000);
		sim_lookups_again(s, OV_Q_PING, &st);
		ck_assert_msg(st.ok + st.failed == st.tried && st.wrong == 0,
		    "seed %llu: after the changes %u/%u right, %u wrong",
		    (unsigned long long)o.seed, st.ok, st.tried, st.wrong);
		/* only the lookups whose asking node crashed fail */
		ck_assert_uint_le(st.failed, st.tried / 5);
		sim_free(s);
	}
}
END_TEST

/* How many of the live nodes have at least max links. */
static unsigned
nodes_full(struct sim *s, unsigned max)
{
	struct ov_link_info	li;
	unsigned		i, k, full = 0;

	for (i = 0; i < sim_count(s); i++) {
		if (!sim_alive(s, i))
			continue;
		for (k = 0; ov_node_link_info(sim_node(s, i), sim_now(s), k,
		    &li); k++)
			;
		full += k >= max;
	}
	return full;
}

/*
 * Nodes whose fingers fill max_links (4 slots an octave, max_links 24):
 * the ring still becomes right (a full node attaches to a new neighbor,
 * and the neighbor takes it), and the cache's links come on top of
 * max_links at both ends (an Attach to a Node-ID is taken past it; one
 * to a Resource-ID, a finger's, is refused), so the third lookup takes
 * about one hop.  With max_links as a limit on both, the same seeds left
 * nodes wrong for 600 s, and the third lookup took 3.1 hops.
 */
START_TEST(location_cache_past_max_links)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct sim_lookup_stats	 st;
	unsigned		 full;

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.finger_density_bits = 2;
	o.node.max_links = 24;
	o.node.location_cache = 16;
	s = build(&o, 300, 2);
	full = nodes_full(s, o.node.max_links);
	ck_assert_msg(full >= 100, "seed %llu: %u nodes at max_links",
	    (unsigned long long)o.seed, full);
	lookups(s, o.seed, &st);
	sim_lookups_again(s, OV_Q_PING, &st);
	sim_lookups_again(s, OV_Q_PING, &st);
	ck_assert_msg(st.ok == st.tried, "seed %llu: %u/%u right",
	    (unsigned long long)o.seed, st.ok, st.tried);
	ck_assert_msg(st.mean_hops < 1.5, "seed %llu: the third time %.2f "
	    "hops, %u nodes at max_links", (unsigned long long)o.seed,
	    st.mean_hops, full);
	sim_free(s);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sim_routes");
	TCase	*tc = tcase_create("routes");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, density_shortens_routes, 0, 2);
	tcase_add_loop_test(tc, pns_nearer_fingers, 0, 2);
	tcase_add_loop_test(tc, location_cache_one_hop, 0, 2);
	tcase_add_loop_test(tc, location_cache_past_max_links, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
