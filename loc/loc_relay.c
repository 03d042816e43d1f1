/*
 * loc_relay.c - relay agent peers (RFC 6940 §9): this node's TURN server
 * advertised as TURN-SERVICE values, and others' found by Find and Fetch.
 *
 * §9 wants a peer behind a NAT or on a private address not to offer
 * itself; whether the relay address is fit to offer is the operator's
 * word here (the daemon warns of a private one), not measured.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loc.h"
#include "loc_int.h"
#include "log_ctx.h"
#include "ov_data.h"
#include "ov_node.h"
#include "rng.h"
#include "wire.h"
#include "xmalloc.h"

/* ---- advertising (loc_adv.c) ---- */

int
loc_relay_advertise(struct loc *l, uint64_t now, const struct addr *relay,
    unsigned density)
{
	(void)now;
	if (relay != NULL && (density < 1 || density > LOC_RELAY_DENSITY_MAX ||
	    relay->family == 0 || relay->port == 0))
		return EINVAL;
	loc_adv_set(&l->relay, OV_KIND_TURN_SERVICE, "relay",
	    LOC_RELAY_LIFETIME, relay, density);
	return 0;
}

unsigned
loc_relay_advertised(const struct loc *l, unsigned *density)
{
	if (density != NULL)
		*density = l->relay.n;
	return loc_adv_count(&l->relay);
}

/* ---- finding ---- */

static void
loc_relay_random(struct loc *l, struct ov_id *at)
{
	l->rng->fill(at->b, OV_ID_LEN, l->rng->arg);
}

/* Put q back on the list, waiting for the overlay's next answer. */
static void
loc_relay_relink(struct loc *l, struct loc_req *q)
{
	q->ov_cookie = ++l->next_cookie;
	q->next = l->reqs;
	l->reqs = q;
}

/* The next Find of q's walk, or the answer when it is over. */
static void
loc_relay_step(struct loc *l, uint64_t now, struct loc_req *q)
{
	struct loc_result	*r = &q->res_out;

	while (r->finds < LOC_RELAY_FINDS && r->nrelays < LOC_RELAYS_MAX) {
		r->finds++;
		loc_relay_relink(l, q);
		if (ov_node_find(l->ov, now, &q->walk, OV_KIND_TURN_SERVICE,
		    q->ov_cookie) == 0)
			return;
		loc_req_unlink(l, q);	/* refused at once: the next */
		loc_relay_random(l, &q->walk);
	}
	loc_answer(l, q, r);
}

int
loc_relay_search(struct loc *l, uint64_t now, uint64_t cookie, char **err)
{
	struct loc_req	*q;

	*err = NULL;
	if ((q = loc_search_new(l, LOC_OP_RELAYS, OV_KIND_TURN_SERVICE,
	    cookie)) == NULL)
		return ENOTCONN;
	q->res_out.relays = xcalloc(LOC_RELAYS_MAX, sizeof *q->res_out.relays);
	loc_relay_random(l, &q->walk);
	loc_relay_step(l, now, q);
	return 0;
}

void
loc_relay_found(struct loc *l, uint64_t now, struct loc_req *q,
    const struct ov_event *ev)
{
	unsigned	i;

	if (ev->error != 0 || !ev->has_closest) {
		loc_relay_random(l, &q->walk);
		loc_relay_step(l, now, q);
		return;
	}
	for (i = 0; i < q->nfetched; i++)
		if (ov_id_eq(&q->fetched[i], &ev->closest)) {
			/* round the ring once: jump elsewhere */
			loc_relay_random(l, &q->walk);
			loc_relay_step(l, now, q);
			return;
		}
	if (q->nfetched < LOC_RELAY_FINDS)
		q->fetched[q->nfetched++] = ev->closest;
	q->res = ev->closest;
	loc_relay_relink(l, q);
	if (ov_node_fetch(l->ov, now, &ev->closest, OV_KIND_TURN_SERVICE,
	    q->ov_cookie) != 0) {
		loc_req_unlink(l, q);
		loc_relay_random(l, &q->walk);
		loc_relay_step(l, now, q);
	}
}

/* Add what a verified TurnServer value names, once per address. */
static void
loc_relay_add(struct loc_result *r, const struct ov_fetched_value *fv)
{
	struct ov_turn_server	ts;
	unsigned		i;

	if (!fv->s.v.exists || ov_data_turn_server_decode(fv->s.v.data,
	    fv->s.v.len, &ts) != 0) {
		r->refused++;
		return;
	}
	for (i = 0; i < r->nrelays; i++)
		if (addr_eq(&r->relays[i].addr, &ts.addr))
			return;
	if (r->nrelays == LOC_RELAYS_MAX)
		return;
	r->relays[r->nrelays].addr = ts.addr;
	r->relays[r->nrelays].node = fv->signer.node;
	r->relays[r->nrelays++].iteration = ts.iteration;
}

void
loc_relay_fetched(struct loc *l, uint64_t now, struct loc_req *q,
    const struct ov_event *ev)
{
	struct ov_id	one;

	if (!loc_search_fetched(q, ev, loc_relay_add))
		return;
	/* on from just past it (§7.4.4) */
	memset(&one, 0, sizeof one);
	one.b[OV_ID_LEN - 1] = 1;
	ov_id_add(&q->walk, &q->res, &one);
	loc_relay_step(l, now, q);
}
