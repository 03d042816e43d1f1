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
 * signature plumbing and every protocol path are the daemon's.
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ov_id.h"
#include "ov_node.h"

struct sim;

struct sim_opts {
	uint64_t	seed;
	uint32_t	latency_ms;	/* one way */
	uint32_t	jitter_ms;
	double		loss;		/* chance a segment needs a resend */
	uint32_t	resend_ms;	/* the delay a lost segment costs */
	bool		verbose;	/* node logs to stderr */
	int		verbose_node;	/* only this node's logs, if >= 0 */
	struct ov_node_cfg node;	/* template: intervals, list sizes */
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
unsigned sim_count(const struct sim *);
bool	 sim_alive(const struct sim *, unsigned);
struct ov_node *sim_node(struct sim *, unsigned);

void	 sim_run(struct sim *, uint64_t duration_ms);
/* Crash: links reset, no Leave. */
void	 sim_kill(struct sim *, unsigned);
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

struct sim_lookup_stats {
	unsigned	tried;
	unsigned	ok;		/* answered by the true owner */
	unsigned	failed;
	unsigned	wrong;		/* answered by another node, or the
					   path does not end there */
	double		mean_hops;
	unsigned	max_hops;
};

/* n lookups (q: Ping, Probe, iterative RouteQuery) of random
 * Resource-IDs from random live nodes. */
void	 sim_lookups(struct sim *, unsigned n, enum ov_query q,
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
int	 sim_ticket(const struct sim *, unsigned ticket, char *buf,
	    size_t max);
/* The live nodes that hold node j's value idx. */
unsigned sim_copies(struct sim *, unsigned j, uint8_t idx);
/* Values held by all live nodes (replicas included). */
uint64_t sim_values_held(const struct sim *);

/* Print each live node's view against the true ring (debugging). */
void	 sim_dump(const struct sim *, FILE *);

/* RELOAD messages sent by all live nodes so far. */
uint64_t sim_messages(const struct sim *);
/* Connections opened by all nodes so far. */
uint64_t sim_connects(const struct sim *);
uint64_t sim_seed(const struct sim *);

#endif
