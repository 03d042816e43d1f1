/*
 * sim_loc.c - AORs through the location service in the simulator: many
 * registered by random nodes, then looked up from random nodes, to see
 * what a churning overlay keeps (ovsim --aors, check_loc).  It drives
 * the nodes' location cores through sim.h alone, as srv_loc.c drives the
 * daemon's: a request with now, a poke to drain the overlay node, the
 * results taken from the core's actions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loc.h"
#include "ov_data.h"
#include "ov_id.h"
#include "ov_node.h"
#include "rng.h"
#include "sim.h"
#include "xmalloc.h"

#define SIM_AOR_SPREAD	4	/* requests a millisecond of virtual time */
#define SIM_AOR_WAIT_MS	30000	/* answers come within (timeouts too) */

enum sim_aor_got {
	SIM_AOR_NONE,		/* no answer yet */
	SIM_AOR_FOUND,		/* stored, or found as registered */
	SIM_AOR_MISSING,	/* not stored, or not found */
	SIM_AOR_FAILED,		/* the overlay failed */
};

struct sim_aors {
	struct sim		*s;
	struct rng_xoshiro	 xs;
	struct rng		 rng;
	unsigned		 n;
	unsigned		*reg;		/* each AOR's registrar */
	struct ov_id		*reg_id;	/* and its Node-ID */
	bool			*stored;
	enum sim_aor_got	*got;		/* this round's answers */
	const char		*overlay;
	unsigned		 answered;
	uint32_t		 round;		/* the cookies' high half */
};

static unsigned
sim_aors_node(struct sim_aors *a)
{
	unsigned	i;

	do
		i = (unsigned)rng_below(&a->rng, sim_count(a->s));
	while (!sim_alive(a->s, i));
	return i;
}

static void
sim_aors_name(unsigned k, char *buf, size_t max)
{
	snprintf(buf, max, "u%u", k);
}

static void
sim_aors_contact(const struct sim_aors *a, unsigned k, char *buf,
    size_t max)
{
	snprintf(buf, max, "sip:u%u@n%u.sim.invalid", k, a->reg[k]);
}

static uint64_t
sim_aors_cookie(const struct sim_aors *a, unsigned k)
{
	return (uint64_t)a->round << 32 | (k + 1);
}

/* Did the lookup find AOR k's binding, as its registrar stored it? */
static bool
sim_aors_found(const struct sim_aors *a, unsigned k,
    const struct loc_result *r)
{
	char		want[LOC_CONTACT_MAX];
	unsigned	i;

	sim_aors_contact(a, k, want, sizeof want);
	for (i = 0; i < r->nbindings; i++)
		if (r->bindings[i].contact != NULL &&
		    strcmp(r->bindings[i].contact, want) == 0 &&
		    r->bindings[i].has_node &&
		    ov_id_eq(&r->bindings[i].node, &a->reg_id[k]))
			return true;
	return false;
}

/* An answer of this round: what it says about its AOR. */
static void
sim_aors_result(const struct loc_result *r, void *arg)
{
	struct sim_aors	*a = arg;
	unsigned	 k = (unsigned)(r->cookie & 0xffffffff) - 1;

	if (r->cookie >> 32 != a->round || k >= a->n ||
	    a->got[k] != SIM_AOR_NONE)
		return;
	a->answered++;
	if (r->error == LOC_E_OVERLAY)
		a->got[k] = SIM_AOR_FAILED;
	else if (r->error == LOC_OK && (r->op == LOC_OP_REGISTER ||
	    sim_aors_found(a, k, r)))
		a->got[k] = SIM_AOR_FOUND;
	else
		a->got[k] = SIM_AOR_MISSING;
}

/* Take every core's actions: this round's answers, the rest dropped. */
static void
sim_aors_collect(struct sim_aors *a)
{
	sim_loc_results(a->s, sim_aors_result, a);
}

/* Run until every request of the round is answered, or the wait ends. */
static void
sim_aors_wait(struct sim_aors *a, unsigned want)
{
	uint64_t	end = sim_now(a->s) + SIM_AOR_WAIT_MS;

	sim_aors_collect(a);
	while (a->answered < want && sim_now(a->s) < end) {
		sim_run(a->s, 100);
		sim_aors_collect(a);
	}
}

/* A new round: no answers yet; those of earlier rounds are ignored. */
static void
sim_aors_round(struct sim_aors *a)
{
	a->round++;
	a->answered = 0;
	memset(a->got, 0, a->n * sizeof *a->got);
}

struct sim_aors *
sim_aors_new(struct sim *s, unsigned n, int expires, unsigned *stored)
{
	struct sim_aors	*a = xcalloc(1, sizeof *a);
	char		 aor[32], contact[LOC_CONTACT_MAX], *err;
	unsigned	 k, i, started = 0;

	a->s = s;
	a->n = n;
	a->overlay = sim_overlay(s);
	rng_xoshiro_seed(&a->xs, sim_seed(s) ^ 0x5a5a5a5aULL);
	a->rng.fill = rng_xoshiro_fill;
	a->rng.arg = &a->xs;
	a->reg = xcalloc(n + 1, sizeof *a->reg);
	a->reg_id = xcalloc(n + 1, sizeof *a->reg_id);
	a->stored = xcalloc(n + 1, sizeof *a->stored);
	a->got = xcalloc(n + 1, sizeof *a->got);
	sim_aors_round(a);
	for (k = 0; k < n; k++) {
		i = a->reg[k] = sim_aors_node(a);
		a->reg_id[k] = *ov_node_id(sim_node(s, i));
		sim_aors_name(k, aor, sizeof aor);
		sim_aors_contact(a, k, contact, sizeof contact);
		if (loc_register(sim_loc(s, i), sim_now(s),
		    sim_aors_cookie(a, k), aor, contact, expires, &err) == 0)
			started++;
		free(err);
		sim_poke(s, i);
		if (k % SIM_AOR_SPREAD == SIM_AOR_SPREAD - 1)
			sim_run(s, 1);
	}
	sim_aors_wait(a, started);
	*stored = 0;
	for (k = 0; k < n; k++) {
		a->stored[k] = a->got[k] == SIM_AOR_FOUND;
		*stored += a->stored[k];
	}
	return a;
}

void
sim_aors_free(struct sim_aors *a)
{
	if (a == NULL)
		return;
	free(a->reg);
	free(a->reg_id);
	free(a->stored);
	free(a->got);
	free(a);
}

void
sim_aors_lookup(struct sim_aors *a, struct sim_aor_stats *st)
{
	char		 aor[32], *err;
	unsigned	 k, i, started = 0;
	bool		 alive;

	memset(st, 0, sizeof *st);
	sim_aors_round(a);
	for (k = 0; k < a->n; k++) {
		if (!a->stored[k])
			continue;
		i = sim_aors_node(a);
		sim_aors_name(k, aor, sizeof aor);
		if (loc_lookup(sim_loc(a->s, i), sim_now(a->s),
		    sim_aors_cookie(a, k), aor, &err) == 0)
			started++;
		free(err);
		sim_poke(a->s, i);
		if (k % SIM_AOR_SPREAD == SIM_AOR_SPREAD - 1)
			sim_run(a->s, 1);
	}
	sim_aors_wait(a, started);
	for (k = 0; k < a->n; k++) {
		if (!a->stored[k])
			continue;
		st->tried++;
		alive = sim_alive(a->s, a->reg[k]);
		switch (a->got[k]) {
		case SIM_AOR_FOUND:
			st->found++;
			st->found_dead += !alive;
			break;
		case SIM_AOR_MISSING:
			if (alive)
				st->lost_alive++;
			else
				st->lost_dead++;
			break;
		default:
			st->failed++;
			break;
		}
	}
}

unsigned
sim_aors_unheld(const struct sim_aors *a)
{
	struct ov_id	res;
	char		aor[32 + OV_USER_MAX];
	unsigned	k, i, n = 0;
	bool		held;

	for (k = 0; k < a->n; k++) {
		if (!a->stored[k])
			continue;
		snprintf(aor, sizeof aor, "u%u@%s", k, a->overlay);
		ov_id_resource(aor, strlen(aor), &res);
		held = false;
		for (i = 0; i < sim_count(a->s) && !held; i++)
			held = sim_alive(a->s, i) && ov_node_holds(sim_node(
			    a->s, i), sim_now(a->s), &res,
			    OV_KIND_SIP_REGISTRATION);
		n += !held;
	}
	return n;
}

unsigned
sim_aors_orphaned(const struct sim_aors *a)
{
	unsigned	k, n = 0;

	for (k = 0; k < a->n; k++)
		n += a->stored[k] && !sim_alive(a->s, a->reg[k]);
	return n;
}
