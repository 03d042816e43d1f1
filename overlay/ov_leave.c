/*
 * ov_leave.c - leaving a CHORD-RELOAD overlay gracefully (RFC 6940
 * §6.4.2.2, §10.9), and a neighbor that leaves.
 *
 * The leaving node sends each neighbor a Leave naming its other
 * neighbors (successors to a predecessor, predecessors to a successor),
 * waits a little for the answers, then closes every link and stays
 * alone until started again.  A node that gets a Leave drops the sender
 * and takes the nodes named as candidates, as for a failure (§10.7.1).
 */
#include <string.h>

#include "ov_int.h"

/* A neighbor leaves (§6.4.2.2): its neighbors are candidates for ours. */
void
ov_leave_request(struct ov_node *n, uint64_t now, struct ov_link *l,
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
	n->hop_stale = true;
	ov_chord_remove(&n->chord, s);
	/* As for a failure (§10.7.1), with its neighbors as candidates. */
	for (i = 0; i < n->nlinks; i++)
		if (n->links[i]->up && n->links[i]->ready &&
		    !n->links[i]->closing)
			ov_chord_add_neighbor(&n->chord, &n->links[i]->peer);
	for (i = 0; i < lv.n; i++)
		ov_update_candidate(n, now, &lv.ids[i], NULL);
	ov_topo_changed(n, now);
}

/* Send a Leave to each neighbor (§10.9); ov_leave_finish when they have
 * answered, or after a while. */
void
ov_leave_start(struct ov_node *n, uint64_t now)
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

void
ov_leave_finish(struct ov_node *n, uint64_t now)
{
	struct ov_event	ev;
	unsigned	i;

	ov_log(n, "overlay: left: %u of %u neighbors answered our Leave",
	    n->leaves_answered, n->leaves_sent);
	for (i = 0; i < n->nlinks; i++)
		ov_link_close(n, now, n->links[i], "left the overlay");
	ov_txn_abort_all(n, now);
	n->nexpects = 0;
	ov_chord_reset(&n->chord);
	n->leave_deadline_ms = 0;
	n->have_ap = n->ap_updated = n->join_sent = false;
	n->boot_link = 0;
	ov_node_set_state(n, OV_ST_ALONE);
	memset(&ev, 0, sizeof ev);
	ev.type = OV_EV_LEFT;
	ov_node_event(n, &ev);
}

void
ov_leave_done(struct ov_node *n, uint64_t now, const struct ov_msg *m)
{
	if (m != NULL && m->code == OV_LEAVE_ANS)
		n->leaves_answered++;
	if (n->state == OV_ST_LEAVING && n->leaves_pending > 0 &&
	    --n->leaves_pending == 0)
		ov_leave_finish(n, now);
}
