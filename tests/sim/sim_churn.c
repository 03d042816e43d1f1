/*
 * sim_churn.c - an overlay under churn, measured minute by minute
 * (ovsim --churn).
 *
 * Every node's session ends at a time drawn from a Pareto distribution
 * (the Lomax form, P(T > t) = (1 + t/b)^-a, as measured of P2P users by
 * Yao et al., ICNP 2006), when it fails without a word (sim_vanish, or a
 * crash that resets its links) and a new node joins in its place, so the
 * population stays as it was and joins come as fast as failures, as in
 * the Chord paper's churn experiments (Stoica et al., ToN 2003, §V-E).
 * The sessions in progress at the start are drawn from the distribution's
 * equilibrium remainder (P(R > t) = (1 + t/b)^-(a-1)), so that the churn
 * is steady from the first minute, not quiet until the first sessions end.
 *
 * Meanwhile routed lookups go from random peers to random keys, each
 * judged against the ring of the moment its answer comes; every node
 * registers its AORs through the location service once it has joined
 * (refreshed by its core), and AORs of live registrars are looked up
 * from random peers.  A row a minute: nodes, joins and failures, lookups
 * and their hops, AORs found and lost, messages and bytes a node.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loc.h"
#include "ov_id.h"
#include "ov_node.h"
#include "rng.h"
#include "sim.h"
#include "xmalloc.h"

#define CHURN_HOPS	64		/* hop counts kept apart (more: last) */
#define CHURN_SWEEP_MS	5000		/* the cores' answers taken */
#define CHURN_DRAIN_MS	30000		/* answers come within */
#define CHURN_REGISTER	(1ULL << 40)	/* loc cookies: a registration */
#define CHURN_LOOKUP	(2ULL << 40)	/* and an AOR's lookup */

/* What one minute saw (by when its requests were made). */
struct churn_min {
	unsigned	nodes;		/* members at its start */
	unsigned	joins, failures;
	unsigned	lookups, ok, wrong, failed;
	unsigned	orphaned;	/* not counted: the asker failed */
	unsigned	hops[CHURN_HOPS];
	uint64_t	hops_sum;
	unsigned	aor_lookups, aor_found, aor_lost, aor_failed, aor_dead;
	uint64_t	msgs, bytes;	/* sim totals at its start */
};

struct churn_death {
	uint64_t	at;
	unsigned	node;
};

struct churn_aor {
	unsigned	reg;		/* its registrar */
	struct ov_id	reg_id;
	bool		stored;
};

enum churn_got { GOT_NONE, GOT_FOUND, GOT_MISSING, GOT_FAILED };

struct churn_query {
	unsigned	aor;
	unsigned	from;		/* the asking node */
	unsigned	minute;
	enum churn_got	got;
};

struct churn_route {
	unsigned	ticket;
	unsigned	minute;
};

struct churn {
	struct sim		*s;
	const struct sim_churn_cfg *cfg;
	struct rng_xoshiro	 xs;
	struct rng		 rng;
	double			 b;		/* the Lomax scale */
	struct churn_death	*deaths;	/* a min-heap by at */
	size_t			 ndeaths, deaths_cap;
	unsigned		*waiting;	/* new nodes, not yet joined */
	size_t			 nwaiting, waiting_cap;
	struct churn_aor	*aors;
	size_t			 naors, aors_cap;
	struct churn_query	*queries;
	size_t			 nqueries, queries_cap;
	struct churn_route	*routes;
	size_t			 nroutes, routes_cap;
	struct churn_min	*mins;
	unsigned		 minute;	/* the one now */
	uint64_t		 start;
};

#define GROW(p, n, cap) do {						\
	if ((n) == (cap)) {						\
		(cap) = (cap) ? (cap) * 2 : 256;			\
		(p) = xreallocarray((p), (cap), sizeof *(p));		\
	}								\
} while (0)

/* A uniform draw in (0, 1]. */
static double
churn_unit(struct churn *c)
{
	return (double)(rng_below(&c->rng, 1ULL << 53) + 1) /
	    (double)(1ULL << 53);
}

/* Lomax(shape, b), in ms: inverse transform of (1 + t/b)^-shape. */
static uint64_t
churn_lomax(struct churn *c, double shape)
{
	double	t = c->b * (pow(churn_unit(c), -1.0 / shape) - 1.0);

	return t > 1e12 ? UINT64_MAX / 2 : (uint64_t)(t * 1000) + 1;
}

static void
churn_death_push(struct churn *c, uint64_t at, unsigned node)
{
	size_t			i;
	struct churn_death	t;

	GROW(c->deaths, c->ndeaths, c->deaths_cap);
	i = c->ndeaths++;
	c->deaths[i].at = at;
	c->deaths[i].node = node;
	while (i > 0 && c->deaths[i].at < c->deaths[(i - 1) / 2].at) {
		t = c->deaths[i];
		c->deaths[i] = c->deaths[(i - 1) / 2];
		c->deaths[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct churn_death
churn_death_pop(struct churn *c)
{
	struct churn_death	top = c->deaths[0], t;
	size_t			i = 0, k;

	c->deaths[0] = c->deaths[--c->ndeaths];
	for (;;) {
		k = 2 * i + 1;
		if (k >= c->ndeaths)
			break;
		if (k + 1 < c->ndeaths && c->deaths[k + 1].at < c->deaths[k].at)
			k++;
		if (c->deaths[i].at <= c->deaths[k].at)
			break;
		t = c->deaths[i];
		c->deaths[i] = c->deaths[k];
		c->deaths[k] = t;
		i = k;
	}
	return top;
}

static struct churn_min *
churn_now(struct churn *c)
{
	return &c->mins[c->minute];
}

static void
churn_contact(unsigned k, unsigned reg, char *buf, size_t max)
{
	snprintf(buf, max, "sip:c%u@n%u.sim.invalid", k, reg);
}

/* Node i has joined: its AORs go into the overlay. */
static void
churn_register(struct churn *c, unsigned i)
{
	char		 aor[32], contact[LOC_CONTACT_MAX], *err;
	unsigned	 j;
	size_t		 k;

	for (j = 0; j < c->cfg->aors; j++) {
		GROW(c->aors, c->naors, c->aors_cap);
		k = c->naors++;
		c->aors[k].reg = i;
		c->aors[k].reg_id = *ov_node_id(sim_node(c->s, i));
		c->aors[k].stored = false;
		snprintf(aor, sizeof aor, "c%zu", k);
		churn_contact((unsigned)k, i, contact, sizeof contact);
		err = NULL;
		(void)loc_register(sim_loc(c->s, i), sim_now(c->s),
		    CHURN_REGISTER | k, aor, contact, 0, &err);
		free(err);
	}
	sim_poke(c->s, i);
}

/* New nodes that have joined register; the dead are forgotten. */
static void
churn_waiting(struct churn *c)
{
	size_t		i = 0;
	unsigned	n;

	while (i < c->nwaiting) {
		n = c->waiting[i];
		if (sim_alive(c->s, n) && ov_node_state(sim_node(c->s, n)) !=
		    OV_ST_JOINED) {
			i++;
			continue;
		}
		if (sim_alive(c->s, n))
			churn_register(c, n);
		c->waiting[i] = c->waiting[--c->nwaiting];
	}
}

/* The node's session is over: it fails, and a new one joins. */
static void
churn_fail(struct churn *c, unsigned node)
{
	unsigned	n;

	if (!sim_alive(c->s, node))
		return;
	if (c->cfg->crash)
		sim_kill(c->s, node);
	else
		sim_vanish(c->s, node);
	churn_now(c)->failures++;
	n = sim_add(c->s, 2);
	churn_now(c)->joins++;
	churn_death_push(c, sim_now(c->s) + churn_lomax(c, c->cfg->shape), n);
	GROW(c->waiting, c->nwaiting, c->waiting_cap);
	c->waiting[c->nwaiting++] = n;
}

static unsigned
churn_member(struct churn *c)
{
	return sim_member(c->s, (unsigned)rng_below(&c->rng,
	    sim_members(c->s)));
}

static void
churn_route(struct churn *c)
{
	struct ov_id	k;

	if (sim_members(c->s) == 0)
		return;
	c->rng.fill(k.b, OV_ID_LEN, c->rng.arg);
	GROW(c->routes, c->nroutes, c->routes_cap);
	c->routes[c->nroutes].minute = c->minute;
	c->routes[c->nroutes++].ticket = sim_route_start(c->s,
	    churn_member(c), &k);
}

/* A lookup of a stored AOR whose registrar lives, from a random peer. */
static void
churn_aor_lookup(struct churn *c)
{
	char		 aor[32], *err = NULL;
	unsigned	 tries, from;
	size_t		 k = 0, q;
	bool		 have = false;

	for (tries = 0; tries < 100 && c->naors > 0 && !have; tries++) {
		k = (size_t)rng_below(&c->rng, c->naors);
		have = c->aors[k].stored && sim_alive(c->s, c->aors[k].reg);
	}
	if (!have || sim_members(c->s) == 0)
		return;
	GROW(c->queries, c->nqueries, c->queries_cap);
	q = c->nqueries++;
	c->queries[q].aor = (unsigned)k;
	c->queries[q].minute = c->minute;
	c->queries[q].got = GOT_NONE;
	from = c->queries[q].from = churn_member(c);
	snprintf(aor, sizeof aor, "c%zu", k);
	if (loc_lookup(sim_loc(c->s, from), sim_now(c->s), CHURN_LOOKUP | q,
	    aor, &err) != 0)
		c->queries[q].got = GOT_FAILED;
	free(err);
	sim_poke(c->s, from);
}

/* Did r find AOR k's binding as its registrar stored it? */
static bool
churn_found(const struct churn *c, size_t k, const struct loc_result *r)
{
	char		want[LOC_CONTACT_MAX];
	unsigned	i;

	churn_contact((unsigned)k, c->aors[k].reg, want, sizeof want);
	for (i = 0; i < r->nbindings; i++)
		if (r->bindings[i].contact != NULL &&
		    strcmp(r->bindings[i].contact, want) == 0 &&
		    r->bindings[i].has_node &&
		    ov_id_eq(&r->bindings[i].node, &c->aors[k].reg_id))
			return true;
	return false;
}

static void
churn_result(const struct loc_result *r, void *arg)
{
	struct churn	*c = arg;
	uint64_t	 tag = r->cookie & ~((1ULL << 40) - 1);
	size_t		 k = (size_t)(r->cookie & ((1ULL << 40) - 1));
	struct churn_query *q;

	if (tag == CHURN_REGISTER && k < c->naors) {
		c->aors[k].stored = r->error == LOC_OK;
		return;
	}
	if (tag != CHURN_LOOKUP || k >= c->nqueries)
		return;
	q = &c->queries[k];
	if (q->got != GOT_NONE)
		return;
	if (r->error == LOC_E_OVERLAY)
		q->got = GOT_FAILED;
	else if (r->error == LOC_OK && churn_found(c, q->aor, r))
		q->got = GOT_FOUND;
	else
		q->got = GOT_MISSING;
}

/* Every core's answers: ours judged, the rest dropped. */
static void
churn_sweep(struct churn *c)
{
	sim_loc_results(c->s, churn_result, c);
}

static void
churn_minute(struct churn *c, unsigned m)
{
	c->minute = m;
	c->mins[m].nodes = sim_members(c->s);
	c->mins[m].msgs = sim_messages(c->s);
	c->mins[m].bytes = sim_bytes(c->s);
}

/* Each lookup and AOR lookup counted in the minute it was made in. */
static void
churn_tally(struct churn *c)
{
	const struct sim_route	*r;
	struct churn_min	*m;
	struct churn_query	*q;
	size_t			 i;

	for (i = 0; i < c->nroutes; i++) {
		r = sim_route(c->s, c->routes[i].ticket);
		m = &c->mins[c->routes[i].minute];
		if (!r->done && !sim_alive(c->s, r->from)) {
			/* its node failed before the answer came */
			m->orphaned++;
			continue;
		}
		m->lookups++;
		if (!r->done || r->error != 0)
			m->failed++;
		else if (!r->ok)
			m->wrong++;
		else {
			m->ok++;
			m->hops[r->hops < CHURN_HOPS ? r->hops :
			    CHURN_HOPS - 1]++;
			m->hops_sum += r->hops;
		}
	}
	for (i = 0; i < c->nqueries; i++) {
		q = &c->queries[i];
		m = &c->mins[q->minute];
		if (q->got == GOT_NONE && !sim_alive(c->s, q->from)) {
			m->orphaned++;
			continue;
		}
		m->aor_lookups++;
		switch (q->got) {
		case GOT_FOUND:
			m->aor_found++;
			break;
		case GOT_MISSING:
			/* lost only if its registrar lives on */
			if (sim_alive(c->s, c->aors[q->aor].reg))
				m->aor_lost++;
			else
				m->aor_dead++;
			break;
		default:
			m->aor_failed++;
			break;
		}
	}
}

/* The p99 of a hop histogram of n lookups. */
static unsigned
churn_p99(const unsigned *hops, unsigned n)
{
	unsigned	h, seen = 0, want = n - n / 100;

	for (h = 0; h < CHURN_HOPS; h++) {
		seen += hops[h];
		if (seen >= want && n > 0)
			return h;
	}
	return CHURN_HOPS - 1;
}

static void
churn_report(struct churn *c, struct sim_churn_stats *st)
{
	const struct sim_churn_cfg *cfg = c->cfg;
	struct churn_min	*m, *next;
	unsigned		 hops[CHURN_HOPS] = { 0 }, i, h;
	uint64_t		 hsum = 0, msgs = 0, bytes = 0;
	double			 node_min = 0;

	memset(st, 0, sizeof *st);
	st->nodes_min = UINT32_MAX;
	if (cfg->csv != NULL)
		fprintf(cfg->csv, "minute,nodes,joins,failures,lookups,ok,"
		    "wrong,failed,success,hops_mean,hops_p99,aor_lookups,"
		    "aor_found,aor_lost,aor_failed,aor_dead,"
		    "msgs_per_node_min,bytes_per_node_min\n");
	for (i = 0; i < cfg->minutes; i++) {
		m = &c->mins[i];
		next = &c->mins[i + 1];
		if (cfg->csv != NULL)
			fprintf(cfg->csv, "%u,%u,%u,%u,%u,%u,%u,%u,%.5f,%.3f,"
			    "%u,%u,%u,%u,%u,%u,%.2f,%.0f\n", i + 1, m->nodes,
			    m->joins, m->failures, m->lookups, m->ok,
			    m->wrong, m->failed, m->lookups ?
			    (double)m->ok / m->lookups : 1.0, m->ok ?
			    (double)m->hops_sum / m->ok : 0.0,
			    churn_p99(m->hops, m->ok), m->aor_lookups,
			    m->aor_found, m->aor_lost, m->aor_failed,
			    m->aor_dead, m->nodes ? (double)(next->msgs -
			    m->msgs) / m->nodes : 0.0, m->nodes ?
			    (double)(next->bytes - m->bytes) / m->nodes : 0.0);
		st->joins += m->joins;
		st->failures += m->failures;
		st->lookups += m->lookups;
		st->ok += m->ok;
		st->wrong += m->wrong;
		st->failed += m->failed;
		st->orphaned += m->orphaned;
		st->aor_lookups += m->aor_lookups;
		st->aor_found += m->aor_found;
		st->aor_lost += m->aor_lost;
		st->aor_failed += m->aor_failed;
		st->aor_dead += m->aor_dead;
		for (h = 0; h < CHURN_HOPS; h++)
			hops[h] += m->hops[h];
		hsum += m->hops_sum;
		msgs += next->msgs - m->msgs;
		bytes += next->bytes - m->bytes;
		node_min += m->nodes;
		if (m->nodes < st->nodes_min)
			st->nodes_min = m->nodes;
		if (m->nodes > st->nodes_max)
			st->nodes_max = m->nodes;
	}
	st->mean_hops = st->ok ? (double)hsum / st->ok : 0;
	st->p99_hops = churn_p99(hops, st->ok);
	st->msgs_per_node_min = node_min > 0 ? (double)msgs / node_min : 0;
	st->bytes_per_node_min = node_min > 0 ? (double)bytes / node_min : 0;
	if (cfg->csv != NULL)
		fflush(cfg->csv);
}

/* The next moment something is due: a failure, a request, a minute. */
static uint64_t
churn_next(const struct churn *c, uint64_t a, uint64_t b)
{
	uint64_t	t = a < b ? a : b;

	if (c->ndeaths > 0 && c->deaths[0].at < t)
		t = c->deaths[0].at;
	return t;
}

void
sim_churn(struct sim *s, const struct sim_churn_cfg *cfg,
    struct sim_churn_stats *st)
{
	struct churn	 c;
	uint64_t	 now, end, t, next_look = 0, next_aor = 0, next_sweep;
	uint64_t	 look_ms, aor_ms;
	unsigned	 i, k;

	memset(&c, 0, sizeof c);
	c.s = s;
	c.cfg = cfg;
	rng_xoshiro_seed(&c.xs, sim_seed(s) ^ 0xc4c4c4c4ULL);
	c.rng.fill = rng_xoshiro_fill;
	c.rng.arg = &c.xs;
	/* mean = b / (a - 1) */
	c.b = cfg->mean_s * (cfg->shape - 1.0);
	c.mins = xcalloc(cfg->minutes + 2, sizeof *c.mins);
	/* each node's AORs registered, one node a millisecond */
	for (i = 0; i < sim_count(s) && cfg->aors > 0; i++) {
		if (!sim_alive(s, i))
			continue;
		churn_register(&c, i);
		sim_run(s, 1);
	}
	sim_run(s, CHURN_DRAIN_MS);
	churn_sweep(&c);
	c.start = now = sim_now(s);
	/* the sessions in progress: the equilibrium remainder */
	for (i = 0; i < sim_count(s); i++)
		if (sim_alive(s, i))
			churn_death_push(&c, now + churn_lomax(&c,
			    cfg->shape - 1.0), i);
	end = now + (uint64_t)cfg->minutes * 60000;
	look_ms = cfg->lookups ? 60000 / cfg->lookups : UINT64_MAX / 4;
	aor_ms = cfg->aor_lookups ? 60000 / cfg->aor_lookups : UINT64_MAX / 4;
	next_look = now + (look_ms > 0 ? look_ms : 1) / 2;
	next_aor = now + (aor_ms > 0 ? aor_ms : 1) / 2;
	next_sweep = now + CHURN_SWEEP_MS;
	churn_minute(&c, 0);
	while (now < end + CHURN_DRAIN_MS) {
		t = churn_next(&c, next_look < next_aor ? next_look :
		    next_aor, next_sweep);
		k = (unsigned)((now - c.start) / 60000) + 1;
		if (k <= cfg->minutes && c.start + (uint64_t)k * 60000 < t)
			t = c.start + (uint64_t)k * 60000;
		if (t > end + CHURN_DRAIN_MS)
			t = end + CHURN_DRAIN_MS;
		if (t > now)
			sim_run(s, t - now);
		now = sim_now(s);
		k = (unsigned)((now - c.start) / 60000);
		if (k > c.minute && k <= cfg->minutes)
			churn_minute(&c, k);
		while (c.ndeaths > 0 && c.deaths[0].at <= now)
			churn_fail(&c, churn_death_pop(&c).node);
		while (now >= next_look) {
			if (now < end)
				churn_route(&c);
			next_look += look_ms > 0 ? look_ms : 1;
		}
		while (now >= next_aor) {
			if (now < end)
				churn_aor_lookup(&c);
			next_aor += aor_ms > 0 ? aor_ms : 1;
		}
		if (now >= next_sweep) {
			churn_waiting(&c);
			churn_sweep(&c);
			next_sweep += CHURN_SWEEP_MS;
		}
	}
	churn_sweep(&c);
	churn_tally(&c);
	churn_report(&c, st);
	free(c.deaths);
	free(c.waiting);
	free(c.aors);
	free(c.queries);
	free(c.routes);
	free(c.mins);
}
