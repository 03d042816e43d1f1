/*
 * sip_proxy_int.h - what the files of the proxy share (sip_proxy.h is its
 * API): the record of each proxied request with its branches, and the
 * functions one file calls in another.  sip_proxy.c holds the object,
 * the AORs published by destination list, shared helpers and time;
 * sip_proxy_req.c the requests (validation, targets, forwarding, CANCEL,
 * the overlay's answers); sip_proxy_resp.c the responses.
 */
#ifndef SIP_PROXY_INT_H
#define SIP_PROXY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/queue.h>

#include <openssl/evp.h>

#include "addr.h"
#include "sip_msg.h"
#include "sip_proxy.h"
#include "sip_resolve.h"
#include "sip_txn.h"
#include "strmap.h"

struct log_ctx;
struct rng;
struct sip_cache;
struct sip_reg;

#define SIP_FORK_MAX	8
#define SIP_KEEP_MS	32000	/* an INVITE's record past its 2xx: for 2xx
				   resent (RFC 6026 §7.1's Timer L) */
#define SIP_UDP_MAX	1300	/* §18.1.1: larger requests go over TCP */
#define SIP_CACHE_MAX	16384	/* AORs whose lookups are kept */

/* The limits a branch's own request is parsed again with (its CANCEL). */
extern const struct sip_limits sip_proxy_lim;

/* "z9hG4bK", 16 hex digits, "-", the record's id in hex (up to 16) */
#define SIP_BRANCH_LEN	48

struct sip_branch {
	uint64_t	 ctxn;
	char		 branch[SIP_BRANCH_LEN];
	uint8_t		*req;		/* the request as forwarded */
	size_t		 req_len;
	struct sip_flow	 flow;
	bool		 provisional;	/* a 1xx came: it may be cancelled */
	bool		 done;
	bool		 cancel;	/* cancel it once a 1xx comes */
};

struct sip_fwd {
	uint64_t	 id;
	uint64_t	 stxn;
	struct sip_flow	 from;		/* where responses go */
	struct sip_flow	 in;		/* the flow it came on */
	bool		 invite;
	struct sip_msg	*req;		/* the request as received, our copy
					   (NULL once done) */
	bool		 offerless;	/* ... had no body (§13.2.1) */
	bool		 got_2xx;	/* a branch answered 2xx */
	struct sip_branch *b;		/* nb of them, room for bcap */
	unsigned	 nb, bcap;
	unsigned	 best_status;	/* 0: none yet */
	uint8_t		*best;
	size_t		 best_len;
	bool		 final_sent;
	bool		 looking;	/* the overlay is asked */
	bool		 resolving;	/* DNS is asked (RFC 3263) */
	struct sip_res_target *servers;	/* what it found, to try in turn */
	unsigned	 nservers, next_server;
	bool		 unreachable;	/* a branch's transport failed */
	bool		 by_token;	/* it went on the flow a token of
					   ours named (RFC 5626 §5.3) */
	bool		 overlay;	/* branches from the overlay's answer */
	bool		 cached;	/* ... as kept in the cache */
	unsigned	 skip_route;	/* our Routes on top */
	uint64_t	 done_at;	/* 0: still going */
	LIST_ENTRY(sip_fwd) entry;	/* in the list, oldest last */
	struct sip_fwd	*hnext;		/* in its id's bucket */
	STAILQ_ENTRY(sip_fwd) done;	/* in a queue of done ones */
};

/* Records done, in the order they were (so, of their expiry). */
STAILQ_HEAD(sip_fwd_queue, sip_fwd);

#define SIP_FWD_BUCKETS	64	/* records by id at first (ids are
				   sequential): doubled as they grow */

/* An AOR this node publishes by destination list. */
struct sip_hosted {
	struct strmap_entry	 h;
	char			*aor;
};

struct sip_proxy {
	struct sip_proxy_cfg	 cfg;
	char			*domain;
	char			 self[ADDR_STRLEN];
	char			 self_tls[ADDR_STRLEN];	/* "": none */
	struct sip_txn_layer	*txl;
	const struct sip_reg	*reg;
	struct rng		*rng;
	struct log_ctx		*log;
	LIST_HEAD(, sip_fwd)	 fwds;
	struct sip_fwd		**buckets;
	unsigned		 nbuckets;	/* a power of two */
	unsigned		 nfwds;
	/* done: kept SIP_KEEP_MS (an INVITE's, after a 2xx), or freed at
	 * the next tick (the rest: their transactions take what comes) */
	struct sip_fwd_queue	 kept, gone;
	struct sip_cache	*cache;
	uint64_t		 lookups, cache_hits;
	uint64_t		 next_id;
	struct addr		 ua;		/* the daemon's UA
						   (family 0: none) */
	struct strmap		 hosted;	/* of sip_hosted */
	char			 ua_ruri[600];	/* a request to it,
						   being forwarded */
	uint8_t			 ft_key[32];	/* flow tokens' HMAC key */
	EVP_MAC_CTX		*ft_mac;	/* HMAC-SHA256 keyed with it,
						   made once (a one-shot HMAC
						   looks the algorithm up each
						   time: 5% of a call) */
};

/* sip_proxy.c: a record in the tables; done, on its way out (it goes
 * at the next tick, its memory but what a 2xx resent needs freed now). */
void	 sip_fwd_add(struct sip_proxy *, struct sip_fwd *);
void	 sip_fwd_done(struct sip_proxy *, struct sip_fwd *, uint64_t now);

/* sip_proxy_req.c: the next of f's RFC 3263 servers, if its branches
 * failed so (503, no answer, unreachable): true if one went. */
bool	 sip_proxy_req_failover(struct sip_proxy *, uint64_t now,
	    struct sip_fwd *);

/* sip_proxy.c */
/* A URI's host:port as a flow (IP literals only: no DNS here): 0 or
 * EINVAL. */
int	 sip_proxy_uri_flow(const struct sip_uri *, struct sip_flow *);
/*
 * m's body as it goes from flow from to flow to, if the call's media is
 * relayed for a phone here (sip_anchor_body: offer says m's body is an
 * offer): the edited body, or NULL: m's own.
 */
uint8_t	*sip_proxy_anchor(struct sip_proxy *, const struct sip_msg *m,
	    const struct sip_flow *from, const struct sip_flow *to, bool offer,
	    size_t *len);
/* Answer the request in server transaction stxn with a bare status. */
void	 sip_proxy_status(struct sip_proxy *, uint64_t now, uint64_t stxn,
	    const struct sip_msg *, unsigned status, const char *reason);
struct sip_fwd *sip_proxy_fwd_by_id(const struct sip_proxy *, uint64_t id);
/* The AOR of m's Request-URI ("user@domain"), in aor. */
const char *sip_proxy_aor_of(const struct sip_proxy *, const struct sip_msg *m,
	    char *aor, size_t max);

/* sip_proxy_req.c */
/* The AOR's contacts at the other peers, for f: from the cache, or asked
 * of the overlay. */
void	 sip_proxy_req_lookup(struct sip_proxy *, uint64_t now,
	    struct sip_fwd *f, const char *aor);

/* sip_proxy_resp.c */
/* The INVITE of f got its final status: tell the user of the proxy. */
void	 sip_proxy_resp_report(struct sip_proxy *, const struct sip_fwd *f,
	    unsigned status);
/* A CANCEL for branch b (§9.1), in a client transaction of its own. */
void	 sip_proxy_resp_cancel_branch(struct sip_proxy *, uint64_t now,
	    struct sip_fwd *f, struct sip_branch *b);
/* If every branch of f is done, the best final response goes back. */
void	 sip_proxy_resp_finish(struct sip_proxy *, uint64_t now,
	    struct sip_fwd *f);

#endif
