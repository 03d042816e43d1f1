/*
 * loc_proxy.c - proxy peers (draft-marocco-p2psip-interwork): this node
 * advertised as one under the overlay's service key, and others found
 * there.  The Kind, SIP-PROXY-PEER, is p2psipd's (ov_kind.h): each
 * proxy peer stores its SIP over TLS address in a dictionary, under its
 * Node-ID, at every Resource-ID H("sip-proxy-peer" || i), i = 1..K;
 * a search fetches one of them at random, so that the lookups of the
 * whole overlay are spread over K storing peers rather than one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loc.h"
#include "loc_int.h"
#include "ov_data.h"
#include "ov_kind.h"
#include "ov_node.h"
#include "rng.h"
#include "xmalloc.h"

static const struct ov_kind *
loc_proxy_kind(void)
{
	return ov_kind_find(ov_kind_all, ov_kind_nall, OV_KIND_SIP_PROXY_PEER);
}

int
loc_proxy_advertise(struct loc *l, uint64_t now, const struct addr *sip_tls)
{
	(void)now;
	if (sip_tls != NULL && (sip_tls->family == 0 || sip_tls->port == 0))
		return EINVAL;
	loc_adv_set(&l->proxy, OV_KIND_SIP_PROXY_PEER, "proxy peer",
	    LOC_PROXY_LIFETIME, sip_tls, loc_proxy_kind()->max_i);
	return 0;
}

unsigned
loc_proxy_advertised(const struct loc *l, unsigned *spread)
{
	if (spread != NULL)
		*spread = l->proxy.n;
	return loc_adv_count(&l->proxy);
}

/* Fetch at one of the service's Resource-IDs not tried yet, or answer. */
static void
loc_proxy_step(struct loc *l, uint64_t now, struct loc_req *q)
{
	const struct ov_kind	*k = loc_proxy_kind();
	struct loc_result	*r = &q->res_out;
	unsigned		 i, left;

	while (r->nproxies == 0 && r->finds < LOC_PROXY_FETCHES) {
		left = 0;
		for (i = 1; i <= k->max_i && i < 32; i++)
			left += !(q->tried & 1u << i);
		if (left == 0)
			break;
		/* the (rng % left)-th untried one */
		left = rng_below(l->rng, left);
		for (i = 1; q->tried & 1u << i || left-- > 0; i++)
			;
		q->tried |= 1u << i;
		r->finds++;
		ov_kind_service_res(k, i, &q->res);
		q->ov_cookie = ++l->next_cookie;
		q->next = l->reqs;
		l->reqs = q;
		if (ov_node_fetch(l->ov, now, &q->res, k->id,
		    q->ov_cookie) == 0)
			return;
		loc_req_unlink(l, q);	/* refused at once: the next */
	}
	/* a random order: each caller starts at another (Fisher-Yates) */
	for (i = r->nproxies; i > 1; i--) {
		unsigned	 j = rng_below(l->rng, i);
		struct loc_proxy t = r->proxies[i - 1];

		r->proxies[i - 1] = r->proxies[j];
		r->proxies[j] = t;
	}
	loc_answer(l, q, r);
}

int
loc_proxy_search(struct loc *l, uint64_t now, uint64_t cookie, char **err)
{
	struct loc_req	*q;

	*err = NULL;
	if ((q = loc_search_new(l, LOC_OP_PROXIES, OV_KIND_SIP_PROXY_PEER,
	    cookie)) == NULL)
		return ENOTCONN;
	q->res_out.proxies = xcalloc(LOC_PROXIES_MAX,
	    sizeof *q->res_out.proxies);
	loc_proxy_step(l, now, q);
	return 0;
}

/* Add what a verified ProxyPeer value names (the overlay checked that
 * its key is its signer's Node-ID), once per Node-ID. */
static void
loc_proxy_add(struct loc_result *r, const struct ov_fetched_value *fv)
{
	struct ov_proxy_peer	pp;
	unsigned		i;

	if (!fv->s.v.exists)
		return;			/* one that went away */
	if (ov_data_proxy_peer_decode(fv->s.v.data, fv->s.v.len, &pp) != 0) {
		r->refused++;
		return;
	}
	for (i = 0; i < r->nproxies; i++)
		if (ov_id_eq(&r->proxies[i].node, &fv->signer.node))
			return;
	if (r->nproxies == LOC_PROXIES_MAX)
		return;
	r->proxies[r->nproxies].sip_tls = pp.sip_tls;
	r->proxies[r->nproxies++].node = fv->signer.node;
}

void
loc_proxy_fetched(struct loc *l, uint64_t now, struct loc_req *q,
    const struct ov_event *ev)
{
	if (loc_search_fetched(q, ev, loc_proxy_add))
		loc_proxy_step(l, now, q);
}
