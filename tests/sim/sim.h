/*
 * sim.h - a deterministic simulator for overlay nodes.
 *
 * Runs the real ov_node cores with virtual time and virtual TCP links:
 * latency with jitter (in order per direction, as TCP), loss modelled as
 * a retransmission delay, partitions that stall links (the kernel's
 * keepalive times them out after link_timeout) and refuse
 * connections, and nodes that crash (their peers see the connections
 * reset) or leave.  Everything random comes from one seed, so a failing
 * run replays exactly.  Signatures are a cheap keyed checksum instead of
 * ECDSA so that thousands of nodes fit in one process; the codec, the
 * signature plumbing and every protocol path are the daemon's.  A node may
 * also run the location service (loc/loc.h) on its overlay node, as the
 * daemon does, its users signing with stand-in certificates.
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ov_id.h"
#include "ov_node.h"

struct loc;
struct loc_action;
struct loc_cfg;
struct loc_cred;
struct loc_result;
struct sim;

struct sim_opts {
	uint64_t	seed;
	uint32_t	latency_ms;	/* one way */
	uint32_t	jitter_ms;
	double		loss;		/* chance a segment needs a resend */
	uint32_t	resend_ms;	/* the delay a lost segment costs */
	/* 0: every link has the same latency; else each node sits at a
	 * random point of a unit square and a link's one-way latency adds
	 * spatial_ms times the distance between its ends (to measure
	 * proximity neighbour selection) */
	uint32_t	spatial_ms;
	bool		verbose;	/* node logs to stderr */
	int		verbose_node;	/* only this node's logs, if >= 0 */
	struct ov_node_cfg node;	/* template: intervals, list sizes */
	/* the location service: a registration's default lifetime and the
	 * longest it allows, s [3600, 86400] */
	int		loc_expires;
	int		loc_max_lifetime;
};

/* Defaults: 10 ms +- 5 ms, no loss, RFC timers shortened for tests. */
void	 sim_opts_default(struct sim_opts *);
struct sim *sim_new(const struct sim_opts *);
void	 sim_free(struct sim *);

uint64_t sim_now(const struct sim *);
/*
 * Add a node at the current time.  nboot: how many random live nodes its
 * bootstrap list names (0: it starts a new overlay).  Returns its index.
 */
unsigned sim_add(struct sim *, unsigned nboot);
/* Add a node whose bootstrap list is the given nodes' addresses. */
unsigned sim_add_with(struct sim *, const unsigned *boot, unsigned nboot);
/*
 * Add n nodes within spread_ms (0: at once) at random moments, as a host
 * or data-centre restart does; returns when the last has started.  The
 * node k-th in a random chain order bootstraps through the (k-1)-th,
 * which may start after it (a connection to it is refused until then).
 */
void	 sim_start_chain(struct sim *, unsigned n, unsigned spread_ms);
/* Add a RELOAD client (RFC 6940 §4.2.1) with that bootstrap list. */
unsigned sim_add_client(struct sim *, const unsigned *boot, unsigned nboot);
unsigned sim_count(const struct sim *);
bool	 sim_alive(const struct sim *, unsigned);
struct ov_node *sim_node(struct sim *, unsigned);

void	 sim_run(struct sim *, uint64_t duration_ms);
/* Crash: links reset, no Leave. */
void	 sim_kill(struct sim *, unsigned);
/*
 * The host is gone (power cut, cable pulled): no Leave, no reset; what
 * is sent to it is lost and its peers' links time out after link_timeout
 * (their keepalives), when it is freed.  Dead to sim_alive at once.
 */
void	 sim_vanish(struct sim *, unsigned);
/* Graceful Leave; the node is removed once it has left. */
void	 sim_leave(struct sim *, unsigned);
/* Put node i in partition group g (all start in 0). */
void	 sim_partition(struct sim *, unsigned i, unsigned g);

/*
 * Every live node is joined (or the only one alone), and its first
 * successor and predecessor are the true ones.  *wrong gets how many
 * nodes are not.
 */
bool	 sim_ring_ok(const struct sim *, unsigned *wrong);

/*
 * How many separate rings the live peers form: the sets of nodes that
 * first successors and predecessors link (1 in a correct overlay).
 */
unsigned sim_rings(const struct sim *);

/*
 * The peers joined (or alone) at this moment, by Node-ID: those a lookup
 * must end at.  sim_member: the node index of the k-th (k < sim_members).
 */
unsigned sim_members(const struct sim *);
unsigned sim_member(const struct sim *, unsigned k);

/*
 * One routed lookup (a Ping) of key from node `from`, answered while the
 * simulation runs on; sim_route gives how it went (NULL: no such
 * ticket).  ok: answered by the node responsible when the answer came
 * (the first member at or after key then), along a path that ends there.
 */
struct sim_route {
	struct ov_id	key;
	unsigned	from;
	uint64_t	started;
	bool		done;
	bool		ok;
	int		error;		/* -1: could not be sent */
	unsigned	hops;
	uint64_t	rtt_ms;
};

unsigned sim_route_start(struct sim *, unsigned from, const struct ov_id *key);
const struct sim_route *sim_route(const struct sim *, unsigned ticket);

struct sim_lookup_stats {
	unsigned	tried;
	unsigned	ok;		/* answered by the true owner */
	unsigned	failed;
	unsigned	wrong;		/* answered by another node, or the
					   path does not end there */
	double		mean_hops;
	unsigned	max_hops;
	double		mean_ms;	/* request to answer, of the ok */
};

/* n lookups (q: Ping, Probe, iterative RouteQuery) of random
 * Resource-IDs from random live nodes. */
void	 sim_lookups(struct sim *, unsigned n, enum ov_query q,
	    struct sim_lookup_stats *);
/* The last sim_lookups' lookups again: the same keys from the same
 * nodes (those that have failed since count as failed). */
void	 sim_lookups_again(struct sim *, enum ov_query q,
	    struct sim_lookup_stats *);

/*
 * Storage.  Node i stores a TURN-SERVICE value (NODE-MULTIPLE, RFC 6940
 * §7.3.4) at H(its Node-ID || idx); node i fetches node j's at idx (j
 * may be dead: its value lives on in the overlay).  Each returns a
 * ticket; sim_ticket says how it went: -1 pending, 0 done, else the
 * error (ENOENT: no value); a fetch's value goes into buf.
 */
unsigned sim_store(struct sim *, unsigned i, uint8_t idx, const char *data);
unsigned sim_fetch(struct sim *, unsigned i, unsigned j, uint8_t idx);
/* Stat: the ticket's buf says "N values, length L, sha256". */
unsigned sim_stat(struct sim *, unsigned i, unsigned j, uint8_t idx);
/* Node j's Resource-ID idx, H(Node-ID || idx). */
void	 sim_turn_res(const struct sim *, unsigned j, uint8_t idx,
	    struct ov_id *);
/* Find (RFC 6940 §7.4.4) from node i: the TURN-SERVICE Resource-ID its
 * storing peer names for res, in hex, or "none". */
unsigned sim_find(struct sim *, unsigned i, const struct ov_id *res);
/* Node i AppAttaches (SIP) along node j's route to itself
 * (ov_node_self_route); the ticket's value is the address j gave. */
unsigned sim_app_attach(struct sim *, unsigned i, unsigned j);
int	 sim_ticket(const struct sim *, unsigned ticket, char *buf,
	    size_t max);
/* The live nodes that hold node j's value idx. */
unsigned sim_copies(struct sim *, unsigned j, uint8_t idx);
/* Values held by all live nodes (replicas included). */
uint64_t sim_values_held(const struct sim *);

/*
 * The location service.  sim_loc: node i's core (loc.h), made on first
 * use on its overlay node, its rng and its log, with the overlay's name
 * and the lifetimes of the options; users sign with sim_user_cred, but
 * for names beginning with "nokey", which have no key (ENOENT).
 * sim_loc_with makes it with cfg instead (its NULL or 0 fields: those
 * defaults).  NULL when node i is dead.  The core gets node i's storage
 * events and ticks at its deadline; a crash frees it with the node.  Its
 * actions wait for the caller (sim_loc_next_action: false when there are
 * none, or no core).  After a request to it, sim_poke node i (the driver
 * drains the overlay node after every call into the core).
 */
struct loc *sim_loc(struct sim *, unsigned i);
struct loc *sim_loc_with(struct sim *, unsigned i, const struct loc_cfg *);
bool	 sim_loc_next_action(struct sim *, unsigned i, struct loc_action *);
/* Every core's actions taken: each RESULT handed to fn, the rest dropped. */
void	 sim_loc_results(struct sim *, void (*fn)(const struct loc_result *,
	    void *), void *arg);
/* Free node i's core (its requests out are forgotten); the node lives. */
void	 sim_loc_drop(struct sim *, unsigned i);
/* Carry out what node i has to do now (after a call into its cores). */
void	 sim_poke(struct sim *, unsigned i);
/*
 * A stand-in certificate and key of user (an AOR) on node i, as loc's
 * cred callback gives them: valid until the next call for node i.  0, or
 * EINVAL (no name, or too long).
 */
int	 sim_user_cred(struct sim *, unsigned i, const char *user,
	    struct loc_cred *);

/*
 * AORs registered through the location service by random live nodes, to
 * look up later (sim_loc.c).  sim_aors_new registers n AORs
 * ("u0@OVERLAY"...), each by a node chosen at random with a contact URI
 * naming it, lifetime expires s (0: the default), a few a millisecond of
 * virtual time, and runs until they are stored; *stored: how many were.
 */
struct sim_aors;

struct sim_aor_stats {
	unsigned	tried;
	unsigned	found;		/* its binding, as registered */
	unsigned	found_dead;	/* of found: its registrar is dead */
	unsigned	lost_dead;	/* not found, its registrar dead */
	unsigned	lost_alive;	/* not found, its registrar alive */
	unsigned	failed;		/* no answer, or the overlay's error */
};

struct sim_aors *sim_aors_new(struct sim *, unsigned n, int expires,
	    unsigned *stored);
void	 sim_aors_free(struct sim_aors *);
/* Look each AOR up from a random live node; *st counts how it went. */
void	 sim_aors_lookup(struct sim_aors *, struct sim_aor_stats *);
/* AORs whose registrar is dead. */
unsigned sim_aors_orphaned(const struct sim_aors *);
/* AORs no live node holds a binding of (all copies were on nodes that
 * failed, or it expired). */
unsigned sim_aors_unheld(const struct sim_aors *);

/*
 * Churn (sim_churn.c): for cfg->minutes, every live node's session ends
 * at a time drawn from a Pareto distribution (Lomax: P(T > t) =
 * (1 + t/b)^-shape, mean mean_s; those in progress at the start from its
 * equilibrium remainder), when it fails (sim_vanish, or sim_kill if
 * crash) and a new node joins through two live ones.  Every node
 * registers `aors` AORs once joined ("cK@OVERLAY"); lookups a minute
 * routed lookups of random keys and aor_lookups lookups of AORs of live
 * registrars go from random peers.  A CSV row a minute to csv (if not
 * NULL); the whole run in *st.
 */
struct sim_churn_cfg {
	unsigned	 minutes;
	double		 mean_s;	/* mean session, s */
	double		 shape;		/* > 1 */
	bool		 crash;
	unsigned	 lookups;	/* a minute */
	unsigned	 aors;		/* a node */
	unsigned	 aor_lookups;	/* a minute */
	FILE		*csv;
};

struct sim_churn_stats {
	unsigned	 nodes_min, nodes_max;	/* peers, minute by minute */
	unsigned	 joins, failures;
	unsigned	 lookups, ok, wrong, failed;
	/* lookups and AOR lookups left out: the asking node failed */
	unsigned	 orphaned;
	double		 mean_hops;
	unsigned	 p99_hops;
	unsigned	 aor_lookups, aor_found;
	unsigned	 aor_lost;	/* not found, its registrar alive */
	unsigned	 aor_failed;	/* the overlay failed */
	unsigned	 aor_dead;	/* not found, its registrar died since */
	double		 msgs_per_node_min, bytes_per_node_min;
};

void	 sim_churn(struct sim *, const struct sim_churn_cfg *,
	    struct sim_churn_stats *);

/* Print each live node's view against the true ring (debugging). */
void	 sim_dump(const struct sim *, FILE *);

/* RELOAD messages sent by all live nodes so far. */
uint64_t sim_messages(const struct sim *);
/* Bytes of RELOAD messages sent by all nodes so far. */
uint64_t sim_bytes(const struct sim *);
/* Connections opened by all nodes so far. */
uint64_t sim_connects(const struct sim *);
uint64_t sim_seed(const struct sim *);
const char *sim_overlay(const struct sim *);	/* its name */

#endif
