/*
 * ov_lcache.c - the location cache: which peer answered for which
 * Resource-ID, and links to the peers this node asks again and again.
 *
 * A registrar refreshes the same users' registrations, and a user agent
 * calls the same contacts: their Stores and Fetches go to the same
 * Resource-IDs, each over log N hops.  When an answer to one of our own
 * requests comes from the peer responsible (its signer, checked by
 * §6.3.4 in ov_txn.c), the cache keeps Resource-ID -> that peer.  When
 * the same Resource-ID is answered a second time, the node Attaches to
 * the peer (§6.5.1 lets any peer Attach to any other); from then on a
 * message for that Resource-ID, ours or one we forward, goes to it in
 * one hop.  Entries are used least recently first out; an evicted peer's
 * link closes once it has been idle for link_timeout.  The cache's links
 * come on top of max_links, at both ends (ov_attach_neighbor,
 * ov_attach_taken): the nodes whose fingers fill max_links are the ones
 * with the longest routes, and the cache's size bounds what it adds.
 *
 * The cache is a hint for routing and never decides who answers: a
 * peer that is no longer responsible (a node joined in between) routes
 * the message on as any peer does, and a peer whose link is gone is
 * skipped.  Deviation from §10.3, which routes by the routing table
 * alone; §6.4.2 ("Route Query") and §10.7.4.3 let a peer use other
 * knowledge to find its next hop.
 */
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "xmalloc.h"

/* Answers for one Resource-ID before we link to its peer. */
#define OV_LCACHE_LINK_AFTER	2

struct ov_lc_ent {
	struct ov_id	 res;
	struct ov_id	 peer;
	uint64_t	 used;		/* n->lcache_clock when last used */
	unsigned	 answers;
};

void
ov_lcache_init(struct ov_node *n)
{
	if (n->cfg.location_cache > 0)
		n->lcache = xcalloc(n->cfg.location_cache, sizeof *n->lcache);
}

void
ov_lcache_free(struct ov_node *n)
{
	free(n->lcache);
	n->lcache = NULL;
	n->nlcache = 0;
}

static struct ov_lc_ent *
ov_lcache_find(const struct ov_node *n, const struct ov_id *res)
{
	unsigned	i;

	for (i = 0; i < n->nlcache; i++)
		if (ov_id_eq(&n->lcache[i].res, res))
			return &n->lcache[i];
	return NULL;
}

/* A free entry, or the least recently used one. */
static struct ov_lc_ent *
ov_lcache_slot(struct ov_node *n)
{
	struct ov_lc_ent	*old;
	unsigned		 i;

	if (n->nlcache < n->cfg.location_cache)
		return &n->lcache[n->nlcache++];
	old = &n->lcache[0];
	for (i = 1; i < n->nlcache; i++)
		if (n->lcache[i].used < old->used)
			old = &n->lcache[i];
	return old;
}

void
ov_lcache_learn(struct ov_node *n, uint64_t now, const struct ov_id *res,
    const struct ov_id *peer)
{
	struct ov_lc_ent	*e;

	if (n->lcache == NULL || ov_id_eq(peer, &n->cfg.self))
		return;
	if ((e = ov_lcache_find(n, res)) == NULL) {
		e = ov_lcache_slot(n);
		e->res = *res;
		e->answers = 0;
	} else if (!ov_id_eq(&e->peer, peer))
		e->answers = 0;		/* another peer took it over */
	e->peer = *peer;
	e->used = ++n->lcache_clock;
	if (++e->answers >= OV_LCACHE_LINK_AFTER &&
	    ov_link_to(n, peer) == NULL && ov_route_is_peer(n) &&
	    ov_attach_neighbor(n, now, peer, NULL))
		n->stats.lcache_attaches++;
}

bool
ov_lcache_hop(struct ov_node *n, const struct ov_id *dest,
    bool (*usable)(const struct ov_id *, void *), void *arg,
    struct ov_id *hop)
{
	struct ov_lc_ent	*e;

	if (n->lcache == NULL || (e = ov_lcache_find(n, dest)) == NULL ||
	    !usable(&e->peer, arg))
		return false;
	e->used = ++n->lcache_clock;
	*hop = e->peer;
	n->stats.lcache_hits++;
	return true;
}

bool
ov_lcache_has(const struct ov_node *n, const struct ov_id *peer)
{
	unsigned	i;

	for (i = 0; i < n->nlcache; i++)
		if (n->lcache[i].answers >= OV_LCACHE_LINK_AFTER &&
		    ov_id_eq(&n->lcache[i].peer, peer))
			return true;
	return false;
}
