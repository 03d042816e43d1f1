/*
 * srv_ua.c - the libevent driver of the UA core (sip_ua.h): its SIP
 * socket (UDP, on this host, next to the daemon's SIP listener, which is
 * its outbound proxy) and one timer at the core's deadline.  It feeds
 * the core datagrams and the time and carries out its actions: the
 * calls' media go to srv_media.c, call states, DTMF and messages to the
 * daemon (srv_ua_ops), messages to the history in the database, and the
 * final answer to a MESSAGE sent to whoever sent it.  No protocol logic
 * here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "db.h"
#include "log.h"
#include "log_ctx.h"
#include "media_session.h"
#include "rng.h"
#include "sip_ua.h"
#include "srv.h"
#include "srv_media.h"
#include "srv_ua.h"
#include "version.h"
#include "xmalloc.h"

#define SU_BATCH	64	/* datagrams per readiness */

/* A MESSAGE out, waiting for its final response. */
struct su_msg {
	uint64_t		 cookie;
	char			*aor, *peer, *text;	/* for the history */
	srv_ua_message_cb	 cb;
	void			*arg;
	struct su_msg		*next;
};

struct srv_ua {
	struct srv_ua_ops	 ops;
	struct event_base	*base;
	struct db		*db;
	struct sip_ua		*ua;
	struct srv_media	*media;
	enum sip_ua_answer	 answer;	/* [ua] answer */
	struct rng		 rng;
	struct log_ctx		 lc;
	int			 fd;
	struct event		*ev;
	struct event		*timer;
	uint64_t		 timer_at;
	struct addr		 self;
	bool			 draining;	/* in srv_ua_drain */
	struct su_msg		*msgs;
	uint64_t		 next_cookie;
};

static void
su_msg_free(struct su_msg *m)
{
	free(m->aor);
	free(m->peer);
	free(m->text);
	free(m);
}

/* ---- messages out, and the calls for the control commands ---- */

int
srv_ua_message(struct srv_ua *su, const char *from, const char *target,
    const char *text, srv_ua_message_cb cb, void *arg, char **err)
{
	struct su_msg	*m;
	const char	*why;
	char		 aor[512];
	int		 rc;

	m = xcalloc(1, sizeof *m);
	m->cookie = ++su->next_cookie;
	m->cb = cb;
	m->arg = arg;
	m->peer = xstrdup(target);
	m->text = xstrdup(text);
	if (from == NULL)
		from = sip_ua_aor(su->ua, 0, NULL, NULL);
	m->aor = xstrdup(from != NULL && sip_ua_aor_norm(su->ua, from, aor,
	    sizeof aor) != NULL ? aor : "");
	m->next = su->msgs;
	su->msgs = m;
	if ((rc = sip_ua_message(su->ua, srv_now_ms(), from, target, text,
	    m->cookie, &why)) != 0) {
		su->msgs = m->next;
		su_msg_free(m);
		*err = xstrdup(why);
		return rc;
	}
	srv_ua_drain(su);
	return 0;
}

void
srv_ua_calls_each(struct srv_ua *su, void (*cb)(const struct
    sip_ua_call_info *, const struct media_stats *, void *), void *arg)
{
	struct sip_ua_call_info	 ci;
	uint32_t		 i;

	for (i = sip_ua_call_next(su->ua, 0); i != 0;
	    i = sip_ua_call_next(su->ua, i))
		if (sip_ua_call_info(su->ua, i, &ci))
			cb(&ci, srv_media_stats(su->media, i), arg);
}

/* ---- the UA core ---- */

static void
su_call_event(struct srv_ua *su, uint32_t id, const char *what)
{
	struct sip_ua_call_info	 ci;

	if (sip_ua_call_info(su->ua, id, &ci))
		su->ops.call(what, &ci, srv_media_stats(su->media, id),
		    su->ops.arg);
}

/* A MESSAGE came, or one of ours has its final response: the history. */
static void
su_history(struct srv_ua *su, bool in, const char *aor, const char *peer,
    const char *text, unsigned status)
{
	if (su->db != NULL && db_msg_add(su->db, (int64_t)time(NULL), in, aor,
	    peer, text, (int)status) != 0)
		log_warnx("ua: a message not kept in the history");
}

static void
su_message_done(struct srv_ua *su, uint64_t cookie, unsigned status,
    const char *reason)
{
	struct su_msg	**p, *m;

	for (p = &su->msgs; *p != NULL; p = &(*p)->next)
		if ((*p)->cookie == cookie)
			break;
	if ((m = *p) == NULL)
		return;
	*p = m->next;
	su_history(su, false, m->aor, m->peer, m->text, status);
	m->cb(status, reason, m->arg);
	su_msg_free(m);
}

static void
su_act(struct srv_ua *su, const struct sip_ua_action *a)
{
	switch (a->type) {
	case SIP_UA_SEND:
		if (srv_send_to(su->fd, a->data, a->len, &a->flow.remote) == -1)
			log_debug("ua: send: %s", strerror(errno));
		break;
	case SIP_UA_CALL:
		su_call_event(su, a->call, a->event);
		break;
	case SIP_UA_MEDIA:
		srv_media_start(su->media, a->call, &a->stream);
		break;
	case SIP_UA_MEDIA_STOP:
		srv_media_stop(su->media, a->call);
		break;
	case SIP_UA_MESSAGE:
		log_info("ua: message from %s to %s", a->from, a->to);
		su_history(su, true, a->to, a->from, a->text, 0);
		su->ops.message(a->from, a->to, a->text, su->ops.arg);
		break;
	case SIP_UA_MESSAGE_DONE:
		su_message_done(su, a->cookie, a->status, a->text);
		break;
	case SIP_UA_REGISTERED:
		su->ops.registered(a->to, a->status, a->text, su->ops.arg);
		break;
	case SIP_UA_DIRECT_OPEN:
	case SIP_UA_DIRECT_REMOTE:
	case SIP_UA_DIRECT_CLOSE:
		su->ops.direct(a, su->ops.arg);
		break;
	}
}

/* Calls the core forgot (after their linger) lose their media record. */
static bool
su_call_alive(uint32_t id, void *arg)
{
	struct srv_ua		*su = arg;
	struct sip_ua_call_info	 ci;

	return sip_ua_call_info(su->ua, id, &ci);
}

void
srv_ua_drain(struct srv_ua *su)
{
	struct sip_ua_action	a;

	su->draining = true;
	while (sip_ua_next_action(su->ua, &a)) {
		su_act(su, &a);
		sip_ua_action_clear(&a);
	}
	su->draining = false;
	srv_media_reap(su->media, su_call_alive, su);
	srv_timer_arm(su->timer, &su->timer_at, sip_ua_deadline(su->ua),
	    srv_now_ms());
}

static void
su_read(evutil_socket_t fd, short what, void *arg)
{
	struct srv_ua		*su = arg;
	struct sip_flow		 f;
	uint8_t			 buf[65536];
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < SU_BATCH; i++) {
		memset(&f, 0, sizeof f);
		f.tp = SIP_TP_UDP;
		if ((n = srv_recv_from(fd, buf, sizeof buf, &f.remote)) <= 0)
			break;
		sip_ua_input(su->ua, srv_now_ms(), &f, buf, (size_t)n);
	}
	srv_ua_drain(su);
}

static void
su_timer(evutil_socket_t fd, short what, void *arg)
{
	struct srv_ua	*su = arg;

	(void)fd;
	(void)what;
	su->timer_at = UINT64_MAX;
	sip_ua_tick(su->ua, srv_now_ms());
	srv_ua_drain(su);
}

/* ---- the calls' media (srv_media.c) ---- */

/* A call into the core from outside its drain: its actions run now. */
static void
su_after(struct srv_ua *su)
{
	if (!su->draining)
		srv_ua_drain(su);
}


static int
su_media_open(void *arg, uint32_t id, uint16_t *port)
{
	struct srv_ua	*su = arg;

	return srv_media_open(su->media, id, port);
}

/* The core ends the call; its actions are carried out now unless we
 * are carrying them out already. */
static void
su_media_failed(uint32_t id, const char *why, void *arg)
{
	struct srv_ua	*su = arg;

	(void)sip_ua_media_failed(su->ua, srv_now_ms(), id, why);
	su_after(su);
}

static void
su_media_dtmf(uint32_t id, char digit, bool sent, void *arg)
{
	struct srv_ua	*su = arg;

	su->ops.dtmf(id, digit, sent, su->ops.arg);
}

static void
su_media_servers(struct srv_media_servers *sv, void *arg)
{
	struct srv_ua	*su = arg;

	if (su->ops.servers != NULL)
		su->ops.servers(sv, su->ops.arg);
}

/* A call's candidates are in: its offer or answer goes out. */
static void
su_media_ready(uint32_t id, const struct sdp_ice *ice, void *arg)
{
	struct srv_ua	*su = arg;

	(void)sip_ua_media_ready(su->ua, srv_now_ms(), id, ice);
	su_after(su);
}

/* ---- ICE for SIP: the calls' direct flows (srv_sip_direct.c) ---- */

void
srv_ua_direct_ready(struct srv_ua *su, uint32_t call, const struct sdp_ice *ice)
{
	(void)sip_ua_direct_ready(su->ua, srv_now_ms(), call, ice);
	su_after(su);
}

void
srv_ua_direct_up(struct srv_ua *su, uint32_t call, const char *token)
{
	(void)sip_ua_direct_up(su->ua, srv_now_ms(), call, token);
	su_after(su);
}

void
srv_ua_direct_failed(struct srv_ua *su, uint32_t call, const char *why)
{
	(void)sip_ua_direct_failed(su->ua, srv_now_ms(), call, why);
	su_after(su);
}

/* ---- set-up ---- */

/* The core's settings; media (an IP literal) must outlive the call. */
static void
su_core_cfg(struct srv_ua *su, const struct cfg *cfg,
    const struct addr *proxy, char *media, const struct addr *pub,
    struct sip_ua_cfg *uc)
{
	addr_ip_str(pub, media);
	memset(uc, 0, sizeof *uc);
	uc->domain = cfg->overlay.name;
	uc->self = su->self;
	uc->proxy = *proxy;
	uc->lim.max_len = (size_t)cfg->sip.max_message_size;
	uc->lim.max_hdrs = (unsigned)cfg->sip.max_headers;
	uc->user_agent = "p2psipd/" P2PSIPD_VERSION;
	uc->media_addr = media;
	uc->srtp = (enum sdp_srtp_policy)cfg->media.srtp;
	uc->tls_peers = cfg->sip.tls_listen.family != 0;
	uc->fp_set = srv_media_fingerprint(su->media, uc->fp);
	uc->media_open = su_media_open;
	uc->direct = (enum sip_ua_direct_mode)cfg->ua.direct;
	uc->arg = su;
}

int
srv_ua_new(struct srv_ua **out, struct event_base *base,
    const struct cfg *cfg, const struct identity *ident, struct db *db,
    const struct addr *sip_listen, const struct addr *sip_pub,
    const struct srv_ua_ops *ops, char **cause)
{
	struct srv_ua		*su = xcalloc(1, sizeof *su);
	struct srv_media_ops	 mops = { su_media_failed, su_media_dtmf,
				    su_media_servers, su_media_ready, su };
	struct sip_ua_cfg	 uc;
	struct addr		 proxy = *sip_listen, self;
	char			 media[ADDR_STRLEN];
	int			 i, rc;

	su->ops = *ops;
	su->base = base;
	su->db = db;
	su->answer = (enum sip_ua_answer)cfg->ua.answer;
	su->fd = -1;
	su->rng.fill = srv_rand;
	su->lc.cb = srv_log;
	su->lc.level = LC_DEBUG;
	su->timer_at = UINT64_MAX;
	/* the UA lives next to the SIP listener: on its address, or on
	 * loopback when that is a wildcard */
	if (addr_is_any(&proxy))
		addr_parse_ip(proxy.family == 4 ? "127.0.0.1" : "::1", &proxy);
	proxy.port = sip_listen->port;
	self = proxy;
	self.port = 0;
	if ((su->fd = srv_udp_bind(&self)) == -1) {
		*cause = xasprintf("ua: cannot bind a UDP socket: %s",
		    strerror(errno));
		rc = EADDRINUSE;
		goto fail;
	}
	srv_local_addr(su->fd, &su->self);
	/* RTP where SIP listens (any address, if it is a wildcard); the
	 * address in SDP is the one peers reach us at */
	su->media = srv_media_new(base, cfg, sip_listen, ident, &mops);
	su_core_cfg(su, cfg, &proxy, media, sip_pub, &uc);
	su->ua = sip_ua_new(&uc, &su->rng, &su->lc);
	su->ev = event_new(base, su->fd, EV_READ | EV_PERSIST, su_read, su);
	event_add(su->ev, NULL);
	su->timer = evtimer_new(base, su_timer, su);
	for (i = 0; i < cfg->ua.aor.n; i++) {
		rc = sip_ua_aor_add(su->ua, srv_now_ms(), cfg->ua.aor.v[i],
		    cfg_user_password(cfg, cfg->ua.aor.v[i]), su->answer);
		if (rc == EINVAL) {
			*cause = xasprintf("[ua] aor: %s: not an AOR of the "
			    "overlay %s", cfg->ua.aor.v[i], cfg->overlay.name);
			goto fail;
		}
	}
	*out = su;
	srv_ua_drain(su);
	return 0;
fail:
	srv_ua_free(su);
	return rc;
}

const struct addr *
srv_ua_addr(const struct srv_ua *su)
{
	return &su->self;
}

void
srv_ua_host(struct srv_ua *su, const char *aor, bool on)
{
	if (on)
		(void)sip_ua_host(su->ua, aor, su->answer);
	else
		(void)sip_ua_unhost(su->ua, aor);
}

void
srv_ua_stop(struct srv_ua *su)
{
	if (su == NULL)
		return;
	sip_ua_hangup_all(su->ua, srv_now_ms());
	srv_ua_drain(su);
}

void
srv_ua_free(struct srv_ua *su)
{
	struct su_msg	*m;

	if (su == NULL)
		return;
	while ((m = su->msgs) != NULL) {
		su->msgs = m->next;
		m->cb(0, NULL, m->arg);
		su_msg_free(m);
	}
	srv_media_free(su->media);
	if (su->ev != NULL)
		event_free(su->ev);
	if (su->fd != -1)
		close(su->fd);
	if (su->timer != NULL)
		event_free(su->timer);
	sip_ua_free(su->ua);
	free(su);
}

struct sip_ua *
srv_ua_core(struct srv_ua *su)
{
	return su->ua;
}

struct srv_media *
srv_ua_media(struct srv_ua *su)
{
	return su->media;
}
