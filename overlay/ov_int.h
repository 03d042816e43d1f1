/*
 * ov_int.h - what the files of the overlay node share (not public).
 *
 *   ov_node.c     lifecycle, actions, timers, the public API
 *   ov_link.c     links: framing, flushing, ownership, failure, GC
 *   ov_route.c    receiving, forwarding and answering messages (§6.1-6.2),
 *                 each request to the handler of its method
 *   ov_txn.c      requests we originate: retransmission, matching
 *                 (§6.2.1), each answer to the part that asked
 *   ov_query.c    Ping, Probe and iterative RouteQuery for the user,
 *                 and answering them
 *   ov_topo.c     CHORD-RELOAD (§6.4, §10): lost links, neighbor table
 *                 changes, timers; the work is in
 *   ov_attach.c     Attach (§6.5.1)
 *   ov_update.c     stabilisation with Updates, fingers (§10.7)
 *   ov_join.c       joining, bootstrap, partitions (§10.5, §11.4)
 *   ov_leave.c      leaving (§10.9)
 *   ov_clientmode.c this node as a client, not a peer (§4.2.1)
 *   ov_app.c      AppAttach for applications (§6.5.2)
 *   ov_serve.c    the storing peer: Store, Fetch, Stat, Find (§7.4)
 *   ov_client.c   our own Store, Fetch and Stat, and their answers
 *   ov_replica.c  replicas, and moving them as the ring changes (§10.4,
 *                 §10.7.3)
 *   ov_lcache.c   the location cache: who answered for a Resource-ID,
 *                 and links to the peers asked most
 */
#ifndef OV_INT_H
#define OV_INT_H

#include "fifo.h"
#include "log_ctx.h"
#include "ov_body.h"
#include "ov_chord.h"
#include "ov_fh.h"
#include "ov_msg.h"
#include "ov_held.h"
#include "ov_node.h"
#include "wire.h"

/*
 * A request we forwarded on a link and whose frame is not acknowledged
 * yet: routed again if the link turns suspect (ov_route_rescue).
 */
struct ov_kept {
	uint32_t	 seq;		/* its frame's */
	struct ov_id	 dest;		/* a Resource-ID */
	struct ov_id	 from;		/* the hop it came from */
	uint8_t		*msg;
	size_t		 len;
};

#define OV_KEPT_MAX	32	/* a link's, at most: the oldest go first */

struct ov_link {
	uint32_t	 id;
	bool		 up;		/* TLS done, peer known */
	bool		 outgoing;
	bool		 owned;		/* we wanted it: we may close it */
	bool		 ready;		/* peer sent an Update: route via it */
	bool		 told;		/* we sent it one (ov_update.c) */
	bool		 suspect;	/* unacked past the RTO */
	bool		 closing;	/* close after flushing */
	bool		 queued;	/* in the node's flushq */
	bool		 bootstrap;	/* opened to a bootstrap entry */
	bool		 send_update;	/* send a full Update once up */
	int		 boot_idx;	/* bootstrap entry, or -1 */
	bool		 has_expect;
	struct ov_id	 expect;
	struct ov_id	 peer;
	struct addr	 remote;
	struct ov_fh	 fh;
	struct wbuf	 out;		/* frames to write at the next flush */
	uint64_t	 opened_ms;
	uint64_t	 last_msg_ms;	/* a RELOAD message, either way */
	uint64_t	 bytes_in, bytes_out;
	struct ov_kept	*kept;
	unsigned	 nkept, kept_cap;
};

enum ov_txn_kind {
	OV_TX_QUERY,		/* ov_node_query's request */
	OV_TX_BOOT_ATTACH,	/* Attach to self+1 through a bootstrap */
	OV_TX_ATTACH,		/* Attach to a neighbor candidate */
	OV_TX_FINGER,		/* Attach toward finger slot i */
	OV_TX_JOIN,
	OV_TX_UPDATE,
	OV_TX_LEAVE,
	OV_TX_PARTITION,	/* Ping for our own id through a bootstrap */
	OV_TX_STORE,		/* ov_node_store's request */
	OV_TX_FETCH,		/* ov_node_fetch's request */
	OV_TX_STAT,		/* ov_node_stat's request */
	OV_TX_FIND,		/* ov_node_find's request */
	OV_TX_REPLICA,		/* a replica Store of ours (§10.4) */
	OV_TX_APP_ATTACH,	/* ov_node_app_attach's request */
	OV_TX_KEEPALIVE,	/* a client's Ping to its gateway */
};

struct ov_txn {
	uint64_t	 tid;
	enum ov_txn_kind kind;
	uint16_t	 code;		/* the request's */
	uint8_t		*msg;		/* encoded and signed, for resends */
	size_t		 len;
	uint32_t	 pin_link;	/* first hop, or 0: route */
	uint32_t	 sent_link;	/* the last send's */
	struct ov_id	 first;		/* dest[0] as an id, for routing */
	bool		 to_node_first;	/* dest[0] is a Node-ID */
	bool		 to_node;	/* the final destination is a Node-ID */
	struct ov_id	 target;	/* the final destination id */
	uint64_t	 started_ms;
	uint64_t	 next_ms;	/* resend or give up */
	unsigned	 tries;
	uint64_t	 cookie;	/* QUERY, STORE, FETCH, STAT, FIND */
	uint32_t	 find_kind;	/* FIND: the Kind asked for */
	enum ov_query	 query;		/* QUERY */
	uint64_t	 query_ms;	/* QUERY: when the first step started */
	struct ov_id	 query_target;	/* QUERY: what the user asked for */
	struct ov_id	 path[OV_PATH_MAX];	/* QUERY, ITERATIVE: so far */
	unsigned	 npath;
	unsigned	 slot;		/* FINGER */
	struct ov_id	 peer;		/* ATTACH, UPDATE, LEAVE: whom */
	struct ov_id	 res;		/* REPLICA: the resource */
	uint8_t		 replica;	/* REPLICA: its number */
	unsigned	 round;		/* REPLICA: sends so far */
	uint16_t	 application;	/* APP_ATTACH: Application-ID */
};

/* A replica Store to send again: the receiver's view was behind. */
struct ov_resend {
	struct ov_id	 res, to;
	uint8_t		 replica;
	unsigned	 round;
	uint64_t	 at_ms;
};

/* An Attach answered: the peer will connect to us (we are passive). */
struct ov_expect {
	struct ov_id	 peer;
	uint64_t	 until_ms;
	unsigned	 slot;		/* finger slot, 0: neighbor */
	bool		 send_update;	/* it asked for one once linked (it
					   connects to us: role active) */
};

/* An application this node answers AppAttach for (§6.5.2). */
struct ov_app {
	uint16_t	 id;		/* Application-ID */
	struct addr	 addr;		/* where it takes TLS */
	struct addr	 relay;		/* a client's gateway's (family 0:
					   none): see ov_app.c */
};

/* Updates kept from distinct senders while we wait for an Attach answer. */
#define OV_EARLY_MAX	4

/* A peer's store allowance: a token bucket, in thousandths of a store. */
#define OV_FLOOD_SLOTS	256
struct ov_flood {
	struct ov_id	 node;
	uint64_t	 last_ms;	/* 0: a slot never used */
	uint64_t	 milli;		/* tokens x 1000 at last_ms */
};

struct ov_node {
	struct ov_node_cfg	 cfg;
	struct addr		*boot;		/* copy of cfg.bootstrap */
	bool			*boot_self;	/* entry is our own address */
	bool			*boot_ok;	/* entry is in our ring: we
						   joined through it, or it
						   answered for our id with us */
	const struct ov_crypto	*crypto;
	struct rng		*rng;
	const struct log_ctx	*log;
	uint32_t		 overlay_hash;
	enum ov_state		 state;
	bool			 active;	/* takes no connections: its
						   Attaches say role active and
						   it connects (behind a NAT) */
	bool			 started;
	bool			 no_rejoin;	/* after a leave */
	/* a client, not a peer (ov_clientmode.c) */
	bool			 client_mode;
	uint32_t		 gw_link;	/* CLIENT: to the gateway */
	struct ov_id		 gw;		/* CLIENT: the gateway */
	uint64_t		 keepalive_ms;	/* CLIENT: next Ping */
	uint64_t		 start_ms;
	struct ov_chord		 chord;
	struct ov_stats		 stats;
	bool			 trace;
	uint64_t		 bad_log_ms;	/* rate limit for bad input logs */
	unsigned		 bad_unlogged;	/* bad input since the last log */

	struct ov_link		**links;	/* by id, ascending */
	uint32_t		*link_ids;	/* theirs, for the search */
	uint64_t		*link_due;	/* theirs, ov_link_due_update */
	unsigned		 nlinks, links_cap;
	/* links with frames to write or a close to act on: ov_link_flush_all
	 * visits these, not every link */
	struct ov_link		**flushq;
	unsigned		 nflushq, flushq_cap;
	unsigned		 flushq_head;	/* the next to take */
	/* scratch for ov_route_next_hop: the usable peers, sorted */
	struct ov_id		*hop_peers;
	struct ov_hop_ent {
		struct ov_id	 peer;
		uint32_t	 gen;		/* hop_gen: in the set */
		bool		 ok;		/* ready, not suspect */
	}			*hop_tab;	/* a hash set of up links' peers */
	unsigned		 hop_tab_size;	/* a power of 2 */
	uint32_t		 hop_gen;
	unsigned		 hop_np;	/* hop_peers' count */
	bool			 hop_stale;	/* a link came, went or changed
						   what ov_hop_peers reads */
	uint32_t		 next_link_id;

	struct ov_txn		**txns;
	unsigned		 ntxns, txns_cap;

	struct ov_expect	*expects;
	unsigned		 nexpects, expects_cap;

	struct fifo		 acts;		/* of ov_action */

	/* joining (§10.5) */
	int			 boot_next;	/* next bootstrap entry */
	uint32_t		 boot_link;	/* link to the bootstrap peer */
	uint64_t		 boot_retry_ms;	/* next probe round */
	bool			 boot_reached;	/* a bootstrap peer answered
						   this round */
	int			 boot_first_up;	/* lowest entry reached this
						   round, or INT_MAX */
	bool			 boot_from_alone; /* the round began alone */
	unsigned		 boot_first_rounds; /* rounds in a row that
						   found us first alive */
	uint32_t		 boot_backoff_ms;
	bool			 have_ap;
	struct ov_id		 ap;		/* admitting peer */
	bool			 ap_updated;	/* AP's routing table arrived */
	/* An Update that came while joining, before we knew who AP is: its
	 * direct link can beat the AttachAns, which is routed. */
	struct ov_early {
		struct ov_update	*u;	/* NULL: unused */
		struct ov_id		 from;
		uint64_t		 at;
	}			 early[OV_EARLY_MAX];
	bool			 join_sent;
	uint64_t		 join_deadline_ms;
	uint64_t		 join_attach_ms;	/* stop waiting for neighbors */

	/* maintenance timers */
	uint64_t		 update_due_ms;	/* reactive Updates, coalesced */
	struct ov_id		 update_pred;	/* pred[0] when every link was
						   last sent one (zero: none) */
	uint64_t		 periodic_ms;	/* next periodic Update round */
	uint64_t		 finger_ms;	/* next finger refresh */
	uint32_t		 finger_backoff_ms; /* grows to the interval */
	/* proximity neighbour selection (cfg.pns): a second peer of a
	 * finger slot, linked to compare round-trip times with the finger
	 * (ov_update.c); nfinger_slots of them, or NULL */
	struct ov_pns {
		struct ov_id	 peer;
		bool		 set;
	}			*pns;
	/* the location cache (ov_lcache.c): cfg.location_cache entries */
	struct ov_lc_ent	*lcache;
	unsigned		 nlcache;
	uint64_t		 lcache_clock;	/* counts uses, for LRU */
	uint64_t		 partition_ms;	/* next partition check */
	uint32_t		 member_backoff_ms; /* between checks while a
						   bootstrap entry may be in
						   another ring */
	unsigned		 member_next;	/* entry to check next */
	uint64_t		 gc_ms;		/* next link GC */
	unsigned		 nsuspect;	/* links suspect now */
	uint64_t		 leave_deadline_ms;
	unsigned		 leaves_pending;
	unsigned		 leaves_sent, leaves_answered;

	/* storage (ov_serve.c, ov_client.c, ov_replica.c) */
	struct ov_held		 held;		/* the values we hold */
	struct ov_kind		*kinds;		/* held's table */
	uint64_t		 sync_ms;	/* replica sync due, or 0 */
	unsigned		 sync_next;	/* resource a busy sync stopped at */
	uint32_t		 table_gen;	/* neighbor table changes (a
						   resource's ov_held_res
						   table_gen) */
	uint64_t		 holddown_ms;	/* no new successor copies before */
	bool			 sync_held;	/* a sync skipped some for it */
	unsigned		 sync_npred, sync_nsucc;	/* as last synced */
	struct ov_id		 sync_pred[OV_NEIGH_MAX];
	struct ov_id		 sync_succ[OV_NEIGH_MAX];
	uint64_t		 replica_sent;
	struct ov_flood		*flood;		/* per-peer store buckets */
	uint64_t		 flood_refused;
	struct ov_resend	*resends;
	unsigned		 nresends, resends_cap;

	/* applications served (ov_app.c) */
	struct ov_app		 apps[OV_APPS_MAX];
	unsigned		 napps;
};

/* ov_node.c */
void	 ov_node_act_push(struct ov_node *, const struct ov_action *);
void	 ov_node_event(struct ov_node *, const struct ov_event *);
void	 ov_node_set_state(struct ov_node *, enum ov_state);
uint64_t ov_node_tid_new(struct ov_node *);
uint32_t ov_node_uptime(const struct ov_node *, uint64_t now);
/* The wall clock (ms since 1970) at now: what stored values count in. */
uint64_t ov_node_wall(const struct ov_node *, uint64_t now);
#define ov_log(n, ...)		lc_info((n)->log, __VA_ARGS__)
#define ov_debug(n, ...)	lc_debug((n)->log, __VA_ARGS__)

/* ov_link.c */
struct ov_link *ov_link_new(struct ov_node *, uint64_t now, bool outgoing,
	    const struct addr *);
struct ov_link *ov_link_get(struct ov_node *, uint32_t id);
/* l's state changed what its next ov_link_health is due at. */
void	 ov_link_due_update(struct ov_node *, const struct ov_link *);
struct ov_link *ov_link_to(struct ov_node *, const struct ov_id *peer);
/* Links past which no connection is taken and no Attach made: twice
 * max_links (past max_links only those a node needs, ov_attach.c). */
static inline unsigned
ov_link_hard_max(const struct ov_node *n)
{
	return 2 * n->cfg.max_links;
}
void	 ov_link_send_msg(struct ov_node *, uint64_t now, struct ov_link *,
	    const uint8_t *msg, size_t len);
void	 ov_link_close(struct ov_node *, uint64_t now, struct ov_link *,
	    const char *why);
void	 ov_link_input(struct ov_node *, uint64_t now, struct ov_link *,
	    const uint8_t *, size_t);
void	 ov_link_flush_all(struct ov_node *, uint64_t now);
void	 ov_link_tick(struct ov_node *, uint64_t now);
uint64_t ov_link_deadline(const struct ov_node *);
bool	 ov_link_usable(const struct ov_id *, void *node);
/* Remove a link record (after down or close) and repair (§10.7.1). */
void	 ov_link_gone(struct ov_node *, uint64_t now, struct ov_link *);
void	 ov_link_keep(struct ov_link *, const struct ov_id *dest,
	    const struct ov_id *from, const uint8_t *msg, size_t len);
void	 ov_link_kept_clear(struct ov_link *);

/* ov_route.c */
void	 ov_route_input(struct ov_node *, uint64_t now, struct ov_link *,
	    const uint8_t *msg, size_t len);
/*
 * The best usable next hop toward dest among table and connections;
 * avoid (may be NULL) is not chosen unless it is the only one.
 */
bool	 ov_route_next_hop(struct ov_node *, const struct ov_id *dest,
	    const struct ov_id *avoid, struct ov_id *hop);
/* The link a message whose first destination is dest0 should leave on. */
struct ov_link *ov_route_first_hop(struct ov_node *, const struct ov_id *,
	    bool to_node);
/* Answer a delivered request (body already encoded). */
void	 ov_route_answer(struct ov_node *, uint64_t now, struct ov_link *,
	    const struct ov_msg *req, uint16_t code, const uint8_t *body,
	    size_t len);
/* The same, with certificates for the bucket. */
void	 ov_route_answer_certs(struct ov_node *, uint64_t now,
	    struct ov_link *, const struct ov_msg *req, uint16_t code,
	    const uint8_t *body, size_t len, const uint8_t *certs,
	    size_t certs_len);
/* An Error whose error_info is binary (Error_Unknown_Kind's, §7.4.1.2). */
void	 ov_route_error_info(struct ov_node *, uint64_t now, struct ov_link *,
	    const struct ov_fwd *req, uint16_t error, const uint8_t *info,
	    size_t len);
void	 ov_route_error(struct ov_node *, uint64_t now, struct ov_link *,
	    const struct ov_fwd *req, uint16_t error, const char *info);
bool	 ov_route_responsible(const struct ov_node *, const struct ov_id *);
/* Joined, alone or leaving: a member of an overlay that routes. */
void	 ov_route_rescue(struct ov_node *, uint64_t now, struct ov_link *);
bool	 ov_route_is_peer(const struct ov_node *);
/* A peer (not leaving) or a client: may start Store, Fetch, AppAttach. */
bool	 ov_route_may_ask(const struct ov_node *);

/* ov_clientmode.c */
void	 ov_cm_up(struct ov_node *, uint64_t now, struct ov_link *);
bool	 ov_cm_link_lost(struct ov_node *, uint64_t now, uint32_t id);
struct ov_link *ov_cm_gateway_link(struct ov_node *);
void	 ov_cm_tick(struct ov_node *, uint64_t now);
uint64_t ov_cm_deadline(const struct ov_node *);
void	 ov_cm_set(struct ov_node *, uint64_t now, bool client);

/* ov_txn.c */
/*
 * Originate a request to dest (a Node-ID if to_node, else a Resource-ID),
 * optionally source-routed through via_node first and pinned to a link.
 * Returns the transaction (owned by the node) or NULL if it could not be
 * built or there are too many.
 */
struct ov_txn *ov_txn_start(struct ov_node *, uint64_t now,
	    enum ov_txn_kind, uint16_t code, const uint8_t *body, size_t len,
	    const struct ov_id *dest, bool to_node, const struct ov_id *via_node,
	    uint32_t pin_link);
/* The same, with certificates for the bucket (stored values' signers). */
struct ov_txn *ov_txn_start_certs(struct ov_node *, uint64_t now,
	    enum ov_txn_kind, uint16_t code, const uint8_t *body, size_t len,
	    const struct ov_id *dest, bool to_node, const struct ov_id *via_node,
	    uint32_t pin_link, const uint8_t *certs, size_t certs_len);
/* A request along route (Node-IDs, the last the destination, §6.3.2.2);
 * NULL as for ov_txn_start, or if the route is empty or too long. */
struct ov_txn *ov_txn_start_route(struct ov_node *, uint64_t now,
	    enum ov_txn_kind, uint16_t code, const uint8_t *body, size_t len,
	    const struct ov_id *route, unsigned nroute);
void	 ov_txn_response(struct ov_node *, uint64_t now, struct ov_link *,
	    const struct ov_msg *, const struct ov_id *signer);
void	 ov_txn_tick(struct ov_node *, uint64_t now);
uint64_t ov_txn_deadline(const struct ov_node *);
void	 ov_txn_cancel_kind(struct ov_node *, enum ov_txn_kind,
	    const struct ov_id *peer);
void	 ov_txn_cancel_all(struct ov_node *, enum ov_txn_kind);
bool	 ov_txn_pending_to(const struct ov_node *, enum ov_txn_kind,
	    const struct ov_id *peer);
bool	 ov_txn_uses_link(const struct ov_node *, uint32_t link);
void	 ov_txn_free_all(struct ov_node *);
void	 ov_txn_rescue(struct ov_node *, uint64_t now, const struct ov_link *);
void	 ov_txn_abort_all(struct ov_node *, uint64_t now);

/* ov_query.c */
/* ov_node_query (ov_node.h says what it does). */
int	 ov_query_start(struct ov_node *, uint64_t now, enum ov_query,
	    const struct ov_id *target, bool to_node, uint64_t cookie);
/* A query's answer (or failure: msg NULL, error set); l: it came on. */
void	 ov_query_done(struct ov_node *, uint64_t now, struct ov_txn *,
	    const struct ov_msg *, const struct ov_id *signer,
	    const struct ov_link *l, int error);
/* Ping, Probe and RouteQuery requests delivered here, answered. */
void	 ov_query_ping_request(struct ov_node *, uint64_t now,
	    struct ov_link *, const struct ov_msg *);
void	 ov_query_probe_request(struct ov_node *, uint64_t now,
	    struct ov_link *, const struct ov_msg *);
void	 ov_query_route_query_request(struct ov_node *, uint64_t now,
	    struct ov_link *, const struct ov_msg *,
	    const struct ov_id *signer);

/* ov_serve.c */
/* A Store request's context, for its checks and its error's words. */
struct ov_store_ctx {
	const uint8_t	*certs;		/* the request's bucket */
	size_t		 certs_len;
	struct ov_id	 sender;	/* who signed the StoreReq */
	const char	*why;		/* for the error's info */
};
/*
 * Store req here, as the storing peer (the values checked, then stored
 * all or nothing, then sent to the replicas); 0 and *ans, or the error
 * code (c->why says more).
 */
uint16_t ov_serve_store(struct ov_node *, uint64_t now,
	    const struct ov_store_req *req, struct ov_store_ctx *c,
	    struct ov_store_ans *ans);
/* The FetchAns or StatAns for req into w (a FetchAns's certificates into
 * certs); 0, or the error to answer with. */
uint16_t ov_serve_fetch_ans(struct ov_node *, uint64_t now,
	    const struct ov_fetch_req *req, struct wbuf *w, struct wbuf *certs);
uint16_t ov_serve_stat_ans(struct ov_node *, uint64_t now,
	    const struct ov_fetch_req *req, struct wbuf *w);
/* A request delivered here, answered or refused with an Error. */
void	 ov_serve_store_request(struct ov_node *, uint64_t now,
	    struct ov_link *, const struct ov_msg *,
	    const struct ov_id *signer);
/* Fetch and Stat: the same request (§7.4.3.1), different answers. */
void	 ov_serve_fetch_request(struct ov_node *, uint64_t now,
	    struct ov_link *, const struct ov_msg *);
void	 ov_serve_find_request(struct ov_node *, uint64_t now,
	    struct ov_link *, const struct ov_msg *);
/* What a Find gets here (§7.4.4.2). */
void	 ov_serve_find_ans(struct ov_node *, const struct ov_find_req *,
	    struct ov_find_ans *);

/* ov_client.c: ov_node_store, _fetch, _stat and _find. */
int	 ov_client_store(struct ov_node *, uint64_t now,
	    const struct ov_id *res, const struct ov_kind_data *kd,
	    const uint8_t *certs, size_t certs_len, uint64_t cookie);
/* Fetch (stat false) or Stat every value of kind at res. */
int	 ov_client_ask(struct ov_node *, uint64_t now, const struct ov_id *res,
	    uint32_t kind, bool stat, uint64_t cookie);
/* Find the Resource-ID nearest res with values of kind (§7.4.4). */
int	 ov_client_find(struct ov_node *, uint64_t now, const struct ov_id *res,
	    uint32_t kind, uint64_t cookie);
/* The answer to our Store, Fetch, Stat or Find (or failure: msg NULL, error
 * set), reported to the user. */
void	 ov_client_done(struct ov_node *, uint64_t now, struct ov_txn *,
	    const struct ov_msg *, const struct ov_id *signer, int error);

/* ov_replica.c */
/* Is this node among res's copies (responsible, or a replica)? */
bool	 ov_replica_holds(const struct ov_node *, const struct ov_id *res);
/* Send what we hold at res to node to as replica number (round: sends
 * of it so far). */
void	 ov_replica_send(struct ov_node *, uint64_t now,
	    const struct ov_id *res, const struct ov_id *to, uint8_t number,
	    unsigned round);
/* The answer to a replica Store of ours (or failure: msg NULL, error
 * set): refused, it is sent again later. */
void	 ov_replica_done(struct ov_node *, uint64_t now, struct ov_txn *,
	    const struct ov_msg *, int error);
/* The neighbor table changed: replicas may have to move. */
void	 ov_replica_neighbors(struct ov_node *, uint64_t now);
void	 ov_replica_neighbor_failed(struct ov_node *, uint64_t now,
	    const struct ov_id *);
/* Replica syncs, resends, and the expiry of the values held. */
void	 ov_replica_tick(struct ov_node *, uint64_t now);
uint64_t ov_replica_deadline(const struct ov_node *);

/* ov_app.c */
/* ov_node_app_serve and ov_node_app_attach (ov_node.h says what they
 * do). */
int	 ov_app_serve(struct ov_node *, uint16_t application,
	    const struct addr *addr);
int	 ov_app_serve_relayed(struct ov_node *, uint16_t application,
	    const struct addr *via);
int	 ov_app_ask(struct ov_node *, uint64_t now, const struct ov_id *route,
	    unsigned nroute, uint16_t application, uint64_t cookie);
/* An AppAttachReq delivered here: answered, or refused with an Error. */
void	 ov_app_request(struct ov_node *, uint64_t now, struct ov_link *,
	    const struct ov_msg *, const struct ov_id *signer);
/* The answer to our AppAttach (or failure: msg NULL, error set). */
void	 ov_app_done(struct ov_node *, uint64_t now, struct ov_txn *,
	    const struct ov_msg *, const struct ov_id *signer, int error);

/* ov_topo.c */
/* A random time around now + interval, so that timers spread (§10.7.4.1). */
uint64_t ov_topo_jitter(struct ov_node *, uint64_t now, uint32_t interval);
void	 ov_topo_link_lost(struct ov_node *, uint64_t now, uint32_t link,
	    const struct ov_id *peer, bool had_peer);
/* The neighbor table changed: reactive Updates, replicas, events. */
void	 ov_topo_changed(struct ov_node *, uint64_t now);
void	 ov_topo_tick(struct ov_node *, uint64_t now);
uint64_t ov_topo_deadline(const struct ov_node *);
/* Is l one the topology needs (a neighbor, a finger, our join's)? */
bool	 ov_topo_needs_link(const struct ov_node *, const struct ov_link *);

/* ov_attach.c */
/* A fresh ICE ufrag and password (No-ICE: sent, never used). */
void	 ov_attach_ice_creds(struct ov_node *, char *ufrag, size_t ulen,
	    char *pw, size_t plen);
/*
 * Attach to a node (to_node; via: source-route through it, §10.6) or to
 * the peer responsible for a resource, pinned to a link or not.  slot:
 * finger slot, 0 for a neighbor.  NULL as for ov_txn_start.
 */
struct ov_txn *ov_attach_start(struct ov_node *, uint64_t now,
	    enum ov_txn_kind, const struct ov_id *dest, bool to_node,
	    const struct ov_id *via, uint32_t pin, unsigned slot);
/* Neighbor Attaches in flight. */
unsigned ov_attach_pending(const struct ov_node *);
/* Attach to a neighbor candidate or a location cache's peer through via
 * (or routed if NULL), unless we reach it already, too many are in flight
 * or links are at twice max_links: true if an Attach went out. */
bool	 ov_attach_neighbor(struct ov_node *, uint64_t now,
	    const struct ov_id *id, const struct ov_id *via);
/* An AttachReq delivered here (§6.5.1.2): answered and connected to, or
 * refused with an Error. */
void	 ov_attach_request(struct ov_node *, uint64_t now, struct ov_link *,
	    const struct ov_msg *, const struct ov_id *signer);
/* The answer to our Attach (or failure: msg NULL, error set). */
void	 ov_attach_done(struct ov_node *, uint64_t now, struct ov_txn *,
	    const struct ov_msg *, const struct ov_id *signer, int error);
void	 ov_attach_link_up(struct ov_node *, uint64_t now, struct ov_link *);
void	 ov_attach_expire(struct ov_node *, uint64_t now);

/* ov_lcache.c: the location cache */
void	 ov_lcache_init(struct ov_node *);
void	 ov_lcache_free(struct ov_node *);
/* peer answered, as the node responsible, our request for res. */
void	 ov_lcache_learn(struct ov_node *, uint64_t now,
	    const struct ov_id *res, const struct ov_id *peer);
/* The peer that answered for dest, if usable() takes it. */
bool	 ov_lcache_hop(struct ov_node *, const struct ov_id *dest,
	    bool (*usable)(const struct ov_id *, void *), void *arg,
	    struct ov_id *hop);
/* peer is a cached peer we link to: keep its link. */
bool	 ov_lcache_has(const struct ov_node *, const struct ov_id *peer);

/* ov_update.c */
/* An Update of type (OV_UPD_*) to peer, over its link. */
void	 ov_update_send(struct ov_node *, uint64_t now,
	    const struct ov_id *peer, uint8_t type);
/* §10.7.3: an Update to each connection. */
void	 ov_update_send_all(struct ov_node *, uint64_t now);
/* After a change of the neighbor table: Updates to the neighbors, or to
 * each connection if our range changed (ov_update.c). */
void	 ov_update_send_changed(struct ov_node *, uint64_t now);
/* A node named by a peer (in an Update or a Leave): a neighbor for us? */
void	 ov_update_candidate(struct ov_node *, uint64_t now,
	    const struct ov_id *id, const struct ov_id *via);
/* An UpdateReq delivered here, answered and taken in. */
void	 ov_update_request(struct ov_node *, uint64_t now, struct ov_link *,
	    const struct ov_msg *, const struct ov_id *signer);
/* Connected peers back into the table (ready_only: only those that sent
 * an Update). */
void	 ov_update_refill(struct ov_node *, bool ready_only);
/* Search finger slots (all: every one that needs it; else each with
 * probability 1/2). */
void	 ov_update_fingers(struct ov_node *, uint64_t now, bool all);
/* An Attach for finger slot `slot` linked peer. */
void	 ov_update_finger_linked(struct ov_node *, unsigned slot,
	    const struct ov_id *peer);
/* peer is a proximity candidate: keep its link. */
bool	 ov_update_pns_has(const struct ov_node *, const struct ov_id *peer);
void	 ov_update_schedule(struct ov_node *, uint64_t now);
void	 ov_update_tick(struct ov_node *, uint64_t now);

/* ov_join.c */
void	 ov_join_start(struct ov_node *, uint64_t now);
unsigned ov_join_boot_usable(const struct ov_node *);
/* Join when the neighbors the admitting peer named are attached. */
void	 ov_join_progress(struct ov_node *, uint64_t now);
/* Start over from the next bootstrap entry, every link closed. */
void	 ov_join_restart(struct ov_node *, uint64_t now, const char *why);
/* r, which answered our Attach through a bootstrap peer, admits us. */
void	 ov_join_admitted(struct ov_node *, uint64_t now,
	    const struct ov_id *r);
/* An Update from s while joining; true: u was kept (no longer the
 * caller's to free). */
bool	 ov_join_update(struct ov_node *, uint64_t now, const struct ov_id *s,
	    struct ov_update *u);
/* A JoinReq delivered here: admitted, or refused with an Error. */
void	 ov_join_request(struct ov_node *, uint64_t now, struct ov_link *,
	    const struct ov_msg *, const struct ov_id *signer);
/* The answer to our Join (or failure: msg NULL). */
void	 ov_join_done(struct ov_node *, uint64_t now, const struct ov_msg *);
void	 ov_join_boot_round_reset(struct ov_node *);
void	 ov_join_boot_next(struct ov_node *, uint64_t now);
/* A bootstrap link is up: join through it, or check for a partition. */
void	 ov_join_boot_up(struct ov_node *, uint64_t now, struct ov_link *);
/* The bootstrap role of link from passes to link to (same peer). */
void	 ov_join_boot_transfer(struct ov_node *, struct ov_link *from,
	    struct ov_link *to);
void	 ov_join_partition_check(struct ov_node *, uint64_t now);
uint32_t ov_join_check_interval(struct ov_node *);
void	 ov_join_partition_done(struct ov_node *, uint64_t now,
	    struct ov_txn *, const struct ov_msg *, const struct ov_id *signer);
/* When a kept Update may make its sender our admitting peer. */
uint64_t ov_join_early_deadline(const struct ov_node *);
void	 ov_join_tick(struct ov_node *, uint64_t now);

/* ov_leave.c */
void	 ov_leave_start(struct ov_node *, uint64_t now);
/* Every link closed: alone, until started again; OV_EV_LEFT. */
void	 ov_leave_finish(struct ov_node *, uint64_t now);
/* A LeaveReq delivered here, answered; its sender dropped. */
void	 ov_leave_request(struct ov_node *, uint64_t now, struct ov_link *,
	    const struct ov_msg *, const struct ov_id *signer);
/* The answer to one of our Leaves (or failure: msg NULL). */
void	 ov_leave_done(struct ov_node *, uint64_t now, const struct ov_msg *);

#endif
