/*
 * check_loc.c - the location service core (loc/loc.h) on real overlay
 * nodes in the simulator, on its virtual clock: registrations stored and
 * found, by contact URI and by destination list, resolved to contacts,
 * removed, refreshed halfway through their lifetime, waiting for the
 * node to join, refused with the right error, stores tried again with
 * jitter, raw values, the names it takes, and AORs through 20% of the
 * nodes failing at once.  Every failure that depends on a seed names it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"

#include "addr.h"
#include "loc.h"
#include "ov_body.h"
#include "ov_data.h"
#include "ov_id.h"
#include "ov_kind.h"
#include "ov_msg.h"
#include "ov_stored.h"
#include "ov_node.h"
#include "sim.h"
#include "xmalloc.h"

#define OVERLAY		"sim.p2psipd.test"
#define SEED		((uint64_t)(20261130 + _i))
#define ROUNDUP(x, m)	(((x) + (m) - 1) / (m) * (m))

/* n nodes joined, one every 100 ms, and the ring right. */
static struct sim *
ring(const struct sim_opts *o, unsigned n)
{
	struct sim	*s = sim_new(o);
	unsigned	 i, t, wrong;

	sim_add(s, 0);
	for (i = 1; i < n; i++) {
		sim_add(s, 2);
		sim_run(s, 100);
	}
	for (t = 0; !sim_ring_ok(s, &wrong); t++) {
		ck_assert_msg(t < 60, "seed %llu: %u nodes wrong 60 s after "
		    "the last join", (unsigned long long)sim_seed(s), wrong);
		sim_run(s, 1000);
	}
	return s;
}

static const struct ov_id *
id_of(struct sim *s, unsigned i)
{
	return ov_node_id(sim_node(s, i));
}

/* Is node i the storing peer of user's registrations? */
static bool
stores(struct sim *s, unsigned i, const char *user)
{
	const struct ov_chord	*c = ov_node_chord(sim_node(s, i));
	struct ov_id		 res;
	char			 aor[64];

	snprintf(aor, sizeof aor, "%s@%s", user, OVERLAY);
	ov_id_resource(aor, strlen(aor), &res);
	ck_assert_uint_gt(c->npred, 0);
	return ov_id_in_oc(&c->pred[0], &res, id_of(s, i));
}

/* A user prefix0, prefix1... whose registrations node i does not store
 * (its requests about them go out on a link). */
static void
elsewhere(struct sim *s, unsigned i, const char *prefix, char *user,
    size_t max)
{
	unsigned	k = 0;

	do
		snprintf(user, max, "%s%u", prefix, k++);
	while (stores(s, i, user));
}

/* Node i's next action, the simulator run (up to 30 s) until there is one. */
static void
next(struct sim *s, unsigned i, struct loc_action *a)
{
	uint64_t	end = sim_now(s) + 30000;

	while (!sim_loc_next_action(s, i, a)) {
		ck_assert_msg(sim_now(s) < end, "node %u: no action", i);
		sim_run(s, 10);
	}
}

static void
none(struct sim *s, unsigned i)
{
	struct loc_action	a;
	bool			got = sim_loc_next_action(s, i, &a);

	ck_assert_msg(!got, "node %u: an action of type %d", i, (int)a.type);
}

/* Node i's next action is the RESULT with cookie. */
static void
result(struct sim *s, unsigned i, uint64_t cookie, struct loc_action *a)
{
	next(s, i, a);
	ck_assert_int_eq(a->type, LOC_ACT_RESULT);
	ck_assert_uint_eq(a->res.cookie, cookie);
}

/* Node i's next action is a HOST, SAVE or FORGET of aor. */
static void
expect(struct sim *s, unsigned i, enum loc_action_type type, const char *aor,
    struct loc_action *a)
{
	next(s, i, a);
	ck_assert_msg(a->type == type, "node %u: action %d (%s %s %d %s), not "
	    "%d", i, (int)a->type, a->aor, a->res.aor, a->res.code,
	    a->res.why, (int)type);
	ck_assert_str_eq(a->aor, aor);
}

static void
reg(struct sim *s, unsigned i, uint64_t cookie, const char *aor,
    const char *contact, int expires)
{
	char	*err = NULL;
	int	 rc;

	rc = loc_register(sim_loc(s, i), sim_now(s), cookie, aor, contact,
	    expires, &err);
	ck_assert_msg(rc == 0, "register %s: %d %s", aor, rc,
	    err != NULL ? err : "");
	sim_poke(s, i);
}

/* A registration by URI stored: SAVE, then RESULT (its generation). */
static uint64_t
reg_uri(struct sim *s, unsigned i, const char *user, const char *contact)
{
	struct loc_action	a;
	char			aor[64];
	uint64_t		gen;

	snprintf(aor, sizeof aor, "%s@%s", user, OVERLAY);
	reg(s, i, 1, user, contact, 0);
	expect(s, i, LOC_ACT_SAVE, aor, &a);
	loc_action_clear(&a);
	result(s, i, 1, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	gen = a.res.generation;
	loc_action_clear(&a);
	return gen;
}

/* The same by destination list: HOST on first. */
static void
reg_route(struct sim *s, unsigned i, const char *user)
{
	struct loc_action	a;
	char			aor[64];

	snprintf(aor, sizeof aor, "%s@%s", user, OVERLAY);
	reg(s, i, 1, user, NULL, 0);
	expect(s, i, LOC_ACT_HOST, aor, &a);
	ck_assert(a.on);
	loc_action_clear(&a);
	expect(s, i, LOC_ACT_SAVE, aor, &a);
	ck_assert_ptr_null(a.contact);
	loc_action_clear(&a);
	result(s, i, 1, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	loc_action_clear(&a);
}

static void
ask(struct sim *s, unsigned i, enum loc_op op, const char *aor,
    uint64_t cookie, struct loc_action *a)
{
	char	*err = NULL;
	int	 rc;

	rc = (op == LOC_OP_LOOKUP ? loc_lookup : loc_resolve)(sim_loc(s, i),
	    sim_now(s), cookie, aor, &err);
	ck_assert_msg(rc == 0, "%s: %d %s", aor, rc, err != NULL ? err : "");
	sim_poke(s, i);
	result(s, i, cookie, a);
	ck_assert_int_eq(a->res.op, op);
}

static void
lookup(struct sim *s, unsigned i, const char *aor, uint64_t cookie,
    struct loc_action *a)
{
	ask(s, i, LOC_OP_LOOKUP, aor, cookie, a);
}

static void
resolve(struct sim *s, unsigned i, const char *aor, uint64_t cookie,
    struct loc_action *a)
{
	ask(s, i, LOC_OP_RESOLVE, aor, cookie, a);
}

/* A registration by URI: the SAVE, the RESULT with the replicas; a lookup
 * from another node finds its binding; an unknown AOR is none. */
START_TEST(register_and_lookup)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	struct loc_binding	*b;
	struct ov_id		 res;
	uint64_t		 t0, gen;

	sim_opts_default(&o);
	s = ring(&o, 10);
	t0 = sim_now(s);
	reg(s, 3, 7, "alice", "sip:alice@192.0.2.1:5060", 0);
	expect(s, 3, LOC_ACT_SAVE, "alice@" OVERLAY, &a);
	ck_assert_str_eq(a.contact, "sip:alice@192.0.2.1:5060");
	ck_assert_int_eq(a.expires, 3600);
	ck_assert_int_eq(a.created, (int64_t)(t0 / 1000));
	loc_action_clear(&a);
	result(s, 3, 7, &a);
	ck_assert_int_eq(a.res.op, LOC_OP_REGISTER);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert_str_eq(a.res.aor, "alice@" OVERLAY);
	ck_assert_uint_eq(a.res.kind, OV_KIND_SIP_REGISTRATION);
	ov_id_resource("alice@" OVERLAY, strlen("alice@" OVERLAY), &res);
	ck_assert(ov_id_eq(&a.res.res, &res));
	ck_assert_uint_gt(a.res.generation, 0);
	ck_assert_uint_eq(a.res.nreplicas, 2);	/* three copies */
	ck_assert(a.res.has_reg);
	ck_assert_str_eq(a.res.contact, "sip:alice@192.0.2.1:5060");
	ck_assert_int_eq(a.res.expires, 3600);
	gen = a.res.generation;
	loc_action_clear(&a);
	none(s, 3);
	ck_assert_uint_eq(loc_registrations(sim_loc(s, 3)), 1);
	ck_assert_uint_eq(loc_publishing(sim_loc(s, 3)), 0);

	lookup(s, 7, "sip:alice@" OVERLAY, 8, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert_str_eq(a.res.aor, "alice@" OVERLAY);
	ck_assert_uint_eq(a.res.generation, gen);
	ck_assert_uint_eq(a.res.nbindings, 1);
	ck_assert_uint_eq(a.res.refused, 0);
	b = &a.res.bindings[0];
	ck_assert(b->has_node);
	ck_assert(ov_id_eq(&b->node, id_of(s, 3)));
	ck_assert(!b->bad);
	ck_assert_str_eq(b->contact, "sip:alice@192.0.2.1:5060");
	ck_assert_uint_eq(b->ndest, 0);
	ck_assert_str_eq(b->user, "alice@" OVERLAY);
	ck_assert_uint_le(b->expires, 3600);
	ck_assert_uint_gt(b->expires, 3590);
	loc_action_clear(&a);

	lookup(s, 7, "bob", 9, &a);
	ck_assert_int_eq(a.res.error, LOC_E_NO_REGISTRATION);
	ck_assert_uint_eq(a.res.nbindings, 0);
	loc_action_clear(&a);
	none(s, 7);
	sim_free(s);
}
END_TEST

/* By destination list: HOST on, the binding names this node; removed:
 * FORGET, HOST off, and nothing is found. */
START_TEST(host_and_unregister)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	struct loc_binding	*b;
	char			*err = NULL;
	int			 rc;

	sim_opts_default(&o);
	s = ring(&o, 10);
	reg(s, 2, 1, "carol", NULL, 120);
	expect(s, 2, LOC_ACT_HOST, "carol@" OVERLAY, &a);
	ck_assert(a.on);
	loc_action_clear(&a);
	expect(s, 2, LOC_ACT_SAVE, "carol@" OVERLAY, &a);
	ck_assert_ptr_null(a.contact);
	ck_assert_int_eq(a.expires, 120);
	loc_action_clear(&a);
	result(s, 2, 1, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert(a.res.has_reg);
	ck_assert_ptr_null(a.res.contact);
	ck_assert_int_eq(a.res.expires, 120);
	loc_action_clear(&a);

	lookup(s, 5, "carol", 2, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert_uint_eq(a.res.nbindings, 1);
	b = &a.res.bindings[0];
	ck_assert_ptr_null(b->contact);
	ck_assert_uint_eq(b->ndest, 1);
	ck_assert(b->dest_ok[0]);
	ck_assert(ov_id_eq(&b->dest[0], id_of(s, 2)));
	ck_assert(ov_id_eq(&b->node, id_of(s, 2)));
	ck_assert_str_eq(b->user, "carol@" OVERLAY);
	loc_action_clear(&a);

	/* by URI now, by destination list again: HOST follows */
	reg(s, 2, 6, "carol", "sip:carol@192.0.2.3", 120);
	expect(s, 2, LOC_ACT_HOST, "carol@" OVERLAY, &a);
	ck_assert(!a.on);
	loc_action_clear(&a);
	expect(s, 2, LOC_ACT_SAVE, "carol@" OVERLAY, &a);
	ck_assert_str_eq(a.contact, "sip:carol@192.0.2.3");
	loc_action_clear(&a);
	result(s, 2, 6, &a);
	ck_assert_str_eq(a.res.contact, "sip:carol@192.0.2.3");
	loc_action_clear(&a);
	reg(s, 2, 7, "carol", NULL, 120);
	expect(s, 2, LOC_ACT_HOST, "carol@" OVERLAY, &a);
	ck_assert(a.on);
	loc_action_clear(&a);
	expect(s, 2, LOC_ACT_SAVE, "carol@" OVERLAY, &a);
	ck_assert_ptr_null(a.contact);
	loc_action_clear(&a);
	result(s, 2, 7, &a);
	ck_assert_ptr_null(a.res.contact);
	loc_action_clear(&a);
	ck_assert_uint_eq(loc_registrations(sim_loc(s, 2)), 1);

	rc = loc_unregister(sim_loc(s, 2), sim_now(s), 3, "carol", &err);
	ck_assert_int_eq(rc, 0);
	sim_poke(s, 2);
	/* gone here at once */
	ck_assert_uint_eq(loc_registrations(sim_loc(s, 2)), 0);
	expect(s, 2, LOC_ACT_FORGET, "carol@" OVERLAY, &a);
	loc_action_clear(&a);
	expect(s, 2, LOC_ACT_HOST, "carol@" OVERLAY, &a);
	ck_assert(!a.on);
	loc_action_clear(&a);
	result(s, 2, 3, &a);
	ck_assert_int_eq(a.res.op, LOC_OP_UNREGISTER);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert(!a.res.has_reg);
	loc_action_clear(&a);
	none(s, 2);

	lookup(s, 5, "carol", 4, &a);
	ck_assert_int_eq(a.res.error, LOC_E_NO_REGISTRATION);
	loc_action_clear(&a);
	rc = loc_unregister(sim_loc(s, 2), sim_now(s), 5, "carol", &err);
	ck_assert_int_eq(rc, ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "not registered"));
	free(err);
	none(s, 2);
	sim_free(s);
}
END_TEST

/*
 * One user on two nodes (the same key, two certificates): both bindings
 * are found.  A resolve gives the URI as it is and AppAttaches to the
 * end of a destination list for where that node takes SIP, but skips a
 * list that ends at the resolving node itself; a node that takes no SIP
 * leaves the answer incomplete.
 */
START_TEST(resolve_contacts)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	struct loc_contact	*c;
	struct addr		 sip2;
	unsigned		 i;
	bool			 uri = false, route = false;

	sim_opts_default(&o);
	s = ring(&o, 10);
	ck_assert_int_eq(addr_parse("192.0.2.2:5061", 0, &sip2), 0);
	ck_assert_int_eq(ov_node_app_serve(sim_node(s, 2), OV_APP_SIP, &sip2),
	    0);
	reg_uri(s, 1, "alice", "sip:alice@192.0.2.1");
	reg_route(s, 2, "alice");
	reg_route(s, 3, "carol");

	lookup(s, 5, "alice", 2, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert_uint_eq(a.res.nbindings, 2);
	ck_assert_str_eq(a.res.bindings[0].user, "alice@" OVERLAY);
	ck_assert_str_eq(a.res.bindings[1].user, "alice@" OVERLAY);
	loc_action_clear(&a);

	/* at node 2, its own list is none to reach */
	resolve(s, 2, "alice", 3, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert(!a.res.incomplete);
	ck_assert_uint_eq(a.res.ncontacts, 1);
	ck_assert_str_eq(a.res.contacts[0].uri, "sip:alice@192.0.2.1");
	ck_assert(a.res.contacts[0].has_node);
	ck_assert(ov_id_eq(&a.res.contacts[0].node, id_of(s, 1)));
	loc_action_clear(&a);

	resolve(s, 5, "alice", 4, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert(!a.res.incomplete);
	ck_assert_uint_eq(a.res.ncontacts, 2);
	for (i = 0; i < a.res.ncontacts; i++) {
		c = &a.res.contacts[i];
		ck_assert(c->has_node);
		if (strcmp(c->uri, "sip:alice@192.0.2.1") == 0) {
			ck_assert(ov_id_eq(&c->node, id_of(s, 1)));
			uri = true;
		} else {
			ck_assert_str_eq(c->uri,
			    "sip:alice@192.0.2.2:5061;transport=tls");
			ck_assert(ov_id_eq(&c->node, id_of(s, 2)));
			route = true;
		}
	}
	ck_assert(uri && route);
	loc_action_clear(&a);

	resolve(s, 5, "carol", 5, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert(a.res.incomplete);
	ck_assert_uint_eq(a.res.ncontacts, 0);
	loc_action_clear(&a);

	resolve(s, 5, "dave", 6, &a);
	ck_assert_int_eq(a.res.error, LOC_E_NO_REGISTRATION);
	ck_assert_uint_eq(a.res.ncontacts, 0);
	loc_action_clear(&a);
	none(s, 5);
	sim_free(s);
}
END_TEST

/*
 * Refreshed halfway through the lifetime: the generation grows, nobody
 * is told, the binding outlives its first lifetime; once its registrar
 * is gone it lasts out its last one.
 */
START_TEST(refresh_halfway)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	uint64_t		 gen;

	sim_opts_default(&o);
	o.loc_expires = 60;
	s = ring(&o, 10);
	gen = reg_uri(s, 4, "alice", "sip:alice@192.0.2.4");
	sim_run(s, 28000);
	lookup(s, 6, "alice", 2, &a);
	ck_assert_uint_eq(a.res.nbindings, 1);
	ck_assert_uint_eq(a.res.generation, gen);
	ck_assert_uint_le(a.res.bindings[0].expires, 32);
	loc_action_clear(&a);
	sim_run(s, 4000);
	lookup(s, 6, "alice", 3, &a);
	ck_assert_uint_eq(a.res.nbindings, 1);
	ck_assert_uint_gt(a.res.generation, gen);
	ck_assert_uint_gt(a.res.bindings[0].expires, 55);
	gen = a.res.generation;
	loc_action_clear(&a);
	none(s, 4);		/* no RESULT, no SAVE for a refresh */

	sim_run(s, 120000);
	lookup(s, 6, "alice", 4, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert_uint_eq(a.res.nbindings, 1);
	ck_assert_uint_ge(a.res.generation, gen + 3);
	loc_action_clear(&a);
	none(s, 4);
	ck_assert_uint_eq(loc_publishing(sim_loc(s, 4)), 0);

	sim_kill(s, 4);
	sim_run(s, 61000);
	lookup(s, 6, "alice", 5, &a);
	ck_assert_int_eq(a.res.error, LOC_E_NO_REGISTRATION);
	loc_action_clear(&a);
	sim_free(s);
}
END_TEST

struct reg_seen {
	unsigned	n;
	bool		published, pending;
};

static void
reg_seen(const struct loc_reg_info *ri, void *arg)
{
	struct reg_seen	*r = arg;

	r->n++;
	r->published = ri->published;
	r->pending = ri->pending;
}

/*
 * A phone's registration (cookie 0) made before the node is in the
 * overlay waits, and is stored once it joins; one somebody waits for is
 * refused at once (ENOTCONN, the caller words it) and not kept.
 */
START_TEST(phone_waits_for_join)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	struct loc		*l;
	struct reg_seen		 seen;
	char			*err = (char *)"x";
	unsigned		 k, t, j, wrong, saved = 0;

	sim_opts_default(&o);
	s = ring(&o, 5);
	k = sim_add(s, 2);
	l = sim_loc(s, k);
	ck_assert_int_ne(ov_node_state(sim_node(s, k)), OV_ST_JOINED);
	ck_assert_int_eq(loc_register(l, sim_now(s), 0, "dave", NULL, 0, &err),
	    0);
	ck_assert_ptr_null(err);
	sim_poke(s, k);
	ck_assert(sim_loc_next_action(s, k, &a));
	ck_assert_int_eq(a.type, LOC_ACT_HOST);
	ck_assert(a.on);
	loc_action_clear(&a);
	none(s, k);
	ck_assert_uint_eq(loc_registrations(l), 1);
	ck_assert_uint_eq(loc_publishing(l), 1);
	memset(&seen, 0, sizeof seen);
	loc_regs_each(l, reg_seen, &seen);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert(!seen.published && seen.pending);

	/* one kept from an earlier run, by destination list */
	loc_load(l, "gina@" OVERLAY, NULL, 300, 1234);
	expect(s, k, LOC_ACT_HOST, "gina@" OVERLAY, &a);
	ck_assert(a.on);
	loc_action_clear(&a);
	ck_assert_uint_eq(loc_registrations(l), 2);

	ck_assert_int_eq(loc_register(l, sim_now(s), 5, "erin",
	    "sip:erin@192.0.2.9", 0, &err), ENOTCONN);
	ck_assert_ptr_null(err);
	none(s, k);
	ck_assert_int_eq(loc_register(l, sim_now(s), 6, "frank", NULL, 0,
	    &err), ENOTCONN);
	ck_assert_ptr_null(err);
	expect(s, k, LOC_ACT_HOST, "frank@" OVERLAY, &a);
	ck_assert(a.on);
	loc_action_clear(&a);
	expect(s, k, LOC_ACT_HOST, "frank@" OVERLAY, &a);
	ck_assert(!a.on);
	loc_action_clear(&a);
	none(s, k);
	ck_assert_uint_eq(loc_registrations(l), 2);

	for (t = 0; !sim_ring_ok(s, &wrong); t++) {
		ck_assert_uint_lt(t, 60);
		sim_run(s, 1000);
	}
	/* both stored once it is in (whichever answer comes first) */
	for (j = 0; j < 2; j++) {
		next(s, k, &a);
		ck_assert_int_eq(a.type, LOC_ACT_SAVE);
		ck_assert_ptr_null(a.contact);
		if (strcmp(a.aor, "gina@" OVERLAY) == 0) {
			ck_assert_int_eq(a.expires, 300);
			ck_assert_int_eq(a.created, 1234);
			saved |= 1;
		} else {
			ck_assert_str_eq(a.aor, "dave@" OVERLAY);
			saved |= 2;
		}
		loc_action_clear(&a);
	}
	ck_assert_uint_eq(saved, 3);
	sim_run(s, 2000);
	none(s, k);		/* nobody waits: no RESULT */
	ck_assert_uint_eq(loc_publishing(l), 0);
	memset(&seen, 0, sizeof seen);
	loc_regs_each(l, reg_seen, &seen);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert(seen.published && !seen.pending);
	lookup(s, 0, "dave", 1, &a);
	ck_assert_uint_eq(a.res.nbindings, 1);
	ck_assert(ov_id_eq(&a.res.bindings[0].dest[0], id_of(s, k)));
	loc_action_clear(&a);
	lookup(s, 0, "gina", 2, &a);
	ck_assert_uint_eq(a.res.nbindings, 1);
	ck_assert(ov_id_eq(&a.res.bindings[0].dest[0], id_of(s, k)));
	loc_action_clear(&a);
	sim_free(s);
}
END_TEST

/* The store attempts of a core: each time it asks for a user's key. */
struct tries {
	struct sim	*s;
	unsigned	 node;
	unsigned	 n;
	uint64_t	 at[512];
	char		 prefix;	/* nprefix: of users starting so, */
	unsigned	 nprefix;
	unsigned	 unordered;	/* and not asked as prefix0, 1, ... */
};

static int	tries_cred(const char *, struct loc_cred *, char **, void *);

/*
 * More phones' registrations at once than the node has room for
 * requests.  None is stored in loc_register (a registrar answers its
 * phones first): each waits, in the order they came, and the core's
 * ticks store LOC_PUBLISH_BATCH at a time, at once again while there is
 * room (loc_deadline 0), then as answers make room, until all are
 * stored.  One somebody waits for is refused when there is no room
 * (EBUSY, the caller words it).  A waiting one does not load its user's
 * key until it goes out: each of the 40 keys is asked for once (a
 * registrar with thousands of new users would drop each past its loaded
 * users' bound in between).
 */
START_TEST(phones_wait_for_room)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	struct loc_cfg		 cfg;
	struct tries		 t;
	struct loc		*l;
	char			 user[16], contact[64], *err;
	unsigned		 k, saved = 0;

	sim_opts_default(&o);
	o.node.max_pending = 16;
	s = ring(&o, 10);
	memset(&t, 0, sizeof t);
	t.s = s;
	t.node = 1;
	t.prefix = 'p';
	memset(&cfg, 0, sizeof cfg);
	cfg.cred = tries_cred;
	cfg.cred_arg = &t;
	l = sim_loc_with(s, 1, &cfg);
	for (k = 0; k < 40; k++) {
		snprintf(user, sizeof user, "p%u", k);
		snprintf(contact, sizeof contact, "sip:p%u@192.0.2.1", k);
		ck_assert_int_eq(loc_register(l, sim_now(s), 0, user, contact,
		    0, &err), 0);
		ck_assert_ptr_null(err);
	}
	ck_assert_uint_eq(loc_registrations(l), 40);
	ck_assert_uint_eq(loc_publishing(l), 40);
	ck_assert_uint_eq(t.n, 0);
	/* a batch a tick, while there is room; then none */
	ck_assert_uint_eq(loc_deadline(l), 0);
	loc_tick(l, sim_now(s));
	ck_assert_uint_eq(t.n, LOC_PUBLISH_BATCH);
	for (k = 0; k < 10 && loc_deadline(l) == 0; k++)
		loc_tick(l, sim_now(s));
	ck_assert_uint_ne(loc_deadline(l), 0);
	ck_assert_uint_lt(t.n, 40);
	ck_assert_uint_eq(loc_publishing(l), 40);
	snprintf(user, sizeof user, "zed");
	for (k = 0; stores(s, 1, user); k++)
		snprintf(user, sizeof user, "z%u", k);
	ck_assert_int_eq(loc_register(l, sim_now(s), 9, user,
	    "sip:z@192.0.2.1", 0, &err), EBUSY);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(loc_registrations(l), 40);
	sim_poke(s, 1);
	sim_run(s, 10000);
	while (sim_loc_next_action(s, 1, &a)) {
		ck_assert_int_eq(a.type, LOC_ACT_SAVE);
		saved++;
		loc_action_clear(&a);
	}
	ck_assert_uint_eq(saved, 40);
	ck_assert_uint_eq(t.nprefix, 40);
	ck_assert_uint_eq(t.unordered, 0);	/* in the order they came */
	ck_assert_uint_eq(loc_publishing(l), 0);
	for (k = 0; k < 40; k++) {
		snprintf(user, sizeof user, "p%u", k);
		snprintf(contact, sizeof contact, "sip:p%u@192.0.2.1", k);
		lookup(s, 5, user, k + 1, &a);
		ck_assert_uint_eq(a.res.nbindings, 1);
		ck_assert_str_eq(a.res.bindings[0].contact, contact);
		loc_action_clear(&a);
	}
	sim_free(s);
}
END_TEST

/*
 * Changed, then removed, in the millisecond it was stored (here on a node
 * alone, which stores it itself at once): each store is newer than the
 * last (§7.4.1.1 refuses one that is not), so the change and the
 * removal take, and nothing is left in the overlay.
 */
START_TEST(same_millisecond)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	char			*err;

	sim_opts_default(&o);
	s = sim_new(&o);
	sim_add(s, 0);
	sim_run(s, 1000);
	ck_assert_int_eq(ov_node_state(sim_node(s, 0)), OV_ST_ALONE);
	reg_uri(s, 0, "alice", "sip:alice@192.0.2.1");
	reg(s, 0, 2, "alice", "sip:alice@192.0.2.2", 0);
	expect(s, 0, LOC_ACT_SAVE, "alice@" OVERLAY, &a);
	loc_action_clear(&a);
	result(s, 0, 2, &a);
	ck_assert_msg(a.res.error == LOC_OK, "changed: %d %s", a.res.code,
	    a.res.why);
	loc_action_clear(&a);
	ck_assert_int_eq(loc_unregister(sim_loc(s, 0), sim_now(s), 3, "alice",
	    &err), 0);
	sim_poke(s, 0);
	expect(s, 0, LOC_ACT_FORGET, "alice@" OVERLAY, &a);
	loc_action_clear(&a);
	result(s, 0, 3, &a);
	ck_assert_msg(a.res.error == LOC_OK, "removed: %d %s", a.res.code,
	    a.res.why);
	loc_action_clear(&a);
	lookup(s, 0, "alice", 4, &a);
	ck_assert_int_eq(a.res.error, LOC_E_NO_REGISTRATION);
	loc_action_clear(&a);
	sim_free(s);
}
END_TEST

/* Refusals: by the core (with words), by the overlay (a RESULT with its
 * code and words), a store already out. */
START_TEST(refused)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	struct loc		*l;
	char			*err;

	sim_opts_default(&o);
	o.node.max_lifetime_s = 600;
	s = ring(&o, 5);
	l = sim_loc(s, 1);
	ck_assert_int_eq(loc_register(l, sim_now(s), 1, "alice",
	    "sip:alice@192.0.2.1", 86401, &err), EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "max_lifetime (86400)"));
	free(err);
	ck_assert_int_eq(loc_register(l, sim_now(s), 1, "alice",
	    "alice.example", 0, &err), EINVAL);
	ck_assert_str_eq(err, "alice.example: not a URI");
	free(err);
	ck_assert_int_eq(loc_register(l, sim_now(s), 1, "alice@example.org",
	    NULL, 0, &err), EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not the overlay's name"));
	free(err);
	ck_assert_int_eq(loc_register(l, sim_now(s), 1, "nokey1", NULL, 0,
	    &err), ENOENT);
	ck_assert_str_eq(err, "nokey1@" OVERLAY ": no key for this user");
	free(err);
	/* HOST on, then off: it was never stored */
	expect(s, 1, LOC_ACT_HOST, "nokey1@" OVERLAY, &a);
	loc_action_clear(&a);
	expect(s, 1, LOC_ACT_HOST, "nokey1@" OVERLAY, &a);
	ck_assert(!a.on);
	loc_action_clear(&a);
	ck_assert_int_eq(loc_lookup(l, sim_now(s), 1, "a b", &err), EINVAL);
	free(err);
	ck_assert_int_eq(loc_unregister(l, sim_now(s), 1, "x@y", &err),
	    EINVAL);
	free(err);
	none(s, 1);
	ck_assert_uint_eq(loc_registrations(l), 0);

	/* beyond the overlay's maximum: its Error_Forbidden, not kept */
	reg(s, 1, 3, "alice", "sip:alice@192.0.2.1", 1200);
	result(s, 1, 3, &a);
	ck_assert_int_eq(a.res.op, LOC_OP_REGISTER);
	ck_assert_int_eq(a.res.error, LOC_E_OVERLAY);
	ck_assert_int_eq(a.res.code, 1000 + OV_E_FORBIDDEN);
	ck_assert_str_eq(a.res.why, "a lifetime over the overlay's maximum");
	ck_assert_str_eq(a.res.aor, "alice@" OVERLAY);
	loc_action_clear(&a);
	none(s, 1);
	ck_assert_uint_eq(loc_registrations(l), 0);

	/* a phone's: kept, tried again */
	reg(s, 1, 0, "bob", "sip:bob@192.0.2.1", 1200);
	sim_run(s, 12000);
	none(s, 1);
	ck_assert_uint_eq(loc_registrations(l), 1);
	ck_assert_uint_eq(loc_publishing(l), 1);

	/* a second register while the first is out */
	ck_assert_int_eq(loc_register(l, sim_now(s), 4, "carol",
	    "sip:carol@192.0.2.1", 300, &err), 0);
	ck_assert_int_eq(loc_register(l, sim_now(s), 5, "carol",
	    "sip:carol@192.0.2.1", 300, &err), EBUSY);
	ck_assert_ptr_nonnull(strstr(err, "under way"));
	free(err);
	sim_poke(s, 1);
	expect(s, 1, LOC_ACT_SAVE, "carol@" OVERLAY, &a);
	loc_action_clear(&a);
	result(s, 1, 4, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	loc_action_clear(&a);
	none(s, 1);
	sim_free(s);
}
END_TEST

/* Raw values: a node's where its Kind puts it, a user's at the user's
 * Resource-ID; fetched and statted from another node. */
START_TEST(raw_values)
{
	const struct ov_kind	*turn = loc_kind("turn-service");
	const struct ov_kind	*cert = loc_kind("certificate-by-user");
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	struct ov_id		 res;
	uint8_t			 big[LOC_VALUE_MAX + 1], ni[OV_ID_LEN + 1];
	char			*err;

	ck_assert_ptr_nonnull(turn);
	ck_assert_ptr_nonnull(cert);
	sim_opts_default(&o);
	s = ring(&o, 8);
	ck_assert_int_eq(loc_store_value(sim_loc(s, 1), sim_now(s), 1, turn,
	    (const uint8_t *)"relay", 5, NULL, 3, 0, &err), 0);
	sim_poke(s, 1);
	result(s, 1, 1, &a);
	ck_assert_int_eq(a.res.op, LOC_OP_STORE);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ck_assert_uint_eq(a.res.nreplicas, 2);
	ck_assert_str_eq(a.res.aor, "");
	memcpy(ni, id_of(s, 1)->b, OV_ID_LEN);
	ni[OV_ID_LEN] = 3;
	ov_id_resource(ni, sizeof ni, &res);
	ck_assert(ov_id_eq(&a.res.res, &res));
	loc_action_clear(&a);

	ck_assert_int_eq(loc_fetch_values(sim_loc(s, 6), sim_now(s), 2, turn,
	    &res, false, &err), 0);
	sim_poke(s, 6);
	result(s, 6, 2, &a);
	ck_assert_int_eq(a.res.op, LOC_OP_FETCH);
	ck_assert_ptr_nonnull(a.res.fetched);
	ck_assert_uint_eq(a.res.fetched->n, 1);
	ck_assert_uint_eq(a.res.fetched->v[0].s.v.len, 5);
	ck_assert(memcmp(a.res.fetched->v[0].s.v.data, "relay", 5) == 0);
	loc_action_clear(&a);
	ck_assert_int_eq(loc_fetch_values(sim_loc(s, 6), sim_now(s), 3, turn,
	    &res, true, &err), 0);
	sim_poke(s, 6);
	result(s, 6, 3, &a);
	ck_assert_int_eq(a.res.op, LOC_OP_STAT);
	ck_assert_ptr_nonnull(a.res.statted);
	ck_assert_uint_eq(a.res.statted->ans.kinds[0].nvalues, 1);
	loc_action_clear(&a);

	/* a user's Kind: as the user, at the user's Resource-ID */
	ck_assert_int_eq(loc_store_value(sim_loc(s, 2), sim_now(s), 4, cert,
	    (const uint8_t *)"cert", 4, NULL, 0, 0, &err), EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "--user"));
	free(err);
	ck_assert_int_eq(loc_store_value(sim_loc(s, 2), sim_now(s), 4, cert,
	    (const uint8_t *)"cert", 4, "alice", 0, 0, &err), 0);
	sim_poke(s, 2);
	result(s, 2, 4, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	ov_id_resource("alice@" OVERLAY, strlen("alice@" OVERLAY), &res);
	ck_assert(ov_id_eq(&a.res.res, &res));
	loc_action_clear(&a);

	memset(big, 'x', sizeof big);
	ck_assert_int_eq(loc_store_value(sim_loc(s, 2), sim_now(s), 5, turn,
	    big, sizeof big, NULL, 0, 0, &err), EINVAL);
	free(err);
	none(s, 2);
	sim_free(s);
}
END_TEST

/*
 * Relay agent peers (RFC 6940 §9): two nodes advertise their TURN
 * servers at turn-density Resource-IDs each, kept stored and refreshed;
 * a search from another node finds both by Find and Fetch, each once,
 * with the advertising node's Node-ID; in a ring with none, a search ends
 * with none after its Finds; a value at a TURN-SERVICE Resource-ID that
 * is not a TurnServer is counted, not taken.
 */
START_TEST(relays_found)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	struct addr		 r1, r2;
	unsigned		 i, density, found[2] = { 0, 0 };
	char			*err;

	sim_opts_default(&o);
	o.seed = SEED;
	s = ring(&o, 12);
	/* none yet */
	ck_assert_int_eq(loc_relay_search(sim_loc(s, 5), sim_now(s), 1, &err),
	    0);
	sim_poke(s, 5);
	result(s, 5, 1, &a);
	ck_assert_int_eq(a.res.op, LOC_OP_RELAYS);
	ck_assert_uint_eq(a.res.nrelays, 0);
	ck_assert_uint_eq(a.res.finds, LOC_RELAY_FINDS);
	loc_action_clear(&a);

	ck_assert_int_eq(addr_parse("203.0.113.10:3478", 0, &r1), 0);
	ck_assert_int_eq(addr_parse("[2001:db8::11]:3479", 0, &r2), 0);
	ck_assert_int_eq(loc_relay_advertise(sim_loc(s, 2), sim_now(s), &r1,
	    0), EINVAL);
	ck_assert_int_eq(loc_relay_advertise(sim_loc(s, 2), sim_now(s), &r1,
	    LOC_RELAY_DENSITY_MAX + 1), EINVAL);
	ck_assert_int_eq(loc_relay_advertise(sim_loc(s, 2), sim_now(s), &r1,
	    4), 0);
	ck_assert_int_eq(loc_relay_advertise(sim_loc(s, 9), sim_now(s), &r2,
	    6), 0);
	sim_run(s, 5000);
	ck_assert_uint_eq(loc_relay_advertised(sim_loc(s, 2), &density), 4);
	ck_assert_uint_eq(density, 4);
	ck_assert_uint_eq(loc_relay_advertised(sim_loc(s, 9), NULL), 6);
	/* a stranger's junk under its own TURN-SERVICE Resource-ID */
	ck_assert_int_eq(loc_store_value(sim_loc(s, 4), sim_now(s), 7,
	    loc_kind("turn-service"), (const uint8_t *)"junk", 4, NULL, 2, 0,
	    &err), 0);
	sim_poke(s, 4);
	result(s, 4, 7, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	loc_action_clear(&a);

	/* every search from every other node: what it finds is right; over
	 * them all, both come up */
	for (i = 0; i < 12; i++) {
		if (i == 2 || i == 9)
			continue;
		ck_assert_int_eq(loc_relay_search(sim_loc(s, i), sim_now(s),
		    10 + i, &err), 0);
		sim_poke(s, i);
		result(s, i, 10 + i, &a);
		ck_assert_int_eq(a.res.op, LOC_OP_RELAYS);
		ck_assert_uint_le(a.res.finds, LOC_RELAY_FINDS);
		ck_assert_uint_le(a.res.nrelays, 2);
		if (a.res.nrelays == 2)
			ck_assert(!addr_eq(&a.res.relays[0].addr,
			    &a.res.relays[1].addr));
		for (unsigned k = 0; k < a.res.nrelays; k++) {
			const struct loc_relay *r = &a.res.relays[k];

			if (addr_eq(&r->addr, &r1)) {
				ck_assert(ov_id_eq(&r->node, id_of(s, 2)));
				ck_assert(r->iteration >= 1 &&
				    r->iteration <= 4);
				found[0]++;
			} else {
				ck_assert(addr_eq(&r->addr, &r2));
				ck_assert(ov_id_eq(&r->node, id_of(s, 9)));
				ck_assert(r->iteration >= 1 &&
				    r->iteration <= 6);
				found[1]++;
			}
		}
		loc_action_clear(&a);
	}
	ck_assert_msg(found[0] > 0 && found[1] > 0, "seed %llu: found "
	    "%u and %u", (unsigned long long)o.seed, found[0], found[1]);

	/* refreshed halfway through their lifetime: still there after two */
	sim_run(s, 2 * LOC_RELAY_LIFETIME * 1000ULL + 5000);
	ck_assert_int_eq(loc_relay_search(sim_loc(s, 0), sim_now(s), 99, &err),
	    0);
	sim_poke(s, 0);
	result(s, 0, 99, &a);
	ck_assert_uint_ge(a.res.nrelays, 1);
	loc_action_clear(&a);
	/* no more: the values expire */
	ck_assert_int_eq(loc_relay_advertise(sim_loc(s, 2), sim_now(s), NULL,
	    0), 0);
	ck_assert_int_eq(loc_relay_advertise(sim_loc(s, 9), sim_now(s), NULL,
	    0), 0);
	ck_assert_uint_eq(loc_relay_advertised(sim_loc(s, 2), NULL), 0);
	sim_run(s, LOC_RELAY_LIFETIME * 1000ULL + 5000);
	ck_assert_int_eq(loc_relay_search(sim_loc(s, 0), sim_now(s), 100,
	    &err), 0);
	sim_poke(s, 0);
	result(s, 0, 100, &a);
	ck_assert_uint_eq(a.res.nrelays, 0);
	loc_action_clear(&a);
	sim_free(s);
}
END_TEST

/*
 * Proxy peers (draft-marocco-p2psip-interwork): two nodes advertise
 * themselves at every Resource-ID of the service key; a search from any
 * other node finds both, with their Node-IDs, whichever Resource-ID it
 * picks; a ProxyPeer value that is junk is counted, not taken; one
 * outside the service's Resource-IDs, or under another's Node-ID, is
 * refused by access control; once they stop, the values expire.
 */
START_TEST(proxies_found)
{
	const struct ov_kind	*k = loc_kind("sip-proxy-peer");
	struct sim_opts		 o;
	struct sim		*s;
	struct loc_action	 a;
	struct addr		 p1, p2;
	struct ov_signer	 who;
	struct ov_value		 v;
	struct ov_id		 res;
	unsigned		 i, j, spread;
	char			*err;

	ck_assert_ptr_nonnull(k);
	sim_opts_default(&o);
	o.seed = SEED;
	s = ring(&o, 12);
	/* none yet: every Fetch it may make, and none */
	ck_assert_int_eq(loc_proxy_search(sim_loc(s, 5), sim_now(s), 1, &err),
	    0);
	sim_poke(s, 5);
	result(s, 5, 1, &a);
	ck_assert_int_eq(a.res.op, LOC_OP_PROXIES);
	ck_assert_uint_eq(a.res.nproxies, 0);
	ck_assert_uint_eq(a.res.finds, LOC_PROXY_FETCHES);
	loc_action_clear(&a);

	ck_assert_int_eq(addr_parse("192.0.2.3:5061", 0, &p1), 0);
	ck_assert_int_eq(addr_parse("[2001:db8::8]:5071", 0, &p2), 0);
	ck_assert_int_eq(loc_proxy_advertise(sim_loc(s, 3), sim_now(s), &p1),
	    0);
	ck_assert_int_eq(loc_proxy_advertise(sim_loc(s, 8), sim_now(s), &p2),
	    0);
	sim_run(s, 5000);
	ck_assert_uint_eq(loc_proxy_advertised(sim_loc(s, 3), &spread),
	    k->max_i);
	ck_assert_uint_eq(spread, k->max_i);
	ck_assert_uint_eq(loc_proxy_advertised(sim_loc(s, 8), NULL), k->max_i);

	/* junk under node 4's own key at a service Resource-ID: stored
	 * (the policy lets it), then counted by searchers, not taken */
	ck_assert_int_eq(loc_store_value(sim_loc(s, 4), sim_now(s), 7, k,
	    (const uint8_t *)"junk", 4, NULL, 2, 0, &err), 0);
	sim_poke(s, 4);
	result(s, 4, 7, &a);
	ck_assert_int_eq(a.res.error, LOC_OK);
	loc_action_clear(&a);
	/* outside 1..K: refused by the storing peer */
	ck_assert_int_eq(loc_store_value(sim_loc(s, 4), sim_now(s), 8, k,
	    (const uint8_t *)"junk", 4, NULL, k->max_i + 1, 0, &err), 0);
	sim_poke(s, 4);
	result(s, 4, 8, &a);
	ck_assert_int_eq(a.res.error, LOC_E_OVERLAY);
	loc_action_clear(&a);
	/* another's Node-ID as the key: not this writer's to store */
	memset(&who, 0, sizeof who);
	who.node = *id_of(s, 4);
	memset(&v, 0, sizeof v);
	v.key = id_of(s, 3)->b;
	v.key_len = OV_ID_LEN;
	ov_kind_service_res(k, 1, &res);
	ck_assert(!ov_kind_access_ok(k, &res, &v, &who));
	v.key = who.node.b;
	ck_assert(ov_kind_access_ok(k, &res, &v, &who));

	for (i = 0; i < 12; i++) {
		bool	seen[2] = { false, false };

		if (i == 3 || i == 8)
			continue;
		ck_assert_int_eq(loc_proxy_search(sim_loc(s, i), sim_now(s),
		    10 + i, &err), 0);
		sim_poke(s, i);
		result(s, i, 10 + i, &a);
		ck_assert_int_eq(a.res.op, LOC_OP_PROXIES);
		ck_assert_uint_eq(a.res.finds, 1);
		ck_assert_uint_eq(a.res.nproxies, 2);
		for (j = 0; j < 2; j++) {
			const struct loc_proxy *p = &a.res.proxies[j];

			if (addr_eq(&p->sip_tls, &p1)) {
				ck_assert(ov_id_eq(&p->node, id_of(s, 3)));
				seen[0] = true;
			} else {
				ck_assert(addr_eq(&p->sip_tls, &p2));
				ck_assert(ov_id_eq(&p->node, id_of(s, 8)));
				seen[1] = true;
			}
		}
		ck_assert(seen[0] && seen[1]);
		/* junk only where node 4 put it */
		ck_assert_uint_le(a.res.refused, 1);
		loc_action_clear(&a);
	}

	/* no more: the values expire, and searches find none */
	ck_assert_int_eq(loc_proxy_advertise(sim_loc(s, 3), sim_now(s), NULL),
	    0);
	ck_assert_int_eq(loc_proxy_advertise(sim_loc(s, 8), sim_now(s), NULL),
	    0);
	ck_assert_uint_eq(loc_proxy_advertised(sim_loc(s, 3), NULL), 0);
	sim_run(s, LOC_PROXY_LIFETIME * 1000ULL + 5000);
	ck_assert_int_eq(loc_proxy_search(sim_loc(s, 0), sim_now(s), 100,
	    &err), 0);
	sim_poke(s, 0);
	result(s, 0, 100, &a);
	ck_assert_uint_eq(a.res.nproxies, 0);
	loc_action_clear(&a);
	sim_free(s);
}
END_TEST

/* What the core takes as an AOR, a Kind and a Resource. */
START_TEST(names)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct loc		*l;
	struct ov_id		 res, want;
	const struct ov_kind	*k;
	const char		*why;
	char			 out[OV_USER_MAX], small[8], longer[300];

	sim_opts_default(&o);
	s = sim_new(&o);
	sim_add(s, 0);
	l = sim_loc(s, 0);
	ck_assert(loc_aor(l, "alice", out, sizeof out, &why));
	ck_assert_str_eq(out, "alice@" OVERLAY);
	ck_assert(loc_aor(l, "alice@" OVERLAY, out, sizeof out, &why));
	ck_assert_str_eq(out, "alice@" OVERLAY);
	ck_assert(loc_aor(l, "SIP:alice@SIM.P2PSIPD.TEST", out, sizeof out,
	    &why));
	ck_assert_str_eq(out, "alice@" OVERLAY);
	ck_assert(loc_aor(l, "sip:a_b.c~d+e-F9", out, sizeof out, &why));
	ck_assert_str_eq(out, "a_b.c~d+e-F9@" OVERLAY);
	ck_assert(!loc_aor(l, "alice@example.org", out, sizeof out, &why));
	ck_assert_str_eq(why, "the AOR's domain is not the overlay's name");
	ck_assert(!loc_aor(l, "alice@x@" OVERLAY, out, sizeof out, &why));
	ck_assert_str_eq(why, "the AOR's domain is not the overlay's name");
	ck_assert(!loc_aor(l, "sip:@" OVERLAY, out, sizeof out, &why));
	ck_assert_str_eq(why, "the user part must be letters, digits or "
	    "._~+-");
	ck_assert(!loc_aor(l, "", out, sizeof out, &why));
	ck_assert(!loc_aor(l, ".alice", out, sizeof out, &why));
	ck_assert(!loc_aor(l, "al ice", out, sizeof out, &why));
	ck_assert(!loc_aor(l, "al\"ice", out, sizeof out, &why));
	ck_assert(!loc_aor(l, "alice", small, sizeof small, &why));
	ck_assert_str_eq(why, "the AOR is too long");
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	ck_assert(!loc_aor(l, longer, out, sizeof out, &why));
	ck_assert_str_eq(why, "the AOR is too long");

	ck_assert_ptr_nonnull(k = loc_kind("sip-registration"));
	ck_assert_uint_eq(k->id, OV_KIND_SIP_REGISTRATION);
	ck_assert_ptr_nonnull(k = loc_kind("SIP-REGISTRATION"));
	ck_assert_uint_eq(k->id, OV_KIND_SIP_REGISTRATION);
	ck_assert_ptr_nonnull(k = loc_kind("1"));
	ck_assert_uint_eq(k->id, OV_KIND_SIP_REGISTRATION);
	ck_assert_ptr_nonnull(k = loc_kind("certificate-by-node"));
	ck_assert_uint_eq(k->id, OV_KIND_CERT_BY_NODE);
	ck_assert_ptr_nonnull(k = loc_kind("16"));
	ck_assert_uint_eq(k->id, OV_KIND_CERT_BY_USER);
	ck_assert_ptr_null(loc_kind("7"));
	ck_assert_ptr_null(loc_kind("-1"));
	ck_assert_ptr_null(loc_kind("99999999999"));
	ck_assert_ptr_null(loc_kind("bogus"));
	ck_assert_ptr_null(loc_kind(""));

	loc_resource("00112233445566778899aabbccddeeff", &res);
	ck_assert_int_eq(ov_id_from_hex("00112233445566778899aabbccddeeff",
	    &want), 0);
	ck_assert(ov_id_eq(&res, &want));
	loc_resource("alice@" OVERLAY, &res);
	ov_id_resource("alice@" OVERLAY, strlen("alice@" OVERLAY), &want);
	ck_assert(ov_id_eq(&res, &want));
	/* 32 characters, not hex: a name */
	loc_resource("0011223344556677889900112233445x", &res);
	ov_id_resource("0011223344556677889900112233445x", 32, &want);
	ck_assert(ov_id_eq(&res, &want));
	sim_free(s);
}
END_TEST

static int
tries_cred(const char *aor, struct loc_cred *c, char **err, void *arg)
{
	struct tries	*t = arg;

	if (t->n < sizeof t->at / sizeof t->at[0])
		t->at[t->n++] = sim_now(t->s);
	if (aor[0] == t->prefix && t->prefix != '\0') {
		if (strtoul(aor + 1, NULL, 10) != t->nprefix)
			t->unordered++;
		t->nprefix++;
	}
	if (sim_user_cred(t->s, t->node, aor, c) != 0) {
		*err = xstrdup("no key");
		return EINVAL;
	}
	return 0;
}

/*
 * A store refused is tried again after LOC_RETRY_MS, give or take half.
 * Due stores go out at the core's ticks, so an interval is the jitter
 * rounded up to a tick: the bounds rounded up too, both reached.
 */
START_TEST(retry_jitter)
{
	struct sim_opts	 o;
	struct sim	*s;
	struct loc_cfg	 cfg;
	struct tries	 t;
	uint64_t	 d, lo, hi, sum = 0;
	unsigned	 j, nlo = 0, nhi = 0;

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.max_lifetime_s = 100;
	s = sim_new(&o);
	sim_add(s, 0);
	sim_run(s, 1000);
	ck_assert_int_eq(ov_node_state(sim_node(s, 0)), OV_ST_ALONE);
	memset(&t, 0, sizeof t);
	t.s = s;
	memset(&cfg, 0, sizeof cfg);
	cfg.cred = tries_cred;
	cfg.cred_arg = &t;
	sim_loc_with(s, 0, &cfg);
	reg(s, 0, 0, "alice", "sip:alice@192.0.2.1", 200);
	sim_run(s, 1000000);
	ck_assert_uint_ge(t.n, 150);
	lo = ROUNDUP(LOC_RETRY_MS / 2, LOC_TICK_MS);
	hi = ROUNDUP(3 * LOC_RETRY_MS / 2, LOC_TICK_MS);
	/* the first store was the request's own, between ticks */
	for (j = 2; j < t.n; j++) {
		d = t.at[j] - t.at[j - 1];
		ck_assert_msg(d >= lo && d <= hi, "seed %llu: tried again "
		    "after %llu ms", (unsigned long long)o.seed,
		    (unsigned long long)d);
		nlo += d == lo;
		nhi += d == hi;
		sum += d;
	}
	ck_assert_msg(nlo > 0 && nhi > 0, "seed %llu: %u at %llu ms, %u at "
	    "%llu ms", (unsigned long long)o.seed, nlo, (unsigned long long)lo,
	    nhi, (unsigned long long)hi);
	/* uniform: the mean is LOC_RETRY_MS and half a tick */
	d = sum / (t.n - 2);
	ck_assert_msg(d > LOC_RETRY_MS && d < LOC_RETRY_MS + LOC_TICK_MS,
	    "seed %llu: mean %llu ms", (unsigned long long)o.seed,
	    (unsigned long long)d);
	ck_assert_uint_eq(loc_publishing(sim_loc(s, 0)), 1);
	none(s, 0);
	sim_free(s);
}
END_TEST

/*
 * A core freed with requests out (a store, a lookup, a resolve, a fetch,
 * actions not taken): all of it is freed (run under ASan or valgrind),
 * and the answers that come later are nobody's.  A crash frees the same.
 */
START_TEST(free_with_requests_out)
{
	const struct ov_kind	*turn = loc_kind("turn-service");
	struct sim_opts		 o;
	struct sim		*s;
	struct loc		*l;
	struct ov_id		 res;
	char			*err, a[16], b[16];
	unsigned		 i;

	sim_opts_default(&o);
	s = ring(&o, 6);
	for (i = 1; i <= 2; i++) {
		l = sim_loc(s, i);
		elsewhere(s, i, "a", a, sizeof a);
		elsewhere(s, i, "b", b, sizeof b);
		ck_assert_int_eq(loc_register(l, sim_now(s), 1, a, NULL, 0,
		    &err), 0);
		ck_assert_int_eq(loc_register(l, sim_now(s), 0, b,
		    "sip:b@192.0.2.1", 0, &err), 0);
		ck_assert_int_eq(loc_lookup(l, sim_now(s), 2, b, &err), 0);
		ck_assert_int_eq(loc_resolve(l, sim_now(s), 3, a, &err), 0);
		loc_resource("alice", &res);
		ck_assert_int_eq(loc_fetch_values(l, sim_now(s), 4, turn, &res,
		    true, &err), 0);
		sim_poke(s, i);
	}
	/* nothing is answered across a link in a millisecond */
	sim_run(s, 1);
	ck_assert_uint_eq(loc_publishing(sim_loc(s, 1)), 2);
	ck_assert_uint_eq(loc_publishing(sim_loc(s, 2)), 2);
	sim_loc_drop(s, 1);
	sim_kill(s, 2);
	ck_assert(!sim_loc_next_action(s, 1, NULL));
	ck_assert_ptr_null(sim_loc(s, 2));
	sim_run(s, 10000);
	loc_free(NULL);
	sim_free(s);
}
END_TEST

/*
 * AORs through churn: 500 registered by random nodes of 100 are all
 * found; 20% of the nodes fail at once; after the ring's repair and the
 * replica hold-down every AOR that still has a copy is found; after the
 * registrars' refreshes and the lifetime of the registrations, every AOR
 * of a live registrar is found and every one of a dead one is gone.
 */
START_TEST(aors_survive_churn)
{
	struct sim_opts		 o;
	struct sim		*s;
	struct sim_aors		*a;
	struct sim_aor_stats	 st;
	unsigned		 i, stored, t, wrong, orphans, unheld;
	uint64_t		 killed;

	sim_opts_default(&o);
	o.seed = SEED;
	o.node.replica_holddown_ms = 30000;
	s = ring(&o, 100);
	a = sim_aors_new(s, 500, 120, &stored);
	ck_assert_msg(stored == 500, "seed %llu: %u of 500 stored",
	    (unsigned long long)o.seed, stored);
	sim_aors_lookup(a, &st);
	ck_assert_msg(st.found == 500, "seed %llu: %u of 500 found, %u "
	    "failed", (unsigned long long)o.seed, st.found, st.failed);
	for (i = 0; i < 100; i++)
		if (i % 5 == 2)
			sim_kill(s, i);
	killed = sim_now(s);
	orphans = sim_aors_orphaned(a);
	ck_assert_uint_gt(orphans, 0);
	unheld = sim_aors_unheld(a);
	for (t = 0; !sim_ring_ok(s, &wrong); t++) {
		ck_assert_msg(t < 60, "seed %llu: no repair",
		    (unsigned long long)o.seed);
		sim_run(s, 1000);
	}
	/* past the hold-down: found wherever a copy is left */
	ck_assert_uint_lt(sim_now(s), killed + 35000);
	sim_run(s, killed + 35000 - sim_now(s));
	sim_aors_lookup(a, &st);
	ck_assert_msg(st.found + unheld == 500 && st.failed == 0, "seed "
	    "%llu: found %u, %u had no copy left, %u failed",
	    (unsigned long long)o.seed, st.found, unheld, st.failed);
	/* past the lifetime: refreshed, or gone with the registrar */
	sim_run(s, 100000);
	sim_aors_lookup(a, &st);
	ck_assert_uint_eq(st.tried, 500);
	ck_assert_msg(st.lost_alive == 0 && st.failed == 0 &&
	    st.found_dead == 0 && st.lost_dead == orphans, "seed %llu: "
	    "found %u (%u of dead registrars), lost %u of live registrars "
	    "and %u of %u dead ones, %u failed", (unsigned long long)o.seed,
	    st.found, st.found_dead, st.lost_alive, st.lost_dead, orphans,
	    st.failed);
	sim_aors_free(a);
	sim_free(s);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("loc");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, names);
	tcase_add_test(tc, register_and_lookup);
	tcase_add_test(tc, host_and_unregister);
	tcase_add_test(tc, resolve_contacts);
	tcase_add_test(tc, refresh_halfway);
	tcase_add_test(tc, phone_waits_for_join);
	tcase_add_test(tc, phones_wait_for_room);
	tcase_add_test(tc, same_millisecond);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, raw_values);
	tcase_add_loop_test(tc, relays_found, 0, 2);
	tcase_add_loop_test(tc, proxies_found, 0, 2);
	tcase_add_loop_test(tc, retry_jitter, 0, 2);
	tcase_add_test(tc, free_with_requests_out);
	tcase_add_loop_test(tc, aors_survive_churn, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
