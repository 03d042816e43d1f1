/*
 * srv_media.h - the libevent driver of the calls' media sessions
 * (media_session.h): for each call with media two UDP sockets (RTP on an
 * even port of [media] rtp_ports, RTCP on the next), a timer at the
 * session's deadline, the WAV it plays and the WAV it records.  The UA
 * driver owns it (srv_ua.c) and tells it when a call's media opens,
 * starts, stops and is forgotten.
 */
#ifndef SRV_MEDIA_H
#define SRV_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct cfg;
struct event_base;
struct identity;
struct media_stats;
struct sdp_stream;
struct srv_media;

struct ice;
struct sdp_ice;

/* The servers a call's ICE agent gathers from (family 0: none). */
struct srv_media_servers {
	struct addr	 stun;
	struct addr	 turn;
	const char	*turn_user;
	const char	*turn_password;
};

/* What the driver tells its owner. */
struct srv_media_ops {
	/* call's media cannot go on (why): the owner ends the call; it may
	 * forget the call's media (srv_media_reap) from within */
	void	(*failed)(uint32_t call, const char *why, void *arg);
	/* a DTMF digit came on call's stream, or (sent) went out whole */
	void	(*dtmf)(uint32_t call, char digit, bool sent, void *arg);
	/* [media] ice: the servers for a new call's agent */
	void	(*servers)(struct srv_media_servers *, void *arg);
	/* call's ICE candidates are gathered (srv_media_open said
	 * EINPROGRESS); ice NULL: none after all */
	void	(*ready)(uint32_t call, const struct sdp_ice *ice, void *arg);
	void	*arg;
};

/*
 * Media on bind's address (its port unused), in cfg's [media] rtp_ports;
 * DTLS-SRTP with ident's certificate (borrowed; NULL: none) unless
 * [media] srtp is off.
 */
struct srv_media *srv_media_new(struct event_base *, const struct cfg *,
	    const struct addr *bind, const struct identity *,
	    const struct srv_media_ops *);
void	 srv_media_free(struct srv_media *);
/* The SHA-256 fingerprint of the DTLS certificate (RFC 5763 §5): false
 * when there is no DTLS-SRTP. */
bool	 srv_media_fingerprint(const struct srv_media *, uint8_t fp[32]);

/* Sockets for call: an RTP port (*port) and the next for RTCP.  0,
 * EINPROGRESS with [media] ice (ops.ready follows, within
 * SRV_MEDIA_GATHER_MS), or EADDRINUSE when no pair is free
 * (sip_ua_media_cb). */
#define SRV_MEDIA_GATHER_MS	1000
int	 srv_media_open(struct srv_media *, uint32_t call, uint16_t *port);
/* Start call's media toward st, or change it. */
void	 srv_media_start(struct srv_media *, uint32_t call,
	    const struct sdp_stream *st);
/* The media stops: the last RTCP (BYE), sockets closed, recording
 * finished; the figures stay until the call is forgotten. */
void	 srv_media_stop(struct srv_media *, uint32_t call);
/* Forget the calls alive(call, arg) says are gone. */
void	 srv_media_reap(struct srv_media *,
	    bool (*alive)(uint32_t call, void *arg), void *arg);

/* Play pcm (taken; NULL: silence) and record what comes to the WAV file
 * record (NULL: not) on call.  0, or an error with *err. */
int	 srv_media_attach(struct srv_media *, uint32_t call, int16_t *pcm,
	    size_t n, const char *record, char **err);
/* Queue digits on call's stream (media_session_dtmf).  0, or an error with *err
 * (ENOTCONN: the call has no media). */
int	 srv_media_dtmf(struct srv_media *, uint32_t call, const char *digits,
	    unsigned duration_ms, char **err);
/* call's media figures (kept once stopped), or NULL: it has no media. */
const struct media_stats *srv_media_stats(struct srv_media *, uint32_t call);
/* call's ICE: its state's name and (true) the selected pair; NULL when
 * the call does no ICE. */
struct ice_pair_info;
const char *srv_media_ice(struct srv_media *, uint32_t call,
	    struct ice_pair_info *, bool *selected);

/* An agent's configuration (controlling until the offer says, one
 * component) on host, gathering from sv's servers: TURN only with its
 * credentials. */
struct ice_cfg;
void	 srv_media_ice_cfg(const struct srv_media_servers *sv,
	    const struct addr *host, struct ice_cfg *);
/* An agent's credentials and candidates as SDP gives them (RFC 8839
 * §5.1); and the peer's, from its SDP, with our role (RFC 8445 §6.1.1):
 * ice_set_remote's 0 or EINVAL.  For the media relays too
 * (srv_anchor.c). */
void	 srv_media_sdp_ice(const struct ice *, struct sdp_ice *);
int	 srv_media_ice_remote(struct ice *, bool controlling,
	    const struct sdp_ice *peer);

#endif
