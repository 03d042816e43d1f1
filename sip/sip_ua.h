/*
 * sip_ua.h - the daemon's own user agent (RFC 3261 §8, §12-15), sans I/O.
 *
 * The UA core is a phone inside the daemon: it has a SIP address of its
 * own (a UDP socket on this host, in the driver) and sends every request
 * to the daemon's SIP core as its outbound proxy, which registers its
 * AORs in the overlay like any phone's and routes its calls.  It keeps
 * its AORs registered (REGISTER, refreshed, with digest credentials when
 * the registrar asks, §22.2), places and answers calls with one audio
 * stream (offer/answer of sdp.h), keeps their dialogs (§12), ends them
 * with BYE or CANCEL (§15, §9), and sends and takes MESSAGEs (RFC 3428).
 * A forked INVITE answered by more than one phone keeps the dialog of
 * the first 2xx; every other 2xx is ACKed and its dialog ended with BYE
 * (§13.2.2.4).
 *
 * It reads no socket and no clock: the driver gives it datagrams from
 * the proxy and the time, and drains its actions (bytes to send, call
 * state changes, media to start and stop, messages in and answered).
 * The one thing it asks of the driver at once is an RTP port for a new
 * call (the media_open callback), since an answer or offer names it.
 */
#ifndef SIP_UA_H
#define SIP_UA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "sdp.h"
#include "sip_msg.h"
#include "sip_txn.h"

struct log_ctx;
struct rng;

#define SIP_UA_CALLS_MAX	256	/* at once; more get 486 / EBUSY */
#define SIP_UA_AORS_MAX		64
#define SIP_UA_TEXT_MAX		4096	/* a MESSAGE's text */

/* What the UA does with a call for one of its AORs. */
enum sip_ua_answer {
	SIP_UA_RING,		/* ring until answered (or hung up) */
	SIP_UA_AUTO,		/* answer at once */
	SIP_UA_REJECT,		/* 603 Decline */
};

enum sip_ua_state {
	SIP_UA_CALLING,		/* INVITE sent, no ringing yet */
	SIP_UA_RINGING,		/* the callee rings (18x) */
	SIP_UA_INCOMING,	/* a call for us rings here */
	SIP_UA_ACTIVE,		/* answered: media flows */
	SIP_UA_ENDED,		/* kept a while for its retransmissions */
};

/*
 * Gives call an RTP port (RTCP: port + 1): 0, or EINPROGRESS when the
 * driver gathers ICE candidates for it first (it calls
 * sip_ua_media_ready when done: the INVITE, or the answer, waits), or an
 * errno.
 */
typedef int (*sip_ua_media_cb)(void *arg, uint32_t call, uint16_t *port);

/*
 * ICE for SIP (sip_ua_move.c): a call between two daemons that runs
 * through other peers of the overlay moves to a direct flow between the
 * two, found by ICE and secured by DTLS.  auto: when its route set
 * names a peer other than the two ends' own; on: whenever both ends'
 * path allows it (tests); off: never, and a peer's control stream is
 * rejected.
 */
enum sip_ua_direct_mode {
	SIP_UA_DIRECT_AUTO,
	SIP_UA_DIRECT_ON,
	SIP_UA_DIRECT_OFF,
};

struct sip_ua_cfg {
	const char	*domain;	/* the overlay's name */
	struct addr	 self;		/* the UA's SIP address (UDP) */
	struct addr	 proxy;		/* the daemon's: every request */
	struct sip_limits lim;
	struct sip_txn_layer_cfg txl;
	uint32_t	 reg_expires;	/* asked for in REGISTER [600] */
	uint32_t	 ring_s;	/* an unanswered call ends [120] */
	const char	*user_agent;	/* NULL: none */
	/* media */
	const char	*media_addr;	/* our RTP address, an IP literal */
	enum sdp_srtp_policy srtp;
	bool		 tls_peers;	/* the daemon reaches peers over TLS:
					   SDES may be offered (RFC 4568
					   §8.3) */
	uint8_t		 fp[32];	/* our DTLS certificate's SHA-256 */
	bool		 fp_set;
	sip_ua_media_cb	 media_open;
	enum sip_ua_direct_mode direct;
	void		*arg;
};

enum sip_ua_act_type {
	SIP_UA_SEND,		/* flow, data, len: the driver frees data */
	SIP_UA_CALL,		/* call: its state changed (event: what) */
	SIP_UA_MEDIA,		/* call, stream: start (or change) media */
	SIP_UA_MEDIA_STOP,	/* call: its media ends, its port is free */
	SIP_UA_MESSAGE,		/* from, to, text: a MESSAGE came */
	SIP_UA_MESSAGE_DONE,	/* cookie, status, text (the reason) */
	SIP_UA_REGISTERED,	/* to (the AOR), status, text (reason) */
	SIP_UA_DIRECT_OPEN,	/* call: gather a direct flow's candidates
				   (sip_ua_direct_ready) */
	SIP_UA_DIRECT_REMOTE,	/* call, direct: the peer's side of it: run
				   the checks, then DTLS (sip_ua_direct_up
				   or sip_ua_direct_failed) */
	SIP_UA_DIRECT_CLOSE,	/* call: its direct flow is not needed */
};

/* The peer's side of a call's direct flow, from its control stream. */
struct sip_ua_direct {
	struct sdp_ice	 ice;		/* its credentials and candidates */
	uint8_t		 fp[32];	/* its certificate's SHA-256 */
	bool		 controlling;	/* our ICE role (RFC 8445 §6.1.1) */
	bool		 dtls_client;	/* our DTLS role (RFC 5763 §5) */
};

struct sip_ua_action {
	enum sip_ua_act_type type;
	struct sip_flow	 flow;
	uint8_t		*data;
	size_t		 len;
	uint32_t	 call;
	const char	*event;	/* SIP_UA_CALL: "incoming", "ringing",
				   "answered", "ended" (static) */
	struct sdp_stream stream;
	char		*from;	/* the driver frees these three */
	char		*to;
	char		*text;
	uint64_t	 cookie;
	unsigned	 status;
	struct sip_ua_direct *direct;	/* DIRECT_REMOTE (the driver frees
					   it) */
};

/* A call, as sip_ua_call_info tells it (valid until the next call into
 * the UA). */
struct sip_ua_call_info {
	uint32_t	 id;
	bool		 outgoing;
	enum sip_ua_state state;
	const char	*aor;		/* ours: "user@domain" */
	const char	*peer;		/* the other side's URI */
	const char	*call_id;	/* its dialog's (RFC 3261 §12): */
	const char	*local_tag;	/* "" until known */
	const char	*remote_tag;
	unsigned	 status;	/* the final status, 0: none yet */
	const char	*reason;	/* why it ended ("" while not) */
	uint64_t	 created, answered, ended;	/* ms; 0: not yet */
	bool		 media;		/* negotiated: stream is set */
	struct sdp_stream stream;
	unsigned	 forks;		/* other dialogs of a forked INVITE's
					   2xx still being ended by BYE
					   (RFC 3261 §13.2.2.4) */
	const char	*path;		/* its signalling: "overlay" or
					   "direct" */
	uint64_t	 moved;		/* ms, when it went direct; 0: not */
	const char	*move;		/* how its move went: "" (none tried),
					   "gathering", "offered", "checking",
					   "replacing", "done", "failed" */
	const char	*move_why;	/* why it failed ("" if it did not) */
};

struct sip_ua;

struct sip_ua *sip_ua_new(const struct sip_ua_cfg *, struct rng *,
	    struct log_ctx *);
void	sip_ua_free(struct sip_ua *);

/* A datagram from flow. */
void	sip_ua_input(struct sip_ua *, uint64_t now, const struct sip_flow *,
	    const uint8_t *, size_t);
void	sip_ua_tick(struct sip_ua *, uint64_t now);
uint64_t sip_ua_deadline(const struct sip_ua *);
bool	sip_ua_next_action(struct sip_ua *, struct sip_ua_action *);
void	sip_ua_action_clear(struct sip_ua_action *);

/*
 * AORs ("user" or "user@domain"; the domain must be ours): add one
 * (registered at once; password NULL: none to give), remove one
 * (unregistered), set its policy.  0, EINVAL (not an AOR of ours),
 * EEXIST, ENOENT or ENOSPC.
 */
int	sip_ua_aor_add(struct sip_ua *, uint64_t now, const char *aor,
	    const char *password, enum sip_ua_answer);
int	sip_ua_aor_remove(struct sip_ua *, uint64_t now, const char *aor);
/*
 * An AOR this node publishes by destination list (RFC 7904 §3): the UA
 * takes its calls and MESSAGEs with policy answer, as the proxy hands
 * them over when no phone here has it, without registering it; an AOR of
 * its own of the same name comes first.  sip_ua_unhost: no longer (calls
 * under way go on).  0, EINVAL (not an AOR of ours), EEXIST (known: its
 * policy changes), ENOENT.
 */
int	sip_ua_host(struct sip_ua *, const char *aor, enum sip_ua_answer);
int	sip_ua_unhost(struct sip_ua *, const char *aor);
/*
 * A public registration (draft-marocco-p2psip-interwork §4.2): contact
 * (an AOR of ours, the overlay's; NULL: the first) registered as a
 * contact of aor, an AOR of another domain ("user@domain"), at registrar
 * (a SIP URI), with Digest user and password when it asks (§22.2), and
 * kept refreshed.  The REGISTER goes to the daemon's proxy, which must
 * be a proxy peer to send it on.  0, or EINVAL (*why), ENOSPC; adding it
 * again replaces it.  Remove: unregistered; ENOENT.
 */
int	sip_ua_public_add(struct sip_ua *, uint64_t now, const char *aor,
	    const char *registrar, const char *user, const char *password,
	    const char *contact, const char **why);
int	sip_ua_public_remove(struct sip_ua *, uint64_t now, const char *aor);
/* The i-th public registration: its AOR (NULL past the last), registrar,
 * contact and whether it is registered. */
const char *sip_ua_public(const struct sip_ua *, unsigned i,
	    const char **registrar, const char **contact, bool *registered);
/* The i-th AOR, its policy and whether it is registered; NULL past the
 * last. */
const char *sip_ua_aor(const struct sip_ua *, unsigned i,
	    enum sip_ua_answer *, bool *registered);
/* "user@domain" for aor as given (NULL: not an AOR of ours), in out. */
const char *sip_ua_aor_norm(const struct sip_ua *, const char *aor,
	    char *out, size_t max);

/*
 * Place a call from AOR from (NULL: the first) to target (an AOR of the
 * overlay, "user", or a sip:/sips: URI), ended after duration_s seconds
 * answered (0: no limit).  0 and *call, or EINVAL (no such from, a bad
 * target; *why), EBUSY (SIP_UA_CALLS_MAX) or the media callback's error.
 */
int	sip_ua_call(struct sip_ua *, uint64_t now, const char *from,
	    const char *target, uint32_t duration_s, uint32_t *call,
	    const char **why);
/* Answer ringing call (0: the oldest ringing).  0, ENOENT or EALREADY. */
int	sip_ua_answer(struct sip_ua *, uint64_t now, uint32_t call);
/* End call (0: the newest not ended): CANCEL, reject or BYE. */
int	sip_ua_hangup(struct sip_ua *, uint64_t now, uint32_t call);
/* The call's media cannot go on (DTLS failed): hang up, with why as
 * the reason the call ended. */
int	sip_ua_media_failed(struct sip_ua *, uint64_t now, uint32_t call,
	    const char *why);
/*
 * Refresh call (0: the newest not ended): a re-INVITE offering the media
 * as it is (RFC 3261 §14.1), to see that the dialog is there on its
 * path; a 481 or 408 ends the call.  0, ENOENT, ENOTCONN (not answered),
 * EBUSY (a re-INVITE of the call is under way).
 */
int	sip_ua_refresh(struct sip_ua *, uint64_t now, uint32_t call);
/* End every call (the daemon stops). */
void	sip_ua_hangup_all(struct sip_ua *, uint64_t now);
/*
 * call's ICE candidates are gathered (ice NULL: none, plain media): the
 * offer or answer goes out with them, its c= and port the default
 * candidate's (RFC 8445 §5.1.4: relayed, else server-reflexive, else
 * host).  ENOENT: no such call gathering (or it ended meanwhile).
 */
int	sip_ua_media_ready(struct sip_ua *, uint64_t now, uint32_t call,
	    const struct sdp_ice *ice);
/*
 * ICE for SIP, the driver's side (sip_ua_move.c).  call's direct flow:
 * its candidates gathered (ice: our credentials and candidates; NULL: it
 * cannot be had, and the call stays on its path); its DTLS association
 * up, token the flow token of it at the daemon's proxy
 * (sip_core_flow_token); or failed (why).  ENOENT: no such call moving.
 */
int	sip_ua_direct_ready(struct sip_ua *, uint64_t now, uint32_t call,
	    const struct sdp_ice *ice);
int	sip_ua_direct_up(struct sip_ua *, uint64_t now, uint32_t call,
	    const char *token);
int	sip_ua_direct_failed(struct sip_ua *, uint64_t now, uint32_t call,
	    const char *why);
const char *sip_ua_direct_mode_name(enum sip_ua_direct_mode);
int	sip_ua_direct_mode_parse(const char *, enum sip_ua_direct_mode *);

/*
 * Send text (text/plain) from from (NULL: the first AOR) to target; its
 * final response comes as MESSAGE_DONE with cookie.  0, EINVAL (*why).
 */
int	sip_ua_message(struct sip_ua *, uint64_t now, const char *from,
	    const char *target, const char *text, uint64_t cookie,
	    const char **why);

/* The call ringing here longest, the newest not ended; 0: none. */
uint32_t sip_ua_ringing(const struct sip_ua *);
uint32_t sip_ua_newest(const struct sip_ua *);
/* The call after id (0: the first), or 0 past the last. */
uint32_t sip_ua_call_next(const struct sip_ua *, uint32_t id);
bool	sip_ua_call_info(const struct sip_ua *, uint32_t id,
	    struct sip_ua_call_info *);
const char *sip_ua_state_name(enum sip_ua_state);
const char *sip_ua_answer_name(enum sip_ua_answer);
int	sip_ua_answer_parse(const char *, enum sip_ua_answer *);

#endif
