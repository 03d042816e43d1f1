/*
 * srv_sip.c - the libevent driver of the SIP core (sip_core.h): a UDP
 * socket and a TCP listener on [sip] listen, a TLS listener on [sip]
 * tls_listen, the connections phones and peers open and those we open
 * (responses go back on them, §18.2.2), one timer at the core's
 * deadline.  It feeds the core bytes and carries out its actions; an AOR
 * the registrar publishes or withdraws goes to the location service.
 * No protocol logic here.
 *
 * TLS uses the node's certificate both ways.  A connection we open must
 * meet a certificate that binds a Node-ID (RFC 6940 §11.3) and, for a
 * flow the core pinned, that Node-ID; phones need no certificate.
 *
 * A lookup's bindings that are destination lists (RFC 7904 §3) become
 * contacts by AppAttach (RFC 6940 §6.5.2, RFC 7904 §5): the overlay asks
 * the list's last node where it takes SIP over TLS, and the contact
 * sip:USER@there;transport=tls is pinned to that node.  With TLS on, the
 * overlay answers AppAttach for SIP with our TLS address.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cfg.h"
#include "ctl.h"
#include "d.h"
#include "hex.h"
#include "identity.h"
#include "loc.h"
#include "srv_loc.h"
#include "log.h"
#include "log_ctx.h"
#include "ov_body.h"
#include "ov_node.h"
#include "rng.h"
#include "sip_core.h"
#include "srv_overlay.h"
#include "srv_sip.h"
#include "srv_util.h"
#include "xmalloc.h"

#define SS_UDP_BATCH	64		/* datagrams per readiness */
#define SS_CONN_MAX	1024

struct ss_conn {
	uint32_t		 id;
	enum sip_tp		 tp;		/* TCP or TLS */
	struct bufferevent	*bev;
	struct addr		 remote;
	bool			 outgoing;	/* we connected */
	bool			 has_node;	/* node: the peer's, verified */
	bool			 checked;	/* an accepted TLS one's
						   certificate looked at */
	uint8_t			 node[SIP_NODE_LEN];
	bool			 pinned;	/* must be node (outgoing) */
	struct srv_sip		*ss;
	struct ss_conn		*next;
};

/* A lookup for the proxy, out in the location service. */
struct ss_lookup {
	struct srv_sip		*ss;
	uint64_t		 cookie;	/* the proxy's */
};

struct srv_sip {
	struct d		*d;
	struct event_base	*base;
	struct sip_core		*core;
	struct rng		 rng;
	struct log_ctx		 lc;
	struct addr		 listen;
	int			 udp;
	struct event		*ev_udp;
	struct evconnlistener	*tcp;
	struct addr		 tls_listen;	/* family 0: none */
	struct addr		 pub;		/* listen, as peers reach it */
	struct addr		 tls_pub;	/* tls_listen, likewise */
	struct evconnlistener	*tls;
	SSL_CTX			*ctx;
	struct event		*timer;
	uint64_t		 timer_at;
	struct ss_conn		*conns;
	unsigned		 nconns;
	uint32_t		 next_conn;
	int			 stream_timeout;
	size_t			 max_len;
};

static void	ss_drain(struct srv_sip *);
static void	ss_event_cb(struct bufferevent *, short, void *);

static struct ss_conn *
ss_conn(struct srv_sip *ss, uint32_t id)
{
	struct ss_conn	*c;

	for (c = ss->conns; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static void
ss_conn_free(struct srv_sip *ss, struct ss_conn *c)
{
	struct ss_conn	**pp = &ss->conns;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	bufferevent_free(c->bev);
	ss->nconns--;
	free(c);
}

/* Close c; what the core meant to send on it fails (the caller
 * drains). */
static void
ss_conn_close(struct srv_sip *ss, struct ss_conn *c)
{
	struct sip_flow	f;

	memset(&f, 0, sizeof f);
	f.tp = c->tp;
	f.remote = c->remote;
	f.conn = c->id;
	f.pinned = c->pinned;
	memcpy(f.node, c->node, SIP_NODE_LEN);
	ss_conn_free(ss, c);
	sip_core_transport_error(ss->core, d_now_ms(), &f);
}

/* ---- input ---- */

static void
ss_udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct srv_sip		*ss = arg;
	struct sip_flow		 f;
	uint8_t			 buf[65536];
	ssize_t			 n;
	size_t			 used;
	int			 i;

	(void)what;
	for (i = 0; i < SS_UDP_BATCH; i++) {
		memset(&f, 0, sizeof f);
		f.tp = SIP_TP_UDP;
		if ((n = srv_recv_from(fd, buf, sizeof buf, &f.remote)) <= 0)
			break;
		(void)sip_core_input(ss->core, d_now_ms(), &f, buf,
		    (size_t)n, false, &used);
	}
	ss_drain(ss);
}

/* The connection's bytes, message by message. */
static void
ss_conn_input(struct srv_sip *ss, struct ss_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct sip_flow	 f;
	struct ov_id	 peer;
	const char	*why;
	size_t		 len, used;
	uint8_t		*p;
	int		 rc;

	/* a daemon of the overlay shows its node certificate; a phone
	 * may show none */
	if (c->tp == SIP_TP_TLS && !c->outgoing && !c->checked) {
		c->checked = true;
		c->has_node = srv_tls_peer_id(c->bev, ss->d->ident, &peer,
		    &why) == 0;
		if (c->has_node)
			memcpy(c->node, peer.b, SIP_NODE_LEN);
	}
	memset(&f, 0, sizeof f);
	f.tp = c->tp;
	f.remote = c->remote;
	f.conn = c->id;
	f.peer = c->has_node;
	memcpy(f.node, c->node, SIP_NODE_LEN);
	while ((len = evbuffer_get_length(in)) > 0) {
		if (len > ss->max_len + 4)
			len = ss->max_len + 4;
		p = evbuffer_pullup(in, (ssize_t)len);
		rc = sip_core_input(ss->core, d_now_ms(), &f, p, len, true,
		    &used);
		evbuffer_drain(in, used);
		if (rc != 0)
			break;		/* more bytes, or a CLOSE queued */
	}
	/* a message begun must end within stream_timeout; idle is fine */
	bufferevent_set_timeouts(c->bev, evbuffer_get_length(in) != 0 ?
	    &(struct timeval){ ss->stream_timeout, 0 } : NULL, NULL);
}

/* ---- connections ---- */

static void
ss_flushed_cb(struct bufferevent *bev, void *arg)
{
	struct ss_conn	*c = arg;
	struct srv_sip	*ss = c->ss;

	(void)bev;
	ss_conn_close(ss, c);
	ss_drain(ss);
}

/* Close c once what is queued for it (a 400, say) has gone out. */
static void
ss_conn_finish(struct srv_sip *ss, struct ss_conn *c)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		ss_conn_close(ss, c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, ss_flushed_cb, ss_event_cb, c);
}

static void
ss_read_cb(struct bufferevent *bev, void *arg)
{
	struct ss_conn	*c = arg;
	struct srv_sip	*ss = c->ss;

	(void)bev;
	ss_conn_input(ss, c);
	ss_drain(ss);		/* may close c */
}

/* A TLS connection we opened is up: the certificate must bind a Node-ID,
 * and the one pinned if it is.  false: refused (logged). */
static bool
ss_tls_check(struct srv_sip *ss, struct ss_conn *c)
{
	struct ov_id	 peer;
	const char	*why;
	char		 a[ADDR_STRLEN], got[OV_ID_HEXLEN];
	char		 want[2 * SIP_NODE_LEN + 1];

	if (srv_tls_peer_id(c->bev, ss->d->ident, &peer, &why) != 0) {
		log_warnx("sip: tls to %s: %s: refused",
		    addr_str(&c->remote, a), why);
		return false;
	}
	if (c->pinned && memcmp(peer.b, c->node, SIP_NODE_LEN) != 0) {
		hex_encode(c->node, SIP_NODE_LEN, want);
		log_warnx("sip: tls to %s: node %s answered, not %s, which "
		    "registered the contact: refused", addr_str(&c->remote, a),
		    ov_id_hex(&peer, got), want);
		return false;
	}
	memcpy(c->node, peer.b, SIP_NODE_LEN);
	c->has_node = true;
	log_debug("sip: tls %u to %s: node %s", c->id,
	    addr_str(&c->remote, a), ov_id_hex(&peer, got));
	return true;
}

static void
ss_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ss_conn	*c = arg;
	struct srv_sip	*ss = c->ss;
	unsigned long	 e;
	char		 a[ADDR_STRLEN];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (c->tp == SIP_TP_TLS && c->outgoing &&
		    !ss_tls_check(ss, c)) {
			ss_conn_close(ss, c);
			ss_drain(ss);
		}
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("sip: %s %u: too slow: closed", sip_tp_name(c->tp),
		    c->id);
	else if (c->tp == SIP_TP_TLS && (what & BEV_EVENT_ERROR) &&
	    (e = bufferevent_get_openssl_error(c->bev)) != 0)
		log_info("sip: tls %s %s: %s", c->outgoing ? "to" : "from",
		    addr_str(&c->remote, a), ERR_reason_error_string(e));
	ss_conn_close(ss, c);
	ss_drain(ss);
}

/* Messages go out whole, at once: Nagle's wait for the ACK of the last
 * segment (delayed up to 40 ms) would hold every request that follows
 * a response, and a TLS record per write makes that frequent. */
static void
ss_nodelay(int fd)
{
	int	on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* A connection on fd (-1: one to connect), to or from remote, over tp. */
static struct ss_conn *
ss_conn_new(struct srv_sip *ss, evutil_socket_t fd, enum sip_tp tp,
    const struct addr *remote)
{
	struct ss_conn	*c = xcalloc(1, sizeof *c);
	SSL		*ssl;

	c->ss = ss;
	if (++ss->next_conn == 0)
		++ss->next_conn;
	c->id = ss->next_conn;
	c->tp = tp;
	c->remote = *remote;
	c->outgoing = fd == -1;
	if (tp == SIP_TP_TLS) {
		if ((ssl = SSL_new(ss->ctx)) == NULL)
			fatalx("sip: SSL_new failed");
		c->bev = bufferevent_openssl_socket_new(ss->base, fd, ssl,
		    fd == -1 ? BUFFEREVENT_SSL_CONNECTING :
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	} else
		c->bev = bufferevent_socket_new(ss->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("sip: cannot make a bufferevent");
	if (fd != -1)
		ss_nodelay(fd);
	bufferevent_setcb(c->bev, ss_read_cb, NULL, ss_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = ss->conns;
	ss->conns = c;
	ss->nconns++;
	return c;
}

static void
ss_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct srv_sip	*ss = arg;
	struct addr	 remote;
	enum sip_tp	 tp = l == ss->tls ? SIP_TP_TLS : SIP_TP_TCP;

	(void)salen;
	if (ss->nconns >= SS_CONN_MAX) {
		log_warnx("sip: too many connections: a %s one refused",
		    sip_tp_name(tp));
		close(fd);
		return;
	}
	srv_addr_from(sa, &remote);
	(void)ss_conn_new(ss, fd, tp, &remote);
}

/* May c carry a message for flow f (not naming its connection)? */
static bool
ss_conn_fits(const struct ss_conn *c, const struct sip_flow *f)
{
	if (c->tp != f->tp || !addr_eq(&c->remote, &f->remote))
		return false;
	if (!f->pinned)
		return true;
	/* a pinned flow: a connection checked for that node, or one we
	 * are opening to check for it */
	return (c->has_node || c->pinned) &&
	    memcmp(c->node, f->node, SIP_NODE_LEN) == 0;
}

/*
 * The connection for a flow: its own, else one to the same address
 * (§18: reuse), else a new one.
 */
static struct ss_conn *
ss_conn_for(struct srv_sip *ss, const struct sip_flow *f)
{
	struct sockaddr_storage	 to;
	struct ss_conn		*c;
	socklen_t		 tl;

	if (f->conn != 0 && (c = ss_conn(ss, f->conn)) != NULL)
		return c;
	for (c = ss->conns; c != NULL; c = c->next)
		if (ss_conn_fits(c, f))
			return c;
	if (ss->nconns >= SS_CONN_MAX)
		return NULL;
	c = ss_conn_new(ss, -1, f->tp, &f->remote);
	if (f->pinned) {
		c->pinned = true;
		memcpy(c->node, f->node, SIP_NODE_LEN);
	}
	tl = srv_addr_to(&f->remote, &to);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&to,
	    (int)tl) != 0) {
		ss_conn_close(ss, c);
		return NULL;
	}
	ss_nodelay(bufferevent_getfd(c->bev));
	return c;
}

/* ---- output ---- */

static void
ss_send(struct srv_sip *ss, const struct sip_core_action *a)
{
	struct ss_conn		*c;

	if (a->flow.tp == SIP_TP_UDP) {
		if (srv_send_to(ss->udp, a->data, a->len, &a->flow.remote) ==
		    -1)
			log_debug("sip: udp send: %s", strerror(errno));
		return;
	}
	/* §18.2.2: on the connection the request came on, if it is
	 * still there; else on one to the same address */
	if ((c = ss_conn_for(ss, &a->flow)) == NULL) {
		log_debug("sip: %s: no connection, a message dropped",
		    sip_tp_name(a->flow.tp));
		return;
	}
	bufferevent_write(c->bev, a->data, a->len);
}

/* An event on the control socket's stream (fields: a new reference). */
static void
ss_event(struct srv_sip *ss, const char *name, json_t *fields)
{
	if (ss->d->ctl != NULL && fields != NULL)
		ctl_event(ss->d->ctl, name, fields);
	json_decref(fields);
}

/*
 * The registrar's AOR got its first binding, or lost its last.  The
 * registration is sip:USER@our SIP address (RFC 7904 §3: a URI), so a
 * peer's proxy sends calls for it straight here.
 */
static void
ss_publish(struct srv_sip *ss, const char *aor, bool up)
{
	char	*err = NULL, *contact, a[ADDR_STRLEN];
	int	 rc;

	/* TLS when we offer it (RFC 3261 §26.3.1); the transport parameter,
	 * not sips:, since the hop from the peer to the phone need not be
	 * TLS (§26.2.2) */
	if (ss->tls_pub.family != 0)
		contact = xasprintf("sip:%.*s@%s;transport=tls",
		    (int)strcspn(aor, "@"), aor, addr_str(&ss->tls_pub, a));
	else
		contact = xasprintf("sip:%.*s@%s", (int)strcspn(aor, "@"),
		    aor, addr_str(&ss->pub, a));
	ss_event(ss, "sip-registration", json_pack("{s:s, s:s}", "aor", aor,
	    "state", up ? "registered" : "unregistered"));
	rc = up ? srv_loc_register(ss->d->loc, aor, contact, 0, NULL, NULL,
	    &err) : srv_loc_unregister(ss->d->loc, aor, NULL, NULL, &err);
	free(contact);
	if (rc != 0) {
		log_warnx("sip: %s %s in the overlay: %s", up ? "publishing" :
		    "withdrawing", aor, err != NULL ? err : "failed");
		free(err);
	} else
		log_info("sip: %s: %s", aor, up ? "registered here, "
		    "publishing in the overlay" : "no phone left, withdrawn");
}

/* What the location service resolved for the proxy: the contacts of the
 * AOR's bindings (not all of them when incomplete: not to be kept, and
 * 480 if none). */
static void
ss_resolved(const struct loc_result *r, void *arg)
{
	struct ss_lookup	*lk = arg;
	struct srv_sip		*ss = lk->ss;
	const char		*contacts[LOC_BINDINGS_MAX];
	const uint8_t		*nodes[LOC_BINDINGS_MAX];
	unsigned		 i, n = 0;

	if (r != NULL) {
		for (i = 0; i < r->ncontacts; i++) {
			contacts[n] = r->contacts[i].uri;
			nodes[n++] = r->contacts[i].has_node ?
			    r->contacts[i].node.b : NULL;
		}
		/* "no registration" is an answer; anything else is not
		 * knowing */
		sip_core_lookup_done(ss->core, d_now_ms(), lk->cookie,
		    contacts, nodes, n, r->error == LOC_E_OVERLAY ||
		    r->incomplete);
	}
	free(lk);
	if (r != NULL)
		ss_drain(ss);
}

static void
ss_lookup(struct srv_sip *ss, const char *aor, uint64_t cookie)
{
	struct ss_lookup	*lk = xcalloc(1, sizeof *lk);
	char			*err = NULL;

	lk->ss = ss;
	lk->cookie = cookie;
	if (ss->d->loc == NULL ||
	    srv_loc_resolve(ss->d->loc, aor, ss_resolved, lk, &err) != 0) {
		log_debug("sip: lookup %s: %s", aor, err ? err : "no overlay");
		free(err);
		free(lk);
		sip_core_lookup_done(ss->core, d_now_ms(), cookie, NULL, NULL,
		    0, true);
	}
}

static void
ss_timer(evutil_socket_t fd, short what, void *arg)
{
	struct srv_sip	*ss = arg;

	(void)fd;
	(void)what;
	ss->timer_at = UINT64_MAX;
	sip_core_tick(ss->core, d_now_ms());
	ss_drain(ss);
}

static void
ss_drain(struct srv_sip *ss)
{
	struct sip_core_action	 a;
	struct ss_conn		*c;

	while (sip_core_next_action(ss->core, &a)) {
		switch (a.type) {
		case SIP_CORE_SEND:
			ss_send(ss, &a);
			break;
		case SIP_CORE_PUBLISH:
			if (ss->d->loc != NULL)
				ss_publish(ss, a.aor, a.up);
			break;
		case SIP_CORE_CLOSE:
			if ((c = ss_conn(ss, a.flow.conn)) != NULL)
				ss_conn_finish(ss, c);
			break;
		case SIP_CORE_LOOKUP:
			ss_lookup(ss, a.aor, a.cookie);
			break;
		case SIP_CORE_CALL:
			ss_event(ss, "sip-call", json_pack("{s:s, s:s, s:s, "
			    "s:i}", "from", a.from, "to", a.aor, "call_id",
			    a.call_id, "status", (int)a.status));
			break;
		}
		sip_core_action_clear(&a);
	}
	srv_timer_arm(ss->timer, &ss->timer_at, sip_core_deadline(ss->core),
	    d_now_ms());
}

/* ---- set-up ---- */

/* This host's addresses (for the registrar: phones here need no
 * password), *n of them; the caller frees. */
static struct addr *
ss_local_addrs(unsigned *n)
{
	struct ifaddrs	*ifs, *i;
	struct addr	*v = NULL;

	*n = 0;
	if (getifaddrs(&ifs) == -1) {
		log_warn("sip: getifaddrs");
		return NULL;
	}
	for (i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET &&
		    i->ifa_addr->sa_family != AF_INET6))
			continue;
		v = xreallocarray(v, *n + 1, sizeof v[0]);
		srv_addr_from(i->ifa_addr, &v[(*n)++]);
	}
	freeifaddrs(ifs);
	return v;
}

/*
 * The address peers and phones elsewhere reach listen at, for contacts,
 * Via and Record-Route: [sip] advertise; else listen itself, unless it
 * is a wildcard; else the overlay's address, if it listens on one; else
 * the first address of an interface that is not loopback.  The port is
 * listen's.
 */
static void
ss_public(const struct cfg *cfg, const struct addr *listen,
    const struct addr *local, unsigned nlocal, struct addr *pub)
{
	unsigned	i;

	*pub = *listen;
	if (listen->family == 0)
		return;
	if (cfg->sip.advertise.family != 0)
		*pub = cfg->sip.advertise;
	else if (!addr_is_any(listen))
		return;
	else if (!addr_is_any(&cfg->overlay.listen))
		*pub = cfg->overlay.listen;
	else {
		for (i = 0; i < nlocal; i++)
			if (!addr_is_loopback(&local[i]) &&
			    !(local[i].family == 6 && local[i].ip[0] == 0xfe &&
			    (local[i].ip[1] & 0xc0) == 0x80)) {	/* link-local */
				*pub = local[i];
				break;
			}
		if (i == nlocal)	/* loopback only */
			addr_parse_ip(listen->family == 4 ? "127.0.0.1" :
			    "::1", pub);
	}
	pub->port = listen->port;
}

void
srv_sip_set_users(struct srv_sip *ss, const struct cfg *cfg)
{
	const char	**names, **pw;
	size_t		  i;

	names = xcalloc(cfg->nusers + 1, sizeof names[0]);
	pw = xcalloc(cfg->nusers + 1, sizeof pw[0]);
	for (i = 0; i < cfg->nusers; i++) {
		names[i] = cfg->users[i].name;
		pw[i] = cfg->users[i].password;
	}
	sip_core_set_users(ss->core, names, pw, (unsigned)cfg->nusers);
	free(names);
	free(pw);
}

static int
ss_sockets(struct srv_sip *ss, char **cause)
{
	struct sockaddr_storage	sa;
	socklen_t		len;
	char			a[ADDR_STRLEN];
	int			on = 1, tries;
	bool			any = ss->listen.port == 0;

	/* port 0: a free UDP port, which TCP takes too if it can */
	for (tries = 0; ; tries++) {
		len = srv_addr_to(&ss->listen, &sa);
		ss->udp = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (ss->udp == -1 || setsockopt(ss->udp, SOL_SOCKET,
		    SO_REUSEADDR, &on, sizeof on) == -1 ||
		    bind(ss->udp, (struct sockaddr *)&sa, len) == -1) {
			*cause = xasprintf("sip: udp %s: %s",
			    addr_str(&ss->listen, a), strerror(errno));
			return EADDRINUSE;
		}
		if (any)
			srv_local_addr(ss->udp, &ss->listen);
		len = srv_addr_to(&ss->listen, &sa);
		ss->tcp = evconnlistener_new_bind(ss->base, ss_accept, ss,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
		    LEV_OPT_CLOSE_ON_EXEC, 128, (struct sockaddr *)&sa,
		    (int)len);
		if (ss->tcp != NULL)
			break;
		if (!any || tries == 16) {
			*cause = xasprintf("sip: tcp %s: %s",
			    addr_str(&ss->listen, a), strerror(errno));
			return EADDRINUSE;
		}
		close(ss->udp);
		ss->udp = -1;
		ss->listen.port = 0;
	}
	ss->ev_udp = event_new(ss->base, ss->udp, EV_READ | EV_PERSIST,
	    ss_udp_read, ss);
	event_add(ss->ev_udp, NULL);
	if (ss->tls_listen.family == 0)
		return 0;
	len = srv_addr_to(&ss->tls_listen, &sa);
	ss->tls = evconnlistener_new_bind(ss->base, ss_accept, ss,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, (struct sockaddr *)&sa, (int)len);
	if (ss->tls == NULL) {
		*cause = xasprintf("sip: tls %s: %s",
		    addr_str(&ss->tls_listen, a), strerror(errno));
		return EADDRINUSE;
	}
	if (ss->tls_listen.port == 0)
		srv_local_addr(evconnlistener_get_fd(ss->tls),
		    &ss->tls_listen);
	return 0;
}

/* The host of a daemon an overlay link leads to (TLS, its Node-ID
 * checked: RFC 6940 §11.3)? */
static bool
ss_peer_host(const struct addr *a, void *arg)
{
	struct srv_sip		*ss = arg;
	struct ov_node		*ov = srv_overlay_node(ss->d->ov);
	struct ov_link_info	 li;
	uint64_t		 now = d_now_ms();
	unsigned		 i;

	for (i = 0; ov != NULL && ov_node_link_info(ov, now, i, &li); i++)
		if (li.up && li.has_peer && addr_ip_eq(a, &li.remote))
			return true;
	return false;
}

int
srv_sip_new(struct srv_sip **out, struct d *d, struct event_base *base,
    const struct cfg *cfg, char **cause)
{
	struct srv_sip		*ss = xcalloc(1, sizeof *ss);
	struct sip_core_cfg	 sc;
	struct addr		*local;
	unsigned		 nlocal;
	int			 rc;

	ss->d = d;
	ss->base = base;
	ss->udp = -1;
	ss->listen = cfg->sip.listen;
	ss->tls_listen = cfg->sip.tls_listen;
	ss->stream_timeout = cfg->sip.stream_timeout;
	ss->max_len = (size_t)cfg->sip.max_message_size;
	ss->rng.fill = srv_rand;
	ss->lc.cb = srv_log;
	ss->lc.level = LC_DEBUG;
	ss->timer_at = UINT64_MAX;
	ss->timer = evtimer_new(base, ss_timer, ss);
	/* the sockets first: a port 0 becomes the one we got */
	if ((ss->ctx = srv_tls_ctx(d->ident, false)) == NULL) {
		*cause = xstrdup("sip: cannot set up TLS");
		srv_sip_free(ss);
		return EIO;
	}
	if ((rc = ss_sockets(ss, cause)) != 0) {
		srv_sip_free(ss);
		return rc;
	}
	memset(&sc, 0, sizeof sc);
	sc.domain = cfg->overlay.name;
	sc.lim.max_len = ss->max_len;
	sc.lim.max_hdrs = (unsigned)cfg->sip.max_headers;
	sc.txl.max_txns = (unsigned)cfg->sip.max_transactions;
	sc.lookup_cache_ms = (uint32_t)cfg->sip.lookup_cache * 1000;
	sc.reg.max_expires = (uint32_t)cfg->storage.max_lifetime;
	sc.auth_local = cfg->sip.auth_local != 0;
	sc.local = local = ss_local_addrs(&nlocal);
	sc.nlocal = nlocal;
	ss_public(cfg, &ss->listen, local, nlocal, &ss->pub);
	ss_public(cfg, &ss->tls_listen, local, nlocal, &ss->tls_pub);
	sc.self = ss->pub;
	sc.self_tls = ss->tls_pub;
	sc.listen = ss->listen;
	sc.listen_tls = ss->tls_listen;
	sc.peer_host = ss_peer_host;
	sc.arg = ss;
	ss->core = sip_core_new(&sc, &ss->rng, &ss->lc);
	free(local);
	srv_sip_set_users(ss, cfg);
	/* RFC 7904 §5: peers reach our destination lists' AORs by
	 * AppAttach, over TLS (RFC 6940 §6.5.1.13): only with TLS on */
	if (d->ov != NULL && ss->tls_pub.family != 0)
		(void)ov_node_app_serve(srv_overlay_node(d->ov), OV_APP_SIP,
		    &ss->tls_pub);
	*out = ss;
	return 0;
}

void
srv_sip_free(struct srv_sip *ss)
{
	if (ss == NULL)
		return;
	if (ss->d->ov != NULL)
		(void)ov_node_app_serve(srv_overlay_node(ss->d->ov),
		    OV_APP_SIP, NULL);
	while (ss->conns != NULL)
		ss_conn_free(ss, ss->conns);
	if (ss->ev_udp != NULL)
		event_free(ss->ev_udp);
	if (ss->udp != -1)
		close(ss->udp);
	if (ss->tcp != NULL)
		evconnlistener_free(ss->tcp);
	if (ss->tls != NULL)
		evconnlistener_free(ss->tls);
	SSL_CTX_free(ss->ctx);
	if (ss->timer != NULL)
		event_free(ss->timer);
	sip_core_free(ss->core);
	free(ss);
}

void
srv_sip_set_ua(struct srv_sip *ss, const struct addr *ua)
{
	sip_core_set_ua(ss->core, ua);
}

void
srv_sip_host(struct srv_sip *ss, const char *aor, bool on)
{
	sip_core_host(ss->core, d_now_ms(), aor, on);
	ss_drain(ss);
}

const struct sip_core *
srv_sip_core(const struct srv_sip *ss)
{
	return ss->core;
}

const struct addr *
srv_sip_listen_addr(const struct srv_sip *ss)
{
	return &ss->listen;
}

const struct addr *
srv_sip_tls_addr(const struct srv_sip *ss)
{
	return &ss->tls_listen;
}

const struct addr *
srv_sip_public_addr(const struct srv_sip *ss, bool tls)
{
	return tls ? &ss->tls_pub : &ss->pub;
}

unsigned
srv_sip_connections(const struct srv_sip *ss, bool tls)
{
	const struct ss_conn	*c;
	unsigned		 n = 0;

	for (c = ss->conns; c != NULL; c = c->next)
		n += (c->tp == SIP_TP_TLS) == tls;
	return n;
}
