/*
 * sip_proxy_req.c - the requests the proxy takes (RFC 3261 §16):
 * validation (§16.3), Route processing (§16.4), targets from the
 * registrar, the Request-URI, the daemon's UA (RFC 7904 §3) or the
 * overlay's answer (§16.5, through the lookup cache), forwarding in
 * parallel with a Via and, for INVITE, a Record-Route of ours (§16.6,
 * RFC 5658 §4), requests outside any transaction such as the ACK for a
 * 2xx forwarded statelessly (§16.11), and CANCEL (§16.10).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_anchor.h"
#include "sip_cache.h"
#include "sip_msg.h"
#include "sip_proxy.h"
#include "sip_proxy_int.h"
#include "sip_reg.h"
#include "slab.h"
#include "wire.h"
#include "xmalloc.h"

/* ---- forwarding (§16.3, §16.6) ---- */

/* Our address on a transport: TLS on ours for it, if we listen. */
static const char *
sip_self_for(const struct sip_proxy *p, enum sip_tp tp)
{
	return tp == SIP_TP_TLS && p->self_tls[0] != '\0' ? p->self_tls :
	    p->self;
}

/* Our Record-Route URI for the side of a transport, with the flow
 * token tok ("": none) as its user part (RFC 5626 §5.3), and ice-sip:
 * the dialog may move off our path (ICE for SIP, sip_ua_move.c). */
static void
sip_rr_uri(const struct sip_proxy *p, enum sip_tp tp, const char *tok,
    bool overlay, char *out, size_t max)
{
	const char	*at = tok[0] != '\0' ? "@" : "";
	const char	*ov = overlay ? ";" SIP_RR_OVERLAY "=" : "";

	if (tp == SIP_TP_TLS && p->self_tls[0] != '\0')
		snprintf(out, max, "<sip:%s%s%s;transport=tls;lr;ice-sip%s%s>",
		    tok, at, p->self_tls, ov, overlay ? p->domain : "");
	else
		snprintf(out, max, "<sip:%s%s%s;lr;ice-sip%s%s>", tok, at,
		    p->self, ov, overlay ? p->domain : "");
}

/* Is a Via's sent-by this proxy? */
static bool
sip_via_is_self(const struct sip_proxy *p, const struct sip_via *v)
{
	struct sip_uri	u;

	memset(&u, 0, sizeof u);
	u.host = v->host;
	u.ipv6 = v->ipv6;
	u.port = v->port;
	return sip_proxy_is_self(p, &u);
}

/* §16.3 step 4, simply: one of our Vias is already there (the top one
 * parsed with the message, the others here). */
static bool
sip_looped(const struct sip_proxy *p, const struct sip_msg *m)
{
	const struct sip_hdr	*h = sip_msg_hdr(m, SIP_HDR_VIA, NULL);
	struct sip_via		 v;

	if (h == NULL)
		return false;
	if (sip_via_is_self(p, &m->via))
		return true;
	while ((h = sip_msg_hdr(m, SIP_HDR_VIA, h)) != NULL)
		if (sip_msg_via_parse(&v, &h->value) == 0 &&
		    sip_via_is_self(p, &v))
			return true;
	return false;
}

/*
 * The flow tokens of our Record-Routes (RFC 5626 §5.3), "" for none: on
 * the side of the request's target, if it goes on a phone's own flow;
 * on the side it came from, if it came straight from a phone (§5.3:
 * the first hop), so that the requests inside the dialog go on the
 * flows their ends opened, through whatever NATs are there.
 */
struct sip_rr_tokens {
	char	in[SIP_FLOW_TOKEN_LEN + 1];
	char	out[SIP_FLOW_TOKEN_LEN + 1];
	bool	overlay;	/* the overlay identifier in both */
};

/*
 * §16.6: the request that came on flow in to a target:
 * Request-URI ruri, our Via on top, Record-Route for INVITE (with the
 * flow tokens of tok, NULL: none), our Routes removed (the first
 * skip_route), Max-Forwards one less; body instead of m's (NULL: m's).
 */
static bool
sip_forward_bytes(struct sip_proxy *p, const struct sip_msg *m,
    const struct sip_pl *ruri, const struct sip_flow *in,
    const struct sip_flow *to, const struct sip_rr_tokens *tok,
    const char *branch, unsigned skip_route, const struct sip_pl *body,
    struct wbuf *w)
{
	const struct sip_hdr	*route[2], *rr_before, *via_after = NULL, *h;
	char			 line[160], rr[1024], out_uri[480], in_uri[480];
	char			 direct[SIP_FLOW_TOKEN_LEN + 1];
	enum sip_tp		 in_tp = in->tp;
	unsigned		 i;

	route[0] = sip_msg_hdr(m, SIP_HDR_ROUTE, NULL);
	route[1] = route[0] != NULL ? sip_msg_hdr(m, SIP_HDR_ROUTE, route[0]) :
	    NULL;
	/* our Record-Route goes on top of the others or, with none, after
	 * the last Via: each kind of header kept in one block, as the
	 * tools that join them on one line expect.  Between a TLS side and
	 * another, two: the callee's side on top, the caller's below, so
	 * each end's requests come in on the transport it used (RFC 5658
	 * §4, double Record-Routing) */
	rr[0] = '\0';
	if (sip_pl_eq(&m->method, "INVITE") && m->to_tag.l == 0) {
		sip_rr_uri(p, to->tp, tok != NULL ? tok->out : "",
		    tok != NULL && tok->overlay, out_uri, sizeof out_uri);
		sip_rr_uri(p, in_tp, tok != NULL ? tok->in : "",
		    tok != NULL && tok->overlay, in_uri, sizeof in_uri);
		if (strcmp(out_uri, in_uri) == 0)
			snprintf(rr, sizeof rr, "Record-Route: %s\r\n",
			    out_uri);
		else
			snprintf(rr, sizeof rr, "Record-Route: %s\r\n"
			    "Record-Route: %s\r\n", out_uri, in_uri);
	}
	if ((rr_before = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, NULL)) == NULL)
		for (h = sip_msg_hdr(m, SIP_HDR_VIA, NULL); h != NULL;
		    h = sip_msg_hdr(m, SIP_HDR_VIA, h))
			via_after = h;
	wbuf_init(w, p->cfg.max_len);
	wbuf_bytes(w, m->method.p, m->method.l);
	wbuf_bytes(w, " ", 1);
	wbuf_bytes(w, ruri->p, ruri->l);
	wbuf_bytes(w, " SIP/2.0\r\n", 10);
	snprintf(line, sizeof line, "Via: SIP/2.0/%s %s;branch=%s;rport;"
	    "ice-sip\r\n", sip_txn_tp_name(to->tp), sip_self_for(p, to->tp),
	    branch);
	wbuf_bytes(w, line, strlen(line));
	/* ICE for SIP: which direct flow it came on, for the UA here to
	 * authorize a replacement by (sip_ua_move.c); a P2PSIP-Flow from
	 * anywhere else goes */
	if (m->request && in->tp == SIP_TP_DTLS) {
		sip_proxy_flow_token(p, in, direct);
		sip_msg_header(w, SIP_HDR_DIRECT_FLOW, &(struct sip_pl){
		    direct, strlen(direct) });
	}
	if (m->max_forwards < 0)	/* §16.6 step 3: none came */
		wbuf_bytes(w, "Max-Forwards: 70\r\n", 18);
	for (i = 0; i < m->nhdrs; i++) {
		if (&m->hdrs[i] == rr_before)
			wbuf_bytes(w, rr, strlen(rr));
		if (i > 0 && &m->hdrs[i - 1] == via_after)
			wbuf_bytes(w, rr, strlen(rr));
		if (m->hdrs[i].id == SIP_HDR_CONTENT_LENGTH ||
		    (m->hdrs[i].id == SIP_HDR_OTHER && sip_pl_caseeq(
		    &m->hdrs[i].name, SIP_HDR_DIRECT_FLOW)) ||
		    (skip_route > 0 && &m->hdrs[i] == route[0]) ||
		    (skip_route > 1 && &m->hdrs[i] == route[1]))
			continue;
		if (m->hdrs[i].id == SIP_HDR_MAX_FORWARDS) {
			snprintf(line, sizeof line, "%d", m->max_forwards - 1);
			sip_msg_header(w, "Max-Forwards", &(struct sip_pl){
			    line, strlen(line) });
			continue;
		}
		sip_msg_header_copy(w, &m->hdrs[i]);
	}
	if (m->nhdrs > 0 && &m->hdrs[m->nhdrs - 1] == via_after)
		wbuf_bytes(w, rr, strlen(rr));
	if (body == NULL)
		body = &m->body;
	sip_msg_end(w, body->p, body->l);
	return !w->err;
}

/* §8.1.1.7: unique, and ending with the record's id (if any), by which
 * a 2xx resent finds it (sip_proxy_stray) */
static void
sip_new_branch(struct sip_proxy *p, const struct sip_fwd *f, char *out,
    size_t max)
{
	char	tag[24];

	sip_msg_tag(p->rng, tag, sizeof tag);
	if (f != NULL)
		snprintf(out, max, "z9hG4bK%s-%llx", tag,
		    (unsigned long long)f->id);
	else
		snprintf(out, max, "z9hG4bK%s", tag);
}

static void	sip_fwd_looked_up(struct sip_proxy *, uint64_t,
		    struct sip_fwd *, const char *const *,
		    const uint8_t *const *, unsigned, bool);

/* ---- targets (§16.4, §16.5) ---- */

struct sip_targets {
	struct sip_pl	 ruri[SIP_FORK_MAX];
	struct sip_flow	 flow[SIP_FORK_MAX];
	bool		 own_flow[SIP_FORK_MAX];	/* a phone's flow */
	unsigned	 n;
	unsigned	 skip_route;	/* our Routes on top: 0 to 2 */
	bool		 lookup;	/* ask the overlay */
	bool		 resolve;	/* ask DNS (RFC 3263) */
	enum sip_proxy_dest dest;	/* where it goes, for the policy */
};

/* The daemon's UA as the target for aor, if this node publishes it by
 * destination list: sip:user@UA, over UDP. */
static void
sip_targets_ua(struct sip_proxy *p, const char *aor, const struct sip_pl *user,
    struct sip_targets *t)
{
	char	a[ADDR_STRLEN];
	int	n;

	if (p->ua.family == 0 || !sip_proxy_hosts(p, aor))
		return;
	n = snprintf(p->ua_ruri, sizeof p->ua_ruri, "sip:%.*s@%s",
	    (int)user->l, user->p, addr_str(&p->ua, a));
	if (n < 0 || (size_t)n >= sizeof p->ua_ruri)
		return;
	t->ruri[0] = (struct sip_pl){ p->ua_ruri, (size_t)n };
	memset(&t->flow[0], 0, sizeof t->flow[0]);
	t->flow[0].tp = SIP_TP_UDP;
	t->flow[0].remote = p->ua;
	t->n = 1;
}

/*
 * §16.4: our own Routes go (both, where we double Record-Routed, RFC
 * 5658 §4).  If the last of them carries a flow token of ours (RFC 5626
 * §5.3), *fl is the flow it names and *tok true.  One that names the
 * overlay (a call that left it, sip_fwd_branches) without a token of
 * ours was not made here: *forged.  Returns the first Route left, or
 * NULL.
 */
static const struct sip_hdr *
sip_targets_own_routes(const struct sip_proxy *p, const struct sip_msg *m,
    struct sip_targets *t, struct sip_flow *fl, bool *tok, bool *forged)
{
	const struct sip_hdr	*route = sip_msg_hdr(m, SIP_HDR_ROUTE, NULL);
	struct sip_addr		 a;
	struct sip_pl		 ov;

	*tok = *forged = false;
	while (t->skip_route < 2 && route != NULL &&
	    sip_uri_addr_parse(&a, &route->value, false) == 0 && a.uri_sip &&
	    sip_proxy_is_self(p, &a.uri)) {
		*tok = sip_proxy_flow_untoken(p, &a.uri.user, fl);
		if (!*tok && sip_uri_param(&a.uri.params, SIP_RR_OVERLAY, &ov))
			*forged = true;
		t->skip_route++;
		route = sip_msg_hdr(m, SIP_HDR_ROUTE, route);
	}
	return route;
}

/*
 * The registrar's contacts of aor as targets.  §16.6 step 7 / §18.1.1:
 * to the Contact's address (a REGISTER may come from elsewhere than the
 * phone, §10.2.1); a phone on TCP, one that registered with RFC 5626
 * outbound, or one behind a NAT (sip_reg.h) gets its own flow back (RFC
 * 5626 §5.3, §7), which is all its NAT lets in.
 */
static void
sip_targets_reg(struct sip_proxy *p, uint64_t now, const char *aor,
    struct sip_targets *t)
{
	struct sip_reg_target	 rt[SIP_FORK_MAX];
	struct sip_uri		 cu;
	struct sip_flow		 cf;
	unsigned		 i;

	t->n = sip_reg_lookup(p->reg, now / 1000, aor, rt, SIP_FORK_MAX);
	for (i = 0; i < t->n; i++) {
		t->ruri[i] = (struct sip_pl){ rt[i].contact,
		    strlen(rt[i].contact) };
		t->flow[i] = rt[i].flow;
		t->own_flow[i] = true;
		if (!rt[i].outbound && !rt[i].nated &&
		    !sip_txn_tp_bound(rt[i].flow.tp) &&
		    sip_uri_parse(&cu, rt[i].contact,
		    strlen(rt[i].contact)) == 0 &&
		    sip_proxy_uri_flow(&cu, &cf) == 0) {
			t->flow[i] = cf;
			t->own_flow[i] = false;
		}
	}
}

/* 0, or the status to refuse with (and *reason). */
static unsigned
sip_targets(struct sip_proxy *p, uint64_t now, const struct sip_msg *m,
    struct sip_targets *t, const char **reason)
{
	const struct sip_hdr	*route;
	struct sip_addr		 a;
	struct sip_flow		 fl;
	char			 aor[512];
	bool			 tok, forged;

	memset(t, 0, sizeof *t);
	route = sip_targets_own_routes(p, m, t, &fl, &tok, &forged);
	if (forged) {
		/* draft-marocco-p2psip-interwork §3.1: no way in by a
		 * Record-Route of the overlay's that we did not write (nor
		 * by one of an earlier run's: its key is gone) */
		*reason = "Forbidden (a Route of this overlay that is not ours)";
		return 403;
	}
	if (tok) {
		/* RFC 5626 §5.3: on the flow the token names (a Route left
		 * is the next proxy's, on the far side of that flow) */
		t->flow[0] = fl;
		t->ruri[t->n++] = m->ruri_str;
		t->dest = SIP_DEST_FLOW;
		return 0;
	}
	if (route != NULL) {
		if (sip_uri_addr_parse(&a, &route->value, false) != 0 ||
		    !a.uri_sip ||
		    sip_proxy_uri_flow(&a.uri, &t->flow[0]) != 0) {
			*reason = "Bad Route";
			return 400;
		}
		t->ruri[t->n++] = m->ruri_str;
		t->dest = sip_reg_is_phone(p->reg, &t->flow[0].remote) ?
		    SIP_DEST_PHONE : SIP_DEST_OUTSIDE;
		return 0;
	}
	if (!m->ruri_sip) {
		*reason = "Unsupported URI Scheme";
		return 416;
	}
	/* sip:user@DOMAIN, or sip:user@us (a peer's lookup led here) */
	if (sip_pl_caseeq(&m->ruri.host, p->domain) ||
	    (m->ruri.user.l != 0 && sip_proxy_is_self(p, &m->ruri))) {
		snprintf(aor, sizeof aor, "%.*s@%s", (int)m->ruri.user.l,
		    m->ruri.user.p, p->domain);
		sip_targets_reg(p, now, aor, t);
		/* RFC 7904 §3: an AOR this node publishes by destination
		 * list, and no phone here has it: the daemon's UA takes it */
		if (t->n == 0)
			sip_targets_ua(p, aor, &m->ruri.user, t);
		/* §16.5: every contact of the AOR, here and at the other
		 * peers (the overlay has them); sip:user@us is ours only */
		if (p->cfg.lookup != NULL &&
		    sip_pl_caseeq(&m->ruri.host, p->domain)) {
			t->lookup = true;
			return 0;
		}
		if (t->n == 0) {
			*reason = "Not Found";
			return 404;
		}
		return 0;
	}
	if (sip_proxy_uri_flow(&m->ruri, &t->flow[0]) == 0 &&
	    !sip_proxy_is_self(p, &m->ruri)) {
		t->ruri[t->n++] = m->ruri_str;
		t->dest = sip_reg_is_phone(p->reg, &t->flow[0].remote) ?
		    SIP_DEST_PHONE : SIP_DEST_OUTSIDE;
		return 0;
	}
	/* another domain: where its DNS says (RFC 3263), if we are a
	 * proxy peer */
	if (p->cfg.resolve != NULL && m->ruri.host.l > 0 &&
	    !sip_proxy_is_self(p, &m->ruri)) {
		t->resolve = true;
		t->dest = SIP_DEST_OUTSIDE;
		return 0;
	}
	*reason = "Forbidden (not this overlay's domain)";
	return 403;
}

/* ---- requests ---- */

/* An ACK for a 2xx (§16.11: stateless) or another request outside
 * any transaction: forward it as it goes. */
static void
sip_proxy_stateless(struct sip_proxy *p, uint64_t now,
    const struct sip_flow *from, const struct sip_msg *m)
{
	struct sip_targets	 t;
	const char		*reason;
	struct wbuf		 w;
	char			 branch[SIP_BRANCH_LEN];

	if (m->max_forwards == 0 || sip_looped(p, m) ||
	    sip_targets(p, now, m, &t, &reason) != 0 ||
	    (p->cfg.allow != NULL && !p->cfg.allow(now, 0, from, m, t.dest,
	    p->cfg.arg)))
		return;
	sip_new_branch(p, NULL, branch, sizeof branch);
	if (sip_forward_bytes(p, m, &t.ruri[0], from, &t.flow[0], NULL,
	    branch, t.skip_route, NULL, &w)) {
		p->cfg.emit(&t.flow[0], w.p, w.len, p->cfg.arg);
		w.p = NULL;
	}
	wbuf_clear(&w);
}

static void sip_proxy_cancel(struct sip_proxy *, uint64_t now, uint64_t stxn,
	    const struct sip_msg *);

/*
 * Did m come from a peer behind a NAT (RFC 6940 §4.2.1: a client)?  Its
 * top Via names an address other than the one it came from (RFC 3581
 * §4).  Nothing reaches it but the connection it came on.
 */
static bool
sip_from_nated_peer(const struct sip_msg *m, const struct sip_flow *in)
{
	const struct sip_hdr	*h = sip_msg_hdr(m, SIP_HDR_VIA, NULL);
	struct sip_via		 v;
	struct addr		 a;
	char			 ip[64];

	if (!in->peer || h == NULL || sip_msg_via_parse(&v, &h->value) != 0 ||
	    v.host.l >= sizeof ip)
		return false;
	memcpy(ip, v.host.p, v.host.l);
	ip[v.host.l] = '\0';
	return addr_parse_ip(ip, &a) == 0 && !addr_ip_eq(&a, &in->remote);
}

/* §16.6: a branch to each target, each in a client transaction. */
static void
sip_fwd_branches(struct sip_proxy *p, uint64_t now, struct sip_fwd *f,
    const struct sip_msg *m, const struct sip_targets *t)
{
	struct sip_branch	*b;
	struct sip_rr_tokens	 tok;
	struct sip_pl		 body;
	struct wbuf		 w;
	uint8_t			*edited;
	size_t			 elen = 0;
	unsigned		 i, cap;
	bool			 ok, offer;

	/* RFC 3264 §5: an INVITE's or UPDATE's body is an offer */
	offer = f->invite || sip_pl_eq(&m->method, "UPDATE");
	tok.in[0] = '\0';
	/* a call that leaves the overlay for another domain: both our
	 * Record-Routes name the overlay (draft-marocco-p2psip-interwork
	 * §3.1) and carry a token for their side's flow, so that a Route
	 * that claims the overlay but is not ours is told from one that
	 * is (sip_targets_own_routes) */
	tok.overlay = f->invite && f->servers != NULL;
	/* a direct flow's too (ICE for SIP): the dialog stays on it; and
	 * whatever flow a call to another domain came on (a proxy peer,
	 * draft-marocco-p2psip-interwork §3.1): the outside's requests in
	 * its dialog come back on it, by a token only we can have made */
	if (f->invite && ((m->nvia == 1 && !f->in.peer) ||
	    sip_from_nated_peer(m, &f->in) || f->in.tp == SIP_TP_DTLS ||
	    f->servers != NULL))
		sip_proxy_flow_token(p, &f->in, tok.in);
	for (i = 0; i < t->n && f->nb < SIP_FORK_MAX; i++) {
		if (f->nb == f->bcap) {
			/* most requests have one branch: room as needed */
			cap = f->bcap == 0 ? 1 : 2 * f->bcap;
			f->b = slab_realloc(f->b, f->bcap * sizeof *f->b,
			    cap * sizeof *f->b);
			f->bcap = cap;
			memset(&f->b[f->nb], 0, (f->bcap - f->nb) *
			    sizeof *f->b);
		}
		b = &f->b[f->nb];
		sip_new_branch(p, f, b->branch, sizeof b->branch);
		b->flow = t->flow[i];
		tok.out[0] = '\0';
		if (f->invite && (t->own_flow[i] || b->flow.tp == SIP_TP_DTLS ||
		    tok.overlay))
			sip_proxy_flow_token(p, &b->flow, tok.out);
		edited = sip_proxy_anchor(p, m, &f->in, &b->flow, offer, &elen);
		body = (struct sip_pl){ (const char *)edited, elen };
		ok = sip_forward_bytes(p, m, &t->ruri[i], &f->in, &b->flow,
		    &tok, b->branch, t->skip_route, edited ? &body : NULL, &w);
		/* §18.1.1: over 1300 bytes and the path MTU unknown: TCP,
		 * and the Via says so.  To this host (a phone, or our UA,
		 * which has no TCP, on loopback or our own address) the
		 * path MTU is known: the loopback's, 64 KiB.  A phone's own
		 * flow (RFC 5626 §5.3, or one behind a NAT) is all that
		 * reaches it: it stays UDP, whatever the size (deviation
		 * from §18.1.1, which a NAT leaves no choice about). */
		if (ok && b->flow.tp == SIP_TP_UDP && w.len > SIP_UDP_MAX &&
		    !t->own_flow[i] && !addr_is_loopback(&b->flow.remote) &&
		    !addr_ip_eq(&b->flow.remote, &p->cfg.self)) {
			wbuf_clear(&w);
			b->flow.tp = SIP_TP_TCP;
			b->flow.conn = 0;
			tok.out[0] = '\0';	/* a new flow, no phone's */
			ok = sip_forward_bytes(p, m, &t->ruri[i], &f->in,
			    &b->flow, &tok, b->branch, t->skip_route,
			    edited ? &body : NULL, &w);
		}
		free(edited);
		if (!ok) {
			wbuf_clear(&w);
			continue;
		}
		b->req = wbuf_take(&w, &b->req_len);
		if (sip_txn_layer_request_known(p->txl, now, &b->flow, b->req,
		    b->req_len, b->branch, &m->method, &m->cseq_method,
		    f->id * 16 + f->nb, &b->ctxn) != 0) {
			free(b->req);
			b->req = NULL;
			continue;
		}
		f->nb++;
	}
	if (f->nb == 0 && !f->looking) {
		sip_proxy_status(p, now, f->stxn, m, 500,
		    "Server Internal Error");
		sip_proxy_resp_report(p, f, 500);
		f->final_sent = true;
		sip_fwd_done(p, f, now);
	}
}

/* The AOR's contacts at the other peers: from the cache, or asked of
 * the overlay (sip_proxy_lookup_done). */
void
sip_proxy_req_lookup(struct sip_proxy *p, uint64_t now, struct sip_fwd *f,
    const char *aor)
{
	const char	*contacts[SIP_FORK_MAX];
	const uint8_t	*nodes[SIP_FORK_MAX];
	unsigned	 n;

	f->looking = true;
	n = sip_cache_get(p->cache, now, aor, contacts, nodes, SIP_FORK_MAX);
	if (n > 0) {
		p->cache_hits++;
		f->cached = true;
		sip_fwd_looked_up(p, now, f, contacts, nodes, n, false);
		return;
	}
	p->lookups++;
	p->cfg.lookup(aor, f->id, p->cfg.arg);
}

void
sip_proxy_request(struct sip_proxy *p, uint64_t now, uint64_t stxn,
    const struct sip_flow *from, const struct sip_msg *m)
{
	struct sip_targets	 t;
	struct sip_fwd		*f;
	const char		*reason;
	char			 aor[512];
	unsigned		 st;

	if (stxn == 0) {
		sip_proxy_stateless(p, now, from, m);
		return;
	}
	if (sip_pl_eq(&m->method, "CANCEL")) {
		sip_proxy_cancel(p, now, stxn, m);
		return;
	}
	if (sip_pl_eq(&m->method, "BYE") && p->cfg.anchor != NULL)
		sip_anchor_end(p->cfg.anchor, m);	/* its media ends */
	/* §16.3 */
	if (m->max_forwards == 0) {
		sip_proxy_status(p, now, stxn, m, 483, "Too Many Hops");
		return;
	}
	if (sip_looped(p, m)) {
		sip_proxy_status(p, now, stxn, m, 482, "Loop Detected");
		return;
	}
	if ((st = sip_targets(p, now, m, &t, &reason)) != 0) {
		sip_proxy_status(p, now, stxn, m, st, reason);
		return;
	}
	if (p->cfg.allow != NULL && !p->cfg.allow(now, stxn, from, m,
	    t.dest, p->cfg.arg))
		return;
	/* kept up to 32 s past its answer, by the thousand: in a slab */
	f = slab_calloc(1, sizeof *f);
	f->id = p->next_id++;
	f->stxn = stxn;
	sip_txn_layer_response_flow(from, m, &f->from);
	f->in = *from;
	f->invite = sip_pl_eq(&m->method, "INVITE");
	f->req = sip_msg_dup(m);
	f->offerless = m->body.l == 0;
	sip_fwd_add(p, f);
	if (f->invite)		/* §16.2: quench the caller's retransmits */
		sip_proxy_status(p, now, stxn, m, 100, "Trying");
	f->skip_route = t.skip_route;
	f->by_token = t.dest == SIP_DEST_FLOW;
	f->looking = t.lookup;
	/* the phones here ring at once; the others once the overlay
	 * answers */
	if (t.n > 0)
		sip_fwd_branches(p, now, f, m, &t);
	if (t.lookup && !f->final_sent)
		sip_proxy_req_lookup(p, now, f, sip_proxy_aor_of(p, m, aor,
		    sizeof aor));
	if (t.resolve) {
		char	*uri = xstrndup(m->ruri_str.p, m->ruri_str.l);

		f->resolving = true;
		p->cfg.resolve(uri, f->id, p->cfg.arg);
		free(uri);
	}
}

/* ---- CANCEL (§16.10) ---- */

/* §16.10: 200 to the CANCEL, then CANCEL every branch still going. */
static void
sip_proxy_cancel(struct sip_proxy *p, uint64_t now, uint64_t stxn,
    const struct sip_msg *m)
{
	struct sip_fwd	*f = NULL;
	unsigned	 i;
	uint64_t	 itxn = sip_txn_layer_find_invite(p->txl, m);

	/* the INVITE's server transaction, then what we made of it */
	f = NULL;
	if (itxn != 0)
		LIST_FOREACH(f, &p->fwds, entry)
			if (f->stxn == itxn && !f->final_sent)
				break;
	if (f == NULL) {
		sip_proxy_status(p, now, stxn, m, 481,
		    "Call/Transaction Does Not Exist");
		return;
	}
	sip_proxy_status(p, now, stxn, m, 200, "OK");
	f->looking = false;		/* no branches from the overlay now */
	f->cached = false;		/* nor asked again */
	if (f->nb == 0) {
		/* nothing sent on yet: the INVITE ends here */
		sip_proxy_status(p, now, f->stxn, f->req, 487,
		    "Request Terminated");
		sip_proxy_resp_report(p, f, 487);
		f->final_sent = true;
		sip_fwd_done(p, f, now);
		return;
	}
	for (i = 0; i < f->nb; i++) {
		if (f->b[i].done)
			continue;
		if (f->b[i].provisional)
			sip_proxy_resp_cancel_branch(p, now, f, &f->b[i]);
		else
			f->b[i].cancel = true;	/* after its first 1xx */
	}
	sip_proxy_resp_finish(p, now, f);	/* all done while we looked */
}

/* ---- the overlay's answers ---- */

/* Does one of the contacts name a connection (";ob", a client's flow to
 * us)?  Such an answer lasts as long as the connection: never cached. */
static bool
sip_contacts_flows(const char *const *contacts, unsigned n)
{
	struct sip_uri	u;
	struct sip_pl	v;
	unsigned	i;

	for (i = 0; i < n; i++)
		if (sip_uri_parse(&u, contacts[i], strlen(contacts[i])) == 0 &&
		    sip_uri_param(&u.params, "ob", &v))
			return true;
	return false;
}

/* ---- RFC 3263: the servers of another domain ---- */

/* The next of f's servers, as a branch of its own (§4.3: a new
 * transaction): true if one went. */
static bool
sip_fwd_next_server(struct sip_proxy *p, uint64_t now, struct sip_fwd *f)
{
	struct sip_targets	 t;
	unsigned		 nb;

	while (f->next_server < f->nservers && f->nb < SIP_FORK_MAX) {
		memset(&t, 0, sizeof t);
		t.skip_route = f->skip_route;
		t.flow[0].tp = f->servers[f->next_server].tp;
		t.flow[0].remote = f->servers[f->next_server].addr;
		t.flow[0].pinned = f->servers[f->next_server].pinned;
		memcpy(t.flow[0].node, f->servers[f->next_server].node,
		    SIP_NODE_LEN);
		t.ruri[0] = f->req->ruri_str;
		t.n = 1;
		t.dest = SIP_DEST_OUTSIDE;
		f->next_server++;
		nb = f->nb;
		sip_fwd_branches(p, now, f, f->req, &t);
		if (f->nb > nb)
			return true;
	}
	return false;
}

bool
sip_proxy_req_failover(struct sip_proxy *p, uint64_t now, struct sip_fwd *f)
{
	if (f->final_sent || f->next_server >= f->nservers ||
	    (f->best != NULL && f->best_status != 503))
		return false;
	return sip_fwd_next_server(p, now, f);
}

void
sip_proxy_resolve_done(struct sip_proxy *p, uint64_t now, uint64_t cookie,
    int status, const char *why, const struct sip_res_target *servers,
    unsigned n)
{
	struct sip_fwd	*f = sip_proxy_fwd_by_id(p, cookie);
	char		 reason[160];
	unsigned	 st;

	if (f == NULL || !f->resolving)
		return;
	f->resolving = false;
	if (f->final_sent)
		return;
	if (n == 0) {
		/* a DNS server that does not answer: 408, as a timeout;
		 * none found, a loop, too large an answer, no proxy peer
		 * in the overlay: 503 */
		st = status == ETIMEDOUT ? 408 : 503;
		snprintf(reason, sizeof reason, "%s (%s%s)", st == 408 ?
		    "Request Timeout" : "Service Unavailable",
		    status == EHOSTUNREACH ? "" : "DNS: ", why);
		sip_proxy_status(p, now, f->stxn, f->req, st, reason);
		sip_proxy_resp_report(p, f, st);
		f->final_sent = true;
		sip_fwd_done(p, f, now);
		return;
	}
	f->servers = xcalloc(n, sizeof *f->servers);
	memcpy(f->servers, servers, n * sizeof *f->servers);
	f->nservers = n;
	if (!sip_fwd_next_server(p, now, f))
		sip_proxy_resp_finish(p, now, f);
}

void
sip_proxy_lookup_done(struct sip_proxy *p, uint64_t now, uint64_t cookie,
    const char *const *contacts, const uint8_t *const *nodes, unsigned n,
    bool failed)
{
	struct sip_fwd	*f = sip_proxy_fwd_by_id(p, cookie);
	char		 aor[512];

	if (f == NULL || !f->looking)
		return;
	if (!failed && !sip_contacts_flows(contacts, n))
		sip_cache_put(p->cache, now, sip_proxy_aor_of(p, f->req, aor,
		    sizeof aor), contacts, nodes, n);
	sip_fwd_looked_up(p, now, f, contacts, nodes, n, failed);
}

/*
 * The AOR's contacts at the other peers, for f: a branch to each.  A
 * contact with "lr" is a peer that forwards the request as it is (a
 * client's gateway, RFC 6940 §4.2.1): the Request-URI stays, the
 * contact is only the next hop (a loose router, §16.6 step 6 in
 * effect).  One with "ob" is a client's connection to us: our
 * Record-Route on that side names it with a flow token (RFC 5626 §5.3),
 * as for a phone's.
 */
static void
sip_fwd_looked_up(struct sip_proxy *p, uint64_t now, struct sip_fwd *f,
    const char *const *contacts, const uint8_t *const *nodes, unsigned n,
    bool failed)
{
	struct sip_targets	 t;
	struct sip_uri		 u;
	struct sip_pl		 v;
	unsigned		 i;

	f->looking = false;
	if (f->final_sent)
		return;
	memset(&t, 0, sizeof t);
	t.skip_route = f->skip_route;
	/* straight to the peers' contacts; never back to ourselves */
	for (i = 0; i < n && t.n < SIP_FORK_MAX; i++) {
		if (sip_uri_parse(&u, contacts[i], strlen(contacts[i])) != 0 ||
		    sip_proxy_is_self(p, &u) ||
		    sip_proxy_uri_flow(&u, &t.flow[t.n]) != 0)
			continue;
		/* the peer that stored the registration must be the one
		 * that answers there (its certificate binds the Node-ID) */
		if (t.flow[t.n].tp == SIP_TP_TLS && nodes != NULL &&
		    nodes[i] != NULL) {
			t.flow[t.n].pinned = true;
			memcpy(t.flow[t.n].node, nodes[i], SIP_NODE_LEN);
		}
		t.own_flow[t.n] = sip_uri_param(&u.params, "ob", &v);
		if (sip_uri_param(&u.params, "lr", &v))
			t.ruri[t.n++] = f->req->ruri_str;
		else
			t.ruri[t.n++] = (struct sip_pl){ contacts[i],
			    strlen(contacts[i]) };
	}
	if (t.n == 0 && f->nb > 0)
		/* the phones here decide */
		sip_proxy_resp_finish(p, now, f);
	else if (t.n == 0) {
		sip_proxy_status(p, now, f->stxn, f->req, failed ? 480 : 404,
		    failed ? "Temporarily Unavailable" : "Not Found");
		sip_proxy_resp_report(p, f, failed ? 480 : 404);
		f->final_sent = true;
		sip_fwd_done(p, f, now);
	} else {
		f->overlay = true;
		sip_fwd_branches(p, now, f, f->req, &t);
		/* if no room for more */
		sip_proxy_resp_finish(p, now, f);
	}
}
