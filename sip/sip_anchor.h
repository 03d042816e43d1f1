/*
 * sip_anchor.h - media relays for phones behind the daemon's NAT, the
 * proxy's part, sans I/O.
 *
 * A phone's own SDP names its private address, and its own ICE (if it
 * has any) cannot get through a NAT whose mapping depends on the
 * destination (RFC 4787 §4.1) without a TURN server it is not told
 * about.  The daemon relays such calls' media: where one side of a
 * dialog is a phone registered here and the other a peer of the
 * overlay, the proxy edits the audio stream of each description that
 * passes (the way media-relaying proxies do, in spite of RFC 3261 §16.6
 * step 1's "MUST NOT ... modify the body"; SIP's end-to-end integrity
 * of bodies, S/MIME, is not in use between phones and their daemon):
 * toward the peer it names a relay's ICE candidates (RFC 8445, RFC
 * 8839), its relayed one among them; toward the phone the relay's
 * address on the phone's network, with ICE there too for a phone that
 * does ICE (one that does not ignores it, RFC 8839 §4.2; one that does
 * may not send until its checks succeed).  The driver owns the
 * relays (sockets, ICE agents, TURN allocations) and keeps a few ready
 * ahead of calls (sip_anchor_add), so that no message waits for one to
 * gather.
 *
 * Which calls: off; PLAIN: a phone's offer without ICE (behind a NAT
 * whose mapping is endpoint-independent, a phone with ICE gets through
 * by itself); ALL: every phone's call, offered by either side.
 */
#ifndef SIP_ANCHOR_H
#define SIP_ANCHOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "sdp.h"

struct log_ctx;
struct sip_msg;
struct sip_anchor;

enum sip_anchor_mode {
	SIP_ANCHOR_OFF,
	SIP_ANCHOR_PLAIN,
	SIP_ANCHOR_ALL,
};

#define SIP_ANCHOR_POOL		4	/* relays kept ready, at most */
#define SIP_ANCHOR_CALLS	256	/* calls relayed at once */

/* A relay the driver made ready. */
struct sip_anchor_relay {
	uint32_t	 id;		/* the driver's, not 0 */
	struct addr	 lan;		/* where the phone sends RTP (RTCP:
					   the next port) */
	struct addr	 dflt;		/* the default candidate (RFC 8445
					   §5.1.4): c= and m= toward the
					   peer */
	struct sdp_ice	 ice;		/* its credentials and candidates */
	struct sdp_ice	 lan_ice;	/* ... on the phone's side (ufrag
					   "": none) */
};

enum sip_anchor_ev_type {
	SIP_ANCHOR_PHONE,	/* relay id's phone has its media at rtp,
				   rtcp (the same with rtcp-mux), it says;
				   its SIP comes from sig; its ICE as for
				   FAR */
	SIP_ANCHOR_FAR,		/* the peer's: rtp, and ice (has_ice;
				   controlling says our role toward it,
				   RFC 8445 §6.1.1) */
	SIP_ANCHOR_END,		/* relay id's call is over */
};

struct sip_anchor_ev {
	enum sip_anchor_ev_type type;
	uint32_t	 id;
	struct addr	 rtp, rtcp;
	struct addr	 sig;
	bool		 has_ice;
	bool		 controlling;
	struct sdp_ice	 ice;
};

typedef void (*sip_anchor_cb)(const struct sip_anchor_ev *, void *arg);

struct sip_anchor *sip_anchor_new(sip_anchor_cb, void *arg,
	    const struct log_ctx *);
void	 sip_anchor_free(struct sip_anchor *);
void	 sip_anchor_set_mode(struct sip_anchor *, enum sip_anchor_mode);
enum sip_anchor_mode sip_anchor_mode(const struct sip_anchor *);
/* A relay ready for a call (copied; false: the pool is full). */
bool	 sip_anchor_add(struct sip_anchor *, const struct sip_anchor_relay *);
/* Relays ready now. */
unsigned sip_anchor_ready(const struct sip_anchor *);
/* The driver dropped relay id (it broke, or its call went quiet). */
void	 sip_anchor_gone(struct sip_anchor *, uint32_t id);

/*
 * m's body as it goes on: toward a phone here (to_phone) or from one to
 * a peer; phone: the address of the phone's SIP flow; offer: it is an
 * offer (RFC 3264), which may start relaying the call.  The edited body
 * (*len bytes, the caller frees it), or NULL: it goes as it came.
 */
uint8_t	*sip_anchor_body(struct sip_anchor *, const struct sip_msg *m,
	    bool to_phone, const struct addr *phone, bool offer, size_t *len);
/* The dialog of call_id is over (BYE, or its INVITE failed). */
void	 sip_anchor_end(struct sip_anchor *, const struct sip_msg *m);

struct sip_anchor_stats {
	uint64_t	 calls;		/* relayed, ever */
	uint64_t	 missed;	/* would have been, but none ready */
	unsigned	 active;
};
void	 sip_anchor_stats(const struct sip_anchor *, struct sip_anchor_stats *);

#endif
