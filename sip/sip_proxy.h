/*
 * sip_proxy.h - the stateful proxy (RFC 3261 §16), sans I/O.
 *
 * A request for an AOR of the overlay goes to the contacts its phones
 * registered here (in parallel, §16.6), the best answer back (§16.7);
 * requests inside a dialog follow their Route set, which includes this
 * proxy through its Record-Route (§16.6 step 4, §16.4).  CANCEL (§16.10),
 * Max-Forwards and loop detection (§16.3), 404 for an AOR nobody
 * registered, 403 for other domains, 408 when a branch times out.
 * An AOR with no phone here is looked up in the overlay (through the
 * lookup callback): the request goes straight to the contacts of the
 * peers that hold its registrations (480 if the overlay cannot say).
 * An AOR this node publishes by destination list goes, with no phone
 * here, to the daemon's UA.
 */
#ifndef SIP_PROXY_H
#define SIP_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "sip_txn.h"

struct log_ctx;
struct rng;
struct sip_anchor;
struct sip_msg;
struct sip_pl;
struct sip_reg;
struct sip_uri;

/* A message to send outside any transaction (ACK for a 2xx, a 2xx
 * resent): the callee takes data. */
typedef void (*sip_proxy_send_cb)(const struct sip_flow *, uint8_t *data,
	    size_t len, void *arg);

/* An INVITE proxied here got its final status (for the event stream). */
typedef void (*sip_proxy_call_cb)(const struct sip_msg *invite,
	    unsigned status, void *arg);

/* Look aor up in the overlay; answer with sip_proxy_lookup_done. */
/*
 * Where a request goes, for the user's policy on who may send what (RFC
 * 3261 §26.1.1: not an open relay): to a user of the overlay (an AOR of
 * its domain, or one at this proxy), to a phone registered here (its
 * contact's address, or the address it registered from: requests inside
 * its dialogs), to the flow a flow token of ours names (RFC 5626 §5.3:
 * a request inside a dialog this proxy Record-Routed, which it let in
 * when it began), or to anywhere else.
 */
enum sip_proxy_dest {
	SIP_DEST_OVERLAY,
	SIP_DEST_PHONE,
	SIP_DEST_OUTSIDE,
	SIP_DEST_FLOW,
};

/*
 * May request m from flow f, in server transaction txn (0: an ACK for a
 * 2xx), go where dest says, at now?  false: the callee has answered it (in txn)
 * or dropped it, and the proxy does nothing more with it.
 */
typedef bool (*sip_proxy_allow_cb)(uint64_t now, uint64_t txn,
	    const struct sip_flow *f, const struct sip_msg *m,
	    enum sip_proxy_dest dest, void *arg);

typedef void (*sip_proxy_lookup_cb)(const char *aor, uint64_t cookie,
	    void *arg);
/* Find where uri's requests go (RFC 3263); answer with
 * sip_proxy_resolve_done. */
typedef void (*sip_proxy_resolve_cb)(const char *uri, uint64_t cookie,
	    void *arg);

struct sip_proxy_cfg {
	const char	*domain;	/* the overlay's name */
	sip_proxy_lookup_cb lookup;	/* NULL: local phones only */
	/* A request for another domain goes where RFC 3263 says (a proxy
	 * peer, draft-marocco-p2psip-interwork); NULL: 403. */
	sip_proxy_resolve_cb resolve;
	sip_proxy_call_cb call;		/* NULL: none */
	sip_proxy_allow_cb allow;	/* NULL: everything goes */
	struct addr	 self;		/* our SIP address (Via, Record-Route) */
	struct addr	 self_tls;	/* our TLS address (family 0: none) */
	/* Where we listen (may be wildcards: any address of this host, in
	 * local, or loopback); a URI naming these is us too. */
	struct addr	 listen;
	struct addr	 listen_tls;
	const struct addr *local;	/* kept by the caller */
	unsigned	 nlocal;
	size_t		 max_len;
	/* How long the overlay's answer for an AOR is used again (0: not
	 * kept); dropped when the AOR's peers fail a request. */
	uint32_t	 lookup_cache_ms;
	sip_proxy_send_cb emit;	/* sends outside transactions */
	/* The media relays for phones here (sip_anchor.h; NULL: none). */
	struct sip_anchor *anchor;
	void		*arg;
};

struct sip_proxy;

struct sip_proxy *sip_proxy_new(const struct sip_proxy_cfg *,
	    struct sip_txn_layer *, const struct sip_reg *, struct rng *,
	    struct log_ctx *);
void	sip_proxy_free(struct sip_proxy *);

/*
 * A request to proxy, in server transaction txn (0: an ACK for a 2xx,
 * forwarded without one), from flow.
 */
void	sip_proxy_request(struct sip_proxy *, uint64_t now, uint64_t txn,
	    const struct sip_flow *, const struct sip_msg *);
/* A response to one of our client transactions (cookie as given; txn 0:
 * one no transaction took, such as a 2xx resent). */
void	sip_proxy_response(struct sip_proxy *, uint64_t now, uint64_t cookie,
	    uint64_t txn, const struct sip_msg *);
/*
 * What RFC 3263 found for request cookie's Request-URI (sip_resolve.h):
 * status 0 and its servers in order, each tried in turn when the one
 * before answers 503, times out or cannot be reached (§4.3); or the
 * status that found none (ETIMEDOUT: 408; anything else: 503), why in
 * the response's reason.
 */
struct sip_res_target;
void	sip_proxy_resolve_done(struct sip_proxy *, uint64_t now,
	    uint64_t cookie, int status, const char *why,
	    const struct sip_res_target *, unsigned n);
/* A client transaction timed out (Timer B or F), or its request could
 * not be sent (transport: §16.9). */
void	sip_proxy_timeout(struct sip_proxy *, uint64_t now, uint64_t cookie,
	    bool transport);
/*
 * What the overlay says of the AOR of request cookie: its contacts (SIP
 * URIs), each with the Node-ID of the peer that registered it (nodes[i]
 * NULL: unknown), or failed (it could not say).  A branch to a TLS
 * contact is pinned to that Node-ID.
 */
void	sip_proxy_lookup_done(struct sip_proxy *, uint64_t now,
	    uint64_t cookie, const char *const *contacts,
	    const uint8_t *const *nodes, unsigned n, bool failed);
/* Forget requests done long enough ago. */
void	sip_proxy_tick(struct sip_proxy *, uint64_t now);
/* When records done are due to go (UINT64_MAX: none). */
uint64_t sip_proxy_deadline(const struct sip_proxy *);
unsigned sip_proxy_pending(const struct sip_proxy *);
/* AOR lookups: asked of the overlay, answered from the cache; AORs in
 * the cache. */
struct sip_proxy_stats {
	uint64_t	 lookups;
	uint64_t	 cache_hits;
	unsigned	 cached;
};
void	sip_proxy_stats(const struct sip_proxy *, struct sip_proxy_stats *);
/*
 * The daemon's own UA (its SIP address, over UDP; NULL: none), and the
 * AORs ("user@domain") this node publishes by destination list (RFC 7904
 * §3: the overlay routes their requests here): a request for one of those
 * that no phone registered here takes goes to the UA, as sip:user@UA.
 */
void	sip_proxy_set_ua(struct sip_proxy *, const struct addr *);
void	sip_proxy_host(struct sip_proxy *, const char *aor, bool on);
bool	sip_proxy_hosts(const struct sip_proxy *, const char *aor);
/*
 * RFC 5626 §5.2: a flow token for flow f (SIP_FLOW_TOKEN_LEN hex
 * digits and a NUL into out), the user part of our Record-Route on the
 * side of a phone's flow (§5.3); and the flow a token names, if it is
 * one of ours (false: not a token, or not made here).
 */
#define SIP_FLOW_TOKEN_LEN	68
void	 sip_proxy_flow_token(const struct sip_proxy *,
	    const struct sip_flow *f, char *out);
bool	 sip_proxy_flow_untoken(const struct sip_proxy *,
	    const struct sip_pl *user, struct sip_flow *f);
/*
 * The overlay identifier (draft-marocco-p2psip-interwork §3.1): a URI
 * parameter of the Record-Routes a proxy peer writes on a call that
 * leaves the overlay, ";overlay=DOMAIN"; a Route naming us with it and
 * without a token of ours is refused (403).
 */
#define SIP_RR_OVERLAY		"overlay"
/* Does the URI's host:port name this proxy (either address)? */
bool	sip_proxy_is_self(const struct sip_proxy *, const struct sip_uri *);

#endif
