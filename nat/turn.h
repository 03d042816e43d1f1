/*
 * turn.h - a TURN client's allocation (RFC 8656), sans I/O.
 *
 * One allocation on one server over one 5-tuple: Allocate with the
 * long-term credential mechanism (RFC 8489 §9.2: the first request
 * unauthenticated, then USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; a
 * stale nonce taken and the request sent again), Refresh before the
 * lifetime runs out, CreatePermission and ChannelBind per peer, kept up
 * while the peer is, Send indications or ChannelData out, Data
 * indications and ChannelData in, and Refresh with lifetime 0 to
 * release.  Over UDP each datagram is one message; over TCP
 * (RFC 8656 §3.1) the core frames the stream itself, ChannelData padded
 * to four bytes (§12.5).  The driver moves bytes between the core and
 * the one socket to the server.
 */
#ifndef TURN_H
#define TURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "nat_stunc.h"

struct log_ctx;
struct rng;
struct turn;

#define TURN_PEERS_MAX		16
#define TURN_DATA_MAX		1500	/* application bytes a message */
#define TURN_MSG_MAX		(TURN_DATA_MAX + 100)
#define TURN_LIFETIME		600	/* s: §3.2's default, asked for */
#define TURN_PERM_LIFETIME	300	/* s: §9 */
#define TURN_CHAN_LIFETIME	600	/* s: §12 */
#define TURN_CHAN_MIN		0x4000	/* §12 */
#define TURN_CHAN_MAX		0x4FFF

struct turn_cfg {
	struct addr	 server;
	bool		 tcp;		/* else UDP */
	const char	*user;		/* copied; printable ASCII */
	const char	*password;
	unsigned	 lifetime_s;	/* asked for; 0: TURN_LIFETIME */
	struct nat_stunc_cfg stun;	/* ignored over TCP: Ti 39.5 s */
};

enum turn_state {
	TURN_IDLE,
	TURN_ALLOCATING,
	TURN_ALLOCATED,
	TURN_FAILED,		/* code, why: this server will not do */
	TURN_RELEASED,
};

enum turn_action_type {
	TURN_ACT_SEND,		/* bytes to the server */
	TURN_ACT_ALLOCATED,	/* relayed, mapped, lifetime */
	TURN_ACT_FAILED,	/* code (0: no answer), why */
	TURN_ACT_PERMITTED,	/* peer: a permission is installed (ok) or
				   refused (!ok, code) */
	TURN_ACT_CHANNEL,	/* peer, channel: bound (ok) or refused */
	TURN_ACT_DATA,		/* bytes from peer through the relay */
	TURN_ACT_RELEASED,	/* the allocation is gone */
};

struct turn_action {
	enum turn_action_type type;
	struct addr	 peer;		/* PERMITTED, CHANNEL, DATA */
	bool		 ok;
	unsigned	 code;
	uint16_t	 channel;
	struct addr	 relayed, mapped;	/* ALLOCATED */
	unsigned	 lifetime_s;
	char		 why[128];
	uint8_t		 buf[TURN_MSG_MAX];	/* SEND, DATA */
	size_t		 len;
};

/* cfg is copied; rng and log are borrowed.  0, or EINVAL. */
int	 turn_new(struct turn **, const struct turn_cfg *, struct rng *,
	    const struct log_ctx *);
void	 turn_free(struct turn *);
enum turn_state turn_state(const struct turn *);
const char *turn_state_name(enum turn_state);
/* The allocation's addresses (family 0 until allocated). */
const struct addr *turn_relayed(const struct turn *);
const struct addr *turn_mapped(const struct turn *);

/* Start: an Allocate.  0, or EALREADY unless idle. */
int	 turn_allocate(struct turn *, int64_t now);
/* Refresh with lifetime 0 (§8): the server frees it.  0, or ENOTCONN. */
int	 turn_release(struct turn *, int64_t now);
/*
 * A permission for peer's address (§9), kept fresh until turn_forget;
 * with channel, a channel too (§12), through which turn_send goes then.
 * 0, ENOTCONN (not allocated), ENOBUFS (TURN_PEERS_MAX peers) or
 * EINVAL.
 */
int	 turn_permit(struct turn *, int64_t now, const struct addr *peer,
	    bool channel);
void	 turn_forget(struct turn *, const struct addr *peer);
/*
 * Data to peer through the relay: ChannelData on its channel once bound,
 * else a Send indication.  0, ENOTCONN, EMSGSIZE (over TURN_DATA_MAX).
 */
int	 turn_send(struct turn *, int64_t now, const struct addr *peer,
	    const void *, size_t);
/*
 * Bytes from the server: over UDP a datagram from `from' (false: not
 * the server's, or not STUN nor ChannelData), over TCP the stream's next
 * bytes (always taken; a broken stream fails the allocation).
 */
bool	 turn_input(struct turn *, int64_t now, const struct addr *from,
	    const uint8_t *, size_t);
void	 turn_tick(struct turn *, int64_t now);
int64_t	 turn_deadline(const struct turn *);
bool	 turn_next_action(struct turn *, struct turn_action *);

#endif
