/*
 * srv_sip.c - the libevent driver of the SIP core (sip_core.h): a UDP
 * socket and a TCP listener on [sip] listen, a TLS listener on [sip]
 * tls_listen (their connections: srv_sip_conn.c), the direct flows of
 * the UA's moved calls (DTLS on a pair ICE found: srv_sip_direct.c), one
 * timer at the core's deadline.  It feeds the core bytes and carries out its actions:
 * an AOR the registrar publishes or withdraws, and a lookup for the
 * proxy, go to the location service through the ops the daemon gives
 * (srv_sip.h).  No protocol logic here.
 *
 * A lookup's bindings that are destination lists (RFC 7904 §3) come back
 * as contacts the location service found by AppAttach (loc_find.c),
 * pinned to the node that answered: a TLS connection to such a contact
 * must meet that node's certificate (srv_sip_conn.c).
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <ifaddrs.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "cfg.h"
#include "loc.h"
#include "log.h"
#include "log_ctx.h"
#include "rng.h"
#include "sip_core.h"
#include "srv_sip.h"
#include "srv_sip_int.h"
#include "srv.h"
#include "xmalloc.h"



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

	/*
	 * Until the socket is empty, so that a burst does not wait in the
	 * kernel's buffer (and overflow it) behind other events; what we
	 * owe goes out every SS_UDP_BATCH datagrams.  Bounded, so that the
	 * streams and timers get their turn under a flood: the event is
	 * level-triggered and comes back at once for what is left.
	 */
	(void)what;
	for (i = 0; i < SS_UDP_DRAIN; i++) {
		memset(&f, 0, sizeof f);
		f.tp = SIP_TP_UDP;
		if ((n = srv_recv_from(fd, buf, sizeof buf, &f.remote)) <= 0)
			break;
		(void)sip_core_input(ss->core, srv_now_ms(), &f, buf,
		    (size_t)n, false, &used);
		if ((i + 1) % SS_UDP_BATCH == 0)
			srv_sip_drain(ss);
	}
	srv_sip_drain(ss);
}

/* ---- output ---- */

static void
ss_send(struct srv_sip *ss, const struct sip_core_action *a)
{
	if (a->flow.tp == SIP_TP_DTLS) {
		srv_sip_direct_send(ss, a);	/* ICE for SIP */
		return;
	}
	if (a->flow.tp != SIP_TP_UDP) {
		srv_sip_conn_send(ss, a);
		return;
	}
	if (srv_send_to(ss->udp, a->data, a->len, &a->flow.remote) == -1)
		log_debug("sip: udp send: %s", strerror(errno));
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
	ss->ops.registration(aor, up, ss->ops.arg);
	rc = ss->ops.publish(aor, contact, up, &err, ss->ops.arg);
	free(contact);
	if (rc != 0) {
		log_warnx("sip: %s %s in the overlay: %s", up ? "publishing" :
		    "withdrawing", aor, err != NULL ? err : "failed");
		free(err);
	} else
		log_info("sip: %s: %s", aor, up ? "registered here, "
		    "publishing in the overlay" : "no phone left, withdrawn");
}

/*
 * Where a client of ours (RFC 6940 §4.2.1) takes the AOR's requests:
 * the TLS connection it keeps to us, its certificate checked when it
 * came (srv_sip_conn.c), as the next hop (";lr": the Request-URI stays
 * the AOR, which the client's registrar has); ";ob" marks it as a flow
 * (RFC 5626 §5.3: Record-Route with a flow token).  NULL: it has none.
 */
static char *
ss_client_uri(struct srv_sip *ss, const struct loc_contact *lc)
{
	const struct addr	*at;
	const char		*aor = lc->uri + 4;	/* past "sip:" */
	char			 a[ADDR_STRLEN], hex[OV_ID_HEXLEN];

	if ((at = srv_sip_conn_of_node(ss, lc->node.b)) == NULL) {
		log_info("sip: %s: node %s, a client of ours, has no "
		    "connection to us", aor, ov_id_hex(&lc->node, hex));
		return NULL;
	}
	return xasprintf("sip:%s;transport=tls;lr;ob", addr_str(at, a));
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
	char			*made[LOC_BINDINGS_MAX];
	unsigned		 i, n = 0, nmade = 0;
	bool			 missing = false;
	const struct loc_contact *lc;

	if (r != NULL) {
		for (i = 0; i < r->ncontacts; i++) {
			lc = &r->contacts[i];
			if (lc->flow) {
				/* a client of ours: on its connection */
				if ((made[nmade] = ss_client_uri(ss, lc)) ==
				    NULL) {
					missing = true;
					continue;
				}
				contacts[n] = made[nmade++];
			} else
				contacts[n] = lc->uri;
			nodes[n++] = lc->has_node ? lc->node.b : NULL;
		}
		/* "no registration" is an answer; anything else is not
		 * knowing */
		sip_core_lookup_done(ss->core, srv_now_ms(), lk->cookie,
		    contacts, nodes, n, r->error == LOC_E_OVERLAY ||
		    r->incomplete || missing);
		for (i = 0; i < nmade; i++)
			free(made[i]);
	}
	free(lk);
	if (r != NULL)
		srv_sip_drain(ss);
}

static void
ss_lookup(struct srv_sip *ss, const char *aor, uint64_t cookie)
{
	struct ss_lookup	*lk = xcalloc(1, sizeof *lk);
	char			*err = NULL;

	lk->ss = ss;
	lk->cookie = cookie;
	if (ss->ops.resolve(aor, ss_resolved, lk, &err, ss->ops.arg) != 0) {
		log_debug("sip: lookup %s: %s", aor, err ? err : "no overlay");
		free(err);
		free(lk);
		sip_core_lookup_done(ss->core, srv_now_ms(), cookie, NULL, NULL,
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
	sip_core_tick(ss->core, srv_now_ms());
	srv_sip_drain(ss);
}

/* What DNS found for the proxy (RFC 3263). */
static void
ss_dns_done(int status, const char *why, const struct sip_res_target *t,
    unsigned n, void *arg)
{
	struct ss_lookup	*lk = arg;
	struct srv_sip		*ss = lk->ss;

	if (status != ECANCELED) {
		sip_core_resolve_done(ss->core, srv_now_ms(), lk->cookie,
		    status, why, t, n);
		srv_sip_drain(ss);
	}
	free(lk);
}

static void
ss_dns(struct srv_sip *ss, const char *uri, uint64_t cookie)
{
	struct ss_lookup	*lk = xcalloc(1, sizeof *lk);
	int			 rc;

	lk->ss = ss;
	lk->cookie = cookie;
	if (ss->ops.dns == NULL || (rc = ss->ops.dns(uri, ss->tls_pub.family !=
	    0, ss_dns_done, lk, ss->ops.arg)) != 0) {
		free(lk);
		sip_core_resolve_done(ss->core, srv_now_ms(), cookie, EINVAL,
		    "not a URI DNS can resolve", NULL, 0);
	}
}

void
srv_sip_drain(struct srv_sip *ss)
{
	struct sip_core_action	 a;
	struct ss_conn		*c;

	while (sip_core_next_action(ss->core, &a)) {
		switch (a.type) {
		case SIP_CORE_SEND:
			ss_send(ss, &a);
			break;
		case SIP_CORE_PUBLISH:
			ss_publish(ss, a.aor, a.up);
			break;
		case SIP_CORE_CLOSE:
			if ((c = srv_sip_conn_get(ss, a.flow.conn)) != NULL)
				srv_sip_conn_finish(ss, c);
			break;
		case SIP_CORE_LOOKUP:
			ss_lookup(ss, a.aor, a.cookie);
			break;
		case SIP_CORE_RESOLVE:
			ss_dns(ss, a.aor, a.cookie);
			break;
		case SIP_CORE_CALL:
			ss->ops.call(a.from, a.aor, a.call_id, (int)a.status,
			    ss->ops.arg);
			break;
		case SIP_CORE_ANCHOR:
			if (ss->ops.anchor != NULL)
				ss->ops.anchor(a.anchor, ss->ops.arg);
			break;
		}
		sip_core_action_clear(&a);
	}
	srv_timer_arm(ss->timer, &ss->timer_at, sip_core_deadline(ss->core),
	    srv_now_ms());
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
ss_sockets(struct srv_sip *ss, int udp_buffer, char **cause)
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
		ss->tcp = evconnlistener_new_bind(ss->base, srv_sip_conn_accept, ss,
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
	ss->udp_rcvbuf = srv_udp_tune(ss->udp, udp_buffer);
	ss->ev_udp = event_new(ss->base, ss->udp, EV_READ | EV_PERSIST,
	    ss_udp_read, ss);
	event_add(ss->ev_udp, NULL);
	if (ss->tls_listen.family == 0)
		return 0;
	len = srv_addr_to(&ss->tls_listen, &sa);
	ss->tls = evconnlistener_new_bind(ss->base, srv_sip_conn_accept, ss,
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

/* The host of a daemon an overlay link leads to?  (The core's question,
 * passed on.) */
static bool
ss_peer_host(const struct addr *a, void *arg)
{
	struct srv_sip	*ss = arg;

	return ss->ops.peer_host(a, ss->ops.arg);
}

int
srv_sip_new(struct srv_sip **out, struct event_base *base,
    const struct cfg *cfg, struct identity *ident,
    const struct srv_sip_ops *ops, char **cause)
{
	struct srv_sip		*ss = xcalloc(1, sizeof *ss);
	struct sip_core_cfg	 sc;
	struct addr		*local;
	unsigned		 nlocal;
	int			 rc;

	ss->ident = ident;
	ss->ops = *ops;
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
	if ((ss->ctx = srv_tls_ctx(ident, false)) == NULL) {
		*cause = xstrdup("sip: cannot set up TLS");
		srv_sip_free(ss);
		return EIO;
	}
	if ((rc = ss_sockets(ss, cfg->sip.udp_buffer * 1024, cause)) != 0) {
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
	sc.reg.flow_timer_udp = (uint32_t)cfg->sip.flow_timer_udp;
	sc.reg.flow_timer_stream = (uint32_t)cfg->sip.flow_timer_stream;
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
	sc.proxy_peer = cfg->interwork.proxy_peer != 0;
	sc.other_domains = true;
	sc.arg = ss;
	ss->core = sip_core_new(&sc, &ss->rng, &ss->lc);
	free(local);
	srv_sip_direct_init(ss);
	srv_sip_set_users(ss, cfg);
	*out = ss;
	return 0;
}

void
srv_sip_udp_stats(const struct srv_sip *ss, int *rcvbuf, uint32_t *drops)
{
	*rcvbuf = ss->udp_rcvbuf;
	*drops = srv_udp_drops(ss->udp);
}

void
srv_sip_free(struct srv_sip *ss)
{
	if (ss == NULL)
		return;
	srv_sip_keep_free(ss);
	srv_sip_direct_free(ss);
	while (ss->conns != NULL)
		srv_sip_conn_free(ss, ss->conns);
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
	sip_core_host(ss->core, srv_now_ms(), aor, on);
	srv_sip_drain(ss);
}

const struct sip_core *
srv_sip_core(const struct srv_sip *ss)
{
	return ss->core;
}

struct sip_anchor *
srv_sip_anchor(struct srv_sip *ss)
{
	return sip_core_anchor(ss->core);
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
