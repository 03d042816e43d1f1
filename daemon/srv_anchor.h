/*
 * srv_anchor.h - the media relays for phones behind this daemon's NAT
 * (the proxy decides which calls, sip_anchor.h): for each relayed call
 * an ICE agent toward the peer on one UDP socket (host, server-reflexive
 * and relayed candidates, the relay the overlay gave this node), and an
 * RTP/RTCP pair of sockets on the phones' side, and the datagrams
 * between them.  A few relays are kept gathered ahead of calls.
 */
#ifndef SRV_ANCHOR_H
#define SRV_ANCHOR_H

#include <stdint.h>

#include "sip_anchor.h"

struct addr;
struct cfg;
struct event_base;
struct srv_anchor;
struct srv_media_servers;

struct srv_anchor_ops {
	/* the servers a relay's agent gathers from (as a call's) */
	void	(*servers)(struct srv_media_servers *, void *arg);
	void	*arg;
};

/* Relays on bind's address, ports from [media] rtp_ports; core is the
 * SIP core's part (sip_core_anchor), borrowed. */
struct srv_anchor *srv_anchor_new(struct event_base *, const struct cfg *,
	    const struct addr *bind, struct sip_anchor *core,
	    const struct srv_anchor_ops *);
void	 srv_anchor_free(struct srv_anchor *);
/* Which calls are relayed (OFF: relays kept ready are let go), and
 * whether peers are offered the relayed candidate alone (behind a NAT
 * whose mapping depends on the destination). */
void	 srv_anchor_set_mode(struct srv_anchor *, enum sip_anchor_mode,
	    bool relay_only);
/* What the proxy says of a relay (SIP_CORE_ANCHOR). */
void	 srv_anchor_event(struct srv_anchor *, const struct sip_anchor_ev *);

struct srv_anchor_info {
	enum sip_anchor_mode mode;
	unsigned	 ready;		/* gathered, for the next calls */
	unsigned	 ready_relayed;	/* ... with a relayed candidate */
	unsigned	 active;	/* relaying a call */
	uint64_t	 calls;		/* relayed, ever */
	uint64_t	 missed;	/* none was ready */
	uint64_t	 to_phone, to_peer;	/* datagrams relayed */
	uint64_t	 dropped;	/* from sources with no right: not
					   the phone's host, not the peer's
					   end of a valid pair */
};
void	 srv_anchor_info(const struct srv_anchor *, struct srv_anchor_info *);
const char *srv_anchor_mode_name(enum sip_anchor_mode);

#endif
