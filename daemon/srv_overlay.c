/*
 * srv_overlay.c - libevent driver for the overlay core: TLS-TCP links
 * (RFC 6940 §6.6.5) with mutual certificate authentication.
 *
 * The TLS layer accepts any certificate during the handshake (self-signed
 * mode has no CA); once it completes, the peer's certificate must bind a
 * Node-ID (ov_cert_bound_id: its key's, or in enrollment mode one the
 * overlay's CA named), and that Node-ID is what the core is told;
 * the core checks it against the node it expected (§6.5.1.11).  Link
 * records die through a reap event, never inside their own callbacks.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cfg.h"
#include "d.h"
#include "identity.h"
#include "log.h"
#include "log_ctx.h"
#include "ov_cert.h"
#include "rng.h"
#include "srv_overlay.h"
#include "srv.h"
#include "trace.h"
#include "xmalloc.h"

struct srv_link {
	uint32_t		 id;
	struct srv_overlay	*so;
	struct bufferevent	*bev;
	bool			 passive;
	bool			 dead;
	bool			 closing;	/* the core is done with it:
						   flush, then close */
	bool			 up;		/* TLS done, Node-ID bound */
	struct ov_id		 peer;		/* ... this one */
	struct addr		 local, remote;
};

struct srv_overlay {
	struct d		*d;
	struct event_base	*base;
	struct ov_node		*ov;
	struct identity		*ident;
	SSL_CTX			*ctx;
	struct evconnlistener	*listener;
	struct event		*timer, *reap;
	struct srv_link		**links;
	unsigned		 nlinks, cap;
	uint64_t		 bad_log_ms;	/* so_log_bad's rate limit */
	unsigned		 bad_unlogged;
	struct trace		*trace;
	struct addr		 listen;
	bool			 addr_known;	/* advertised address set */
	uint64_t		 timer_at;
	int			 link_timeout_s;
	struct rng		 rng;
	struct log_ctx		 lc;
};

static void so_drain(struct srv_overlay *);

/* TCP keepalive finds a dead peer host within the link timeout. */
static void
so_keepalive(int fd, int timeout_s)
{
	int	on = 1, idle = timeout_s / 3, intvl = timeout_s / 6, cnt = 3;
	unsigned user = (unsigned)timeout_s * 1000;

	if (idle < 1)
		idle = 1;
	if (intvl < 1)
		intvl = 1;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user, sizeof user);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* ---- link records ---- */

static struct srv_link *
so_link(struct srv_overlay *so, uint32_t id)
{
	unsigned	i;

	for (i = 0; i < so->nlinks; i++)
		if (so->links[i]->id == id && !so->links[i]->dead &&
		    !so->links[i]->closing)
			return so->links[i];
	return NULL;
}

static struct srv_link *
so_link_new(struct srv_overlay *so, uint32_t id, bool passive)
{
	struct srv_link	*sl = xcalloc(1, sizeof *sl);

	if (so->nlinks == so->cap) {
		so->cap = so->cap ? so->cap * 2 : 16;
		so->links = xreallocarray(so->links, so->cap,
		    sizeof *so->links);
	}
	sl->id = id;
	sl->so = so;
	sl->passive = passive;
	so->links[so->nlinks++] = sl;
	return sl;
}

/* Close the socket now; the record goes in the reap event. */
static void
so_link_kill(struct srv_link *sl)
{
	if (sl->dead)
		return;
	sl->dead = true;
	if (sl->bev != NULL)
		bufferevent_free(sl->bev);
	sl->bev = NULL;
	event_active(sl->so->reap, 0, 0);
}

static void
so_reap(evutil_socket_t fd, short what, void *arg)
{
	struct srv_overlay	*so = arg;
	unsigned		 i;

	(void)fd;
	(void)what;
	for (i = 0; i < so->nlinks; ) {
		if (so->links[i]->dead) {
			free(so->links[i]);
			so->links[i] = so->links[--so->nlinks];
		} else
			i++;
	}
}

/*
 * Trouble on a link that never came up (a port scan, a peer without a
 * good certificate): logged at most once a second, with a count of the
 * unlogged ones, so that a flood of it cannot flood the log.
 */
static void __attribute__((__format__(__printf__, 2, 3)))
so_log_bad(struct srv_overlay *so, const char *fmt, ...)
{
	char		msg[256];
	va_list		ap;
	uint64_t	now = srv_now_ms();

	if (so->bad_log_ms != 0 && now - so->bad_log_ms < 1000) {
		so->bad_unlogged++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (so->bad_unlogged > 0)
		log_info("%s (and %u more before, unlogged)", msg,
		    so->bad_unlogged);
	else
		log_info("%s", msg);
	so->bad_log_ms = now;
	so->bad_unlogged = 0;
}

/* The link failed: tell the core, close it. */
static void
so_link_failed(struct srv_link *sl, const char *why)
{
	char	a[ADDR_STRLEN], hex[OV_ID_HEXLEN];

	if (sl->up)
		log_info("overlay: link %u %s %s: lost: %s", sl->id,
		    ov_id_hex(&sl->peer, hex), addr_str(&sl->remote, a), why);
	else
		so_log_bad(sl->so, "overlay: link %u %s %s: %s", sl->id,
		    sl->passive ? "from" : "to", addr_str(&sl->remote, a),
		    why);
	ov_node_link_down(sl->so->ov, srv_now_ms(), sl->id);
	so_link_kill(sl);
}

/* ---- bufferevent callbacks ---- */

static void
so_read(struct bufferevent *bev, void *arg)
{
	struct srv_link		*sl = arg;
	struct srv_overlay	*so = sl->so;
	uint8_t			 buf[16384];
	int			 n;

	while (!sl->dead && (n = evbuffer_remove(bufferevent_get_input(bev),
	    buf, sizeof buf)) > 0)
		ov_node_link_input(so->ov, srv_now_ms(), sl->id, buf, (size_t)n);
	so_drain(so);
}

/* TLS is up: the peer's certificate must bind a Node-ID. */
static void
so_connected(struct srv_link *sl)
{
	struct srv_overlay	*so = sl->so;
	struct ov_id		 peer;
	int			 fd = bufferevent_getfd(sl->bev);
	const char		*why;
	char			*msg;

	if (srv_tls_peer_id(sl->bev, so->ident, &peer, &why) != 0) {
		msg = xasprintf("%s: refused", why);
		so_link_failed(sl, msg);
		free(msg);
		return;
	}
	sl->up = true;
	sl->peer = peer;
	so_keepalive(fd, so->link_timeout_s);
	srv_local_addr(fd, &sl->local);
	if (!so->addr_known && !sl->passive) {
		/* listening on a wildcard: advertise the address we have */
		struct addr	a = sl->local;

		a.port = so->listen.port;
		ov_node_set_addr(so->ov, &a);
		so->addr_known = true;
	}
	ov_node_link_up(so->ov, srv_now_ms(), sl->id, &peer);
}

static void
so_event(struct bufferevent *bev, short what, void *arg)
{
	struct srv_link		*sl = arg;
	struct srv_overlay	*so = sl->so;
	unsigned long		 e;
	const char		*why;
	int			 err;

	(void)bev;
	if (sl->closing) {		/* the core forgot it already */
		so_link_kill(sl);
		return;
	}
	if (what & BEV_EVENT_CONNECTED)
		so_connected(sl);
	else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR |
	    BEV_EVENT_TIMEOUT)) {
		e = bufferevent_get_openssl_error(sl->bev);
		why = e != 0 ? ERR_reason_error_string(e) : NULL;
		if (what & BEV_EVENT_EOF)
			why = "closed by the peer";
		else if (what & BEV_EVENT_TIMEOUT)
			why = "timed out";
		else if (why == NULL && (err = EVUTIL_SOCKET_ERROR()) != 0)
			why = evutil_socket_error_to_string(err);
		so_link_failed(sl, why != NULL ? why : "connection failed");
	}
	so_drain(so);
}

static SSL *
so_ssl(struct srv_overlay *so)
{
	SSL	*ssl = SSL_new(so->ctx);

	if (ssl == NULL)
		fatalx("overlay: SSL_new failed");
	return ssl;
}

static void
so_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct srv_overlay	*so = arg;
	struct srv_link		*sl;
	struct addr		 remote;
	uint32_t		 id;

	(void)l;
	(void)salen;
	srv_addr_from(sa, &remote);
	if ((id = ov_node_link_accepted(so->ov, srv_now_ms(), &remote)) == 0) {
		close(fd);
		so_drain(so);
		return;
	}
	sl = so_link_new(so, id, true);
	sl->remote = remote;
	sl->bev = bufferevent_openssl_socket_new(so->base, fd, so_ssl(so),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (sl->bev == NULL)
		fatalx("overlay: bufferevent_openssl_socket_new failed");
	bufferevent_setcb(sl->bev, so_read, NULL, so_event, sl);
	bufferevent_enable(sl->bev, EV_READ | EV_WRITE);
	so_drain(so);
}

/* ---- actions ---- */

static void
so_write(struct bufferevent *bev, void *arg)
{
	struct srv_link	*sl = arg;

	if (sl->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		so_link_kill(sl);
}

/*
 * The core closed the link: what it wrote last (an Error, say) goes out
 * first, unless the peer does not read it within the link timeout.
 */
static void
so_link_close(struct srv_link *sl)
{
	struct timeval	tv = { sl->so->link_timeout_s, 0 };

	if (sl->bev == NULL ||
	    evbuffer_get_length(bufferevent_get_output(sl->bev)) == 0) {
		so_link_kill(sl);
		return;
	}
	sl->closing = true;
	bufferevent_disable(sl->bev, EV_READ);
	bufferevent_set_timeouts(sl->bev, NULL, &tv);
	bufferevent_setcb(sl->bev, NULL, so_write, so_event, sl);
}

static void
so_connect(struct srv_overlay *so, const struct ov_action *a)
{
	struct srv_link		*sl = so_link_new(so, a->link, false);
	struct sockaddr_storage	 ss;
	socklen_t		 len = srv_addr_to(&a->addr, &ss);

	sl->remote = a->addr;
	sl->bev = bufferevent_openssl_socket_new(so->base, -1, so_ssl(so),
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (sl->bev == NULL)
		fatalx("overlay: bufferevent_openssl_socket_new failed");
	bufferevent_setcb(sl->bev, so_read, NULL, so_event, sl);
	bufferevent_enable(sl->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(sl->bev, (struct sockaddr *)&ss,
	    (int)len) != 0)
		so_link_failed(sl, "connect failed");
}

static void
so_send(struct srv_overlay *so, const struct ov_action *a)
{
	struct srv_link	*sl = so_link(so, a->link);
	struct evbuffer	*out;

	if (sl == NULL || sl->bev == NULL)
		return;
	out = bufferevent_get_output(sl->bev);
	if (evbuffer_get_length(out) + a->len > SRV_LINK_OUTPUT_MAX) {
		log_info("overlay: link %u: peer is not reading: closed",
		    sl->id);
		so_link_failed(sl, "peer not reading");
		return;
	}
	bufferevent_write(sl->bev, a->data, a->len);
}

static void
so_act(struct srv_overlay *so, struct ov_action *a)
{
	struct srv_link	*sl;

	switch (a->type) {
	case OV_ACT_CONNECT:
		so_connect(so, a);
		break;
	case OV_ACT_SEND:
		so_send(so, a);
		break;
	case OV_ACT_CLOSE:
		if ((sl = so_link(so, a->link)) != NULL)
			so_link_close(sl);
		break;
	case OV_ACT_TRACE:
		if (so->trace != NULL && (sl = so_link(so, a->link)) != NULL)
			trace_write(so->trace, sl->id, sl->passive ?
			    &so->listen : &sl->local, &sl->remote, sl->passive,
			    a->outbound, a->data, a->len);
		break;
	case OV_ACT_EVENT:
		d_overlay_event(so->d, &a->ev);
		ov_fetched_free(a->ev.fetched);
		ov_statted_free(a->ev.statted);
		break;
	}
	free(a->data);
}

static void
so_timer(evutil_socket_t fd, short what, void *arg)
{
	struct srv_overlay	*so = arg;

	(void)fd;
	(void)what;
	so->timer_at = UINT64_MAX;
	ov_node_tick(so->ov, srv_now_ms());
	so_drain(so);
}

/* Carry out the core's actions, then wake up at its next deadline. */
static void
so_drain(struct srv_overlay *so)
{
	struct ov_action	a;

	while (ov_node_next_action(so->ov, &a))
		so_act(so, &a);
	d_overlay_persist(so->d);
	srv_timer_arm(so->timer, &so->timer_at, ov_node_deadline(so->ov),
	    srv_now_ms());
}

void
srv_overlay_kick(struct srv_overlay *so)
{
	so_drain(so);
}

/* ---- set-up ---- */

static int
so_tls(struct srv_overlay *so, char **cause)
{
	/* mutual authentication (§6.6.5): a certificate is required */
	if ((so->ctx = srv_tls_ctx(so->ident, true)) == NULL) {
		*cause = xstrdup("overlay: cannot set up TLS");
		return EIO;
	}
	return 0;
}

static int
so_listen(struct srv_overlay *so, char **cause)
{
	struct sockaddr_storage	ss;
	socklen_t		len = srv_addr_to(&so->listen, &ss);
	char			a[ADDR_STRLEN];

	so->listener = evconnlistener_new_bind(so->base, so_accept, so,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_REUSEABLE, 64, (struct sockaddr *)&ss, (int)len);
	if (so->listener == NULL) {
		*cause = xasprintf("overlay: cannot listen on %s: %s",
		    addr_str(&so->listen, a), strerror(errno));
		return errno != 0 ? errno : EADDRINUSE;
	}
	log_info("overlay: listening on %s", addr_str(&so->listen, a));
	return 0;
}

static void
so_node_cfg(const struct cfg *c, struct srv_overlay *so,
    struct ov_node_cfg *nc)
{
	struct ov_kind	*kinds;
	size_t		 i;

	memset(nc, 0, sizeof *nc);
	nc->overlay = c->overlay.name;
	nc->self = so->ident->id;
	if (!addr_is_any(&so->listen)) {
		nc->self_addr = so->listen;
		so->addr_known = true;
	}
	nc->bootstrap = c->overlay.bootstrap.v;
	nc->nbootstrap = (unsigned)c->overlay.bootstrap.n;
	nc->npred = (unsigned)c->overlay.predecessors;
	nc->nsucc = (unsigned)c->overlay.successors;
	nc->nfingers = (unsigned)c->overlay.fingers;
	nc->initial_ttl = (uint8_t)c->overlay.initial_ttl;
	nc->max_message_size = (uint32_t)c->overlay.max_message_size;
	nc->reliability_ms = (uint32_t)c->overlay.reliability_timer;
	nc->update_interval_ms = (uint32_t)c->overlay.update_interval * 1000;
	nc->finger_interval_ms = (uint32_t)c->overlay.finger_interval * 1000;
	nc->probe_interval_ms = (uint32_t)c->overlay.probe_interval * 1000;
	nc->partition_interval_ms =
	    (uint32_t)c->overlay.partition_check * 1000;
	nc->link_timeout_ms = (uint32_t)c->overlay.link_timeout * 1000;
	nc->max_links = (unsigned)c->overlay.max_links;
	nc->max_pending = (unsigned)c->overlay.max_pending;
	nc->wall_offset_ms = (int64_t)time(NULL) * 1000 - (int64_t)srv_now_ms();
	nc->replicas = (unsigned)c->storage.replicas;
	nc->enrollment = ov_cert_enrollment(so->ident->cache);
	nc->replica_holddown_ms = (uint32_t)c->storage.replica_holddown * 1000;
	nc->max_lifetime_s = (uint32_t)c->storage.max_lifetime;
	nc->store_max_bytes = (uint64_t)c->storage.quota << 20;
	nc->peer_store_rate = (uint32_t)c->storage.peer_store_rate;
	nc->peer_store_burst = (uint32_t)c->storage.peer_store_burst;
	/* copied by ov_node_new; the caller frees it */
	kinds = xreallocarray(NULL, ov_nkinds, sizeof *kinds);
	memcpy(kinds, ov_kinds, ov_nkinds * sizeof *kinds);
	for (i = 0; i < ov_nkinds; i++) {
		switch (kinds[i].id) {
		case OV_KIND_SIP_REGISTRATION:
			kinds[i].max_count =
			    (uint32_t)c->storage.sip_registration_max_count;
			kinds[i].max_size =
			    (uint32_t)c->storage.sip_registration_max_size;
			break;
		case OV_KIND_TURN_SERVICE:
			kinds[i].max_count =
			    (uint32_t)c->storage.turn_service_max_count;
			kinds[i].max_size =
			    (uint32_t)c->storage.turn_service_max_size;
			break;
		default:
			kinds[i].max_count =
			    (uint32_t)c->storage.certificate_max_count;
			kinds[i].max_size =
			    (uint32_t)c->storage.certificate_max_size;
			break;
		}
	}
	nc->kinds = kinds;
	nc->nkinds = ov_nkinds;
}

int
srv_overlay_new(struct srv_overlay **out, struct d *d, struct event_base *base,
    const struct cfg *c, struct identity *ident, char **cause)
{
	struct srv_overlay	*so = xcalloc(1, sizeof *so);
	struct ov_node_cfg	 nc;
	int			 rc;

	so->d = d;
	so->base = base;
	so->ident = ident;
	so->listen = c->overlay.listen;
	so->link_timeout_s = c->overlay.link_timeout;
	so->timer_at = UINT64_MAX;
	so->rng.fill = srv_rand;
	so->lc.cb = srv_log;
	so->lc.level = LC_DEBUG;
	if ((rc = so_tls(so, cause)) != 0 || (rc = so_listen(so, cause)) != 0)
		goto fail;
	so_node_cfg(c, so, &nc);
	rc = ov_node_new(&so->ov, &nc, &ident->crypto, &so->rng, &so->lc);
	free((void *)nc.kinds);
	if (rc != 0) {
		*cause = xstrdup("overlay: bad settings");
		goto fail;
	}
	so->timer = evtimer_new(base, so_timer, so);
	so->reap = event_new(base, -1, 0, so_reap, so);
	if (so->timer == NULL || so->reap == NULL)
		fatalx("overlay: cannot make events");
	d_overlay_load(d, so->ov);
	ov_node_start(so->ov, srv_now_ms());
	*out = so;
	so_drain(so);
	return 0;
fail:
	srv_overlay_free(so);
	return rc;
}

void
srv_overlay_free(struct srv_overlay *so)
{
	unsigned	i;

	if (so == NULL)
		return;
	for (i = 0; i < so->nlinks; i++) {
		if (so->links[i]->bev != NULL)
			bufferevent_free(so->links[i]->bev);
		free(so->links[i]);
	}
	free(so->links);
	if (so->listener != NULL)
		evconnlistener_free(so->listener);
	if (so->timer != NULL)
		event_free(so->timer);
	if (so->reap != NULL)
		event_free(so->reap);
	ov_node_free(so->ov);
	trace_close(so->trace);
	SSL_CTX_free(so->ctx);
	free(so);
}

struct ov_node *
srv_overlay_node(struct srv_overlay *so)
{
	return so->ov;
}

const struct addr *
srv_overlay_listen_addr(const struct srv_overlay *so)
{
	return &so->listen;
}

uint64_t
srv_overlay_now(const struct srv_overlay *so)
{
	(void)so;
	return srv_now_ms();
}

int
srv_overlay_trace_start(struct srv_overlay *so, const char *path,
    char **cause)
{
	struct trace	*t;
	int		 rc;

	if ((rc = trace_open(&t, path, cause)) != 0)
		return rc;
	trace_close(so->trace);
	so->trace = t;
	ov_node_set_trace(so->ov, true);
	log_info("overlay: tracing to %s", path);
	return 0;
}

long long
srv_overlay_trace_stop(struct srv_overlay *so)
{
	long long	n;

	if (so->trace == NULL)
		return -1;
	n = (long long)trace_frames(so->trace);
	log_info("overlay: trace %s: %lld frames", trace_path(so->trace), n);
	trace_close(so->trace);
	so->trace = NULL;
	ov_node_set_trace(so->ov, false);
	return n;
}

const char *
srv_overlay_trace_path(const struct srv_overlay *so)
{
	return so->trace != NULL ? trace_path(so->trace) : NULL;
}
