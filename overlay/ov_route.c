/*
 * ov_route.c - receiving, forwarding and answering messages (RFC 6940
 * §6.1 Message Receipt and Forwarding, §6.2 Symmetric Recursive Routing).
 *
 * A received message is checked (token, overlay, version, TTL, fragment,
 * via-list loop), then its first destination decides: deliver it here,
 * forward it one hop, or drop it.  Forwarding decrements the TTL and
 * appends the previous hop to the via list; an answer's destination list
 * is the previous hop followed by the reversed via list, so it retraces
 * the request's path.  Answers are forwarded with the same via-list
 * appending, which lets the originator count the hops of a route.
 *
 * Deviation (§6.7): fragmented messages are refused with
 * Error_Invalid_Message; this node never fragments (max_message_size is
 * below every link's frame limit).  Configuration sequence numbers are
 * not checked: these overlays have no configuration document (§6.3.2.1).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "xmalloc.h"

#define OV_BAD_LOG_EVERY_MS	1000

enum ov_verdict {
	OV_DELIVER,
	OV_FORWARD,
	OV_DROP,
	OV_FAIL,
};

bool
ov_route_is_peer(const struct ov_node *n)
{
	return n->state == OV_ST_JOINED || n->state == OV_ST_ALONE ||
	    n->state == OV_ST_LEAVING;
}

bool
ov_route_may_ask(const struct ov_node *n)
{
	return n->state == OV_ST_JOINED || n->state == OV_ST_ALONE ||
	    n->state == OV_ST_CLIENT;
}

bool
ov_route_responsible(const struct ov_node *n, const struct ov_id *id)
{
	return ov_route_is_peer(n) && ov_chord_responsible(&n->chord, id);
}

/*
 * Beside the routing table, every ready connection is a candidate hop: a
 * peer that sent us an Update may be routed through (§6.5.1), and more
 * candidates mean shorter routes.
 */
struct ov_hop_filter {
	const struct ov_node	*n;
	const struct ov_id	*avoid;
};

/* Where id's entry is, or would go, in n->hop_tab (open addressing;
 * ids are hashes already, so their first bytes serve as the hash). */
static unsigned
ov_hop_slot(const struct ov_node *n, const struct ov_id *id)
{
	unsigned	mask = n->hop_tab_size - 1, i;
	uint32_t	h;

	memcpy(&h, id->b, sizeof h);
	for (i = h & mask; n->hop_tab[i].gen == n->hop_gen &&
	    !ov_id_eq(&n->hop_tab[i].peer, id); i = (i + 1) & mask)
		;
	return i;
}

static bool
ov_hop_usable(const struct ov_id *id, void *arg)
{
	struct ov_hop_filter	*f = arg;
	const struct ov_node	*n = f->n;

	if (f->avoid != NULL && ov_id_eq(id, f->avoid))
		return false;
	const struct ov_hop_ent	*e = &n->hop_tab[ov_hop_slot(n, id)];

	return e->gen == n->hop_gen && e->ok;
}

/*
 * The peers ov_link_usable accepts: into n->hop_peers, and marked in
 * n->hop_tab, so that the routing table's candidates are each checked in
 * O(1), not by a walk of the links (a route was O(links^2)).  Made again
 * only when n->hop_stale says a link came, went, or changed its up,
 * ready, suspect or closing (each place that writes one of them sets
 * it): a walk of the links touched every link's state on every route.
 */
static unsigned
ov_hop_peers(struct ov_node *n)
{
	struct ov_link	*l;
	unsigned	 i, at, np = 0, size;

	if (!n->hop_stale && n->hop_tab != NULL)
		return n->hop_np;
	n->hop_stale = false;
	for (size = 16; size < 2 * n->nlinks; size *= 2)
		;
	/* a new generation empties the table without clearing it */
	if (n->hop_tab_size < size || ++n->hop_gen == 0) {
		n->hop_tab_size = size;
		free(n->hop_tab);
		n->hop_tab = xcalloc(size, sizeof *n->hop_tab);
		n->hop_peers = xreallocarray(n->hop_peers, size,
		    sizeof *n->hop_peers);
		n->hop_gen = 1;
	}
	for (i = 0; i < n->nlinks; i++) {
		l = n->links[i];
		if (!l->up || l->closing)
			continue;
		at = ov_hop_slot(n, &l->peer);
		if (n->hop_tab[at].gen == n->hop_gen)
			continue;	/* as ov_link_to: the first decides */
		n->hop_tab[at].gen = n->hop_gen;
		n->hop_tab[at].peer = l->peer;
		n->hop_tab[at].ok = l->ready && !l->suspect;
		if (n->hop_tab[at].ok)
			n->hop_peers[np++] = l->peer;
	}
	n->hop_np = np;
	return np;
}

bool
ov_route_next_hop(struct ov_node *n, const struct ov_id *dest,
    const struct ov_id *avoid, struct ov_id *hop)
{
	struct ov_hop_filter	 f = { n, avoid };
	unsigned		 np = ov_hop_peers(n);
	bool			 ok;

	if (ov_lcache_hop(n, dest, ov_hop_usable, &f, hop))
		return true;
	/* Handing a request straight back makes a two-node loop when views
	 * disagree (during churn); take the next best hop instead. */
	ok = ov_chord_next_hop(&n->chord, dest, n->hop_peers, np,
	    ov_hop_usable, &f, hop);
	if (!ok && avoid != NULL) {
		f.avoid = NULL;
		ok = ov_chord_next_hop(&n->chord, dest, n->hop_peers, np,
		    ov_hop_usable, &f, hop);
	}
	return ok;
}

struct ov_link *
ov_route_first_hop(struct ov_node *n, const struct ov_id *dest, bool to_node)
{
	struct ov_id	hop;
	struct ov_link	*l;

	if (to_node && (l = ov_link_to(n, dest)) != NULL)
		return l;
	if (n->state == OV_ST_CLIENT)		/* §4.2.1: all through it */
		return ov_cm_gateway_link(n);
	if (!ov_route_next_hop(n, dest, NULL, &hop))
		return NULL;
	return ov_link_to(n, &hop);
}

/*
 * Input we refuse (the caller answers or drops it): counted always,
 * logged at most once a second, so that a flood of it cannot flood the
 * log; the next line says how many went unlogged.
 */
static void __attribute__((__format__(__printf__, 4, 5)))
ov_bad(struct ov_node *n, uint64_t now, struct ov_link *l,
    const char *fmt, ...)
{
	char		msg[256], more[64] = "";
	va_list		ap;

	n->stats.bad_input++;
	if (n->bad_log_ms != 0 && now - n->bad_log_ms < OV_BAD_LOG_EVERY_MS) {
		n->bad_unlogged++;
		return;
	}
	n->bad_log_ms = now != 0 ? now : 1;
	if (n->bad_unlogged > 0)
		snprintf(more, sizeof more, " (and %u more before, unlogged)",
		    n->bad_unlogged);
	n->bad_unlogged = 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ov_log(n, "overlay: link %u: bad input: %s%s", l->id, msg, more);
}

static void
ov_dest_pop(struct ov_fwd *f)
{
	memmove(&f->dest[0], &f->dest[1], (f->ndest - 1) * sizeof f->dest[0]);
	f->ndest--;
}

/* §6.1: what to do with a message, from its first destination. */
static enum ov_verdict
ov_route_decide(struct ov_node *n, struct ov_link *from, struct ov_fwd *f,
    struct ov_link **next, uint16_t *err)
{
	struct ov_id	id, hop;

	for (;;) {
		if (f->dest[0].type == OV_DEST_OPAQUE ||
		    !ov_msg_dest_id(&f->dest[0], &id))
			return OV_DROP;		/* never ours: §6.1.3 */
		/* Not yet (or no longer) a peer: deliver, never forward,
		 * except along a source route to a direct neighbor. */
		if (!ov_route_is_peer(n) && !ov_id_eq(&id, &n->cfg.self) &&
		    !(f->dest[0].type == OV_DEST_NODE &&
		    (ov_id_is_wildcard(&id) || ov_link_to(n, &id) != NULL))) {
			*err = OV_E_NOT_FOUND;
			return OV_FAIL;
		}
		if (f->dest[0].type == OV_DEST_NODE) {
			if (ov_id_eq(&id, &n->cfg.self) && f->ndest > 1) {
				ov_dest_pop(f);
				continue;
			}
			if (ov_id_eq(&id, &n->cfg.self) ||
			    ov_id_is_wildcard(&id))
				return OV_DELIVER;
			if ((*next = ov_link_to(n, &id)) != NULL)
				return OV_FORWARD;
			if (ov_route_responsible(n, &id))
				return OV_DROP;	/* §6.1.1: not connected */
		} else {
			if (f->ndest > 1)
				return OV_DROP;	/* §6.1.1: must be last */
			if (ov_route_responsible(n, &id))
				return OV_DELIVER;
		}
		if (ov_route_next_hop(n, &id, &from->peer, &hop) &&
		    (*next = ov_link_to(n, &hop)) != NULL)
			return OV_FORWARD;
		*err = OV_E_NOT_FOUND;
		return OV_FAIL;
	}
}

static void
ov_route_forward(struct ov_node *n, uint64_t now, struct ov_link *from,
    struct ov_link *to, struct ov_fwd *f, const uint8_t *rest,
    size_t restlen, bool request)
{
	struct wbuf	w;
	struct ov_id	dest;

	if (f->ttl == 0) {
		if (request)
			ov_route_error(n, now, from, f, OV_E_TTL_EXCEEDED,
			    "TTL exhausted");
		return;
	}
	if (request && (f->options_flags & OV_OPT_FORWARD_CRITICAL)) {
		ov_route_error(n, now, from, f,
		    OV_E_UNSUPPORTED_FORWARDING_OPTION, "no options known");
		return;
	}
	if (f->nvia == OV_LIST_MAX) {
		if (request)
			ov_route_error(n, now, from, f, OV_E_INVALID_MESSAGE,
			    "via list full");
		return;
	}
	f->ttl--;
	ov_msg_dest_node(&f->via[f->nvia++], &from->peer);
	wbuf_init(&w, n->cfg.max_message_size);
	ov_msg_fwd_encode(&w, f);
	wbuf_bytes(&w, rest, restlen);
	ov_msg_finish(&w);
	if (w.err) {
		if (request)
			ov_route_error(n, now, from, f, OV_E_MESSAGE_TOO_LARGE,
			    "too large to forward");
	} else {
		ov_link_send_msg(n, now, to, w.p, w.len);
		n->stats.forwarded++;
		if (request && f->ndest == 1 &&
		    f->dest[0].type == OV_DEST_RESOURCE &&
		    ov_msg_dest_id(&f->dest[0], &dest))
			ov_link_keep(to, &dest, &from->peer, w.p, w.len);
	}
	wbuf_clear(&w);
}

/*
 * Link l has turned suspect (data unacknowledged past its RTO): the
 * requests for Resource-IDs we forwarded on it and that it has not
 * acknowledged go on by the next best hop, as they are (TTL and via list
 * already ours).  Deviation: RFC 6940 leaves recovery to the requester's
 * retransmission (§6.2.1); but every requester whose route passes here
 * would meet the same dead hop until this node has found it out, and a
 * host that vanished takes its links' unacknowledged data with it.  If
 * the hop was only slow, its copy arrives too and the requester takes
 * the first answer.
 */
void
ov_route_rescue(struct ov_node *n, uint64_t now, struct ov_link *l)
{
	struct ov_kept	*kept = l->kept;
	struct ov_link	*to;
	struct ov_id	 hop;
	unsigned	 i, nkept = l->nkept;

	l->kept = NULL;
	l->nkept = l->kept_cap = 0;
	for (i = 0; i < nkept; i++) {
		if (!ov_fh_acked(&l->fh, kept[i].seq) && ov_route_is_peer(n) &&
		    ov_route_next_hop(n, &kept[i].dest, &kept[i].from, &hop) &&
		    (to = ov_link_to(n, &hop)) != NULL && to != l) {
			ov_link_send_msg(n, now, to, kept[i].msg, kept[i].len);
			ov_link_keep(to, &kept[i].dest, &kept[i].from,
			    kept[i].msg, kept[i].len);
			n->stats.rerouted++;
		}
		free(kept[i].msg);
	}
	free(kept);
}

/* A request for us, to the handler of its method. */
static void
ov_route_dispatch(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *signer)
{
	switch (m->code) {
	case OV_PING_REQ:
		ov_query_ping_request(n, now, l, m);
		break;
	case OV_PROBE_REQ:
		ov_query_probe_request(n, now, l, m);
		break;
	case OV_ATTACH_REQ:
		ov_attach_request(n, now, l, m, signer);
		break;
	case OV_JOIN_REQ:
		ov_join_request(n, now, l, m, signer);
		break;
	case OV_LEAVE_REQ:
		ov_leave_request(n, now, l, m, signer);
		break;
	case OV_UPDATE_REQ:
		ov_update_request(n, now, l, m, signer);
		break;
	case OV_ROUTEQUERY_REQ:
		ov_query_route_query_request(n, now, l, m, signer);
		break;
	case OV_APPATTACH_REQ:
		ov_app_request(n, now, l, m, signer);
		break;
	case OV_STORE_REQ:
		ov_serve_store_request(n, now, l, m, signer);
		break;
	case OV_FETCH_REQ:
	case OV_STAT_REQ:
		ov_serve_fetch_request(n, now, l, m);
		break;
	case OV_FIND_REQ:
		ov_serve_find_request(n, now, l, m);
		break;
	default:
		ov_route_error(n, now, l, &m->fwd, OV_E_FORBIDDEN,
		    "method not supported by this peer");
		break;
	}
}

/* A message for us: decode it all, check the signature, dispatch. */
static void
ov_route_deliver(struct ov_node *n, uint64_t now, struct ov_link *l,
    const uint8_t *msg, size_t len)
{
	struct ov_msg	*m = xmalloc(sizeof *m);
	struct ov_id	 signer;
	uint16_t	 err;

	if (ov_msg_decode(msg, len, m, &err) != 0) {
		ov_bad(n, now, l, "malformed message");
		if (err != 0 && ov_msg_code_is_request(m->code))
			ov_route_error(n, now, l, &m->fwd, err, "malformed");
	} else if (ov_msg_verify(m, n->crypto, &signer) != 0)
		ov_bad(n, now, l, "%s with a bad signature",
		    ov_msg_code_name(m->code));		/* §6.3.4: drop */
	else if (!ov_msg_code_is_request(m->code))
		ov_txn_response(n, now, l, m, &signer);
	else if (m->fwd.options_flags & OV_OPT_DESTINATION_CRITICAL)
		ov_route_error(n, now, l, &m->fwd,
		    OV_E_UNSUPPORTED_FORWARDING_OPTION, "no options known");
	else if (m->critical_ext)
		ov_route_error(n, now, l, &m->fwd, OV_E_UNKNOWN_EXTENSION,
		    "no extensions known");
	else
		ov_route_dispatch(n, now, l, m, &signer);
	free(m);
}

/* Header checks before routing (§6.3.2); false if handled. */
static bool
ov_route_check(struct ov_node *n, uint64_t now, struct ov_link *l,
    struct ov_fwd *f, bool request)
{
	unsigned	i, j;

	if (f->overlay != n->overlay_hash) {
		ov_bad(n, now, l, "another overlay (%08x)", f->overlay);
		if (request)
			ov_route_error(n, now, l, f,
			    OV_E_INCOMPATIBLE_WITH_OVERLAY, "wrong overlay");
		ov_link_close(n, now, l, "peer of another overlay");
		return false;
	}
	if (f->version != OV_VERSION || f->fragment != OV_FRAG_UNFRAGMENTED) {
		ov_bad(n, now, l, "version %u fragment %08x", f->version,
		    f->fragment);
		if (request)
			ov_route_error(n, now, l, f, f->version != OV_VERSION ?
			    OV_E_INCOMPATIBLE_WITH_OVERLAY :
			    OV_E_INVALID_MESSAGE, f->version != OV_VERSION ?
			    "unsupported version" : "fragments unsupported");
		return false;
	}
	if (f->ttl > n->cfg.initial_ttl) {
		ov_bad(n, now, l, "TTL %u above %u", f->ttl,
		    n->cfg.initial_ttl);
		if (request)
			ov_route_error(n, now, l, f, OV_E_TTL_EXCEEDED,
			    "TTL above initial-ttl");
		return false;
	}
	/* §13.6.5: a destination list naming a node twice is a loop. */
	for (i = 0; request && i < f->ndest; i++) {
		for (j = i + 1; j < f->ndest; j++) {
			if (f->dest[i].type == f->dest[j].type &&
			    f->dest[i].len == f->dest[j].len &&
			    memcmp(f->dest[i].data, f->dest[j].data,
			    f->dest[i].len) == 0) {
				ov_bad(n, now, l, "a destination listed twice");
				ov_route_error(n, now, l, f,
				    OV_E_INVALID_MESSAGE, "destination list "
				    "loop");
				return false;
			}
		}
	}
	return true;
}

/*
 * A request we would forward again: it has been here before, so the
 * tables disagree somewhere and it would circle until its TTL ran out.
 * Deviation: §13.6.5 only asks for the destination list check; this one
 * ends real loops early.  A request coming back to be delivered here (a
 * Ping for our own id through another peer, §10.7.4.3) is no loop.
 */
static bool
ov_route_looped(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_fwd *f)
{
	unsigned	i;

	for (i = 0; i < f->nvia; i++) {
		if (f->via[i].type == OV_DEST_NODE &&
		    memcmp(f->via[i].data, n->cfg.self.b, OV_ID_LEN) == 0) {
			ov_bad(n, now, l, "routing loop");
			ov_route_error(n, now, l, f, OV_E_INVALID_MESSAGE,
			    "routing loop: already in the via list");
			return true;
		}
	}
	return false;
}

void
ov_route_input(struct ov_node *n, uint64_t now, struct ov_link *l,
    const uint8_t *msg, size_t len)
{
	struct ov_fwd	*f = xmalloc(sizeof *f);
	struct ov_link	*next = NULL;
	size_t		 hdrlen;
	uint16_t	 err = 0, code;
	bool		 request;

	if (ov_msg_fwd_decode(msg, len, f, &hdrlen, &err) != 0) {
		ov_bad(n, now, l, "malformed forwarding header");
		goto out;
	}
	code = len >= hdrlen + 2 ? (uint16_t)(msg[hdrlen] << 8 |
	    msg[hdrlen + 1]) : 0;
	request = ov_msg_code_is_request(code);
	if (!ov_route_check(n, now, l, f, request))
		goto out;
	switch (ov_route_decide(n, l, f, &next, &err)) {
	case OV_DELIVER:
		ov_route_deliver(n, now, l, msg, len);
		break;
	case OV_FORWARD:
		if (request && ov_route_looped(n, now, l, f))
			break;
		ov_route_forward(n, now, l, next, f, msg + hdrlen,
		    len - hdrlen, request);
		break;
	case OV_FAIL:
		if (request)
			ov_route_error(n, now, l, f, err, "no route");
		break;
	case OV_DROP:
		ov_debug(n, "overlay: link %u: dropped %s: not for us", l->id,
		    ov_msg_code_name(code));
		break;
	}
out:
	free(f);
}

/* The forwarding header of an answer to req, received on l (§6.2.2). */
static bool
ov_answer_fwd(struct ov_node *n, struct ov_link *l, const struct ov_fwd *req,
    struct ov_fwd *f)
{
	unsigned	i;

	if (req->nvia + 1 > OV_LIST_MAX)
		return false;
	memset(f, 0, sizeof *f);
	f->overlay = n->overlay_hash;
	f->version = OV_VERSION;
	f->ttl = n->cfg.initial_ttl;
	f->fragment = OV_FRAG_UNFRAGMENTED;
	f->tid = req->tid;
	ov_msg_dest_node(&f->dest[0], &l->peer);
	for (i = 0; i < req->nvia; i++)
		f->dest[1 + i] = req->via[req->nvia - 1 - i];
	f->ndest = req->nvia + 1;
	return true;
}

/* Answer req; max: the request's max_response_length (0: none). */
static void
ov_route_reply(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_fwd *req, uint16_t code, const uint8_t *body, size_t len,
    uint32_t max, const uint8_t *certs, size_t certs_len)
{
	struct ov_fwd	*f = xmalloc(sizeof *f);
	struct wbuf	 w;
	struct ov_link	*out = l;

	wbuf_init(&w, n->cfg.max_message_size);
	if (!ov_answer_fwd(n, l, req, f))
		goto out;
	ov_msg_fwd_encode(&w, f);
	if (ov_msg_sign_encode_certs(&w, f, code, body, len, n->crypto, certs,
	    certs_len) != 0) {
		if (code != OV_ERROR)	/* it did not fit */
			ov_route_error(n, now, l, req,
			    OV_E_RESPONSE_TOO_LARGE, "response too large");
		goto out;
	}
	if (max != 0 && w.len > max) {
		/* §6.3.2: answer Error_Response_Too_Large instead. */
		ov_route_error(n, now, l, req, OV_E_RESPONSE_TOO_LARGE,
		    "response exceeds max_response_length");
		goto out;
	}
	if (l->closing)		/* the previous hop went: route to it */
		out = ov_route_first_hop(n, &l->peer, true);
	if (out != NULL && !out->closing)
		ov_link_send_msg(n, now, out, w.p, w.len);
out:
	wbuf_clear(&w);
	free(f);
}

void
ov_route_error_info(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_fwd *req, uint16_t error, const uint8_t *info,
    size_t len)
{
	struct wbuf	w;

	if (!l->up)
		return;
	wbuf_init(&w, 1024);
	wbuf_u16(&w, error);
	wbuf_u16(&w, (uint16_t)len);
	wbuf_bytes(&w, info, len);
	if (!w.err)
		ov_route_reply(n, now, l, req, OV_ERROR, w.p, w.len, 0, NULL,
		    0);
	wbuf_clear(&w);
	n->stats.errors_sent++;
}

void
ov_route_error(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_fwd *req, uint16_t error, const char *info)
{
	ov_route_error_info(n, now, l, req, error, (const uint8_t *)info,
	    info != NULL ? strlen(info) : 0);
}

void
ov_route_answer(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *req, uint16_t code, const uint8_t *body, size_t len)
{
	ov_route_reply(n, now, l, &req->fwd, code, body, len,
	    req->fwd.max_response_length, NULL, 0);
}

void
ov_route_answer_certs(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *req, uint16_t code, const uint8_t *body, size_t len,
    const uint8_t *certs, size_t certs_len)
{
	ov_route_reply(n, now, l, &req->fwd, code, body, len,
	    req->fwd.max_response_length, certs, certs_len);
}
