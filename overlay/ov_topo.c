/*
 * ov_topo.c - CHORD-RELOAD behaviour (RFC 6940 §6.4, §6.5.1, §10).
 *
 * Joining (§10.5, §11.4): connect to a bootstrap entry; Attach to
 * Resource-ID self+1 through it with send_update; the admitting peer (AP)
 * connects to us and sends its routing table; we Attach to the neighbors
 * it names (source-routed through AP, §10.6), then Join; on JoinAns we
 * are a peer, send Updates to our neighbors and look for fingers.
 *
 * Attach (§6.5.1): the requester offers a passive TLS-TCP-FH-NO-ICE host
 * candidate, the answerer connects to it (active) and, when asked
 * (send_update), sends a full Update once the link is up; that Update is
 * what lets the requester route through the answerer (§6.5.1, §10.7).
 *
 * Stabilisation (§10.7): reactive; any change of the neighbor table sends
 * Updates to every connection (coalesced for a few ms), and Updates every
 * chord-update-interval keep neighbors and fingers in touch.  A lost link
 * removes its peer and refills the table from the other connections
 * (§10.7.1).  Fingers are searched at join and refreshed every
 * chord-ping-interval (§10.7.4.2, alternative 1).  Partitions are
 * detected by pinging our own id through a bootstrap entry (§10.7.4.4).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "rng.h"
#include "xmalloc.h"

#define OV_UPDATE_COALESCE_MS	20
#define OV_ATTACHES_MAX		16	/* neighbor Attaches in flight */

static void ov_boot_next(struct ov_node *, uint64_t);
static void ov_topo_send_updates(struct ov_node *, uint64_t);
static void ov_topo_candidate(struct ov_node *, uint64_t,
    const struct ov_id *, const struct ov_id *);
static void ov_join_progress(struct ov_node *, uint64_t);
static void ov_leave_finish(struct ov_node *, uint64_t);

static uint64_t
ov_jitter(struct ov_node *n, uint64_t now, uint32_t interval)
{
	/* uniformly in [0.75, 1.25] x interval (§10.7.4.1: offset them) */
	return now + interval - interval / 4 +
	    rng_below(n->rng, interval / 2 + 1);
}

static unsigned
ov_boot_usable(const struct ov_node *n)
{
	unsigned	i, k = 0;

	for (i = 0; i < n->cfg.nbootstrap; i++)
		k += !n->boot_self[i];
	return k;
}

/* ---- expectations: peers our Attaches made connect to us ---- */

static struct ov_expect *
ov_expect_find(struct ov_node *n, const struct ov_id *peer)
{
	unsigned	i;

	for (i = 0; i < n->nexpects; i++)
		if (ov_id_eq(&n->expects[i].peer, peer))
			return &n->expects[i];
	return NULL;
}

static void
ov_expect_add(struct ov_node *n, uint64_t now, const struct ov_id *peer,
    unsigned slot)
{
	struct ov_expect	*e = ov_expect_find(n, peer);

	if (e == NULL) {
		if (n->nexpects == n->expects_cap) {
			n->expects_cap = n->expects_cap ? n->expects_cap * 2 : 8;
			n->expects = xreallocarray(n->expects, n->expects_cap,
			    sizeof *n->expects);
		}
		e = &n->expects[n->nexpects++];
		e->peer = *peer;
		e->slot = slot;
	} else if (slot != 0)
		e->slot = slot;
	e->until_ms = now + 2 * (uint64_t)n->cfg.reliability_ms;
}

static void
ov_expect_remove(struct ov_node *n, struct ov_expect *e)
{
	*e = n->expects[--n->nexpects];
}

/* ---- Attach (§6.5.1) ---- */

static void
ov_attach_body(struct ov_node *n, struct wbuf *w, bool offer, bool update)
{
	struct ov_attach	a;

	memset(&a, 0, sizeof a);
	/* No-ICE ignores these, but they are part of the structure. */
	ov_ice_creds(n, a.ufrag, sizeof a.ufrag, a.password,
	    sizeof a.password);
	snprintf(a.role, sizeof a.role, "%s", offer ? "passive" : "active");
	if (n->cfg.self_addr.family != 0) {
		a.ncand = 1;
		a.cand[0].addr = n->cfg.self_addr;
		a.cand[0].link_type = OV_LINK_TLS_TCP_FH_NO_ICE;
		a.cand[0].cand_type = OV_CAND_HOST;
		a.cand[0].priority = 126u << 24 | 65535u << 8 | 255u;
	}
	a.send_update = update;
	ov_body_attach_encode(w, &a);
}

/*
 * Attach to a node (via: source-route through it, §10.6) or to the peer
 * responsible for a resource.  slot: finger slot, 0 for a neighbor.
 */
static struct ov_txn *
ov_attach_start(struct ov_node *n, uint64_t now, enum ov_txn_kind kind,
    const struct ov_id *dest, bool to_node, const struct ov_id *via,
    uint32_t pin, unsigned slot)
{
	struct ov_txn	*t;
	struct wbuf	 w;

	wbuf_init(&w, 512);
	ov_attach_body(n, &w, true, true);
	t = ov_txn_start(n, now, kind, OV_ATTACH_REQ, w.p, w.len, dest,
	    to_node, via, pin);
	wbuf_clear(&w);
	if (t != NULL) {
		t->slot = slot;
		if (to_node)
			t->peer = *dest;
	}
	return t;
}

static unsigned
ov_attaches_pending(const struct ov_node *n)
{
	unsigned	i, k = 0;

	for (i = 0; i < n->ntxns; i++)
		k += n->txns[i]->kind == OV_TX_ATTACH;
	return k;
}

/* We are, or are about to be, connected to peer. */
static bool
ov_reaching(struct ov_node *n, const struct ov_id *peer)
{
	unsigned	i;

	for (i = 0; i < n->nlinks; i++)
		if (!n->links[i]->closing &&
		    ((n->links[i]->up && ov_id_eq(&n->links[i]->peer, peer)) ||
		    (!n->links[i]->up && n->links[i]->has_expect &&
		    ov_id_eq(&n->links[i]->expect, peer))))
			return true;
	return ov_expect_find(n, peer) != NULL ||
	    ov_txn_pending_to(n, OV_TX_ATTACH, peer);
}

/* Attach to a neighbor candidate through via (or routed if NULL). */
static void
ov_attach_neighbor(struct ov_node *n, uint64_t now, const struct ov_id *id,
    const struct ov_id *via)
{
	if (ov_reaching(n, id) || ov_attaches_pending(n) >= OV_ATTACHES_MAX ||
	    n->nlinks >= n->cfg.max_links)
		return;
	ov_attach_start(n, now, OV_TX_ATTACH, id, true, via, 0, 0);
}

/* The peer behind an Attach answer is (or will be) linked to us. */
static void
ov_topo_attached(struct ov_node *n, uint64_t now, const struct ov_id *peer,
    unsigned slot)
{
	struct ov_id	cur;

	if (slot != 0) {
		/* Take it if it fits, or if the slot has nothing better. */
		if (ov_chord_finger_fits(&n->chord, slot, peer) ||
		    !ov_chord_finger(&n->chord, slot, &cur) ||
		    !ov_chord_finger_fits(&n->chord, slot, &cur))
			ov_chord_set_finger(&n->chord, slot, peer);
	} else if (n->state == OV_ST_JOINED || n->state == OV_ST_ALONE) {
		if (ov_chord_add_neighbor(&n->chord, peer))
			ov_topo_changed(n, now);
	}
	if (n->state == OV_ST_JOINING)
		ov_join_progress(n, now);
}

/*
 * Past max_links only essential Attaches are taken: from a node joining
 * through us (it attaches to its own id + 1, §11.4) or one that belongs in
 * our neighbor table.  Others (fingers) get Error_Forbidden and look for
 * another peer of their range later.
 */
static bool
ov_attach_essential(const struct ov_node *n, const struct ov_msg *m,
    const struct ov_id *s)
{
	struct ov_id	target, next;

	if (ov_chord_wants_neighbor(&n->chord, s) ||
	    ov_chord_is_neighbor(&n->chord, s))
		return true;
	if (m->fwd.ndest == 0 || m->fwd.dest[m->fwd.ndest - 1].type !=
	    OV_DEST_RESOURCE ||
	    !ov_msg_dest_id(&m->fwd.dest[m->fwd.ndest - 1], &target))
		return false;
	ov_id_add_u64(&next, s, 1);
	return ov_id_eq(&target, &next);
}

/* An Attach request for us (§6.5.1.2). */
static void
ov_topo_attach_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_attach	 a;
	struct ov_link		*nl;
	struct ov_expect	*e;
	struct wbuf		 w;

	if (ov_body_attach_decode(m->body, m->body_len, &a) != 0 ||
	    ov_id_eq(s, &n->cfg.self)) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad AttachReq");
		return;
	}
	if (!ov_route_is_peer(n)) {
		/* Our Update would make the requester route through us. */
		ov_route_error(n, now, l, &m->fwd, OV_E_NOT_FOUND,
		    "not a peer of the overlay yet");
		return;
	}
	if ((nl = ov_link_to(n, s)) == NULL) {
		if (a.ncand == 0) {
			ov_route_error(n, now, l, &m->fwd,
			    OV_E_INCOMPATIBLE_WITH_OVERLAY,
			    "a TLS-TCP-FH-NO-ICE host candidate is required");
			return;
		}
		/*
		 * It answered our Attach, so it is connecting to us: tell it
		 * so (the smaller Node-ID gives way).  An Attach of ours it
		 * has not answered may never reach it (it may not be in our
		 * ring yet): then we answer and connect, and the duplicate
		 * link, if any, is closed when both are up.
		 */
		e = ov_expect_find(n, s);
		if (e != NULL && ov_id_cmp(&n->cfg.self, s) > 0) {
			ov_route_error(n, now, l, &m->fwd, OV_E_IN_PROGRESS,
			    "attaching to you already");
			return;
		}
		if (e != NULL)
			ov_expect_remove(n, e);
		ov_txn_cancel_kind(n, OV_TX_ATTACH, s);
		if (n->nlinks >= n->cfg.max_links &&
		    !ov_attach_essential(n, m, s)) {
			ov_route_error(n, now, l, &m->fwd, OV_E_FORBIDDEN,
			    "too many links");
			return;
		}
	}
	wbuf_init(&w, 512);
	ov_attach_body(n, &w, false, false);
	ov_route_answer(n, now, l, m, OV_ATTACH_ANS, w.p, w.len);
	wbuf_clear(&w);
	if (nl != NULL) {
		if (a.send_update)
			ov_topo_send_update(n, now, s, OV_UPD_FULL);
		return;
	}
	if (ov_reaching(n, s))
		return;		/* a retransmission: already connecting */
	nl = ov_link_new(n, now, true, &a.cand[0].addr);
	nl->has_expect = true;
	nl->expect = *s;
	nl->send_update = a.send_update;
	ov_node_act_push(n, &(struct ov_action){ .type = OV_ACT_CONNECT,
	    .link = nl->id, .addr = a.cand[0].addr, .has_expect = true,
	    .expect = *s });
}

/* ---- Updates (§10.7) ---- */

void
ov_topo_send_update(struct ov_node *n, uint64_t now, const struct ov_id *peer,
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
static void
ov_topo_candidate(struct ov_node *n, uint64_t now, const struct ov_id *id,
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
ov_topo_can_help(struct ov_node *n, const struct ov_update *u,
    const struct ov_id *s)
{
	struct ov_chord	*view = xmalloc(sizeof *view);
	unsigned	 i;
	bool		 help;

	ov_chord_init(view, s, n->chord.want_pred, n->chord.want_succ, 0);
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
ov_topo_from_update(struct ov_node *n, uint64_t now, const struct ov_update *u,
    const struct ov_id *s)
{
	unsigned	i;

	ov_topo_candidate(n, now, s, NULL);
	for (i = 0; i < u->npred; i++)
		ov_topo_candidate(n, now, &u->pred[i], s);
	for (i = 0; i < u->nsucc; i++)
		ov_topo_candidate(n, now, &u->succ[i], s);
	if (u->type != OV_UPD_PEER_READY && ov_topo_can_help(n, u, s) &&
	    !ov_txn_pending_to(n, OV_TX_UPDATE, s))
		ov_topo_send_update(n, now, s, OV_UPD_NEIGHBORS);
}

/* Joining: AP's table names our future neighbors (§10.5 steps 3-4). */
static void
ov_join_candidates(struct ov_node *n, uint64_t now, const struct ov_update *u)
{
	struct ov_chord	*tmp = xmalloc(sizeof *tmp);
	unsigned	 i;

	n->join_attach_ms = now + 2 * (uint64_t)n->cfg.reliability_ms;
	ov_chord_init(tmp, &n->cfg.self, n->chord.want_pred,
	    n->chord.want_succ, 0);
	ov_chord_add_neighbor(tmp, &n->ap);
	for (i = 0; i < u->npred; i++)
		ov_chord_add_neighbor(tmp, &u->pred[i]);
	for (i = 0; i < u->nsucc; i++)
		ov_chord_add_neighbor(tmp, &u->succ[i]);
	for (i = 0; i < tmp->nsucc; i++)
		if (!ov_id_eq(&tmp->succ[i], &n->ap))
			ov_attach_neighbor(n, now, &tmp->succ[i], &n->ap);
	for (i = 0; i < tmp->npred; i++)
		if (!ov_id_eq(&tmp->pred[i], &n->ap))
			ov_attach_neighbor(n, now, &tmp->pred[i], &n->ap);
	free(tmp);
}

/*
 * While we wait for the answer to our Attach, the admitting peer's Update
 * may come first (over the link it opened to us), among Updates from
 * others (a bootstrap peer tells every connection when its range
 * changes).  Keep the latest of each sender, a few senders.
 */
static void
ov_early_keep(struct ov_node *n, uint64_t now, const struct ov_id *from,
    struct ov_update *u)
{
	struct ov_early	*e = &n->early[0];
	unsigned	 i;

	for (i = 0; i < OV_EARLY_MAX; i++) {
		if (n->early[i].u != NULL &&
		    ov_id_eq(&n->early[i].from, from)) {
			e = &n->early[i];
			break;
		}
		if (n->early[i].u == NULL || n->early[i].at < e->at)
			e = &n->early[i];
	}
	free(e->u);
	e->u = u;
	e->from = *from;
	e->at = now;
}

/* The kept Update of from, taken (the caller frees it), or NULL. */
static struct ov_update *
ov_early_take(struct ov_node *n, const struct ov_id *from)
{
	struct ov_update	*u;
	unsigned		 i;

	for (i = 0; i < OV_EARLY_MAX; i++) {
		if (n->early[i].u != NULL &&
		    ov_id_eq(&n->early[i].from, from)) {
			u = n->early[i].u;
			n->early[i].u = NULL;
			return u;
		}
	}
	return NULL;
}

static void
ov_early_clear(struct ov_node *n)
{
	unsigned	i;

	for (i = 0; i < OV_EARLY_MAX; i++) {
		free(n->early[i].u);
		n->early[i].u = NULL;
	}
}

/*
 * A kept Update from a node that says it is responsible for self + 1
 * (its predecessor is below it), there for a reliability timer: the
 * admitting peer whose Attach answer went missing.  NULL if none.
 */
static struct ov_early *
ov_early_ap(struct ov_node *n, uint64_t now)
{
	struct ov_id	 next;
	struct ov_early	*e;
	unsigned	 i;

	ov_id_add_u64(&next, &n->cfg.self, 1);
	for (i = 0; i < OV_EARLY_MAX; i++) {
		e = &n->early[i];
		if (e->u != NULL && now >= e->at + n->cfg.reliability_ms &&
		    e->u->npred > 0 &&
		    ov_id_in_oc(&e->u->pred[0], &next, &e->from))
			return e;
	}
	return NULL;
}

/* When ov_early_ap may find one, or UINT64_MAX. */
static uint64_t
ov_early_deadline(const struct ov_node *n)
{
	uint64_t	d = UINT64_MAX;
	unsigned	i;

	for (i = 0; i < OV_EARLY_MAX; i++)
		if (n->early[i].u != NULL &&
		    n->early[i].at + n->cfg.reliability_ms < d)
			d = n->early[i].at + n->cfg.reliability_ms;
	return d;
}

static void
ov_topo_update_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_update	*u = xmalloc(sizeof *u);
	char			 hex[OV_ID_HEXLEN];

	if (ov_body_update_decode(m->body, m->body_len, u) != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad ChordUpdate");
		goto out;
	}
	ov_route_answer(n, now, l, m, OV_UPDATE_ANS, NULL, 0);
	if (!ov_id_eq(&l->peer, s))
		goto out;		/* only a direct neighbor's counts */
	l->ready = true;
	if (n->state == OV_ST_JOINING) {
		if (n->have_ap && ov_id_eq(s, &n->ap) && !n->ap_updated) {
			n->ap_updated = true;
			ov_join_candidates(n, now, u);
		} else if (!n->have_ap) {
			ov_debug(n, "overlay: Update from %s before any Attach "
			    "answer: kept", ov_id_hex(s, hex));
			ov_early_keep(n, now, s, u);
			u = NULL;
		}
		ov_join_progress(n, now);
	} else if (n->state == OV_ST_JOINED || n->state == OV_ST_ALONE)
		ov_topo_from_update(n, now, u, s);
out:
	free(u);
}

/* ---- Join (§6.4.2.1, §10.5) ---- */

/*
 * Join once the neighbors AP named are attached, or once waiting for them
 * has taken long enough: AP alone is enough to join, and stabilisation
 * brings the rest (§10.7.3).  A neighbor that never answers must not make
 * the whole join fail.
 */
static void
ov_join_progress(struct ov_node *n, uint64_t now)
{
	struct ov_link	*l;
	struct wbuf	 w;
	struct ov_txn	*t;

	if (n->join_sent || !n->ap_updated ||
	    (l = ov_link_to(n, &n->ap)) == NULL)
		return;
	if ((ov_attaches_pending(n) > 0 || n->nexpects > 0) &&
	    now < n->join_attach_ms)
		return;
	ov_debug(n, "overlay: sending Join (%u attaches pending, %u "
	    "expected)", ov_attaches_pending(n), n->nexpects);
	wbuf_init(&w, 64);
	ov_body_join_req_encode(&w, &n->cfg.self);
	t = ov_txn_start(n, now, OV_TX_JOIN, OV_JOIN_REQ, w.p, w.len, &n->ap,
	    true, NULL, l->id);
	wbuf_clear(&w);
	if (t != NULL) {
		t->peer = n->ap;
		n->join_sent = true;
	}
}

/*
 * Connected peers go back into the tables.  ready_only: only peers that
 * sent us an Update are known to be peers (§6.5.1: a node that merely
 * attached may not be routed through); at the end of our own join the
 * neighbors AP named are peers too, though they have not spoken yet.
 */
static void
ov_topo_refill(struct ov_node *n, bool ready_only)
{
	unsigned	i;

	for (i = 0; i < n->nlinks; i++)
		if (n->links[i]->up && !n->links[i]->closing &&
		    (n->links[i]->ready || !ready_only))
			ov_chord_add_neighbor(&n->chord, &n->links[i]->peer);
}

/*
 * Fingers found at join reflect the overlay as it was; while it grows they
 * go stale.  So empty or invalid slots are searched again after 5 s, 10 s,
 * 20 s... up to chord-ping-interval (deviation from §10.7.4.2, which asks
 * for no more than one search per interval: this costs a few Attaches in
 * the first minutes and nothing once every slot is valid).
 */
#define OV_FINGER_FIRST_MS	5000

static void
ov_finger_schedule(struct ov_node *n, uint64_t now)
{
	if (n->finger_backoff_ms == 0)
		n->finger_backoff_ms = OV_FINGER_FIRST_MS;
	if (n->finger_backoff_ms >= n->cfg.finger_interval_ms)
		n->finger_ms = ov_jitter(n, now, n->cfg.finger_interval_ms);
	else {
		n->finger_ms = ov_jitter(n, now, n->finger_backoff_ms);
		n->finger_backoff_ms *= 2;
	}
}

static void
ov_topo_schedule(struct ov_node *n, uint64_t now)
{
	n->periodic_ms = ov_jitter(n, now, n->cfg.update_interval_ms);
	n->finger_backoff_ms = 0;
	ov_finger_schedule(n, now);
	n->partition_ms = n->cfg.partition_interval_ms != 0 ?
	    ov_jitter(n, now, n->cfg.partition_interval_ms) : UINT64_MAX;
}

static void ov_topo_fingers(struct ov_node *, uint64_t, bool);

static void
ov_join_done(struct ov_node *n, uint64_t now)
{
	char	hex[OV_ID_HEXLEN];

	ov_log(n, "overlay: joined through %s", ov_id_hex(&n->ap, hex));
	ov_node_set_state(n, OV_ST_JOINED);
	ov_txn_cancel_all(n, OV_TX_BOOT_ATTACH);	/* other attempts */
	n->join_deadline_ms = 0;
	ov_topo_refill(n, false);
	ov_topo_send_updates(n, now);	/* §10.5 step 9 */
	ov_topo_fingers(n, now, true);
	ov_topo_schedule(n, now);
}

/*
 * Start the join over from the next bootstrap entry.  Every link goes:
 * if AP took our Join but we never saw its answer, closing our link to it
 * makes it forget us, so that no peer routes through a node that is not
 * in the ring.
 */
/*
 * The node that answered our Attach connected to us and sent its Update,
 * but the answer itself is lost on its way back through a ring still
 * settling.  That node is our admitting peer: go on with it (§10.5).
 */
static void
ov_join_adopt_ap(struct ov_node *n, uint64_t now, struct ov_early *e)
{
	char			 hex[OV_ID_HEXLEN];
	struct ov_update	*u = e->u;

	ov_debug(n, "overlay: no Attach answer, but %s sent its Update and "
	    "answers for our id + 1: joining through it",
	    ov_id_hex(&e->from, hex));
	e->u = NULL;
	ov_txn_cancel_all(n, OV_TX_BOOT_ATTACH);
	n->ap = e->from;
	n->have_ap = true;
	n->ap_updated = true;
	n->join_deadline_ms = now + 4 * (uint64_t)n->cfg.reliability_ms;
	ov_join_candidates(n, now, u);
	free(u);
	ov_early_clear(n);
	ov_join_progress(n, now);
}

static void
ov_join_restart(struct ov_node *n, uint64_t now, const char *why)
{
	unsigned	i;

	ov_log(n, "overlay: join failed: %s", why);
	n->have_ap = n->ap_updated = n->join_sent = false;
	ov_early_clear(n);
	n->join_deadline_ms = 0;
	for (i = 0; i < n->nlinks; i++)
		ov_link_close(n, now, n->links[i], "join failed");
	ov_txn_free_all(n);
	n->nexpects = 0;
	n->boot_link = 0;
	ov_boot_next(n, now);
}

static void
ov_topo_join_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_id	id;
	struct wbuf	w;
	char		hex[OV_ID_HEXLEN];

	if (ov_body_join_req_decode(m->body, m->body_len, &id) != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad JoinReq");
		return;
	}
	/* §6.4.2.1: the joining peer signs it and is at the other end. */
	if (!ov_id_eq(&id, s) || !ov_id_eq(&l->peer, s) || m->fwd.nvia != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_FORBIDDEN,
		    "a Join must come from the joining peer over its link");
		return;
	}
	if (n->state != OV_ST_JOINED && n->state != OV_ST_ALONE) {
		ov_route_error(n, now, l, &m->fwd, OV_E_FORBIDDEN,
		    "not a peer of the overlay");
		return;
	}
	ov_debug(n, "overlay: admitting %s (Join)", ov_id_hex(s, hex));
	wbuf_init(&w, 16);
	ov_body_join_ans_encode(&w);
	ov_route_answer(n, now, l, m, OV_JOIN_ANS, w.p, w.len);
	wbuf_clear(&w);
	l->ready = true;
	if (n->state == OV_ST_ALONE)
		ov_node_set_state(n, OV_ST_JOINED);
	/* §10.5 steps 7-8: tell it, and our neighbors, the new table. */
	ov_chord_add_neighbor(&n->chord, s);
	ov_topo_send_update(n, now, s, OV_UPD_NEIGHBORS);
	ov_topo_changed(n, now);
	if (n->periodic_ms == 0)
		ov_topo_schedule(n, now);
}

/* ---- Leave (§6.4.2.2, §10.9) ---- */

static void
ov_topo_leave_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_leave	lv;
	unsigned	i;

	if (ov_body_leave_decode(m->body, m->body_len, &lv) != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad LeaveReq");
		return;
	}
	if (!ov_id_eq(&lv.id, s) || !ov_id_eq(&l->peer, s) ||
	    m->fwd.nvia != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_FORBIDDEN,
		    "a Leave must come from the leaving peer over its link");
		return;
	}
	ov_route_answer(n, now, l, m, OV_LEAVE_ANS, NULL, 0);
	l->ready = false;
	ov_chord_remove(&n->chord, s);
	/* As for a failure (§10.7.1), with its neighbors as candidates. */
	for (i = 0; i < n->nlinks; i++)
		if (n->links[i]->up && n->links[i]->ready &&
		    !n->links[i]->closing)
			ov_chord_add_neighbor(&n->chord, &n->links[i]->peer);
	for (i = 0; i < lv.n; i++)
		ov_topo_candidate(n, now, &lv.ids[i], NULL);
	ov_topo_changed(n, now);
}

void
ov_topo_leave(struct ov_node *n, uint64_t now)
{
	struct ov_leave	 lv;
	struct ov_txn	*t;
	struct ov_link	*l;
	struct wbuf	 w;
	unsigned	 i;

	n->no_rejoin = true;
	if (n->state != OV_ST_JOINED) {
		ov_leave_finish(n, now);
		return;
	}
	ov_node_set_state(n, OV_ST_LEAVING);
	n->leaves_pending = n->leaves_sent = n->leaves_answered = 0;
	for (i = 0; i < n->chord.npred + n->chord.nsucc; i++) {
		memset(&lv, 0, sizeof lv);
		lv.id = n->cfg.self;
		if (i < n->chord.npred) {	/* we are its successor */
			lv.type = OV_LEAVE_FROM_SUCC;
			lv.n = n->chord.nsucc;
			memcpy(lv.ids, n->chord.succ, lv.n * sizeof lv.ids[0]);
			l = ov_link_to(n, &n->chord.pred[i]);
		} else {			/* we are its predecessor */
			lv.type = OV_LEAVE_FROM_PRED;
			lv.n = n->chord.npred;
			memcpy(lv.ids, n->chord.pred, lv.n * sizeof lv.ids[0]);
			l = ov_link_to(n, &n->chord.succ[i - n->chord.npred]);
		}
		if (l == NULL)
			continue;
		wbuf_init(&w, 1024);
		ov_body_leave_encode(&w, &lv);
		t = ov_txn_start(n, now, OV_TX_LEAVE, OV_LEAVE_REQ, w.p, w.len,
		    &l->peer, true, NULL, l->id);
		wbuf_clear(&w);
		if (t != NULL) {
			t->peer = l->peer;
			n->leaves_pending++;
			n->leaves_sent++;
		}
	}
	n->leave_deadline_ms = now + (n->cfg.reliability_ms < 2000 ?
	    n->cfg.reliability_ms : 2000);
	if (n->leaves_pending == 0)
		ov_leave_finish(n, now);
}

static void
ov_leave_finish(struct ov_node *n, uint64_t now)
{
	struct ov_event	ev;
	unsigned	i;

	ov_log(n, "overlay: left: %u of %u neighbors answered our Leave",
	    n->leaves_answered, n->leaves_sent);
	for (i = 0; i < n->nlinks; i++)
		ov_link_close(n, now, n->links[i], "left the overlay");
	ov_txn_free_all(n);
	n->nexpects = 0;
	ov_chord_init(&n->chord, &n->cfg.self, n->chord.want_pred,
	    n->chord.want_succ, n->chord.nfinger_slots);
	n->leave_deadline_ms = 0;
	n->have_ap = n->ap_updated = n->join_sent = false;
	n->boot_link = 0;
	ov_node_set_state(n, OV_ST_ALONE);
	memset(&ev, 0, sizeof ev);
	ev.type = OV_EV_LEFT;
	ov_node_event(n, &ev);
}

/* ---- the other requests ---- */

static void
ov_topo_ping_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m)
{
	struct wbuf	w;

	if (ov_body_ping_req_decode(m->body, m->body_len) != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad PingReq");
		return;
	}
	wbuf_init(&w, 64);
	ov_body_ping_ans_encode(&w, rng_u64(n->rng),
	    (uint64_t)((int64_t)now + n->cfg.wall_offset_ms));
	ov_route_answer(n, now, l, m, OV_PING_ANS, w.p, w.len);
	wbuf_clear(&w);
}

static void
ov_topo_probe_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m)
{
	struct ov_probe	req, ans;
	struct wbuf	w;

	if (ov_body_probe_req_decode(m->body, m->body_len, &req) != 0) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad ProbeReq");
		return;
	}
	ov_query_probe_fill(n, now, &req, &ans);
	wbuf_init(&w, 256);
	ov_body_probe_ans_encode(&w, &ans);
	ov_route_answer(n, now, l, m, OV_PROBE_ANS, w.p, w.len);
	wbuf_clear(&w);
}

static void
ov_topo_route_query_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_route_query	q;
	struct ov_id		dest, next;
	struct wbuf		w;

	if (ov_body_route_query_decode(m->body, m->body_len, &q) != 0 ||
	    !ov_msg_dest_id(&q.dest, &dest)) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad RouteQueryReq");
		return;
	}
	if (ov_route_responsible(n, &dest))
		next = n->cfg.self;
	else if (!ov_route_next_hop(n, &dest, NULL, &next)) {
		ov_route_error(n, now, l, &m->fwd, OV_E_NOT_FOUND, "no route");
		return;
	}
	wbuf_init(&w, 64);
	ov_body_route_query_ans_encode(&w, &next);
	ov_route_answer(n, now, l, m, OV_ROUTEQUERY_ANS, w.p, w.len);
	wbuf_clear(&w);
	if (q.send_update && ov_link_to(n, s) != NULL)	/* §10.8 */
		ov_topo_send_update(n, now, s, OV_UPD_FULL);
}

void
ov_topo_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	switch (m->code) {
	case OV_PING_REQ:
		ov_topo_ping_req(n, now, l, m);
		break;
	case OV_PROBE_REQ:
		ov_topo_probe_req(n, now, l, m);
		break;
	case OV_ATTACH_REQ:
		ov_topo_attach_req(n, now, l, m, s);
		break;
	case OV_JOIN_REQ:
		ov_topo_join_req(n, now, l, m, s);
		break;
	case OV_LEAVE_REQ:
		ov_topo_leave_req(n, now, l, m, s);
		break;
	case OV_UPDATE_REQ:
		ov_topo_update_req(n, now, l, m, s);
		break;
	case OV_ROUTEQUERY_REQ:
		ov_topo_route_query_req(n, now, l, m, s);
		break;
	case OV_APPATTACH_REQ:
		ov_app_request(n, now, l, m, s);
		break;
	default:
		ov_route_error(n, now, l, &m->fwd, OV_E_FORBIDDEN,
		    "method not supported by this peer");
		break;
	}
}

/* ---- answers to our requests ---- */

/*
 * The admitting peer answered, but its Update has not come (or we could
 * not keep it): ask for one with RouteQuery's send_update (§6.4.2.4).
 */
static void
ov_join_want_update(struct ov_node *n, uint64_t now, const struct ov_id *ap)
{
	struct ov_route_query	 q;
	struct ov_link		*l = ov_link_to(n, ap);
	struct wbuf		 w;

	memset(&q, 0, sizeof q);
	q.send_update = true;
	ov_msg_dest_node(&q.dest, &n->cfg.self);
	wbuf_init(&w, 64);
	ov_body_route_query_encode(&w, &q);
	ov_txn_start(n, now, OV_TX_UPDATE, OV_ROUTEQUERY_REQ, w.p, w.len, ap,
	    true, NULL, l != NULL ? l->id : 0);
	wbuf_clear(&w);
}

/* The Attach through a bootstrap peer that our join waits on (not a late
 * answer to an earlier attempt). */
static bool
ov_boot_attach_current(const struct ov_node *n, const struct ov_txn *t)
{
	return t->kind == OV_TX_BOOT_ATTACH && n->state == OV_ST_JOINING &&
	    !n->have_ap;
}

static void
ov_topo_attach_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *r, int error)
{
	uint16_t		 code = 0;
	const uint8_t		*info = NULL;
	size_t			 ilen = 0;
	char			 hex[OV_ID_HEXLEN];
	struct ov_update	*u;

	if (m != NULL && m->code == OV_ERROR)
		ov_body_error_decode(m->body, m->body_len, &code, &info, &ilen);
	if (m != NULL && code == OV_E_IN_PROGRESS && t->to_node)
		r = &t->peer;	/* it is connecting to us: wait for it */
	else if (m == NULL || m->code == OV_ERROR) {
		ov_debug(n, "overlay: attach failed: %s%s%.*s", m == NULL ?
		    strerror(error) : ov_msg_error_name(code), ilen ? ": " : "",
		    (int)(ilen > 200 ? 200 : ilen), info != NULL ?
		    (const char *)info : "");
		if (ov_boot_attach_current(n, t))
			ov_join_restart(n, now, "no answer to Attach");
		else if (n->state == OV_ST_JOINING)
			ov_join_progress(n, now);
		return;
	}
	if (ov_id_eq(r, &n->cfg.self))
		return;		/* a finger target that wraps to us */
	if (ov_boot_attach_current(n, t)) {
		ov_debug(n, "overlay: %s admits us (it answered our Attach)",
		    ov_id_hex(r, hex));
		n->ap = *r;
		n->have_ap = true;
		n->join_deadline_ms = now + 4 * (uint64_t)n->cfg.reliability_ms;
		if ((u = ov_early_take(n, r)) != NULL) {
			n->ap_updated = true;
			ov_join_candidates(n, now, u);
			free(u);
		} else
			ov_join_want_update(n, now, r);
		ov_early_clear(n);
	}
	if (ov_link_to(n, r) != NULL)
		ov_topo_attached(n, now, r, t->slot);
	else
		ov_expect_add(n, now, r, t->slot);
}

static void
ov_topo_partition_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *r)
{
	char		 hex[OV_ID_HEXLEN];
	struct ov_link	*l = ov_link_get(n, t->pin_link);

	if (m == NULL || m->code == OV_ERROR || l == NULL ||
	    ov_id_eq(r, &n->cfg.self) || ov_chord_has(&n->chord, r))
		return;
	/* §10.7.4.4: another node answered for our id: attach to it. */
	ov_log(n, "overlay: %s answers for our id through %s: attaching",
	    ov_id_hex(r, hex), l->bootstrap ? "a bootstrap peer" :
	    "a distant peer");
	ov_attach_start(n, now, OV_TX_ATTACH, r, true, &l->peer, 0, 0);
}

void
ov_topo_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *signer, int error)
{
	switch (t->kind) {
	case OV_TX_BOOT_ATTACH:
	case OV_TX_ATTACH:
	case OV_TX_FINGER:
		ov_topo_attach_done(n, now, t, m, signer, error);
		break;
	case OV_TX_JOIN:
		if (m != NULL && m->code == OV_JOIN_ANS &&
		    n->state == OV_ST_JOINING)
			ov_join_done(n, now);
		else if (n->state == OV_ST_JOINING)
			ov_join_restart(n, now, "Join refused");
		break;
	case OV_TX_LEAVE:
		if (m != NULL && m->code == OV_LEAVE_ANS)
			n->leaves_answered++;
		if (n->state == OV_ST_LEAVING && n->leaves_pending > 0 &&
		    --n->leaves_pending == 0)
			ov_leave_finish(n, now);
		break;
	case OV_TX_PARTITION:
		ov_topo_partition_done(n, now, t, m, signer);
		break;
	case OV_TX_UPDATE:
	case OV_TX_QUERY:
	case OV_TX_STORE:
	case OV_TX_FETCH:
	case OV_TX_STAT:
	case OV_TX_REPLICA:
	case OV_TX_APP_ATTACH:
		break;
	}
}

/* ---- fingers (§10.5, §10.7.4.2) ---- */

static bool
ov_finger_pending(const struct ov_node *n, unsigned slot)
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
ov_finger_random(struct ov_node *n, unsigned i, struct ov_id *target)
{
	struct ov_id	off;

	n->rng->fill(off.b, sizeof off.b, n->rng->arg);
	ov_id_keep_low(&off, 128 - i);
	ov_id_add(target, target, &off);
}

/* all: every slot that needs it; else each with probability 1/2. */
static void
ov_topo_fingers(struct ov_node *n, uint64_t now, bool all)
{
	struct ov_id	target, cur;
	unsigned	i, needed = ov_chord_finger_needed(&n->chord);

	for (i = 1; i <= n->chord.nfinger_slots; i++) {
		if (i > needed) {
			/* within the successors: such a finger adds nothing */
			ov_chord_clear_finger(&n->chord, i);
			continue;
		}
		if ((ov_chord_finger(&n->chord, i, &cur) &&
		    ov_chord_finger_fits(&n->chord, i, &cur)) ||
		    ov_finger_pending(n, i) ||
		    (!all && rng_below(n->rng, 2) == 0))
			continue;
		ov_chord_finger_target(&n->chord, i, &target);
		if (n->state == OV_ST_JOINED && n->finger_backoff_ms != 0)
			ov_finger_random(n, i, &target);
		if (ov_route_responsible(n, &target))
			continue;
		ov_attach_start(n, now, OV_TX_FINGER, &target, false, NULL,
		    0, i);
	}
}

/* ---- bootstrap (§11.4) and partition checks (§10.7.4.4) ---- */

static void
ov_boot_connect(struct ov_node *n, uint64_t now, int idx)
{
	struct ov_link	*l;
	char		 a[ADDR_STRLEN];

	l = ov_link_new(n, now, true, &n->boot[idx]);
	l->bootstrap = true;
	l->owned = true;
	l->boot_idx = idx;
	n->boot_link = l->id;
	ov_debug(n, "overlay: trying bootstrap %s",
	    addr_str(&n->boot[idx], a));
	ov_node_act_push(n, &(struct ov_action){ .type = OV_ACT_CONNECT,
	    .link = l->id, .addr = n->boot[idx] });
}

/* Our own position in the bootstrap list, or -1. */
static int
ov_boot_self_idx(const struct ov_node *n)
{
	unsigned	i;

	for (i = 0; i < n->cfg.nbootstrap; i++)
		if (n->boot_self[i])
			return (int)i;
	return -1;
}

static void
ov_boot_round_reset(struct ov_node *n)
{
	n->boot_next = 0;
	n->boot_reached = false;
	n->boot_first_up = INT_MAX;
	n->boot_from_alone = n->state == OV_ST_ALONE;
}

/*
 * The round is over without a join.  If no entry answered we start the
 * overlay alone (§6.4.2.1) and keep probing.  If some answered but none
 * admitted us, they are joining too (all started at once): the bootstrap
 * node listed first among them starts the overlay, the others wait for it
 * and try again soon.  Deviation: RFC 6940 leaves this tie-break open.
 */
static void
ov_boot_round_failed(struct ov_node *n, uint64_t now)
{
	bool	reached = n->boot_reached, alone = n->boot_from_alone;
	int	self = ov_boot_self_idx(n);
	bool	first = alone || (self >= 0 && n->boot_first_up > self);

	n->boot_link = 0;
	if (n->boot_backoff_ms == 0)
		n->boot_backoff_ms = reached ? 250 : 1000;
	n->boot_retry_ms = now + n->boot_backoff_ms / 2 +
	    rng_below(n->rng, n->boot_backoff_ms);
	n->boot_backoff_ms *= 2;
	if (n->boot_backoff_ms > n->cfg.probe_interval_ms)
		n->boot_backoff_ms = n->cfg.probe_interval_ms;
	ov_boot_round_reset(n);
	if (n->state != OV_ST_JOINING)
		return;
	/* Twice in a row before starting a ring beside a live one: a link
	 * to an earlier entry may have failed for a passing reason. */
	n->boot_first_rounds = reached && first ? n->boot_first_rounds + 1 : 0;
	if (reached && (!first || (!alone && n->boot_first_rounds < 2))) {
		ov_log(n, "overlay: could not join yet: trying again");
		return;
	}
	ov_log(n, "overlay: %s: %s the overlay alone, probing again",
	    !reached ? "no bootstrap peer answered" : alone ?
	    "no bootstrap peer admitted us" : "the bootstrap peers listed "
	    "before us are down, the others joining", alone ? "keeping" :
	    "starting");
	ov_node_set_state(n, OV_ST_ALONE);
	ov_topo_schedule(n, now);
}

static void
ov_boot_next(struct ov_node *n, uint64_t now)
{
	while (n->boot_next < (int)n->cfg.nbootstrap &&
	    n->boot_self[n->boot_next])
		n->boot_next++;
	if (n->boot_next >= (int)n->cfg.nbootstrap) {
		ov_boot_round_failed(n, now);
		return;
	}
	ov_boot_connect(n, now, n->boot_next++);
}

void
ov_topo_start(struct ov_node *n, uint64_t now)
{
	n->boot_backoff_ms = 0;
	ov_boot_round_reset(n);
	if (ov_boot_usable(n) == 0) {
		ov_node_set_state(n, OV_ST_ALONE);
		ov_topo_schedule(n, now);
		return;
	}
	ov_node_set_state(n, OV_ST_JOINING);
	ov_boot_next(n, now);
}

/* A bootstrap link is up: join through it, or check for a partition. */
static void
ov_boot_up(struct ov_node *n, uint64_t now, struct ov_link *l)
{
	struct ov_id	 next;
	struct ov_txn	*t;
	struct wbuf	 w;

	if (n->state == OV_ST_JOINED || n->state == OV_ST_ALONE) {
		/*
		 * A partition check (§10.7.4.4): who answers for our own id
		 * there?  Alone, we stay a ring of one meanwhile, which
		 * others may join; if another ring answers we attach to it
		 * and so join it.  Then on to the next entry.
		 */
		wbuf_init(&w, 16);
		ov_body_ping_req_encode(&w, 0);
		t = ov_txn_start(n, now, OV_TX_PARTITION, OV_PING_REQ, w.p,
		    w.len, &n->cfg.self, false, NULL, l->id);
		wbuf_clear(&w);
		(void)t;
		if (n->state == OV_ST_ALONE) {
			n->boot_reached = true;
			n->boot_link = 0;
			ov_boot_next(n, now);
		}
		return;
	}
	n->boot_reached = true;
	if (l->boot_idx < n->boot_first_up)
		n->boot_first_up = l->boot_idx;
	/* §11.4: Attach to Resource-ID self+1 over this connection. */
	ov_id_add_u64(&next, &n->cfg.self, 1);
	t = ov_attach_start(n, now, OV_TX_BOOT_ATTACH, &next, false, NULL,
	    l->id, 0);
	if (t != NULL)
		t->peer = l->peer;
	n->join_deadline_ms = now + 4 * (uint64_t)n->cfg.reliability_ms;
}

/* The bootstrap role of link from passes to link to (same peer). */
static void
ov_boot_transfer(struct ov_node *n, struct ov_link *from, struct ov_link *to)
{
	to->bootstrap = true;
	to->boot_idx = from->boot_idx;
	n->boot_link = to->id;
}

/* Two links to one peer: keep the one the smaller Node-ID opened. */
static bool
ov_link_dedup(struct ov_node *n, uint64_t now, struct ov_link *l)
{
	struct ov_link	*o;
	unsigned	 i;
	bool		 l_by_me, o_by_me, self_smaller;

	for (i = 0; i < n->nlinks; i++) {
		o = n->links[i];
		if (o == l || !o->up || o->closing ||
		    !ov_id_eq(&o->peer, &l->peer))
			continue;
		/* A join under way keeps its link; the spare one goes idle
		 * and is closed later as no longer needed. */
		if (o->id == n->boot_link && n->state == OV_ST_JOINING)
			continue;
		l_by_me = l->outgoing;
		o_by_me = o->outgoing;
		self_smaller = ov_id_cmp(&n->cfg.self, &l->peer) < 0;
		if (l_by_me != o_by_me && l_by_me != self_smaller) {
			ov_link_close(n, now, l, "duplicate link");
			/* l was to reach a bootstrap peer: o reaches it */
			if (l->id == n->boot_link) {
				ov_boot_transfer(n, l, o);
				ov_boot_up(n, now, o);
			}
			return false;
		}
		l->ready |= o->ready;
		l->owned |= o->owned;
		ov_link_close(n, now, o, "duplicate link");
		if (o->id == n->boot_link) {
			/* a join under way on o starts again on l */
			ov_boot_transfer(n, o, l);
			ov_txn_cancel_kind(n, OV_TX_BOOT_ATTACH, &o->peer);
		}
	}
	return true;
}

void
ov_topo_link_up(struct ov_node *n, uint64_t now, struct ov_link *l)
{
	struct ov_expect	*e;
	char			 hex[OV_ID_HEXLEN];
	unsigned		 slot = 0;
	bool			 expected = false;

	if (ov_id_eq(&l->peer, &n->cfg.self)) {
		if (l->boot_idx >= 0)
			n->boot_self[l->boot_idx] = true;
		ov_link_close(n, now, l, "that is us");
		return;
	}
	if (l->has_expect && !ov_id_eq(&l->peer, &l->expect)) {
		ov_link_close(n, now, l, "not the node we attached to");
		return;
	}
	if (!ov_link_dedup(n, now, l))
		return;
	ov_debug(n, "overlay: link %u up: %s", l->id, ov_id_hex(&l->peer, hex));
	ov_node_event(n, &(struct ov_event){ .type = OV_EV_LINK,
	    .peer = l->peer, .up = true });
	if ((e = ov_expect_find(n, &l->peer)) != NULL) {
		slot = e->slot;
		ov_expect_remove(n, e);
		l->owned = true;
		expected = true;
	}
	if (l->send_update) {
		l->send_update = false;
		ov_topo_send_update(n, now, &l->peer, OV_UPD_FULL);
	}
	if (l->bootstrap && l->id == n->boot_link)
		ov_boot_up(n, now, l);
	else if (expected)
		ov_topo_attached(n, now, &l->peer, slot);
}

void
ov_topo_link_lost(struct ov_node *n, uint64_t now, uint32_t id,
    const struct ov_id *peer, bool had_peer)
{
	if (id == n->boot_link && (n->state == OV_ST_ALONE ||
	    (n->state == OV_ST_JOINING && !n->have_ap))) {
		n->boot_link = 0;
		ov_boot_next(n, now);	/* that entry did not work: the next,
					   or a pause after the last */
		return;
	}
	if (id == n->boot_link)
		n->boot_link = 0;
	if (!had_peer || n->state == OV_ST_LEAVING)
		return;
	if (n->state == OV_ST_JOINING && n->have_ap &&
	    ov_id_eq(peer, &n->ap)) {
		ov_join_restart(n, now, "lost the admitting peer");
		return;
	}
	ov_replica_neighbor_failed(n, now, peer);
	if (!ov_chord_remove(&n->chord, peer))
		return;
	/* §10.7.1: replace it with the best of the other connections. */
	ov_topo_refill(n, true);
	ov_topo_changed(n, now);
	if (n->state == OV_ST_JOINED && n->chord.npred == 0 &&
	    n->chord.nsucc == 0) {
		ov_log(n, "overlay: lost every neighbor: alone, probing");
		ov_node_set_state(n, OV_ST_ALONE);
		ov_boot_round_reset(n);
		n->boot_retry_ms = now;
	}
}

/* ---- reactive and periodic Updates (§10.7) ---- */

void
ov_topo_changed(struct ov_node *n, uint64_t now)
{
	char	p[OV_ID_HEXLEN], q[OV_ID_HEXLEN];

	ov_debug(n, "overlay: neighbors now pred %.8s.. succ %.8s..",
	    n->chord.npred ? ov_id_hex(&n->chord.pred[0], p) : "-",
	    n->chord.nsucc ? ov_id_hex(&n->chord.succ[0], q) : "-");
	if (n->update_due_ms == 0)
		n->update_due_ms = now + OV_UPDATE_COALESCE_MS;
	ov_node_event(n, &(struct ov_event){ .type = OV_EV_NEIGHBORS });
	ov_replica_neighbors(n, now);
	/* A ring of one that found another ring (§10.7.4.4) is in it now. */
	if (n->state == OV_ST_ALONE && (n->chord.npred || n->chord.nsucc)) {
		ov_log(n, "overlay: met another ring: joined it");
		ov_node_set_state(n, OV_ST_JOINED);
		if (n->periodic_ms == 0)
			ov_topo_schedule(n, now);
	}
}

/* §10.7.3: after a change, an Update to each connection. */
static void
ov_topo_send_updates(struct ov_node *n, uint64_t now)
{
	struct ov_id	*peers;
	unsigned	 i, np = 0;

	peers = xcalloc(n->nlinks + 1, sizeof *peers);
	for (i = 0; i < n->nlinks; i++)
		if (n->links[i]->up && !n->links[i]->closing)
			peers[np++] = n->links[i]->peer;
	for (i = 0; i < np; i++)
		ov_topo_send_update(n, now, &peers[i], OV_UPD_NEIGHBORS);
	free(peers);
}

/* §10.7.4.1: neighbors get Updates; fingers get peer_ready ones. */
static void
ov_topo_periodic(struct ov_node *n, uint64_t now)
{
	struct ov_id	 f[OV_FINGER_MAX];
	unsigned	 i, nf;

	for (i = 0; i < n->chord.npred; i++)
		ov_topo_send_update(n, now, &n->chord.pred[i],
		    OV_UPD_NEIGHBORS);
	for (i = 0; i < n->chord.nsucc; i++)
		if (!ov_txn_pending_to(n, OV_TX_UPDATE, &n->chord.succ[i]))
			ov_topo_send_update(n, now, &n->chord.succ[i],
			    OV_UPD_NEIGHBORS);
	nf = ov_chord_fingers(&n->chord, f, OV_FINGER_MAX);
	for (i = 0; i < nf; i++)
		if (!ov_chord_is_neighbor(&n->chord, &f[i]))
			ov_topo_send_update(n, now, &f[i], OV_UPD_PEER_READY);
}

/*
 * Are we where the overlay thinks we are?  A Ping for our own id, sent
 * through a distant peer, comes back to us in a consistent ring; if
 * another node answers, our neighbors are wrong (we were admitted while
 * the ring was changing) and we attach to the answerer, as for a
 * partition (§10.7.4.4).
 */
static void
ov_topo_self_check(struct ov_node *n, uint64_t now)
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

static void
ov_topo_partition_check(struct ov_node *n, uint64_t now)
{
	struct ov_link	*l;
	unsigned	 i, k;
	int		 idx = -1;

	if (ov_boot_usable(n) == 0 || n->boot_link != 0)
		return;
	k = (unsigned)rng_below(n->rng, ov_boot_usable(n));
	for (i = 0; i < n->cfg.nbootstrap && idx < 0; i++)
		if (!n->boot_self[i] && k-- == 0)
			idx = (int)i;
	for (i = 0; i < n->nlinks; i++) {
		l = n->links[i];
		if (l->up && !l->closing && l->boot_idx == idx) {
			n->boot_link = l->id;
			ov_boot_up(n, now, l);
			return;
		}
	}
	ov_boot_connect(n, now, idx);
}

static void
ov_topo_expire(struct ov_node *n, uint64_t now)
{
	unsigned	i;
	bool		any = false;

	for (i = 0; i < n->nexpects; ) {
		if (n->expects[i].until_ms <= now) {
			ov_expect_remove(n, &n->expects[i]);
			any = true;
		} else
			i++;
	}
	if (any && n->state == OV_ST_JOINING)
		ov_join_progress(n, now);
}

void
ov_topo_tick(struct ov_node *n, uint64_t now)
{
	struct ov_early	*e;

	ov_topo_expire(n, now);
	if (n->state == OV_ST_LEAVING && now >= n->leave_deadline_ms) {
		ov_leave_finish(n, now);
		return;
	}
	if (n->state == OV_ST_JOINING && !n->have_ap &&
	    (e = ov_early_ap(n, now)) != NULL)
		ov_join_adopt_ap(n, now, e);
	if (n->state == OV_ST_JOINING && n->join_deadline_ms != 0 &&
	    now >= n->join_deadline_ms)
		ov_join_restart(n, now, "too slow");
	else if (n->state == OV_ST_JOINING && n->ap_updated && !n->join_sent &&
	    now >= n->join_attach_ms)
		ov_join_progress(n, now);
	if ((n->state == OV_ST_ALONE || (n->state == OV_ST_JOINING &&
	    !n->have_ap)) && !n->no_rejoin && n->boot_link == 0 &&
	    ov_boot_usable(n) > 0 && now >= n->boot_retry_ms) {
		ov_boot_round_reset(n);
		ov_boot_next(n, now);
	}
	if (n->update_due_ms != 0 && now >= n->update_due_ms) {
		n->update_due_ms = 0;
		ov_topo_send_updates(n, now);
	}
	if (n->state != OV_ST_JOINED)
		return;
	if (now >= n->periodic_ms) {
		n->periodic_ms = ov_jitter(n, now, n->cfg.update_interval_ms);
		ov_topo_periodic(n, now);
	}
	if (now >= n->finger_ms) {
		/* searching every invalid slot while backing off, then one
		 * in two per round as §10.7.4.2 suggests */
		ov_topo_fingers(n, now, n->finger_backoff_ms <
		    n->cfg.finger_interval_ms);
		ov_topo_self_check(n, now);
		ov_finger_schedule(n, now);
	}
	if (now >= n->partition_ms) {
		n->partition_ms = ov_jitter(n, now,
		    n->cfg.partition_interval_ms);
		ov_topo_partition_check(n, now);
	}
}

static void
ov_min(uint64_t *d, uint64_t t)
{
	if (t != 0 && t < *d)
		*d = t;
}

uint64_t
ov_topo_deadline(const struct ov_node *n)
{
	uint64_t	d = UINT64_MAX;
	unsigned	i;

	for (i = 0; i < n->nexpects; i++)
		ov_min(&d, n->expects[i].until_ms);
	ov_min(&d, n->update_due_ms);
	switch (n->state) {
	case OV_ST_LEAVING:
		ov_min(&d, n->leave_deadline_ms);
		break;
	case OV_ST_JOINING:
		ov_min(&d, n->join_deadline_ms);
		if (!n->have_ap)
			ov_min(&d, ov_early_deadline(n));
		if (n->ap_updated && !n->join_sent)
			ov_min(&d, n->join_attach_ms);
		if (n->boot_link == 0 && !n->have_ap)
			ov_min(&d, n->boot_retry_ms ? n->boot_retry_ms : 1);
		break;
	case OV_ST_ALONE:
		if (!n->no_rejoin && n->boot_link == 0 &&
		    ov_boot_usable(n) > 0)
			ov_min(&d, n->boot_retry_ms ? n->boot_retry_ms : 1);
		break;
	case OV_ST_JOINED:
		ov_min(&d, n->periodic_ms);
		ov_min(&d, n->finger_ms);
		ov_min(&d, n->partition_ms);
		break;
	case OV_ST_INIT:
		break;
	}
	return d;
}

bool
ov_topo_needs_link(const struct ov_node *n, const struct ov_link *l)
{
	if (ov_chord_has(&n->chord, &l->peer))
		return true;
	if (n->state == OV_ST_JOINING &&
	    (l->id == n->boot_link || (n->have_ap &&
	    ov_id_eq(&l->peer, &n->ap))))
		return true;
	return false;
}
