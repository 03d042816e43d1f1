/*
 * ov_replica.c - replicas (RFC 6940 §10.4, §10.7.3): the storing peer's
 * copies on its next successors, and keeping them right as the ring
 * changes.
 *
 * When the neighbor table changes, a node that is or was responsible for
 * a resource sends it to the members of its replica set that are new to
 * it, and a node that is no longer among a resource's copies forgets it.
 * A replica Store refused (the receiver's table is behind ours) is sent
 * again a little later.
 */
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "xmalloc.h"

#define OV_SYNC_DELAY_MS	500	/* coalesce neighbor changes */
#define OV_SYNC_RETRY_MS	1000	/* too many requests open: later */
#define OV_RESEND_MS		2000	/* a refused replica: again after */
#define OV_RESEND_ROUNDS	5

/* ---- who holds what (§10.4) ---- */

/* Is res in (pred[i], self] with the given predecessor list? */
static bool
ov_replica_within(const struct ov_node *n, const struct ov_id *pred,
    unsigned npred, unsigned i, const struct ov_id *res)
{
	if (npred <= i)
		return true;	/* a ring this small: everybody */
	return ov_id_in_oc(&pred[i], res, &n->cfg.self);
}

/* Responsible for res with that predecessor list. */
static bool
ov_replica_resp(const struct ov_node *n, const struct ov_id *pred,
    unsigned npred, const struct ov_id *res)
{
	return ov_replica_within(n, pred, npred, 0, res);
}

/* Among res's copies: the responsible node or its next replicas - 1. */
bool
ov_replica_holds(const struct ov_node *n, const struct ov_id *res)
{
	return ov_replica_within(n, n->chord.pred, n->chord.npred,
	    n->cfg.replicas - 1, res);
}

/* A copy of res did not go or was refused: the next sync looks at it
 * again, though it was stored under the table as it is. */
static void
ov_replica_unsynced(struct ov_node *n, const struct ov_id *res)
{
	struct ov_held_res	*r = ov_held_find(&n->held, res);

	if (r != NULL)
		r->table_gen = 0;
}

/* Send what we hold at res to node to as replica number. */
void
ov_replica_send(struct ov_node *n, uint64_t now, const struct ov_id *res,
    const struct ov_id *to, uint8_t number, unsigned round)
{
	struct ov_store_req		 *req = xmalloc(sizeof *req);
	const struct ov_held_value	**src;
	struct ov_txn			 *t;
	struct wbuf			  w, certs;
	unsigned			  nsrc;

	if (ov_id_eq(to, &n->cfg.self) ||
	    !ov_held_req_for(&n->held, res, ov_node_wall(n, now), req, &src,
	    &nsrc)) {
		ov_data_store_req_free(req);
		free(req);
		free(src);
		return;
	}
	req->replica = number;
	wbuf_init(&w, n->cfg.max_message_size);
	wbuf_init(&certs, 0xffff);
	ov_data_store_req_encode(&w, req);
	ov_held_certs_of(&n->held, &certs, src, nsrc);
	t = ov_txn_start_certs(n, now, OV_TX_REPLICA, OV_STORE_REQ, w.p, w.len,
	    to, true, NULL, 0, certs.p, certs.len);
	if (t != NULL) {
		n->replica_sent++;
		t->res = *res;
		t->replica = number;
		t->round = round;
	} else
		ov_replica_unsynced(n, res);
	wbuf_clear(&w);
	wbuf_clear(&certs);
	free(src);
	ov_data_store_req_free(req);
	free(req);
}

static void
ov_replica_resend_later(struct ov_node *n, uint64_t now,
    const struct ov_txn *t)
{
	struct ov_resend	*r;

	if (n->nresends == n->resends_cap) {
		n->resends_cap = n->resends_cap ? n->resends_cap * 2 : 16;
		n->resends = xreallocarray(n->resends, n->resends_cap,
		    sizeof *n->resends);
	}
	r = &n->resends[n->nresends++];
	r->res = t->res;
	r->to = t->target;
	r->replica = t->replica;
	r->round = t->round + 1;
	r->at_ms = now + OV_RESEND_MS;
}

static void
ov_replica_resends(struct ov_node *n, uint64_t now)
{
	struct ov_resend	r;
	unsigned		i;

	for (i = 0; i < n->nresends; ) {
		if (n->resends[i].at_ms > now) {
			i++;
			continue;
		}
		r = n->resends[i];
		n->resends[i] = n->resends[--n->nresends];
		if (ov_replica_holds(n, &r.res) &&
		    ov_chord_has(&n->chord, &r.to))
			ov_replica_send(n, now, &r.res, &r.to, r.replica,
			    r.round);
	}
}

void
ov_replica_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, int error)
{
	/* refused, most likely, by a node whose neighbor table has not
	 * caught up with ours yet: again a little later */
	if (error == 0 && (m == NULL || m->code != OV_ERROR))
		return;
	ov_replica_unsynced(n, &t->res);
	if (t->round + 1 < OV_RESEND_ROUNDS)
		ov_replica_resend_later(n, now, t);
}

/* ---- replicas as the ring changes (§10.7.3) ---- */

/* Is x among the first k entries of list? */
static bool
ov_replica_in_first(const struct ov_id *list, unsigned n, unsigned k,
    const struct ov_id *x)
{
	unsigned	i;

	for (i = 0; i < n && i < k; i++)
		if (ov_id_eq(&list[i], x))
			return true;
	return false;
}

/*
 * §10.7.1: a successor that held our replicas failed.  Its replacement
 * gets new copies only after the hold-down, so that a triggered Update
 * can name a better match first.
 */
void
ov_replica_neighbor_failed(struct ov_node *n, uint64_t now,
    const struct ov_id *peer)
{
	if (n->cfg.replica_holddown_ms != 0 &&
	    ov_replica_in_first(n->chord.succ, n->chord.nsucc,
	    n->cfg.replicas - 1, peer))
		n->holddown_ms = now + n->cfg.replica_holddown_ms;
}

void
ov_replica_neighbors(struct ov_node *n, uint64_t now)
{
	if (n->sync_ms == 0)
		n->sync_ms = now + OV_SYNC_DELAY_MS;
	n->sync_next = 0;	/* the table changed: every resource again */
	n->table_gen++;
}

/*
 * The predecessor that answers for res by that list, res not being ours:
 * the first pred[i] with res in (pred[i + 1], self] (the last one, if the
 * list is short of res); -1 for none.
 */
static int
ov_replica_owner(const struct ov_node *n, const struct ov_id *pred,
    unsigned npred, const struct ov_id *res)
{
	unsigned	i;

	for (i = 0; i < npred; i++)
		if (ov_replica_within(n, pred, npred, i + 1, res))
			return (int)i;
	return -1;
}

/*
 * Send res where it is missing now: responsible, to the successors that
 * were not our replicas at the last sync; no longer responsible (a node
 * joined before us), to the predecessor that answers for res now (§10.5
 * step 6).
 *
 * And beyond §10.7.3, which has only the responsible peer send copies: a
 * copy we hold of a resource whose responsible peer has changed goes to
 * the new one.  That peer may have none: it joined as a successor while
 * the old responsible peer's new replicas were held down (§10.7.1), and
 * that peer failed before the hold-down ended; without this it would
 * answer for the resource with nothing, while the data lived on here
 * until we too dropped them (seen in ovsim --churn: an AOR lost for good
 * in one of a few hundred failures).  false: too many requests open, try
 * later.
 */
static bool
ov_replica_sync_one(struct ov_node *n, uint64_t now, const struct ov_id *res)
{
	const struct ov_chord	*c = &n->chord;
	unsigned		 r = n->cfg.replicas - 1, i;
	int			 o, old;
	bool			 was, is;

	was = ov_replica_resp(n, n->sync_pred, n->sync_npred, res);
	is = ov_replica_resp(n, c->pred, c->npred, res);
	for (i = 0; is && i < c->nsucc && i < r; i++) {
		if (ov_replica_in_first(n->sync_succ, n->sync_nsucc, r,
		    &c->succ[i])) {
			if (was)
				continue;
		} else if (now < n->holddown_ms) {
			n->sync_held = true;	/* a new successor: later */
			continue;
		}
		if (n->ntxns + 1 >= n->cfg.max_pending / 2)
			return false;
		ov_replica_send(n, now, res, &c->succ[i], (uint8_t)(i + 1),
		    0);
	}
	if (is)
		return true;
	if ((o = ov_replica_owner(n, c->pred, c->npred, res)) < 0)
		return true;
	old = was ? -1 : ov_replica_owner(n, n->sync_pred, n->sync_npred, res);
	if (old >= 0 && ov_id_eq(&n->sync_pred[old], &c->pred[o]))
		return true;
	if (n->ntxns + 1 >= n->cfg.max_pending / 2)
		return false;
	ov_replica_send(n, now, res, &c->pred[o], 1, 0);
	return true;
}

static void
ov_replica_sync(struct ov_node *n, uint64_t now)
{
	const struct ov_chord	*c = &n->chord;
	struct ov_id		 id;
	unsigned		 i;

	n->sync_ms = 0;
	/*
	 * Background copies take half of our transactions at most, so that
	 * the application's requests still go out; a busy sync goes on
	 * later from where it stopped, not from the start (which would send
	 * the first resources again and again while their copies are still
	 * on their way).  A resource sent partly is sent whole again.
	 */
	for (i = n->sync_next; i < n->held.nres; i++) {
		/* stored here since the table last changed: copied to our
		 * successors as they are now already (ov_serve_store) */
		if (n->held.res[i]->table_gen == n->table_gen)
			continue;
		if (!ov_replica_sync_one(n, now, &n->held.res[i]->id)) {
			n->sync_next = i;
			n->sync_ms = now + OV_SYNC_RETRY_MS;
			return;
		}
	}
	n->sync_next = 0;
	/* §10.7.3: forget what we are no longer a copy of */
	for (i = n->held.nres; i-- > 0; ) {
		id = n->held.res[i]->id;
		if (!ov_replica_holds(n, &id))
			ov_held_drop(&n->held, &id);
	}
	n->sync_npred = c->npred;
	memcpy(n->sync_pred, c->pred, sizeof n->sync_pred);
	/*
	 * Held down: the old successors stay what we compare with, so the
	 * sync at the end of the hold-down finds the new ones new.
	 */
	if (n->sync_held) {
		n->sync_held = false;
		n->sync_ms = n->holddown_ms;
		return;
	}
	n->sync_nsucc = c->nsucc;
	memcpy(n->sync_succ, c->succ, sizeof n->sync_succ);
}

/*
 * When the sync is due: never if none, or while the node is not in a ring
 * (joining, leaving).  The tick and the deadline both ask here: a sync
 * the deadline saw due and the tick left waiting woke a leaving node at
 * once, again and again, without end.
 */
static uint64_t
ov_replica_sync_at(const struct ov_node *n)
{
	return n->sync_ms != 0 &&
	    (n->state == OV_ST_JOINED || n->state == OV_ST_ALONE) ?
	    n->sync_ms : UINT64_MAX;
}

void
ov_replica_tick(struct ov_node *n, uint64_t now)
{
	if (now >= ov_replica_sync_at(n))
		ov_replica_sync(n, now);
	if (ov_held_next_expiry(&n->held) <= ov_node_wall(n, now))
		ov_held_expire(&n->held, ov_node_wall(n, now));
	ov_replica_resends(n, now);
}

uint64_t
ov_replica_deadline(const struct ov_node *n)
{
	uint64_t	d = ov_replica_sync_at(n), e;
	int64_t		mono;
	unsigned	i;

	for (i = 0; i < n->nresends; i++)
		if (n->resends[i].at_ms < d)
			d = n->resends[i].at_ms;
	if ((e = ov_held_next_expiry(&n->held)) != UINT64_MAX) {
		mono = (int64_t)e - n->cfg.wall_offset_ms;
		if (mono < 0)
			mono = 0;
		if ((uint64_t)mono < d)
			d = (uint64_t)mono;
	}
	return d;
}
