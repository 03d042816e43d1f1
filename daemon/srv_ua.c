/*
 * srv_ua.c - the libevent driver of the UA core (sip_ua.h): its SIP
 * socket (UDP, on this host, next to the daemon's SIP listener, which is
 * its outbound proxy), one timer at the core's deadline, and for each
 * call with media two UDP sockets (RTP on an even port of [media]
 * rtp_ports, RTCP on the next), a timer at the media session's deadline,
 * the WAV it plays and the WAV it records.  It feeds the cores datagrams
 * and the time and carries out their actions; call states, DTMF and
 * messages go to the event stream, messages to the history in sqlite.
 * No protocol logic here.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "cfg.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "d.h"
#include "identity.h"
#include "srv_loc.h"
#include "log.h"
#include "log_ctx.h"
#include "media_dtls.h"
#include "media_session.h"
#include "rng.h"
#include "rtp.h"
#include "sip_ua.h"
#include "srv_sip.h"
#include "srv_ua.h"
#include "srv.h"
#include "db.h"
#include "version.h"
#include "wav.h"
#include "xmalloc.h"

#define SU_BATCH	64	/* datagrams per readiness */
#define SU_PORT_TRIES	64	/* RTP port pairs tried for one call */

struct su_call {
	uint32_t		 id;
	struct srv_ua		*su;
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
	FILE			*rec;
	char			*rec_path;
	uint32_t		 rec_n;		/* samples written */
	bool			 failed;	/* the media could not go on */
	/* RFC 5763 §5: a ClientHello can come before the answer that
	 * starts our session; the last one is kept for it */
	uint8_t			 early[MEDIA_DTLS_MTU];
	size_t			 early_len;
	struct addr		 early_from;
	struct su_call		*next;
};

struct su_msg {
	uint64_t		 cookie;
	unsigned		 client;
	json_t			*id;
	char			*aor, *peer, *text;
	struct su_msg		*next;
};

struct srv_ua {
	struct d		*d;
	struct event_base	*base;
	struct sip_ua		*ua;
	SSL_CTX			*dtls;		/* DTLS-SRTP, the node's
						   certificate */
	struct rng		 rng;
	struct log_ctx		 lc;
	int			 fd;
	struct event		*ev;
	struct event		*timer;
	uint64_t		 timer_at;
	struct addr		 self;
	struct addr		 media_bind;
	int			 port_min, port_max, port_next;
	struct su_call		*calls;
	struct su_msg		*msgs;
	uint64_t		 next_cookie;
};

static void	su_call_timer(evutil_socket_t, short, void *);

static void
su_msg_free(struct su_msg *m)
{
	json_decref(m->id);
	free(m->aor);
	free(m->peer);
	free(m->text);
	free(m);
}

/* ---- calls' media ---- */

static struct su_call *
su_call(struct srv_ua *su, uint32_t id)
{
	struct su_call	*c;

	for (c = su->calls; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static void
su_rec_close(struct su_call *c)
{
	uint8_t	hdr[WAV_HDR_LEN];

	if (c->rec == NULL)
		return;
	wav_header(hdr, c->rec_n);
	if (fseek(c->rec, 0, SEEK_SET) != 0 ||
	    fwrite(hdr, sizeof hdr, 1, c->rec) != 1)
		log_warnx("ua: call %u: %s: cannot finish the recording",
		    c->id, c->rec_path);
	if (fclose(c->rec) != 0)
		log_warn("ua: call %u: %s", c->id, c->rec_path);
	c->rec = NULL;
	log_info("ua: call %u: recorded %.1f s to %s", c->id,
	    c->rec_n / (double)WAV_RATE, c->rec_path);
}

/* The media stops: the last RTCP (BYE), sockets closed, recording
 * finished; the figures stay until the call goes. */
static void
su_media_stop(struct su_call *c)
{
	int	i;

	if (c->stopped)
		return;
	c->stopped = true;
	if (c->ms != NULL) {
		struct media_action	a;

		media_bye(c->ms, srv_now_ms());
		while (media_next_action(c->ms, &a))
			if (a.type == MEDIA_SEND)
				(void)srv_send_to(c->fd[a.rtcp], a.data, a.len,
				    &a.to);
		c->stats = *media_stats(c->ms);
		media_free(c->ms);
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
	su_rec_close(c);
}

static void
su_call_free(struct su_call *c)
{
	su_media_stop(c);
	free(c->play);
	free(c->rec_path);
	free(c);
}

/*
 * What the call's media session asks for.  True if it failed (the
 * core then has a BYE to send: the caller drains it, and forgets c,
 * which that may free).
 */
static bool
su_media_drain(struct srv_ua *su, struct su_call *c)
{
	struct media_action	 a;
	unsigned char		 le[2 * MEDIA_PKT_MAX];
	size_t			 i;

	while (c->ms != NULL && media_next_action(c->ms, &a)) {
		switch (a.type) {
		case MEDIA_FAILED:
			if (c->failed)
				break;
			c->failed = true;
			log_warnx("ua: call %u: media: %s", c->id, a.why);
			(void)sip_ua_media_failed(su->ua, srv_now_ms(), c->id,
			    a.why);
			return true;
		case MEDIA_SEND:
			if (srv_send_to(c->fd[a.rtcp], a.data, a.len, &a.to) ==
			    -1)
				log_debug("ua: call %u: send: %s", c->id,
				    strerror(errno));
			break;
		case MEDIA_AUDIO:
			if (c->rec == NULL || (uint64_t)(c->rec_n + a.n) * 2 >
			    WAV_MAX_LEN)
				break;
			for (i = 0; i < a.n; i++) {	/* little-endian */
				le[2 * i] = (unsigned char)(a.pcm[i] & 0xff);
				le[2 * i + 1] = (unsigned char)
				    ((uint16_t)a.pcm[i] >> 8);
			}
			if (fwrite(le, 2, a.n, c->rec) == a.n)
				c->rec_n += (uint32_t)a.n;
			break;
		case MEDIA_DTMF:
		case MEDIA_DTMF_SENT:
			if (su->d->ctl != NULL) {
				char	 digit[2] = { a.digit, '\0' };
				json_t	*f = json_pack("{s:i, s:s}", "call",
					    (int)c->id, "digit", digit);

				ctl_event(su->d->ctl, a.type == MEDIA_DTMF ?
				    "dtmf" : "dtmf-sent", f);
				json_decref(f);
			}
			break;
		}
	}
	if (c->ms != NULL)
		srv_timer_arm(c->timer, &c->timer_at, media_deadline(c->ms),
		    srv_now_ms());
	return false;
}

static void
su_call_timer(evutil_socket_t fd, short what, void *arg)
{
	struct su_call	*c = arg;

	(void)fd;
	(void)what;
	c->timer_at = UINT64_MAX;
	if (c->ms == NULL)
		return;
	media_tick(c->ms, srv_now_ms());
	if (su_media_drain(c->su, c))
		srv_ua_drain(c->su);
}

static void
su_media_read(evutil_socket_t fd, short what, void *arg)
{
	struct su_call		*c = arg;
	struct addr		 from;
	uint8_t			 buf[MEDIA_PKT_MAX + 1];
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < SU_BATCH; i++) {
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
		media_input(c->ms, srv_now_ms(), fd == c->fd[1], &from, buf,
		    (size_t)n);
	}
	if (su_media_drain(c->su, c))
		srv_ua_drain(c->su);
}

static int
su_udp_bind(const struct addr *a)
{
	struct sockaddr_storage	ss;
	socklen_t		sl = srv_addr_to(a, &ss);
	int			fd;

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The core's media_open: an RTP port and the next for RTCP. */
static int
su_media_open(void *arg, uint32_t id, uint16_t *port)
{
	struct srv_ua	*su = arg;
	struct su_call	*c;
	struct addr	 a = su->media_bind;
	int		 i, j, span = (su->port_max - su->port_min + 1) / 2, fd[2];

	for (i = 0; i < SU_PORT_TRIES && i < span; i++) {
		a.port = (uint16_t)su->port_next;
		su->port_next += 2;
		if (su->port_next + 1 > su->port_max)
			su->port_next = su->port_min;
		if ((fd[0] = su_udp_bind(&a)) == -1)
			continue;
		a.port++;
		if ((fd[1] = su_udp_bind(&a)) == -1) {
			close(fd[0]);
			continue;
		}
		c = xcalloc(1, sizeof *c);
		c->id = id;
		c->su = su;
		c->port = (uint16_t)(a.port - 1);
		for (j = 0; j < 2; j++) {
			c->fd[j] = fd[j];
			c->ev[j] = event_new(su->base, fd[j],
			    EV_READ | EV_PERSIST, su_media_read, c);
			event_add(c->ev[j], NULL);
		}
		c->timer = evtimer_new(su->base, su_call_timer, c);
		c->timer_at = UINT64_MAX;
		c->next = su->calls;
		su->calls = c;
		*port = c->port;
		return 0;
	}
	log_warnx("ua: call %u: no RTP port pair free in %d-%d", id,
	    su->port_min, su->port_max);
	return EADDRINUSE;
}

static void
su_media_start(struct srv_ua *su, uint32_t id, const struct sdp_stream *st)
{
	struct su_call	*c = su_call(su, id);
	const char	*why;

	if (c == NULL || c->stopped)
		return;
	if (c->ms != NULL) {
		if (media_update(c->ms, st, srv_now_ms(), &why) != 0) {
			log_warnx("ua: call %u: media: %s", id, why);
			(void)sip_ua_media_failed(su->ua, srv_now_ms(), id, why);
		}
		return;
	}
	if (media_new(&c->ms, st, su->dtls, &su->rng, &su->lc, srv_now_ms(),
	    &why) != 0) {
		log_warnx("ua: call %u: media: %s", id, why);
		(void)sip_ua_media_failed(su->ua, srv_now_ms(), id, why);
		return;
	}
	if (c->play != NULL)
		media_play(c->ms, c->play, c->play_n);
	if (c->early_len > 0)
		media_input(c->ms, srv_now_ms(), false, &c->early_from, c->early,
		    c->early_len);
	c->early_len = 0;
	log_info("ua: call %u: media %s:%u %s%s", id, st->addr, st->port,
	    st->codec == SDP_PCMA ? "PCMA" : "PCMU",
	    st->keying == SDP_KEYING_SDES ? " SRTP (SDES)" :
	    st->keying == SDP_KEYING_DTLS ? " SRTP (DTLS)" : "");
	media_tick(c->ms, srv_now_ms());
	(void)su_media_drain(su, c);	/* (we are in srv_ua_drain) */
}

/* A WAV file to play, as samples at 8000 Hz: 0, or an error. */
static int
su_wav_load(const char *path, int16_t **pcm, size_t *n, char **err)
{
	struct wav_fmt	 f;
	struct stat	 sb;
	uint8_t		*buf;
	const char	*why;
	FILE		*fp;
	int		 rc;

	if ((fp = fopen(path, "rb")) == NULL) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return errno;
	}
	if (fstat(fileno(fp), &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > (off_t)WAV_MAX_LEN) {
		*err = xasprintf("%s: not a regular file of at most %u MiB",
		    path, WAV_MAX_LEN >> 20);
		fclose(fp);
		return EINVAL;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	if (fread(buf, 1, (size_t)sb.st_size, fp) != (size_t)sb.st_size) {
		*err = xasprintf("%s: cannot read", path);
		free(buf);
		fclose(fp);
		return EIO;
	}
	fclose(fp);
	if ((rc = wav_parse(&f, buf, (size_t)sb.st_size, &why)) != 0) {
		*err = xasprintf("%s: %s", path, why);
		free(buf);
		return rc;
	}
	*n = wav_samples(&f);
	*pcm = xreallocarray(NULL, *n + 1, sizeof **pcm);
	wav_convert(&f, *pcm);
	free(buf);
	return 0;
}

/* Play and record for call id (its media not started yet). */
static int
su_attach(struct srv_ua *su, uint32_t id, int16_t *pcm, size_t n,
    const char *record, char **err)
{
	struct su_call	*c = su_call(su, id);
	uint8_t		 hdr[WAV_HDR_LEN];

	if (c == NULL) {
		free(pcm);
		*err = xstrdup("the call has no media");
		return ENOENT;
	}
	free(c->play);
	c->play = pcm;
	c->play_n = n;
	if (c->ms != NULL && pcm != NULL)
		media_play(c->ms, pcm, n);
	if (record == NULL)
		return 0;
	if ((c->rec = fopen(record, "wb")) == NULL) {
		*err = xasprintf("%s: %s", record, strerror(errno));
		return errno;
	}
	wav_header(hdr, 0);
	(void)fwrite(hdr, sizeof hdr, 1, c->rec);
	c->rec_path = xstrdup(record);
	return 0;
}

int
srv_ua_call(struct srv_ua *su, const char *from, const char *target,
    const char *play, const char *record, uint32_t duration_s, uint32_t *id,
    char **err)
{
	int16_t		*pcm = NULL;
	size_t		 n = 0;
	const char	*why;
	int		 rc;

	/* the file is checked before anything goes out */
	if (play != NULL && (rc = su_wav_load(play, &pcm, &n, err)) != 0)
		return rc;
	if ((rc = sip_ua_call(su->ua, srv_now_ms(), from, target, duration_s, id,
	    &why)) != 0) {
		free(pcm);
		*err = xstrdup(why);
		srv_ua_drain(su);
		return rc;
	}
	rc = su_attach(su, *id, pcm, n, record, err);
	if (rc != 0)
		(void)sip_ua_hangup(su->ua, srv_now_ms(), *id);
	srv_ua_drain(su);
	return rc;
}

int
srv_ua_answer(struct srv_ua *su, uint32_t id, const char *play,
    const char *record, uint32_t *answered, char **err)
{
	struct sip_ua_call_info	 ci;
	int16_t			*pcm = NULL;
	size_t			 n = 0;
	int			 rc;

	if (id == 0)
		id = sip_ua_ringing(su->ua);
	if (id == 0 || !sip_ua_call_info(su->ua, id, &ci) ||
	    ci.state != SIP_UA_INCOMING) {
		*err = xstrdup(id == 0 ? "no call rings" :
		    "no such call ringing");
		return ENOENT;
	}
	if (play != NULL && (rc = su_wav_load(play, &pcm, &n, err)) != 0)
		return rc;
	if ((rc = su_attach(su, id, pcm, n, record, err)) != 0)
		return rc;
	rc = sip_ua_answer(su->ua, srv_now_ms(), id);
	srv_ua_drain(su);
	*answered = id;
	if (rc != 0)
		*err = xstrdup("the call cannot be answered");
	return rc;
}

int
srv_ua_dtmf(struct srv_ua *su, uint32_t id, const char *digits,
    unsigned duration_ms, uint32_t *call, char **err)
{
	struct sip_ua_call_info	 ci;
	struct su_call		*c;
	const char		*why, *p;
	int			 rc;

	/* a bad digit is named before anything is queued */
	for (p = digits; *p != '\0'; p++)
		if (rtp_dtmf_event(*p) < 0) {
			*err = xasprintf("'%c' is not a DTMF digit (0-9, *, #, "
			    "A-D)", *p >= ' ' && *p < 127 ? *p : '?');
			return EINVAL;
		}
	if (id == 0)
		id = sip_ua_newest(su->ua);
	if (id == 0 || !sip_ua_call_info(su->ua, id, &ci)) {
		*err = xstrdup(id == 0 ? "no call" : "no such call");
		return ENOENT;
	}
	if (ci.state != SIP_UA_ACTIVE || (c = su_call(su, id)) == NULL ||
	    c->ms == NULL) {
		*err = xstrdup(ci.state == SIP_UA_ENDED ? "the call has ended" :
		    ci.state != SIP_UA_ACTIVE ? "the call is not answered" :
		    "the call has no media");
		return ENOTCONN;
	}
	if ((rc = media_dtmf(c->ms, digits, duration_ms, &why)) != 0) {
		*err = xstrdup(why);
		return rc;
	}
	log_info("ua: call %u: DTMF %s queued", id, digits);
	*call = id;
	return 0;
}

int
srv_ua_message(struct srv_ua *su, unsigned client, const json_t *id,
    const char *from, const char *target, const char *text, char **err)
{
	struct su_msg	*m;
	const char	*why;
	char		 aor[512];
	int		 rc;

	m = xcalloc(1, sizeof *m);
	m->cookie = ++su->next_cookie;
	m->client = client;
	m->id = json_deep_copy(id);
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

/* ---- the UA core ---- */

static void
su_event(struct srv_ua *su, const char *name, json_t *fields)
{
	if (su->d->ctl != NULL && fields != NULL)
		ctl_event(su->d->ctl, name, fields);
	json_decref(fields);
}

static const char *
su_keying(const struct sdp_stream *st)
{
	return st->keying == SDP_KEYING_SDES ? "sdes" :
	    st->keying == SDP_KEYING_DTLS ? "dtls" : "none";
}

/* A call as JSON: what calls lists and events carry. */
static json_t *
su_call_json(struct srv_ua *su, const struct sip_ua_call_info *ci)
{
	struct su_call			*c = su_call(su, ci->id);
	const struct media_stats	*ms = NULL;
	uint64_t			 now = srv_now_ms(), dur = 0;
	json_t				*o;

	if (c != NULL)
		ms = c->ms != NULL ? media_stats(c->ms) : &c->stats;
	if (ci->answered != 0)
		dur = (ci->ended != 0 ? ci->ended : now) - ci->answered;
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:f}",
	    "id", (int)ci->id, "state", sip_ua_state_name(ci->state),
	    "direction", ci->outgoing ? "out" : "in", "aor", ci->aor,
	    "peer", ci->peer, "codec", !ci->media ? "" :
	    ci->stream.codec == SDP_PCMA ? "PCMA" : "PCMU",
	    "srtp", !ci->media ? "" : su_keying(&ci->stream),
	    "status", (int)ci->status, "reason", ci->reason,
	    "duration", dur / 1000.0);
	if (ms != NULL)
		json_object_update_new(o, json_pack("{s:I, s:I, s:I, s:f, "
		    "s:I, s:I}", "sent", (json_int_t)ms->sent,
		    "received", (json_int_t)ms->received,
		    "lost", (json_int_t)ms->lost,
		    "jitter_ms", ms->jitter_ms,
		    "unexpected", (json_int_t)ms->unexpected,
		    "auth_failed", (json_int_t)ms->auth_failed));
	return o;
}

json_t *
srv_ua_calls_json(struct srv_ua *su)
{
	struct sip_ua_call_info	 ci;
	json_t			*list = json_array();
	uint32_t		 i;

	for (i = sip_ua_call_next(su->ua, 0); i != 0;
	    i = sip_ua_call_next(su->ua, i))
		if (sip_ua_call_info(su->ua, i, &ci))
			json_array_append_new(list, su_call_json(su, &ci));
	return list;
}

static void
su_call_event(struct srv_ua *su, uint32_t id, const char *what)
{
	struct sip_ua_call_info	 ci;
	char			 name[32];

	if (!sip_ua_call_info(su->ua, id, &ci))
		return;
	snprintf(name, sizeof name, "call-%s", what);
	su_event(su, name, su_call_json(su, &ci));
}

static void
su_message_done(struct srv_ua *su, uint64_t cookie, unsigned status,
    const char *reason)
{
	struct su_msg	**p, *m;
	json_t		 *r;

	for (p = &su->msgs; *p != NULL; p = &(*p)->next)
		if ((*p)->cookie == cookie)
			break;
	if ((m = *p) == NULL)
		return;
	*p = m->next;
	if (su->d->db != NULL && db_msg_add(su->d->db,
	    (int64_t)time(NULL), false, m->aor, m->peer, m->text,
	    (int)status) != 0)
		log_warnx("ua: a message not kept in the history");
	if (su->d->ctl != NULL) {
		r = json_pack("{s:i, s:s}", "status", (int)status, "reason",
		    reason);
		if (status >= 200 && status < 300)
			ctl_answer(su->d->ctl, m->client, m->id, r, NULL,
			    NULL);
		else {
			char	*msg = xasprintf("%u %s", status, reason);

			ctl_answer(su->d->ctl, m->client, m->id, NULL,
			    CTL_E_FAILED, msg);
			free(msg);
		}
		json_decref(r);
	}
	su_msg_free(m);
}

/* Calls the core forgot (after their linger) lose their media record. */
static void
su_reap(struct srv_ua *su)
{
	struct sip_ua_call_info	  ci;
	struct su_call		**p, *c;

	for (p = &su->calls; (c = *p) != NULL; ) {
		if (!sip_ua_call_info(su->ua, c->id, &ci)) {
			*p = c->next;
			su_call_free(c);
		} else
			p = &c->next;
	}
}

void
srv_ua_drain(struct srv_ua *su)
{
	struct sip_ua_action	 a;
	struct su_call		*c;

	while (sip_ua_next_action(su->ua, &a)) {
		switch (a.type) {
		case SIP_UA_SEND:
			if (srv_send_to(su->fd, a.data, a.len, &a.flow.remote) ==
			    -1)
				log_debug("ua: send: %s", strerror(errno));
			break;
		case SIP_UA_CALL:
			su_call_event(su, a.call, a.event);
			break;
		case SIP_UA_MEDIA:
			su_media_start(su, a.call, &a.stream);
			break;
		case SIP_UA_MEDIA_STOP:
			if ((c = su_call(su, a.call)) != NULL)
				su_media_stop(c);
			break;
		case SIP_UA_MESSAGE:
			log_info("ua: message from %s to %s", a.from, a.to);
			if (su->d->db != NULL && db_msg_add(su->d->db,
			    (int64_t)time(NULL), true, a.to, a.from, a.text,
			    0) != 0)
				log_warnx("ua: a message not kept in the "
				    "history");
			su_event(su, "message", json_pack("{s:s, s:s, s:s}",
			    "from", a.from, "to", a.to, "text", a.text));
			break;
		case SIP_UA_MESSAGE_DONE:
			su_message_done(su, a.cookie, a.status, a.text);
			break;
		case SIP_UA_REGISTERED:
			su_event(su, "ua-registration", json_pack("{s:s, s:i, "
			    "s:s}", "aor", a.to, "status", (int)a.status,
			    "reason", a.text));
			break;
		}
		sip_ua_action_clear(&a);
	}
	su_reap(su);
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

/* ---- set-up ---- */

static void	su_host_cb(const char *, void *);

int
srv_ua_new(struct srv_ua **out, struct d *d, struct event_base *base,
    const struct cfg *cfg, char **cause)
{
	struct srv_ua		*su = xcalloc(1, sizeof *su);
	struct sip_ua_cfg	 uc;
	const struct addr	*listen = srv_sip_listen_addr(d->sip);
	const struct addr	*pub = srv_sip_public_addr(d->sip, false);
	struct addr		 proxy = *listen, self;
	char			 media[ADDR_STRLEN];
	int			 i, rc;

	su->d = d;
	su->base = base;
	su->fd = -1;
	su->rng.fill = srv_rand;
	su->lc.cb = srv_log;
	su->lc.level = LC_DEBUG;
	su->timer_at = UINT64_MAX;
	su->port_min = cfg->media.rtp_port_min;
	su->port_max = cfg->media.rtp_port_max;
	su->port_next = su->port_min + 2 * (int)rng_below(&su->rng,
	    (uint64_t)(su->port_max - su->port_min + 1) / 2);
	/* the UA lives next to the SIP listener: on its address, or on
	 * loopback when that is a wildcard */
	if (addr_is_any(&proxy))
		addr_parse_ip(proxy.family == 4 ? "127.0.0.1" : "::1", &proxy);
	proxy.port = listen->port;
	self = proxy;
	self.port = 0;
	if ((su->fd = su_udp_bind(&self)) == -1) {
		*cause = xasprintf("ua: cannot bind a UDP socket: %s",
		    strerror(errno));
		srv_ua_free(su);
		return EADDRINUSE;
	}
	srv_local_addr(su->fd, &su->self);
	/* RTP where SIP listens (any address, if it is a wildcard); the
	 * address in SDP is the one peers reach us at */
	su->media_bind = *listen;
	su->media_bind.port = 0;
	addr_ip_str(pub, media);
	memset(&uc, 0, sizeof uc);
	uc.domain = cfg->overlay.name;
	uc.self = su->self;
	uc.proxy = proxy;
	uc.lim.max_len = (size_t)cfg->sip.max_message_size;
	uc.lim.max_hdrs = (unsigned)cfg->sip.max_headers;
	uc.user_agent = "p2psipd/" P2PSIPD_VERSION;
	uc.media_addr = media;
	uc.srtp = (enum sdp_srtp_policy)cfg->media.srtp;
	uc.tls_peers = cfg->sip.tls_listen.family != 0;
	/* DTLS-SRTP with the node's own certificate (RFC 5763 §5) */
	if (cfg->media.srtp != SDP_SRTP_OFF && d->ident != NULL) {
		su->dtls = media_dtls_ctx(d->ident->cert, d->ident->key, uc.fp);
		if (su->dtls == NULL)
			log_warnx("ua: no DTLS-SRTP: the node's certificate "
			    "will not do");
		uc.fp_set = su->dtls != NULL;
	}
	uc.media_open = su_media_open;
	uc.arg = su;
	su->ua = sip_ua_new(&uc, &su->rng, &su->lc);
	su->ev = event_new(base, su->fd, EV_READ | EV_PERSIST, su_read, su);
	event_add(su->ev, NULL);
	su->timer = evtimer_new(base, su_timer, su);
	for (i = 0; i < cfg->ua.aor.n; i++) {
		rc = sip_ua_aor_add(su->ua, srv_now_ms(), cfg->ua.aor.v[i],
		    cfg_user_password(cfg, cfg->ua.aor.v[i]),
		    (enum sip_ua_answer)cfg->ua.answer);
		if (rc == EINVAL) {
			*cause = xasprintf("[ua] aor: %s: not an AOR of the "
			    "overlay %s", cfg->ua.aor.v[i], cfg->overlay.name);
			srv_ua_free(su);
			return EINVAL;
		}
	}
	/* the proxy hands it what nobody else here takes of the AORs
	 * published by destination list */
	srv_sip_set_ua(d->sip, &su->self);
	if (d->loc != NULL)
		srv_loc_hosted_each(d->loc, su_host_cb, su);
	*out = su;
	srv_ua_drain(su);
	return 0;
}

void
srv_ua_host(struct srv_ua *su, const char *aor, bool on)
{
	if (on)
		(void)sip_ua_host(su->ua, aor,
		    (enum sip_ua_answer)su->d->cfg->ua.answer);
	else
		(void)sip_ua_unhost(su->ua, aor);
	srv_sip_host(su->d->sip, aor, on);
}

static void
su_host_cb(const char *aor, void *arg)
{
	srv_ua_host(arg, aor, true);
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
	struct su_call	*c;
	struct su_msg	*m;

	if (su == NULL)
		return;
	while ((c = su->calls) != NULL) {
		su->calls = c->next;
		su_call_free(c);
	}
	while ((m = su->msgs) != NULL) {
		su->msgs = m->next;
		su_msg_free(m);
	}
	if (su->ev != NULL)
		event_free(su->ev);
	if (su->fd != -1)
		close(su->fd);
	if (su->timer != NULL)
		event_free(su->timer);
	sip_ua_free(su->ua);
	SSL_CTX_free(su->dtls);
	free(su);
}

struct sip_ua *
srv_ua_core(struct srv_ua *su)
{
	return su->ua;
}
