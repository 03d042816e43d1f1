/*
 * sip_txn.c - RFC 3261 §17 transactions.
 *
 * States (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2):
 *   INVITE client:     Calling -> Proceeding -> Completed -> Terminated
 *   non-INVITE client: Trying -> Proceeding -> Completed -> Terminated
 *   INVITE server:     Proceeding -> Completed -> Confirmed -> Terminated
 *   non-INVITE server: Trying -> Proceeding -> Completed -> Terminated
 * A 2xx ends an INVITE transaction at once (§17.1.1.2, §17.2.1): the
 * user retransmits and acknowledges 2xx itself.
 *
 * Each transaction has at most two timers running: a retransmission
 * timer (A, E, G) and a timeout (B, D, F, H, I, J, K), plus, for an
 * INVITE server, the 200 ms after which it sends 100 Trying itself if
 * the user has not answered (§17.2.1).  Transactions sit in a hash by
 * their matching key and in a heap by their next deadline, or, waiting
 * out a fixed time past their answer, in a FIFO of that wait.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "log_ctx.h"
#include "sip_msg.h"
#include "sip_txn.h"
#include "slab.h"
#include "wire.h"
#include "xmalloc.h"

#define SIP_MAGIC	"z9hG4bK"	/* §8.1.1.7 */
#define SIP_TRYING_MS	200		/* §17.2.1 */
#define SIP_BUCKETS_MIN	64		/* the tables' least size */
#define SIP_WAITQ	4		/* waits of different lengths */

enum sip_txn_state {
	ST_CALLING,
	ST_TRYING,
	ST_PROCEEDING,
	ST_COMPLETED,
	ST_CONFIRMED,
};

struct sip_txn {
	uint64_t	 id;
	uint64_t	 cookie;
	bool		 client;
	bool		 invite;
	enum sip_txn_state state;
	char		*key;
	uint32_t	 hash;
	struct sip_txn	*hnext;		/* in its key's bucket */
	struct sip_txn	*inext;		/* in its id's bucket */
	unsigned	 heap_idx;	/* if waitq < 0 */
	int		 waitq;		/* its wait queue, or -1: the heap */
	TAILQ_ENTRY(sip_txn) wait;	/* in it */
	struct sip_flow	 flow;		/* where we send */
	uint8_t		*req;		/* client: the request; INVITE server:
					   the request, for a 100 */
	size_t		 req_len;
	uint8_t		*out;		/* server: the last response; INVITE
					   client: the ACK */
	size_t		 out_len;
	unsigned	 status;	/* the last response's */
	uint32_t	 interval;	/* retransmission interval */
	uint64_t	 rt_at;		/* retransmit (A, E, G); 0: off */
	uint64_t	 to_at;		/* time out (B D F H I J K); 0: off */
	uint64_t	 trying_at;	/* INVITE server: send 100; 0: off */
};

struct sip_txn_layer {
	struct sip_txn_layer_cfg cfg;
	struct log_ctx		*log;
	struct sip_txn		**buckets;	/* by key */
	struct sip_txn		**ids;		/* by id */
	unsigned		 nbuckets;
	unsigned		 count;
	struct sip_txn		**heap;
	unsigned		 heap_len, heap_cap;
	/*
	 * A transaction past its answer waits a fixed time (Timers D, I,
	 * J, K) and then ends: those with the same wait end in the order
	 * they began it, so a FIFO each holds them, not the heap, which
	 * keeps the few whose timers change.
	 */
	struct sip_waitq {
		uint64_t	 ms;
		TAILQ_HEAD(, sip_txn) q;
	}			 waitq[SIP_WAITQ];
	unsigned		 nwaitq;
	uint64_t		 next_id;
	struct fifo		 acts;		/* of sip_action */
};

static const struct sip_limits sip_txn_lim = { SIP_MSG_MAX_DEFAULT,
    SIP_HDRS_LIMIT };

bool
sip_txn_tp_reliable(enum sip_tp tp)
{
	return tp == SIP_TP_TCP || tp == SIP_TP_TLS;
}

bool
sip_txn_tp_bound(enum sip_tp tp)
{
	return tp != SIP_TP_UDP;
}

const char *
sip_txn_tp_name(enum sip_tp tp)
{
	switch (tp) {
	case SIP_TP_UDP:
		return "UDP";
	case SIP_TP_TCP:
		return "TCP";
	case SIP_TP_TLS:
		return "TLS";
	case SIP_TP_DTLS:
		return "DTLS-UDP";
	}
	return "?";
}

struct sip_txn_layer *
sip_txn_layer_new(const struct sip_txn_layer_cfg *cfg, struct log_ctx *log)
{
	struct sip_txn_layer	*t = xcalloc(1, sizeof *t);

	t->cfg = *cfg;
	if (t->cfg.t1_ms == 0)
		t->cfg.t1_ms = 500;
	if (t->cfg.t2_ms == 0)
		t->cfg.t2_ms = 4000;
	if (t->cfg.t4_ms == 0)
		t->cfg.t4_ms = 5000;
	if (t->cfg.max_txns == 0)
		t->cfg.max_txns = 65536;
	t->log = log;
	t->nbuckets = SIP_BUCKETS_MIN;
	t->buckets = xcalloc(t->nbuckets, sizeof *t->buckets);
	t->ids = xcalloc(t->nbuckets, sizeof *t->ids);
	t->next_id = 1;
	fifo_init(&t->acts, sizeof(struct sip_action));
	return t;
}

/* ---- actions ---- */

static void
sip_push(struct sip_txn_layer *t, const struct sip_action *a)
{
	fifo_push(&t->acts, a);
}

bool
sip_txn_layer_next_action(struct sip_txn_layer *t, struct sip_action *a)
{
	return fifo_pop(&t->acts, a);
}

static void
sip_send(struct sip_txn_layer *t, const struct sip_flow *to, const uint8_t *p,
    size_t len)
{
	struct sip_action	a;

	memset(&a, 0, sizeof a);
	a.type = SIP_ACT_SEND;
	a.flow = *to;
	a.data = xmalloc(len);
	memcpy(a.data, p, len);
	a.len = len;
	sip_push(t, &a);
}

static void
sip_event(struct sip_txn_layer *t, enum sip_act_type type,
    const struct sip_flow *f, uint64_t txn, uint64_t cookie, struct sip_msg *m)
{
	struct sip_action	a;

	memset(&a, 0, sizeof a);
	a.type = type;
	if (f != NULL)
		a.flow = *f;
	a.txn = txn;
	a.cookie = cookie;
	a.msg = m;
	sip_push(t, &a);
}

/* ---- the deadline heap ---- */

static uint64_t
sip_due(const struct sip_txn *x)
{
	uint64_t	d = UINT64_MAX;

	if (x->rt_at != 0 && x->rt_at < d)
		d = x->rt_at;
	if (x->to_at != 0 && x->to_at < d)
		d = x->to_at;
	if (x->trying_at != 0 && x->trying_at < d)
		d = x->trying_at;
	return d;
}

static void
sip_heap_set(struct sip_txn_layer *t, unsigned i, struct sip_txn *x)
{
	t->heap[i] = x;
	x->heap_idx = i;
}

static void
sip_heap_up(struct sip_txn_layer *t, unsigned i)
{
	struct sip_txn	*x = t->heap[i];

	while (i > 0 && sip_due(t->heap[(i - 1) / 2]) > sip_due(x)) {
		sip_heap_set(t, i, t->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	sip_heap_set(t, i, x);
}

static void
sip_heap_down(struct sip_txn_layer *t, unsigned i)
{
	struct sip_txn	*x = t->heap[i];
	unsigned	 c;

	for (; (c = 2 * i + 1) < t->heap_len; i = c) {
		if (c + 1 < t->heap_len &&
		    sip_due(t->heap[c + 1]) < sip_due(t->heap[c]))
			c++;
		if (sip_due(t->heap[c]) >= sip_due(x))
			break;
		sip_heap_set(t, i, t->heap[c]);
	}
	sip_heap_set(t, i, x);
}

/* x's timers changed: put it where it belongs. */
static void
sip_heap_fix(struct sip_txn_layer *t, struct sip_txn *x)
{
	sip_heap_up(t, x->heap_idx);
	sip_heap_down(t, x->heap_idx);
}

static void
sip_heap_add(struct sip_txn_layer *t, struct sip_txn *x)
{
	if (t->heap_len == t->heap_cap) {
		t->heap_cap = t->heap_cap != 0 ? t->heap_cap * 2 : 64;
		t->heap = xreallocarray(t->heap, t->heap_cap,
		    sizeof *t->heap);
	}
	sip_heap_set(t, t->heap_len++, x);
	sip_heap_up(t, x->heap_idx);
}

static void
sip_waitq_del(struct sip_txn_layer *t, struct sip_txn *x)
{
	TAILQ_REMOVE(&t->waitq[x->waitq].q, x, wait);
	x->waitq = -1;
}

static void
sip_heap_del(struct sip_txn_layer *t, struct sip_txn *x)
{
	unsigned	i = x->heap_idx;

	if (--t->heap_len != i) {
		sip_heap_set(t, i, t->heap[t->heap_len]);
		sip_heap_fix(t, t->heap[i]);
	}
	if (t->heap_cap > 64 && t->heap_len < t->heap_cap / 4) {
		t->heap_cap /= 2;
		t->heap = xreallocarray(t->heap, t->heap_cap,
		    sizeof *t->heap);
	}
}

uint64_t
sip_txn_layer_deadline(const struct sip_txn_layer *t)
{
	const struct sip_txn	*x;
	uint64_t		 d = t->heap_len != 0 ? sip_due(t->heap[0]) :
				    UINT64_MAX;
	unsigned		 i;

	for (i = 0; i < t->nwaitq; i++)
		if ((x = TAILQ_FIRST(&t->waitq[i].q)) != NULL && x->to_at < d)
			d = x->to_at;
	return d;
}

unsigned
sip_txn_layer_count(const struct sip_txn_layer *t)
{
	return t->count;
}

/* ---- the key hash ---- */

static uint32_t
sip_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static struct sip_txn *
sip_find(const struct sip_txn_layer *t, const char *key)
{
	uint32_t	 h = sip_hash(key);
	struct sip_txn	*x;

	for (x = t->buckets[h & (t->nbuckets - 1)]; x != NULL; x = x->hnext)
		if (x->hash == h && strcmp(x->key, key) == 0)
			return x;
	return NULL;
}


/* The tables at n buckets (a power of two): twice as many as they fill
 * up, half as many once a quarter full, so that what a load grew is
 * given back when it ends. */
static void
sip_rehash(struct sip_txn_layer *t, unsigned n)
{
	struct sip_txn	**b, **ids, *x, *next;
	unsigned	  i;

	b = xcalloc(n, sizeof *b);
	ids = xcalloc(n, sizeof *ids);
	for (i = 0; i < t->nbuckets; i++) {
		for (x = t->buckets[i]; x != NULL; x = next) {
			next = x->hnext;
			x->hnext = b[x->hash & (n - 1)];
			b[x->hash & (n - 1)] = x;
		}
		for (x = t->ids[i]; x != NULL; x = next) {
			next = x->inext;
			x->inext = ids[x->id & (n - 1)];
			ids[x->id & (n - 1)] = x;
		}
	}
	free(t->buckets);
	free(t->ids);
	t->buckets = b;
	t->ids = ids;
	t->nbuckets = n;
}

/* What x resends (its answer, or the ACK of a non-2xx): a copy of the
 * len bytes at p.  Kept up to Timer J or K, with x's key and x itself,
 * in slabs: the state a load holds by the thousand (slab.h). */
static void
sip_txn_keep(struct sip_txn *x, const void *p, size_t len)
{
	slab_free(x->out);
	x->out = slab_memdup(p, len);
	x->out_len = len;
}

static struct sip_txn *
sip_txn_add(struct sip_txn_layer *t, char *key, bool client, bool invite,
    const struct sip_flow *flow)
{
	struct sip_txn	*x = slab_calloc(1, sizeof *x);
	unsigned	 b;

	if (t->count + 1 > t->nbuckets)
		sip_rehash(t, t->nbuckets * 2);
	x->id = t->next_id++;
	x->key = key;
	x->hash = sip_hash(key);
	x->client = client;
	x->invite = invite;
	x->flow = *flow;
	x->waitq = -1;
	b = x->hash & (t->nbuckets - 1);
	x->hnext = t->buckets[b];
	t->buckets[b] = x;
	b = x->id & (t->nbuckets - 1);
	x->inext = t->ids[b];
	t->ids[b] = x;
	t->count++;
	sip_heap_add(t, x);
	return x;
}

static void
sip_txn_end(struct sip_txn_layer *t, struct sip_txn *x)
{
	struct sip_txn	**pp = &t->buckets[x->hash & (t->nbuckets - 1)];

	while (*pp != x)
		pp = &(*pp)->hnext;
	*pp = x->hnext;
	for (pp = &t->ids[x->id & (t->nbuckets - 1)]; *pp != x; )
		pp = &(*pp)->inext;
	*pp = x->inext;
	if (x->waitq >= 0)
		sip_waitq_del(t, x);
	else
		sip_heap_del(t, x);
	t->count--;
	slab_free(x->key);
	free(x->req);
	slab_free(x->out);
	slab_free(x);
	if (t->nbuckets > SIP_BUCKETS_MIN && t->count < t->nbuckets / 4)
		sip_rehash(t, t->nbuckets / 2);
}

void
sip_txn_layer_free(struct sip_txn_layer *t)
{
	struct sip_action	a;
	unsigned		i;

	if (t == NULL)
		return;
	while (t->heap_len > 0)
		sip_txn_end(t, t->heap[0]);
	for (i = 0; i < t->nwaitq; i++)
		while (!TAILQ_EMPTY(&t->waitq[i].q))
			sip_txn_end(t, TAILQ_FIRST(&t->waitq[i].q));
	while (sip_txn_layer_next_action(t, &a)) {
		free(a.data);
		sip_msg_free(a.msg);
	}
	fifo_clear(&t->acts);
	free(t->heap);
	free(t->buckets);
	free(t->ids);
	free(t);
}

/* ---- matching (§17.1.3, §17.2.3) ---- */

static bool
sip_magic(const struct sip_pl *branch)
{
	return branch->l > 7 && memcmp(branch->p, SIP_MAGIC, 7) == 0;
}

/* What a client transaction is known by: branch and CSeq method. */
static char *
sip_client_key(const struct sip_pl *branch, const struct sip_pl *cseq_method)
{
	return slab_printf("C %.*s %.*s", (int)branch->l, branch->p,
	    (int)cseq_method->l, cseq_method->p);
}

/*
 * What a server transaction is known by: the branch, the sent-by and the
 * method, an ACK taken as its INVITE; for an RFC 2543 request without
 * the magic cookie, the fields that identify it there.
 */
static char *
sip_server_key(const struct sip_msg *m, const char *method)
{
	const struct sip_via	*v = &m->via;

	if (sip_magic(&v->branch))
		return slab_printf("S %.*s %.*s:%u %s", (int)v->branch.l,
		    v->branch.p, (int)v->host.l, v->host.p, v->port, method);
	return slab_printf("S2 %.*s %.*s %.*s %u %.*s:%u %s",
	    (int)m->call_id.l, m->call_id.p, (int)m->from_tag.l,
	    m->from_tag.p, (int)m->ruri_str.l, m->ruri_str.p, m->cseq,
	    (int)v->host.l, v->host.p, v->port, method);
}

static char *
sip_server_key_of(const struct sip_msg *m)
{
	char	method[32];

	if (sip_pl_eq(&m->method, "ACK"))
		return sip_server_key(m, "INVITE");
	snprintf(method, sizeof method, "%.*s", (int)m->method.l,
	    m->method.p);
	return sip_server_key(m, method);
}

uint64_t
sip_txn_layer_find_invite(const struct sip_txn_layer *t,
    const struct sip_msg *cancel)
{
	char		*key = sip_server_key(cancel, "INVITE");
	struct sip_txn	*x = sip_find(t, key);

	slab_free(key);
	return x != NULL && !x->client && x->invite ? x->id : 0;
}

void
sip_txn_layer_response_flow(const struct sip_flow *from,
    const struct sip_msg *req, struct sip_flow *to)
{
	*to = *from;
	if (sip_txn_tp_bound(from->tp))
		return;		/* §18.2.2: the connection it came on */
	/* RFC 3581 §4: with rport, the source port; else the Via's */
	if (!req->via.rport)
		to->remote.port = req->via.port != 0 ? req->via.port : 5060;
}

/* ---- timers ---- */

static void
sip_timers(struct sip_txn_layer *t, struct sip_txn *x, uint64_t now,
    uint32_t rt_ms, uint64_t to_ms)
{
	x->interval = rt_ms;
	x->rt_at = rt_ms != 0 ? now + rt_ms : 0;
	x->to_at = to_ms != 0 ? now + to_ms : 0;
	sip_heap_fix(t, x);
}

/* A state whose wait is 0 on a reliable transport ends at once; else
 * x waits in the queue of that wait (the heap if none is free). */
static bool
sip_wait_or_end(struct sip_txn_layer *t, struct sip_txn *x, uint64_t now,
    uint64_t unreliable_ms)
{
	struct sip_waitq	*q = NULL;
	unsigned		 i;

	if (sip_txn_tp_reliable(x->flow.tp)) {
		sip_txn_end(t, x);
		return false;
	}
	for (i = 0; i < t->nwaitq && q == NULL; i++)
		if (t->waitq[i].ms == unreliable_ms)
			q = &t->waitq[i];
	if (q == NULL && t->nwaitq < SIP_WAITQ) {
		q = &t->waitq[t->nwaitq++];
		q->ms = unreliable_ms;
		TAILQ_INIT(&q->q);
	}
	if (x->waitq >= 0)
		return true;		/* waiting already */
	if (q == NULL) {
		sip_timers(t, x, now, 0, unreliable_ms);
		return true;
	}
	sip_heap_del(t, x);
	x->rt_at = 0;
	x->trying_at = 0;
	x->to_at = now + unreliable_ms;
	x->waitq = (int)(q - t->waitq);
	TAILQ_INSERT_TAIL(&q->q, x, wait);
	return true;
}

/* The request kept, which a transaction past its answer needs no more. */
static void
sip_txn_drop_req(struct sip_txn *x)
{
	free(x->req);
	x->req = NULL;
	x->req_len = 0;
}

/* ---- client transactions ---- */

/* §17.1.1.3: the ACK for a non-2xx final response. */
static void
sip_ict_ack(struct sip_txn *x, const struct sip_msg *resp)
{
	struct sip_msg		 req;
	const struct sip_hdr	*h;
	struct wbuf		 w;
	const char		*why;
	size_t			 used;
	char			 cseq[32];

	if (sip_msg_parse(&req, x->req, x->req_len, true, &sip_txn_lim,
	    &used, &why) != 0)
		return;		/* we parsed it when it was sent */
	wbuf_init(&w, SIP_MSG_MAX_DEFAULT);
	wbuf_bytes(&w, "ACK ", 4);
	wbuf_bytes(&w, req.ruri_str.p, req.ruri_str.l);
	wbuf_bytes(&w, " SIP/2.0\r\n", 10);
	sip_msg_header(&w, "Via", &sip_msg_hdr(&req, SIP_HDR_VIA,
	    NULL)->value);
	for (h = sip_msg_hdr(&req, SIP_HDR_ROUTE, NULL); h != NULL;
	    h = sip_msg_hdr(&req, SIP_HDR_ROUTE, h))
		sip_msg_header(&w, "Route", &h->value);
	sip_msg_header(&w, "From", &sip_msg_hdr(&req, SIP_HDR_FROM,
	    NULL)->value);
	sip_msg_header(&w, "To", &sip_msg_hdr(resp, SIP_HDR_TO, NULL)->value);
	sip_msg_header(&w, "Call-ID", &req.call_id);
	snprintf(cseq, sizeof cseq, "%u ACK", req.cseq);
	sip_msg_header(&w, "CSeq", &(struct sip_pl){ cseq, strlen(cseq) });
	sip_msg_header(&w, "Max-Forwards", &SIP_PL("70"));
	sip_msg_end(&w, NULL, 0);
	sip_txn_keep(x, w.p, w.len);
	wbuf_clear(&w);
	sip_msg_clear(&req);
}

/* A client transaction for request p, known by key (the layer's now). */
static int
sip_client_start(struct sip_txn_layer *t, uint64_t now,
    const struct sip_flow *to, const uint8_t *p, size_t len, char *key,
    bool invite, uint64_t cookie, uint64_t *txn)
{
	struct sip_txn	*x;
	uint32_t	 t1 = t->cfg.t1_ms;

	if (sip_find(t, key) != NULL || t->count >= t->cfg.max_txns) {
		slab_free(key);
		return t->count >= t->cfg.max_txns ? EBUSY : EEXIST;
	}
	x = sip_txn_add(t, key, true, invite, to);
	x->cookie = cookie;
	x->req = xmalloc(len);
	memcpy(x->req, p, len);
	x->req_len = len;
	x->state = x->invite ? ST_CALLING : ST_TRYING;
	/* A/E on UDP only; B/F always (§17.1.1.2, §17.1.2.2) */
	sip_timers(t, x, now, sip_txn_tp_reliable(to->tp) ? 0 : t1,
	    64 * (uint64_t)t1);
	sip_send(t, to, p, len);
	*txn = x->id;
	return 0;
}

int
sip_txn_layer_request(struct sip_txn_layer *t, uint64_t now,
    const struct sip_flow *to, const uint8_t *p, size_t len, uint64_t cookie,
    uint64_t *txn)
{
	struct sip_msg	 m;
	const char	*why;
	size_t		 used;
	bool		 invite;
	char		*key;

	if (sip_msg_parse(&m, p, len, true, &sip_txn_lim, &used, &why) !=
	    0 || !m.request || used != len || sip_pl_eq(&m.method, "ACK") ||
	    !sip_magic(&m.via.branch)) {
		if (m.buf != NULL)
			sip_msg_clear(&m);
		return EINVAL;
	}
	key = sip_client_key(&m.via.branch, &m.cseq_method);
	invite = sip_pl_eq(&m.method, "INVITE");
	sip_msg_clear(&m);
	return sip_client_start(t, now, to, p, len, key, invite, cookie, txn);
}

int
sip_txn_layer_request_known(struct sip_txn_layer *t, uint64_t now,
    const struct sip_flow *to, const uint8_t *p, size_t len,
    const char *branch, const struct sip_pl *method,
    const struct sip_pl *cseq_method, uint64_t cookie, uint64_t *txn)
{
	const struct sip_pl	 b = { branch, strlen(branch) };

	if (!sip_magic(&b) || sip_pl_eq(method, "ACK"))
		return EINVAL;
	return sip_client_start(t, now, to, p, len, sip_client_key(&b,
	    cseq_method), sip_pl_eq(method, "INVITE"), cookie, txn);
}

static void
sip_client_response(struct sip_txn_layer *t, struct sip_txn *x, uint64_t now,
    struct sip_msg *m)
{
	bool	final = m->status >= 200;

	if (x->state == ST_COMPLETED) {
		/* a final response again: the ACK again (§17.1.1.2) */
		if (x->invite && final && x->out != NULL)
			sip_send(t, &x->flow, x->out, x->out_len);
		sip_msg_free(m);
		return;
	}
	sip_event(t, SIP_ACT_RESPONSE, NULL, x->id, x->cookie, m);
	if (!final) {
		x->state = ST_PROCEEDING;
		/*
		 * No more retransmits.  §17.1.1.2 gives Proceeding no
		 * timeout (the proxy's Timer C, §16.6, over 3 min, ends
		 * it); a backstop of 3 min + 64*T1 keeps a transaction
		 * whose user forgot it from living for ever.
		 */
		if (x->invite)
			sip_timers(t, x, now, 0, 180000 +
			    64 * (uint64_t)t->cfg.t1_ms);
		else if (x->rt_at != 0)	/* E goes on at T2 */
			x->interval = t->cfg.t2_ms;
		return;
	}
	if (x->invite && m->status < 300) {
		sip_txn_end(t, x);	/* the TU acknowledges a 2xx */
		return;
	}
	x->state = ST_COMPLETED;
	if (x->invite) {
		sip_ict_ack(x, m);
		if (x->out != NULL)
			sip_send(t, &x->flow, x->out, x->out_len);
	}
	/* Completed sends the request no more: what waits for D or K
	 * holds its key and, an INVITE's, the ACK */
	sip_txn_drop_req(x);
	if (x->invite)
		sip_wait_or_end(t, x, now, 32000);	/* Timer D */
	else
		sip_wait_or_end(t, x, now, t->cfg.t4_ms);	/* Timer K */
}

/* ---- server transactions ---- */

static void
sip_server_request(struct sip_txn_layer *t, uint64_t now,
    const struct sip_flow *f, struct sip_msg *m)
{
	struct sip_flow	 to;
	struct sip_txn	*x;
	struct wbuf	 w;
	char		*key = sip_server_key_of(m);
	bool		 ack = sip_pl_eq(&m->method, "ACK");

	if ((x = sip_find(t, key)) != NULL || ack ||
	    t->count >= t->cfg.max_txns)
		slab_free(key);
	if (x != NULL) {
		if (ack && x->invite && x->state == ST_COMPLETED) {
			/* §17.2.1: Confirmed, Timer I */
			x->state = ST_CONFIRMED;
			sip_wait_or_end(t, x, now, t->cfg.t4_ms);
		} else if (!ack && x->out != NULL)
			sip_send(t, &x->flow, x->out, x->out_len);
		sip_msg_free(m);
		return;
	}
	if (ack) {			/* an ACK for a 2xx: the TU's */
		sip_event(t, SIP_ACT_REQUEST, f, 0, 0, m);
		return;
	}
	sip_txn_layer_response_flow(f, m, &to);
	if (t->count >= t->cfg.max_txns) {
		/* no room: 503, statelessly (§21.5.4) */
		wbuf_init(&w, SIP_MSG_MAX_DEFAULT);
		sip_msg_reply(&w, m, 503, "Service Unavailable", NULL);
		sip_msg_header(&w, "Retry-After", &SIP_PL("5"));
		sip_msg_end(&w, NULL, 0);
		sip_send(t, &to, w.p, w.len);
		wbuf_clear(&w);
		sip_msg_free(m);
		return;
	}
	x = sip_txn_add(t, key, false, sip_pl_eq(&m->method, "INVITE"), &to);
	x->state = x->invite ? ST_PROCEEDING : ST_TRYING;
	if (x->invite) {
		wbuf_init(&w, SIP_MSG_MAX_DEFAULT);
		sip_msg_write(&w, m);
		x->req = wbuf_take(&w, &x->req_len);
		x->trying_at = now + SIP_TRYING_MS;
		sip_heap_fix(t, x);
	}
	sip_event(t, SIP_ACT_REQUEST, f, x->id, 0, m);
}

static struct sip_txn *
sip_by_id(const struct sip_txn_layer *t, uint64_t id)
{
	struct sip_txn	*x;

	for (x = t->ids[id & (t->nbuckets - 1)]; x != NULL; x = x->inext)
		if (x->id == id)
			return x;
	return NULL;
}

int
sip_txn_layer_respond(struct sip_txn_layer *t, uint64_t now, uint64_t txn,
    const uint8_t *p, size_t len)
{
	struct sip_txn	*x = sip_by_id(t, txn);
	unsigned	 status;

	if (x == NULL || x->client || x->state == ST_COMPLETED ||
	    x->state == ST_CONFIRMED)
		return ENOENT;
	if (len < 12 || memcmp(p, "SIP/2.0 ", 8) != 0 ||
	    p[8] < '1' || p[8] > '6' || p[9] < '0' || p[9] > '9' ||
	    p[10] < '0' || p[10] > '9')
		return EINVAL;
	status = (unsigned)(p[8] - '0') * 100 + (unsigned)(p[9] - '0') * 10 +
	    (unsigned)(p[10] - '0');
	sip_txn_keep(x, p, len);
	x->status = status;
	x->trying_at = 0;
	if (status >= 200)
		sip_txn_drop_req(x);	/* no 100 to make from it now */
	sip_send(t, &x->flow, p, len);
	if (status < 200) {
		x->state = ST_PROCEEDING;
		sip_heap_fix(t, x);
	} else if (x->invite && status < 300)
		sip_txn_end(t, x);	/* the TU retransmits a 2xx */
	else if (x->invite) {
		/* §17.2.1: Completed, G on UDP, H */
		x->state = ST_COMPLETED;
		sip_timers(t, x, now, sip_txn_tp_reliable(x->flow.tp) ? 0 :
		    t->cfg.t1_ms, 64 * (uint64_t)t->cfg.t1_ms);
	} else {
		x->state = ST_COMPLETED;
		sip_wait_or_end(t, x, now, 64 * (uint64_t)t->cfg.t1_ms);
	}
	return 0;
}

int
sip_txn_layer_respond_status(struct sip_txn_layer *t, uint64_t now,
    uint64_t txn, const struct sip_msg *req, unsigned status,
    const char *reason, const char *to_tag, const char *hname,
    const char *hvalue)
{
	struct wbuf	w;
	int		rc = EINVAL;

	wbuf_init(&w, SIP_MSG_MAX_DEFAULT);
	sip_msg_status(&w, req, status, reason, to_tag, hname, hvalue);
	if (!w.err)
		rc = sip_txn_layer_respond(t, now, txn, w.p, w.len);
	wbuf_clear(&w);
	return rc;
}

/* §17.2.1: the user said nothing for 200 ms: 100 Trying. */
static void
sip_trying(struct sip_txn_layer *t, struct sip_txn *x)
{
	struct sip_msg	 m;
	struct wbuf	 w;
	const char	*why;
	size_t		 used;

	x->trying_at = 0;
	if (sip_msg_parse(&m, x->req, x->req_len, true, &sip_txn_lim, &used,
	    &why) != 0)
		return;
	wbuf_init(&w, SIP_MSG_MAX_DEFAULT);
	sip_msg_reply(&w, &m, 100, "Trying", NULL);
	sip_msg_end(&w, NULL, 0);
	sip_txn_keep(x, w.p, w.len);
	wbuf_clear(&w);
	sip_send(t, &x->flow, x->out, x->out_len);
	sip_msg_clear(&m);
}

/* ---- input and time ---- */

void
sip_txn_layer_input(struct sip_txn_layer *t, uint64_t now,
    const struct sip_flow *f, struct sip_msg *m)
{
	struct sip_txn	*x;
	char		*key;

	if (m->request) {
		sip_server_request(t, now, f, m);
		return;
	}
	key = sip_client_key(&m->via.branch, &m->cseq_method);
	x = sip_find(t, key);
	slab_free(key);
	if (x == NULL || !x->client) {
		sip_event(t, SIP_ACT_RESPONSE, f, 0, 0, m);	/* stray */
		return;
	}
	sip_client_response(t, x, now, m);
}

/* x's earliest timer fired at now. */
static void
sip_fire(struct sip_txn_layer *t, struct sip_txn *x, uint64_t now)
{
	if (x->trying_at != 0 && x->trying_at <= now) {
		sip_trying(t, x);
		sip_heap_fix(t, x);
		return;
	}
	if (x->to_at != 0 && x->to_at <= now) {
		/* B, F: the request went unanswered; D H I J K: done */
		if (x->client && (x->state == ST_CALLING ||
		    x->state == ST_TRYING || x->state == ST_PROCEEDING))
			sip_event(t, SIP_ACT_TIMEOUT, NULL, x->id, x->cookie,
			    NULL);
		sip_txn_end(t, x);
		return;
	}
	/* A, E: the request again; G: the final response again */
	if (x->client)
		sip_send(t, &x->flow, x->req, x->req_len);
	else
		sip_send(t, &x->flow, x->out, x->out_len);
	if (x->client && x->invite)
		x->interval *= 2;			/* A: no cap */
	else if (x->client && x->state == ST_PROCEEDING)
		x->interval = t->cfg.t2_ms;		/* E in Proceeding */
	else
		x->interval = x->interval * 2 < t->cfg.t2_ms ?
		    x->interval * 2 : t->cfg.t2_ms;	/* E, G */
	x->rt_at = now + x->interval;
	sip_heap_fix(t, x);
}

/* Does x send on what failed? */
static bool
sip_on_flow(const struct sip_txn *x, const struct sip_flow *f)
{
	if (x->flow.tp != f->tp)
		return false;
	if (x->flow.conn != 0)
		return x->flow.conn == f->conn;
	return addr_eq(&x->flow.remote, &f->remote) &&
	    x->flow.pinned == f->pinned && (!f->pinned ||
	    memcmp(x->flow.node, f->node, SIP_NODE_LEN) == 0);
}

/* Does x wait for a final response on what failed? */
static bool
sip_fails_with(const struct sip_txn *x, const struct sip_flow *f)
{
	return x->client && (x->state == ST_CALLING ||
	    x->state == ST_TRYING || x->state == ST_PROCEEDING) &&
	    sip_on_flow(x, f);
}

void
sip_txn_layer_transport_error(struct sip_txn_layer *t, uint64_t now,
    const struct sip_flow *f)
{
	struct sip_txn	**dead;
	unsigned	  i, n = 0;

	(void)now;
	/* every client transaction waiting has Timer B or F running, so
	 * it is in the heap; they are picked first, since ending one
	 * reorders the heap */
	for (i = 0; i < t->heap_len; i++)
		n += sip_fails_with(t->heap[i], f);
	if (n == 0)
		return;
	dead = xcalloc(n, sizeof dead[0]);
	for (i = 0, n = 0; i < t->heap_len; i++)
		if (sip_fails_with(t->heap[i], f))
			dead[n++] = t->heap[i];
	for (i = 0; i < n; i++) {
		sip_event(t, SIP_ACT_TRANSPORT_ERROR, NULL, dead[i]->id,
		    dead[i]->cookie, NULL);
		sip_txn_end(t, dead[i]);
	}
	free(dead);
}

void
sip_txn_layer_tick(struct sip_txn_layer *t, uint64_t now)
{
	struct sip_txn	*x;
	unsigned	 n = 0, i;

	/* bounded: each transaction fires at most a few times a tick */
	while (t->heap_len > 0 && sip_due(t->heap[0]) <= now &&
	    n++ < 4 * t->heap_len + 16)
		sip_fire(t, t->heap[0], now);
	/* D, I, J, K: done waiting */
	for (i = 0; i < t->nwaitq; i++)
		while ((x = TAILQ_FIRST(&t->waitq[i].q)) != NULL &&
		    x->to_at <= now)
			sip_txn_end(t, x);
}
