/*
 * media_session.c - one call's audio stream, sans I/O (media_session.h).
 *
 * libsrtp2 does SRTP and SRTCP (RFC 3711) with the SDES keys the
 * offer/answer settled, or the ones a DTLS association exported: one
 * session protects what we send (any outbound SSRC, our key), one
 * unprotects what comes (any inbound SSRC, the peer's key).  While DTLS
 * is keying, no RTP or RTCP goes out and none is taken.
 *
 * Telephone-events we send (RFC 4733 §2.5.1) take the audio's place on
 * the packet clock, one event per digit: IDLE, then TONE (the duration
 * growing each ptime), END (the end packet, three times), GAP (audio
 * for MEDIA_DTMF_GAP_MS), IDLE.  The audio's timestamp runs on under
 * them (§2.1: one timestamp base), so audio after an event is in step.
 *
 * Deviation (RFC 5764 §4.1): with RTCP on its own port, DTLS runs only
 * on the RTP port, and its keys protect SRTCP too.  We offer rtcp-mux
 * with DTLS-SRTP, so two daemons share one port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "addr.h"
#include "fifo.h"
#include "g711.h"
#include "log_ctx.h"
#include "media_dtls.h"
#include "media_session.h"
#include "rng.h"
#include "rtp.h"
#include "xmalloc.h"

#define MEDIA_RATE	8000
#define MEDIA_BEHIND	10	/* packets late: resynchronise, no burst */
#define MEDIA_DTMF_VOL	10	/* -10 dBm0 (RFC 4733 §2.3.4) */
#define MEDIA_DTMF_ENDS	3	/* end packets (§2.5.1.4) */

enum media_dtmf_state {
	DTMF_IDLE,
	DTMF_TONE,
	DTMF_END,
	DTMF_GAP,
};

struct media_dtmf_q {
	uint8_t		 event;
	uint16_t	 dur;		/* timestamp units */
};

struct media_session {
	struct sdp_stream st;
	struct addr	 peer_rtp, peer_rtcp;
	bool		 heard;		/* valid RTP came from peer_rtp */
	bool		 ice;		/* ICE chose peer_rtp: no latching */
	struct log_ctx	*log;
	struct fifo	 acts;
	bool		 send;		/* our direction sends */
	unsigned	 samples;	/* per packet */
	uint32_t	 ssrc;
	uint16_t	 seq;
	uint32_t	 ts;
	uint64_t	 next_send, next_rtcp;
	/* what we play */
	int16_t		*play;
	size_t		 play_n, play_at;
	/* what we hear */
	bool		 have_src;
	struct rtp_source src;
	uint32_t	 dtmf_ts;	/* the event last reported */
	bool		 dtmf_seen;
	/* the digits we send */
	struct media_dtmf_q dq[MEDIA_DTMF_QUEUE];
	unsigned	 dq_head, dq_n;
	enum media_dtmf_state dstate;
	uint32_t	 d_ts;		/* the event's start */
	uint32_t	 d_dur;		/* so far */
	unsigned	 d_ends;	/* end packets sent */
	unsigned	 d_gap;		/* audio packets still to go */
	uint32_t	 lsr;		/* the last SR's middle NTP bits */
	uint64_t	 lsr_at;	/* when it came (ms); 0: none */
	uint32_t	 sent_since;	/* packets since the last report */
	uint32_t	 octets;
	/* SRTP */
	srtp_t		 tx, rx;
	SSL_CTX		*dtls_ctx;
	struct media_dtls *dtls;	/* DTLS-SRTP keying */
	bool		 dtls_told;	/* its failure reported */
	char		 cname[32];
	struct media_stats stats;
};

static bool	srtp_ready;

static int
media_addrs(struct media_session *ms, const struct sdp_stream *st,
    const char **why)
{
	if (addr_parse_ip(st->addr, &ms->peer_rtp) != 0) {
		*why = "the peer's media address is not an IP address";
		return EINVAL;
	}
	ms->peer_rtp.port = st->port;
	ms->peer_rtcp = ms->peer_rtp;
	if (!st->rtcp_mux)
		ms->peer_rtcp.port = st->rtcp_port != 0 ? st->rtcp_port :
		    (uint16_t)(st->port + 1);
	return 0;
}

static void
media_srtp_free(struct media_session *ms)
{
	if (ms->tx != NULL)
		srtp_dealloc(ms->tx);
	if (ms->rx != NULL)
		srtp_dealloc(ms->rx);
	ms->tx = ms->rx = NULL;
	ms->stats.srtp = false;
}

/* Our key protects, the peer's unprotects (RFC 4568 §6.2, RFC 5764
 * §4.2). */
static int
media_srtp_keys(struct media_session *ms, const char *suite,
    const uint8_t tx[30], const uint8_t rx[30], const char **why)
{
	srtp_policy_t	p;
	uint8_t		key[30];

	media_srtp_free(ms);
	if (!srtp_ready) {
		if (srtp_init() != srtp_err_status_ok) {
			*why = "libsrtp cannot start";
			return EINVAL;
		}
		srtp_ready = true;
	}
	memset(&p, 0, sizeof p);
	if (strcmp(suite, "AES_CM_128_HMAC_SHA1_80") == 0)
		srtp_crypto_policy_set_rtp_default(&p.rtp);
	else if (strcmp(suite, "AES_CM_128_HMAC_SHA1_32") == 0)
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
	else {
		*why = "an SRTP suite we cannot do";
		return EINVAL;
	}
	/* RFC 3711 §5.2 and RFC 4568 §6.2.1: SRTCP is always tagged _80 */
	srtp_crypto_policy_set_rtcp_default(&p.rtcp);
	p.window_size = 128;
	p.ssrc.type = ssrc_any_outbound;
	memcpy(key, tx, sizeof key);
	p.key = key;
	if (srtp_create(&ms->tx, &p) != srtp_err_status_ok) {
		ms->tx = NULL;
		*why = "SRTP keys refused";
		return EINVAL;
	}
	p.ssrc.type = ssrc_any_inbound;
	memcpy(key, rx, sizeof key);
	if (srtp_create(&ms->rx, &p) != srtp_err_status_ok) {
		ms->rx = NULL;
		media_srtp_free(ms);
		*why = "SRTP keys refused";
		return EINVAL;
	}
	memset(key, 0, sizeof key);
	ms->stats.srtp = true;
	return 0;
}

/* DTLS sends a datagram: on the RTP port, as it is. */
static void
media_dtls_out(void *arg, const uint8_t *data, size_t len)
{
	struct media_session	*ms = arg;
	struct media_action	 a;

	if (len > sizeof a.data)
		return;		/* cannot be: the MTU is smaller */
	memset(&a, 0, sizeof a);
	a.type = MEDIA_SEND;
	a.to = ms->peer_rtp;
	memcpy(a.data, data, len);
	a.len = len;
	fifo_push(&ms->acts, &a);
}

/* After DTLS ran: key SRTP once it is done, or report that it failed
 * (once). */
static void
media_dtls_check(struct media_session *ms)
{
	struct media_dtls_keys	 k;
	struct media_action	 a;
	const char		*why;

	if (ms->dtls == NULL || ms->tx != NULL)
		return;
	if (media_dtls_keys(ms->dtls, &k) == 0) {
		if (media_srtp_keys(ms, k.suite, k.tx, k.rx, &why) == 0)
			return;
	} else if (media_dtls_state(ms->dtls) != MEDIA_DTLS_FAILED)
		return;
	else
		why = media_dtls_error(ms->dtls);
	if (ms->dtls_told)
		return;
	ms->dtls_told = true;
	memset(&a, 0, sizeof a);
	a.type = MEDIA_FAILED;
	a.why = why;
	fifo_push(&ms->acts, &a);
}

/* The stream's keying: SDES keys now, or a DTLS association (kept
 * across a re-INVITE that names the same peer and role, RFC 5763
 * §6.7.1). */
static int
media_srtp(struct media_session *ms, const struct sdp_stream *st,
    uint64_t now, const char **why)
{
	if (st->keying == SDP_KEYING_DTLS && ms->dtls != NULL &&
	    ms->st.keying == SDP_KEYING_DTLS &&
	    ms->st.dtls_client == st->dtls_client &&
	    media_dtls_peer_is(ms->dtls, st->peer_fp))
		return 0;
	media_dtls_free(ms->dtls);
	ms->dtls = NULL;
	ms->dtls_told = false;
	media_srtp_free(ms);
	if (st->keying == SDP_KEYING_SDES)
		return media_srtp_keys(ms, st->suite, st->tx_key, st->rx_key,
		    why);
	if (st->keying != SDP_KEYING_DTLS)
		return 0;
	if (ms->dtls_ctx == NULL) {
		*why = "DTLS-SRTP with no certificate";
		return EINVAL;
	}
	ms->dtls = media_dtls_new(ms->dtls_ctx, st->dtls_client, st->peer_fp,
	    now, media_dtls_out, ms);
	media_dtls_check(ms);
	return 0;
}

int
media_session_update(struct media_session *ms, const struct sdp_stream *st,
    uint64_t now, const char **why)
{
	int	rc;

	if ((rc = media_addrs(ms, st, why)) != 0 ||
	    (rc = media_srtp(ms, st, now, why)) != 0)
		return rc;
	ms->st = *st;
	ms->send = st->dir == SDP_SENDRECV || st->dir == SDP_SENDONLY;
	ms->samples = (st->ptime >= 10 && st->ptime <= 60 ? st->ptime : 20) *
	    MEDIA_RATE / 1000;
	if (!ms->send || st->te_pt < 0) {	/* no more events to send */
		ms->dq_n = 0;
		ms->dstate = DTMF_IDLE;
	}
	return 0;
}

int
media_session_new(struct media_session **out, const struct sdp_stream *st,
    SSL_CTX *dtls, struct rng *rng, struct log_ctx *log, uint64_t now,
    const char **why)
{
	struct media_session	*ms = xcalloc(1, sizeof *ms);

	ms->log = log;
	ms->dtls_ctx = dtls;
	fifo_init(&ms->acts, sizeof(struct media_action));
	/* §5.1, §8: random SSRC, sequence number and timestamp */
	ms->ssrc = (uint32_t)rng_u64(rng);
	ms->seq = (uint16_t)rng_u64(rng);
	ms->ts = (uint32_t)rng_u64(rng);
	snprintf(ms->cname, sizeof ms->cname, "%016llx@p2psipd",
	    (unsigned long long)rng_u64(rng));
	if (media_session_update(ms, st, now, why) != 0) {
		media_session_free(ms);
		return EINVAL;
	}
	ms->next_send = now;
	ms->next_rtcp = now + MEDIA_RTCP_MS / 2;
	*out = ms;
	return 0;
}

void
media_session_free(struct media_session *ms)
{
	if (ms == NULL)
		return;
	media_srtp_free(ms);
	media_dtls_free(ms->dtls);
	fifo_clear(&ms->acts);
	free(ms->play);
	free(ms);
}

void
media_session_play(struct media_session *ms, const int16_t *pcm, size_t n)
{
	free(ms->play);
	ms->play = n > 0 ? xreallocarray(NULL, n, sizeof pcm[0]) : NULL;
	if (n > 0)
		memcpy(ms->play, pcm, n * sizeof pcm[0]);
	ms->play_n = n;
	ms->play_at = 0;
}

bool
media_session_played(const struct media_session *ms)
{
	return ms->play_at >= ms->play_n;
}

/* ---- sending ---- */

static void
media_emit(struct media_session *ms, struct media_action *a, bool rtcp)
{
	int	len = (int)a->len;

	a->type = MEDIA_SEND;
	a->rtcp = rtcp && !ms->st.rtcp_mux;
	a->to = rtcp ? ms->peer_rtcp : ms->peer_rtp;
	if (ms->tx != NULL) {
		if ((rtcp ? srtp_protect_rtcp(ms->tx, a->data, &len) :
		    srtp_protect(ms->tx, a->data, &len)) !=
		    srtp_err_status_ok)
			return;		/* cannot be: never sent plain */
		a->len = (size_t)len;
	}
	fifo_push(&ms->acts, a);
}

static void
media_send_audio(struct media_session *ms)
{
	struct media_action	 a;
	struct rtp_hdr		 h;
	int16_t			 pcm[480];
	uint8_t			 pay[480];
	size_t			 i;

	for (i = 0; i < ms->samples; i++)
		pcm[i] = ms->play_at < ms->play_n ? ms->play[ms->play_at++] :
		    0;
	g711_encode(pay, pcm, ms->samples, ms->st.codec == SDP_PCMA);
	memset(&a, 0, sizeof a);
	memset(&h, 0, sizeof h);
	h.pt = (uint8_t)ms->st.pt;
	h.seq = ms->seq++;
	h.ts = ms->ts;
	h.ssrc = ms->ssrc;
	h.marker = ms->stats.sent == 0;	/* RFC 3551 §4.1: talkspurt */
	ms->ts += ms->samples;
	a.len = rtp_write(a.data, &h, pay, ms->samples);
	ms->stats.sent++;
	ms->sent_since++;
	ms->octets += ms->samples;
	media_emit(ms, &a, false);
}

/* ---- telephone-events we send (RFC 4733 §2.5.1) ---- */

int
media_session_dtmf(struct media_session *ms, const char *digits,
    unsigned duration_ms, const char **why)
{
	size_t	n = strlen(digits), i;
	int	ev;

	if (n == 0) {
		*why = "no digits";
		return EINVAL;
	}
	if (duration_ms < MEDIA_DTMF_MIN_MS ||
	    duration_ms > MEDIA_DTMF_MAX_MS) {
		*why = "a digit's duration is 40 to 8000 ms";
		return EINVAL;
	}
	for (i = 0; i < n; i++) {
		if ((ev = rtp_dtmf_event(digits[i])) < 0) {
			*why = "not a DTMF digit (0-9, *, #, A-D)";
			return EINVAL;
		}
		if (ms->st.te_pt >= 0 && !(ms->st.te_events & (1u << ev))) {
			*why = "the peer takes no telephone-event for this "
			    "digit";
			return ENOTSUP;
		}
	}
	if (ms->st.te_pt < 0) {
		*why = "the peer takes no telephone-events";
		return ENOTSUP;
	}
	if (!ms->send) {
		*why = "the call sends no media (on hold)";
		return EPERM;
	}
	if (n > MEDIA_DTMF_QUEUE - ms->dq_n) {
		*why = "too many digits queued";
		return ENOSPC;
	}
	for (i = 0; i < n; i++) {
		struct media_dtmf_q *q = &ms->dq[(ms->dq_head + ms->dq_n++) %
		    MEDIA_DTMF_QUEUE];

		q->event = (uint8_t)rtp_dtmf_event(digits[i]);
		q->dur = (uint16_t)(duration_ms * (MEDIA_RATE / 1000));
	}
	return 0;
}

unsigned
media_session_dtmf_pending(const struct media_session *ms)
{
	return ms->dq_n;
}

/* This ptime's event packet, if an event is due: true if it went (and
 * the audio's clock moved on under it), false to send audio. */
static bool
media_dtmf_packet(struct media_session *ms)
{
	struct media_dtmf_q	*q;
	struct media_action	 a;
	struct rtp_dtmf		 d;
	struct rtp_hdr		 h;
	uint8_t			 pay[4];
	bool			 start = false;

	if (ms->dstate == DTMF_GAP) {
		if (ms->d_gap > 0) {
			ms->d_gap--;
			return false;
		}
		ms->dstate = DTMF_IDLE;
	}
	if (ms->dstate == DTMF_IDLE) {
		if (ms->dq_n == 0)
			return false;
		ms->dstate = DTMF_TONE;
		ms->d_ts = ms->ts;	/* §2.2.1: the event's start */
		ms->d_dur = 0;
		ms->d_ends = 0;
		start = true;		/* §2.2.2: marked */
	}
	q = &ms->dq[ms->dq_head];
	if (ms->dstate == DTMF_TONE) {
		/* §2.5.1.2: the duration since the start, growing */
		ms->d_dur += ms->samples;
		if (ms->d_dur >= q->dur) {
			ms->d_dur = q->dur;
			ms->dstate = DTMF_END;
		}
	}
	memset(&d, 0, sizeof d);
	d.event = q->event;
	d.end = ms->dstate == DTMF_END;
	d.volume = MEDIA_DTMF_VOL;
	d.duration = (uint16_t)ms->d_dur;
	rtp_dtmf_write(pay, &d);
	memset(&h, 0, sizeof h);
	h.marker = start;
	h.pt = (uint8_t)ms->st.te_pt;
	h.seq = ms->seq++;		/* §2.5.1.6: every packet */
	h.ts = ms->d_ts;
	h.ssrc = ms->ssrc;
	memset(&a, 0, sizeof a);
	a.len = rtp_write(a.data, &h, pay, sizeof pay);
	ms->ts += ms->samples;
	ms->stats.sent++;
	ms->sent_since++;
	ms->octets += sizeof pay;
	media_emit(ms, &a, false);
	/* §2.5.1.4: the end packet three times, at the update interval */
	if (d.end && ++ms->d_ends == MEDIA_DTMF_ENDS) {
		memset(&a, 0, sizeof a);
		a.type = MEDIA_DTMF_SENT;
		a.digit = rtp_dtmf_char(q->event);
		fifo_push(&ms->acts, &a);
		ms->dq_head = (ms->dq_head + 1) % MEDIA_DTMF_QUEUE;
		ms->dq_n--;
		ms->dstate = DTMF_GAP;
		ms->d_gap = (MEDIA_DTMF_GAP_MS * (MEDIA_RATE / 1000) +
		    ms->samples - 1) / ms->samples;
	}
	return true;
}

/* NTP time (§4) of now.  Deviation: from the monotonic clock the
 * session is given, not the wall clock; only round trips use it. */
static uint64_t
media_ntp(uint64_t now)
{
	return ((now / 1000) << 32) | (((now % 1000) << 32) / 1000);
}

static void
media_send_rtcp(struct media_session *ms, uint64_t now, bool bye)
{
	struct media_action	a;
	struct rtcp_report	r;

	memset(&r, 0, sizeof r);
	r.ssrc = ms->ssrc;
	r.sender = ms->sent_since > 0;
	r.ntp = media_ntp(now);
	r.rtp_ts = ms->ts;
	r.packets_sent = (uint32_t)ms->stats.sent;
	r.octets_sent = ms->octets;
	if (ms->have_src && ms->src.probation_done) {
		uint32_t	exp = rtp_source_expected(&ms->src);
		uint32_t	ei = exp - ms->src.expected_prior;
		uint32_t	ri = ms->src.received - ms->src.received_prior;
		int32_t		li = (int32_t)(ei - ri);

		/* A.3: the fraction lost since the last report */
		ms->src.expected_prior = exp;
		ms->src.received_prior = ms->src.received;
		r.have_block = true;
		r.src_ssrc = ms->src.ssrc;
		r.fraction_lost = ei == 0 || li <= 0 ? 0 :
		    (uint8_t)(((uint32_t)li << 8) / ei);
		r.cum_lost = rtp_source_lost(&ms->src);
		r.ext_max_seq = ms->src.cycles + ms->src.max_seq;
		r.jitter = (uint32_t)ms->src.jitter;
		if (ms->lsr_at != 0) {
			r.lsr = ms->lsr;
			r.dlsr = (uint32_t)((now - ms->lsr_at) * 65536 / 1000);
		}
	}
	memset(&a, 0, sizeof a);
	a.len = rtp_rtcp_write(a.data, &r, ms->cname, bye);
	ms->sent_since = 0;
	ms->stats.rtcp_sent++;
	media_emit(ms, &a, true);
}

void
media_session_tick(struct media_session *ms, uint64_t now)
{
	unsigned	ptime = ms->samples * 1000 / MEDIA_RATE;

	if (ms->dtls != NULL) {
		media_dtls_tick(ms->dtls, now);
		media_dtls_check(ms);
	}
	if (ms->st.keying != SDP_KEYING_NONE && ms->tx == NULL) {
		/* no keys yet: nothing goes out, and the audio waits */
		ms->next_send = now + ptime;
		ms->next_rtcp = now + MEDIA_RTCP_MS / 2;
		return;
	}
	if (ms->send) {
		if (now > ms->next_send + MEDIA_BEHIND * ptime)
			ms->next_send = now;	/* we were stalled */
		while (ms->next_send <= now) {
			if (!media_dtmf_packet(ms))
				media_send_audio(ms);
			ms->next_send += ptime;
		}
	}
	if (ms->next_rtcp <= now) {
		media_send_rtcp(ms, now, false);
		ms->next_rtcp = now + MEDIA_RTCP_MS;
	}
}

uint64_t
media_session_deadline(const struct media_session *ms)
{
	uint64_t	t = ms->next_rtcp;

	if (ms->send && ms->next_send < t)
		t = ms->next_send;
	if (ms->dtls != NULL && media_dtls_deadline(ms->dtls) < t)
		t = media_dtls_deadline(ms->dtls);
	return t;
}

void
media_session_bye(struct media_session *ms, uint64_t now)
{
	if (ms->st.keying == SDP_KEYING_NONE || ms->tx != NULL)
		media_send_rtcp(ms, now, true);
}

bool
media_session_next_action(struct media_session *ms, struct media_action *a)
{
	return fifo_pop(&ms->acts, a);
}

/* ---- receiving ---- */

static void
media_rtcp_in(struct media_session *ms, uint64_t now, uint8_t *data,
    size_t len)
{
	struct rtcp_info	i;
	int			n = (int)len;

	if (ms->st.keying != SDP_KEYING_NONE) {
		if (ms->rx == NULL || srtp_unprotect_rtcp(ms->rx, data, &n) !=
		    srtp_err_status_ok) {
			ms->stats.auth_failed++;
			return;
		}
		len = (size_t)n;
	}
	if (rtp_rtcp_parse(&i, data, len, ms->ssrc) != 0) {
		ms->stats.bad++;
		return;
	}
	ms->stats.rtcp_received++;
	if (i.sr) {
		ms->lsr = (uint32_t)(i.ntp >> 16);
		ms->lsr_at = now != 0 ? now : 1;
	}
}

/* RTP from the peer: true if it was this stream's (authentic, with
 * SRTP) and taken. */
static bool
media_rtp_in(struct media_session *ms, uint64_t now, uint8_t *data,
    size_t len)
{
	struct media_action	 a;
	struct rtp_hdr		 h;
	struct rtp_dtmf		 d;
	int			 n = (int)len;

	if (ms->st.keying != SDP_KEYING_NONE) {
		if (ms->rx == NULL ||
		    srtp_unprotect(ms->rx, data, &n) != srtp_err_status_ok) {
			ms->stats.auth_failed++;
			return false;
		}
		len = (size_t)n;
	}
	if (rtp_parse(&h, data, len) != 0 || (h.pt != ms->st.pt &&
	    (ms->st.te_pt < 0 || h.pt != (unsigned)ms->st.te_pt))) {
		ms->stats.bad++;
		return false;
	}
	if (!ms->have_src || h.ssrc != ms->src.ssrc) {
		rtp_source_init(&ms->src, &h);	/* new, or restarted */
		ms->have_src = true;
	}
	(void)rtp_source_update(&ms->src, &h, (uint32_t)(now * 8));
	ms->stats.received++;
	ms->stats.lost = rtp_source_lost(&ms->src);
	ms->stats.jitter_ms = ms->src.jitter / 8.0;
	memset(&a, 0, sizeof a);
	if (h.pt == ms->st.pt) {
		if (h.len > sizeof a.pcm / sizeof a.pcm[0])
			return true;
		a.type = MEDIA_AUDIO;
		g711_decode(a.pcm, h.payload, h.len, ms->st.codec == SDP_PCMA);
		a.n = h.len;
		fifo_push(&ms->acts, &a);
		return true;
	}
	/* RFC 4733 §2.5.2.1: one event is its packets of one timestamp */
	if (rtp_dtmf_parse(&d, h.payload, h.len) != 0 ||
	    (ms->dtmf_seen && h.ts == ms->dtmf_ts))
		return true;
	ms->dtmf_seen = true;
	ms->dtmf_ts = h.ts;
	if ((a.digit = rtp_dtmf_char(d.event)) == '\0')
		return true;
	a.type = MEDIA_DTMF;
	fifo_push(&ms->acts, &a);
	return true;
}

void
media_session_input(struct media_session *ms, uint64_t now, bool rtcp,
    const struct addr *from, uint8_t *data, size_t len)
{
	/* RFC 4961: the peer sends from where it receives; RFC 5761 §4:
	 * on a muxed port RTCP is told from RTP by its packet type */
	bool	is_rtcp = rtcp || (ms->st.rtcp_mux && rtp_is_rtcp(data, len));

	if (!addr_eq(from, is_rtcp && !ms->st.rtcp_mux ? &ms->peer_rtcp :
	    &ms->peer_rtp)) {
		/*
		 * RFC 4961: a peer sends from where it takes RTP; behind a
		 * NAT that is not its c=.  Until anything came from c=, RTP
		 * of this stream (authentic, with SDES-SRTP) from elsewhere
		 * moves our sending there ("latching").  Not with ICE,
		 * which chose the address, nor DTLS-SRTP, whose handshake
		 * must come from c= (a deviation: a DTLS peer behind a NAT
		 * needs ICE).  Plain RTP is unauthenticated: whoever sends
		 * first is taken, as with any symmetric-RTP latching.
		 */
		if (!is_rtcp && !ms->heard && !ms->ice && ms->dtls == NULL &&
		    len >= 12 && data[0] >= 128 && data[0] <= 191 &&
		    len <= MEDIA_PKT_MAX && media_rtp_in(ms, now, data, len)) {
			ms->peer_rtp = *from;
			ms->peer_rtcp = *from;
			if (!ms->st.rtcp_mux)
				ms->peer_rtcp.port = (uint16_t)(from->port + 1);
			ms->heard = true;
			ms->stats.latched = true;
			return;
		}
		ms->stats.unexpected++;
		return;
	}
	if (!rtcp && ms->dtls != NULL && media_dtls_is(data, len)) {
		media_dtls_input(ms->dtls, now, data, len);
		media_dtls_check(ms);
		return;
	}
	/* RFC 7983 §7: RTP and RTCP have 128-191 in the first byte */
	if (len < 12 || data[0] < 128 || data[0] > 191 ||
	    len > MEDIA_PKT_MAX) {
		ms->stats.bad++;
		return;
	}
	if (is_rtcp)
		media_rtcp_in(ms, now, data, len);
	else if (media_rtp_in(ms, now, data, len))
		ms->heard = true;
}

void
media_session_set_peer(struct media_session *ms, const struct addr *rtp)
{
	ms->ice = true;
	if (rtp == NULL)
		return;
	ms->peer_rtp = *rtp;
	ms->peer_rtcp = *rtp;
	if (!ms->st.rtcp_mux)
		ms->peer_rtcp.port = (uint16_t)(rtp->port + 1);
}

const struct media_stats *
media_session_stats(struct media_session *ms)
{
	return &ms->stats;
}
