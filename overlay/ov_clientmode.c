/*
 * ov_clientmode.c - this node as a RELOAD client (RFC 6940 §4.2.1, the
 * second way: a connection to an arbitrary peer, reached through a
 * destination list).
 *
 * A node behind a NAT that blocks what it did not ask for cannot be a
 * peer: its neighbors must connect to it.  As a client it takes no place
 * on the ring, holds no data and routes for nobody.  It connects to a
 * bootstrap peer, its gateway, and uses that connection at once, without
 * an Attach (§4.2.1: "a client ... with a certificate with only a single
 * Node-ID can proceed to use the connection").  Every request it starts
 * leaves on that link; answers come back along the via list.  Others
 * reach it along the destination list [gateway, self]
 * (ov_node_self_route), which the location service stores in its
 * registrations (RFC 7904 §3); the gateway forwards the last hop on the
 * link, as it does for any node it is connected to (ov_route.c).  The
 * gateway sees a link whose peer never sent an Update: never routed
 * through, never a neighbor, never closed by it (it does not own it).
 *
 * A Ping every update interval keeps the NAT's mapping and finds a dead
 * gateway (an unacked link closes, §6.6.3.2); when the link is lost the
 * client connects to the next bootstrap entry, and its registrations
 * follow the new route (loc_tick).
 */
#include <string.h>

#include "ov_int.h"

/* The bootstrap link l is up: l's peer is our gateway now. */
void
ov_cm_up(struct ov_node *n, uint64_t now, struct ov_link *l)
{
	char	hex[OV_ID_HEXLEN], a[ADDR_STRLEN];

	n->gw = l->peer;
	n->gw_link = l->id;
	n->boot_link = 0;
	n->boot_backoff_ms = 0;
	n->keepalive_ms = now + n->cfg.update_interval_ms;
	ov_log(n, "overlay: a client of %s at %s (RFC 6940 §4.2.1)",
	    ov_id_hex(&l->peer, hex), addr_str(&l->remote, a));
	ov_node_set_state(n, OV_ST_CLIENT);
}

/* A link is gone: true if it was the gateway's (we look for another). */
bool
ov_cm_link_lost(struct ov_node *n, uint64_t now, uint32_t id)
{
	if (n->state != OV_ST_CLIENT || id != n->gw_link)
		return false;
	ov_log(n, "overlay: lost our gateway: looking for another");
	n->gw_link = 0;
	n->keepalive_ms = 0;
	ov_node_set_state(n, OV_ST_JOINING);
	ov_join_boot_round_reset(n);
	n->boot_retry_ms = now;
	return true;
}

struct ov_link *
ov_cm_gateway_link(struct ov_node *n)
{
	struct ov_link	*l;

	if (n->state != OV_ST_CLIENT || (l = ov_link_get(n, n->gw_link)) ==
	    NULL || !l->up || l->closing)
		return NULL;
	return l;
}

void
ov_cm_tick(struct ov_node *n, uint64_t now)
{
	struct ov_link	*l;
	struct wbuf	 w;

	if (n->state != OV_ST_CLIENT || now < n->keepalive_ms)
		return;
	n->keepalive_ms = now + n->cfg.update_interval_ms;
	if ((l = ov_cm_gateway_link(n)) == NULL ||
	    ov_txn_uses_link(n, l->id))
		return;		/* what is in flight checks the link */
	wbuf_init(&w, 16);
	ov_body_ping_req_encode(&w, 0);
	(void)ov_txn_start(n, now, OV_TX_KEEPALIVE, OV_PING_REQ, w.p, w.len,
	    &n->gw, true, NULL, l->id);
	wbuf_clear(&w);
}

uint64_t
ov_cm_deadline(const struct ov_node *n)
{
	return n->state == OV_ST_CLIENT && n->keepalive_ms != 0 ?
	    n->keepalive_ms : UINT64_MAX;
}

/*
 * Become a client, or a peer again: start over from the bootstrap list.
 * A peer that becomes a client drops its links at once; its neighbors
 * repair as for a failed peer (§10.7.1), and the replicas of what it
 * held stand in for it.
 */
void
ov_cm_set(struct ov_node *n, uint64_t now, bool client)
{
	unsigned	i;

	if (n->client_mode == client)
		return;
	n->client_mode = client;
	if (n->state == OV_ST_INIT || n->state == OV_ST_LEAVING ||
	    (n->state == OV_ST_ALONE && n->no_rejoin))
		return;
	ov_log(n, "overlay: %s", client ? "joining again as a client" :
	    "joining again as a peer");
	for (i = 0; i < n->nlinks; i++)
		ov_link_close(n, now, n->links[i], client ? "now a client" :
		    "now a peer");
	n->nexpects = 0;	/* requests in flight time out */
	ov_chord_reset(&n->chord);
	n->have_ap = n->ap_updated = n->join_sent = false;
	n->join_deadline_ms = 0;
	n->boot_link = n->gw_link = 0;
	n->keepalive_ms = 0;
	n->periodic_ms = n->finger_ms = n->partition_ms = 0;
	n->update_due_ms = 0;
	ov_join_start(n, now);
}
