/*
 * check_sim.c - the overlay at a few hundred nodes in the simulator:
 * convergence, lookups and their hop count, repair after 20% of the nodes
 * fail at once, graceful leaves, lossy links, two rings started apart
 * merging once they can reach each other, the rings a restart of every
 * host at once founds merging into one, and lookups under churn.  Every failure names its seed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "addr.h"
#include "ov_body.h"
#include "ov_node.h"
#include "sim.h"

#define SEED	((uint64_t)(20261121 + _i))

/* Nodes join every join_ms through two random live nodes. */
static struct sim *
build(struct sim_opts *o, unsigned n, unsigned join_ms)
{
	struct sim	*s = sim_new(o);
	unsigned	 i;

	sim_add(s, 0);
	for (i = 1; i < n; i++) {
		sim_add(s, 2);
		sim_run(s, join_ms);
	}
	return s;
}

/* Seconds until the ring is right, or -1 after limit_s. */
static int
settle(struct sim *s, unsigned limit_s)
{
	unsigned	t, wrong;

	for (t = 0; t <= limit_s; t++) {
		if (sim_ring_ok(s, &wrong))
			return (int)t;
		sim_run(s, 1000);
	}
	return -1;
}

static void
lookups_ok(struct sim *s, unsigned alive, uint64_t seed)
{
	struct sim_lookup_stats	st;

	sim_lookups(s, 500, OV_Q_PING, &st);
	ck_assert_msg(st.ok == st.tried, "seed %llu: %u/%u lookups right, %u "
	    "wrong, %u failed", (unsigned long long)seed, st.ok, st.tried,
	    st.wrong, st.failed);
	ck_assert_msg(st.mean_hops <= 0.5 * log2((double)alive) + 1,
	    "seed %llu: mean hops %.2f above 1/2 log2 N + 1 (N = %u)",
	    (unsigned long long)seed, st.mean_hops, alive);
}

START_TEST(converges_and_routes)
{
	struct sim_opts	 o;
	struct sim	*s;
	int		 t;

	sim_opts_default(&o);
	o.seed = SEED;
	s = build(&o, 300, 100);
	t = settle(s, 60);
	ck_assert_msg(t >= 0, "seed %llu: ring not right 60 s after the "
	    "last join", (unsigned long long)o.seed);
	lookups_ok(s, 300, o.seed);
	sim_free(s);
}
END_TEST

/* Probe and iterative RouteQuery find the same nodes as a routed Ping. */
START_TEST(probe_and_iterative)
{
	struct sim_lookup_stats	 st;
	struct sim_opts		 o;
	struct sim		*s;
	enum ov_query		 q;

	sim_opts_default(&o);
	o.seed = SEED;
	s = build(&o, 100, 100);
	ck_assert_int_ge(settle(s, 60), 0);
	for (q = OV_Q_PROBE; q <= OV_Q_ITERATIVE; q++) {
		sim_lookups(s, 200, q, &st);
		ck_assert_msg(st.ok == st.tried, "query %d: %u/%u right, %u "
		    "wrong, %u failed", q, st.ok, st.tried, st.wrong,
		    st.failed);
		ck_assert_uint_le(st.max_hops, OV_PATH_MAX);
	}
	sim_free(s);
}
END_TEST

START_TEST(repairs_after_20_percent_fail)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 killed = 0, i;

	sim_opts_default(&o);
	o.seed = SEED;
	s = build(&o, 300, 100);
	ck_assert_msg(settle(s, 60) >= 0, "seed %llu: no ring",
	    (unsigned long long)o.seed);
	sim_run(s, 30000);
	/* every fifth node crashes at the same instant */
	for (i = 0; i < 300; i += 5, killed++)
		sim_kill(s, i);
	ck_assert_msg(settle(s, 60) >= 0, "seed %llu: ring not repaired "
	    "60 s after %u nodes failed", (unsigned long long)o.seed, killed);
	lookups_ok(s, 300 - killed, o.seed);
	sim_free(s);
}
END_TEST

/*
 * Churn (sim_churn): 300 nodes whose sessions last 1,250 s on average
 * (Pareto; the Chord paper's highest rate, 0.4 failures a second in 500
 * nodes), failing silently and replaced, for 8 minutes: lookups keep
 * being answered by the node responsible at the time, and AORs of live
 * registrars are found (a few lookups may come while the copies are
 * moving: at most 0.5%).
 */
START_TEST(churn_keeps_lookups)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct sim_churn_cfg	 cfg = { .minutes = 8, .mean_s = 1250,
				    .shape = 2, .lookups = 300, .aors = 1,
				    .aor_lookups = 300 };
	struct sim_churn_stats	 st;
	char			 csv[4096];
	FILE			*f = fmemopen(csv, sizeof csv, "w");

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.replica_holddown_ms = 30000;
	s = build(&o, 300, 100);
	ck_assert_msg(settle(s, 60) >= 0, "seed %llu: no ring",
	    (unsigned long long)o.seed);
	cfg.csv = f;
	sim_churn(s, &cfg, &st);
	fclose(f);
	ck_assert_msg(st.failures > 60 && st.joins == st.failures &&
	    st.nodes_min >= 290, "seed %llu: %u failed, %u joined, %u-%u "
	    "peers", (unsigned long long)o.seed, st.failures, st.joins,
	    st.nodes_min, st.nodes_max);
	ck_assert_msg(st.lookups >= 2390 && st.ok * 1000 >= st.lookups * 995,
	    "seed %llu: %u/%u lookups right, %u wrong, %u failed",
	    (unsigned long long)o.seed, st.ok, st.lookups, st.wrong,
	    st.failed);
	ck_assert_msg(st.mean_hops <= 0.5 * log2(300.0) + 1, "seed %llu: "
	    "mean hops %.2f", (unsigned long long)o.seed, st.mean_hops);
	ck_assert_msg(st.aor_lost * 1000 <= st.aor_lookups * 5 &&
	    st.aor_found * 1000 >= st.aor_lookups * 995, "seed %llu: AORs %u/%u found, %u lost, %u "
	    "failed", (unsigned long long)o.seed, st.aor_found,
	    st.aor_lookups, st.aor_lost, st.aor_failed);
	/* a header and a row a minute */
	ck_assert_ptr_nonnull(strstr(csv, "minute,nodes,joins,failures,"));
	ck_assert_ptr_nonnull(strstr(csv, "\n8,"));
	sim_free(s);
}
END_TEST

/*
 * A host vanishes (no reset: its links go quiet): lookups of the key just
 * past it, which many routes reach through it, are forwarded again by the
 * hop that sent them there once its link turns suspect (ov_route_rescue),
 * so each is answered in about an RTO, not after the requester's
 * retransmission (3 s) or never.
 */
START_TEST(rescue_around_vanished_hop)
{
	struct sim_opts		 o;
	struct sim		*s;
	const struct sim_route	*r;
	struct ov_id		 key;
	unsigned		 t[40], i, x, from, slow = 0;

	sim_opts_default(&o);
	o.seed = SEED;
	s = build(&o, 100, 100);
	ck_assert_msg(settle(s, 60) >= 0, "seed %llu: no ring",
	    (unsigned long long)o.seed);
	sim_run(s, 60000);
	x = sim_member(s, 10);
	ov_id_add_u64(&key, ov_node_id(sim_node(s, x)), 1);
	sim_vanish(s, x);
	ck_assert(!sim_alive(s, x));
	for (i = 0; i < 40; i++) {
		do
			from = sim_member(s, (unsigned)rand() % sim_members(s));
		while (from == x);
		t[i] = sim_route_start(s, from, &key);
		sim_run(s, 2);
	}
	sim_run(s, 20000);
	for (i = 0; i < 40; i++) {
		r = sim_route(s, t[i]);
		ck_assert_msg(r->done && r->ok && r->rtt_ms < 3000, "seed %llu: "
		    "lookup %u: done %d ok %d error %d, %llu ms",
		    (unsigned long long)o.seed, i, r->done, r->ok, r->error,
		    (unsigned long long)r->rtt_ms);
		slow += r->rtt_ms >= 1000;
	}
	/* some went through the vanished hop: the case under test */
	ck_assert_msg(slow > 0, "seed %llu: no lookup met the vanished hop",
	    (unsigned long long)o.seed);
	sim_free(s);
}
END_TEST

START_TEST(graceful_leaves)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 i;
	int		 t;

	sim_opts_default(&o);
	o.seed = SEED;
	s = build(&o, 200, 100);
	ck_assert(settle(s, 60) >= 0);
	for (i = 10; i < 40; i++)
		sim_leave(s, i);
	/* Leave tells the neighbors: no timeouts to wait for */
	t = settle(s, 10);
	ck_assert_msg(t >= 0, "seed %llu: ring not right 10 s after 30 "
	    "leaves", (unsigned long long)o.seed);
	lookups_ok(s, 170, o.seed);
	sim_free(s);
}
END_TEST

START_TEST(lossy_links)
{
	struct sim_opts	 o;
	struct sim	*s;

	sim_opts_default(&o);
	o.seed = SEED;
	o.latency_ms = 50;
	o.jitter_ms = 30;
	o.loss = 0.05;
	s = build(&o, 150, 200);
	ck_assert_msg(settle(s, 120) >= 0, "seed %llu: no ring over lossy "
	    "links", (unsigned long long)o.seed);
	lookups_ok(s, 150, o.seed);
	sim_free(s);
}
END_TEST

/*
 * Every node lists both first nodes as its bootstrap, as one config would.
 * Cut apart, each half finds only its own entry (node 0 skips itself, node
 * 1 finds 0 unreachable) and forms its own ring; once the cut heals, the
 * periodic partition check (§10.7.4.4) merges the rings.
 */
START_TEST(rings_merge)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 boot[2] = { 0, 1 }, i, wrong;

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.partition_interval_ms = 20000;
	s = sim_new(&o);
	for (i = 0; i < 60; i++) {
		/* group set before the first packet leaves (after latency) */
		sim_partition(s, sim_add_with(s, boot, 2), i % 2);
		sim_run(s, 200);
	}
	ck_assert_int_eq(settle(s, 30), -1);	/* two rings, not one */
	ck_assert(!sim_ring_ok(s, &wrong));
	for (i = 0; i < 60; i++)
		sim_partition(s, i, 0);
	ck_assert_msg(settle(s, 300) >= 0, "seed %llu: rings not merged 300 s "
	    "after meeting", (unsigned long long)o.seed);
	lookups_ok(s, 60, o.seed);
	sim_free(s);
}
END_TEST

/*
 * Everybody starts at once with the same three bootstrap nodes, which
 * are starting too: the first of them starts the overlay, the others
 * wait for it, and one ring forms quickly.
 */
START_TEST(all_start_at_once)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 boot[3] = { 0, 1, 2 }, i;
	int		 t;

	sim_opts_default(&o);
	o.seed = SEED;
	s = sim_new(&o);
	for (i = 0; i < 100; i++)
		sim_add_with(s, boot, 3);
	t = settle(s, 60);
	ck_assert_msg(t >= 0 && t <= 10, "seed %llu: ring right after %d s",
	    (unsigned long long)o.seed, t);
	lookups_ok(s, 100, o.seed);
	sim_free(s);
}
END_TEST

/*
 * A restart of every host at once: each node's bootstrap list names the
 * node before it in a chain, which may not have started yet (refused:
 * it starts a ring alone) or may be joining (it founds a ring by the
 * tie-break).  Dozens of rings form; each peer keeps checking its
 * bootstrap entry until that entry routes our id to us, so they merge
 * into one.  _i 0: 1000 nodes at once; 1: 300 within 10 s.
 */
START_TEST(chain_start_merges)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 n = _i == 0 ? 1000 : 300;
	int		 t;

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.partition_interval_ms = 600000;	/* the daemon's */
	s = sim_new(&o);
	sim_start_chain(s, n, _i == 0 ? 0 : 10000);
	sim_run(s, 1000);
	ck_assert_msg(sim_rings(s) > 1, "seed %llu: one ring at once: the "
	    "scenario tests nothing", (unsigned long long)o.seed);
	t = settle(s, 30);
	ck_assert_msg(t >= 0, "seed %llu: %u rings 30 s after the last start",
	    (unsigned long long)o.seed, sim_rings(s));
	ck_assert_uint_eq(sim_rings(s), 1);
	lookups_ok(s, n, o.seed);
	sim_free(s);
}
END_TEST

/*
 * A node whose only neighbor (its bootstrap node) dies is alone and
 * probes the bootstrap list again, backing off: a handful of tries a
 * minute, not a busy loop.
 */
START_TEST(alone_again_backs_off)
{
	struct sim_opts	 o;
	struct sim	*s;
	uint64_t	 c0;
	unsigned	 boot[1] = { 0 };

	sim_opts_default(&o);
	o.seed = SEED;
	s = sim_new(&o);
	sim_add_with(s, boot, 1);
	sim_add_with(s, boot, 1);
	ck_assert_int_ge(settle(s, 30), 0);
	sim_kill(s, 0);
	c0 = sim_connects(s);
	sim_run(s, 60000);
	ck_assert_msg(sim_connects(s) - c0 >= 3 && sim_connects(s) - c0 <= 12,
	    "%llu tries to reach the bootstrap node in a minute",
	    (unsigned long long)(sim_connects(s) - c0));
	sim_free(s);
}
END_TEST

/*
 * A node cut off from the ring (its links stall: no FIN, no RST) goes
 * alone.  When the network returns, the node that answers for its id may
 * be its bootstrap node itself, already linked to it: it attaches to that
 * node over the bootstrap link and is in the ring again (§10.7.4.4).
 */
START_TEST(alone_rejoins_through_its_successor)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 boot[1] = { 0 }, i, v = 0;
	const struct ov_id *id0, *id;
	int		 t;

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.link_timeout_ms = 6000;
	o.node.probe_interval_ms = 2000;
	s = sim_new(&o);
	sim_add(s, 0);
	for (i = 1; i < 4; i++) {
		sim_run(s, 200);
		sim_add_with(s, boot, 1);
	}
	ck_assert_int_ge(settle(s, 30), 0);
	/* v: the node whose successor is node 0 */
	id0 = ov_node_id(sim_node(s, 0));
	for (i = 1; i < 4; i++) {
		id = ov_node_id(sim_node(s, i));
		if (v == 0 || ov_id_in_oo(ov_node_id(sim_node(s, v)), id, id0))
			v = i;
	}
	sim_partition(s, v, 1);
	for (t = 0; t < 30 && ov_node_state(sim_node(s, v)) != OV_ST_ALONE;
	    t++)
		sim_run(s, 1000);
	ck_assert_int_eq(ov_node_state(sim_node(s, v)), OV_ST_ALONE);
	sim_run(s, 500 + 100 * (unsigned)_i);	/* its first probe fails */
	sim_partition(s, v, 0);
	t = settle(s, 30);
	ck_assert_msg(t >= 0, "seed %llu: node %u not back 30 s after the "
	    "cut healed", (unsigned long long)o.seed, v);
	sim_free(s);
}
END_TEST

/*
 * Values stored from every node have their copies (§10.4: 3, or 5 as
 * configured), survive 30% of the nodes failing at once (the next
 * successors take over and copy them again, §10.7.3), and are fetched,
 * verified, from any live node.  A value all of whose copies were on
 * failed nodes is gone: with 3 copies that is 0.3^3, a few in 200; the
 * test counts those from where the copies were and expects every other
 * value back, with all its copies.
 */
START_TEST(values_survive_30_percent_fail)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 t[200], i, from, found = 0, gone = 0, copies;
	bool		 lost[200];
	char		 want[32], got[64];

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.replicas = 3 + 2 * (unsigned)_i;
	/* the copies go to the successors we know (and come back from
	 * the predecessors) */
	o.node.nsucc = o.node.npred = o.node.replicas;
	s = build(&o, 100, 200);
	ck_assert_int_ge(settle(s, 60), 0);
	for (i = 0; i < 200; i++) {
		snprintf(want, sizeof want, "relay %u", i);
		t[i] = sim_store(s, i / 2, (uint8_t)(i % 2), want);
		sim_run(s, 5);
	}
	sim_run(s, 5000);
	for (i = 0; i < 200; i++) {
		ck_assert_msg(sim_ticket(s, t[i], NULL, 0) == 0, "seed %llu: "
		    "store %u: %d", (unsigned long long)o.seed, i,
		    sim_ticket(s, t[i], NULL, 0));
		ck_assert_uint_eq(sim_copies(s, i / 2, (uint8_t)(i % 2)),
		    o.node.replicas);
	}
	for (i = 0; i < 100; i++)
		if (i % 10 < 3)
			sim_kill(s, i);
	for (i = 0; i < 200; i++) {
		lost[i] = sim_copies(s, i / 2, (uint8_t)(i % 2)) == 0;
		gone += lost[i];
	}
	ck_assert_msg(settle(s, 60) >= 0, "seed %llu: no repair",
	    (unsigned long long)o.seed);
	sim_run(s, 5000);
	for (i = 0; i < 200; i++) {
		copies = sim_copies(s, i / 2, (uint8_t)(i % 2));
		ck_assert_msg(lost[i] || copies == o.node.replicas, "seed "
		    "%llu: value %u has %u copies, not %u", (unsigned long long)
		    o.seed, i, copies, o.node.replicas);
		for (from = (i * 7) % 100; !sim_alive(s, from); )
			from = (from + 1) % 100;
		t[i] = sim_fetch(s, from, i / 2, (uint8_t)(i % 2));
		sim_run(s, 5);
	}
	sim_run(s, 5000);
	for (i = 0; i < 200; i++) {
		snprintf(want, sizeof want, "relay %u", i);
		if (sim_ticket(s, t[i], got, sizeof got) == 0 &&
		    strcmp(got, want) == 0)
			found++;
		else
			ck_assert_msg(lost[i], "seed %llu: value %u not found",
			    (unsigned long long)o.seed, i);
	}
	ck_assert_uint_eq(found + gone, 200);
	/* Stat through the ring: the metadata of a value, not the value */
	for (i = 0; lost[i]; i++)
		;
	t[0] = sim_stat(s, (i + 50) % 100 / 10 * 10 + 5, i / 2,
	    (uint8_t)(i % 2));
	sim_run(s, 2000);
	snprintf(want, sizeof want, "1 values, length %zu, sha256",
	    strlen("relay ") + (i >= 10) + (i >= 100) + 1);
	ck_assert_int_eq(sim_ticket(s, t[0], got, sizeof got), 0);
	ck_assert_str_eq(got, want);
	/* five copies: losing all of one is 0.3^5, 0.24% */
	ck_assert(o.node.replicas < 5 || gone <= 2);
	sim_free(s);
}
END_TEST

/* Values of 40 nodes (two each) that have fewer than all their copies,
 * not counting those lost outright (lost[] marks them). */
static unsigned
short_of_copies(struct sim *s, const bool *lost, unsigned want)
{
	unsigned	i, n = 0;

	for (i = 0; i < 80; i++)
		if (!lost[i] && sim_copies(s, i / 2, (uint8_t)(i % 2)) < want)
			n++;
	return n;
}

/*
 * §10.7.1: when successors fail, their replacements get their copies only
 * after the replacement hold-down (30 s); without one, at once.  The
 * values are found all along, from the copies that are left.
 */
START_TEST(replica_holddown)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 t[80], i, from, held;
	bool		 lost[80];
	uint64_t	 killed;
	char		 want[32], got[64];

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.replica_holddown_ms = _i == 0 ? 30000 : 0;
	s = build(&o, 40, 200);
	ck_assert_int_ge(settle(s, 60), 0);
	for (i = 0; i < 80; i++) {
		snprintf(want, sizeof want, "relay %u", i);
		t[i] = sim_store(s, i / 2, (uint8_t)(i % 2), want);
		sim_run(s, 5);
	}
	sim_run(s, 5000);
	for (i = 0; i < 80; i++)
		lost[i] = false;
	ck_assert_uint_eq(short_of_copies(s, lost, 3), 0);
	for (i = 5; i < 40; i += 10)
		sim_kill(s, i);
	killed = sim_now(s);
	for (i = 0; i < 80; i++)
		lost[i] = sim_copies(s, i / 2, (uint8_t)(i % 2)) == 0;
	ck_assert_msg(settle(s, 20) >= 0, "seed %llu: no repair",
	    (unsigned long long)o.seed);
	sim_run(s, 5000);
	ck_assert_uint_lt(sim_now(s) - killed, 30000);
	held = short_of_copies(s, lost, 3);
	if (o.node.replica_holddown_ms != 0)
		ck_assert_msg(held > 0, "seed %llu: copies made during the "
		    "hold-down", (unsigned long long)o.seed);
	else
		ck_assert_msg(held == 0, "seed %llu: %u values short of "
		    "copies", (unsigned long long)o.seed, held);
	/* found meanwhile */
	for (i = 0; i < 80; i++) {
		for (from = (i * 7) % 40; !sim_alive(s, from); )
			from = (from + 1) % 40;
		t[i] = sim_fetch(s, from, i / 2, (uint8_t)(i % 2));
		sim_run(s, 5);
	}
	sim_run(s, 3000);
	for (i = 0; i < 80; i++) {
		snprintf(want, sizeof want, "relay %u", i);
		ck_assert_msg(lost[i] || (sim_ticket(s, t[i], got, sizeof got)
		    == 0 && strcmp(got, want) == 0), "seed %llu: value %u not "
		    "found", (unsigned long long)o.seed, i);
	}
	/* after the hold-down, every value has its copies again */
	sim_run(s, 30000);
	ck_assert_msg(short_of_copies(s, lost, 3) == 0, "seed %llu: %u values "
	    "short of copies after the hold-down", (unsigned long long)o.seed,
	    short_of_copies(s, lost, 3));
	sim_free(s);
}
END_TEST

/* Replica Stores the live nodes of s sent so far. */
static uint64_t
replicas_sent(struct sim *s, unsigned n)
{
	struct ov_held_stats	st;
	uint64_t		sum = 0;
	unsigned		i;

	for (i = 0; i < n; i++)
		if (sim_alive(s, i)) {
			ov_node_held_stats(sim_node(s, i), &st);
			sum += st.replica_stores_sent;
		}
	return sum;
}

/*
 * A value stored after the neighbor table last changed was copied to the
 * successors of that table when it was stored (§10.4): the sync for the
 * change (here at the end of the hold-down after a failure, §10.7.1)
 * sends copies of the values held before only, those they are short of
 * (by a holder each, at most).  Before, it sent a new successor a second copy of each value
 * stored since too; a registrar's daemon publishing 10,000 AORs sent its
 * peer thousands of them at 255 a second, seen as 20 ms stalls in calls.
 */
START_TEST(sync_skips_what_was_stored_since)
{
	struct sim_opts	 o;
	struct sim	*s;
	uint64_t	 sent;
	unsigned	 t[200], i, from, short_of = 0;
	char		 v[32];

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.replica_holddown_ms = 30000;
	s = build(&o, 20, 200);
	ck_assert_int_ge(settle(s, 60), 0);
	for (i = 0; i < 40; i++) {
		snprintf(v, sizeof v, "old %u", i);
		(void)sim_store(s, i % 20, (uint8_t)(i / 20), v);
		sim_run(s, 5);
	}
	sim_run(s, 5000);
	sim_kill(s, 7);
	ck_assert_int_ge(settle(s, 20), 0);
	sim_run(s, 2000);
	for (i = 0; i < 200; i++) {
		from = i % 20 == 7 ? 8 : i % 20;
		snprintf(v, sizeof v, "new %u", i);
		t[i] = sim_store(s, from, (uint8_t)(2 + i / 20), v);
		sim_run(s, 5);
	}
	sim_run(s, 5000);
	for (i = 0; i < 200; i++) {
		from = i % 20 == 7 ? 8 : i % 20;
		ck_assert_int_eq(sim_ticket(s, t[i], NULL, 0), 0);
		ck_assert_uint_eq(sim_copies(s, from, (uint8_t)(2 + i / 20)),
		    3);
	}
	for (i = 0; i < 40; i++)
		if (i % 20 != 7)
			short_of += 3 - sim_copies(s, i % 20, (uint8_t)(i / 20));
	sent = replicas_sent(s, 20);
	sim_run(s, 30000);
	/* each missing copy sent by its responsible node, and by the
	 * other holders when the responsible node changed: at most the
	 * replicas */
	ck_assert_msg(replicas_sent(s, 20) - sent <= 3 * short_of, "seed "
	    "%llu: %llu copies after the hold-down for %u missing",
	    (unsigned long long)o.seed,
	    (unsigned long long)(replicas_sent(s, 20) - sent), short_of);
	sim_free(s);
}
END_TEST

/* A ring of one is its own storing peer: it stores and fetches. */
START_TEST(alone_first_node)
{
	struct sim_opts	 o;
	struct sim	*s;
	unsigned	 wrong, st, fe;
	char		 got[64];

	sim_opts_default(&o);
	s = sim_new(&o);
	sim_add(s, 0);
	sim_run(s, 1000);
	ck_assert(sim_ring_ok(s, &wrong));
	ck_assert_int_eq(ov_node_state(sim_node(s, 0)), OV_ST_ALONE);
	st = sim_store(s, 0, 0, "relay alone");
	fe = sim_fetch(s, 0, 0, 0);
	sim_run(s, 10);
	ck_assert_int_eq(sim_ticket(s, st, NULL, 0), 0);
	ck_assert_int_eq(sim_ticket(s, fe, got, sizeof got), 0);
	ck_assert_str_eq(got, "relay alone");
	fe = sim_fetch(s, 0, 0, 1);
	sim_run(s, 10);
	ck_assert_int_eq(sim_ticket(s, fe, got, sizeof got), ENOENT);
	fe = sim_stat(s, 0, 0, 0);
	sim_run(s, 10);
	ck_assert_int_eq(sim_ticket(s, fe, got, sizeof got), 0);
	ck_assert_str_eq(got, "1 values, length 11, sha256");
	sim_free(s);
}
END_TEST

/*
 * Find (RFC 6940 §7.4.4): asked at a service's own Resource-ID, or just
 * before it, the storing peer names it; asked where it holds nothing of
 * the Kind, it names none; walking R(n+1) = Find(R(n) + 1) from anywhere
 * visits every service the storing peer holds (§9: how peers come upon
 * TURN servers).
 */
START_TEST(find_names_services)
{
	struct sim_opts	 o;
	struct sim	*s;
	struct ov_id	 res[3], at, one;
	unsigned	 t, i, seen = 0, step;
	char		 got[64], want[3][2 * OV_ID_LEN + 1];

	sim_opts_default(&o);
	o.seed = SEED;
	s = build(&o, 20, 200);
	ck_assert_int_ge(settle(s, 60), 0);
	/* nothing stored: none */
	sim_turn_res(s, 3, 1, &at);
	t = sim_find(s, 7, &at);
	sim_run(s, 2000);
	ck_assert_int_eq(sim_ticket(s, t, got, sizeof got), 0);
	ck_assert_str_eq(got, "none");
	for (i = 0; i < 3; i++) {
		t = sim_store(s, 3 + i, 1, "relay");
		sim_run(s, 2000);
		ck_assert_int_eq(sim_ticket(s, t, NULL, 0), 0);
		sim_turn_res(s, 3 + i, 1, &res[i]);
		(void)ov_id_hex(&res[i], want[i]);
	}
	sim_run(s, 3000);
	memset(&one, 0, sizeof one);
	one.b[OV_ID_LEN - 1] = 1;
	for (i = 0; i < 3; i++) {
		t = sim_find(s, 11, &res[i]);
		sim_run(s, 2000);
		ck_assert_int_eq(sim_ticket(s, t, got, sizeof got), 0);
		ck_assert_str_eq(got, want[i]);
		ov_id_sub(&at, &res[i], &one);
		t = sim_find(s, 12, &at);
		sim_run(s, 2000);
		ck_assert_int_eq(sim_ticket(s, t, got, sizeof got), 0);
		ck_assert_str_eq(got, want[i]);
	}
	/* the walk: every answer is one of the three, at least one comes up,
	 * and it ends (wraps around to one seen) within ten steps.  It starts
	 * just past the first: a random point's peer may hold none of the
	 * three (9 copies among 20 nodes), and then the walk ends at once */
	ov_id_add(&at, &res[0], &one);
	for (step = 0; step < 10; step++) {
		t = sim_find(s, 15, &at);
		sim_run(s, 2000);
		ck_assert_int_eq(sim_ticket(s, t, got, sizeof got), 0);
		if (strcmp(got, "none") == 0)
			break;
		for (i = 0; i < 3 && strcmp(got, want[i]) != 0; i++)
			;
		ck_assert_uint_lt(i, 3);
		if (seen & (1u << i))
			break;
		seen |= 1u << i;
		ck_assert_int_eq(ov_id_from_hex(got, &at), 0);
		ov_id_add(&at, &at, &one);
	}
	ck_assert_uint_ne(seen, 0);
	ck_assert_uint_lt(step, 10);
	sim_free(s);
}
END_TEST

/*
 * A RELOAD client (RFC 6940 §4.2.1): it takes no place on the ring and
 * is in no peer's table, yet stores, fetches, and is reached along
 * [gateway, client]; when its gateway dies it takes the next bootstrap
 * entry and the new route reaches it.
 */
START_TEST(client_through_its_gateway)
{
	struct sim_opts	 o;
	struct sim	*s;
	struct addr	 sip, via;
	struct ov_id	 route[2], gw;
	const struct ov_chord *ch;
	unsigned	 boot[2] = { 3, 5 }, c, i, j, t;
	char		 got[64];

	sim_opts_default(&o);
	o.seed = SEED;
	s = build(&o, 12, 200);
	ck_assert_int_ge(settle(s, 60), 0);
	c = sim_add_client(s, boot, 2);
	ck_assert_int_eq(addr_parse("192.0.2.7:5061", 0, &sip), 0);
	ck_assert_int_eq(ov_node_app_serve(sim_node(s, c), OV_APP_SIP, &sip),
	    0);
	sim_run(s, 3000);
	ck_assert_int_ge(settle(s, 30), 0);	/* the client is one too */
	ck_assert_int_eq(ov_node_state(sim_node(s, c)), OV_ST_CLIENT);
	ck_assert(ov_node_gateway(sim_node(s, c), &gw));
	ck_assert(ov_id_eq(&gw, ov_node_id(sim_node(s, 3))));
	ck_assert_uint_eq(ov_node_self_route(sim_node(s, c), route), 2);
	for (i = 0; i < c; i++) {
		ch = ov_node_chord(sim_node(s, i));
		for (j = 0; j < ch->npred + ch->nsucc; j++)
			ck_assert(!ov_id_eq(j < ch->npred ? &ch->pred[j] :
			    &ch->succ[j - ch->npred], ov_node_id(sim_node(s,
			    c))));
	}
	/* it stores; a peer fetches it; it fetches a peer's */
	t = sim_store(s, c, 1, "from the client");
	sim_run(s, 2000);
	ck_assert_int_eq(sim_ticket(s, t, NULL, 0), 0);
	t = sim_store(s, 8, 1, "from peer 8");
	sim_run(s, 2000);
	ck_assert_int_eq(sim_ticket(s, t, NULL, 0), 0);
	t = sim_fetch(s, 9, c, 1);
	sim_run(s, 2000);
	ck_assert_int_eq(sim_ticket(s, t, got, sizeof got), 0);
	ck_assert_str_eq(got, "from the client");
	t = sim_fetch(s, c, 8, 1);
	sim_run(s, 2000);
	ck_assert_int_eq(sim_ticket(s, t, got, sizeof got), 0);
	ck_assert_str_eq(got, "from peer 8");
	/* a peer reaches it along [gateway, client] */
	t = sim_app_attach(s, 10, c);
	sim_run(s, 2000);
	ck_assert_int_eq(sim_ticket(s, t, got, sizeof got), 0);
	ck_assert_str_eq(got, "192.0.2.7:5061");
	/* it says where its gateway takes its SIP: the answer says so */
	ck_assert_int_eq(addr_parse("198.51.100.9:5061", 0, &via), 0);
	ck_assert_int_eq(ov_node_app_serve_relayed(sim_node(s, c),
	    OV_APP_SIP, &via), 0);
	t = sim_app_attach(s, 10, c);
	sim_run(s, 2000);
	ck_assert_int_eq(sim_ticket(s, t, got, sizeof got), 0);
	ck_assert_str_eq(got, "198.51.100.9:5061 relayed");
	ck_assert_int_eq(ov_node_app_serve_relayed(sim_node(s, c),
	    OV_APP_SIP, NULL), 0);
	/* its gateway dies: the next entry takes it; the new route works */
	sim_kill(s, 3);
	sim_run(s, 20000);
	ck_assert_int_eq(ov_node_state(sim_node(s, c)), OV_ST_CLIENT);
	ck_assert(ov_node_gateway(sim_node(s, c), &gw));
	ck_assert(ov_id_eq(&gw, ov_node_id(sim_node(s, 5))));
	t = sim_app_attach(s, 10, c);
	sim_run(s, 2000);
	ck_assert_int_eq(sim_ticket(s, t, got, sizeof got), 0);
	ck_assert_str_eq(got, "192.0.2.7:5061");
	sim_free(s);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sim");
	TCase	*tc = tcase_create("overlay");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, alone_first_node);
	tcase_add_test(tc, find_names_services);
	tcase_add_loop_test(tc, client_through_its_gateway, 0, 2);
	tcase_add_test(tc, alone_again_backs_off);
	tcase_add_loop_test(tc, alone_rejoins_through_its_successor, 0, 6);
	tcase_add_loop_test(tc, all_start_at_once, 0, 3);
	tcase_add_loop_test(tc, converges_and_routes, 0, 2);
	tcase_add_test(tc, probe_and_iterative);
	tcase_add_loop_test(tc, repairs_after_20_percent_fail, 0, 2);
	tcase_add_loop_test(tc, graceful_leaves, 0, 2);
	tcase_add_loop_test(tc, churn_keeps_lookups, 0, 3);
	tcase_add_loop_test(tc, rescue_around_vanished_hop, 0, 3);
	tcase_add_test(tc, lossy_links);
	tcase_add_loop_test(tc, rings_merge, 0, 2);
	tcase_add_loop_test(tc, chain_start_merges, 0, 2);
	tcase_add_loop_test(tc, values_survive_30_percent_fail, 0, 2);
	tcase_add_loop_test(tc, replica_holddown, 0, 2);
	tcase_add_loop_test(tc, sync_skips_what_was_stored_since, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
