/*
 * srv_media.c - the libevent driver of the calls' media sessions: for
 * each call with media two UDP sockets (RTP, RTCP), a timer at the
 * session's deadline, the WAV it plays and the WAV it records.  It feeds
 * the sessions datagrams and the time and carries out their actions;
 * failures and DTMF go to its owner (srv_media_ops).  No protocol logic
 * here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "cfg.h"
#include "ice.h"
#include "identity.h"
#include "log.h"
#include "log_ctx.h"
#include "media_dtls.h"
#include "media_session.h"
#include "rng.h"
#include "sdp.h"
#include "srv.h"
#include "srv_media.h"
#include "srv_wav.h"
#include "xmalloc.h"

#define SM_BATCH	64	/* datagrams per readiness */

struct sm_call {
	uint32_t		 id;
	struct srv_media	*m;
	int			 fd[2];		/* RTP, RTCP */
	struct event		*ev[2];
	uint16_t		 port;
	struct event		*timer;
	uint64_t		 timer_at;
	struct media_session	*ms;
	struct media_stats	 stats;		/* the last, once stopped */
	bool			 stopped;
	int16_t			*play;		/* to play, once media starts */
	size_t			 play_n;
	struct srv_wav		*rec;		/* the recording */
	bool			 failed;	/* the media could not go on */
	/* RFC 5763 §5: a ClientHello can come before the answer that
	 * starts our session; the last one is kept for it */
	uint8_t			 early[MEDIA_DTLS_MTU];
	size_t			 early_len;
	struct addr		 early_from;
	/* ICE ([media] ice): the agent on the RTP socket, until the peer
	 * shows it does none; ready: the owner was told the candidates */
	struct ice		*ice;
	struct event		*ice_timer;
	uint64_t		 ice_timer_at;
	uint64_t		 gather_until;
	bool			 ready;
	struct sdp_stream	*pending;	/* started once a pair is
						   selected */
	/* what ICE came to, kept once the call stops (state NULL: none) */
	const char		*ice_end;
	struct ice_pair_info	 ice_pair;
	bool			 ice_sel;
	struct sm_call		*next;
};

struct srv_media {
	struct srv_media_ops	 ops;
	struct event_base	*base;
	SSL_CTX			*dtls;		/* DTLS-SRTP, the node's
						   certificate */
	uint8_t			 fp[32];	/* ... its fingerprint */
	struct rng		 rng;
	struct log_ctx		 lc;
	struct addr		 bind;
	int			 port_min, port_max, port_next;
	bool			 ice;		/* [media] ice */
	struct sm_call		*calls;
};

static struct sm_call *
sm_call(struct srv_media *m, uint32_t id)
{
	struct sm_call	*c;

	for (c = m->calls; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static void
sm_stop(struct sm_call *c)
{
	struct media_action	a;
	int			i;

	if (c->stopped)
		return;
	c->stopped = true;
	if (c->ms != NULL) {
		media_session_bye(c->ms, srv_now_ms());
		while (media_session_next_action(c->ms, &a))
			if (a.type == MEDIA_SEND)
				(void)srv_send_to(c->fd[a.rtcp], a.data, a.len,
				    &a.to);
		c->stats = *media_session_stats(c->ms);
		media_session_free(c->ms);
		c->ms = NULL;
	}
	for (i = 0; i < 2; i++) {
		if (c->ev[i] != NULL)
			event_free(c->ev[i]);
		c->ev[i] = NULL;
		if (c->fd[i] != -1)
			close(c->fd[i]);
		c->fd[i] = -1;
	}
	if (c->timer != NULL)
		event_free(c->timer);
	c->timer = NULL;
	if (c->ice_timer != NULL)
		event_free(c->ice_timer);
	c->ice_timer = NULL;
	if (c->ice != NULL) {
		c->ice_end = ice_state_name(ice_state(c->ice));
		c->ice_sel = ice_selected(c->ice, 1, &c->ice_pair);
	}
	ice_free(c->ice);
	c->ice = NULL;
	srv_wav_close(c->rec);
	c->rec = NULL;
}

static void
sm_call_free(struct sm_call *c)
{
	sm_stop(c);
	free(c->pending);
	free(c->play);
	free(c);
}

static const char *sm_ice_drain(struct srv_media *, struct sm_call *);

/* RFC 5763 §5: a ClientHello can come before our session starts; the
 * last one is kept for it. */
static void
sm_early(struct sm_call *c, const struct addr *from, const uint8_t *buf,
    size_t len)
{
	if (len > MEDIA_DTLS_MTU || !media_dtls_is(buf, len))
		return;
	memcpy(c->early, buf, len);
	c->early_len = len;
	c->early_from = *from;
}
static const char *sm_session(struct srv_media *, struct sm_call *,
	    const struct sdp_stream *, const struct addr *);

/*
 * Media from the peer under ICE: from the peer's end of any valid pair
 * (RFC 8445 §12.2: the peer may send on another valid pair than the one
 * we send on, before selection), which the session takes as from its
 * peer; from anywhere else, the session counts it unexpected.
 */
static void
sm_ice_media(struct sm_call *c, const struct addr *from, uint8_t *buf,
    size_t len)
{
	struct ice_pair_info	p;

	if (c->ms == NULL) {
		sm_early(c, from, buf, len);
		return;
	}
	if (ice_from_valid(c->ice, 1, from) && ice_usable(c->ice, 1, &p))
		from = &p.remote.addr;
	media_session_input(c->ms, srv_now_ms(), false, from, buf, len);
}

/*
 * What the call's media session asks for.  Non-NULL if it failed: why,
 * for the caller to hand to ops.failed last, as that may forget c.
 */
static const char *
sm_drain(struct srv_media *m, struct sm_call *c)
{
	struct media_action	a;

	while (c->ms != NULL && media_session_next_action(c->ms, &a)) {
		switch (a.type) {
		case MEDIA_FAILED:
			if (c->failed)
				break;
			c->failed = true;
			log_warnx("ua: call %u: media: %s", c->id, a.why);
			return a.why;
		case MEDIA_SEND:
			/* RFC 8445 §12: on the selected pair only; through
			 * its relay when it has one */
			if (c->ice != NULL && !a.rtcp &&
			    !ice_direct(c->ice, 1, &a.to)) {
				(void)ice_send(c->ice, (int64_t)srv_now_ms(), 1,
				    a.data, a.len);
				break;
			}
			if (srv_send_to(c->fd[a.rtcp], a.data, a.len, &a.to) ==
			    -1)
				log_debug("ua: call %u: send: %s", c->id,
				    strerror(errno));
			break;
		case MEDIA_AUDIO:
			if (c->rec != NULL)
				srv_wav_write(c->rec, a.pcm, a.n);
			break;
		case MEDIA_DTMF:
		case MEDIA_DTMF_SENT:
			m->ops.dtmf(c->id, a.digit, a.type == MEDIA_DTMF_SENT,
			    m->ops.arg);
			break;
		}
	}
	if (c->ms != NULL)
		srv_timer_arm(c->timer, &c->timer_at, media_session_deadline(c->ms),
		    srv_now_ms());
	return c->ice != NULL ? sm_ice_drain(m, c) : NULL;
}

static void
sm_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sm_call	*c = arg;
	const char	*why;

	(void)fd;
	(void)what;
	c->timer_at = UINT64_MAX;
	if (c->ms == NULL)
		return;
	media_session_tick(c->ms, srv_now_ms());
	if ((why = sm_drain(c->m, c)) != NULL)
		c->m->ops.failed(c->id, why, c->m->ops.arg);
}

static void
sm_read(evutil_socket_t fd, short what, void *arg)
{
	struct sm_call	*c = arg;
	struct addr	 from;
	uint8_t		 buf[MEDIA_PKT_MAX + 1];
	const char	*why;
	ssize_t		 n;
	int		 i;

	(void)what;
	for (i = 0; i < SM_BATCH; i++) {
		if ((n = srv_recv_from(fd, buf, sizeof buf, &from)) < 0)
			break;
		/* STUN and the TURN server's go to ICE (RFC 7983 §7) */
		if (c->ice != NULL && fd == c->fd[0] && ice_input(c->ice,
		    (int64_t)srv_now_ms(), 1, &from, buf, (size_t)n))
			continue;
		if (c->ice != NULL && fd == c->fd[0]) {
			sm_ice_media(c, &from, buf, (size_t)n);
			continue;
		}
		if (c->ms == NULL) {
			if (fd == c->fd[0])
				sm_early(c, &from, buf, (size_t)n);
			continue;
		}
		media_session_input(c->ms, srv_now_ms(), fd == c->fd[1], &from, buf,
		    (size_t)n);
	}
	if ((why = sm_drain(c->m, c)) != NULL)
		c->m->ops.failed(c->id, why, c->m->ops.arg);
}

/* ---- ICE ---- */

/* The two layers name the candidate types in the same order. */
_Static_assert((int)SDP_CAND_HOST == (int)ICE_HOST &&
    (int)SDP_CAND_SRFLX == (int)ICE_SRFLX &&
    (int)SDP_CAND_PRFLX == (int)ICE_PRFLX &&
    (int)SDP_CAND_RELAY == (int)ICE_RELAYED, "candidate types differ");

void
srv_media_sdp_ice(const struct ice *ice, struct sdp_ice *out)
{
	struct ice_cand	 c[ICE_CANDS_MAX];
	unsigned	 i, n = ice_local(ice, c);

	memset(out, 0, sizeof *out);
	snprintf(out->ufrag, sizeof out->ufrag, "%s", ice_ufrag(ice));
	snprintf(out->pwd, sizeof out->pwd, "%s", ice_pwd(ice));
	for (i = 0; i < n && out->ncands < SDP_MAX_CANDS; i++) {
		struct sdp_cand	*d = &out->cands[out->ncands++];

		snprintf(d->foundation, sizeof d->foundation, "%s",
		    c[i].foundation);
		d->component = c[i].component;
		d->priority = c[i].priority;
		addr_ip_str(&c[i].addr, d->addr);
		d->port = c[i].addr.port;
		d->type = (enum sdp_cand_type)c[i].type;
		if (c[i].related.family != 0) {
			addr_ip_str(&c[i].related, d->raddr);
			d->rport = c[i].related.port;
		}
	}
}

/* The owner hears of the candidates once gathered, or at the deadline
 * (SRV_MEDIA_GATHER_MS) with what there is. */
static void
sm_ice_ready(struct srv_media *m, struct sm_call *c)
{
	struct sdp_ice	*si;

	if (c->ready || c->ice == NULL)
		return;
	if (ice_state(c->ice) == ICE_GATHERING &&
	    srv_now_ms() < c->gather_until)
		return;
	ice_gather_end(c->ice, (int64_t)srv_now_ms());
	c->ready = true;
	si = xmalloc(sizeof *si);
	srv_media_sdp_ice(c->ice, si);
	log_debug("ua: call %u: %u ICE candidates", c->id, si->ncands);
	m->ops.ready(c->id, si, m->ops.arg);
	free(si);
}

/*
 * What the call's agent asks for; the media session follows the selected
 * pair.  Non-NULL if the media cannot go on: why (no pair, or consent
 * lost, RFC 7675 §5.1).
 */
static const char *
sm_ice_drain(struct srv_media *m, struct sm_call *c)
{
	struct ice_action	*a = xmalloc(sizeof *a);
	struct ice_pair_info	 p;
	struct sdp_stream	*st;
	const char		*why = NULL;
	char			 b1[ADDR_STRLEN], b2[ADDR_STRLEN];
	uint64_t		 dl;
	bool			 start = false;

	while (c->ice != NULL && ice_next_action(c->ice, a)) {
		switch (a->type) {
		case ICE_ACT_SEND:
			if (srv_send_to(c->fd[0], a->buf, a->len, &a->to) == -1)
				log_debug("ua: call %u: ICE send: %s", c->id,
				    strerror(errno));
			break;
		case ICE_ACT_GATHERED:
			break;		/* sm_ice_ready, below */
		case ICE_ACT_DATA:
			sm_ice_media(c, &a->to, a->buf, a->len);
			break;
		case ICE_ACT_PAIR:
			/* RFC 8445 §12.1: media starts on the first valid
			 * pair, and follows the pair in use */
			if (!ice_usable(c->ice, 1, &p))
				break;
			log_debug("ua: call %u: ICE: media on %s %s -> %s %s",
			    c->id, ice_cand_type_name(p.local.type),
			    addr_str(&p.local.addr, b1),
			    ice_cand_type_name(p.remote.type),
			    addr_str(&p.remote.addr, b2));
			if (c->ms != NULL)
				media_session_set_peer(c->ms, &p.remote.addr);
			start = c->pending != NULL;
			break;
		case ICE_ACT_STATE:
			if (a->state == ICE_COMPLETED &&
			    ice_selected(c->ice, 1, &p)) {
				log_info("ua: call %u: ICE: %s %s -> %s %s",
				    c->id, ice_cand_type_name(p.local.type),
				    addr_str(&p.local.addr, b1),
				    ice_cand_type_name(p.remote.type),
				    addr_str(&p.remote.addr, b2));
			} else if (a->state == ICE_FAILED && !c->failed) {
				c->failed = true;
				why = ice_selected(c->ice, 1, &p) ?
				    "ICE: the peer's consent was lost" :
				    "ICE: no candidate pair works";
				log_warnx("ua: call %u: %s", c->id, why);
			}
			break;
		}
	}
	free(a);
	sm_ice_ready(m, c);
	if (start && why == NULL && ice_usable(c->ice, 1, &p)) {
		st = c->pending;
		c->pending = NULL;
		why = sm_session(m, c, st, &p.remote.addr);
		free(st);
	}
	if (c->ice != NULL && c->ice_timer != NULL) {
		dl = (uint64_t)ice_deadline(c->ice);
		if (!c->ready && c->gather_until < dl)
			dl = c->gather_until;
		srv_timer_arm(c->ice_timer, &c->ice_timer_at, dl, srv_now_ms());
	}
	return why;
}

static void
sm_ice_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sm_call	*c = arg;
	const char	*why;

	(void)fd;
	(void)what;
	c->ice_timer_at = UINT64_MAX;
	if (c->ice == NULL)
		return;
	ice_tick(c->ice, (int64_t)srv_now_ms());
	if ((why = sm_drain(c->m, c)) != NULL)
		c->m->ops.failed(c->id, why, c->m->ops.arg);
}

void
srv_media_ice_cfg(const struct srv_media_servers *sv, const struct addr *host,
    struct ice_cfg *ic)
{
	memset(ic, 0, sizeof *ic);
	ic->controlling = true;
	ic->ncomp = 1;
	ic->host[0] = *host;
	ic->stun_server = sv->stun;
	if (sv->turn.family != 0 && sv->turn_user != NULL &&
	    sv->turn_password != NULL) {
		ic->turn_server = sv->turn;
		ic->turn_user = sv->turn_user;
		ic->turn_password = sv->turn_password;
	}
}

/* An agent for c's RTP socket (one component: RTCP goes beside it),
 * gathering from the owner's servers. */
static void
sm_ice_new(struct srv_media *m, struct sm_call *c)
{
	struct srv_media_servers	 sv;
	struct ice_cfg			 ic;
	struct addr			 host = m->bind;

	memset(&sv, 0, sizeof sv);
	m->ops.servers(&sv, m->ops.arg);
	host.port = c->port;
	srv_media_ice_cfg(&sv, &host, &ic);	/* the role: srv_media_start */
	if (ice_new(&c->ice, &ic, &m->rng, &m->lc) != 0) {
		c->ice = NULL;
		return;
	}
	c->ice_timer = evtimer_new(m->base, sm_ice_timer, c);
	c->ice_timer_at = UINT64_MAX;
	c->gather_until = srv_now_ms() + SRV_MEDIA_GATHER_MS;
	ice_gather(c->ice, (int64_t)srv_now_ms());
	/* the owner hears from the event loop, not from inside its call */
	event_active(c->ice_timer, EV_TIMEOUT, 0);
}

int
srv_media_ice_remote(struct ice *ice, bool controlling,
    const struct sdp_ice *peer)
{
	struct ice_cand	*rc = xcalloc(SDP_MAX_CANDS, sizeof *rc);
	unsigned	 i, n = 0;
	int		 ret;

	for (i = 0; i < peer->ncands; i++) {
		const struct sdp_cand	*sc = &peer->cands[i];
		struct ice_cand		*ic = &rc[n];

		if (sc->component != 1 ||
		    addr_parse_ip(sc->addr, &ic->addr) != 0)
			continue;
		ic->addr.port = sc->port;
		snprintf(ic->foundation, sizeof ic->foundation, "%s",
		    sc->foundation);
		ic->component = 1;
		ic->priority = sc->priority;
		ic->type = (enum ice_cand_type)sc->type;
		n++;
	}
	ice_set_role(ice, controlling);
	ret = ice_set_remote(ice, (int64_t)srv_now_ms(), peer->ufrag, peer->pwd,
	    rc, n);
	free(rc);
	return ret;
}

/* The peer's candidates (IP literals: a name is not resolved here). */
static int
sm_ice_remote(struct sm_call *c, const struct sdp_stream *st)
{
	return srv_media_ice_remote(c->ice, st->ice_controlling, &st->peer_ice);
}

const char *
srv_media_ice(struct srv_media *m, uint32_t id, struct ice_pair_info *p,
    bool *selected)
{
	struct sm_call	*c = sm_call(m, id);

	if (c == NULL)
		return NULL;
	if (c->ice == NULL) {
		*selected = c->ice_sel;
		*p = c->ice_pair;
		return c->ice_end;
	}
	*selected = ice_selected(c->ice, 1, p);
	return ice_state_name(ice_state(c->ice));
}

static struct sm_call *
sm_call_new(struct srv_media *m, uint32_t id, const int fd[2], uint16_t port)
{
	struct sm_call	*c = xcalloc(1, sizeof *c);
	int		 j;

	c->id = id;
	c->m = m;
	c->port = port;
	for (j = 0; j < 2; j++) {
		c->fd[j] = fd[j];
		c->ev[j] = event_new(m->base, fd[j], EV_READ | EV_PERSIST,
		    sm_read, c);
		event_add(c->ev[j], NULL);
	}
	c->timer = evtimer_new(m->base, sm_timer, c);
	c->timer_at = UINT64_MAX;
	c->next = m->calls;
	m->calls = c;
	return c;
}

int
srv_media_open(struct srv_media *m, uint32_t id, uint16_t *port)
{
	struct sm_call	*c;
	int		 fd[2];

	if (srv_udp_ports(&m->bind, m->port_min, m->port_max, &m->port_next,
	    2, fd, port) != 0) {
		log_warnx("ua: call %u: no RTP port pair free in %d-%d", id,
		    m->port_min, m->port_max);
		return EADDRINUSE;
	}
	c = sm_call_new(m, id, fd, *port);
	if (!m->ice)
		return 0;
	sm_ice_new(m, c);
	return c->ice != NULL ? EINPROGRESS : 0;
}

/*
 * c's media session on st, sending to ICE's pick (peer) or, NULL, to
 * st's address.  Non-NULL if it failed: why, for the caller to hand to
 * ops.failed.
 */
static const char *
sm_session(struct srv_media *m, struct sm_call *c, const struct sdp_stream *st,
    const struct addr *peer)
{
	const char	*why;

	if (media_session_new(&c->ms, st, m->dtls, &m->rng, &m->lc, srv_now_ms(),
	    &why) != 0) {
		log_warnx("ua: call %u: media: %s", c->id, why);
		return why;
	}
	if (peer != NULL)
		media_session_set_peer(c->ms, peer);
	if (c->play != NULL)
		media_session_play(c->ms, c->play, c->play_n);
	if (c->early_len > 0)
		media_session_input(c->ms, srv_now_ms(), false, &c->early_from,
		    c->early, c->early_len);
	c->early_len = 0;
	log_info("ua: call %u: media %s:%u %s%s", c->id, st->addr, st->port,
	    st->codec == SDP_PCMA ? "PCMA" : "PCMU",
	    st->keying == SDP_KEYING_SDES ? " SRTP (SDES)" :
	    st->keying == SDP_KEYING_DTLS ? " SRTP (DTLS)" : "");
	media_session_tick(c->ms, srv_now_ms());
	return sm_drain(m, c);
}

void
srv_media_start(struct srv_media *m, uint32_t id, const struct sdp_stream *st)
{
	struct sm_call	*c = sm_call(m, id);
	const char	*why;

	if (c == NULL || c->stopped)
		return;
	if (c->ms != NULL) {
		if (media_session_update(c->ms, st, srv_now_ms(), &why) != 0) {
			log_warnx("ua: call %u: media: %s", id, why);
			m->ops.failed(id, why, m->ops.arg);
		}
		return;
	}
	/* ICE when the peer does it too (RFC 8839 §4.2): the session (and
	 * its DTLS handshake) starts once a pair is selected; else plain
	 * media to its c= and port, at once */
	if (c->ice != NULL && (!st->ice || sm_ice_remote(c, st) != 0)) {
		log_info("ua: call %u: the peer does no ICE", id);
		if (c->ice_timer != NULL)
			event_free(c->ice_timer);
		c->ice_timer = NULL;
		ice_free(c->ice);
		c->ice = NULL;
	}
	if (c->ice != NULL) {
		if (c->pending == NULL)
			c->pending = xmalloc(sizeof *c->pending);
		*c->pending = *st;
		why = sm_drain(m, c);
	} else
		why = sm_session(m, c, st, NULL);
	if (why != NULL)
		m->ops.failed(id, why, m->ops.arg);
}

void
srv_media_stop(struct srv_media *m, uint32_t id)
{
	struct sm_call	*c = sm_call(m, id);

	if (c != NULL)
		sm_stop(c);
}

void
srv_media_reap(struct srv_media *m, bool (*alive)(uint32_t, void *),
    void *arg)
{
	struct sm_call	**p, *c;

	for (p = &m->calls; (c = *p) != NULL; ) {
		if (!alive(c->id, arg)) {
			*p = c->next;
			sm_call_free(c);
		} else
			p = &c->next;
	}
}

int
srv_media_attach(struct srv_media *m, uint32_t id, int16_t *pcm, size_t n,
    const char *record, char **err)
{
	struct sm_call	*c = sm_call(m, id);

	if (c == NULL) {
		free(pcm);
		*err = xstrdup("the call has no media");
		return ENOENT;
	}
	free(c->play);
	c->play = pcm;
	c->play_n = n;
	if (c->ms != NULL && pcm != NULL)
		media_session_play(c->ms, pcm, n);
	if (record == NULL)
		return 0;
	return srv_wav_create(&c->rec, record, id, err);
}

int
srv_media_dtmf(struct srv_media *m, uint32_t id, const char *digits,
    unsigned duration_ms, char **err)
{
	struct sm_call	*c = sm_call(m, id);
	const char	*why;
	int		 rc;

	if (c == NULL || c->ms == NULL) {
		*err = xstrdup("the call has no media");
		return ENOTCONN;
	}
	if ((rc = media_session_dtmf(c->ms, digits, duration_ms, &why)) != 0) {
		*err = xstrdup(why);
		return rc;
	}
	log_info("ua: call %u: DTMF %s queued", id, digits);
	return 0;
}

const struct media_stats *
srv_media_stats(struct srv_media *m, uint32_t id)
{
	struct sm_call	*c = sm_call(m, id);

	if (c == NULL)
		return NULL;
	return c->ms != NULL ? media_session_stats(c->ms) : &c->stats;
}

/* ---- set-up ---- */

struct srv_media *
srv_media_new(struct event_base *base, const struct cfg *cfg,
    const struct addr *bind, const struct identity *ident,
    const struct srv_media_ops *ops)
{
	struct srv_media	*m = xcalloc(1, sizeof *m);

	m->ops = *ops;
	m->base = base;
	m->bind = *bind;
	m->bind.port = 0;
	m->rng.fill = srv_rand;
	m->lc.cb = srv_log;
	m->lc.level = LC_DEBUG;
	m->port_min = cfg->media.rtp_port_min;
	m->port_max = cfg->media.rtp_port_max;
	m->port_next = m->port_min + 2 * (int)rng_below(&m->rng,
	    (uint64_t)(m->port_max - m->port_min + 1) / 2);
	m->ice = cfg->media.ice && ops->servers != NULL && ops->ready != NULL;
	/* DTLS-SRTP with the node's own certificate (RFC 5763 §5) */
	if (cfg->media.srtp != SDP_SRTP_OFF && ident != NULL) {
		m->dtls = media_dtls_ctx(ident->cert, ident->key, m->fp);
		if (m->dtls == NULL)
			log_warnx("ua: no DTLS-SRTP: the node's certificate "
			    "will not do");
	}
	return m;
}

bool
srv_media_fingerprint(const struct srv_media *m, uint8_t fp[32])
{
	if (m->dtls == NULL)
		return false;
	memcpy(fp, m->fp, sizeof m->fp);
	return true;
}

void
srv_media_free(struct srv_media *m)
{
	struct sm_call	*c;

	if (m == NULL)
		return;
	while ((c = m->calls) != NULL) {
		m->calls = c->next;
		sm_call_free(c);
	}
	SSL_CTX_free(m->dtls);
	free(m);
}
