/*
 * srv_overlay_link.c - the overlay driver's TLS-TCP links (RFC 6940
 * §6.6.5) with mutual certificate authentication.
 *
 * The TLS layer accepts any certificate during the handshake (self-signed
 * mode has no CA); once it completes, the peer's certificate must bind a
 * Node-ID (ov_cert_bound_id: its key's, or in enrollment mode one the
 * overlay's CA named), and that Node-ID is what the core is told; the
 * core checks it against the node it expected (§6.5.1.11).  Link records
 * die through a reap event, never inside their own callbacks.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "srv.h"
#include "srv_overlay.h"
#include "srv_overlay_int.h"
#include "xmalloc.h"

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

struct so_link *
srv_overlay_link_get(struct srv_overlay *so, uint32_t id)
{
	unsigned	i;

	for (i = 0; i < so->nlinks; i++)
		if (so->links[i]->id == id && !so->links[i]->dead &&
		    !so->links[i]->closing)
			return so->links[i];
	return NULL;
}

static struct so_link *
so_link_new(struct srv_overlay *so, uint32_t id, bool passive)
{
	struct so_link	*sl = xcalloc(1, sizeof *sl);

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
so_link_kill(struct so_link *sl)
{
	if (sl->dead)
		return;
	sl->dead = true;
	if (sl->bev != NULL)
		bufferevent_free(sl->bev);
	sl->bev = NULL;
	event_active(sl->so->reap, 0, 0);
}

void
srv_overlay_link_reap(evutil_socket_t fd, short what, void *arg)
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
so_link_failed(struct so_link *sl, const char *why)
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
	struct so_link		*sl = arg;
	struct srv_overlay	*so = sl->so;
	uint8_t			 buf[16384];
	int			 n;

	while (!sl->dead && (n = evbuffer_remove(bufferevent_get_input(bev),
	    buf, sizeof buf)) > 0)
		ov_node_link_input(so->ov, srv_now_ms(), sl->id, buf, (size_t)n);
	srv_overlay_kick(so);
}

/* TLS is up: the peer's certificate must bind a Node-ID. */
static void
so_connected(struct so_link *sl)
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
	struct so_link		*sl = arg;
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
	srv_overlay_kick(so);
}

static SSL *
so_ssl(struct srv_overlay *so)
{
	SSL	*ssl = SSL_new(so->ctx);

	if (ssl == NULL)
		fatalx("overlay: SSL_new failed");
	return ssl;
}

void
srv_overlay_link_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct srv_overlay	*so = arg;
	struct so_link		*sl;
	struct addr		 remote;
	uint32_t		 id;

	(void)l;
	(void)salen;
	srv_addr_from(sa, &remote);
	if ((id = ov_node_link_accepted(so->ov, srv_now_ms(), &remote)) == 0) {
		close(fd);
		srv_overlay_kick(so);
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
	srv_overlay_kick(so);
}

/* ---- actions ---- */

static void
so_write(struct bufferevent *bev, void *arg)
{
	struct so_link	*sl = arg;

	if (sl->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		so_link_kill(sl);
}

/*
 * The core closed the link: what it wrote last (an Error, say) goes out
 * first, unless the peer does not read it within the link timeout.
 */
void
srv_overlay_link_close(struct so_link *sl)
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

void
srv_overlay_link_connect(struct srv_overlay *so, const struct ov_action *a)
{
	struct so_link		*sl = so_link_new(so, a->link, false);
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

void
srv_overlay_link_send(struct srv_overlay *so, const struct ov_action *a)
{
	struct so_link	*sl = srv_overlay_link_get(so, a->link);
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

void
srv_overlay_link_free_all(struct srv_overlay *so)
{
	unsigned	i;

	for (i = 0; i < so->nlinks; i++) {
		if (so->links[i]->bev != NULL)
			bufferevent_free(so->links[i]->bev);
		free(so->links[i]);
	}
	free(so->links);
	so->links = NULL;
	so->nlinks = so->cap = 0;
}
