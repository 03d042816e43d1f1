/*
 * nat_stunc.h - STUN client transactions (RFC 8489 §6.2), sans I/O:
 * Binding requests it makes itself, and requests others build (TURN's).
 *
 * Each request has a fresh 96-bit transaction id from the rng it was
 * given, is sent again after RTO, 2*RTO, 4*RTO... up to rc requests in
 * all, and fails rm*RTO after the last one.  A response is matched by its
 * transaction id alone, whatever address it came from: RFC 5780 §4.4's
 * tests ask the server to answer from another address.  Outcomes and
 * datagrams to send are queued actions; the driver sends each from the
 * socket the answers come back to.  Over TCP (RFC 8489 §6.2.2) a request
 * is sent once: rc 1, and rto*rm is the time it may take (Ti, 39.5 s).
 */
#ifndef NAT_STUNC_H
#define NAT_STUNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "stun.h"

struct rng;
struct nat_stunc;

#define NAT_STUNC_MAX		32	/* transactions at once */
#define NAT_STUNC_DGRAM_MAX	576	/* §6.2.1: what a request may be */

struct nat_stunc_cfg {
	unsigned	rto_ms;		/* §6.2.1: 500 */
	unsigned	rc;		/* requests in all: 7 */
	unsigned	rm;		/* the last wait, in RTOs: 16 */
};

struct nat_stunc_result {
	uint64_t	 cookie;	/* the caller's */
	int		 error;		/* 0, ETIMEDOUT, EPROTO (an error
					   response: code), EBADMSG (a
					   success without a mapped address) */
	unsigned	 code;		/* ERROR-CODE */
	struct addr	 server;	/* asked */
	struct addr	 from;		/* the response's source */
	struct addr	 mapped;	/* XOR-MAPPED-ADDRESS (or MAPPED-) */
	struct addr	 other;		/* OTHER-ADDRESS; family 0: none */
	struct addr	 origin;	/* RESPONSE-ORIGIN; family 0: none */
	int64_t		 rtt_ms;	/* since the last request sent */
	/* the response itself, for the caller's attributes (len 0: none,
	   or longer than NAT_STUNC_DGRAM_MAX: error EMSGSIZE) */
	uint8_t		 msg[NAT_STUNC_DGRAM_MAX];
	size_t		 msg_len;
};

enum nat_stunc_action_type {
	NAT_STUNC_SEND,
	NAT_STUNC_RESULT,
};

struct nat_stunc_action {
	enum nat_stunc_action_type type;
	struct addr	 to;		/* SEND */
	uint8_t		 buf[NAT_STUNC_DGRAM_MAX];	/* SEND */
	size_t		 len;
	struct nat_stunc_result res;	/* RESULT */
};

/* cfg is copied; rng is borrowed.  0, or EINVAL for a zero value. */
int	 nat_stunc_new(struct nat_stunc **, const struct nat_stunc_cfg *,
	    struct rng *);
void	 nat_stunc_free(struct nat_stunc *);

/*
 * A Binding request to server, with CHANGE-REQUEST flags (RFC 5780 §7.2:
 * STUN_CHANGE_IP, STUN_CHANGE_PORT) when change is not 0.  0, ENOBUFS
 * when NAT_STUNC_MAX are under way, or EINVAL for a server of no family.
 */
int	 nat_stunc_binding(struct nat_stunc *, int64_t now,
	    const struct addr *server, unsigned change, uint64_t cookie);
/* A fresh transaction id, for a request the caller builds. */
void	 nat_stunc_tid(struct nat_stunc *, uint8_t tid[STUN_TID_LEN]);
/*
 * Send msg (a request the caller built, its transaction id drawn by
 * nat_stunc_tid) to `to' as a transaction.  0, ENOBUFS, EMSGSIZE (over
 * NAT_STUNC_DGRAM_MAX), or EINVAL (to of no family, msg not a request).
 */
int	 nat_stunc_request(struct nat_stunc *, int64_t now,
	    const struct addr *to, const uint8_t *msg, size_t len,
	    uint64_t cookie);
/* Forget the requests of cookie, or all (no result comes for them). */
void	 nat_stunc_cancel(struct nat_stunc *, uint64_t cookie);
void	 nat_stunc_cancel_all(struct nat_stunc *);
/*
 * A datagram that came from `from': true when it was the response to one
 * of our requests (a result is queued), false when it is not ours to take
 * (not STUN, a request, an unknown transaction, a bad FINGERPRINT).
 */
bool	 nat_stunc_input(struct nat_stunc *, int64_t now,
	    const struct addr *from, const uint8_t *, size_t);
void	 nat_stunc_tick(struct nat_stunc *, int64_t now);
/* When tick is next due; INT64_MAX: nothing under way. */
int64_t	 nat_stunc_deadline(const struct nat_stunc *);
bool	 nat_stunc_next_action(struct nat_stunc *, struct nat_stunc_action *);
unsigned nat_stunc_pending(const struct nat_stunc *);

#endif
