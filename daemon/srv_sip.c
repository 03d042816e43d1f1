/*
 * srv_sip.c - the libevent driver of the SIP core (sip_core.h): a UDP
 * socket and a TCP listener on [sip] listen, the TCP connections phones
 * open (responses go back on them, §18.2.2), one timer at the core's
 * deadline.  It feeds the core bytes and carries out its actions; an AOR
 * the registrar publishes or withdraws goes to the location service.
 * No protocol logic here.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "cfg.h"
#include "ctl.h"
#include "d.h"
#include "loc.h"
#include "log.h"
#include "log_ctx.h"
#include "rng.h"
#include "sip_core.h"
#include "srv_sip.h"
#include "srv_util.h"
#include "xmalloc.h"

#define SS_UDP_BATCH	64		/* datagrams per readiness */
#define SS_CONN_MAX	1024

struct ss_conn {
	uint32_t		 id;
	struct bufferevent	*bev;
	struct addr		 remote;
	struct srv_sip		*ss;
	struct ss_conn		*next;
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
ss_conn_close(struct srv_sip *ss, struct ss_conn *c)
{
	struct ss_conn	**pp = &ss->conns;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	bufferevent_free(c->bev);
	ss->nconns--;
	free(c);
}

/* ---- input ---- */

static void
ss_udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct srv_sip		*ss = arg;
	struct sockaddr_storage	 from;
	socklen_t		 fl;
	struct sip_flow		 f;
	uint8_t			 buf[65536];
	ssize_t			 n;
	size_t			 used;
	int			 i;

	(void)what;
	for (i = 0; i < SS_UDP_BATCH; i++) {
		fl = sizeof from;
		n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from,
		    &fl);
		if (n <= 0)
			break;
		memset(&f, 0, sizeof f);
		f.tp = SIP_TP_UDP;
		srv_addr_from((struct sockaddr *)&from, &f.remote);
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
	size_t		 len, used;
	uint8_t		*p;
	int		 rc;

	memset(&f, 0, sizeof f);
	f.tp = SIP_TP_TCP;
	f.remote = c->remote;
	f.conn = c->id;
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

	(void)bev;
	ss_conn_close(c->ss, c);
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

static void
ss_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ss_conn	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("sip: tcp %u: too slow: closed", c->id);
	ss_conn_close(c->ss, c);
}

/* A connection on fd (-1: one to connect), to or from remote. */
static struct ss_conn *
ss_conn_new(struct srv_sip *ss, evutil_socket_t fd, const struct addr *remote)
{
	struct ss_conn	*c = xcalloc(1, sizeof *c);

	c->ss = ss;
	if (++ss->next_conn == 0)
		++ss->next_conn;
	c->id = ss->next_conn;
	c->remote = *remote;
	c->bev = bufferevent_socket_new(ss->base, fd, BEV_OPT_CLOSE_ON_FREE);
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

	(void)l;
	(void)salen;
	if (ss->nconns >= SS_CONN_MAX) {
		log_warnx("sip: too many TCP connections: one refused");
		close(fd);
		return;
	}
	srv_addr_from(sa, &remote);
	(void)ss_conn_new(ss, fd, &remote);
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
		if (addr_eq(&c->remote, &f->remote))
			return c;
	if (ss->nconns >= SS_CONN_MAX)
		return NULL;
	c = ss_conn_new(ss, -1, &f->remote);
	tl = srv_addr_to(&f->remote, &to);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&to,
	    (int)tl) != 0) {
		ss_conn_close(ss, c);
		return NULL;
	}
	return c;
}

/* ---- output ---- */

static void
ss_send(struct srv_sip *ss, const struct sip_core_action *a)
{
	struct sockaddr_storage	 to;
	struct ss_conn		*c;
	socklen_t		 tl;

	if (a->flow.tp == SIP_TP_UDP) {
		tl = srv_addr_to(&a->flow.remote, &to);
		if (sendto(ss->udp, a->data, a->len, 0,
		    (struct sockaddr *)&to, tl) == -1)
			log_debug("sip: udp send: %s", strerror(errno));
		return;
	}
	/* §18.2.2: on the connection the request came on, if it is
	 * still there; else on one to the same address */
	if ((c = ss_conn_for(ss, &a->flow)) == NULL) {
		log_debug("sip: tcp: no connection, a message dropped");
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

	contact = xasprintf("sip:%.*s@%s", (int)strcspn(aor, "@"), aor,
	    addr_str(&ss->listen, a));
	ss_event(ss, "sip-registration", json_pack("{s:s, s:s}", "aor", aor,
	    "state", up ? "registered" : "unregistered"));
	rc = up ? loc_register(ss->d->loc, 0, NULL, aor, contact, 0, &err) :
	    loc_unregister(ss->d->loc, 0, NULL, aor, &err);
	free(contact);
	if (rc != 0) {
		log_warnx("sip: %s %s in the overlay: %s", up ? "publishing" :
		    "withdrawing", aor, err != NULL ? err : "failed");
		free(err);
	} else
		log_info("sip: %s: %s", aor, up ? "registered here, "
		    "publishing in the overlay" : "no phone left, withdrawn");
}

struct ss_lookup {
	struct srv_sip	*ss;
	uint64_t	 cookie;
};

/* The overlay answered a lookup for the proxy: the bindings' contacts. */
static void
ss_looked_up(const json_t *result, const char *err, void *arg)
{
	struct ss_lookup	*lk = arg;
	const char		*contacts[16];
	json_t			*b, *bindings;
	size_t			 i;
	unsigned		 n = 0;

	bindings = result != NULL ? json_object_get(result, "bindings") :
	    NULL;
	json_array_foreach(bindings, i, b)
		if (n < 16 && json_is_string(json_object_get(b, "contact")))
			contacts[n++] = json_string_value(json_object_get(b,
			    "contact"));
	/* "no registration" is an answer; anything else is not knowing */
	sip_core_lookup_done(lk->ss->core, d_now_ms(), lk->cookie, contacts,
	    n, result == NULL && (err == NULL ||
	    strstr(err, "no registration") == NULL));
	ss_drain(lk->ss);
	free(lk);
}

static void
ss_lookup(struct srv_sip *ss, const char *aor, uint64_t cookie)
{
	struct ss_lookup	*lk = xcalloc(1, sizeof *lk);
	char			*err = NULL;

	lk->ss = ss;
	lk->cookie = cookie;
	if (ss->d->loc == NULL ||
	    loc_lookup_cb(ss->d->loc, aor, ss_looked_up, lk, &err) != 0) {
		log_debug("sip: lookup %s: %s", aor, err ? err : "no overlay");
		free(err);
		free(lk);
		sip_core_lookup_done(ss->core, d_now_ms(), cookie, NULL, 0,
		    true);
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

static int
ss_sockets(struct srv_sip *ss, char **cause)
{
	struct sockaddr_storage	sa;
	socklen_t		len = srv_addr_to(&ss->listen, &sa);
	char			a[ADDR_STRLEN];
	int			on = 1;

	ss->udp = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (ss->udp == -1 || setsockopt(ss->udp, SOL_SOCKET, SO_REUSEADDR,
	    &on, sizeof on) == -1 ||
	    bind(ss->udp, (struct sockaddr *)&sa, len) == -1) {
		*cause = xasprintf("sip: udp %s: %s", addr_str(&ss->listen, a),
		    strerror(errno));
		return EADDRINUSE;
	}
	ss->tcp = evconnlistener_new_bind(ss->base, ss_accept, ss,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, (struct sockaddr *)&sa, (int)len);
	if (ss->tcp == NULL) {
		*cause = xasprintf("sip: tcp %s: %s", addr_str(&ss->listen, a),
		    strerror(errno));
		return EADDRINUSE;
	}
	ss->ev_udp = event_new(ss->base, ss->udp, EV_READ | EV_PERSIST,
	    ss_udp_read, ss);
	event_add(ss->ev_udp, NULL);
	return 0;
}

int
srv_sip_new(struct srv_sip **out, struct d *d, struct event_base *base,
    const struct cfg *cfg, char **cause)
{
	struct srv_sip		*ss = xcalloc(1, sizeof *ss);
	struct sip_core_cfg	 sc;
	int			 rc;

	ss->d = d;
	ss->base = base;
	ss->udp = -1;
	ss->listen = cfg->sip.listen;
	ss->stream_timeout = cfg->sip.stream_timeout;
	ss->max_len = (size_t)cfg->sip.max_message_size;
	ss->rng.fill = srv_rand;
	ss->lc.cb = srv_log;
	ss->lc.level = LC_DEBUG;
	ss->timer_at = UINT64_MAX;
	memset(&sc, 0, sizeof sc);
	sc.domain = cfg->overlay.name;
	sc.self = cfg->sip.listen;
	sc.lim.max_len = ss->max_len;
	sc.lim.max_hdrs = (unsigned)cfg->sip.max_headers;
	sc.txl.max_txns = (unsigned)cfg->sip.max_transactions;
	sc.reg.max_expires = (uint32_t)cfg->storage.max_lifetime;
	ss->core = sip_core_new(&sc, &ss->rng, &ss->lc);
	ss->timer = evtimer_new(base, ss_timer, ss);
	if ((rc = ss_sockets(ss, cause)) != 0) {
		srv_sip_free(ss);
		return rc;
	}
	*out = ss;
	return 0;
}

void
srv_sip_free(struct srv_sip *ss)
{
	if (ss == NULL)
		return;
	while (ss->conns != NULL)
		ss_conn_close(ss, ss->conns);
	if (ss->ev_udp != NULL)
		event_free(ss->ev_udp);
	if (ss->udp != -1)
		close(ss->udp);
	if (ss->tcp != NULL)
		evconnlistener_free(ss->tcp);
	if (ss->timer != NULL)
		event_free(ss->timer);
	sip_core_free(ss->core);
	free(ss);
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

unsigned
srv_sip_connections(const struct srv_sip *ss)
{
	return ss->nconns;
}
