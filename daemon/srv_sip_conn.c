/*
 * srv_sip_conn.c - the SIP driver's streams: TCP and TLS connections
 * phones and peers open and those we open (responses go back on them,
 * RFC 3261 §18.2.2), their bytes to the core message by message, and
 * the certificate checks of TLS (RFC 6940 §11.3).
 */

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "hex.h"
#include "log.h"
#include "ov_id.h"
#include "sip_core.h"
#include "srv_sip.h"
#include "srv_sip_int.h"
#include "srv.h"

/* A client's connection to its gateway: pinged this often, s (RFC 5626
 * §4.4.1 says up to 120 for streams; NATs that drop idle TCP sooner are
 * common), and opened again this soon after it fails. */
#define SS_KEEP_S	30
#define SS_KEEP_RETRY_S	5
#include "xmalloc.h"

static void	ss_event_cb(struct bufferevent *, short, void *);

struct ss_conn *
srv_sip_conn_get(struct srv_sip *ss, uint32_t id)
{
	struct ss_conn	*c;

	for (c = ss->conns; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

void
srv_sip_conn_free(struct srv_sip *ss, struct ss_conn *c)
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
	srv_sip_conn_free(ss, c);
	sip_core_transport_error(ss->core, srv_now_ms(), &f);
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
		c->has_node = srv_tls_peer_id(c->bev, ss->ident, &peer,
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
		rc = sip_core_input(ss->core, srv_now_ms(), &f, p, len, true,
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
	srv_sip_drain(ss);
}

/* Close c once what is queued for it (a 400, say) has gone out. */
void
srv_sip_conn_finish(struct srv_sip *ss, struct ss_conn *c)
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
	srv_sip_drain(ss);		/* may close c */
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

	if (srv_tls_peer_id(c->bev, ss->ident, &peer, &why) != 0) {
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
			srv_sip_drain(ss);
		}
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("sip: %s %u: too slow: closed", sip_txn_tp_name(c->tp),
		    c->id);
	else if (c->tp == SIP_TP_TLS && (what & BEV_EVENT_ERROR) &&
	    (e = bufferevent_get_openssl_error(c->bev)) != 0)
		log_info("sip: tls %s %s: %s", c->outgoing ? "to" : "from",
		    addr_str(&c->remote, a), ERR_reason_error_string(e));
	ss_conn_close(ss, c);
	srv_sip_drain(ss);
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

void
srv_sip_conn_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct srv_sip	*ss = arg;
	struct addr	 remote;
	enum sip_tp	 tp = l == ss->tls ? SIP_TP_TLS : SIP_TP_TCP;

	(void)salen;
	if (ss->nconns >= SS_CONN_MAX) {
		log_warnx("sip: too many connections: a %s one refused",
		    sip_txn_tp_name(tp));
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

	if (f->conn != 0 && (c = srv_sip_conn_get(ss, f->conn)) != NULL)
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

void
srv_sip_conn_send(struct srv_sip *ss, const struct sip_core_action *a)
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
		    sip_txn_tp_name(a->flow.tp));
		return;
	}
	bufferevent_write(c->bev, a->data, a->len);
}

/* ---- a client's connection to its gateway ---- */

/* Ping a live connection; open it again if it is gone. */
static void
ss_keep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv_sip	*ss = arg;
	struct ss_conn	*c;
	struct sip_flow	 f;
	struct timeval	 tv = { SS_KEEP_S, 0 };
	char		 a[ADDR_STRLEN];

	(void)fd;
	(void)what;
	if (ss->keep.to.family == 0)
		return;
	if ((c = srv_sip_conn_get(ss, ss->keep.conn)) == NULL) {
		memset(&f, 0, sizeof f);
		f.tp = SIP_TP_TLS;
		f.remote = ss->keep.to;
		f.pinned = true;
		memcpy(f.node, ss->keep.node, SIP_NODE_LEN);
		if ((c = ss_conn_for(ss, &f)) == NULL) {
			log_warnx("sip: cannot connect to our gateway at %s",
			    addr_str(&ss->keep.to, a));
			ss->keep.conn = 0;
			tv.tv_sec = SS_KEEP_RETRY_S;
			evtimer_add(ss->keep.timer, &tv);
			return;
		}
		if (ss->keep.conn == 0)
			log_info("sip: a connection to our gateway at %s",
			    addr_str(&ss->keep.to, a));
		ss->keep.conn = c->id;
		/* the gateway learns who we are at its first read */
	}
	bufferevent_write(c->bev, "\r\n\r\n", 4);
	evtimer_add(ss->keep.timer, &tv);
}

void
srv_sip_keep(struct srv_sip *ss, const struct addr *to, const uint8_t *node)
{
	if (to == NULL || (ss->keep.to.family != 0 &&
	    (!addr_eq(to, &ss->keep.to) ||
	    memcmp(node, ss->keep.node, SIP_NODE_LEN) != 0))) {
		srv_sip_keep_free(ss);
		srv_sip_drain(ss);
	}
	if (to == NULL)
		return;
	if (ss->keep.to.family != 0)
		return;			/* already */
	ss->keep.to = *to;
	memcpy(ss->keep.node, node, SIP_NODE_LEN);
	if ((ss->keep.timer = evtimer_new(ss->base, ss_keep_cb, ss)) == NULL)
		fatalx("sip: cannot make events");
	ss_keep_cb(-1, 0, ss);
	srv_sip_drain(ss);
}

void
srv_sip_keep_free(struct srv_sip *ss)
{
	struct ss_conn	*c;

	if (ss->keep.timer != NULL)
		event_free(ss->keep.timer);
	if ((c = srv_sip_conn_get(ss, ss->keep.conn)) != NULL)
		srv_sip_conn_finish(ss, c);
	memset(&ss->keep, 0, sizeof ss->keep);
}

const struct addr *
srv_sip_conn_of_node(const struct srv_sip *ss, const uint8_t *node)
{
	const struct ss_conn	*c;

	for (c = ss->conns; c != NULL; c = c->next)
		if (c->tp == SIP_TP_TLS && c->has_node &&
		    memcmp(c->node, node, SIP_NODE_LEN) == 0)
			return &c->remote;
	return NULL;
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
