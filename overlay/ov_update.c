/*
 * ov_update.c - stabilisation with Updates in CHORD-RELOAD (RFC 6940
 * §10.7): the neighbor table kept right, and fingers.
 *
 * Reactive: any change of the neighbor table sends Updates to every
 * connection (coalesced for a few ms, ov_topo.c), and a peer whose
 * Update shows a wrong view is told ours.  Periodic: Updates every
 * chord-update-interval keep neighbors and fingers in touch (§10.7.4.1).
 * A lost link removes its peer and refills the table from the other
 * connections (§10.7.1).  Fingers are searched at join and refreshed
 * every chord-ping-interval (§10.7.4.2, alternative 1); a Ping for our
 * own id through a distant peer checks where the overlay puts us.
 */
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "rng.h"
#include "xmalloc.h"

/* ---- Updates (§10.7) ---- */

/* An Update of type to peer, a newer one replacing any in flight. */
void
ov_update_send(struct ov_node *n, uint64_t now, const struct ov_id *peer,
    uint8_t type)
{
	struct ov_update	*u = xcalloc(1, sizeof *u);
	struct ov_link		*l = ov_link_to(n, peer);
	struct ov_txn		*t;
	struct wbuf		 w;

	if (l == NULL) {
		free(u);
		return;
	}
	l->told = true;
	u->uptime = ov_node_uptime(n, now);
	u->type = type;
	u->npred = n->chord.npred;
	memcpy(u->pred, n->chord.pred, u->npred * sizeof u->pred[0]);
	u->nsucc = n->chord.nsucc;
	memcpy(u->succ, n->chord.succ, u->nsucc * sizeof u->succ[0]);
	if (type == OV_UPD_FULL)
		u->nfinger = ov_chord_fingers(&n->chord, u->finger,
		    OV_UPD_FINGER_MAX);
	wbuf_init(&w, n->cfg.max_message_size);
	ov_body_update_encode(&w, u);
	/* A newer Update supersedes one still in flight. */
	ov_txn_cancel_kind(n, OV_TX_UPDATE, peer);
	t = ov_txn_start(n, now, OV_TX_UPDATE, OV_UPDATE_REQ, w.p, w.len,
	    peer, true, NULL, l->id);
	if (t != NULL)
		t->peer = *peer;
	wbuf_clear(&w);
	free(u);
}

/* A node named by a peer (in an Update or a Leave): a neighbor for us? */
void
ov_update_candidate(struct ov_node *n, uint64_t now, const struct ov_id *id,
    const struct ov_id *via)
{
	struct ov_link	*l;

	if (ov_id_eq(id, &n->cfg.self) ||
	    !ov_chord_wants_neighbor(&n->chord, id))
		return;
	l = ov_link_to(n, id);
	if (l != NULL && l->ready) {
		if (ov_chord_add_neighbor(&n->chord, id))
			ov_topo_changed(n, now);
	} else if (l == NULL)
		ov_attach_neighbor(n, now, id, via);
}

/*
 * Do we know nodes (ourselves included) that belong in the neighbor lists
 * the sender s just sent us?  Then it has a wrong view, and since our own
 * table may not change (so no reactive Update would go out), we tell it.
 * This is Chord's stabilisation step, done with Updates (§10.7.3,
 * §10.7.4.1): it costs nothing once every view is right.
 */
static bool
ov_update_can_help(struct ov_node *n, const struct ov_update *u,
    const struct ov_id *s)
{
	struct ov_chord	*view = xmalloc(sizeof *view);
	unsigned	 i;
	bool		 help;

	ov_chord_init(view, s, n->chord.want_pred, n->chord.want_succ, 0, 0);
	for (i = 0; i < u->npred; i++)
		ov_chord_add_neighbor(view, &u->pred[i]);
	for (i = 0; i < u->nsucc; i++)
		ov_chord_add_neighbor(view, &u->succ[i]);
	help = ov_chord_wants_neighbor(view, &n->cfg.self);
	for (i = 0; !help && i < n->chord.npred; i++)
		help = ov_chord_wants_neighbor(view, &n->chord.pred[i]);
	for (i = 0; !help && i < n->chord.nsucc; i++)
		help = ov_chord_wants_neighbor(view, &n->chord.succ[i]);
	free(view);
	return help;
}

static void
ov_update_from(struct ov_node *n, uint64_t now, const struct ov_update *u,
    const struct ov_id *s)
{
	unsigned	i;

	ov_update_candidate(n, now, s, NULL);
	for (i = 0; i < u->npred; i++)
		ov_update_candidate(n, now, &u->pred[i], s);
	for (i = 0; i < u->nsucc; i++)
		ov_update_candidate(n, now, &u->succ[i], s);
	if (u->type != OV_UPD_PEER_READY && ov_update_can_help(n, u, s) &&
	    !ov_txn_pending_to(n, OV_TX_UPDATE, s))
		ov_update_send(n, now, s, OV_UPD_NEIGHBORS);
}

/* An Update for us (§10.7.3): a peer's neighbors, and it is ready. */
void
ov_update_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_update	*u = xmalloc(sizeof *u);

	if (ov_body_update_decode(m->body, m->body_len, u) != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad ChordUpdate");
		goto out;
	}
	ov_route_answer(n, now, l, m, OV_UPDATE_ANS, NULL, 0);
	if (!ov_id_eq(&l->peer, s))
		goto out;		/* only a direct neighbor's counts */
	l->ready = true;
	n->hop_stale = true;
	if (n->state == OV_ST_JOINING) {
		if (ov_join_update(n, now, s, u))
			u = NULL;	/* kept */
	} else if (n->state == OV_ST_JOINED || n->state == OV_ST_ALONE)
		ov_update_from(n, now, u, s);
out:
	free(u);
}

/* ---- stabilisation (§10.7) ---- */

/*
 * Connected peers go back into the tables.  ready_only: only peers that
 * sent us an Update are known to be peers (§6.5.1: a node that merely
 * attached may not be routed through); at the end of our own join the
 * neighbors AP named are peers too, though they have not spoken yet.
 */
void
ov_update_refill(struct ov_node *n, bool ready_only)
{
	unsigned	i;

	for (i = 0; i < n->nlinks; i++)
		if (n->links[i]->up && !n->links[i]->closing &&
		    (n->links[i]->ready || !ready_only))
			ov_chord_add_neighbor(&n->chord, &n->links[i]->peer);
}

/*
 * An Update of type to each connection that is up, or to each we never
 * sent one on (untold).  The peers are copied first: sending can change
 * the links (one found dead).
 */
static void
ov_update_send_links(struct ov_node *n, uint64_t now, uint8_t type,
    bool untold)
{
	struct ov_id	*peers;
	unsigned	 i, np = 0;

	peers = xcalloc(n->nlinks + 1, sizeof *peers);
	for (i = 0; i < n->nlinks; i++)
		if (n->links[i]->up && !n->links[i]->closing &&
		    !(untold && n->links[i]->told))
			peers[np++] = n->links[i]->peer;
	for (i = 0; i < np; i++)
		ov_update_send(n, now, &peers[i], type);
	free(peers);
}

/* §10.7.3: an Update to each connection. */
void
ov_update_send_all(struct ov_node *n, uint64_t now)
{
	ov_update_send_links(n, now, OV_UPD_NEIGHBORS, false);
	if (n->chord.npred > 0)
		n->update_pred = n->chord.pred[0];
	else
		memset(&n->update_pred, 0, sizeof n->update_pred);
}

/*
 * The neighbor table changed (coalesced, ov_topo_changed).  Deviation
 * from §10.7.3, which sends an Update to each member of the Connection
 * Table after every change: each connection gets one only when our range
 * of responsible IDs changed (our first predecessor, as §10.7.3's last
 * paragraph and §10.7.1 ask); otherwise the members of the Neighbor
 * Table do (§10.7.1's rule for a failed neighbor).  A peer beyond our
 * neighbors takes from a neighbor set only the nodes that belong in its
 * own neighbor table (ov_update_from), and ours can hold such a node
 * only if its table is wrong, which its periodic Updates and partition
 * checks mend.  In the simulator, 10,000 nodes joining sent 103 Updates
 * a join instead of 233, which were nine in ten of all messages.
 */
void
ov_update_send_changed(struct ov_node *n, uint64_t now)
{
	static const struct ov_id	 none;
	struct ov_id			 nb[2 * OV_NEIGH_MAX];
	unsigned			 i, j, k = 0;

	if (!ov_id_eq(n->chord.npred > 0 ? &n->chord.pred[0] : &none,
	    &n->update_pred)) {
		ov_update_send_all(n, now);
		return;
	}
	/* copied: sending can change the table (a link found dead) */
	for (i = 0; i < n->chord.npred; i++)
		nb[k++] = n->chord.pred[i];
	for (i = 0; i < n->chord.nsucc; i++) {
		for (j = 0; j < n->chord.npred; j++)
			if (ov_id_eq(&n->chord.succ[i], &nb[j]))
				break;
		if (j == n->chord.npred)
			nb[k++] = n->chord.succ[i];
	}
	for (i = 0; i < k; i++)
		ov_update_send(n, now, &nb[i], OV_UPD_NEIGHBORS);
	/*
	 * A link we never sent an Update on is one the peer may not route
	 * over (§6.5.1): a PEER_READY one to each, once.  Every Update to
	 * each connection gave them that before.  (A link we attached gets
	 * its one as it comes up, ov_attach_link_up; this catches the rest.)
	 */
	ov_update_send_links(n, now, OV_UPD_PEER_READY, true);
}

/* §10.7.4.1: neighbors get Updates; fingers get peer_ready ones. */
static void
ov_update_periodic(struct ov_node *n, uint64_t now)
{
	struct ov_id	 f[OV_FINGER_MAX];
	unsigned	 i, nf;

	for (i = 0; i < n->chord.npred; i++)
		ov_update_send(n, now, &n->chord.pred[i],
		    OV_UPD_NEIGHBORS);
	for (i = 0; i < n->chord.nsucc; i++)
		if (!ov_txn_pending_to(n, OV_TX_UPDATE, &n->chord.succ[i]))
			ov_update_send(n, now, &n->chord.succ[i],
			    OV_UPD_NEIGHBORS);
	nf = ov_chord_fingers(&n->chord, f, OV_FINGER_MAX);
	for (i = 0; i < nf; i++)
		if (!ov_chord_is_neighbor(&n->chord, &f[i]))
			ov_update_send(n, now, &f[i], OV_UPD_PEER_READY);
}

/*
 * Are we where the overlay thinks we are?  A Ping for our own id, sent
 * through a distant peer, comes back to us in a consistent ring; if
 * another node answers, our neighbors are wrong (we were admitted while
 * the ring was changing) and we attach to the answerer, as for a
 * partition (§10.7.4.4).
 */
static void
ov_update_self_check(struct ov_node *n, uint64_t now)
{
	struct ov_link	*l, *pick = NULL;
	struct ov_txn	*t;
	struct wbuf	 w;
	unsigned	 i, seen = 0;

	for (i = 0; i < n->nlinks; i++) {
		l = n->links[i];
		if (!l->up || !l->ready || l->closing || l->suspect ||
		    ov_chord_is_neighbor(&n->chord, &l->peer))
			continue;
		if (rng_below(n->rng, ++seen) == 0)
			pick = l;
	}
	if (pick == NULL)
		return;
	wbuf_init(&w, 16);
	ov_body_ping_req_encode(&w, 0);
	t = ov_txn_start(n, now, OV_TX_PARTITION, OV_PING_REQ, w.p, w.len,
	    &n->cfg.self, false, NULL, pick->id);
	wbuf_clear(&w);
	(void)t;
}

/* ---- fingers (§10.5, §10.7.4.2) ---- */

/*
 * Fingers found at join reflect the overlay as it was; while it grows they
 * go stale.  So empty or invalid slots are searched again after 5 s, 10 s,
 * 20 s... up to chord-ping-interval (deviation from §10.7.4.2, which asks
 * for no more than one search per interval: this costs a few Attaches in
 * the first minutes and nothing once every slot is valid).
 */
#define OV_FINGER_FIRST_MS	5000

static void
ov_update_finger_schedule(struct ov_node *n, uint64_t now)
{
	if (n->finger_backoff_ms == 0)
		n->finger_backoff_ms = OV_FINGER_FIRST_MS;
	if (n->finger_backoff_ms >= n->cfg.finger_interval_ms)
		n->finger_ms = ov_topo_jitter(n, now,
		    n->cfg.finger_interval_ms);
	else {
		n->finger_ms = ov_topo_jitter(n, now, n->finger_backoff_ms);
		n->finger_backoff_ms *= 2;
	}
}

/* The periodic timers, from now (joined, or alone). */
void
ov_update_schedule(struct ov_node *n, uint64_t now)
{
	n->periodic_ms = ov_topo_jitter(n, now, n->cfg.update_interval_ms);
	n->finger_backoff_ms = 0;
	ov_update_finger_schedule(n, now);
	n->member_backoff_ms = 0;
	n->partition_ms = n->cfg.partition_interval_ms != 0 ?
	    ov_topo_jitter(n, now, ov_join_check_interval(n)) : UINT64_MAX;
}

static bool
ov_update_finger_pending(const struct ov_node *n, unsigned slot)
{
	unsigned	i;

	for (i = 0; i < n->ntxns; i++)
		if (n->txns[i]->kind == OV_TX_FINGER &&
		    n->txns[i]->slot == slot)
			return true;
	for (i = 0; i < n->nexpects; i++)
		if (n->expects[i].slot == slot)
			return true;
	return false;
}

/* A random point of finger slot i's range (§10.7.4.2). */
static void
ov_update_finger_random(struct ov_node *n, unsigned i,
    struct ov_id *target)
{
	struct ov_id	off;

	n->rng->fill(off.b, sizeof off.b, n->rng->arg);
	ov_id_keep_low(&off, ov_chord_finger_width_bits(&n->chord, i));
	ov_id_add(target, target, &off);
}

/*
 * Proximity neighbour selection (cfg.pns).  Any peer of a slot's range
 * serves as its finger; §10.7.4.2 lets stabilization choose among them
 * by other means than chance, and a peer keep connections to several
 * peers that can act for one entry.  So at each finger round a valid
 * slot is searched again, with probability 1/2, at a random point of
 * its range; the peer found is a candidate, linked beside the finger.
 * At the next round whichever has the shorter smoothed RTT (its link's,
 * RFC 6298) keeps the slot, by a margin so that peers as near as each
 * other do not take turns.  Routes then go by near peers: the same hops,
 * fewer milliseconds each.
 */
#define OV_PNS_MARGIN_MS	2

/* The smoothed RTT of our link to peer: false if none is measured. */
static bool
ov_update_rtt(struct ov_node *n, const struct ov_id *peer, uint32_t *ms)
{
	struct ov_link	*l = ov_link_to(n, peer);

	if (l == NULL || !l->up || l->closing || !l->fh.have_rtt)
		return false;
	*ms = ov_fh_srtt_ms(&l->fh);
	return true;
}

/* Slot i's candidate against its finger: the nearer keeps the slot. */
static void
ov_update_pns_judge(struct ov_node *n, unsigned i)
{
	struct ov_pns	*p = &n->pns[i];
	struct ov_id	 cur;
	uint32_t	 rc, rf;

	if (!p->set)
		return;
	p->set = false;			/* the loser's link times out */
	if (!ov_update_rtt(n, &p->peer, &rc) ||
	    !ov_chord_finger_fits(&n->chord, i, &p->peer) ||
	    ov_chord_is_neighbor(&n->chord, &p->peer))
		return;
	if (ov_chord_finger(&n->chord, i, &cur) &&
	    ov_chord_finger_fits(&n->chord, i, &cur) &&
	    ov_link_to(n, &cur) != NULL &&
	    (!ov_update_rtt(n, &cur, &rf) || rc + OV_PNS_MARGIN_MS >= rf ||
	    rc * 5 / 4 >= rf))
		return;
	ov_chord_set_finger(&n->chord, i, &p->peer);
	n->stats.pns_swaps++;
}

bool
ov_update_pns_has(const struct ov_node *n, const struct ov_id *peer)
{
	unsigned	i;

	if (n->pns == NULL)
		return false;
	for (i = 1; i <= n->chord.nfinger_slots; i++)
		if (n->pns[i].set && ov_id_eq(&n->pns[i].peer, peer))
			return true;
	return false;
}

void
ov_update_finger_linked(struct ov_node *n, unsigned slot,
    const struct ov_id *peer)
{
	struct ov_id	cur;
	bool		valid;

	valid = ov_chord_finger(&n->chord, slot, &cur) &&
	    ov_chord_finger_fits(&n->chord, slot, &cur);
	if (valid && ov_id_eq(&cur, peer))
		return;
	if (valid && n->pns != NULL) {
		if (ov_chord_finger_fits(&n->chord, slot, peer)) {
			n->pns[slot].peer = *peer;
			n->pns[slot].set = true;
		}
		return;
	}
	/* Take it if it fits, or if the slot has nothing better. */
	if (!valid || ov_chord_finger_fits(&n->chord, slot, peer))
		ov_chord_set_finger(&n->chord, slot, peer);
}

/* all: every slot that needs it; else each with probability 1/2. */
void
ov_update_fingers(struct ov_node *n, uint64_t now, bool all)
{
	struct ov_id	target, cur;
	unsigned	i, needed = ov_chord_finger_needed(&n->chord);
	bool		valid;

	for (i = 1; i <= n->chord.nfinger_slots; i++) {
		if (i > needed) {
			/* within the successors: such a finger adds nothing */
			ov_chord_clear_finger(&n->chord, i);
			continue;
		}
		if (n->pns != NULL)
			ov_update_pns_judge(n, i);
		valid = ov_chord_finger(&n->chord, i, &cur) &&
		    ov_chord_finger_fits(&n->chord, i, &cur);
		if ((valid && (n->pns == NULL ||
		    n->state != OV_ST_JOINED)) ||
		    ov_update_finger_pending(n, i) ||
		    ((!all || valid) && rng_below(n->rng, 2) == 0))
			continue;
		ov_chord_finger_target(&n->chord, i, &target);
		if (valid || (n->state == OV_ST_JOINED &&
		    n->finger_backoff_ms != 0))
			ov_update_finger_random(n, i, &target);
		if (ov_route_responsible(n, &target))
			continue;
		ov_attach_start(n, now, OV_TX_FINGER, &target, false, NULL,
		    0, i);
	}
}

/* ---- the timers ---- */

void
ov_update_tick(struct ov_node *n, uint64_t now)
{
	if (n->update_due_ms != 0 && now >= n->update_due_ms) {
		n->update_due_ms = 0;
		ov_update_send_changed(n, now);
	}
	if (n->state != OV_ST_JOINED)
		return;
	if (now >= n->periodic_ms) {
		n->periodic_ms = ov_topo_jitter(n, now,
		    n->cfg.update_interval_ms);
		ov_update_periodic(n, now);
	}
	if (now >= n->finger_ms) {
		/* searching every invalid slot while backing off, then one
		 * in two per round as §10.7.4.2 suggests */
		ov_update_fingers(n, now, n->finger_backoff_ms <
		    n->cfg.finger_interval_ms);
		ov_update_self_check(n, now);
		ov_update_finger_schedule(n, now);
	}
	if (now >= n->partition_ms) {
		ov_join_partition_check(n, now);
		n->partition_ms = ov_topo_jitter(n, now,
		    ov_join_check_interval(n));
	}
}
