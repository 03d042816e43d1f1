/*
 * sip_core.h - the daemon's SIP node, sans I/O: parsing and framing of
 * what the transports bring, the transaction layer (sip_txn.h), and the
 * transaction user that answers requests: the registrar for local phones
 * (sip_reg.h), OPTIONS, and (next) the proxy.
 *
 * The driver hands it bytes with the flow they came on and the time, and
 * drains its actions: bytes to send on a flow, and AORs to publish in or
 * withdraw from the overlay.
 */
#ifndef SIP_CORE_H
#define SIP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_anchor.h"
#include "sip_msg.h"
#include "sip_proxy.h"
#include "sip_reg.h"
#include "sip_txn.h"

struct log_ctx;
struct rng;

struct sip_core_cfg {
	const char		*domain;	/* the overlay's name */
	struct addr		 self;		/* our SIP address, as others
						   reach it */
	struct addr		 self_tls;	/* on TLS (family 0: none) */
	struct addr		 listen;	/* where we listen, if not */
	struct addr		 listen_tls;	/* self (may be wildcards) */
	struct sip_limits	 lim;
	struct sip_txn_layer_cfg txl;
	struct sip_reg_cfg	 reg;		/* its domain is ours */
	uint32_t		 lookup_cache_ms;	/* sip_proxy.h */
	/* REGISTER from elsewhere than this host must authenticate (§22);
	 * from here too with auth_local.  This host: loopback, or one of
	 * the local addresses (ports ignored). */
	bool			 auth_local;
	const struct addr	*local;
	unsigned		 nlocal;
	/* Is a the host of another daemon of the overlay (one a link of
	 * the overlay, TLS with a Node-ID checked, leads to)?  For
	 * requests on flows with no certificate; NULL: none is. */
	bool			(*peer_host)(const struct addr *a, void *arg);
	/* A proxy peer (draft-marocco-p2psip-interwork): requests for
	 * other domains, from this host's phones and the overlay's peers,
	 * go where RFC 3263 says (SIP_CORE_RESOLVE); else they get 403. */
	bool			 proxy_peer;
	/* Not one: this host's requests for other domains (a public
	 * registration's REGISTER too) go to the next hops the driver
	 * finds for them (SIP_CORE_RESOLVE: the overlay's proxy peers);
	 * false: 403. */
	bool			 other_domains;
	void			*arg;
};

enum sip_core_act_type {
	SIP_CORE_SEND,		/* flow, data, len: the driver frees data */
	SIP_CORE_PUBLISH,	/* aor ("user@domain"), up: the AOR got its
				   first local binding, or lost its last (or,
				   up, is no longer published by destination
				   list, sip_core_host) */
	SIP_CORE_CLOSE,		/* flow: a stream that broke the framing */
	SIP_CORE_LOOKUP,	/* aor, cookie: look the AOR up in the
				   overlay; answer sip_core_lookup_done */
	SIP_CORE_CALL,		/* aor (the To), from, call_id, status: an
				   INVITE proxied here got its answer */
	SIP_CORE_ANCHOR,	/* anchor: what a relay of a phone's media
				   is to do (sip_anchor.h) */
	SIP_CORE_RESOLVE,	/* aor (a SIP URI), cookie: find its servers
				   (RFC 3263; or, not a proxy peer, the
				   overlay's proxy peers); answer
				   sip_core_resolve_done */
};

struct sip_core_action {
	enum sip_core_act_type type;
	struct sip_flow	 flow;
	uint8_t		*data;
	size_t		 len;
	char		*aor;	/* the driver frees it, and the next two */
	char		*from;
	char		*call_id;
	bool		 up;
	uint64_t	 cookie;
	unsigned	 status;
	struct sip_anchor_ev *anchor;	/* the driver frees it */
};

struct sip_core_stats {
	uint64_t	 requests;	/* new requests (not retransmissions) */
	uint64_t	 registers;
	uint64_t	 auth_challenged;	/* REGISTERs answered 401 */
	uint64_t	 auth_refused;		/* ... 403 (no users, or
						   another user's AOR) */
	uint64_t	 responses_sent;
	uint64_t	 bad_answered;	/* refused with a 400 */
	uint64_t	 bad_dropped;	/* not SIP, or too broken to answer */
	uint64_t	 keepalives;	/* CRLF pings and STUN Binding
					   requests answered (RFC 5626),
					   CRLF datagrams taken */
	uint64_t	 relay_refused;	/* requests to elsewhere refused
					   (403) or dropped (ACK) */
	uint64_t	 relay_challenged;	/* ... asked for Digest (407) */
};

struct sip_core;

struct sip_core *sip_core_new(const struct sip_core_cfg *, struct rng *,
	    struct log_ctx *);
void	sip_core_free(struct sip_core *);

/*
 * Bytes from a transport: a datagram (stream false, all of it), or the
 * bytes buffered on a stream, of which it takes whole messages and
 * keepalives.  *used: bytes taken.  0: go on (call again with the rest);
 * ENODATA: a stream needs more bytes; EMSGSIZE or EBADMSG: the stream
 * cannot be read on (a CLOSE action follows).
 */
int	sip_core_input(struct sip_core *, uint64_t now, const struct sip_flow *,
	    const uint8_t *, size_t, bool stream, size_t *used);
/* A connection on flow failed, or could not be made (or its peer was
 * not the node pinned): what was to go on it fails (sip_txn.h). */
void	sip_core_transport_error(struct sip_core *, uint64_t now,
	    const struct sip_flow *);
void	sip_core_tick(struct sip_core *, uint64_t now);
/* The answer to a LOOKUP: the AOR's contacts (SIP URIs of the peers that
 * hold its registrations) with the Node-IDs of those peers (nodes NULL,
 * or nodes[i] NULL: unknown), or failed: the overlay could not say. */
void	sip_core_lookup_done(struct sip_core *, uint64_t now, uint64_t cookie,
	    const char *const *contacts, const uint8_t *const *nodes,
	    unsigned n, bool failed);
uint64_t sip_core_deadline(const struct sip_core *);
bool	sip_core_next_action(struct sip_core *, struct sip_core_action *);
/* Free what an action holds. */
void	sip_core_action_clear(struct sip_core_action *);

/*
 * The daemon's UA, and the AORs this node publishes by destination list
 * (RFC 7904 §3): their requests go to the UA when no phone here has them
 * (sip_proxy.h), and their phones' registrations are not published (the
 * destination list routes to them already).  sip_core_host with on false
 * publishes the AOR again if phones here have it (a PUBLISH action).
 */
void	sip_core_set_ua(struct sip_core *, const struct addr *ua);
/* What RFC 3263 found for SIP_CORE_RESOLVE cookie, or the proxy peers
 * (status EHOSTUNREACH: none; sip_proxy.h's sip_proxy_resolve_done). */
struct sip_res_target;
void	sip_core_resolve_done(struct sip_core *, uint64_t now, uint64_t cookie,
	    int status, const char *why, const struct sip_res_target *,
	    unsigned n);
void	sip_core_host(struct sip_core *, uint64_t now, const char *aor,
	    bool on);
bool	sip_core_hosts(const struct sip_core *, const char *aor);

/* The users who may register from elsewhere: names and passwords. */
void	sip_core_set_users(struct sip_core *, const char *const *names,
	    const char *const *passwords, unsigned n);

const struct sip_core_stats *sip_core_stats(const struct sip_core *);
/* The proxy's AOR lookups and their cache. */
void	sip_core_lookup_stats(const struct sip_core *,
	    struct sip_proxy_stats *);
const struct sip_reg *sip_core_reg(const struct sip_core *);
/*
 * The flow token (RFC 5626 §5.2) of flow, SIP_CORE_TOKEN_LEN hex digits
 * and a NUL into out: a Route of <sip:TOKEN@us;lr> in a request to this
 * node's proxy sends it on that flow (a direct flow's, ICE for SIP).
 */
#define SIP_CORE_TOKEN_LEN	68
void	sip_core_flow_token(const struct sip_core *, const struct sip_flow *,
	    char *out);
/* The media relays for phones here: the driver sets the mode and keeps
 * relays ready (sip_anchor.h). */
struct sip_anchor *sip_core_anchor(struct sip_core *);
unsigned sip_core_transactions(const struct sip_core *);
/* Requests the proxy is forwarding, or keeps for a 2xx resent. */
unsigned sip_core_forwards(const struct sip_core *);

#endif
