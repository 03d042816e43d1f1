/*
 * loc_int.h - what the files of the location service core share.
 */
#ifndef LOC_INT_H
#define LOC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fifo.h"
#include "log_ctx.h"
#include "loc.h"
#include "strmap.h"

/* A registration this node publishes. */
struct loc_reg {
	struct loc_reg	*next;
	struct loc_reg	**pprev;	/* what points at it */
	struct strmap_entry h;		/* in loc->regmap, by aor */
	struct loc_reg	*wnext;		/* in loc's wait queue */
	char		*contact;	/* NULL: this node */
	int		 expires;	/* the value's lifetime, s */
	int64_t		 created;	/* wall clock, s */
	uint64_t	 due_ms;	/* next publish; 0: now */
	uint64_t	 stored_ms;	/* storage_time of its last store */
	bool		 busy;		/* a store of it is out */
	bool		 published;	/* stored at least once this run */
	bool		 waiting;	/* its first store waits for room */
	uint64_t	 generation;
	unsigned	 nreplicas;
	unsigned	 route_gen;	/* loc's route_gen when last stored */
	bool		 phone;		/* the registrar's: contact is our own
					   SIP address (loc_by_route) */
	char		 aor[];		/* as long as it is (< OV_USER_MAX):
					   a registrar holds thousands */
};

/* A value this node keeps stored at iterations 1..n of a Kind (loc_adv.c). */
#define LOC_ADV_MAX	20
struct loc_adv {
	uint32_t	 kind;
	const char	*what;		/* for the log */
	uint32_t	 lifetime;	/* s */
	struct addr	 addr;		/* what it says */
	unsigned	 n;		/* 0: none */
	uint64_t	 due[LOC_ADV_MAX + 1];	/* 0: now */
	bool		 busy[LOC_ADV_MAX + 1];
	bool		 stored[LOC_ADV_MAX + 1];	/* once this run */
};

/* A request out in the overlay. */
struct loc_req {
	struct loc_req	*next;
	enum loc_op	 op;
	uint64_t	 ov_cookie;	/* the overlay node's */
	uint64_t	 cookie;	/* the caller's; 0: nobody waits */
	char		 aor[OV_USER_MAX];
	struct ov_id	 res;
	uint32_t	 kind;
	/* RELAYS: the walk (next Find at walk), Resource-IDs fetched */
	struct ov_id	 walk;
	struct ov_id	 fetched[LOC_RELAY_FINDS];
	unsigned	 nfetched;
	uint32_t	 tried;		/* PROXIES: service iterations */
	struct loc_adv	*adv_of;	/* ADVERTISE: which, */
	uint8_t		 adv;		/* its iteration */
	/* RESOLVE, once fetched: the AppAttaches still out; RELAYS: the
	 * relays so far */
	struct loc_result res_out;
	uint64_t	 attach[LOC_BINDINGS_MAX];	/* 0: none out */
	/* the node before the last on the list (a client's gateway) */
	struct ov_id	 gw[LOC_BINDINGS_MAX];
	bool		 has_gw[LOC_BINDINGS_MAX];
	unsigned	 nattach;
};

struct loc {
	struct loc_cfg	 cfg;
	char		*overlay;
	struct ov_node	*ov;
	struct rng	*rng;
	struct log_ctx	 log;
	struct loc_reg	*regs;
	struct strmap	 regmap;
	unsigned	 nregs;
	struct loc_req	*reqs;
	unsigned	 nwaiting;	/* regs with waiting set: these, */
	struct loc_reg	*wait_head;	/* first come, first stored */
	struct loc_reg	*wait_tail;
	bool		 publishing;	/* in loc_publish_due */
	bool		 scan;		/* due refreshes are looked for */
	bool		 no_room;	/* refused: no store before an answer */
	uint64_t	 next_cookie;
	uint64_t	 next_tick;
	uint64_t	 quiet_until;	/* store failures: counted until */
	uint64_t	 hold_until;	/* a flood refusal: no stores before */
	unsigned	 quieted;
	bool		 freeing;	/* no more actions */
	struct fifo	 actions;	/* struct loc_action */
	/* the destination list that reaches this node, as last seen, and
	 * how often it changed (a client's gateway: ov_node_self_route) */
	struct ov_id	 route[2];
	unsigned	 nroute, route_gen;
	/* what this node advertises about itself: its relay's TURN server
	 * (RFC 6940 §9), itself as a proxy peer */
	struct loc_adv	 relay;
	struct loc_adv	 proxy;
};

/* loc.c */
void	 loc_act(struct loc *, struct loc_action *);
struct loc_req *loc_req_new(struct loc *, enum loc_op, uint64_t cookie);
void	 loc_req_free(struct loc_req *);
struct loc_req *loc_req_find(struct loc *, uint64_t ov_cookie, bool attach,
	    bool take, unsigned *slot);
void	 loc_req_unlink(struct loc *, struct loc_req *);
void	 loc_req_drop(struct loc *, struct loc_req *);
void	 loc_answer(struct loc *, struct loc_req *, struct loc_result *);
/* A search's request (RELAYS, PROXIES) for kind, off the list; NULL
 * outside an overlay.  loc_search_fetched: its Fetch's answer, each
 * value handed to add (refused ones counted); false if it was not a
 * Fetch's (q is freed). */
struct ov_fetched_value;
struct loc_req *loc_search_new(struct loc *, enum loc_op, uint32_t kind,
	    uint64_t cookie);
bool	 loc_search_fetched(struct loc_req *, const struct ov_event *,
	    void (*add)(struct loc_result *, const struct ov_fetched_value *));
void	 loc_fail(struct loc *, struct loc_req *, int code, const char *why);
int	 loc_aor_arg(const struct loc *, const char *in, char *out,
	    size_t max, char **err);
uint64_t loc_wall_ms(const struct loc *, uint64_t now);

/* loc_reg.c */
void	 loc_quiet_end(struct loc *, uint64_t now);
void	 loc_reg_remove(struct loc *, struct loc_reg *);
void	 loc_stored(struct loc *, uint64_t now, struct loc_req *,
	    const struct ov_event *);
void	 loc_publish_due(struct loc *, uint64_t now);
bool	 loc_publish_ready(const struct loc *);
void	 loc_reroute(struct loc *);

/* loc_reg.c: sign s for kind at q->res (as user c, or this node: c NULL)
 * and send it.  0 or an errno. */
int	 loc_send(struct loc *, uint64_t now, struct loc_req *,
	    const struct ov_kind *, struct ov_stored *, const struct loc_cred *);

/* loc_adv.c: a set to addr at n iterations (addr NULL: none) */
void	 loc_adv_set(struct loc_adv *, uint32_t kind, const char *what,
	    uint32_t lifetime, const struct addr *addr, unsigned n);
unsigned loc_adv_count(const struct loc_adv *);
void	 loc_adv_due(struct loc *, uint64_t now, struct loc_adv *);
void	 loc_adv_stored(struct loc *, uint64_t now, struct loc_req *,
	    const struct ov_event *);

/* loc_proxy.c */
void	 loc_proxy_fetched(struct loc *, uint64_t now, struct loc_req *,
	    const struct ov_event *);

/* loc_relay.c */
void	 loc_relay_found(struct loc *, uint64_t now, struct loc_req *,
	    const struct ov_event *);
void	 loc_relay_fetched(struct loc *, uint64_t now, struct loc_req *,
	    const struct ov_event *);

/* loc_find.c */
void	 loc_fetched(struct loc *, uint64_t now, struct loc_req *,
	    struct ov_event *);
void	 loc_app_attached(struct loc *, struct loc_req *, unsigned slot,
	    const struct ov_event *);

#endif
