/*
 * ov_node.h - a RELOAD peer (RFC 6940) with the CHORD-RELOAD topology, as
 * a sans-I/O state machine.
 *
 * The driver (daemon/srv_overlay.c, or the simulator) owns sockets, TLS
 * and the clock.  It tells the node about links (accepted, up with the
 * peer's Node-ID from its certificate, bytes received, down), calls
 * ov_node_tick at ov_node_deadline(), and drains actions: CONNECT to an
 * address, SEND bytes on a link, CLOSE a link, TRACE a frame, or an EVENT
 * for the layer above.  Links carry the framing header (§6.6.5); the node
 * routes symmetrically over via lists (§6.2), joins through a bootstrap
 * list (§10.5, §11.4), stabilises with Updates (§10.7), repairs reactively
 * and leaves gracefully (§10.9).
 */
#ifndef OV_NODE_H
#define OV_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "ov_certs.h"
#include "ov_chord.h"
#include "ov_data.h"
#include "ov_id.h"
#include "ov_msg.h"

struct log_ctx;
struct ov_crypto;
struct ov_node;
struct rng;

struct ov_node_cfg {
	const char	*overlay;		/* the overlay name (an FQDN) */
	struct ov_id	 self;
	struct addr	 self_addr;		/* our host candidate; may be
						   set later (ov_node_set_addr) */
	const struct addr *bootstrap;		/* copied */
	unsigned	 nbootstrap;
	unsigned	 npred, nsucc;
	unsigned	 nfingers;		/* octaves of the finger table */
	unsigned	 finger_density_bits;	/* 2^this slots an octave
						   (ov_chord.h) */
	uint8_t		 initial_ttl;		/* §6.3.2: 100 */
	uint32_t	 max_message_size;	/* §11.1: 5000 */
	uint32_t	 reliability_ms;	/* overlay-reliability-timer */
	uint32_t	 update_interval_ms;	/* chord-update-interval */
	uint32_t	 finger_interval_ms;	/* chord-ping-interval */
	bool		 pns;			/* proximity neighbour
						   selection (ov_update.c) */
	unsigned	 location_cache;	/* entries, 0: none
						   (ov_lcache.c) */
	uint32_t	 probe_interval_ms;	/* bootstrap retry backoff cap */
	uint32_t	 partition_interval_ms;	/* 0: no partition checks */
	uint32_t	 link_timeout_ms;	/* unacked this long: close */
	unsigned	 max_links;		/* beyond it only essential
						   Attaches, and ones to
						   our Node-ID, are
						   answered (ov_attach.c) */
	unsigned	 max_pending;		/* our open transactions */
	int64_t		 wall_offset_ms;	/* wall clock = now + offset */
	/* storage (§7); 0: the default in brackets */
	unsigned	 replicas;		/* copies in all [3] (§10.4) */
	uint32_t	 max_lifetime_s;	/* longest accepted [86400] */
	uint64_t	 store_max_bytes;	/* all values held [64 MiB] */
	/* §11.3: the overlay's CA vouches for user names, which are then
	 * not pinned to the first key seen (§11.3.1) */
	bool		 enrollment;
	/* §10.7.1: new replicas wait this long after a successor fails,
	 * for Updates to name a better one; 0: none (the daemon's default
	 * is the RFC's 30 s) */
	uint32_t	 replica_holddown_ms;
	/* stores one peer may make here: a token bucket per signer */
	uint32_t	 peer_store_rate;	/* a second, sustained [1000] */
	uint32_t	 peer_store_burst;	/* at once [2000] */
	const struct ov_kind *kinds;		/* with their limits; copied
						   [ov_kind_all] */
	size_t		 nkinds;
};

enum ov_state {
	OV_ST_INIT,
	OV_ST_JOINING,		/* finding the overlay through bootstrap */
	OV_ST_JOINED,		/* a peer of a ring of two or more */
	OV_ST_ALONE,		/* a ring of one */
	OV_ST_LEAVING,
	OV_ST_CLIENT,		/* a client of one peer, its gateway (RFC
				   6940 §4.2.1), not on the ring */
};

const char *ov_node_state_name(enum ov_state);

enum ov_event_type {
	OV_EV_STATE,		/* state changed */
	OV_EV_ROUTE,		/* an ov_node_query finished */
	OV_EV_LINK,		/* a link came up (up) or went (!up) */
	OV_EV_NEIGHBORS,	/* the neighbor table changed */
	OV_EV_LEFT,		/* ov_node_leave finished */
	OV_EV_STORED,		/* an ov_node_store finished */
	OV_EV_FETCHED,		/* an ov_node_fetch finished */
	OV_EV_STAT,		/* an ov_node_stat finished */
	OV_EV_APP_ATTACH,	/* an ov_node_app_attach finished */
	OV_EV_FOUND,		/* an ov_node_find finished */
};

/* What ov_node_query sends. */
enum ov_query {
	OV_Q_PING,		/* a Ping, routed recursively */
	OV_Q_PROBE,		/* a Probe for all three facts (§6.4.2.5) */
	OV_Q_ITERATIVE,		/* RouteQuery hop by hop (§6.4.2.4) */
};

#define OV_PATH_MAX	16

#define OV_WHY_MAX	96

struct ov_event {
	enum ov_event_type type;
	enum ov_state	 state;		/* STATE */
	uint64_t	 cookie;	/* ROUTE and the others the user
					   started: the caller's */
	int		 error;		/* ROUTE: 0, ETIMEDOUT, ELOOP, or an
					   RFC error code + 1000 */
	/* STORED, FETCHED, STAT, APP_ATTACH: why the peer refused, when
	 * it said so in words (an Error's error_info, §6.3.3.1) */
	char		 why[OV_WHY_MAX];
	struct ov_id	 responsible;	/* ROUTE */
	unsigned	 hops;		/* ROUTE */
	/* ROUTE: the nodes the request passed, the responsible one last
	 * (as far as the via list shows them; npath <= hops) */
	struct ov_id	 path[OV_PATH_MAX];
	unsigned	 npath;
	bool		 has_probe;	/* ROUTE, PROBE: the answers */
	uint32_t	 responsible_ppb;
	uint32_t	 num_resources;
	uint32_t	 uptime_s;
	uint64_t	 rtt_ms;	/* ROUTE */
	struct ov_id	 peer;		/* LINK */
	bool		 up;		/* LINK */
	uint64_t	 generation;	/* STORED, FETCHED, STAT */
	unsigned	 nreplicas;	/* STORED: copies besides the first */
	/* FETCHED: the values; the driver frees it (ov_node_fetched_free) */
	struct ov_fetched *fetched;
	/* STAT: the metadata; the driver frees it (ov_node_statted_free) */
	struct ov_statted *statted;
	/* FOUND: the Resource-ID the storing peer named (has_closest: it
	 * holds values of the Kind; else it named none) */
	bool		 has_closest;
	struct ov_id	 closest;
	/* APP_ATTACH: the node that answered is peer; its candidate */
	uint16_t	 application;
	struct addr	 app_addr;
	bool		 app_relayed;	/* app_addr is the gateway's of a
					   client (ov_node_app_serve_relayed) */
};

/* A value fetched and verified: its signature and access control. */
struct ov_fetched_value {
	struct ov_stored s;		/* points into the result */
	struct ov_signer signer;	/* cert is NULL */
};

struct ov_fetched {
	uint32_t		 kind;
	uint64_t		 generation;
	unsigned		 n;
	struct ov_fetched_value	*v;
	unsigned		 refused;	/* values that failed checks */
	uint8_t			*body;		/* what v points into */
};

void	 ov_node_fetched_free(struct ov_fetched *);

/* Metadata of the values of one Kind (§7.4.3), as the storing peer
 * reports it; nothing here is signed. */
struct ov_statted {
	struct ov_stat_ans	 ans;		/* one Kind */
	uint8_t			*body;		/* what ans points into */
};

void	 ov_node_statted_free(struct ov_statted *);

enum ov_action_type {
	OV_ACT_CONNECT,		/* open link to addr (expect: peer id) */
	OV_ACT_SEND,		/* write data on link */
	OV_ACT_CLOSE,		/* close link; no ov_node_link_down after */
	OV_ACT_TRACE,		/* data is whole frames seen on link */
	OV_ACT_EVENT,
};

struct ov_action {
	enum ov_action_type type;
	uint32_t	 link;
	struct addr	 addr;		/* CONNECT */
	bool		 has_expect;	/* CONNECT */
	struct ov_id	 expect;
	uint8_t		*data;		/* SEND, TRACE: the driver frees it */
	size_t		 len;
	bool		 outbound;	/* TRACE: we sent it */
	struct ov_event	 ev;		/* EVENT */
};

/* Counters, for status and benchmarks. */
struct ov_stats {
	uint64_t	 msgs_sent;	/* RELOAD messages written on links */
	uint64_t	 msgs_recv;
	uint64_t	 forwarded;
	uint64_t	 rerouted;	/* forwarded again: the hop went
					   suspect before it acknowledged */
	uint64_t	 originated;	/* requests we sent (not retries) */
	uint64_t	 retransmits;
	uint64_t	 errors_sent;
	uint64_t	 bad_input;	/* dropped: malformed, bad signature.. */
	uint64_t	 links_opened;
	uint64_t	 links_failed;
	uint64_t	 pns_swaps;	/* fingers replaced by a nearer peer */
	uint64_t	 lcache_hits;	/* messages the location cache sent
					   straight to the peer responsible */
	uint64_t	 lcache_attaches; /* links it asked for */
};

/*
 * Create a node; it does nothing until ov_node_start.  crypto, rng and log
 * are borrowed and must outlive the node.  0, or EINVAL.
 */
int	 ov_node_new(struct ov_node **, const struct ov_node_cfg *,
	    const struct ov_crypto *, struct rng *, const struct log_ctx *);
void	 ov_node_free(struct ov_node *);

/* Join through the bootstrap list, or start a new overlay alone. */
void	 ov_node_start(struct ov_node *, uint64_t now);
void	 ov_node_set_addr(struct ov_node *, const struct addr *);

/*
 * An incoming connection: returns its link id, or 0 to refuse it (twice
 * max_links open, leaving, or left: close the socket).
 */
uint32_t ov_node_link_accepted(struct ov_node *, uint64_t now,
	    const struct addr *remote);
/* TLS is up and the peer's certificate binds Node-ID peer. */
void	 ov_node_link_up(struct ov_node *, uint64_t now, uint32_t link,
	    const struct ov_id *peer);
void	 ov_node_link_input(struct ov_node *, uint64_t now, uint32_t link,
	    const uint8_t *, size_t);
/* The link failed or closed (also: a CONNECT that never came up). */
void	 ov_node_link_down(struct ov_node *, uint64_t now, uint32_t link);

void	 ov_node_tick(struct ov_node *, uint64_t now);
uint64_t ov_node_deadline(const struct ov_node *);	/* UINT64_MAX: idle */
/* Take the next action; false when there are none. */
bool	 ov_node_next_action(struct ov_node *, struct ov_action *);

/*
 * This node takes no connections from the overlay (it is behind a NAT):
 * its Attach requests say role "active" (RFC 6940 §6.5.1.1, the RFC 4145
 * sense) and it connects to the answerer, instead of the answerer to it.
 * Deviation: §6.5.1.13 makes the requester the TLS server; here the node
 * that connects is the TLS client, as on every link.
 */
void	 ov_node_set_active(struct ov_node *, bool);
bool	 ov_node_active(const struct ov_node *);

/*
 * A client, not a peer (RFC 6940 §4.2.1): the node connects to a
 * bootstrap peer, its gateway, and sends everything through it; it holds
 * no data and routes for nobody; others reach it along the destination
 * list ov_node_self_route gives.  Changing it once started joins again.
 */
void	 ov_node_set_client(struct ov_node *, uint64_t now, bool);
bool	 ov_node_client(const struct ov_node *);
/* CLIENT: the gateway's Node-ID (false: not a client with a gateway). */
bool	 ov_node_gateway(const struct ov_node *, struct ov_id *);
/* The destination list that reaches this node (RFC 6940 §6.3.2.2):
 * [gateway, self] for a client, [self] for a peer.  Returns its length. */
unsigned ov_node_self_route(const struct ov_node *, struct ov_id route[2]);
/* Joined, alone or a client: may store, fetch, find and AppAttach. */
bool	 ov_node_member(const struct ov_node *);
/*
 * Would a Store at res go now: this node is responsible for it (stored
 * here, no request), or there is room for one more request of ours
 * (below [overlay] max_pending)?
 */
bool	 ov_node_can_store(const struct ov_node *, const struct ov_id *res);

/*
 * Send q toward target (a Resource-ID, or a Node-ID if to_node) and
 * report the node that answered, the path and the answer in an
 * OV_EV_ROUTE event carrying cookie.  OV_Q_ITERATIVE asks our next hop
 * where it would route target, then that node, and so on, until a node
 * names itself.  0, or EBUSY (too many open transactions) / ENOTCONN (not
 * in an overlay) / EINVAL (OV_Q_ITERATIVE to a Node-ID).
 */
int	 ov_node_query(struct ov_node *, uint64_t now, enum ov_query,
	    const struct ov_id *target, bool to_node, uint64_t cookie);
/* ov_node_query for a Ping to the node responsible for resource. */
int	 ov_node_route(struct ov_node *, uint64_t now, const struct ov_id *,
	    uint64_t cookie);
/* Leave gracefully (§10.9); OV_EV_LEFT follows.  Then the node is alone
 * and stays so until ov_node_start. */
void	 ov_node_leave(struct ov_node *, uint64_t now);
void	 ov_node_set_trace(struct ov_node *, bool);

enum ov_state ov_node_state(const struct ov_node *);
const struct ov_chord *ov_node_chord(const struct ov_node *);
const struct ov_stats *ov_node_stats(const struct ov_node *);
const struct ov_id *ov_node_id(const struct ov_node *);

/*
 * Storage (§7.4).  ov_node_store sends kd (values signed already, by us
 * with ov_node_sign or by a user; certs: GenericCertificate entries of
 * signers other than this node) to the node responsible for res; an
 * OV_EV_STORED event with cookie reports the outcome (error as for
 * ROUTE).  ov_node_fetch asks for every value of kind at res; the
 * OV_EV_FETCHED event carries them, verified.  0, or ENOTCONN / EBUSY.
 */
int	 ov_node_store(struct ov_node *, uint64_t now, const struct ov_id *res,
	    const struct ov_kind_data *kd, const uint8_t *certs,
	    size_t certs_len, uint64_t cookie);
int	 ov_node_fetch(struct ov_node *, uint64_t now, const struct ov_id *res,
	    uint32_t kind, uint64_t cookie);
/* Like ov_node_fetch, for the values' metadata (Stat, §7.4.3). */
int	 ov_node_stat(struct ov_node *, uint64_t now, const struct ov_id *res,
	    uint32_t kind, uint64_t cookie);
/*
 * Find (§7.4.4): ask the node responsible for res which Resource-ID it
 * holds values of kind at, the first at or after res (clockwise).  An
 * OV_EV_FOUND event with cookie reports it (error as for ROUTE).  This is
 * how peers come upon others' services (§9: random res, then Fetch what
 * it names).  0, or ENOTCONN / EBUSY / EINVAL (kind unknown).
 */
int	 ov_node_find(struct ov_node *, uint64_t now, const struct ov_id *res,
	    uint32_t kind, uint64_t cookie);
/* Sign s as this node for kind at res (b holds the signature). */
int	 ov_node_sign(struct ov_node *, const struct ov_id *res, uint32_t kind,
	    struct ov_stored *s, struct ov_sigbuf *b);

/*
 * AppAttach (§6.5.2), No-ICE (ov_app.c says how).  ov_node_app_serve:
 * answer AppAttach for application (an Application-ID, §14.5) with a
 * host candidate at addr, where the application takes TLS connections
 * (copied); addr NULL: no longer (requests then get Error_Not_Found).
 * 0, or ENOSPC (OV_APPS_MAX applications already).
 */
#define OV_APPS_MAX	4
int	 ov_node_app_serve(struct ov_node *, uint16_t application,
	    const struct addr *addr);
/*
 * A client's answers for an application it serves: "through my gateway,
 * at via" (the gateway's own address for it, where the client keeps a
 * connection); NULL: its own address again.  0, or ENOENT (not served).
 */
int	 ov_node_app_serve_relayed(struct ov_node *, uint16_t application,
	    const struct addr *via);
/*
 * Ask the node at the end of route (Node-IDs: a destination list, as a
 * SipRegistration names one, RFC 7904 §3; leading entries naming this
 * node are skipped) where it takes application's connections.  An
 * OV_EV_APP_ATTACH event with cookie reports the answer: error 0 with the
 * node that answered (peer, the route's last entry) and its first
 * candidate (app_addr); or ETIMEDOUT, an RFC error code + 1000 (why: the
 * peer's words), or EPROTO (the answer had no usable candidate, or named
 * another application).  0, or EINVAL (no route, one too long, or ending
 * at this node), ENOTCONN (not in an overlay), EBUSY (too many requests
 * open).
 */
int	 ov_node_app_attach(struct ov_node *, uint64_t now,
	    const struct ov_id *route, unsigned nroute, uint16_t application,
	    uint64_t cookie);

/*
 * The words of the Error_Forbidden a storing peer answers to a store past
 * its writer's allowance ([storage] peer_store_rate): "later", not "no".
 */
#define OV_WHY_FLOOD	"too many stores from this peer; try again later"

/* What this node holds: values, bytes, resources. */
struct ov_held_stats {
	uint64_t	 values;
	uint64_t	 bytes;
	unsigned	 resources;
	unsigned	 responsible;	/* resources we answer for */
	uint64_t	 replica_stores_sent;
	uint64_t	 flood_refused;	/* stores over a peer's rate */
	unsigned	 certificates;	/* the values' buckets, each once */
};
void	 ov_node_held_stats(const struct ov_node *, struct ov_held_stats *);
/* Does this node hold a live value of kind at res? */
bool	 ov_node_holds(const struct ov_node *, uint64_t now,
	    const struct ov_id *res, uint32_t kind);

/*
 * Persistence: take the next changed row to write (free(*blob); an empty
 * blob deletes the row), and load rows back before ov_node_start.
 */
bool	 ov_node_take_row(struct ov_node *, struct ov_id *res, uint32_t *kind,
	    uint64_t *generation, uint8_t **blob, size_t *len);
int	 ov_node_load_row(struct ov_node *, uint64_t now, const struct ov_id *res,
	    uint32_t kind, uint64_t generation, const uint8_t *blob,
	    size_t len);
/*
 * The values' certificates (ov_certs.h).  With a store (set before
 * loading rows) only their hashes stay in memory: take the next bucket
 * to write (free(*bucket)) or, with *bucket NULL, to delete, before the
 * rows (in the same transaction); load reads one back when an answer
 * needs it.  Without one they stay in memory.
 */
void	 ov_node_set_cert_store(struct ov_node *, ov_certs_load_cb load,
	    void *arg);
bool	 ov_node_take_cert(struct ov_node *, uint8_t *hash, uint8_t **bucket,
	    size_t *len);

struct ov_link_info {
	uint32_t	 id;
	bool		 up;
	bool		 has_peer;
	struct ov_id	 peer;
	struct addr	 remote;
	bool		 outgoing;
	bool		 ready;		/* the peer sent us an Update */
	bool		 suspect;
	uint64_t	 age_ms;
	uint64_t	 bytes_in, bytes_out;
	uint32_t	 srtt_ms;
};

/* The i-th link; false past the end. */
bool	 ov_node_link_info(const struct ov_node *, uint64_t now, unsigned i,
	    struct ov_link_info *);

#endif
