/*
 * ov_join.c - joining a CHORD-RELOAD overlay (RFC 6940 §10.5, §11.4),
 * the bootstrap list, and partition checks (§10.7.4.4).
 *
 * Connect to a bootstrap entry; Attach to Resource-ID self+1 through it
 * with send_update; the admitting peer (AP) connects to us and sends its
 * routing table; we Attach to the neighbors it names (source-routed
 * through AP, §10.6), then Join; on JoinAns we are a peer, send Updates
 * to our neighbors and look for fingers.  When no bootstrap entry
 * answers, the node starts the overlay alone and keeps probing; a peer
 * also probes the bootstrap entries for another ring that answers for
 * its own id (a partition) and attaches to it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "rng.h"
#include "xmalloc.h"

/* Bootstrap entries that are not this node. */
unsigned
ov_join_boot_usable(const struct ov_node *n)
{
	unsigned	i, k = 0;

	for (i = 0; i < n->cfg.nbootstrap; i++)
		k += !n->boot_self[i];
	return k;
}

/* ---- Updates that come before the Attach answer ---- */

/*
 * While we wait for the answer to our Attach, the admitting peer's Update
 * may come first (over the link it opened to us), among Updates from
 * others (a bootstrap peer tells every connection when its range
 * changes).  Keep the latest of each sender, a few senders.
 */
static void
ov_join_early_keep(struct ov_node *n, uint64_t now,
    const struct ov_id *from, struct ov_update *u)
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
ov_join_early_take(struct ov_node *n, const struct ov_id *from)
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
ov_join_early_clear(struct ov_node *n)
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
/* Does the kept Update e say its sender is responsible for self + 1? */
static bool
ov_join_early_names_ap(const struct ov_node *n, const struct ov_early *e)
{
	struct ov_id	next;

	ov_id_add_u64(&next, &n->cfg.self, 1);
	return e->u != NULL && e->u->npred > 0 &&
	    ov_id_in_oc(&e->u->pred[0], &next, &e->from);
}

static struct ov_early *
ov_join_early_ap(struct ov_node *n, uint64_t now)
{
	struct ov_early	*e;
	unsigned	 i;

	for (i = 0; i < OV_EARLY_MAX; i++) {
		e = &n->early[i];
		if (ov_join_early_names_ap(n, e) &&
		    now >= e->at + n->cfg.reliability_ms)
			return e;
	}
	return NULL;
}

/*
 * When ov_join_early_ap may find one, or UINT64_MAX.  Only Updates that
 * name an admitting peer count: another kept one never will (it changes
 * only when replaced), and counting it made a deadline in the past that
 * the tick could not move, a busy loop until the join timed out.
 */
uint64_t
ov_join_early_deadline(const struct ov_node *n)
{
	uint64_t	d = UINT64_MAX;
	unsigned	i;

	for (i = 0; i < OV_EARLY_MAX; i++)
		if (ov_join_early_names_ap(n, &n->early[i]) &&
		    n->early[i].at + n->cfg.reliability_ms < d)
			d = n->early[i].at + n->cfg.reliability_ms;
	return d;
}

/* ---- Join (§6.4.2.1, §10.5) ---- */

/* Joining: AP's table names our future neighbors (§10.5 steps 3-4). */
static void
ov_join_candidates(struct ov_node *n, uint64_t now,
    const struct ov_update *u)
{
	struct ov_chord	*tmp = xmalloc(sizeof *tmp);
	unsigned	 i;

	n->join_attach_ms = now + 2 * (uint64_t)n->cfg.reliability_ms;
	ov_chord_init(tmp, &n->cfg.self, n->chord.want_pred,
	    n->chord.want_succ, 0, 0);
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
 * Join once the neighbors AP named are attached, or once waiting for them
 * has taken long enough: AP alone is enough to join, and stabilisation
 * brings the rest (§10.7.3).  A neighbor that never answers must not make
 * the whole join fail.
 */
void
ov_join_progress(struct ov_node *n, uint64_t now)
{
	struct ov_link	*l;
	struct wbuf	 w;
	struct ov_txn	*t;

	if (n->join_sent || !n->ap_updated ||
	    (l = ov_link_to(n, &n->ap)) == NULL)
		return;
	if ((ov_attach_pending(n) > 0 || n->nexpects > 0) &&
	    now < n->join_attach_ms)
		return;
	ov_debug(n, "overlay: sending Join (%u attaches pending, %u "
	    "expected)", ov_attach_pending(n), n->nexpects);
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

static void
ov_join_joined(struct ov_node *n, uint64_t now)
{
	struct ov_link	*b = ov_link_get(n, n->boot_link);
	char		 hex[OV_ID_HEXLEN];

	ov_log(n, "overlay: joined through %s", ov_id_hex(&n->ap, hex));
	/* the bootstrap peer routed our Attach to AP: its ring is ours */
	if (b != NULL && b->boot_idx >= 0)
		n->boot_ok[b->boot_idx] = true;
	ov_node_set_state(n, OV_ST_JOINED);
	ov_txn_cancel_all(n, OV_TX_BOOT_ATTACH);	/* other attempts */
	n->join_deadline_ms = 0;
	ov_update_refill(n, false);
	ov_update_send_all(n, now);	/* §10.5 step 9 */
	ov_update_fingers(n, now, true);
	ov_update_schedule(n, now);
}

/*
 * The admitting peer answered, but its Update has not come (or we could
 * not keep it): ask for one with RouteQuery's send_update (§6.4.2.4).
 */
static void
ov_join_want_update(struct ov_node *n, uint64_t now,
    const struct ov_id *ap)
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

/*
 * Start the join over from the next bootstrap entry.  Every link goes:
 * if AP took our Join but we never saw its answer, closing our link to it
 * makes it forget us, so that no peer routes through a node that is not
 * in the ring.
 */
void
ov_join_restart(struct ov_node *n, uint64_t now, const char *why)
{
	unsigned	i;

	ov_log(n, "overlay: join failed: %s", why);
	n->have_ap = n->ap_updated = n->join_sent = false;
	ov_join_early_clear(n);
	n->join_deadline_ms = 0;
	for (i = 0; i < n->nlinks; i++)
		ov_link_close(n, now, n->links[i], "join failed");
	ov_txn_abort_all(n, now);
	n->nexpects = 0;
	n->boot_link = 0;
	for (i = 0; i < n->cfg.nbootstrap; i++)
		n->boot_ok[i] = false;
	ov_join_boot_next(n, now);
}

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
	ov_join_early_clear(n);
	ov_join_progress(n, now);
}

/* A node joins through us (§6.4.2.1, §10.5 steps 7-8). */
void
ov_join_request(struct ov_node *n, uint64_t now, struct ov_link *l,
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
	n->hop_stale = true;
	if (n->state == OV_ST_ALONE)
		ov_node_set_state(n, OV_ST_JOINED);
	/* §10.5 steps 7-8: tell it, and our neighbors, the new table. */
	ov_chord_add_neighbor(&n->chord, s);
	ov_update_send(n, now, s, OV_UPD_NEIGHBORS);
	ov_topo_changed(n, now);
	if (n->periodic_ms == 0)
		ov_update_schedule(n, now);
}

/*
 * The admitting peer r answered our Attach through a bootstrap peer: its
 * Update, if it came first, names our neighbors; else we ask for it.
 */
void
ov_join_admitted(struct ov_node *n, uint64_t now, const struct ov_id *r)
{
	char			 hex[OV_ID_HEXLEN];
	struct ov_update	*u;

	ov_debug(n, "overlay: %s admits us (it answered our Attach)",
	    ov_id_hex(r, hex));
	n->ap = *r;
	n->have_ap = true;
	n->join_deadline_ms = now + 4 * (uint64_t)n->cfg.reliability_ms;
	if ((u = ov_join_early_take(n, r)) != NULL) {
		n->ap_updated = true;
		ov_join_candidates(n, now, u);
		free(u);
	} else
		ov_join_want_update(n, now, r);
	ov_join_early_clear(n);
}

bool
ov_join_update(struct ov_node *n, uint64_t now, const struct ov_id *s,
    struct ov_update *u)
{
	char	hex[OV_ID_HEXLEN];
	bool	kept = false;

	if (n->have_ap && ov_id_eq(s, &n->ap) && !n->ap_updated) {
		n->ap_updated = true;
		ov_join_candidates(n, now, u);
	} else if (!n->have_ap) {
		ov_debug(n, "overlay: Update from %s before any Attach "
		    "answer: kept", ov_id_hex(s, hex));
		ov_join_early_keep(n, now, s, u);
		kept = true;
	}
	ov_join_progress(n, now);
	return kept;
}

void
ov_join_done(struct ov_node *n, uint64_t now, const struct ov_msg *m)
{
	if (m != NULL && m->code == OV_JOIN_ANS && n->state == OV_ST_JOINING)
		ov_join_joined(n, now);
	else if (n->state == OV_ST_JOINING)
		ov_join_restart(n, now, "Join refused");
}

/* ---- bootstrap (§11.4) and partition checks (§10.7.4.4) ---- */

static void
ov_join_boot_connect(struct ov_node *n, uint64_t now, int idx)
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
ov_join_boot_self_idx(const struct ov_node *n)
{
	unsigned	i;

	for (i = 0; i < n->cfg.nbootstrap; i++)
		if (n->boot_self[i])
			return (int)i;
	return -1;
}

void
ov_join_boot_round_reset(struct ov_node *n)
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
ov_join_boot_round_failed(struct ov_node *n, uint64_t now)
{
	bool	reached = n->boot_reached, alone = n->boot_from_alone;
	int	self = ov_join_boot_self_idx(n);
	bool	first = alone || (self >= 0 && n->boot_first_up > self);

	n->boot_link = 0;
	if (n->boot_backoff_ms == 0)
		n->boot_backoff_ms = reached ? 250 : 1000;
	n->boot_retry_ms = now + n->boot_backoff_ms / 2 +
	    rng_below(n->rng, n->boot_backoff_ms);
	n->boot_backoff_ms *= 2;
	if (n->boot_backoff_ms > n->cfg.probe_interval_ms)
		n->boot_backoff_ms = n->cfg.probe_interval_ms;
	ov_join_boot_round_reset(n);
	if (n->state != OV_ST_JOINING)
		return;
	if (n->client_mode) {
		/* a client never starts a ring of its own */
		ov_log(n, "overlay: %s: trying again", reached ?
		    "no bootstrap peer took us as a client" :
		    "no bootstrap peer answered");
		return;
	}
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
	ov_update_schedule(n, now);
}

void
ov_join_boot_next(struct ov_node *n, uint64_t now)
{
	while (n->boot_next < (int)n->cfg.nbootstrap &&
	    n->boot_self[n->boot_next])
		n->boot_next++;
	if (n->boot_next >= (int)n->cfg.nbootstrap) {
		ov_join_boot_round_failed(n, now);
		return;
	}
	ov_join_boot_connect(n, now, n->boot_next++);
}

/* Join through the bootstrap list, or start a new overlay alone. */
void
ov_join_start(struct ov_node *n, uint64_t now)
{
	n->boot_backoff_ms = 0;
	ov_join_boot_round_reset(n);
	if (ov_join_boot_usable(n) == 0 && n->client_mode) {
		ov_log(n, "overlay: a client needs a bootstrap peer; the "
		    "list has none but this node");
		ov_node_set_state(n, OV_ST_JOINING);
		return;
	}
	if (ov_join_boot_usable(n) == 0) {
		ov_node_set_state(n, OV_ST_ALONE);
		ov_update_schedule(n, now);
		return;
	}
	ov_node_set_state(n, OV_ST_JOINING);
	ov_join_boot_next(n, now);
}

/* A bootstrap link is up: join through it, or check for a partition. */
void
ov_join_boot_up(struct ov_node *n, uint64_t now, struct ov_link *l)
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
			ov_join_boot_next(n, now);
		}
		return;
	}
	n->boot_reached = true;
	if (l->boot_idx < n->boot_first_up)
		n->boot_first_up = l->boot_idx;
	if (n->client_mode) {
		ov_cm_up(n, now, l);
		return;
	}
	/* §11.4: Attach to Resource-ID self+1 over this connection. */
	ov_id_add_u64(&next, &n->cfg.self, 1);
	t = ov_attach_start(n, now, OV_TX_BOOT_ATTACH, &next, false, NULL,
	    l->id, 0);
	if (t != NULL)
		t->peer = l->peer;
	n->join_deadline_ms = now + 4 * (uint64_t)n->cfg.reliability_ms;
}

/* The bootstrap role of link from passes to link to (same peer). */
void
ov_join_boot_transfer(struct ov_node *n, struct ov_link *from,
    struct ov_link *to)
{
	to->bootstrap = true;
	to->boot_idx = from->boot_idx;
	n->boot_link = to->id;
}

/*
 * One ring.  Nodes started at once found several rings: one whose
 * bootstrap peer is not up yet starts a ring alone (§6.4.2.1), and
 * others join it; Chord's stabilisation never merges two rings.  So a
 * peer keeps checking its bootstrap entries (§10.7.4.4) until each
 * answers for our id with us: at 1 s, 2 s, 4 s... up to
 * probe-interval, then every partition-check.  An entry that routes
 * our id to another node is in another ring: we attach to that node
 * (ov_join_partition_done), and stabilisation zips the two rings into
 * one from there.  An entry that cannot be reached is tried again on
 * the same schedule: it may be starting.
 */
#define OV_MEMBER_FIRST_MS	1000

/* The next unconfirmed entry, or -1 if each is in our ring. */
static int
ov_join_member_next(struct ov_node *n)
{
	unsigned	i, k;

	for (i = 0; i < n->cfg.nbootstrap; i++) {
		k = (n->member_next + i) % n->cfg.nbootstrap;
		if (!n->boot_self[k] && !n->boot_ok[k])
			return (int)k;
	}
	return -1;
}

/* Until the next partition check. */
uint32_t
ov_join_check_interval(struct ov_node *n)
{
	uint32_t	b = n->member_backoff_ms;

	if (ov_join_member_next(n) < 0)
		return n->cfg.partition_interval_ms;
	if (b == 0)
		b = OV_MEMBER_FIRST_MS;
	n->member_backoff_ms = b >= n->cfg.probe_interval_ms / 2 ?
	    n->cfg.probe_interval_ms : 2 * b;
	return b < n->cfg.partition_interval_ms ? b :
	    n->cfg.partition_interval_ms;
}

/* §10.7.4.4: who answers for our id at a bootstrap entry? */
void
ov_join_partition_check(struct ov_node *n, uint64_t now)
{
	struct ov_link	*l;
	unsigned	 i, k;
	int		 idx;

	if (ov_join_boot_usable(n) == 0 || n->boot_link != 0)
		return;
	if ((idx = ov_join_member_next(n)) >= 0)
		n->member_next = (unsigned)idx + 1;
	else {
		k = (unsigned)rng_below(n->rng, ov_join_boot_usable(n));
		for (i = 0; i < n->cfg.nbootstrap && idx < 0; i++)
			if (!n->boot_self[i] && k-- == 0)
				idx = (int)i;
	}
	for (i = 0; i < n->nlinks; i++) {
		l = n->links[i];
		if (l->up && !l->closing && l->boot_idx == idx) {
			n->boot_link = l->id;
			ov_join_boot_up(n, now, l);
			return;
		}
	}
	ov_join_boot_connect(n, now, idx);
}

/* The answer to a Ping for our own id (ov_update.c sends them too). */
void
ov_join_partition_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *r)
{
	char		 hex[OV_ID_HEXLEN];
	struct ov_link	*l = ov_link_get(n, t->pin_link);

	/* the check is over: the next may use another entry */
	if (l != NULL && l->id == n->boot_link && n->state == OV_ST_JOINED)
		n->boot_link = 0;
	if (m == NULL || m->code == OV_ERROR || l == NULL)
		return;
	if (ov_id_eq(r, &n->cfg.self)) {
		if (l->bootstrap && l->boot_idx >= 0 &&
		    !n->boot_ok[l->boot_idx]) {
			n->boot_ok[l->boot_idx] = true;
			ov_debug(n, "overlay: bootstrap entry %d is in our "
			    "ring", l->boot_idx);
		}
		return;
	}
	if (ov_chord_has(&n->chord, r))
		return;
	/* §10.7.4.4: another node answered for our id: attach to it. */
	ov_log(n, "overlay: %s answers for our id through %s: attaching",
	    ov_id_hex(r, hex), l->bootstrap ? "a bootstrap peer" :
	    "a distant peer");
	ov_attach_start(n, now, OV_TX_ATTACH, r, true, &l->peer, 0, 0);
}

/* ---- the timers ---- */

void
ov_join_tick(struct ov_node *n, uint64_t now)
{
	struct ov_early	*e;

	if (n->state == OV_ST_JOINING && !n->have_ap &&
	    (e = ov_join_early_ap(n, now)) != NULL)
		ov_join_adopt_ap(n, now, e);
	if (n->state == OV_ST_JOINING && n->join_deadline_ms != 0 &&
	    now >= n->join_deadline_ms)
		ov_join_restart(n, now, "too slow");
	else if (n->state == OV_ST_JOINING && n->ap_updated && !n->join_sent &&
	    now >= n->join_attach_ms) {
		ov_join_progress(n, now);
		/* no link to AP (closing) or no room for the request: a
		 * Join that cannot go now would keep this deadline due and
		 * wake us again and again at the same instant */
		if (n->state == OV_ST_JOINING && !n->join_sent)
			ov_join_restart(n, now, "cannot send the Join");
	}
	if ((n->state == OV_ST_ALONE || (n->state == OV_ST_JOINING &&
	    !n->have_ap)) && !n->no_rejoin && n->boot_link == 0 &&
	    ov_join_boot_usable(n) > 0 && now >= n->boot_retry_ms) {
		ov_join_boot_round_reset(n);
		ov_join_boot_next(n, now);
	}
}
