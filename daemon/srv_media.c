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
#include "identity.h"
#include "log.h"
#include "log_ctx.h"
#include "media_dtls.h"
#include "media_session.h"
#include "rng.h"
#include "srv.h"
#include "srv_media.h"
#include "srv_wav.h"
#include "xmalloc.h"

#define SM_BATCH	64	/* datagrams per readiness */
#define SM_PORT_TRIES	64	/* RTP port pairs tried for one call */

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
	srv_wav_close(c->rec);
	c->rec = NULL;
}

static void
sm_call_free(struct sm_call *c)
{
	sm_stop(c);
	free(c->play);
	free(c);
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
	return NULL;
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
		if (c->ms == NULL) {
			if (fd == c->fd[0] && n <= MEDIA_DTLS_MTU &&
			    media_dtls_is(buf, (size_t)n)) {
				memcpy(c->early, buf, (size_t)n);
				c->early_len = (size_t)n;
				c->early_from = from;
			}
			continue;
		}
		media_session_input(c->ms, srv_now_ms(), fd == c->fd[1], &from, buf,
		    (size_t)n);
	}
	if ((why = sm_drain(c->m, c)) != NULL)
		c->m->ops.failed(c->id, why, c->m->ops.arg);
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
	struct addr	a = m->bind;
	int		i, span = (m->port_max - m->port_min + 1) / 2, fd[2];

	for (i = 0; i < SM_PORT_TRIES && i < span; i++) {
		a.port = (uint16_t)m->port_next;
		m->port_next += 2;
		if (m->port_next + 1 > m->port_max)
			m->port_next = m->port_min;
		if ((fd[0] = srv_udp_bind(&a)) == -1)
			continue;
		a.port++;
		if ((fd[1] = srv_udp_bind(&a)) == -1) {
			close(fd[0]);
			continue;
		}
		*port = sm_call_new(m, id, fd, (uint16_t)(a.port - 1))->port;
		return 0;
	}
	log_warnx("ua: call %u: no RTP port pair free in %d-%d", id,
	    m->port_min, m->port_max);
	return EADDRINUSE;
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
	if (media_session_new(&c->ms, st, m->dtls, &m->rng, &m->lc, srv_now_ms(),
	    &why) != 0) {
		log_warnx("ua: call %u: media: %s", id, why);
		m->ops.failed(id, why, m->ops.arg);
		return;
	}
	if (c->play != NULL)
		media_session_play(c->ms, c->play, c->play_n);
	if (c->early_len > 0)
		media_session_input(c->ms, srv_now_ms(), false, &c->early_from,
		    c->early, c->early_len);
	c->early_len = 0;
	log_info("ua: call %u: media %s:%u %s%s", id, st->addr, st->port,
	    st->codec == SDP_PCMA ? "PCMA" : "PCMU",
	    st->keying == SDP_KEYING_SDES ? " SRTP (SDES)" :
	    st->keying == SDP_KEYING_DTLS ? " SRTP (DTLS)" : "");
	media_session_tick(c->ms, srv_now_ms());
	if ((why = sm_drain(m, c)) != NULL)
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
