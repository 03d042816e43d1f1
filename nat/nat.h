/*
 * nat.h - the NAT traversal core of a peer, sans I/O: a STUN Binding
 * server (RFC 8489 §12, rate-limited), and a client that learns this
 * host's server-reflexive address and measures its NAT's mapping and
 * filtering behaviour (RFC 5780 §4.3, §4.4; terms of RFC 4787 §4.1,
 * §5).
 *
 * The driver gives it every datagram of one UDP socket and sends what it
 * asks from that socket, so what is measured is the NAT's treatment of
 * that socket's flows.  It never reads a clock or a socket: calls carry
 * now (monotonic ms), outcomes are queued actions.
 *
 * Discovery asks the configured STUN servers, or when there are none the
 * servers the driver learned from the overlay (nat_set_peers), one after
 * the other until one answers (Test I).  A server that gives
 * OTHER-ADDRESS (RFC 5780 §7.4, e.g. coturn with two addresses) answers
 * the filtering tests (§4.4: a response from the other address and port,
 * then from the other port) and then the mapping tests (§4.3: the other
 * address, then the other address and port) - filtering first, so that
 * the mapping tests open no filter before they are measured.  Without
 * one, a second server of another address tells whether the mapping is
 * endpoint-independent, and filtering stays unknown.
 */
#ifndef NAT_H
#define NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "nat_stunc.h"

struct log_ctx;
struct rng;
struct nat;

#define NAT_SERVERS_MAX		8
#define NAT_RATE_SLOTS		256	/* sources the rate limit tells apart */

struct nat_cfg {
	bool		 serve;		/* answer Binding requests */
	const char	*software;	/* SOFTWARE of answers; NULL: none */
	unsigned	 serve_rate;	/* answers/s to one source address */
	struct addr	 host;		/* the socket's own address */
	struct addr	 servers[NAT_SERVERS_MAX];	/* [nat] stun_servers */
	unsigned	 nservers;
	unsigned	 probe_interval_ms;	/* discovery again after */
	struct nat_stunc_cfg stun;	/* the discovery's timers */
};

/* RFC 4787 §4.1 */
enum nat_mapping {
	NAT_MAP_UNKNOWN,
	NAT_MAP_NONE,		/* the reflexive address is the host's */
	NAT_MAP_EI,		/* endpoint-independent */
	NAT_MAP_AD,		/* address-dependent */
	NAT_MAP_APD,		/* address- and port-dependent */
	NAT_MAP_DEP,		/* one of the two, no server could tell */
};

/* RFC 4787 §5 */
enum nat_filtering {
	NAT_FILT_UNKNOWN,
	NAT_FILT_EI,
	NAT_FILT_AD,
	NAT_FILT_APD,
};

struct nat_report {
	bool		 probing;	/* discovery under way */
	int64_t		 done_at;	/* ms of the last one; 0: none yet */
	struct addr	 host;
	struct addr	 reflexive;	/* family 0: not learned */
	struct addr	 server;	/* that gave it */
	bool		 server_rfc5780; /* it gave OTHER-ADDRESS */
	enum nat_mapping mapping;
	enum nat_filtering filtering;
	char		 why[128];	/* what was missing; "" */
	/* the Binding server */
	uint64_t	 answered, limited, dropped;
};

enum nat_action_type {
	NAT_ACT_SEND,		/* a datagram to send from the socket */
	NAT_ACT_REPORT,		/* a discovery finished: nat_report */
};

struct nat_action {
	enum nat_action_type type;
	struct addr	 to;
	uint8_t		 buf[NAT_STUNC_DGRAM_MAX];
	size_t		 len;
};

/* cfg is copied (software is borrowed); rng and log are borrowed.  0,
 * or EINVAL. */
int	 nat_new(struct nat **, const struct nat_cfg *, struct rng *,
	    const struct log_ctx *);
void	 nat_free(struct nat *);

/*
 * STUN servers learned from the overlay, used when the config names
 * none; those of public addresses are asked first.  Discovery starts
 * again when there were none, when none answered, or when there are more
 * than before and the behaviour is still unknown.
 */
void	 nat_set_peers(struct nat *, int64_t now, const struct addr *,
	    unsigned cnt);
/* Start a discovery now, unless one is under way. */
void	 nat_probe(struct nat *, int64_t now);
/*
 * A datagram that came to the socket: true when it was STUN this core
 * took (an answer to send may be queued), false when it is not STUN.
 */
bool	 nat_input(struct nat *, int64_t now, const struct addr *from,
	    const uint8_t *, size_t);
void	 nat_tick(struct nat *, int64_t now);
/* When tick is next due (INT64_MAX: never). */
int64_t	 nat_deadline(const struct nat *);
bool	 nat_next_action(struct nat *, struct nat_action *);
const struct nat_report *nat_report(const struct nat *);
/* Is a NAT between the host and the servers (its reflexive address is
 * not its own)?  1 yes, 0 no, -1 not known yet. */
int	 nat_report_nated(const struct nat_report *);

const char *nat_mapping_name(enum nat_mapping);
const char *nat_filtering_name(enum nat_filtering);

#endif
