/*
 * ice.h - an ICE agent (RFC 8445) for one media stream of one or two
 * components (RTP, RTCP), full implementation, regular nomination, with
 * consent freshness (RFC 7675), sans I/O.
 *
 * Gathering (§5.1.1): a host candidate per component (the address of its
 * socket, which the caller owns), a server-reflexive one from a Binding
 * request to the STUN server, a relayed one from a TURN allocation
 * (turn.h) made from the same socket.  Checks (§6.1.4, §7.2, §7.3) are
 * STUN Binding requests with short-term credentials (ice-ufrag:ice-pwd),
 * paced one per Ta; checks on a relayed candidate go through its TURN
 * server.  Once each component has a nominated pair, the stream is
 * completed and media goes on the selected pairs; consent is refreshed
 * every 4-6 s and lost 30 s after the last answer (RFC 7675 §5.1).
 *
 * The caller feeds every datagram of a component's socket to ice_input:
 * what is STUN or from the TURN server the agent takes; the rest (true
 * false) is media from a peer, the caller's.  ice_send sends media on the
 * selected pair.  Datagrams out are SEND actions (component, destination);
 * media that came through a relay comes back as DATA actions.
 */
#ifndef ICE_H
#define ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "nat_stunc.h"
#include "turn.h"

struct ice;
struct log_ctx;
struct rng;

#define ICE_COMP_MAX		2	/* RTP, RTCP */
#define ICE_CANDS_MAX		12	/* a side's candidates, all components */
#define ICE_PAIRS_MAX		64	/* §6.1.2.5: a limit (RFC: 100) */
/* §14.2: 50 ms by default, another value allowed "based on the
 * characteristics of the associated data": a call's one audio stream has a
 * few pairs, and 20 ms is RFC 5245's floor for RTP (§16.1 there) */
#define ICE_TA_MS		20
#define ICE_UFRAG_LEN		8	/* §5.3: at least 4 ice-chars */
#define ICE_PWD_LEN		24	/* §5.3: at least 22 */
#define ICE_CRED_MAX		256	/* RFC 8839 §5.4: at most 256 */
#define ICE_FOUNDATION_MAX	32	/* RFC 8839 §5.1 */
#define ICE_CONSENT_MS		5000	/* RFC 7675 §5.1: 4-6 s, randomized */
#define ICE_CONSENT_LOST_MS	30000	/* RFC 7675 §5.1 */

enum ice_cand_type {
	ICE_HOST,
	ICE_SRFLX,
	ICE_PRFLX,
	ICE_RELAYED,
};

struct ice_cand {
	char			 foundation[ICE_FOUNDATION_MAX + 1];
	unsigned		 component;	/* 1.. */
	uint32_t		 priority;
	struct addr		 addr;
	enum ice_cand_type	 type;
	struct addr		 related;	/* raddr/rport; family 0: none */
};

struct ice_cfg {
	bool		 controlling;
	unsigned	 ncomp;			/* 1 or 2 */
	struct addr	 host[ICE_COMP_MAX];	/* each component's socket */
	struct addr	 stun_server;		/* family 0: no srflx */
	struct addr	 turn_server;		/* family 0: no relayed */
	const char	*turn_user;		/* copied */
	const char	*turn_password;
	unsigned	 ta_ms;			/* 0: ICE_TA_MS */
};

enum ice_state {
	ICE_GATHERING,
	ICE_GATHERED,		/* candidates ready; no remote yet */
	ICE_CHECKING,
	ICE_COMPLETED,		/* every component has a selected pair */
	ICE_FAILED,		/* no pair for a component, or consent lost */
};

enum ice_action_type {
	ICE_ACT_SEND,		/* buf from component's socket to `to' */
	ICE_ACT_GATHERED,	/* ice_local has the candidates */
	ICE_ACT_STATE,		/* state is now state (COMPLETED, FAILED) */
	ICE_ACT_DATA,		/* media for component from `to' (relayed) */
	ICE_ACT_PAIR,		/* component's media goes on another pair
				   now (ice_usable) */
};

struct ice_action {
	enum ice_action_type type;
	unsigned	 component;
	struct addr	 to;		/* SEND; DATA: where it came from */
	enum ice_state	 state;
	uint8_t		 buf[TURN_MSG_MAX];
	size_t		 len;
};

/* A pair as p2psipctl shows it. */
struct ice_pair_info {
	unsigned		 component;
	struct ice_cand		 local, remote;
	bool			 nominated;
	uint64_t		 priority;
};

struct ice_stats {
	uint64_t	 checks_sent;	/* requests, retransmissions too */
	uint64_t	 checks_recv;	/* valid requests answered */
	uint64_t	 dropped;	/* STUN with a wrong username or
					   integrity, or malformed */
	uint64_t	 role_conflicts;
};

/* cfg is copied; rng and log are borrowed.  0, or EINVAL. */
int	 ice_new(struct ice **, const struct ice_cfg *, struct rng *,
	    const struct log_ctx *);
void	 ice_free(struct ice *);
/* Gather: GATHERED follows (at once without servers). */
void	 ice_gather(struct ice *, int64_t now);
/* Stop waiting for the servers: what is gathered is what there is (a
 * late answer still adds its candidate, for the checks). */
void	 ice_gather_end(struct ice *, int64_t now);
/* Our credentials and candidates (the caller's cands: ICE_CANDS_MAX). */
const char *ice_ufrag(const struct ice *);
const char *ice_pwd(const struct ice *);
unsigned ice_local(const struct ice *, struct ice_cand *);
/*
 * The peer's credentials and candidates (from its SDP); the checks start
 * once gathering is done.  0, or EINVAL (credentials not ice-chars or
 * too long, no candidate for a component).
 */
int	 ice_set_remote(struct ice *, int64_t now, const char *ufrag,
	    const char *pwd, const struct ice_cand *, unsigned n);
bool	 ice_controlling(const struct ice *);
/* The role negotiated (RFC 8445 §6.1.1), before the checks start. */
void	 ice_set_role(struct ice *, bool controlling);
bool	 ice_input(struct ice *, int64_t now, unsigned component,
	    const struct addr *from, const uint8_t *, size_t);
/*
 * Media goes on the selected pair, or before there is one on the best
 * valid pair (RFC 8445 §12.1); ICE_ACT_PAIR says when that changes.
 * ice_usable: that pair (false: none yet).  ice_from_valid: is from the
 * peer's end of a valid pair of component (media from it is the peer's,
 * §12.2)?  ice_direct: where component's media goes when that pair is
 * direct (not through a relay): true and *to; else false (ice_send does
 * it).
 */
bool	 ice_usable(const struct ice *, unsigned component,
	    struct ice_pair_info *);
bool	 ice_from_valid(const struct ice *, unsigned component,
	    const struct addr *from);
/* Did from send us a check for component with our credentials, to our
 * host candidate (§7.3.1: the peer is there, though our own check of
 * the pair may not have succeeded yet)? */
bool	 ice_from_checked(const struct ice *, unsigned component,
	    const struct addr *from);
bool	 ice_direct(const struct ice *, unsigned component, struct addr *to);
/* Media on component's pair in use: 0, ENOTCONN (none yet), EMSGSIZE. */
int	 ice_send(struct ice *, int64_t now, unsigned component,
	    const void *, size_t);
void	 ice_tick(struct ice *, int64_t now);
int64_t	 ice_deadline(const struct ice *);	/* INT64_MAX: idle */
bool	 ice_next_action(struct ice *, struct ice_action *);
enum ice_state ice_state(const struct ice *);
const char *ice_state_name(enum ice_state);
const char *ice_cand_type_name(enum ice_cand_type);
/* component's selected pair: false when none. */
bool	 ice_selected(const struct ice *, unsigned component,
	    struct ice_pair_info *);
const struct ice_stats *ice_stats(const struct ice *);
/* §5.1.2.1: a candidate's priority. */
uint32_t ice_priority(enum ice_cand_type, unsigned local_pref,
	    unsigned component);

#endif
