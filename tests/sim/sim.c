/*
 * sim.c - discrete-event simulation of overlay nodes.
 *
 * Events sit in a binary heap ordered by (time, sequence).  A node has at
 * most one live tick event: when its deadline moves earlier a new one is
 * pushed and older ones are ignored when they pop.  A virtual connection
 * joins two nodes' link ids; data in each direction arrives in order
 * (arrival = max(now + latency, previous arrival)).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loc.h"
#include "log_ctx.h"
#include "ov_body.h"
#include "ov_msg.h"
#include "rng.h"
#include "sim.h"
#include "wire.h"
#include "xmalloc.h"

enum sim_ev_type {
	SIM_TICK,
	SIM_CONNECT,	/* a SYN reaches the target */
	SIM_UP,		/* the connecting side learns it is up */
	SIM_DATA,
	SIM_RESET,	/* the connection is gone on side `side` */
	SIM_KEEPALIVE,	/* the kernel's keepalive probes of a stalled
			   connection have run out */
	SIM_REAP,	/* a vanished node's links have timed out */
};

struct sim_ev {
	uint64_t	 at;
	uint64_t	 seq;
	enum sim_ev_type type;
	unsigned	 node;		/* TICK */
	unsigned	 conn;
	int		 side;		/* 0: a, 1: b: who receives */
	uint8_t		*data;
	size_t		 len;
};

struct sim_conn {
	unsigned	 node[2];	/* a connects to b */
	uint32_t	 link[2];
	bool		 open[2];	/* that side still has the link */
	bool		 established;
	uint64_t	 arrive[2];	/* last arrival toward side i */
};

struct sim_crypto {
	struct ov_crypto c;
	struct ov_id	 id;
};

/* A user's stand-in certificate on a node (sim_user_cred). */
struct sim_user {
	struct ov_crypto c;
	uint8_t		 key[OV_ID_LEN];
	uint8_t		 hash[OV_ID_LEN];
	uint8_t		 bucket[3 + OV_ID_LEN + OV_USER_MAX];
};

struct sim_node {
	struct ov_node	*ov;
	struct ov_id	 id;
	struct addr	 addr;
	bool		 alive;
	bool		 leaving;
	bool		 client;	/* a RELOAD client: not on the ring */
	unsigned	 group;
	uint64_t	 tick_at;	/* UINT64_MAX: none pending */
	struct rng_xoshiro xs;
	struct rng	 rng;
	struct log_ctx	 lc;
	char		 tag[12];
	struct sim_crypto crypto;
	struct sim	*sim;
	unsigned	 idx;
	bool		 member;	/* in sim->members */
	bool		 gone;		/* vanished (sim_vanish) */
	uint64_t	 gone_at;
	struct loc	*loc;		/* the location service, if made */
	struct sim_user	*user;		/* sim_user_cred's */
	unsigned	*conns;
	uint32_t	*conn_link;	/* beside conns: this side's link */
	unsigned	 nconns, conns_cap;
	double		 x, y;		/* where it is (sim_opts spatial_ms) */
};

struct sim_result {
	struct ov_id	 key;
	bool		 done;
	int		 error;
	struct ov_id	 responsible;
	unsigned	 hops;
	bool		 path_ok;	/* a path of hops nodes, ending there */
	bool		 has_probe;
	uint64_t	 started, rtt_ms;
	unsigned	 from;		/* the node that asked */
};

struct sim_ticket {
	bool		 done;
	int		 error;
	char		 value[64];	/* a fetch's first value */
};

#define SIM_TICKET	(1ULL << 40)	/* cookies of storage requests */
#define SIM_ROUTE	(1ULL << 41)	/* cookies of sim_route_start's */
#define SIM_GONE	UINT32_MAX	/* the partition group of the vanished */

/* A joined peer, in sim->members (sorted by id). */
struct sim_member {
	struct ov_id	 id;
	unsigned	 idx;
};

struct sim {
	struct sim_opts	 o;
	uint64_t	 now;
	uint64_t	 seq;
	struct rng_xoshiro xs;
	struct rng	 rng;
	struct sim_ev	*heap;
	size_t		 nheap, heap_cap;
	struct sim_node	**nodes;
	unsigned	 nnodes, nodes_cap;
	struct sim_conn	*conns;
	unsigned	 nconns, conns_cap;
	struct sim_result *results;
	unsigned	 nresults;
	struct sim_ticket *tickets;	/* storage requests */
	unsigned	 ntickets, tickets_cap;
	struct sim_route *routes;	/* sim_route_start's */
	unsigned	 nroutes, routes_cap;
	/* the peers joined (or alone) now, by id: who is responsible for
	 * what at this moment, kept as they join and go */
	struct sim_member *members;
	unsigned	 nmembers, members_cap;
	uint64_t	 bytes;		/* sent, all nodes */
	uint64_t	 dead_msgs;	/* messages of nodes no longer alive */
	uint64_t	 connects;	/* connections opened, all nodes */
};

/* ---- the heap ---- */

static bool
ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
heap_push(struct sim *s, struct sim_ev *ev)
{
	size_t		i;
	struct sim_ev	t;

	if (s->nheap == s->heap_cap) {
		s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 1024;
		s->heap = xreallocarray(s->heap, s->heap_cap, sizeof *s->heap);
	}
	ev->seq = s->seq++;
	i = s->nheap++;
	s->heap[i] = *ev;
	while (i > 0 && ev_before(&s->heap[i], &s->heap[(i - 1) / 2])) {
		t = s->heap[i];
		s->heap[i] = s->heap[(i - 1) / 2];
		s->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void
heap_pop(struct sim *s, struct sim_ev *out)
{
	size_t		i = 0, c;
	struct sim_ev	t;

	*out = s->heap[0];
	s->heap[0] = s->heap[--s->nheap];
	for (;;) {
		c = 2 * i + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_before(&s->heap[c], &s->heap[i]))
			break;
		t = s->heap[i];
		s->heap[i] = s->heap[c];
		s->heap[c] = t;
		i = c;
	}
}

/*
 * ---- the stand-in signer: a keyed FNV-1a checksum ----
 *
 * A node's "certificate" is its Node-ID, named by itself, and its key is
 * the Node-ID.  A user's (sim_user_cred) is the Node-ID of the node that
 * holds it followed by the user name, named by a digest of that; its key
 * is a digest of the name alone, so that a user on several nodes has
 * several certificates and one key, as the daemon's users do (§11.3.1:
 * the storing peer pins a name to a key).
 */

static uint64_t
fnv(const uint8_t *p, size_t n, uint64_t h)
{
	while (n-- > 0)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void
sim_digest(const uint8_t *p, size_t n, uint8_t out[OV_ID_LEN])
{
	uint64_t	a = fnv(p, n, 0xcbf29ce484222325ULL);
	uint64_t	b = fnv(p, n, 0x84222325cbf29ce4ULL);

	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
}

/* arg: the signer's key (OV_ID_LEN bytes). */
static size_t
sim_sign(const uint8_t *data, size_t len, uint8_t *out, size_t max, void *arg)
{
	uint64_t	h;

	if (max < 8)
		return 0;
	h = fnv(arg, OV_ID_LEN, fnv(data, len, 0xcbf29ce484222325ULL));
	memcpy(out, &h, 8);
	return 8;
}

/* The certificate of the bucket that sig names. */
static bool
sim_cert_find(const struct ov_sig *sig, const uint8_t *certs,
    size_t certs_len, struct ov_cert_item *it)
{
	uint8_t		h[OV_ID_LEN];
	struct rbuf	r;

	if (sig->id_hash_len != OV_ID_LEN)
		return false;
	rbuf_init(&r, certs, certs_len);
	while (ov_msg_certs_next(&r, it)) {
		if (it->der_len == OV_ID_LEN) {
			if (memcmp(sig->id_hash, it->der, OV_ID_LEN) == 0)
				return true;
		} else if (it->der_len > OV_ID_LEN &&
		    it->der_len < OV_ID_LEN + OV_USER_MAX) {
			sim_digest(it->der, it->der_len, h);
			if (memcmp(sig->id_hash, h, OV_ID_LEN) == 0)
				return true;
		}
	}
	return false;
}

/* The key of a stand-in certificate. */
static void
sim_cert_key(const struct ov_cert_item *it, uint8_t key[OV_ID_LEN])
{
	if (it->der_len == OV_ID_LEN)
		memcpy(key, it->der, OV_ID_LEN);
	else
		sim_digest(it->der + OV_ID_LEN, it->der_len - OV_ID_LEN, key);
}

static int
sim_verify(const struct ov_sig *sig, const uint8_t *certs, size_t certs_len,
    const uint8_t *data, size_t len, struct ov_signer *signer, void *arg)
{
	struct ov_cert_item	it;
	uint8_t			key[OV_ID_LEN];
	uint64_t		h;

	(void)arg;
	if (sig->value_len != 8 || !sim_cert_find(sig, certs, certs_len, &it))
		return 1;
	memset(signer, 0, sizeof *signer);
	memcpy(signer->node.b, it.der, OV_ID_LEN);
	memcpy(signer->user, it.der + OV_ID_LEN, it.der_len - OV_ID_LEN);
	signer->cert = it.der;
	signer->cert_len = it.der_len;
	sim_cert_key(&it, key);
	h = fnv(key, OV_ID_LEN, fnv(data, len, 0xcbf29ce484222325ULL));
	return memcmp(&h, sig->value, 8) == 0 ? 0 : 1;
}

/* The signer's key (ov_crypto's key_id): a user's, not its certificate's
 * hash, which differs from node to node. */
static int
sim_key_id(const struct ov_sig *sig, const uint8_t *certs, size_t certs_len,
    uint8_t *out, void *arg)
{
	struct ov_cert_item	it;

	(void)arg;
	if (!sim_cert_find(sig, certs, certs_len, &it))
		return EBADMSG;
	memset(out, 0, OV_KEY_ID_LEN);
	sim_cert_key(&it, out);
	return 0;
}

/* ---- connections ---- */

static void sim_node_add_conn(struct sim *, unsigned, unsigned, uint32_t);

static unsigned
sim_conn_new(struct sim *s, unsigned a, uint32_t la)
{
	struct sim_conn	*c;

	if (s->nconns == s->conns_cap) {
		s->conns_cap = s->conns_cap ? s->conns_cap * 2 : 1024;
		s->conns = xreallocarray(s->conns, s->conns_cap,
		    sizeof *s->conns);
	}
	c = &s->conns[s->nconns];
	memset(c, 0, sizeof *c);
	c->node[0] = a;
	c->link[0] = la;
	c->open[0] = true;
	sim_node_add_conn(s, a, s->nconns, la);
	return s->nconns++;
}

/* conn is node's too, its end link there. */
static void
sim_node_add_conn(struct sim *s, unsigned node, unsigned conn,
    uint32_t link)
{
	struct sim_node	*n = s->nodes[node];

	if (n->nconns == n->conns_cap) {
		n->conns_cap = n->conns_cap ? n->conns_cap * 2 : 8;
		n->conns = xreallocarray(n->conns, n->conns_cap,
		    sizeof *n->conns);
		n->conn_link = xreallocarray(n->conn_link, n->conns_cap,
		    sizeof *n->conn_link);
	}
	n->conn_link[n->nconns] = link;
	n->conns[n->nconns++] = conn;
}

static void
sim_node_drop_conn(struct sim *s, unsigned node, unsigned conn)
{
	struct sim_node	*n = s->nodes[node];
	unsigned	 i;

	for (i = 0; i < n->nconns; i++) {
		if (n->conns[i] == conn) {
			n->conn_link[i] = n->conn_link[n->nconns - 1];
			n->conns[i] = n->conns[--n->nconns];
			return;
		}
	}
}

/* The connection of node whose link id is link, or -1. */
static int
sim_conn_of(struct sim *s, unsigned node, uint32_t link, int *side)
{
	struct sim_node	*n = s->nodes[node];
	struct sim_conn	*c;
	unsigned	 i;

	for (i = 0; i < n->nconns; i++) {
		if (n->conn_link[i] != link)
			continue;	/* a compact array, not every conn */
		c = &s->conns[n->conns[i]];
		*side = c->node[0] == node && c->link[0] == link ? 0 :
		    c->node[1] == node && c->link[1] == link ? 1 : -1;
		if (*side >= 0 && c->open[*side])
			return (int)n->conns[i];
	}
	return -1;
}

/* One way across conn: latency, jitter, distance, a resend. */
static uint64_t
sim_delay(struct sim *s, unsigned conn)
{
	const struct sim_conn	*c = &s->conns[conn];
	uint64_t		 d = s->o.latency_ms;
	double			 dx, dy;

	if (s->o.spatial_ms != 0 && c->node[1] < s->nnodes) {
		dx = s->nodes[c->node[0]]->x - s->nodes[c->node[1]]->x;
		dy = s->nodes[c->node[0]]->y - s->nodes[c->node[1]]->y;
		d += (uint64_t)(sqrt(dx * dx + dy * dy) * s->o.spatial_ms);
	}
	if (s->o.jitter_ms != 0)
		d += rng_below(&s->rng, 2 * (uint64_t)s->o.jitter_ms + 1);
	if (d > s->o.jitter_ms)
		d -= s->o.jitter_ms;
	if (s->o.loss > 0 &&
	    rng_below(&s->rng, 1000000) < (uint64_t)(s->o.loss * 1000000))
		d += s->o.resend_ms;
	return d != 0 ? d : 1;
}

static bool
sim_reachable(const struct sim *s, unsigned a, unsigned b)
{
	return s->nodes[a]->alive && s->nodes[b]->alive &&
	    s->nodes[a]->group == s->nodes[b]->group;
}

static void
sim_push(struct sim *s, enum sim_ev_type type, unsigned conn, int side,
    uint64_t at, uint8_t *data, size_t len)
{
	struct sim_ev	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.conn = conn;
	ev.side = side;
	ev.at = at;
	ev.data = data;
	ev.len = len;
	heap_push(s, &ev);
}

/* Tell side `side` that the connection is gone, after a delay. */
static void
sim_reset(struct sim *s, unsigned conn, int side, uint64_t delay)
{
	sim_push(s, SIM_RESET, conn, side, s->now + delay, NULL, 0);
}

/* ---- the members: who is on the ring now ---- */

/* The position in members of the first id >= k (nmembers: none). */
static unsigned
sim_member_at(const struct sim *s, const struct ov_id *k)
{
	unsigned	lo = 0, hi = s->nmembers, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (ov_id_cmp(&s->members[mid].id, k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
sim_member_add(struct sim *s, unsigned i)
{
	struct sim_node	*n = s->nodes[i];
	unsigned	 at;

	if (n->member)
		return;
	if (s->nmembers == s->members_cap) {
		s->members_cap = s->members_cap ? s->members_cap * 2 : 1024;
		s->members = xreallocarray(s->members, s->members_cap,
		    sizeof *s->members);
	}
	at = sim_member_at(s, &n->id);
	memmove(&s->members[at + 1], &s->members[at],
	    (s->nmembers - at) * sizeof *s->members);
	s->members[at].id = n->id;
	s->members[at].idx = i;
	s->nmembers++;
	n->member = true;
}

static void
sim_member_drop(struct sim *s, unsigned i)
{
	struct sim_node	*n = s->nodes[i];
	unsigned	 at;

	if (!n->member)
		return;
	at = sim_member_at(s, &n->id);
	if (at < s->nmembers && s->members[at].idx == i) {
		memmove(&s->members[at], &s->members[at + 1],
		    (s->nmembers - at - 1) * sizeof *s->members);
		s->nmembers--;
	}
	n->member = false;
}

/* The member responsible for k now (the first at or after it). */
static const struct ov_id *
sim_member_owner(const struct sim *s, const struct ov_id *k)
{
	unsigned	at;

	if (s->nmembers == 0)
		return NULL;
	at = sim_member_at(s, k);
	return &s->members[at == s->nmembers ? 0 : at].id;
}

/* ---- driving a node ---- */

static void sim_drain(struct sim *, unsigned);

static void
sim_schedule(struct sim *s, unsigned i)
{
	struct sim_node	*n = s->nodes[i];
	struct sim_ev	 ev;
	uint64_t	 d;

	if (!n->alive)
		return;
	d = ov_node_deadline(n->ov);
	if (n->loc != NULL && loc_deadline(n->loc) < d)
		d = loc_deadline(n->loc);
	if (d == UINT64_MAX || d >= n->tick_at)
		return;
	n->tick_at = d < s->now ? s->now : d;
	memset(&ev, 0, sizeof ev);
	ev.type = SIM_TICK;
	ev.node = i;
	ev.at = n->tick_at;
	heap_push(s, &ev);
}

static void
sim_act_connect(struct sim *s, unsigned i, const struct ov_action *a)
{
	unsigned	 conn = sim_conn_new(s, i, a->link);
	uint32_t	 idx;

	s->connects++;
	/* 10.x.y.z encodes the node index */
	idx = (uint32_t)a->addr.ip[1] << 16 | (uint32_t)a->addr.ip[2] << 8 |
	    a->addr.ip[3];
	s->conns[conn].node[1] = idx < s->nnodes ? idx : UINT32_MAX;
	sim_push(s, SIM_CONNECT, conn, 1, s->now + sim_delay(s, conn), NULL,
	    0);
}

static void
sim_act_send(struct sim *s, unsigned i, struct ov_action *a)
{
	struct sim_conn	*c;
	int		 side, conn = sim_conn_of(s, i, a->link, &side);
	uint64_t	 at;

	if (conn < 0) {
		free(a->data);
		return;
	}
	c = &s->conns[conn];
	if (!sim_reachable(s, c->node[0], c->node[1])) {
		free(a->data);		/* stalled: a partition */
		return;
	}
	s->bytes += a->len;
	at = s->now + sim_delay(s, (unsigned)conn);
	if (at < c->arrive[!side])
		at = c->arrive[!side];
	c->arrive[!side] = at;
	sim_push(s, SIM_DATA, (unsigned)conn, !side, at, a->data, a->len);
}

static void
sim_act_close(struct sim *s, unsigned i, const struct ov_action *a)
{
	int		 side, conn = sim_conn_of(s, i, a->link, &side);
	struct sim_conn	*c;

	if (conn < 0)
		return;
	c = &s->conns[conn];
	c->open[side] = false;
	sim_node_drop_conn(s, i, (unsigned)conn);
	if (c->node[!side] != UINT32_MAX && c->open[!side])
		sim_reset(s, (unsigned)conn, !side,
		    sim_delay(s, (unsigned)conn));
}

/*
 * The answer came from a node that vanished while it was on its way (a
 * second ago at most), and that was responsible for key until then: it
 * lies between key and the responsible node now.
 */
static bool
sim_was_owner(const struct sim *s, const struct ov_id *answerer,
    const struct ov_id *key, const struct ov_id *owner)
{
	unsigned	i;

	for (i = 0; i < s->nnodes; i++)
		if (ov_id_eq(&s->nodes[i]->id, answerer))
			break;
	return i < s->nnodes && s->nodes[i]->gone &&
	    s->now - s->nodes[i]->gone_at <= 1000 &&
	    (ov_id_eq(answerer, key) || ov_id_in_oc(key, answerer, owner));
}

/* A route of sim_route_start's is answered: judged against the ring of
 * this moment. */
static void
sim_route_done(struct sim *s, struct sim_route *r, const struct ov_event *ev)
{
	const struct ov_id	*owner = sim_member_owner(s, &r->key);

	if (r->done)
		return;
	r->done = true;
	r->error = ev->error;
	r->hops = ev->hops;
	r->rtt_ms = s->now - r->started;
	r->ok = ev->error == 0 && owner != NULL &&
	    (ov_id_eq(&ev->responsible, owner) ||
	    sim_was_owner(s, &ev->responsible, &r->key, owner)) &&
	    ev->npath == ev->hops && (ev->npath == 0 ||
	    ov_id_eq(&ev->path[ev->npath - 1], &ev->responsible));
}

static void
sim_act_event(struct sim *s, unsigned i, struct ov_action *a)
{
	struct sim_result	*r;
	struct sim_ticket	*t;
	const struct ov_fetched	*f;
	const struct ov_statted	*st;

	/*
	 * The answers to the location service's requests are its own; it
	 * takes what it keeps of them, the rest is freed here, as the
	 * daemon does.
	 */
	if (s->nodes[i]->loc != NULL &&
	    loc_input(s->nodes[i]->loc, s->now, &a->ev)) {
		ov_node_fetched_free(a->ev.fetched);
		ov_node_statted_free(a->ev.statted);
		return;
	}
	f = a->ev.fetched;
	st = a->ev.statted;
	if ((a->ev.type == OV_EV_STORED || a->ev.type == OV_EV_FETCHED ||
	    a->ev.type == OV_EV_STAT || a->ev.type == OV_EV_FOUND ||
	    a->ev.type == OV_EV_APP_ATTACH) &&
	    a->ev.cookie >= SIM_TICKET &&
	    a->ev.cookie - SIM_TICKET < s->ntickets) {
		t = &s->tickets[a->ev.cookie - SIM_TICKET];
		t->done = true;
		t->error = a->ev.error;
		if (f != NULL && f->n > 0 && f->v[0].s.v.len < sizeof t->value)
			memcpy(t->value, f->v[0].s.v.data, f->v[0].s.v.len);
		else if (a->ev.type == OV_EV_FETCHED && t->error == 0)
			t->error = ENOENT;
		if (st != NULL && st->ans.kinds[0].nvalues > 0)
			snprintf(t->value, sizeof t->value, "%u values, "
			    "length %u, %s", st->ans.kinds[0].nvalues,
			    st->ans.kinds[0].values[0].value_length,
			    st->ans.kinds[0].values[0].hash_len == 32 ?
			    "sha256" : "no digest");
		if (a->ev.type == OV_EV_APP_ATTACH && t->error == 0) {
			(void)addr_str(&a->ev.app_addr, t->value);
			if (a->ev.app_relayed)
				strcat(t->value, " relayed");
		}
		if (a->ev.type == OV_EV_FOUND && t->error == 0) {
			if (a->ev.has_closest)
				(void)ov_id_hex(&a->ev.closest, t->value);
			else
				snprintf(t->value, sizeof t->value, "none");
		}
	}
	ov_node_fetched_free(a->ev.fetched);
	ov_node_statted_free(a->ev.statted);
	/* a vanished node's view of itself no longer counts */
	if (a->ev.type == OV_EV_STATE && !s->nodes[i]->client &&
	    !s->nodes[i]->gone) {
		if (a->ev.state == OV_ST_JOINED || a->ev.state == OV_ST_ALONE)
			sim_member_add(s, i);
		else
			sim_member_drop(s, i);
	}
	if (a->ev.type == OV_EV_ROUTE && a->ev.cookie >= SIM_ROUTE &&
	    a->ev.cookie - SIM_ROUTE < s->nroutes)
		sim_route_done(s, &s->routes[a->ev.cookie - SIM_ROUTE],
		    &a->ev);
	else if (a->ev.type == OV_EV_ROUTE && a->ev.cookie < s->nresults) {
		r = &s->results[a->ev.cookie];
		r->done = true;
		r->error = a->ev.error;
		r->responsible = a->ev.responsible;
		r->hops = a->ev.hops;
		r->rtt_ms = s->now - r->started;
		r->has_probe = a->ev.has_probe;
		r->path_ok = a->ev.npath == a->ev.hops && (a->ev.npath == 0 ||
		    ov_id_eq(&a->ev.path[a->ev.npath - 1], &a->ev.responsible));
	} else if (a->ev.type == OV_EV_LEFT && s->nodes[i]->leaving)
		sim_kill(s, i);
}

static void
sim_drain(struct sim *s, unsigned i)
{
	struct ov_action	a;

	while (s->nodes[i]->ov != NULL && ov_node_next_action(s->nodes[i]->ov,
	    &a)) {
		switch (a.type) {
		case OV_ACT_CONNECT:
			sim_act_connect(s, i, &a);
			break;
		case OV_ACT_SEND:
			sim_act_send(s, i, &a);
			break;
		case OV_ACT_CLOSE:
			sim_act_close(s, i, &a);
			break;
		case OV_ACT_TRACE:
			free(a.data);
			break;
		case OV_ACT_EVENT:
			sim_act_event(s, i, &a);
			break;
		}
	}
	sim_schedule(s, i);
}

/* ---- events ---- */

static void
sim_ev_connect(struct sim *s, const struct sim_ev *ev)
{
	struct sim_conn	*c = &s->conns[ev->conn];
	unsigned	 a = c->node[0], b = c->node[1];
	struct addr	 from;

	if (!c->open[0])
		return;		/* the connector gave up meanwhile */
	if (b == UINT32_MAX || !sim_reachable(s, a, b) ||
	    s->nodes[b]->leaving) {
		sim_reset(s, ev->conn, 0, sim_delay(s, ev->conn));
		return;
	}
	from = s->nodes[a]->addr;
	from.port = (uint16_t)(40000 + ev->conn % 20000);
	c->link[1] = ov_node_link_accepted(s->nodes[b]->ov, s->now, &from);
	if (c->link[1] == 0) {
		sim_reset(s, ev->conn, 0, sim_delay(s, ev->conn));
		sim_drain(s, b);
		return;
	}
	c->open[1] = true;
	sim_node_add_conn(s, b, ev->conn, c->link[1]);
	/* TLS: each side learns the other's Node-ID from its certificate */
	ov_node_link_up(s->nodes[b]->ov, s->now, c->link[1],
	    &s->nodes[a]->id);
	sim_drain(s, b);
	sim_push(s, SIM_UP, ev->conn, 0, s->now + sim_delay(s, ev->conn), NULL,
	    0);
}

static void
sim_dispatch(struct sim *s, struct sim_ev *ev)
{
	/* a tick has no connection (a lone node may have none at all) */
	struct sim_conn	*c = ev->type != SIM_TICK && ev->type != SIM_REAP ?
			    &s->conns[ev->conn] : NULL;
	unsigned	 to = c != NULL ? c->node[ev->side] : ev->node;

	switch (ev->type) {
	case SIM_REAP:
		sim_kill(s, ev->node);
		return;
	case SIM_TICK:
		if (!s->nodes[ev->node]->alive ||
		    s->nodes[ev->node]->tick_at != ev->at)
			return;
		s->nodes[ev->node]->tick_at = UINT64_MAX;
		ov_node_tick(s->nodes[ev->node]->ov, s->now);
		if (s->nodes[ev->node]->loc != NULL)
			loc_tick(s->nodes[ev->node]->loc, s->now);
		sim_drain(s, ev->node);
		return;
	case SIM_CONNECT:
		sim_ev_connect(s, ev);
		return;
	case SIM_UP:
		if (!c->open[0] || !s->nodes[to]->alive)
			return;
		c->established = true;
		ov_node_link_up(s->nodes[to]->ov, s->now, c->link[0],
		    &s->nodes[c->node[1]]->id);
		break;
	case SIM_DATA:
		if (!c->open[ev->side] || !s->nodes[to]->alive)
			break;
		ov_node_link_input(s->nodes[to]->ov, s->now,
		    c->link[ev->side], ev->data, ev->len);
		break;
	case SIM_KEEPALIVE:
		/* both kernels time it out: ETIMEDOUT on each side */
		if (c->node[1] != UINT32_MAX &&
		    !sim_reachable(s, c->node[0], c->node[1])) {
			sim_reset(s, ev->conn, 0, 0);
			sim_reset(s, ev->conn, 1, 0);
		}
		return;
	case SIM_RESET:
		if (!c->open[ev->side] || !s->nodes[to]->alive)
			return;
		c->open[ev->side] = false;
		sim_node_drop_conn(s, to, ev->conn);
		ov_node_link_down(s->nodes[to]->ov, s->now, c->link[ev->side]);
		break;
	}
	sim_drain(s, to);
}

void
sim_run(struct sim *s, uint64_t duration)
{
	uint64_t	end = s->now + duration;
	struct sim_ev	ev;

	while (s->nheap > 0 && s->heap[0].at <= end) {
		heap_pop(s, &ev);
		s->now = ev.at;
		sim_dispatch(s, &ev);
		free(ev.data);
	}
	s->now = end;
}

/* ---- setup ---- */

void
sim_opts_default(struct sim_opts *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->verbose_node = -1;
	o->latency_ms = 10;
	o->jitter_ms = 5;
	o->resend_ms = 200;
	o->node.overlay = "sim.p2psipd.test";
	o->node.npred = 3;
	o->node.nsucc = 3;
	o->node.nfingers = 16;
	o->node.initial_ttl = 100;
	o->node.max_message_size = 5000;
	o->node.reliability_ms = 3000;
	o->node.update_interval_ms = 600000;
	o->node.finger_interval_ms = 3600000;
	o->node.probe_interval_ms = 60000;
	o->node.partition_interval_ms = 600000;
	o->node.link_timeout_ms = 30000;
	o->node.max_links = 128;
	o->node.max_pending = 512;
	o->loc_expires = 3600;
	o->loc_max_lifetime = 86400;
}

struct sim *
sim_new(const struct sim_opts *o)
{
	struct sim	*s = xcalloc(1, sizeof *s);

	s->o = *o;
	rng_xoshiro_seed(&s->xs, o->seed);
	s->rng.fill = rng_xoshiro_fill;
	s->rng.arg = &s->xs;
	return s;
}

void
sim_free(struct sim *s)
{
	unsigned	i;

	for (i = 0; i < s->nnodes; i++) {
		loc_free(s->nodes[i]->loc);
		ov_node_free(s->nodes[i]->ov);
		free(s->nodes[i]->user);
		free(s->nodes[i]->conns);
		free(s->nodes[i]->conn_link);
		free(s->nodes[i]);
	}
	for (i = 0; i < s->nheap; i++)
		free(s->heap[i].data);
	free(s->heap);
	free(s->nodes);
	free(s->conns);
	free(s->results);
	free(s->tickets);
	free(s->routes);
	free(s->members);
	free(s);
}

static void
sim_log(int level, const char *tag, const char *msg, void *arg)
{
	struct sim	*s = arg;

	fprintf(stderr, "%8.3f %s %d %s\n", (double)s->now / 1000, tag, level,
	    msg);
}

static void
sim_crypto_init(struct sim_node *n)
{
	struct ov_crypto *c = &n->crypto.c;

	n->crypto.id = n->id;
	c->sign = sim_sign;
	c->verify = sim_verify;
	c->key_id = sim_key_id;
	c->arg = n->crypto.id.b;
	c->hash_alg = 4;	/* sha256 */
	c->sig_alg = 3;		/* ecdsa */
	c->id_hash_alg = 4;
	c->cert = n->crypto.id.b;
	c->cert_len = OV_ID_LEN;
	c->cert_hash = n->crypto.id.b;
	c->cert_hash_len = OV_ID_LEN;
}

/* Node i's address, also before it exists (a bootstrap list may name
 * nodes that start later). */
static void
sim_addr_of(unsigned i, struct addr *a)
{
	memset(a, 0, sizeof *a);
	a->family = 4;
	a->ip[0] = 10;
	a->ip[1] = (uint8_t)(i >> 16);
	a->ip[2] = (uint8_t)(i >> 8);
	a->ip[3] = (uint8_t)i;
	a->port = 6084;
}

static struct sim_node *
sim_node_new(struct sim *s, unsigned *idx)
{
	struct sim_node	*n;

	if (s->nnodes == s->nodes_cap) {
		s->nodes_cap = s->nodes_cap ? s->nodes_cap * 2 : 64;
		s->nodes = xreallocarray(s->nodes, s->nodes_cap,
		    sizeof *s->nodes);
	}
	*idx = s->nnodes++;
	/* one allocation per node: the core keeps pointers into it */
	n = s->nodes[*idx] = xcalloc(1, sizeof *n);
	n->sim = s;
	n->idx = *idx;
	s->rng.fill(n->id.b, OV_ID_LEN, s->rng.arg);
	rng_xoshiro_seed(&n->xs, rng_u64(&s->rng));
	n->rng.fill = rng_xoshiro_fill;
	n->rng.arg = &n->xs;
	sim_addr_of(*idx, &n->addr);
	if (s->o.spatial_ms != 0) {
		n->x = (double)rng_below(&s->rng, 1000000) / 1e6;
		n->y = (double)rng_below(&s->rng, 1000000) / 1e6;
	}
	n->alive = true;
	n->tick_at = UINT64_MAX;
	snprintf(n->tag, sizeof n->tag, "n%u", *idx);
	n->lc.cb = s->o.verbose || s->o.verbose_node == (int)*idx ? sim_log :
	    NULL;
	n->lc.arg = s;
	n->lc.tag = n->tag;
	n->lc.level = LC_DEBUG;
	sim_crypto_init(n);
	return n;
}

static unsigned sim_add_node(struct sim *, const unsigned *, unsigned,
    bool);

unsigned
sim_add_with(struct sim *s, const unsigned *boot, unsigned nboot)
{
	return sim_add_node(s, boot, nboot, false);
}

unsigned
sim_add_client(struct sim *s, const unsigned *boot, unsigned nboot)
{
	return sim_add_node(s, boot, nboot, true);
}

static unsigned
sim_add_node(struct sim *s, const unsigned *boot, unsigned nboot,
    bool client)
{
	struct ov_node_cfg	 cfg = s->o.node;
	struct addr		*addrs = xcalloc(nboot + 1, sizeof *addrs);
	struct sim_node		*n;
	unsigned		 idx, i;

	n = sim_node_new(s, &idx);
	for (i = 0; i < nboot; i++)
		sim_addr_of(boot[i], &addrs[i]);
	cfg.self = n->id;
	cfg.self_addr = n->addr;
	cfg.bootstrap = addrs;
	cfg.nbootstrap = nboot;
	if (ov_node_new(&n->ov, &cfg, &n->crypto.c, &n->rng, &n->lc) != 0)
		abort();
	free(addrs);
	n->client = client;
	ov_node_set_client(n->ov, s->now, client);
	ov_node_start(n->ov, s->now);
	sim_drain(s, idx);
	return idx;
}

/*
 * Start n nodes within spread_ms of each other at random moments, as a
 * host or data-centre restart does: the node k-th in a random chain order
 * bootstraps through the (k-1)-th, which may start later than it (its
 * address is known; a connection to it is refused until it runs).
 */
static int
uint_cmp(const void *a, const void *b)
{
	unsigned	x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

void
sim_start_chain(struct sim *s, unsigned n, unsigned spread_ms)
{
	struct rng	*r = &s->rng;
	unsigned	*chain = xcalloc(n + 1, sizeof *chain);
	unsigned	*at = xcalloc(n + 1, sizeof *at);
	unsigned	*idx = xcalloc(n + 1, sizeof *idx);
	unsigned	 base = s->nnodes, i, j, t, boot;
	uint64_t	 t0 = s->now;

	/* node index i (creation order) has a random start time, sorted */
	for (i = 0; i < n; i++)
		at[i] = spread_ms > 0 ? (unsigned)rng_below(r, spread_ms + 1) :
		    0;
	qsort(at, n, sizeof *at, uint_cmp);
	/* chain[k]: the node index at position k of the chain */
	for (i = 0; i < n; i++)
		chain[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = (unsigned)rng_below(r, i + 1);
		t = chain[i]; chain[i] = chain[j]; chain[j] = t;
	}
	for (i = 0; i < n; i++)
		idx[chain[i]] = i;
	for (i = 0; i < n; i++) {
		if (t0 + at[i] > s->now)
			sim_run(s, t0 + at[i] - s->now);
		if (idx[i] == 0)
			sim_add_with(s, NULL, 0);
		else {
			boot = base + chain[idx[i] - 1];
			sim_add_with(s, &boot, 1);
		}
	}
	free(chain);
	free(at);
	free(idx);
}

unsigned
sim_add(struct sim *s, unsigned nboot)
{
	unsigned	*boot = xcalloc(nboot + 1, sizeof *boot);
	unsigned	 i, k = 0, tries;

	/* random picks, not a count of the live first: under churn there
	 * are hundreds of thousands of nodes, most of them dead */
	for (tries = 0; k < nboot && s->nnodes > 0 && tries < 100 * nboot;
	    tries++) {
		i = (unsigned)rng_below(&s->rng, s->nnodes);
		if (sim_alive(s, i))
			boot[k++] = i;
	}
	i = sim_add_with(s, boot, k);
	free(boot);
	return i;
}

uint64_t
sim_now(const struct sim *s)
{
	return s->now;
}

unsigned
sim_count(const struct sim *s)
{
	return s->nnodes;
}

bool
sim_alive(const struct sim *s, unsigned i)
{
	return i < s->nnodes && s->nodes[i]->alive &&
	    !s->nodes[i]->leaving && !s->nodes[i]->gone;
}

struct ov_node *
sim_node(struct sim *s, unsigned i)
{
	return s->nodes[i]->ov;
}

uint64_t
sim_seed(const struct sim *s)
{
	return s->o.seed;
}

const char *
sim_overlay(const struct sim *s)
{
	return s->o.node.overlay;
}

void
sim_kill(struct sim *s, unsigned i)
{
	struct sim_node	*n = s->nodes[i];
	struct sim_conn	*c;
	unsigned	 k;
	int		 side;

	if (!n->alive)
		return;
	/* the kernel resets every connection of the dead process */
	for (k = 0; k < n->nconns; k++) {
		c = &s->conns[n->conns[k]];
		side = c->node[0] == i ? 0 : 1;
		c->open[side] = false;
		if (c->node[!side] != UINT32_MAX && c->open[!side])
			sim_reset(s, n->conns[k], !side,
			    sim_delay(s, n->conns[k]));
	}
	n->nconns = 0;
	n->alive = false;
	sim_member_drop(s, i);
	s->dead_msgs += ov_node_stats(n->ov)->msgs_sent;
	loc_free(n->loc);
	n->loc = NULL;
	ov_node_free(n->ov);
	n->ov = NULL;
}

void
sim_leave(struct sim *s, unsigned i)
{
	if (!s->nodes[i]->alive || s->nodes[i]->leaving)
		return;
	s->nodes[i]->leaving = true;
	sim_member_drop(s, i);
	ov_node_leave(s->nodes[i]->ov, s->now);
	sim_drain(s, i);
}

void
sim_partition(struct sim *s, unsigned i, unsigned g)
{
	struct sim_node	*n = s->nodes[i];
	unsigned	 k;

	n->group = g;
	/* The daemon sets TCP keepalives to time an idle link out after
	 * link_timeout; the connections now cut do so then. */
	for (k = 0; k < n->nconns; k++)
		sim_push(s, SIM_KEEPALIVE, n->conns[k], 0,
		    s->now + s->o.node.link_timeout_ms, NULL, 0);
}

void
sim_vanish(struct sim *s, unsigned i)
{
	struct sim_node	*n = s->nodes[i];
	struct sim_ev	 ev;

	if (!n->alive || n->gone)
		return;
	n->gone = true;
	n->gone_at = s->now;
	sim_member_drop(s, i);
	/*
	 * Its peers' connections stall until their keepalives run out, as in
	 * a partition.  Deviation from a real host: a connection attempt to
	 * it meanwhile is refused at once (as to any unreachable node here),
	 * where the SYN would go unanswered.
	 */
	sim_partition(s, i, SIM_GONE);
	memset(&ev, 0, sizeof ev);
	ev.type = SIM_REAP;
	ev.node = i;
	ev.at = s->now + s->o.node.link_timeout_ms + 1;
	heap_push(s, &ev);
}

unsigned
sim_members(const struct sim *s)
{
	return s->nmembers;
}

unsigned
sim_member(const struct sim *s, unsigned k)
{
	return s->members[k].idx;
}

unsigned
sim_route_start(struct sim *s, unsigned from, const struct ov_id *key)
{
	struct sim_route	*r;
	unsigned		 t;

	if (s->nroutes == s->routes_cap) {
		s->routes_cap = s->routes_cap ? s->routes_cap * 2 : 1024;
		s->routes = xreallocarray(s->routes, s->routes_cap,
		    sizeof *s->routes);
	}
	t = s->nroutes++;	/* before the query: it may answer at once */
	r = &s->routes[t];
	memset(r, 0, sizeof *r);
	r->key = *key;
	r->from = from;
	r->started = s->now;
	if (!sim_alive(s, from) || ov_node_query(s->nodes[from]->ov, s->now,
	    OV_Q_PING, key, false, SIM_ROUTE + t) != 0) {
		r->done = true;
		r->error = -1;
	} else
		sim_drain(s, from);
	return t;
}

const struct sim_route *
sim_route(const struct sim *s, unsigned t)
{
	return t < s->nroutes ? &s->routes[t] : NULL;
}

uint64_t
sim_bytes(const struct sim *s)
{
	return s->bytes;
}

static int
id_cmp(const void *a, const void *b)
{
	return ov_id_cmp(a, b);
}

/* The live nodes' ids, sorted; *n set. */
static struct ov_id *
sim_ring(const struct sim *s, unsigned *n)
{
	struct ov_id	*ids = xcalloc(s->nnodes + 1, sizeof *ids);
	unsigned	 i;

	*n = 0;
	for (i = 0; i < s->nnodes; i++)
		if (sim_alive(s, i) && !s->nodes[i]->client)
			ids[(*n)++] = s->nodes[i]->id;
	qsort(ids, *n, sizeof *ids, id_cmp);
	return ids;
}

/* The index in ring of the first id >= k (the responsible one). */
static unsigned
sim_owner(const struct ov_id *ring, unsigned n, const struct ov_id *k)
{
	unsigned	lo = 0, hi = n;

	while (lo < hi) {
		unsigned	mid = (lo + hi) / 2;

		if (ov_id_cmp(&ring[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == n ? 0 : lo;
}

bool
sim_ring_ok(const struct sim *s, unsigned *wrong)
{
	const struct ov_chord	*c;
	struct ov_id		*ring;
	unsigned		 n, i, at;
	enum ov_state		 st;

	ring = sim_ring(s, &n);
	*wrong = 0;
	for (i = 0; i < s->nnodes; i++) {
		if (!sim_alive(s, i))
			continue;
		c = ov_node_chord(s->nodes[i]->ov);
		st = ov_node_state(s->nodes[i]->ov);
		if (s->nodes[i]->client) {
			*wrong += st != OV_ST_CLIENT;
			continue;
		}
		at = sim_owner(ring, n, &s->nodes[i]->id);
		if (n == 1) {
			*wrong += st != OV_ST_ALONE;
			continue;
		}
		if (st != OV_ST_JOINED || c->nsucc == 0 || c->npred == 0 ||
		    !ov_id_eq(&c->succ[0], &ring[(at + 1) % n]) ||
		    !ov_id_eq(&c->pred[0], &ring[(at + n - 1) % n]))
			(*wrong)++;
	}
	free(ring);
	return *wrong == 0;
}

static unsigned
uf_find(unsigned *up, unsigned x)
{
	while (up[x] != x)
		x = up[x] = up[up[x]];
	return x;
}

/* Join the sets of ring positions a and b of the node whose ids link them. */
static void
uf_link(unsigned *up, const struct ov_id *ring, unsigned n, unsigned a,
    const struct ov_id *id)
{
	unsigned	b = sim_owner(ring, n, id);

	if (ov_id_eq(&ring[b], id))
		up[uf_find(up, a)] = uf_find(up, b);
}

unsigned
sim_rings(const struct sim *s)
{
	const struct ov_chord	*c;
	struct ov_id		*ring;
	unsigned		*up, n, i, at, k = 0;

	ring = sim_ring(s, &n);
	up = xcalloc(n + 1, sizeof *up);
	for (i = 0; i < n; i++)
		up[i] = i;
	for (i = 0; i < s->nnodes; i++) {
		if (!sim_alive(s, i) || s->nodes[i]->client)
			continue;
		c = ov_node_chord(s->nodes[i]->ov);
		at = sim_owner(ring, n, &s->nodes[i]->id);
		if (c->nsucc > 0)
			uf_link(up, ring, n, at, &c->succ[0]);
		if (c->npred > 0)
			uf_link(up, ring, n, at, &c->pred[0]);
	}
	for (i = 0; i < n; i++)
		k += uf_find(up, i) == i;
	free(up);
	free(ring);
	return k;
}

/* Send lookup i of s->results: (from, key) set. */
static void
sim_lookup_send(struct sim *s, unsigned i, enum ov_query q)
{
	struct sim_result	*r = &s->results[i];
	unsigned		 from = r->from;

	r->done = false;
	r->error = 0;
	r->started = s->now;
	if (!sim_alive(s, from) || ov_node_query(s->nodes[from]->ov, s->now,
	    q, &r->key, false, i) != 0) {
		r->done = true;
		r->error = -1;
	}
	if (sim_alive(s, from))
		sim_drain(s, from);
	sim_run(s, 2);		/* spread them a little */
}

/* Wait for the answers of s->results and judge them. */
static void
sim_lookups_judge(struct sim *s, enum ov_query q,
    struct sim_lookup_stats *st)
{
	struct ov_id	*ring;
	unsigned	 n, i, hops = 0;
	uint64_t	 ms = 0;

	memset(st, 0, sizeof *st);
	sim_run(s, 20000);
	ring = sim_ring(s, &n);
	for (i = 0; i < s->nresults; i++) {
		st->tried++;
		if (!s->results[i].done || s->results[i].error != 0) {
			st->failed++;
			continue;
		}
		if (n == 0 || !ov_id_eq(&s->results[i].responsible,
		    &ring[sim_owner(ring, n, &s->results[i].key)]) ||
		    !s->results[i].path_ok ||
		    s->results[i].has_probe != (q == OV_Q_PROBE)) {
			st->wrong++;
			continue;
		}
		hops += s->results[i].hops;
		ms += s->results[i].rtt_ms;
		if (s->results[i].hops > st->max_hops)
			st->max_hops = s->results[i].hops;
		st->ok++;
	}
	st->mean_hops = st->ok ? (double)hops / st->ok : 0;
	st->mean_ms = st->ok ? (double)ms / st->ok : 0;
	free(ring);
}

void
sim_lookups(struct sim *s, unsigned count, enum ov_query q,
    struct sim_lookup_stats *st)
{
	unsigned	 i, tries;

	free(s->results);
	s->results = xcalloc(count + 1, sizeof *s->results);
	s->nresults = count;
	for (i = 0; i < count; i++) {
		for (tries = 0; tries < 1000; tries++) {
			s->results[i].from = (unsigned)rng_below(&s->rng,
			    s->nnodes);
			if (sim_alive(s, s->results[i].from))
				break;
		}
		s->rng.fill(s->results[i].key.b, OV_ID_LEN, s->rng.arg);
		sim_lookup_send(s, i, q);
	}
	sim_lookups_judge(s, q, st);
}

void
sim_lookups_again(struct sim *s, enum ov_query q,
    struct sim_lookup_stats *st)
{
	unsigned	i;

	for (i = 0; i < s->nresults; i++)
		sim_lookup_send(s, i, q);
	sim_lookups_judge(s, q, st);
}

/* ---- storage ---- */

static unsigned
sim_ticket_new(struct sim *s)
{
	if (s->ntickets == s->tickets_cap) {
		s->tickets_cap = s->tickets_cap ? s->tickets_cap * 2 : 256;
		s->tickets = xreallocarray(s->tickets, s->tickets_cap,
		    sizeof *s->tickets);
	}
	memset(&s->tickets[s->ntickets], 0, sizeof s->tickets[0]);
	return s->ntickets++;
}

/* TURN-SERVICE's Resource-ID for node j and i (§7.3.4: H(Node-ID||i)). */
void
sim_turn_res(const struct sim *s, unsigned j, uint8_t idx, struct ov_id *res)
{
	uint8_t	buf[OV_ID_LEN + 1];

	memcpy(buf, s->nodes[j]->id.b, OV_ID_LEN);
	buf[OV_ID_LEN] = idx;
	ov_id_resource(buf, sizeof buf, res);
}

static void
sim_ticket_failed(struct sim *s, unsigned t, int error)
{
	s->tickets[t].done = true;
	s->tickets[t].error = error;
}

unsigned
sim_store(struct sim *s, unsigned i, uint8_t idx, const char *data)
{
	struct ov_stored	v;
	struct ov_sigbuf	b;
	struct ov_kind_data	kd;
	struct ov_id		res;
	unsigned		t = sim_ticket_new(s);
	int			rc;

	sim_turn_res(s, i, idx, &res);
	memset(&v, 0, sizeof v);
	v.storage_time = s->now + 1;
	v.lifetime = 3600;
	v.v.exists = true;
	v.v.data = (const uint8_t *)data;
	v.v.len = (uint32_t)strlen(data);
	memset(&kd, 0, sizeof kd);
	kd.kind = OV_KIND_TURN_SERVICE;
	kd.k = ov_kind_find(ov_kind_all, ov_kind_nall, kd.kind);
	kd.values = &v;
	kd.nvalues = 1;
	if (!s->nodes[i]->alive ||
	    ov_node_sign(s->nodes[i]->ov, &res, kd.kind, &v, &b) != 0)
		rc = EINVAL;
	else
		rc = ov_node_store(s->nodes[i]->ov, s->now, &res, &kd, NULL, 0,
		    SIM_TICKET + t);
	if (rc != 0)
		sim_ticket_failed(s, t, rc);
	else
		sim_drain(s, i);
	return t;
}

static unsigned
sim_ask(struct sim *s, unsigned i, unsigned j, uint8_t idx, bool stat)
{
	struct ov_id	res;
	unsigned	t = sim_ticket_new(s);
	int		rc = EINVAL;

	sim_turn_res(s, j, idx, &res);
	if (s->nodes[i]->alive)
		rc = (stat ? ov_node_stat : ov_node_fetch)(s->nodes[i]->ov,
		    s->now, &res, OV_KIND_TURN_SERVICE, SIM_TICKET + t);
	if (rc != 0)
		sim_ticket_failed(s, t, rc);
	else
		sim_drain(s, i);
	return t;
}

unsigned
sim_fetch(struct sim *s, unsigned i, unsigned j, uint8_t idx)
{
	return sim_ask(s, i, j, idx, false);
}

unsigned
sim_stat(struct sim *s, unsigned i, unsigned j, uint8_t idx)
{
	return sim_ask(s, i, j, idx, true);
}

unsigned
sim_find(struct sim *s, unsigned i, const struct ov_id *res)
{
	unsigned	t = sim_ticket_new(s);
	int		rc = EINVAL;

	if (s->nodes[i]->alive)
		rc = ov_node_find(s->nodes[i]->ov, s->now, res,
		    OV_KIND_TURN_SERVICE, SIM_TICKET + t);
	if (rc != 0)
		sim_ticket_failed(s, t, rc);
	else
		sim_drain(s, i);
	return t;
}

unsigned
sim_app_attach(struct sim *s, unsigned i, unsigned j)
{
	struct ov_id	route[2];
	unsigned	t = sim_ticket_new(s), n;
	int		rc = EINVAL;

	n = ov_node_self_route(s->nodes[j]->ov, route);
	if (s->nodes[i]->alive)
		rc = ov_node_app_attach(s->nodes[i]->ov, s->now, route, n,
		    OV_APP_SIP, SIM_TICKET + t);
	if (rc != 0)
		sim_ticket_failed(s, t, rc);
	else
		sim_drain(s, i);
	return t;
}

int
sim_ticket(const struct sim *s, unsigned t, char *buf, size_t max)
{
	if (t >= s->ntickets || !s->tickets[t].done)
		return -1;
	if (buf != NULL && max > 0)
		snprintf(buf, max, "%s", s->tickets[t].value);
	return s->tickets[t].error;
}

unsigned
sim_copies(struct sim *s, unsigned j, uint8_t idx)
{
	struct ov_id	res;
	unsigned	i, k = 0;

	sim_turn_res(s, j, idx, &res);
	for (i = 0; i < s->nnodes; i++)
		k += s->nodes[i]->alive && ov_node_holds(s->nodes[i]->ov,
		    s->now, &res, OV_KIND_TURN_SERVICE);
	return k;
}

uint64_t
sim_values_held(const struct sim *s)
{
	struct ov_held_stats	st;
	uint64_t		total = 0;
	unsigned		i;

	for (i = 0; i < s->nnodes; i++) {
		if (!s->nodes[i]->alive)
			continue;
		ov_node_held_stats(s->nodes[i]->ov, &st);
		total += st.values;
	}
	return total;
}

uint64_t
sim_connects(const struct sim *s)
{
	return s->connects;
}

uint64_t
sim_messages(const struct sim *s)
{
	uint64_t	m = s->dead_msgs;
	unsigned	i;

	for (i = 0; i < s->nnodes; i++)
		if (s->nodes[i]->ov != NULL)
			m += ov_node_stats(s->nodes[i]->ov)->msgs_sent;
	return m;
}

void
sim_dump(const struct sim *s, FILE *f)
{
	const struct ov_chord	*c;
	struct ov_id		*ring;
	char			 a[OV_ID_HEXLEN], b[OV_ID_HEXLEN],
				 d[OV_ID_HEXLEN], e[OV_ID_HEXLEN],
				 g[OV_ID_HEXLEN];
	static const char	 none[OV_ID_HEXLEN] = "-";
	unsigned		 n, i, at;

	ring = sim_ring(s, &n);
	for (i = 0; i < s->nnodes; i++) {
		if (!sim_alive(s, i))
			continue;
		c = ov_node_chord(s->nodes[i]->ov);
		at = sim_owner(ring, n, &s->nodes[i]->id);
		ov_id_hex(&s->nodes[i]->id, a);
		ov_id_hex(&ring[(at + n - 1) % n], b);
		ov_id_hex(&ring[(at + 1) % n], d);
		if (c->npred)
			ov_id_hex(&c->pred[0], e);
		else
			memcpy(e, none, sizeof e);
		if (c->nsucc)
			ov_id_hex(&c->succ[0], g);
		else
			memcpy(g, none, sizeof g);
		fprintf(f, "n%-4u %.8s %-7s pred %.8s (true %.8s) succ %.8s "
		    "(true %.8s)%s\n", i, a,
		    ov_node_state_name(ov_node_state(s->nodes[i]->ov)), e, b, g,
		    d,
		    strncmp(e, b, 8) || strncmp(g, d, 8) ? "  <--" : "");
	}
	free(ring);
}

/* ---- the location service ---- */

int
sim_user_cred(struct sim *s, unsigned i, const char *user,
    struct loc_cred *c)
{
	struct sim_node	*n = s->nodes[i];
	struct sim_user	*u;
	size_t		 len = strlen(user), der_len = OV_ID_LEN + len;

	if (len == 0 || len >= OV_USER_MAX)
		return EINVAL;
	if (n->user == NULL)
		n->user = xcalloc(1, sizeof *n->user);
	u = n->user;
	u->bucket[0] = OV_CERT_X509;
	u->bucket[1] = (uint8_t)(der_len >> 8);
	u->bucket[2] = (uint8_t)der_len;
	memcpy(u->bucket + 3, n->id.b, OV_ID_LEN);
	memcpy(u->bucket + 3 + OV_ID_LEN, user, len);
	sim_digest((const uint8_t *)user, len, u->key);
	sim_digest(u->bucket + 3, der_len, u->hash);
	u->c = n->crypto.c;
	u->c.arg = u->key;
	u->c.cert = u->bucket + 3;
	u->c.cert_len = der_len;
	u->c.cert_hash = u->hash;
	u->c.cert_hash_len = OV_ID_LEN;
	c->crypto = &u->c;
	c->bucket = u->bucket;
	c->bucket_len = 3 + der_len;
	return 0;
}

/* The location core's cred callback; arg: the sim_node. */
static int
sim_loc_cred(const char *aor, struct loc_cred *c, char **err, void *arg)
{
	struct sim_node	*n = arg;

	if (strncmp(aor, "nokey", 5) == 0 ||
	    sim_user_cred(n->sim, n->idx, aor, c) != 0) {
		*err = xasprintf("%s: no key for this user", aor);
		return ENOENT;
	}
	return 0;
}

struct loc *
sim_loc_with(struct sim *s, unsigned i, const struct loc_cfg *cfg)
{
	struct sim_node	*n = s->nodes[i];
	struct loc_cfg	 lc;

	if (!n->alive)
		return NULL;
	if (n->loc != NULL)
		return n->loc;
	memset(&lc, 0, sizeof lc);
	lc.wall_offset_ms = s->o.node.wall_offset_ms;
	if (cfg != NULL)
		lc = *cfg;
	if (lc.overlay == NULL)
		lc.overlay = s->o.node.overlay;
	if (lc.default_expires == 0)
		lc.default_expires = s->o.loc_expires;
	if (lc.max_lifetime == 0)
		lc.max_lifetime = s->o.loc_max_lifetime;
	if (lc.cred == NULL) {
		lc.cred = sim_loc_cred;
		lc.cred_arg = n;
	}
	if (loc_new(&n->loc, &lc, n->ov, &n->rng, &n->lc) != 0)
		abort();
	sim_schedule(s, i);
	return n->loc;
}

struct loc *
sim_loc(struct sim *s, unsigned i)
{
	return sim_loc_with(s, i, NULL);
}

bool
sim_loc_next_action(struct sim *s, unsigned i, struct loc_action *a)
{
	return s->nodes[i]->loc != NULL && loc_next_action(s->nodes[i]->loc,
	    a);
}

void
sim_loc_results(struct sim *s, void (*fn)(const struct loc_result *, void *),
    void *arg)
{
	struct loc_action	act;
	unsigned		i;

	for (i = 0; i < s->nnodes; i++)
		while (sim_loc_next_action(s, i, &act)) {
			if (act.type == LOC_ACT_RESULT)
				fn(&act.res, arg);
			loc_action_clear(&act);
		}
}

void
sim_loc_drop(struct sim *s, unsigned i)
{
	loc_free(s->nodes[i]->loc);
	s->nodes[i]->loc = NULL;
}

void
sim_poke(struct sim *s, unsigned i)
{
	if (s->nodes[i]->alive)
		sim_drain(s, i);
}
