/*
 * ov_txn.c - requests this node originates (RFC 6940 §6.2.1, §6.3.4).
 *
 * Each request is signed once and kept; it is sent again with the same
 * transaction ID every overlay-reliability-timer, five times at most, and
 * re-routed each time (the routing table may have changed).  A response is
 * accepted only from the right signer: the node addressed, or for a
 * Resource-ID a node at least as close to it as our neighbors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "xmalloc.h"

#define OV_TXN_SENDS	5	/* "up to 4 times, for a total of 5" */

static void
ov_txn_send(struct ov_node *n, uint64_t now, struct ov_txn *t)
{
	struct ov_link	*l = NULL;

	t->tries++;
	t->next_ms = now + n->cfg.reliability_ms;
	if (t->pin_link != 0 && (l = ov_link_get(n, t->pin_link)) != NULL &&
	    (!l->up || l->closing))
		l = NULL;
	if (l == NULL)
		l = ov_route_first_hop(n, &t->first, t->to_node_first);
	if (l == NULL) {
		ov_debug(n, "overlay: %s: no route yet",
		    ov_msg_code_name(t->code));
		return;
	}
	if (t->tries > 1)
		n->stats.retransmits++;
	t->sent_link = l->id;
	ov_link_send_msg(n, now, l, t->msg, t->len);
}

/*
 * Link l has turned suspect: our routed requests last sent on it go again
 * now, by another hop, instead of at their next timer (as the requests we
 * forwarded do, ov_route_rescue).  Each such send counts as one of its
 * five.
 */
void
ov_txn_rescue(struct ov_node *n, uint64_t now, const struct ov_link *l)
{
	struct ov_txn	*t;
	unsigned	 i;

	for (i = 0; i < n->ntxns; i++) {
		t = n->txns[i];
		if (t->sent_link == l->id && t->pin_link == 0 &&
		    !t->to_node_first && t->tries < OV_TXN_SENDS)
			ov_txn_send(n, now, t);
	}
}

struct ov_txn *
ov_txn_start(struct ov_node *n, uint64_t now, enum ov_txn_kind kind,
    uint16_t code, const uint8_t *body, size_t len, const struct ov_id *dest,
    bool to_node, const struct ov_id *via_node, uint32_t pin_link)
{
	return ov_txn_start_certs(n, now, kind, code, body, len, dest, to_node,
	    via_node, pin_link, NULL, 0);
}

/* Sign a request with forwarding header f and send it; NULL if it could
 * not be built or there are too many. */
static struct ov_txn *
ov_txn_launch(struct ov_node *n, uint64_t now, enum ov_txn_kind kind,
    uint16_t code, const uint8_t *body, size_t len, const struct ov_fwd *f,
    uint32_t pin_link, const uint8_t *certs, size_t certs_len)
{
	struct ov_txn	*t;
	struct wbuf	 w;

	wbuf_init(&w, n->cfg.max_message_size);
	ov_msg_fwd_encode(&w, f);
	if (ov_msg_sign_encode_certs(&w, f, code, body, len, n->crypto,
	    certs, certs_len) != 0) {
		wbuf_clear(&w);
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->tid = f->tid;
	t->kind = kind;
	t->code = code;
	t->msg = wbuf_take(&w, &t->len);
	t->pin_link = pin_link;
	(void)ov_msg_dest_id(&f->dest[0], &t->first);
	t->to_node_first = f->dest[0].type == OV_DEST_NODE;
	(void)ov_msg_dest_id(&f->dest[f->ndest - 1], &t->target);
	t->to_node = f->dest[f->ndest - 1].type == OV_DEST_NODE;
	t->started_ms = now;
	if (n->ntxns == n->txns_cap) {
		n->txns_cap = n->txns_cap != 0 ? n->txns_cap * 2 : 16;
		n->txns = xreallocarray(n->txns, n->txns_cap, sizeof *n->txns);
	}
	n->txns[n->ntxns++] = t;
	n->stats.originated++;
	ov_txn_send(n, now, t);
	return t;
}

/* A request's forwarding header, its destination list empty. */
static struct ov_fwd *
ov_txn_fwd(struct ov_node *n)
{
	struct ov_fwd	*f = xcalloc(1, sizeof *f);

	f->overlay = n->overlay_hash;
	f->version = OV_VERSION;
	f->ttl = n->cfg.initial_ttl;
	f->fragment = OV_FRAG_UNFRAGMENTED;
	f->tid = ov_node_tid_new(n);
	return f;
}

struct ov_txn *
ov_txn_start_certs(struct ov_node *n, uint64_t now, enum ov_txn_kind kind,
    uint16_t code, const uint8_t *body, size_t len, const struct ov_id *dest,
    bool to_node, const struct ov_id *via_node, uint32_t pin_link,
    const uint8_t *certs, size_t certs_len)
{
	struct ov_fwd	*f;
	struct ov_txn	*t;

	if (n->ntxns >= n->cfg.max_pending) {
		ov_debug(n, "overlay: %s not sent: %u requests pending",
		    ov_msg_code_name(code), n->ntxns);
		return NULL;
	}
	f = ov_txn_fwd(n);
	/* Through the node itself: a list naming it twice is a loop to
	 * the receiver (§13.6.5). */
	if (via_node != NULL && to_node && ov_id_eq(via_node, dest))
		via_node = NULL;
	if (via_node != NULL)
		ov_msg_dest_node(&f->dest[f->ndest++], via_node);
	if (to_node)
		ov_msg_dest_node(&f->dest[f->ndest++], dest);
	else
		ov_msg_dest_resource(&f->dest[f->ndest++], dest);
	t = ov_txn_launch(n, now, kind, code, body, len, f, pin_link, certs,
	    certs_len);
	free(f);
	return t;
}

struct ov_txn *
ov_txn_start_route(struct ov_node *n, uint64_t now, enum ov_txn_kind kind,
    uint16_t code, const uint8_t *body, size_t len, const struct ov_id *route,
    unsigned nroute)
{
	struct ov_fwd	*f;
	struct ov_txn	*t;
	unsigned	 i;

	if (nroute == 0 || nroute > OV_LIST_MAX)
		return NULL;
	if (n->ntxns >= n->cfg.max_pending) {
		ov_debug(n, "overlay: %s not sent: %u requests pending",
		    ov_msg_code_name(code), n->ntxns);
		return NULL;
	}
	f = ov_txn_fwd(n);
	for (i = 0; i < nroute; i++)
		ov_msg_dest_node(&f->dest[f->ndest++], &route[i]);
	t = ov_txn_launch(n, now, kind, code, body, len, f, 0, NULL, 0);
	free(f);
	return t;
}

static void
ov_txn_remove(struct ov_node *n, struct ov_txn *t)
{
	unsigned	i;

	for (i = 0; i < n->ntxns; i++) {
		if (n->txns[i] == t) {
			n->txns[i] = n->txns[--n->ntxns];
			return;
		}
	}
}

static void
ov_txn_free(struct ov_txn *t)
{
	free(t->msg);
	free(t);
}

/* Finish t: report it and free it.  t is already out of the list. */
static void
ov_txn_finish(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *signer,
    const struct ov_link *l, int error)
{
	switch (t->kind) {
	case OV_TX_QUERY:
		ov_query_done(n, now, t, m, signer, l, error);
		break;
	case OV_TX_BOOT_ATTACH:
	case OV_TX_ATTACH:
	case OV_TX_FINGER:
		ov_attach_done(n, now, t, m, signer, error);
		break;
	case OV_TX_JOIN:
		ov_join_done(n, now, m);
		break;
	case OV_TX_UPDATE:
	case OV_TX_KEEPALIVE:
		break;
	case OV_TX_LEAVE:
		ov_leave_done(n, now, m);
		break;
	case OV_TX_PARTITION:
		ov_join_partition_done(n, now, t, m, signer);
		break;
	case OV_TX_STORE:
	case OV_TX_FETCH:
	case OV_TX_STAT:
	case OV_TX_FIND:
		ov_client_done(n, now, t, m, signer, error);
		break;
	case OV_TX_REPLICA:
		ov_replica_done(n, now, t, m, error);
		break;
	case OV_TX_APP_ATTACH:
		ov_app_done(n, now, t, m, signer, error);
		break;
	}
	ov_txn_free(t);
}

/* §6.3.4: is signer an acceptable source of the answer to t? */
static bool
ov_txn_signer_ok(const struct ov_node *n, const struct ov_txn *t,
    const struct ov_id *signer)
{
	const struct ov_chord	*c = &n->chord;
	unsigned		 i;

	if (t->to_node)
		return ov_id_is_wildcard(&t->target) ||
		    ov_id_eq(signer, &t->target);
	/* A partition probe looks for an answer from another ring. */
	if (t->kind == OV_TX_PARTITION)
		return true;
	for (i = 0; i < c->nsucc; i++)
		if (ov_id_closer_succ(&t->target, &c->succ[i], signer))
			return false;
	for (i = 0; i < c->npred; i++)
		if (ov_id_closer_succ(&t->target, &c->pred[i], signer))
			return false;
	return true;
}

/*
 * An Error that says the route failed, not the request: Error_TTL_Exceeded,
 * or Error_Invalid_Message (what we sign and send is well formed, so a
 * peer says that only of a route that looped, §13.6.5, or of a via list
 * full).  Deviation from §6.3.3.1, where an Error ends the transaction:
 * while sends are left it is sent again at its next timer, routed
 * anew, since in a ring that is changing the loop is usually gone by
 * then; only the last send's Error ends it.
 */
static bool
ov_txn_route_failed(const struct ov_msg *m)
{
	const uint8_t	*info;
	size_t		 info_len;
	uint16_t	 code;

	return m->code == OV_ERROR && ov_body_error_decode(m->body,
	    m->body_len, &code, &info, &info_len) == 0 &&
	    (code == OV_E_TTL_EXCEEDED || code == OV_E_INVALID_MESSAGE);
}

/* A request for a Resource-ID that the location cache may learn from. */
static bool
ov_txn_asks_resource(enum ov_txn_kind kind)
{
	return kind == OV_TX_QUERY || kind == OV_TX_STORE ||
	    kind == OV_TX_FETCH || kind == OV_TX_STAT || kind == OV_TX_FIND ||
	    kind == OV_TX_APP_ATTACH;
}

void
ov_txn_response(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *signer)
{
	struct ov_txn	*t = NULL;
	char		 hex[OV_ID_HEXLEN];
	unsigned	 i;

	for (i = 0; i < n->ntxns; i++)
		if (n->txns[i]->tid == m->fwd.tid)
			t = n->txns[i];
	if (t == NULL) {
		ov_debug(n, "overlay: %s for no transaction",
		    ov_msg_code_name(m->code));
		return;
	}
	if (m->code != OV_ERROR && m->code != t->code + 1) {
		ov_debug(n, "overlay: %s answers %s", ov_msg_code_name(m->code),
		    ov_msg_code_name(t->code));
		return;
	}
	if (!ov_txn_signer_ok(n, t, signer)) {
		ov_debug(n, "overlay: %s from %s: not the responsible node",
		    ov_msg_code_name(m->code), ov_id_hex(signer, hex));
		return;		/* a retransmission may reach the right one */
	}
	if (t->tries < OV_TXN_SENDS && ov_txn_route_failed(m)) {
		ov_debug(n, "overlay: %s: the route failed; again at the "
		    "next timer", ov_msg_code_name(t->code));
		return;
	}
	ov_txn_remove(n, t);
	if (!t->to_node && ov_txn_asks_resource(t->kind))
		ov_lcache_learn(n, now, &t->target, signer);
	ov_txn_finish(n, now, t, m, signer, l, 0);
}

void
ov_txn_tick(struct ov_node *n, uint64_t now)
{
	struct ov_txn	*t;
	unsigned	 i;

	for (i = 0; i < n->ntxns; ) {
		t = n->txns[i];
		if (t->next_ms > now) {
			i++;
		} else if (t->tries < OV_TXN_SENDS) {
			ov_txn_send(n, now, t);
			i++;
		} else {
			ov_txn_remove(n, t);
			ov_debug(n, "overlay: %s timed out",
			    ov_msg_code_name(t->code));
			ov_txn_finish(n, now, t, NULL, NULL, NULL, ETIMEDOUT);
			i = 0;		/* the handler may have changed the list */
		}
	}
}

uint64_t
ov_txn_deadline(const struct ov_node *n)
{
	uint64_t	d = UINT64_MAX;
	unsigned	i;

	for (i = 0; i < n->ntxns; i++)
		if (n->txns[i]->next_ms < d)
			d = n->txns[i]->next_ms;
	return d;
}

void
ov_txn_cancel_kind(struct ov_node *n, enum ov_txn_kind kind,
    const struct ov_id *peer)
{
	struct ov_txn	*t;
	unsigned	 i;

	for (i = 0; i < n->ntxns; ) {
		t = n->txns[i];
		if (t->kind == kind && ov_id_eq(&t->peer, peer)) {
			ov_txn_remove(n, t);
			ov_txn_free(t);
		} else
			i++;
	}
}

void
ov_txn_cancel_all(struct ov_node *n, enum ov_txn_kind kind)
{
	struct ov_txn	*t;
	unsigned	 i;

	for (i = 0; i < n->ntxns; ) {
		t = n->txns[i];
		if (t->kind == kind) {
			ov_txn_remove(n, t);
			ov_txn_free(t);
		} else
			i++;
	}
}

bool
ov_txn_pending_to(const struct ov_node *n, enum ov_txn_kind kind,
    const struct ov_id *peer)
{
	unsigned	i;

	for (i = 0; i < n->ntxns; i++)
		if (n->txns[i]->kind == kind &&
		    ov_id_eq(&n->txns[i]->peer, peer))
			return true;
	return false;
}

bool
ov_txn_uses_link(const struct ov_node *n, uint32_t link)
{
	unsigned	i;

	for (i = 0; i < n->ntxns; i++)
		if (n->txns[i]->pin_link == link)
			return true;
	return false;
}

/*
 * Every open transaction ends (the links are gone: a join starts over, or
 * we left): those the user started are answered ENOTCONN, as a timeout
 * would be, so that no caller waits for an answer that cannot come; our
 * own are dropped.
 */
void
ov_txn_abort_all(struct ov_node *n, uint64_t now)
{
	struct ov_txn	**txns = n->txns;
	unsigned	  i, ntxns = n->ntxns;

	/* the handlers may start new transactions: on a list of their own */
	n->txns = NULL;
	n->ntxns = n->txns_cap = 0;
	for (i = 0; i < ntxns; i++) {
		switch (txns[i]->kind) {
		case OV_TX_QUERY:
		case OV_TX_STORE:
		case OV_TX_FETCH:
		case OV_TX_STAT:
		case OV_TX_FIND:
		case OV_TX_APP_ATTACH:
			ov_txn_finish(n, now, txns[i], NULL, NULL, NULL,
			    ENOTCONN);
			break;
		default:
			ov_txn_free(txns[i]);
			break;
		}
	}
	free(txns);
}

void
ov_txn_free_all(struct ov_node *n)
{
	unsigned	i;

	for (i = 0; i < n->ntxns; i++)
		ov_txn_free(n->txns[i]);
	free(n->txns);
	n->txns = NULL;
	n->ntxns = n->txns_cap = 0;
}
