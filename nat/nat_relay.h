/*
 * nat_relay.h - one TURN allocation (turn.h, RFC 8656), kept on the first
 * relay of a list that grants it, sans I/O.  The list is the relays the
 * overlay's relay agent peers advertise (RFC 6940 §9) or the operator
 * names; a relay that refuses (an error other than the 401 and 438 the
 * TURN core answers itself) or does not answer is skipped and the next
 * one tried; when every one has failed, the list is tried again after
 * NAT_RELAY_RETRY_MS (so is one whose allocation failed after it was
 * granted: its Refresh refused or unanswered).
 *
 * Bytes for the relays come out of nat_relay_next_send; what comes from
 * a relay goes into nat_relay_input.  Time is the caller's (ms).
 */
#ifndef NAT_RELAY_H
#define NAT_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "nat_stunc.h"
#include "turn.h"

struct log_ctx;
struct nat_relay;
struct rng;

#define NAT_RELAYS_MAX		8
#define NAT_RELAY_RETRY_MS	60000

enum nat_relay_state {
	NAT_RELAY_UNTRIED,
	NAT_RELAY_TRYING,
	NAT_RELAY_ALLOCATED,
	NAT_RELAY_REFUSED,	/* code, why */
	NAT_RELAY_SILENT,	/* no answer */
};

struct nat_relay_cfg {
	const char	*user;		/* copied */
	const char	*password;
	struct nat_stunc_cfg stun;
};

struct nat_relay_info {
	struct addr		 server;
	enum nat_relay_state	 state;
	unsigned		 code;		/* REFUSED */
	char			 why[128];
	struct addr		 relayed;	/* ALLOCATED */
	struct addr		 mapped;
};

/* 0, or EINVAL (no user or password). */
int	 nat_relay_new(struct nat_relay **, const struct nat_relay_cfg *,
	    struct rng *, const struct log_ctx *);
void	 nat_relay_free(struct nat_relay *);
/*
 * The relays, in the order to try them (at most NAT_RELAYS_MAX, the rest
 * ignored).  What is known of one already listed is kept, and so is the
 * allocation when its relay is still listed; else the first untried is
 * tried.
 */
void	 nat_relay_set(struct nat_relay *, int64_t now, const struct addr *,
	    unsigned n);
/* Bytes from a relay: true if they were for the allocation. */
bool	 nat_relay_input(struct nat_relay *, int64_t now,
	    const struct addr *from, const uint8_t *, size_t);
void	 nat_relay_tick(struct nat_relay *, int64_t now);
int64_t	 nat_relay_deadline(const struct nat_relay *);	/* INT64_MAX: idle */
/* The next datagram for a relay (buf: TURN_MSG_MAX bytes); false: none. */
bool	 nat_relay_next_send(struct nat_relay *, struct addr *to,
	    uint8_t *buf, size_t *len);
/* The allocation's relayed address, and its relay; NULL: none. */
const struct addr *nat_relay_relayed(const struct nat_relay *);
const struct addr *nat_relay_server(const struct nat_relay *);
unsigned nat_relay_count(const struct nat_relay *);
void	 nat_relay_info(const struct nat_relay *, unsigned i,
	    struct nat_relay_info *);
const char *nat_relay_state_name(enum nat_relay_state);

#endif
