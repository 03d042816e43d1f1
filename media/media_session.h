/*
 * media_session.h - one call's audio stream, sans I/O: RTP and RTCP
 * (RFC 3550) with G.711 and telephone-events (RFC 4733), symmetric
 * (RFC 4961: we send from the ports we receive on, and take packets
 * only from the peer's), encrypted with libsrtp2 when the offer/answer
 * settled SDES keys (RFC 4568) or DTLS-SRTP (RFC 5764, media_dtls.h).
 *
 * The driver owns the two sockets (RTP and RTCP, or one with rtcp-mux):
 * it hands the session what arrives with where from and the time, runs
 * media_session_tick at media_session_deadline, and drains the actions:
 * datagrams to send, the audio heard (for a recording), DTMF heard.  The
 * session sends a packet every ptime from the samples it was given to
 * play, then silence; digits queued with media_session_dtmf go out as
 * telephone-events (RFC 4733 §2.5.1) in place of the audio while they
 * last.  Packets from
 * elsewhere than the peer's address, or that fail SRTP's authentication,
 * are dropped and counted.
 */
#ifndef MEDIA_SESSION_H
#define MEDIA_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "addr.h"
#include "sdp.h"

struct log_ctx;
struct rng;

#define MEDIA_RTCP_MS	5000	/* RTCP interval (§6.2's minimum) */
#define MEDIA_PKT_MAX	1500
#define MEDIA_DTMF_QUEUE	64	/* digits queued at once */
#define MEDIA_DTMF_MS		100	/* a digit's tone, by default */
#define MEDIA_DTMF_MIN_MS	40	/* ITU-T Q.24's shortest */
#define MEDIA_DTMF_MAX_MS	8000	/* one event, no segments (RFC 4733
					   §2.5.1.3: 65535 units at most) */
#define MEDIA_DTMF_GAP_MS	100	/* audio between two events */

enum media_act_type {
	MEDIA_SEND,		/* rtcp (which socket), to, data, len */
	MEDIA_AUDIO,		/* pcm, n: samples heard (8000 Hz) */
	MEDIA_DTMF,		/* digit: a telephone-event began */
	MEDIA_DTMF_SENT,	/* digit: its event's last packet went */
	MEDIA_FAILED,		/* why: the stream cannot be keyed (DTLS
				   failed, or the wrong certificate) */
};

struct media_action {
	enum media_act_type type;
	bool		 rtcp;		/* from the RTCP socket */
	struct addr	 to;
	uint8_t		 data[MEDIA_PKT_MAX];
	size_t		 len;
	int16_t		 pcm[MEDIA_PKT_MAX];
	size_t		 n;
	char		 digit;
	const char	*why;		/* valid until the next media_* call */
};

struct media_stats {
	uint64_t	 sent;		/* RTP packets */
	uint64_t	 received;	/* RTP packets taken */
	int64_t		 lost;		/* RFC 3550 A.3 */
	double		 jitter_ms;	/* A.8 */
	uint64_t	 unexpected;	/* from another address: dropped */
	uint64_t	 auth_failed;	/* SRTP/SRTCP that failed: dropped */
	uint64_t	 bad;		/* not RTP/RTCP, or another payload */
	uint64_t	 rtcp_sent, rtcp_received;
	bool		 srtp;		/* encrypted */
	bool		 latched;	/* RTP moved to where the peer sends
					   from (RFC 4961) */
};

struct media_session;

/*
 * A session for the settled stream st (its dir says whether we send),
 * from now; dtls (media_dtls_ctx) keys DTLS-SRTP, NULL: none.  0 and
 * *out, or EINVAL with *why (the peer's address is not an IP literal, a
 * suite libsrtp cannot do, DTLS with no context).
 */
int	media_session_new(struct media_session **out,
	    const struct sdp_stream *st, SSL_CTX *dtls, struct rng *,
	    struct log_ctx *, uint64_t now, const char **why);
void	media_session_free(struct media_session *);
/* The stream changed (a re-INVITE): same session, new peer, codec or
 * direction.  0, or EINVAL with *why. */
int	media_session_update(struct media_session *, const struct sdp_stream *,
	    uint64_t now, const char **why);

/*
 * The peer's RTP address as ICE found it (RFC 8445 §12: media goes on
 * the selected pair): RTP goes there and is taken only from there; with
 * rtcp-mux, RTCP too, else RTCP goes to the next port.  NULL: ICE will
 * say (meanwhile no latching to where RTP comes from, RFC 4961).
 */
void	media_session_set_peer(struct media_session *, const struct addr *);

/* Play n samples (8000 Hz mono; copied), then silence. */
void	media_session_play(struct media_session *, const int16_t *pcm,
	    size_t n);
/* Has what media_session_play gave all gone out? */
bool	media_session_played(const struct media_session *);

/*
 * Queue digits ("0"-"9", "*", "#", "A"-"D", lowercase too) to send as
 * RFC 4733 telephone-events with the stream's telephone-event payload
 * type, each a tone of duration_ms (MEDIA_DTMF_MIN_MS to
 * MEDIA_DTMF_MAX_MS): on the packet clock in place of audio, the first
 * packet marked, the timestamp the event's start throughout, the
 * duration growing, the end packet sent three times (§2.5.1.2,
 * §2.5.1.4), then MEDIA_DTMF_GAP_MS of audio before the next.  Each
 * digit's MEDIA_DTMF_SENT comes after its last packet.  All or nothing:
 * 0, or with *why EINVAL (no digits, a character that is none, a
 * duration out of range), ENOTSUP (the peer takes no telephone-event,
 * or not one of these, §2.5.1.1), EPERM (the stream does not send: on
 * hold) or ENOSPC (MEDIA_DTMF_QUEUE digits queued).
 */
int	media_session_dtmf(struct media_session *, const char *digits,
	    unsigned duration_ms, const char **why);
/* Digits queued or being sent. */
unsigned media_session_dtmf_pending(const struct media_session *);

/* A datagram that came to the RTP (rtcp false) or RTCP socket. */
void	media_session_input(struct media_session *, uint64_t now, bool rtcp,
	    const struct addr *from, uint8_t *data, size_t len);
void	media_session_tick(struct media_session *, uint64_t now);
uint64_t media_session_deadline(const struct media_session *);
bool	media_session_next_action(struct media_session *,
	    struct media_action *);
/* A last RTCP BYE (§6.6), queued as an action. */
void	media_session_bye(struct media_session *, uint64_t now);

const struct media_stats *media_session_stats(struct media_session *);

#endif
