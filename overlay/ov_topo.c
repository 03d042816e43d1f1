/*
 * ov_topo.c - the CHORD-RELOAD topology plugin (RFC 6940 §6.4, §10): what
 * the rest of the node tells it, and its timers.
 *
 * The work is done in
 *   ov_attach.c   Attach (§6.5.1): links to neighbors and fingers
 *   ov_update.c   stabilisation with Updates, fingers (§10.7)
 *   ov_join.c     joining, the bootstrap list, partitions (§10.5, §11.4,
 *                 §10.7.4.4)
 *   ov_leave.c    leaving (§10.9)
 * Requests reach them from ov_route.c and answers from ov_txn.c.  Here: a
 * lost link (§10.7.1), a changed neighbor table (reactive Updates,
 * coalesced for a few ms), the ticks and deadlines, and which links the
 * topology needs.
 */
#include "ov_int.h"
#include "rng.h"

#define OV_UPDATE_COALESCE_MS	20

uint64_t
ov_topo_jitter(struct ov_node *n, uint64_t now, uint32_t interval)
{
	/* uniformly in [0.75, 1.25] x interval (§10.7.4.1: offset them) */
	return now + interval - interval / 4 +
	    rng_below(n->rng, interval / 2 + 1);
}

/* A link is gone: a bootstrap entry that failed, the admitting peer, or
 * a neighbor to replace (§10.7.1). */
void
ov_topo_link_lost(struct ov_node *n, uint64_t now, uint32_t id,
    const struct ov_id *peer, bool had_peer)
{
	if (ov_cm_link_lost(n, now, id))
		return;
	if (id == n->boot_link && (n->state == OV_ST_ALONE ||
	    (n->state == OV_ST_JOINING && !n->have_ap))) {
		n->boot_link = 0;
		/* that entry did not work: the next, or a pause after the
		 * last */
		ov_join_boot_next(n, now);
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
	ov_update_refill(n, true);
	ov_topo_changed(n, now);
	if (n->state == OV_ST_JOINED && n->chord.npred == 0 &&
	    n->chord.nsucc == 0) {
		ov_log(n, "overlay: lost every neighbor: alone, probing");
		ov_node_set_state(n, OV_ST_ALONE);
		ov_join_boot_round_reset(n);
		n->boot_retry_ms = now;
	}
}

/* The neighbor table changed: Updates to all soon, replicas to move. */
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
			ov_update_schedule(n, now);
	}
}

void
ov_topo_tick(struct ov_node *n, uint64_t now)
{
	ov_attach_expire(n, now);
	if (n->state == OV_ST_LEAVING && now >= n->leave_deadline_ms) {
		ov_leave_finish(n, now);
		return;
	}
	ov_join_tick(n, now);
	ov_update_tick(n, now);
	ov_cm_tick(n, now);
}

static void
ov_topo_min(uint64_t *d, uint64_t t)
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
		ov_topo_min(&d, n->expects[i].until_ms);
	ov_topo_min(&d, n->update_due_ms);
	switch (n->state) {
	case OV_ST_LEAVING:
		ov_topo_min(&d, n->leave_deadline_ms);
		break;
	case OV_ST_JOINING:
		ov_topo_min(&d, n->join_deadline_ms);
		if (!n->have_ap)
			ov_topo_min(&d, ov_join_early_deadline(n));
		if (n->ap_updated && !n->join_sent)
			ov_topo_min(&d, n->join_attach_ms);
		if (n->boot_link == 0 && !n->have_ap)
			ov_topo_min(&d, n->boot_retry_ms ?
			    n->boot_retry_ms : 1);
		break;
	case OV_ST_ALONE:
		if (!n->no_rejoin && n->boot_link == 0 &&
		    ov_join_boot_usable(n) > 0)
			ov_topo_min(&d, n->boot_retry_ms ?
			    n->boot_retry_ms : 1);
		break;
	case OV_ST_JOINED:
		ov_topo_min(&d, n->periodic_ms);
		ov_topo_min(&d, n->finger_ms);
		ov_topo_min(&d, n->partition_ms);
		break;
	case OV_ST_CLIENT:
		ov_topo_min(&d, ov_cm_deadline(n));
		break;
	case OV_ST_INIT:
		break;
	}
	return d;
}

bool
ov_topo_needs_link(const struct ov_node *n, const struct ov_link *l)
{
	if (ov_chord_has(&n->chord, &l->peer) ||
	    ov_update_pns_has(n, &l->peer) || ov_lcache_has(n, &l->peer))
		return true;
	if (n->state == OV_ST_CLIENT && l->id == n->gw_link)
		return true;
	if (n->state == OV_ST_JOINING &&
	    (l->id == n->boot_link || (n->have_ap &&
	    ov_id_eq(&l->peer, &n->ap))))
		return true;
	return false;
}
