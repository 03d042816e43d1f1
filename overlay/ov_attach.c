/*
 * ov_attach.c - Attach (RFC 6940 §6.5.1) in the CHORD-RELOAD topology:
 * how this node comes to be linked to a neighbor, a finger or, when
 * joining, its admitting peer.
 *
 * The requester offers a passive TLS-TCP-FH-NO-ICE host candidate, the
 * answerer connects to it (active) and, when asked (send_update), sends a
 * full Update once the link is up; that Update is what lets the requester
 * route through the answerer (§6.5.1, §10.7).  A requester that takes no
 * connections (behind a NAT, ov_node_set_active) says role "active": the
 * answerer answers "passive" and waits, and the requester connects to the
 * answer's candidate.  The requester expects the
 * answerer's connection for a while; when two nodes attach to each other
 * at once, the smaller Node-ID gives way, and of two links to one peer
 * the one the smaller Node-ID opened stays.
 */
#include <stdio.h>
#include <string.h>

#include "ov_int.h"
#include "rng.h"
#include "xmalloc.h"

#define OV_ATTACHES_MAX		16	/* neighbor Attaches in flight */

/* ---- expectations: peers our Attaches made connect to us ---- */

static struct ov_expect *
ov_attach_expect_find(struct ov_node *n, const struct ov_id *peer)
{
	unsigned	i;

	for (i = 0; i < n->nexpects; i++)
		if (ov_id_eq(&n->expects[i].peer, peer))
			return &n->expects[i];
	return NULL;
}

static struct ov_expect *
ov_attach_expect_add(struct ov_node *n, uint64_t now,
    const struct ov_id *peer, unsigned slot)
{
	struct ov_expect	*e = ov_attach_expect_find(n, peer);

	if (e == NULL) {
		if (n->nexpects == n->expects_cap) {
			n->expects_cap = n->expects_cap ?
			    n->expects_cap * 2 : 8;
			n->expects = xreallocarray(n->expects, n->expects_cap,
			    sizeof *n->expects);
		}
		e = &n->expects[n->nexpects++];
		e->peer = *peer;
		e->slot = slot;
		e->send_update = false;
	} else if (slot != 0)
		e->slot = slot;
	e->until_ms = now + 2 * (uint64_t)n->cfg.reliability_ms;
	return e;
}

static void
ov_attach_expect_remove(struct ov_node *n, struct ov_expect *e)
{
	*e = n->expects[--n->nexpects];
}

/* ---- Attach (§6.5.1) ---- */

/* A fresh ICE ufrag and password for an Attach or AppAttach (§6.5.1.1,
 * §6.5.2.1; a No-ICE overlay sends them but does not use them). */
void
ov_attach_ice_creds(struct ov_node *n, char *ufrag, size_t ulen, char *pw,
    size_t plen)
{
	uint64_t	r = rng_u64(n->rng);

	snprintf(ufrag, ulen, "%08x", (unsigned)r);
	snprintf(pw, plen, "%08x%08x", (unsigned)(r >> 32),
	    (unsigned)(r * 2654435761u));
}

/* Our Attach request (offer) or answer; in an answer, active: we
 * connect (the requester said passive). */
static void
ov_attach_body(struct ov_node *n, struct wbuf *w, bool offer, bool update,
    bool active)
{
	struct ov_attach	a;

	memset(&a, 0, sizeof a);
	/* No-ICE ignores these, but they are part of the structure. */
	ov_attach_ice_creds(n, a.ufrag, sizeof a.ufrag, a.password,
	    sizeof a.password);
	snprintf(a.role, sizeof a.role, "%s", offer ? (n->active ? "active" :
	    "passive") : active ? "active" : "passive");
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
struct ov_txn *
ov_attach_start(struct ov_node *n, uint64_t now, enum ov_txn_kind kind,
    const struct ov_id *dest, bool to_node, const struct ov_id *via,
    uint32_t pin, unsigned slot)
{
	struct ov_txn	*t;
	struct wbuf	 w;

	wbuf_init(&w, 512);
	ov_attach_body(n, &w, true, true, false);
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

unsigned
ov_attach_pending(const struct ov_node *n)
{
	unsigned	i, k = 0;

	for (i = 0; i < n->ntxns; i++)
		k += n->txns[i]->kind == OV_TX_ATTACH;
	return k;
}

/* We are, or are about to be, connected to peer. */
static bool
ov_attach_reaching(struct ov_node *n, const struct ov_id *peer)
{
	unsigned	i;

	for (i = 0; i < n->nlinks; i++)
		if (!n->links[i]->closing &&
		    ((n->links[i]->up && ov_id_eq(&n->links[i]->peer, peer)) ||
		    (!n->links[i]->up && n->links[i]->has_expect &&
		    ov_id_eq(&n->links[i]->expect, peer))))
			return true;
	return ov_attach_expect_find(n, peer) != NULL ||
	    ov_txn_pending_to(n, OV_TX_ATTACH, peer);
}

/*
 * Attach to a node: a neighbor candidate (through via, or routed if NULL)
 * or a peer the location cache sends to (ov_lcache.c).  Both are taken
 * past max_links at the other end (ov_attach_taken), and both go out
 * past it here, up to the hard limit of twice that
 * (ov_node_link_accepted): a node whose fingers fill max_links must
 * still link to a new neighbor, or the ring stays wrong, and the cache's
 * size bounds how many links it adds.
 */
bool
ov_attach_neighbor(struct ov_node *n, uint64_t now, const struct ov_id *id,
    const struct ov_id *via)
{
	if (ov_attach_reaching(n, id) ||
	    ov_attach_pending(n) >= OV_ATTACHES_MAX ||
	    n->nlinks >= ov_link_hard_max(n))
		return false;
	return ov_attach_start(n, now, OV_TX_ATTACH, id, true, via, 0, 0) !=
	    NULL;
}

/* The peer behind an Attach answer is (or will be) linked to us. */
static void
ov_attach_linked(struct ov_node *n, uint64_t now, const struct ov_id *peer,
    unsigned slot)
{
	if (slot != 0)
		ov_update_finger_linked(n, slot, peer);
	else if (n->state == OV_ST_JOINED || n->state == OV_ST_ALONE) {
		if (ov_chord_add_neighbor(&n->chord, peer))
			ov_topo_changed(n, now);
	}
	if (n->state == OV_ST_JOINING)
		ov_join_progress(n, now);
}

/*
 * Past max_links only some Attaches are taken.  Essential ones: from a
 * node joining through us (it attaches to its own id + 1, §11.4) or one
 * that belongs in our neighbor table.  And, below twice max_links (the
 * hard limit, ov_node_link_accepted), one addressed to our Node-ID: its
 * sender wants this peer (a location cache's link, ov_lcache.c) and has
 * no other to ask.  Others, addressed to a Resource-ID (fingers), get
 * Error_Forbidden and look for another peer of their range later.
 */
static bool
ov_attach_taken(const struct ov_node *n, const struct ov_msg *m,
    const struct ov_id *s)
{
	const struct ov_dest	*d;
	struct ov_id		 target, next;

	if (ov_chord_wants_neighbor(&n->chord, s) ||
	    ov_chord_is_neighbor(&n->chord, s))
		return true;
	if (m->fwd.ndest == 0)
		return false;
	d = &m->fwd.dest[m->fwd.ndest - 1];
	if (!ov_msg_dest_id(d, &target))
		return false;
	if (d->type == OV_DEST_NODE)
		return n->nlinks < ov_link_hard_max(n) &&
		    ov_id_eq(&target, &n->cfg.self);
	ov_id_add_u64(&next, s, 1);
	return ov_id_eq(&target, &next);
}

/* An Attach request for us (§6.5.1.2). */
void
ov_attach_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_attach	 a;
	struct ov_link		*nl;
	struct ov_expect	*e;
	struct wbuf		 w;
	bool			 requester_active;

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
	/* RFC 4145's sense of role: "active" connects (behind a NAT) */
	requester_active = strcmp(a.role, "active") == 0;
	if ((nl = ov_link_to(n, s)) == NULL) {
		if (a.ncand == 0 && !requester_active) {
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
		e = ov_attach_expect_find(n, s);
		if (e != NULL && ov_id_cmp(&n->cfg.self, s) > 0) {
			ov_route_error(n, now, l, &m->fwd, OV_E_IN_PROGRESS,
			    "attaching to you already");
			return;
		}
		if (e != NULL)
			ov_attach_expect_remove(n, e);
		ov_txn_cancel_kind(n, OV_TX_ATTACH, s);
		if (n->nlinks >= n->cfg.max_links &&
		    !ov_attach_taken(n, m, s)) {
			ov_route_error(n, now, l, &m->fwd, OV_E_FORBIDDEN,
			    "too many links");
			return;
		}
	}
	wbuf_init(&w, 512);
	ov_attach_body(n, &w, false, false, !requester_active);
	ov_route_answer(n, now, l, m, OV_ATTACH_ANS, w.p, w.len);
	wbuf_clear(&w);
	if (nl != NULL) {
		if (a.send_update)
			ov_update_send(n, now, s, OV_UPD_FULL);
		return;
	}
	if (requester_active) {
		/* it connects to us; the Update waits for the link */
		e = ov_attach_expect_add(n, now, s, 0);
		e->send_update |= a.send_update;
		return;
	}
	if (ov_attach_reaching(n, s))
		return;		/* a retransmission: already connecting */
	nl = ov_link_new(n, now, true, &a.cand[0].addr);
	nl->has_expect = true;
	nl->expect = *s;
	nl->send_update = a.send_update;
	ov_node_act_push(n, &(struct ov_action){ .type = OV_ACT_CONNECT,
	    .link = nl->id, .addr = a.cand[0].addr, .has_expect = true,
	    .expect = *s });
}

/* ---- answers to our Attaches ---- */

/* The Attach through a bootstrap peer that our join waits on (not a late
 * answer to an earlier attempt). */
static bool
ov_attach_boot_current(const struct ov_node *n, const struct ov_txn *t)
{
	return t->kind == OV_TX_BOOT_ATTACH && n->state == OV_ST_JOINING &&
	    !n->have_ap;
}

/* We said role active: the answerer ("passive") waits for us to connect
 * to its candidate. */
static void
ov_attach_connect(struct ov_node *n, uint64_t now, const struct ov_msg *m,
    const struct ov_id *r)
{
	struct ov_attach	 a;
	struct ov_link		*nl;
	unsigned		 i;

	if (ov_body_attach_decode(m->body, m->body_len, &a) != 0 ||
	    a.ncand == 0 || strcmp(a.role, "passive") != 0)
		return;		/* it connects to us, as it always did */
	for (i = 0; i < n->nlinks; i++)
		if (!n->links[i]->up && n->links[i]->has_expect &&
		    ov_id_eq(&n->links[i]->expect, r))
			return;	/* connecting already */
	nl = ov_link_new(n, now, true, &a.cand[0].addr);
	nl->has_expect = true;
	nl->expect = *r;
	ov_node_act_push(n, &(struct ov_action){ .type = OV_ACT_CONNECT,
	    .link = nl->id, .addr = a.cand[0].addr, .has_expect = true,
	    .expect = *r });
}

void
ov_attach_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *r, int error)
{
	uint16_t	 code = 0;
	const uint8_t	*info = NULL;
	size_t		 ilen = 0;

	if (m != NULL && m->code == OV_ERROR)
		ov_body_error_decode(m->body, m->body_len, &code, &info, &ilen);
	if (m != NULL && code == OV_E_IN_PROGRESS && t->to_node)
		r = &t->peer;	/* it is connecting to us: wait for it */
	else if (m == NULL || m->code == OV_ERROR) {
		ov_debug(n, "overlay: attach failed: %s%s%.*s", m == NULL ?
		    strerror(error) : ov_msg_error_name(code), ilen ? ": " : "",
		    (int)(ilen > 200 ? 200 : ilen), info != NULL ?
		    (const char *)info : "");
		if (ov_attach_boot_current(n, t))
			ov_join_restart(n, now, "no answer to Attach");
		else if (n->state == OV_ST_JOINING)
			ov_join_progress(n, now);
		return;
	}
	if (ov_id_eq(r, &n->cfg.self))
		return;		/* a finger target that wraps to us */
	if (ov_attach_boot_current(n, t))
		ov_join_admitted(n, now, r);
	if (ov_link_to(n, r) != NULL)
		ov_attach_linked(n, now, r, t->slot);
	else {
		(void)ov_attach_expect_add(n, now, r, t->slot);
		if (n->active && m->code == OV_ATTACH_ANS)
			ov_attach_connect(n, now, m, r);
	}
}

/* ---- links up, expectations met ---- */

/* Two links to one peer: keep the one the smaller Node-ID opened. */
static bool
ov_attach_dedup(struct ov_node *n, uint64_t now, struct ov_link *l)
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
				ov_join_boot_transfer(n, l, o);
				ov_join_boot_up(n, now, o);
			}
			return false;
		}
		l->ready |= o->ready;
		l->owned |= o->owned;
		ov_link_close(n, now, o, "duplicate link");
		if (o->id == n->boot_link) {
			/* a join under way on o starts again on l */
			ov_join_boot_transfer(n, o, l);
			ov_txn_cancel_kind(n, OV_TX_BOOT_ATTACH, &o->peer);
		}
	}
	return true;
}

/*
 * A link is up: the node we attached to, one that attached to us, a
 * bootstrap peer; or ourselves, or a duplicate, closed.
 */
void
ov_attach_link_up(struct ov_node *n, uint64_t now, struct ov_link *l)
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
	if (!ov_attach_dedup(n, now, l))
		return;
	ov_debug(n, "overlay: link %u up: %s", l->id,
	    ov_id_hex(&l->peer, hex));
	ov_node_event(n, &(struct ov_event){ .type = OV_EV_LINK,
	    .peer = l->peer, .up = true });
	if ((e = ov_attach_expect_find(n, &l->peer)) != NULL) {
		slot = e->slot;
		l->send_update |= e->send_update;
		ov_attach_expect_remove(n, e);
		l->owned = true;
		expected = true;
	}
	if (l->send_update) {
		l->send_update = false;
		ov_update_send(n, now, &l->peer, OV_UPD_FULL);
	}
	if (l->bootstrap && l->id == n->boot_link)
		ov_join_boot_up(n, now, l);
	else if (expected) {
		ov_attach_linked(n, now, &l->peer, slot);
		/*
		 * Our Update lets the peer route over the link (§6.5.1).  A
		 * neighbor gets one as our table changes; a finger or a
		 * cache's peer, which those Updates skip (ov_update.c), now.
		 */
		if (n->state == OV_ST_JOINED &&
		    !ov_chord_is_neighbor(&n->chord, &l->peer))
			ov_update_send(n, now, &l->peer, OV_UPD_PEER_READY);
	}
}

/* Expectations past their time are given up. */
void
ov_attach_expire(struct ov_node *n, uint64_t now)
{
	unsigned	i;
	bool		any = false;

	for (i = 0; i < n->nexpects; ) {
		if (n->expects[i].until_ms <= now) {
			ov_attach_expect_remove(n, &n->expects[i]);
			any = true;
		} else
			i++;
	}
	if (any && n->state == OV_ST_JOINING)
		ov_join_progress(n, now);
}
