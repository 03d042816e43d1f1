/*
 * ov_app.c - AppAttach (RFC 6940 §6.5.2): how a node finds, through the
 * overlay, where another node takes an application's connections (SIP,
 * RFC 7904 §5: Application-ID 5060).
 *
 * No-ICE.  An overlay is all ICE or all No-ICE (§6.5.1.5); this one is
 * No-ICE, its links TLS-TCP-FH-NO-ICE.  No-ICE makes no connectivity
 * checks: the TLS handshake is the check, and the certificate must bind
 * the node that answered (§6.5.1.11).  So the candidate list carries the
 * address itself: one host candidate (CandType host, §6.5.1.1) of
 * OverlayLinkType TLS-TCP-FH-NO-ICE whose IpAddressPort is where the
 * node's application takes TLS connections (the daemon's SIP over TLS).
 * The link type says "TLS over TCP, no ICE", the only No-ICE type there
 * is; its framing header is RELOAD's own and does not apply to the
 * application's stream, which carries non-RELOAD "media" (§6.5.2).
 * Candidates of ICE link types are skipped; a request with only those is
 * refused with Error_Incompatible_with_Overlay.  ufrag, password and
 * role are part of the structure and still sent: random ufrag and
 * password (No-ICE has no use for them), role as below.
 *
 * Deviation (§6.5.1.13): there, the node that sent the request is the
 * TLS server.  An application's answering node already listens (SIP on
 * its TLS port) and the requester connects to it, as a SIP client does
 * (RFC 3261 §18); the roles say so in RFC 4145 terms: the request
 * "active", the answer "passive".  The request carries the requester's
 * own candidate for the application too, when it serves it, so that a
 * peer may connect the other way.
 *
 * A client (RFC 6940 §4.2.1) behind a NAT takes no connections: it keeps
 * one to the application at its gateway (the daemon's SIP over TLS),
 * which forwards it what the destination list [gateway, client] brings
 * (RFC 7904 §3).  Its answer carries a candidate of CandType relay
 * (§6.5.1.1) at the gateway's address, its own host address as the
 * related one.  Deviation: in RFC 6940 a No-ICE answer has host
 * candidates only, and a relayed one is a TURN allocation; here it says
 * "through the peer before me on the list, at this address", and the
 * requester connects to that peer, whose certificate must bind it.
 *
 * Answering (§6.5.2.2): an application not served here gets
 * Error_Not_Found; a body that does not decode, or a request signed by
 * this node itself, Error_Invalid_Message.  (The signature and the
 * forwarding header were checked on delivery, ov_route.c.)
 *
 * Asking: the request goes along a destination list (RFC 7904 §5: the
 * route a SipRegistration names, RFC 7904 §3), and its answer must be
 * signed by the list's last entry (ov_txn.c); the user gets an
 * OV_EV_APP_ATTACH event.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ov_int.h"
#include "rng.h"

static struct ov_app *
ov_app_find(struct ov_node *n, uint16_t id)
{
	unsigned	i;

	for (i = 0; i < n->napps; i++)
		if (n->apps[i].id == id)
			return &n->apps[i];
	return NULL;
}

int
ov_app_serve(struct ov_node *n, uint16_t application,
    const struct addr *addr)
{
	struct ov_app	*app = ov_app_find(n, application);

	if (addr == NULL) {
		if (app != NULL)
			*app = n->apps[--n->napps];
		return 0;
	}
	if (app == NULL) {
		if (n->napps == OV_APPS_MAX)
			return ENOSPC;
		app = &n->apps[n->napps++];
		app->id = application;
	}
	app->addr = *addr;
	return 0;
}

int
ov_app_serve_relayed(struct ov_node *n, uint16_t application,
    const struct addr *via)
{
	struct ov_app	*app = ov_app_find(n, application);

	if (app == NULL)
		return ENOENT;
	if (via != NULL)
		app->relay = *via;
	else
		memset(&app->relay, 0, sizeof app->relay);
	return 0;
}

/* An AppAttach body for application: ours, with our candidate for it
 * if we serve it (addr NULL: none); a client's answer, through its
 * gateway (relay non-NULL). */
static void
ov_app_body(struct ov_node *n, struct wbuf *w, uint16_t application,
    const struct addr *addr, const struct addr *relay, bool request)
{
	struct ov_app_attach	a;

	memset(&a, 0, sizeof a);
	ov_attach_ice_creds(n, a.ufrag, sizeof a.ufrag, a.password,
	    sizeof a.password);
	a.application = application;
	snprintf(a.role, sizeof a.role, "%s", request ? "active" : "passive");
	if (addr != NULL) {
		a.ncand = 1;
		a.cand[0].addr = *addr;
		a.cand[0].link_type = OV_LINK_TLS_TCP_FH_NO_ICE;
		a.cand[0].cand_type = OV_CAND_HOST;
		a.cand[0].priority = 126u << 24 | 65535u << 8 | 255u;
	}
	if (addr != NULL && relay != NULL) {
		a.cand[0].rel = *addr;
		a.cand[0].addr = *relay;
		a.cand[0].cand_type = OV_CAND_RELAY;
		a.cand[0].priority = 65535u << 8 | 255u;	/* type pref 0 */
	}
	ov_body_app_attach_encode(w, &a);
}

void
ov_app_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_app_attach	 req;
	struct ov_app		*app;
	struct wbuf		 w;
	char			 hex[OV_ID_HEXLEN], a[ADDR_STRLEN];

	if (ov_body_app_attach_decode(m->body, m->body_len, &req) != 0 ||
	    ov_id_eq(s, &n->cfg.self)) {
		ov_route_error(n, now, l, &m->fwd, OV_E_INVALID_MESSAGE,
		    "bad AppAttachReq");
		return;
	}
	if ((app = ov_app_find(n, req.application)) == NULL) {
		/* §6.5.2.2: "MUST reply with an Error_Not_Found" */
		ov_debug(n, "overlay: AppAttach from %s for application %u: "
		    "not served here", ov_id_hex(s, hex), req.application);
		ov_route_error(n, now, l, &m->fwd, OV_E_NOT_FOUND,
		    "application not supported by this peer");
		return;
	}
	if (req.ncand == 0 && req.nskipped > 0) {
		ov_route_error(n, now, l, &m->fwd,
		    OV_E_INCOMPATIBLE_WITH_OVERLAY, "the overlay is No-ICE: "
		    "TLS-TCP-FH-NO-ICE host candidates only");
		return;
	}
	wbuf_init(&w, 512);
	ov_app_body(n, &w, app->id, &app->addr, n->state == OV_ST_CLIENT &&
	    app->relay.family != 0 ? &app->relay : NULL, false);
	ov_route_answer(n, now, l, m, OV_APPATTACH_ANS, w.p, w.len);
	wbuf_clear(&w);
	ov_debug(n, "overlay: AppAttach from %s for application %u: %s%s",
	    ov_id_hex(s, hex), app->id, addr_str(n->state == OV_ST_CLIENT &&
	    app->relay.family != 0 ? &app->relay : &app->addr, a),
	    n->state == OV_ST_CLIENT && app->relay.family != 0 ?
	    " (our gateway's)" : "");
}

/* A route naming a node twice is a loop to its first receiver (§13.6.5). */
static bool
ov_app_route_ok(const struct ov_id *route, unsigned nroute)
{
	unsigned	i, j;

	for (i = 0; i < nroute; i++)
		for (j = i + 1; j < nroute; j++)
			if (ov_id_eq(&route[i], &route[j]))
				return false;
	return true;
}

int
ov_app_ask(struct ov_node *n, uint64_t now, const struct ov_id *route,
    unsigned nroute, uint16_t application, uint64_t cookie)
{
	struct ov_app	*app = ov_app_find(n, application);
	struct ov_txn	*t;
	struct wbuf	 w;

	/* we are the first hop of a route through us: it starts after */
	while (nroute > 0 && ov_id_eq(&route[0], &n->cfg.self)) {
		route++;
		nroute--;
	}
	if (nroute == 0 || nroute > OV_LIST_MAX ||
	    ov_id_eq(&route[nroute - 1], &n->cfg.self) ||
	    !ov_app_route_ok(route, nroute))
		return EINVAL;
	if (!ov_route_may_ask(n))
		return ENOTCONN;
	wbuf_init(&w, 512);
	ov_app_body(n, &w, application, app != NULL ? &app->addr : NULL,
	    NULL, true);
	t = ov_txn_start_route(n, now, OV_TX_APP_ATTACH, OV_APPATTACH_REQ,
	    w.p, w.len, route, nroute);
	wbuf_clear(&w);
	if (t == NULL)
		return n->ntxns >= n->cfg.max_pending ? EBUSY : EIO;
	t->cookie = cookie;
	t->application = application;
	t->peer = route[nroute - 1];
	ov_link_flush_all(n, now);
	return 0;
}

void
ov_app_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *signer, int error)
{
	struct ov_app_attach	 a;
	struct ov_event		 ev;
	const uint8_t		*info;
	size_t			 ilen;
	uint16_t		 code;

	(void)now;
	(void)signer;		/* the route's last entry (ov_txn.c) */
	memset(&ev, 0, sizeof ev);
	ev.type = OV_EV_APP_ATTACH;
	ev.cookie = t->cookie;
	ev.application = t->application;
	ev.peer = t->peer;
	ev.error = error;
	if (m == NULL)		/* no answer: error says why */
		goto out;
	if (m->code == OV_ERROR) {
		ev.error = EBADMSG;
		if (ov_body_error_decode(m->body, m->body_len, &code, &info,
		    &ilen) == 0) {
			ev.error = 1000 + code;
			ov_body_error_why(ev.why, sizeof ev.why, info, ilen);
		}
	} else if (ov_body_app_attach_decode(m->body, m->body_len, &a) != 0)
		ev.error = EBADMSG;
	else if (a.application != t->application || a.ncand == 0) {
		ev.error = EPROTO;
		snprintf(ev.why, sizeof ev.why, "%s", a.ncand == 0 ?
		    "no TLS-TCP-FH-NO-ICE host candidate in the answer" :
		    "the answer is for another application");
	} else {
		ev.app_addr = a.cand[0].addr;
		ev.app_relayed = a.cand[0].cand_type == OV_CAND_RELAY;
	}
out:
	ov_node_event(n, &ev);
}
