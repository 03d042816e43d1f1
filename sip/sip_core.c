/*
 * sip_core.c - the SIP node: framing (RFC 3261 §18.3, RFC 5626 §4.4.1
 * keepalives), bad input (§8.2: a 400 naming the fault where the request
 * can be answered, else dropped and counted), the transaction layer, and
 * the transaction user: REGISTER to the registrar (§10.3), OPTIONS
 * answered (§11.2), other methods 501 until the proxy comes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "log_ctx.h"
#include "rng.h"
#include "sip_auth.h"
#include "sip_core.h"
#include "sip_proxy.h"
#include "stun.h"
#include "wire.h"
#include "xmalloc.h"

#define SIP_ALLOW	"INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE"

struct sip_core {
	struct sip_core_cfg	 cfg;
	char			*domain;
	struct rng		*rng;
	struct log_ctx		*log;
	struct sip_txn_layer	*txl;
	struct sip_reg		*reg;
	struct sip_proxy	*proxy;
	struct sip_auth		*auth;
	struct sip_anchor	*anchor;
	struct addr		*local;		/* this host's addresses */
	struct sip_core_stats	 stats;
	struct fifo		 acts;		/* of sip_core_action */
};

static void	sip_core_send_cb(const struct sip_flow *, uint8_t *, size_t,
		    void *);
static void	sip_core_lookup_cb(const char *, uint64_t, void *);
static void	sip_core_drain(struct sip_core *, uint64_t);
static void	sip_core_call_cb(const struct sip_msg *, unsigned, void *);
static void	sip_core_anchor_cb(const struct sip_anchor_ev *, void *);
static void	sip_core_resolve_cb(const char *, uint64_t, void *);
static bool	sip_core_allow_cb(uint64_t, uint64_t, const struct sip_flow *,
		    const struct sip_msg *, enum sip_proxy_dest, void *);

struct sip_core *
sip_core_new(const struct sip_core_cfg *cfg, struct rng *rng,
    struct log_ctx *log)
{
	struct sip_core		*c = xcalloc(1, sizeof *c);
	struct sip_reg_cfg	 rc = cfg->reg;
	struct sip_proxy_cfg	 pc;

	c->cfg = *cfg;
	c->domain = xstrdup(cfg->domain);
	c->cfg.domain = c->domain;
	if (c->cfg.lim.max_len == 0)
		c->cfg.lim.max_len = SIP_MSG_MAX_DEFAULT;
	if (c->cfg.lim.max_hdrs == 0)
		c->cfg.lim.max_hdrs = SIP_HDRS_MAX_DEFAULT;
	c->rng = rng;
	c->log = log;
	fifo_init(&c->acts, sizeof(struct sip_core_action));
	c->txl = sip_txn_layer_new(&cfg->txl, log);
	c->local = xcalloc(cfg->nlocal + 1, sizeof c->local[0]);
	if (cfg->nlocal != 0)
		memcpy(c->local, cfg->local, cfg->nlocal * sizeof c->local[0]);
	c->cfg.local = c->local;
	rc.domain = c->domain;
	c->reg = sip_reg_new(&rc);
	memset(&pc, 0, sizeof pc);
	pc.domain = c->domain;
	pc.self = cfg->self;
	pc.self_tls = cfg->self_tls;
	pc.listen = cfg->listen.family != 0 ? cfg->listen : cfg->self;
	pc.listen_tls = cfg->listen_tls.family != 0 ? cfg->listen_tls :
	    cfg->self_tls;
	pc.local = c->local;
	pc.nlocal = cfg->nlocal;
	pc.max_len = c->cfg.lim.max_len;
	pc.lookup_cache_ms = cfg->lookup_cache_ms;
	pc.emit = sip_core_send_cb;
	pc.lookup = sip_core_lookup_cb;
	pc.resolve = cfg->proxy_peer || cfg->other_domains ?
	    sip_core_resolve_cb : NULL;
	pc.call = sip_core_call_cb;
	pc.allow = sip_core_allow_cb;
	c->anchor = sip_anchor_new(sip_core_anchor_cb, c, log);
	pc.anchor = c->anchor;
	pc.arg = c;
	c->proxy = sip_proxy_new(&pc, c->txl, c->reg, rng, log);
	c->auth = sip_auth_new(c->domain, rng);
	return c;
}

void
sip_core_free(struct sip_core *c)
{
	struct sip_core_action	a;

	if (c == NULL)
		return;
	while (sip_core_next_action(c, &a))
		sip_core_action_clear(&a);
	fifo_clear(&c->acts);
	sip_proxy_free(c->proxy);
	sip_anchor_free(c->anchor);
	sip_auth_free(c->auth);
	free(c->local);
	sip_txn_layer_free(c->txl);
	sip_reg_free(c->reg);
	free(c->domain);
	free(c);
}

static void
sip_core_push(struct sip_core *c, const struct sip_core_action *a)
{
	fifo_push(&c->acts, a);
}

void
sip_core_action_clear(struct sip_core_action *a)
{
	free(a->data);
	free(a->aor);
	free(a->from);
	free(a->call_id);
	free(a->anchor);
}

bool
sip_core_next_action(struct sip_core *c, struct sip_core_action *a)
{
	return fifo_pop(&c->acts, a);
}

static void
sip_core_send(struct sip_core *c, const struct sip_flow *f, uint8_t *data,
    size_t len)
{
	struct sip_core_action	a;

	memset(&a, 0, sizeof a);
	a.type = SIP_CORE_SEND;
	a.flow = *f;
	a.data = data;
	a.len = len;
	sip_core_push(c, &a);
}

static void
sip_core_send_cb(const struct sip_flow *f, uint8_t *data, size_t len,
    void *arg)
{
	sip_core_send(arg, f, data, len);
}

/* The proxy asks the driver about name (an AOR, or a URI), for cookie. */
static void
sip_core_ask(struct sip_core *c, enum sip_core_act_type type,
    const char *name, uint64_t cookie)
{
	struct sip_core_action	a;

	memset(&a, 0, sizeof a);
	a.type = type;
	a.aor = xstrdup(name);
	a.cookie = cookie;
	sip_core_push(c, &a);
}

static void
sip_core_lookup_cb(const char *aor, uint64_t cookie, void *arg)
{
	sip_core_ask(arg, SIP_CORE_LOOKUP, aor, cookie);
}

static void
sip_core_resolve_cb(const char *uri, uint64_t cookie, void *arg)
{
	sip_core_ask(arg, SIP_CORE_RESOLVE, uri, cookie);
}

static void
sip_core_anchor_cb(const struct sip_anchor_ev *ev, void *arg)
{
	struct sip_core_action	a;

	memset(&a, 0, sizeof a);
	a.type = SIP_CORE_ANCHOR;
	a.anchor = xmalloc(sizeof *a.anchor);
	*a.anchor = *ev;
	sip_core_push(arg, &a);
}

struct sip_anchor *
sip_core_anchor(struct sip_core *c)
{
	return c->anchor;
}

_Static_assert(SIP_CORE_TOKEN_LEN == SIP_FLOW_TOKEN_LEN, "token lengths");

void
sip_core_flow_token(const struct sip_core *c, const struct sip_flow *f,
    char *out)
{
	sip_proxy_flow_token(c->proxy, f, out);
}

static void
sip_core_call_cb(const struct sip_msg *m, unsigned status, void *arg)
{
	struct sip_core_action	a;

	memset(&a, 0, sizeof a);
	a.type = SIP_CORE_CALL;
	a.aor = xstrndup(m->to.uri_str.p, m->to.uri_str.l);
	a.from = xstrndup(m->from.uri_str.p, m->from.uri_str.l);
	a.call_id = xstrndup(m->call_id.p, m->call_id.l);
	a.status = status;
	sip_core_push(arg, &a);
}

void
sip_core_lookup_done(struct sip_core *c, uint64_t now, uint64_t cookie,
    const char *const *contacts, const uint8_t *const *nodes, unsigned n,
    bool failed)
{
	sip_proxy_lookup_done(c->proxy, now, cookie, contacts, nodes, n,
	    failed);
	sip_core_drain(c, now);
}

void
sip_core_resolve_done(struct sip_core *c, uint64_t now, uint64_t cookie,
    int status, const char *why, const struct sip_res_target *t, unsigned n)
{
	sip_proxy_resolve_done(c->proxy, now, cookie, status, why, t, n);
	sip_core_drain(c, now);
}

void
sip_core_set_ua(struct sip_core *c, const struct addr *ua)
{
	sip_proxy_set_ua(c->proxy, ua);
}

void
sip_core_host(struct sip_core *c, uint64_t now, const char *aor, bool on)
{
	struct sip_reg_target	rt;
	struct sip_core_action	p;

	if (sip_proxy_hosts(c->proxy, aor) == on)
		return;
	sip_proxy_host(c->proxy, aor, on);
	/* no longer: the phones registered here are published again */
	if (!on && sip_reg_lookup(c->reg, now / 1000, aor, &rt, 1) > 0) {
		memset(&p, 0, sizeof p);
		p.type = SIP_CORE_PUBLISH;
		p.aor = xstrdup(aor);
		p.up = true;
		sip_core_push(c, &p);
	}
}

bool
sip_core_hosts(const struct sip_core *c, const char *aor)
{
	return sip_proxy_hosts(c->proxy, aor);
}

/*
 * Send response p to request m, which came on flow f: in its server
 * transaction txn, or with none (txn 0: a REGISTER, answered statelessly,
 * §8.2.7: a retransmission is answered again as it comes).
 */
static void
sip_core_reply(struct sip_core *c, uint64_t now, uint64_t txn,
    const struct sip_flow *f, const struct sip_msg *m, struct wbuf *w)
{
	struct sip_flow	to;

	if (w->err)
		return;
	if (txn != 0) {
		(void)sip_txn_layer_respond(c->txl, now, txn, w->p, w->len);
		return;
	}
	sip_txn_layer_response_flow(f, m, &to);
	c->stats.responses_sent++;
	sip_core_send(c, &to, w->p, w->len);
	w->p = NULL;
}

/* Answer request m (txn, f as above) with a bare status. */
static void
sip_core_status(struct sip_core *c, uint64_t now, uint64_t txn,
    const struct sip_flow *f, const struct sip_msg *m, unsigned status,
    const char *reason, const char *hname, const char *hvalue)
{
	struct wbuf	w;
	char		tag[24];

	sip_msg_tag(c->rng, tag, sizeof tag);
	wbuf_init(&w, SIP_MSG_MAX_DEFAULT);
	sip_msg_status(&w, m, status, reason, status > 100 ? tag : NULL,
	    hname, hvalue);
	sip_core_reply(c, now, txn, f, m, &w);
	wbuf_clear(&w);
}

void
sip_core_set_users(struct sip_core *c, const char *const *names,
    const char *const *passwords, unsigned n)
{
	sip_auth_set_users(c->auth, names, passwords, n);
}

/* Is a the address of this host (loopback, or one of ours)? */
static bool
sip_core_local(const struct sip_core *c, const struct addr *a)
{
	return addr_is_among(a, c->local, c->cfg.nlocal);
}

/* The digest's uri, when not the Request-URI: a SIP URI of our domain
 * or of one of our addresses. */
static bool
sip_core_auth_uri(const char *uri, const struct sip_msg *m, void *arg)
{
	struct sip_core	*c = arg;
	struct sip_uri	 u;

	(void)m;
	return sip_uri_parse(&u, uri, strlen(uri)) == 0 && u.user.l == 0 &&
	    (sip_pl_caseeq(&u.host, c->domain) ||
	    sip_proxy_is_self(c->proxy, &u));
}

/*
 * §10.3 step 3 and §22: a REGISTER for our domain from elsewhere than
 * this host (or from anywhere, with auth_local) is authenticated as the
 * AOR's user.  true: go on; false: answered (401, 403 or 400),
 * statelessly as the REGISTER is.
 */
static bool
sip_core_authorized(struct sip_core *c, uint64_t now,
    const struct sip_flow *f, const struct sip_msg *m)
{
	char			 user[128], ch[SIP_AUTH_CHALLENGE_MAX];
	const char		*why = NULL;

	/* a phone here (unless auth_local), or another domain (the
	 * registrar's 403) */
	if ((!c->cfg.auth_local && sip_core_local(c, &f->remote)) ||
	    !m->to.uri_sip || !sip_pl_caseeq(&m->to.uri.host, c->domain))
		return true;
	if (sip_auth_users(c->auth) == 0) {
		c->stats.auth_refused++;
		sip_core_status(c, now, 0, f, m, 403, "Forbidden (phones "
		    "elsewhere than this host need a user in [users])", NULL,
		    NULL);
		return false;
	}
	snprintf(user, sizeof user, "%.*s", (int)m->to.uri.user.l,
	    m->to.uri.user.p);
	switch (sip_auth_check(c->auth, now / 1000, m, false, user,
	    sip_core_auth_uri, c, ch, &why)) {
	case SIP_AUTH_OK:
		return true;
	case SIP_AUTH_CHALLENGE:
		c->stats.auth_challenged++;
		sip_core_status(c, now, 0, f, m, 401, "Unauthorized",
		    "WWW-Authenticate", ch);
		return false;
	case SIP_AUTH_FORBIDDEN:
		c->stats.auth_refused++;
		sip_core_status(c, now, 0, f, m, 403, why, NULL, NULL);
		return false;
	case SIP_AUTH_BAD:
		break;
	}
	c->stats.bad_answered++;
	sip_core_status(c, now, 0, f, m, 400, why, NULL, NULL);
	return false;
}

/*
 * A REGISTER for another domain's registrar (a public registration,
 * draft-marocco-p2psip-interwork §4.2), which the proxy forwards like any
 * request for another domain (to its servers, or to a proxy peer),
 * rather than take it.
 */
static bool
sip_core_register_elsewhere(const struct sip_core *c, const struct sip_msg *m)
{
	return (c->cfg.proxy_peer || c->cfg.other_domains) && m->ruri_sip &&
	    m->ruri.host.l > 0 &&
	    !sip_pl_caseeq(&m->ruri.host, c->domain) &&
	    !sip_proxy_is_self(c->proxy, &m->ruri);
}

/* A REGISTER, answered statelessly (§8.2.7; see sip_core_input). */
static void
sip_core_register(struct sip_core *c, uint64_t now,
    const struct sip_flow *f, const struct sip_msg *m)
{
	struct wbuf	w;
	char		tag[24];

	c->stats.registers++;
	if (!sip_core_authorized(c, now, f, m))
		return;
	sip_msg_tag(c->rng, tag, sizeof tag);
	wbuf_init(&w, c->cfg.lim.max_len);
	(void)sip_reg_register(c->reg, now / 1000, f, m, tag, &w);
	sip_core_reply(c, now, 0, f, m, &w);
	wbuf_clear(&w);
}

/* Does flow f come from another daemon of the overlay? */
static bool
sip_core_from_peer(const struct sip_core *c, const struct sip_flow *f)
{
	return f->peer || (c->cfg.peer_host != NULL &&
	    c->cfg.peer_host(&f->remote, c->cfg.arg));
}

/*
 * The proxy's allow callback: may request m from f go to dest (§26.1.1,
 * §26.3.2.4: not an open relay)?  A request for a user of the overlay,
 * yes, from anyone;
 * from this host (unless auth_local), yes; to a phone registered here
 * (inside its dialogs), from another daemon of the overlay; else only
 * for a user of [users] who proves it with Digest (§22.3: 407), as the
 * From's user of our domain.  true: go on; false: answered (403, 407,
 * 400) or, an ACK (§22.1: never challenged), dropped.  (CANCEL never
 * comes here: the proxy takes one only for an INVITE it took, §16.10.)
 */
static bool
sip_core_allow_cb(uint64_t now, uint64_t txn, const struct sip_flow *f,
    const struct sip_msg *m, enum sip_proxy_dest dest, void *arg)
{
	struct sip_core		*c = arg;
	char			 user[128], ch[SIP_AUTH_CHALLENGE_MAX], a[64];
	const char		*why = "Forbidden (relaying denied)";

	if (!c->cfg.auth_local && sip_core_local(c, &f->remote))
		return true;
	if (dest == SIP_DEST_OVERLAY || dest == SIP_DEST_FLOW ||
	    (dest == SIP_DEST_PHONE && sip_core_from_peer(c, f)))
		return true;
	/* a proxy peer takes the overlay's peers' requests for the
	 * outside (draft-marocco-p2psip-interwork §3.1) */
	if (dest == SIP_DEST_OUTSIDE && c->cfg.proxy_peer &&
	    sip_core_from_peer(c, f))
		return true;
	if (txn != 0 && m->from.uri_sip && m->from.uri.user.l > 0 &&
	    m->from.uri.user.l < sizeof user &&
	    sip_pl_caseeq(&m->from.uri.host, c->domain)) {
		snprintf(user, sizeof user, "%.*s", (int)m->from.uri.user.l,
		    m->from.uri.user.p);
		if (sip_auth_has_user(c->auth, user)) {
			switch (sip_auth_check(c->auth, now / 1000, m, true,
			    user, sip_core_auth_uri, c, ch, &why)) {
			case SIP_AUTH_OK:
				return true;
			case SIP_AUTH_CHALLENGE:
				c->stats.relay_challenged++;
				sip_core_status(c, now, txn, f, m, 407,
				    "Proxy Authentication Required",
				    "Proxy-Authenticate", ch);
				return false;
			case SIP_AUTH_BAD:
				c->stats.bad_answered++;
				sip_core_status(c, now, txn, f, m, 400, why,
				    NULL, NULL);
				return false;
			case SIP_AUTH_FORBIDDEN:
				break;
			}
		}
	}
	c->stats.relay_refused++;
	lc_log(c->log, LC_DEBUG, "sip: %.*s from %s to elsewhere: refused",
	    (int)m->method.l, m->method.p, addr_str(&f->remote, a));
	if (txn != 0)
		sip_core_status(c, now, txn, f, m, 403, why, NULL, NULL);
	return false;
}

/* The transaction user: a new request in server transaction txn. */
static void
sip_core_request(struct sip_core *c, uint64_t now, uint64_t txn,
    const struct sip_flow *f, const struct sip_msg *m)
{
	bool	for_us = m->ruri_sip && m->ruri.user.l == 0 &&
		    sip_msg_hdr(m, SIP_HDR_ROUTE, NULL) == NULL;

	c->stats.requests++;
	/* REGISTER (stateless, in sip_core_input), and OPTIONS for the
	 * domain itself, are ours (§10.3, §11); the rest is proxied (§16) */
	if (txn != 0 && for_us && sip_pl_eq(&m->method, "OPTIONS"))
		sip_core_status(c, now, txn, f, m, 200, "OK", "Allow",
		    SIP_ALLOW);
	else
		sip_proxy_request(c->proxy, now, txn, f, m);
}

/* Run the transaction layer's actions and the registrar's changes. */
static void
sip_core_drain(struct sip_core *c, uint64_t now)
{
	struct sip_action	 a;
	struct sip_core_action	 p;
	const char		*aor;
	bool			 up;

	while (sip_txn_layer_next_action(c->txl, &a)) {
		switch (a.type) {
		case SIP_ACT_SEND:
			if (a.len >= 7 && memcmp(a.data, "SIP/2.0", 7) == 0)
				c->stats.responses_sent++;
			sip_core_send(c, &a.flow, a.data, a.len);
			a.data = NULL;
			break;
		case SIP_ACT_REQUEST:
			sip_core_request(c, now, a.txn, &a.flow, a.msg);
			break;
		case SIP_ACT_RESPONSE:
			sip_proxy_response(c->proxy, now, a.cookie, a.txn,
			    a.msg);
			break;
		case SIP_ACT_TIMEOUT:
			sip_proxy_timeout(c->proxy, now, a.cookie, false);
			break;
		case SIP_ACT_TRANSPORT_ERROR:
			sip_proxy_timeout(c->proxy, now, a.cookie, true);
			break;
		}
		free(a.data);
		sip_msg_free(a.msg);
	}
	while (sip_reg_next_change(c->reg, &aor, &up)) {
		/* its destination list routes here already, phones or not
		 * (RFC 7904 §3): nothing to publish or withdraw */
		if (sip_proxy_hosts(c->proxy, aor)) {
			lc_log(c->log, LC_DEBUG, "sip: %s: %s; published by "
			    "destination list", aor, up ? "registered" :
			    "no phone left");
			continue;
		}
		memset(&p, 0, sizeof p);
		p.type = SIP_CORE_PUBLISH;
		p.aor = xstrdup(aor);
		p.up = up;
		sip_core_push(c, &p);
	}
}

/* A message the parser refused: 400 (or 505) if it can be answered
 * (§8.2). */
static void
sip_core_bad(struct sip_core *c, const struct sip_flow *f,
    const uint8_t *buf, size_t len, unsigned status, const char *why)
{
	struct wbuf	w;

	wbuf_init(&w, c->cfg.lim.max_len);
	if (why != NULL && sip_msg_bad_reply(buf, len, status, why, &w) == 0 &&
	    !w.err) {
		c->stats.bad_answered++;
		c->stats.responses_sent++;
		sip_core_send(c, f, w.p, w.len);
		w.p = NULL;
	} else
		c->stats.bad_dropped++;
	lc_log(c->log, LC_DEBUG, "sip: %s: bad message (%s)",
	    sip_txn_tp_name(f->tp), why != NULL ? why : "not SIP");
	wbuf_clear(&w);
}

/* A STUN message on the SIP UDP port: a Binding request is answered
 * with the address it came from (RFC 8489 §6.3, RFC 5626 §8); the rest
 * is dropped. */
static void
sip_core_stun(struct sip_core *c, const struct sip_flow *f,
    const uint8_t *buf, size_t len)
{
	struct wbuf	w;

	wbuf_init(&w, 512);
	if (stun_binding_answer(buf, len, &f->remote, "p2psipd", &w) == 0 &&
	    !w.err) {
		c->stats.keepalives++;
		sip_core_send(c, f, w.p, w.len);
		w.p = NULL;
	}
	wbuf_clear(&w);
}

/*
 * A datagram of nothing but CRs and LFs: the NAT keepalive some phones
 * send on UDP (Linphone's belle-sip sends a double CRLF every 30 s).
 * RFC 5626 §4.4.1 allows the CRLF ping on connection-oriented transports
 * only, and a UA not registered with outbound expects no pong (§4.4);
 * deviation: tolerated and counted as a keepalive, not answered, rather
 * than dropped as not SIP (as CRLFs outside a message are ignored on
 * streams, RFC 3261 §7.5).
 */
static bool
sip_core_crlfs(const uint8_t *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (buf[i] != '\r' && buf[i] != '\n')
			return false;
	return len > 0;
}

static int
sip_core_close(struct sip_core *c, const struct sip_flow *f, int rc)
{
	struct sip_core_action	a;

	memset(&a, 0, sizeof a);
	a.type = SIP_CORE_CLOSE;
	a.flow = *f;
	sip_core_push(c, &a);
	return rc;
}

int
sip_core_input(struct sip_core *c, uint64_t now, const struct sip_flow *f,
    const uint8_t *buf, size_t len, bool stream, size_t *used)
{
	struct sip_msg	*m;
	const char	*why;
	int		 rc;

	*used = 0;
	/* RFC 5626 §4.4.2, §5.4: on UDP a phone registered with outbound
	 * keeps its flow alive with STUN Binding requests to this port
	 * (RFC 7983's demultiplexing: SIP starts with a letter) */
	if (!stream && stun_is_message(buf, len)) {
		sip_core_stun(c, f, buf, len);
		*used = len;
		return 0;
	}
	if (!stream && sip_core_crlfs(buf, len)) {
		c->stats.keepalives++;
		*used = len;
		return 0;
	}
	/* RFC 5626 §4.4.1: a double-CRLF ping gets a CRLF pong */
	if (stream && len >= 4 && memcmp(buf, "\r\n\r\n", 4) == 0) {
		c->stats.keepalives++;
		sip_core_send(c, f, (uint8_t *)xstrdup("\r\n"), 2);
		*used = 4;
		return 0;
	}
	m = sip_msg_new();
	rc = sip_msg_parse(m, buf, len, stream, &c->cfg.lim, used, &why);
	if (rc == 0) {
		if (m->request)
			sip_msg_received(m, &f->remote);
		if (m->request && sip_pl_eq(&m->method, "REGISTER") &&
		    !sip_core_register_elsewhere(c, m)) {
			/*
			 * The registrar is a stateless UAS (§8.2.7): no
			 * transaction to keep for Timer J's 32 s, so a
			 * phone's REGISTER costs nothing once answered.
			 * A retransmission is applied again (sip_reg.c).
			 */
			c->stats.requests++;
			sip_core_register(c, now, f, m);
			sip_msg_free(m);
		} else
			sip_txn_layer_input(c->txl, now, f, m);
		sip_core_drain(c, now);
		return 0;
	}
	sip_msg_free(m);
	if (rc == ENODATA)
		return ENODATA;
	if (rc == EBADMSG || rc == EPROTONOSUPPORT)
		sip_core_bad(c, f, buf, len, rc == EBADMSG ? 400 : 505, why);
	else
		c->stats.bad_dropped++;		/* EMSGSIZE */
	if (!stream) {
		*used = len;
		return 0;
	}
	/* a stream whose framing is lost cannot be read on */
	return sip_core_close(c, f, rc);
}

void
sip_core_transport_error(struct sip_core *c, uint64_t now,
    const struct sip_flow *f)
{
	sip_txn_layer_transport_error(c->txl, now, f);
	sip_core_drain(c, now);
}

void
sip_core_tick(struct sip_core *c, uint64_t now)
{
	sip_txn_layer_tick(c->txl, now);
	sip_reg_expire(c->reg, now / 1000);
	sip_proxy_tick(c->proxy, now);
	sip_core_drain(c, now);
}

uint64_t
sip_core_deadline(const struct sip_core *c)
{
	uint64_t	t = sip_txn_layer_deadline(c->txl);
	uint64_t	r = sip_reg_deadline(c->reg);
	uint64_t	f = sip_proxy_deadline(c->proxy);

	if (r != UINT64_MAX && r * 1000 < t)
		t = r * 1000;
	return f < t ? f : t;
}

const struct sip_core_stats *
sip_core_stats(const struct sip_core *c)
{
	return &c->stats;
}

void
sip_core_lookup_stats(const struct sip_core *c, struct sip_proxy_stats *st)
{
	sip_proxy_stats(c->proxy, st);
}

const struct sip_reg *
sip_core_reg(const struct sip_core *c)
{
	return c->reg;
}

unsigned
sip_core_transactions(const struct sip_core *c)
{
	return sip_txn_layer_count(c->txl);
}

unsigned
sip_core_forwards(const struct sip_core *c)
{
	return sip_proxy_pending(c->proxy);
}
