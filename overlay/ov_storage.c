/*
 * ov_storage.c - the node as a storing peer and as a storage client (RFC
 * 6940 §7.4, §10.4, §10.7.3).
 *
 * The responsible peer checks each value's signature and the Kind's
 * access control, stores the request atomically (ov_store.c) and sends
 * replica Stores to its next successors.  When the neighbor table
 * changes, a node that is or was responsible for a resource sends it to
 * the members of its replica set that are new to it, and a node that is
 * no longer among a resource's copies forgets it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "xmalloc.h"

#define OV_SYNC_DELAY_MS	500	/* coalesce neighbor changes */
#define OV_SYNC_RETRY_MS	1000	/* too many requests open: later */
#define OV_RESEND_MS		2000	/* a refused replica: again after */
#define OV_RESEND_ROUNDS	5

static uint64_t
ov_wall(const struct ov_node *n, uint64_t now)
{
	return (uint64_t)((int64_t)now + n->cfg.wall_offset_ms);
}

void
ov_stor_init(struct ov_node *n)
{
	struct ov_store_limits	lim;

	if (n->cfg.replicas == 0)
		n->cfg.replicas = 3;
	if (n->cfg.max_lifetime_s == 0)
		n->cfg.max_lifetime_s = 86400;
	if (n->cfg.store_max_bytes == 0)
		n->cfg.store_max_bytes = 64 << 20;
	if (n->cfg.peer_store_rate == 0)
		n->cfg.peer_store_rate = 100;
	if (n->cfg.peer_store_burst == 0)
		n->cfg.peer_store_burst = 1000;
	n->flood = xcalloc(OV_FLOOD_SLOTS, sizeof *n->flood);
	lim.max_lifetime_s = n->cfg.max_lifetime_s;
	lim.max_bytes = n->cfg.store_max_bytes;
	if (n->cfg.kinds == NULL) {
		n->cfg.kinds = ov_kinds;
		n->cfg.nkinds = ov_nkinds;
	}
	n->kinds = xreallocarray(NULL, n->cfg.nkinds, sizeof *n->kinds);
	memcpy(n->kinds, n->cfg.kinds, n->cfg.nkinds * sizeof *n->kinds);
	n->cfg.kinds = n->kinds;
	ov_store_init(&n->store, n->kinds, n->cfg.nkinds, &lim);
}

void
ov_stor_free(struct ov_node *n)
{
	ov_store_clear(&n->store);
	free(n->kinds);
	free(n->flood);
	free(n->resends);
}

/* ---- who holds what (§10.4) ---- */

/* Is res in (pred[i], self] with the given predecessor list? */
static bool
ov_within(const struct ov_node *n, const struct ov_id *pred, unsigned npred,
    unsigned i, const struct ov_id *res)
{
	if (npred <= i)
		return true;	/* a ring this small: everybody */
	return ov_id_in_oc(&pred[i], res, &n->cfg.self);
}

/* Responsible for res with that predecessor list. */
static bool
ov_resp(const struct ov_node *n, const struct ov_id *pred, unsigned npred,
    const struct ov_id *res)
{
	return ov_within(n, pred, npred, 0, res);
}

/* Among res's copies: the responsible node or its next replicas - 1. */
static bool
ov_stor_holds(const struct ov_node *n, const struct ov_id *res)
{
	return ov_within(n, n->chord.pred, n->chord.npred,
	    n->cfg.replicas - 1, res);
}

/* ---- certificates ---- */

/* Append a GenericCertificate for der to w unless it is there already. */
static void
ov_certs_add(struct wbuf *w, const struct ov_cert_item *add)
{
	struct ov_cert_item	it;
	struct rbuf		r;

	rbuf_init(&r, w->p, w->len);
	while (ov_certs_next(&r, &it))
		if (it.entry_len == add->entry_len &&
		    memcmp(it.entry, add->entry, it.entry_len) == 0)
			return;
	wbuf_bytes(w, add->entry, add->entry_len);
}

/* The bucket entries for the values in src (each stores its own). */
static void
ov_certs_of(struct wbuf *w, const struct ov_sval *const *src, unsigned n)
{
	struct ov_cert_item	it;
	struct rbuf		r;
	unsigned		i;

	for (i = 0; i < n; i++) {
		rbuf_init(&r, src[i]->certs, src[i]->certs_len);
		while (ov_certs_next(&r, &it))
			ov_certs_add(w, &it);
	}
}

/* ---- serving Store (§7.4.1) ---- */

struct ov_store_ctx {
	const uint8_t	*certs;		/* the request's bucket */
	size_t		 certs_len;
	struct ov_id	 sender;	/* who signed the StoreReq */
	const char	*why;		/* for the error's info */
};

/* The key that signed sig, by the certificates bucket (ov_crypto). */
static int
ov_stor_key(const struct ov_crypto *c, const struct ov_sig *sig,
    const uint8_t *certs, size_t certs_len, uint8_t *out)
{
	if (c->key_id != NULL)
		return c->key_id(sig, certs, certs_len, out, c->arg);
	memset(out, 0, OV_KEY_ID_LEN);
	memcpy(out, sig->id_hash, sig->id_hash_len < OV_KEY_ID_LEN ?
	    sig->id_hash_len : OV_KEY_ID_LEN);
	return 0;
}

struct ov_pin {
	const struct ov_crypto	*c;
	uint8_t			 key[OV_KEY_ID_LEN];	/* the writer's */
};

/* ov_store_same_cb: was the held value sv signed with the writer's key? */
static bool
ov_stor_same_key(const struct ov_sval *sv, void *arg)
{
	struct ov_pin	*p = arg;
	uint8_t		 key[OV_KEY_ID_LEN];

	return ov_stor_key(p->c, &sv->s.sig, sv->certs, sv->certs_len,
	    key) == 0 && memcmp(key, p->key, OV_KEY_ID_LEN) == 0;
}

/*
 * §11.3.1: in self-signed mode a user name is first come, first served;
 * the RFC leaves open what "taken" means.  We pin the name to the first
 * writer's public KEY, not to its certificate: each node that holds the
 * user's key issues its own certificate for it, naming itself (§7.3.3
 * USER-NODE-MATCH wants the value's Node-ID in the certificate), so one
 * user on several nodes has several certificates but one key, and is
 * found at all of them, while a node with another key for the name is
 * still refused.  Values held are signed; a certificate with a copied
 * key gives no signature with it.  true: the name is another key's.
 */
static bool
ov_stor_pinned(struct ov_node *n, uint64_t now, const struct ov_id *res,
    const struct ov_sig *sig, const struct ov_store_ctx *c)
{
	struct ov_pin	p;

	p.c = n->crypto;
	if (ov_stor_key(n->crypto, sig, c->certs, c->certs_len, p.key) != 0)
		return true;
	return ov_store_pinned(&n->store, res, ov_wall(n, now),
	    ov_stor_same_key, &p);
}

/*
 * Check every value of kd: its signature, its Kind's access control,
 * and, for an original store, that its signer sent the request.  Each
 * value's certificate is copied out for the store (free them).
 */
static uint16_t
ov_stor_check_values(struct ov_node *n, uint64_t now, const struct ov_id *res,
    const struct ov_kind_data *kd, bool replica, struct ov_store_ctx *c,
    uint8_t **certs, size_t *certs_len)
{
	struct ov_signer	 who;
	struct wbuf		 w;
	uint32_t		 i;

	for (i = 0; i < kd->nvalues; i++) {
		if (ov_stored_verify(&kd->values[i], res, kd->kind,
		    kd->k->model, c->certs, c->certs_len, n->crypto,
		    &who) != 0) {
			c->why = "bad signature on a value";
			return OV_E_FORBIDDEN;
		}
		if (!ov_access_ok(kd->k, res, &kd->values[i].v, &who)) {
			c->why = ov_policy_name(kd->k->policy);
			return OV_E_FORBIDDEN;
		}
		/*
		 * §7.3: the StoreReq's signer must pass the policy too.  A
		 * user's values come through the node that holds the user's
		 * key, which signs the message: we ask that the value's
		 * certificate names that node.
		 */
		if (!replica && !ov_id_eq(&who.node, &c->sender)) {
			c->why = "the request's signer did not sign the value";
			return OV_E_FORBIDDEN;
		}
		/* §11.3.1: self-signed names are first come, first served */
		if (!replica && !n->cfg.enrollment && who.user[0] != '\0' &&
		    ov_stor_pinned(n, now, res, &kd->values[i].sig, c)) {
			c->why = "the user name belongs to another key";
			return OV_E_FORBIDDEN;
		}
		wbuf_init(&w, 6 + who.cert_len + who.issuer_len);
		wbuf_u8(&w, OV_CERT_X509);
		wbuf_u16(&w, (uint16_t)who.cert_len);
		wbuf_bytes(&w, who.cert, who.cert_len);
		if (who.issuer != NULL) {
			wbuf_u8(&w, OV_CERT_X509);
			wbuf_u16(&w, (uint16_t)who.issuer_len);
			wbuf_bytes(&w, who.issuer, who.issuer_len);
		}
		certs[i] = wbuf_take(&w, &certs_len[i]);
	}
	return 0;
}

static void ov_stor_replicate(struct ov_node *, uint64_t now,
	    const struct ov_id *res, const struct ov_id *to, uint8_t number,
	    unsigned round);

/*
 * May peer store here now?  Each signer of StoreReqs has a bucket of
 * peer_store_burst stores, refilled at peer_store_rate a second; the
 * least recently used of OV_FLOOD_SLOTS buckets makes way for a new
 * signer.  Replicas (bounded by their sender's sync) and our own stores
 * are not counted.  §7.4.1.1 names no error for a flood: we answer
 * Error_Forbidden with the reason.
 */
static bool
ov_stor_allowed(struct ov_node *n, uint64_t now, const struct ov_id *peer)
{
	struct ov_flood	*f = NULL, *old = &n->flood[0];
	uint64_t	 cap = (uint64_t)n->cfg.peer_store_burst * 1000;
	unsigned	 i;

	for (i = 0; i < OV_FLOOD_SLOTS && f == NULL; i++) {
		if (n->flood[i].last_ms != 0 &&
		    ov_id_eq(&n->flood[i].node, peer))
			f = &n->flood[i];
		else if (n->flood[i].last_ms < old->last_ms)
			old = &n->flood[i];
	}
	if (f == NULL) {
		f = old;
		f->node = *peer;
		f->milli = cap;
	} else if (now > f->last_ms) {
		f->milli += (now - f->last_ms) * n->cfg.peer_store_rate;
		if (f->milli > cap)
			f->milli = cap;
	}
	f->last_ms = now != 0 ? now : 1;
	if (f->milli < 1000) {
		n->flood_refused++;
		return false;
	}
	f->milli -= 1000;
	return true;
}

/* Store req; 0 and *ans, or the error code (c->why says more). */
static uint16_t
ov_stor_store(struct ov_node *n, uint64_t now, const struct ov_store_req *req,
    struct ov_store_ctx *c, struct ov_store_ans *ans)
{
	const struct ov_id	*res = &req->resource;
	bool			 replica = req->replica != 0;
	uint8_t			**certs[OV_DATA_KINDS_MAX];
	size_t			*clen[OV_DATA_KINDS_MAX];
	uint64_t		 wall = ov_wall(n, now);
	uint16_t		 err = 0;
	unsigned		 i, j, done = 0;

	memset(ans, 0, sizeof *ans);
	if (!replica && !ov_responsible(n, res)) {
		c->why = "not responsible for the resource";
		return OV_E_FORBIDDEN;
	}
	if (!replica && !ov_id_eq(&c->sender, &n->cfg.self) &&
	    !ov_stor_allowed(n, now, &c->sender)) {
		c->why = "too many stores from this peer; try again later";
		return OV_E_FORBIDDEN;
	}
	/* §10.4: a replica comes from a neighbor, for a resource of ours */
	if (replica && (!ov_stor_holds(n, res) ||
	    !ov_chord_has(&n->chord, &c->sender))) {
		c->why = "not a replica of the resource for that peer";
		return OV_E_FORBIDDEN;
	}
	for (i = 0; i < req->nkinds && err == 0; i++, done++) {
		certs[i] = xcalloc(req->kinds[i].nvalues + 1, sizeof *certs[i]);
		clen[i] = xcalloc(req->kinds[i].nvalues + 1, sizeof *clen[i]);
		err = ov_stor_check_values(n, now, res, &req->kinds[i],
		    replica, c,
		    certs[i], clen[i]);
		if (err == 0)
			(void)ov_store_check(&n->store, res, &req->kinds[i],
			    replica, &err, &c->why);
	}
	/* §7.4.1.1: all or nothing */
	for (i = 0; i < req->nkinds && err == 0; i++) {
		ans->kinds[i].kind = req->kinds[i].kind;
		ans->kinds[i].generation = ov_store_apply(&n->store, res,
		    &req->kinds[i], (const uint8_t *const *)certs[i], clen[i],
		    replica, wall);
		for (j = 0; !replica && j + 1 < n->cfg.replicas &&
		    j < n->chord.nsucc && j < OV_DATA_REPLICAS_MAX; j++)
			ans->kinds[i].replicas[ans->kinds[i].nreplicas++] =
			    n->chord.succ[j];
	}
	if (err == 0)
		ans->n = req->nkinds;
	for (i = 0; i < done; i++) {
		for (j = 0; j < req->kinds[i].nvalues; j++)
			free(certs[i][j]);
		free(certs[i]);
		free(clen[i]);
	}
	if (err != 0 || replica)
		return err;
	/* §10.4: then to our successor and its successor */
	for (j = 0; j + 1 < n->cfg.replicas && j < n->chord.nsucc; j++)
		ov_stor_replicate(n, now, res, &n->chord.succ[j],
		    (uint8_t)(j + 1), 0);
	return 0;
}

static void
ov_stor_store_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_store_req	*req = xmalloc(sizeof *req);
	struct ov_store_ans	 ans;
	struct ov_store_ctx	 c = { m->certs, m->certs_len, *s, NULL };
	struct wbuf		 w;
	uint16_t		 err;

	if (ov_store_req_decode(m->body, m->body_len, n->store.kinds,
	    n->store.nkinds, req, &err) != 0) {
		ov_route_error(n, now, l, &m->fwd, err, "bad StoreReq");
		goto out;
	}
	if (req->nunknown != 0) {
		wbuf_init(&w, 1024);
		ov_unknown_kinds_encode(&w, req->unknown, req->nunknown);
		/* error_info carries the Kinds (§7.4.1.2), not text */
		ov_route_error_info(n, now, l, &m->fwd, OV_E_UNKNOWN_KIND,
		    w.p, w.len);
		wbuf_clear(&w);
		goto out;
	}
	if ((err = ov_stor_store(n, now, req, &c, &ans)) != 0) {
		ov_route_error(n, now, l, &m->fwd, err, c.why);
		goto out;
	}
	wbuf_init(&w, n->cfg.max_message_size);
	ov_store_ans_encode(&w, &ans);
	ov_route_answer(n, now, l, m, OV_STORE_ANS, w.p, w.len);
	wbuf_clear(&w);
out:
	ov_store_req_free(req);
	free(req);
}

/* Send what we hold at res to node to as replica number. */
static void
ov_stor_replicate(struct ov_node *n, uint64_t now, const struct ov_id *res,
    const struct ov_id *to, uint8_t number, unsigned round)
{
	struct ov_store_req	 *req = xmalloc(sizeof *req);
	const struct ov_sval	**src;
	struct ov_txn		 *t;
	struct wbuf		  w, certs;
	unsigned		  nsrc;

	if (ov_id_eq(to, &n->cfg.self) ||
	    !ov_store_req_for(&n->store, res, ov_wall(n, now), req, &src,
	    &nsrc)) {
		ov_store_req_free(req);
		free(req);
		free(src);
		return;
	}
	req->replica = number;
	wbuf_init(&w, n->cfg.max_message_size);
	wbuf_init(&certs, 0xffff);
	ov_store_req_encode(&w, req);
	ov_certs_of(&certs, src, nsrc);
	t = ov_txn_start_certs(n, now, OV_TX_REPLICA, OV_STORE_REQ, w.p, w.len,
	    to, true, NULL, 0, certs.p, certs.len);
	if (t != NULL) {
		n->replica_sent++;
		t->res = *res;
		t->replica = number;
		t->round = round;
	}
	wbuf_clear(&w);
	wbuf_clear(&certs);
	free(src);
	ov_store_req_free(req);
	free(req);
}

/* ---- serving Fetch (§7.4.2) and Find (§7.4.4) ---- */

/*
 * The FetchAns for req into w, the values' certificates into certs.  0,
 * or the error to answer with.
 */
static uint16_t
ov_stor_fetch_ans(struct ov_node *n, uint64_t now,
    const struct ov_fetch_req *req, struct wbuf *w, struct wbuf *certs)
{
	struct ov_fetch_ans	 *ans = xcalloc(1, sizeof *ans);
	const struct ov_sval	**src;
	unsigned		  i;

	for (i = 0; i < req->nspecs; i++) {
		ov_store_fetch(&n->store, &req->resource, &req->specs[i],
		    ov_wall(n, now), &ans->kinds[ans->n++], &src);
		ov_certs_of(certs, src, ans->kinds[ans->n - 1].nvalues);
		free(src);
	}
	ov_fetch_ans_encode(w, ans);
	/* the values point into the store: only the arrays are ours */
	for (i = 0; i < ans->n; i++)
		free(ans->kinds[i].values);
	free(ans);
	return w->err || certs->err ? OV_E_RESPONSE_TOO_LARGE : 0;
}

/* The StatAns for req into w: the FetchAns's values, as metadata. */
static uint16_t
ov_stor_stat_ans(struct ov_node *n, uint64_t now,
    const struct ov_fetch_req *req, struct wbuf *w)
{
	struct ov_stat_ans	 *ans = xcalloc(1, sizeof *ans);
	struct ov_kind_data	  kd;
	const struct ov_sval	**src;
	unsigned		  i;
	uint32_t		  j;

	for (i = 0; i < req->nspecs; i++) {
		ov_store_fetch(&n->store, &req->resource, &req->specs[i],
		    ov_wall(n, now), &kd, &src);
		free(src);
		ans->kinds[i].kind = kd.kind;
		ans->kinds[i].k = kd.k;
		ans->kinds[i].generation = kd.generation;
		ans->kinds[i].nvalues = kd.nvalues;
		ans->kinds[i].values = xcalloc(kd.nvalues + 1,
		    sizeof *ans->kinds[i].values);
		for (j = 0; j < kd.nvalues; j++)
			ov_meta_of(&kd.values[j], &ans->kinds[i].values[j]);
		free(kd.values);
		ans->n++;
	}
	ov_stat_ans_encode(w, ans);
	ov_stat_ans_free(ans);
	free(ans);
	return w->err ? OV_E_RESPONSE_TOO_LARGE : 0;
}

/* Fetch and Stat: the same request (§7.4.3.1), different answers. */
static void
ov_stor_fetch_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m)
{
	struct ov_fetch_req	 *req = xmalloc(sizeof *req);
	struct wbuf		  w, certs;
	uint16_t		  err;
	unsigned		  i;

	if (ov_fetch_req_decode(m->body, m->body_len, n->store.kinds,
	    n->store.nkinds, req, &err) != 0) {
		ov_route_error(n, now, l, &m->fwd, err, m->code == OV_STAT_REQ ?
		    "bad StatReq" : "bad FetchReq");
		goto out;
	}
	for (i = 0; i < req->nspecs; i++) {
		if (req->specs[i].k == NULL) {
			wbuf_init(&w, 16);
			ov_unknown_kinds_encode(&w, &req->specs[i].kind, 1);
			ov_route_error_info(n, now, l, &m->fwd,
			    OV_E_UNKNOWN_KIND, w.p, w.len);
			wbuf_clear(&w);
			goto out;
		}
	}
	wbuf_init(&certs, 0xffff);
	wbuf_init(&w, n->cfg.max_message_size);
	if ((m->code == OV_STAT_REQ ? ov_stor_stat_ans(n, now, req, &w) :
	    ov_stor_fetch_ans(n, now, req, &w, &certs)) != 0)
		ov_route_error(n, now, l, &m->fwd, OV_E_RESPONSE_TOO_LARGE,
		    "too many values");
	else
		ov_route_answer_certs(n, now, l, m, m->code + 1, w.p, w.len,
		    certs.p, certs.len);
	wbuf_clear(&w);
	wbuf_clear(&certs);
out:
	free(req);
}

/* §7.4.4.2: per Kind, the closest resource at or after the id we hold. */
static void
ov_stor_find_req(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m)
{
	struct ov_find_req	req;
	struct ov_find_ans	ans;
	struct ov_skind		*sk;
	struct ov_id		best, d, bd;
	struct wbuf		w;
	uint16_t		err;
	unsigned		i, j;
	bool			have;

	if (ov_find_req_decode(m->body, m->body_len, &req, &err) != 0) {
		ov_route_error(n, now, l, &m->fwd, err, "bad FindReq");
		return;
	}
	memset(&ans, 0, sizeof ans);
	for (i = 0; i < req.n; i++) {
		have = false;
		for (j = 0; j < n->store.nres; j++) {
			sk = ov_sres_kind(n->store.res[j], req.kinds[i]);
			if (sk == NULL || sk->n == 0)
				continue;
			ov_id_sub(&d, &n->store.res[j]->id, &req.resource);
			if (!have || ov_id_cmp(&d, &bd) < 0) {
				bd = d;
				best = n->store.res[j]->id;
				have = true;
			}
		}
		ans.kinds[ans.n] = req.kinds[i];
		if (have)
			ans.closest[ans.n] = best;
		ans.n++;
	}
	wbuf_init(&w, n->cfg.max_message_size);
	ov_find_ans_encode(&w, &ans);
	ov_route_answer(n, now, l, m, OV_FIND_ANS, w.p, w.len);
	wbuf_clear(&w);
}

bool
ov_stor_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	switch (m->code) {
	case OV_STORE_REQ:
		ov_stor_store_req(n, now, l, m, s);
		return true;
	case OV_FETCH_REQ:
	case OV_STAT_REQ:
		ov_stor_fetch_req(n, now, l, m);
		return true;
	case OV_FIND_REQ:
		ov_stor_find_req(n, now, l, m);
		return true;
	}
	return false;
}

/* ---- the client side ---- */

int
ov_node_sign(struct ov_node *n, const struct ov_id *res, uint32_t kind,
    struct ov_stored *s, struct ov_sigbuf *b)
{
	const struct ov_kind	*k = ov_kind_find(n->store.kinds,
				    n->store.nkinds, kind);

	if (k == NULL)
		return EINVAL;
	return ov_stored_sign(s, b, res, kind, k->model, n->crypto);
}

static struct ov_fetched *ov_stor_fetched(struct ov_node *,
	    const struct ov_id *, const uint8_t *, size_t, const uint8_t *,
	    size_t);

static void
ov_stor_stored(struct ov_node *n, uint64_t cookie, int error,
    const char *why, uint64_t generation, unsigned nreplicas)
{
	struct ov_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = OV_EV_STORED;
	ev.cookie = cookie;
	ev.error = error;
	if (why != NULL)
		snprintf(ev.why, sizeof ev.why, "%s", why);
	ev.generation = generation;
	ev.nreplicas = nreplicas;
	ov_event(n, &ev);
}

/* Send a client request (encoded in w, which is cleared) toward res. */
static int
ov_stor_send(struct ov_node *n, uint64_t now, enum ov_txn_kind kind,
    uint16_t code, struct wbuf *w, const struct ov_id *res,
    const uint8_t *certs, size_t certs_len, uint64_t cookie)
{
	struct ov_txn	*t = NULL;

	if (!w->err)
		t = ov_txn_start_certs(n, now, kind, code, w->p, w->len, res,
		    false, NULL, 0, certs, certs_len);
	wbuf_clear(w);
	if (t == NULL)
		return EBUSY;
	t->cookie = cookie;
	ov_links_flush(n, now);
	return 0;
}

int
ov_node_store(struct ov_node *n, uint64_t now, const struct ov_id *res,
    const struct ov_kind_data *kd, const uint8_t *certs, size_t certs_len,
    uint64_t cookie)
{
	struct ov_store_req	*req;
	struct ov_store_ans	 ans;
	struct ov_store_ctx	 c;
	struct wbuf		 w, bucket;
	uint16_t		 err;

	if (!ov_is_peer(n) || n->state == OV_ST_LEAVING)
		return ENOTCONN;
	req = xcalloc(1, sizeof *req);
	req->resource = *res;
	req->nkinds = 1;
	req->kinds[0] = *kd;
	if (ov_responsible(n, res)) {
		/* we are the storing peer: the same checks, here */
		wbuf_init(&bucket, 0xffff);
		wbuf_u8(&bucket, OV_CERT_X509);
		wbuf_u16(&bucket, (uint16_t)n->crypto->cert_len);
		wbuf_bytes(&bucket, n->crypto->cert, n->crypto->cert_len);
		wbuf_bytes(&bucket, certs, certs_len);
		c.certs = bucket.p;
		c.certs_len = bucket.len;
		c.sender = n->cfg.self;
		c.why = NULL;
		err = ov_stor_store(n, now, req, &c, &ans);
		wbuf_clear(&bucket);
		ov_stor_stored(n, cookie, err ? 1000 + err : 0,
		    err ? c.why : NULL, ans.kinds[0].generation,
		    ans.kinds[0].nreplicas);
		ov_links_flush(n, now);
		free(req);
		return 0;
	}
	wbuf_init(&w, n->cfg.max_message_size);
	ov_store_req_encode(&w, req);
	free(req);
	return ov_stor_send(n, now, OV_TX_STORE, OV_STORE_REQ, &w, res, certs,
	    certs_len, cookie);
}

static void	ov_stor_answered(struct ov_node *, bool stat,
		    uint64_t cookie, int error, const char *why,
		    const struct ov_id *res,
		    const uint8_t *, size_t, const uint8_t *certs, size_t);

/* Fetch or Stat every value of kind at res. */
static int
ov_stor_ask(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, bool stat, uint64_t cookie)
{
	struct ov_fetch_req	*req;
	struct wbuf		 w, certs;
	uint16_t		 err;

	if (!ov_is_peer(n) || n->state == OV_ST_LEAVING)
		return ENOTCONN;
	req = xcalloc(1, sizeof *req);
	req->resource = *res;
	req->nspecs = 1;
	req->specs[0].kind = kind;
	req->specs[0].k = ov_kind_find(n->store.kinds, n->store.nkinds, kind);
	if (req->specs[0].k == NULL) {
		free(req);
		return EINVAL;
	}
	if (!ov_responsible(n, res)) {
		wbuf_init(&w, 1024);
		ov_fetch_req_encode(&w, req);
		free(req);
		return ov_stor_send(n, now, stat ? OV_TX_STAT : OV_TX_FETCH,
		    stat ? OV_STAT_REQ : OV_FETCH_REQ, &w, res, NULL, 0,
		    cookie);
	}
	/* we are the storing peer: answer here, checked the same */
	wbuf_init(&certs, 0xffff);
	wbuf_init(&w, n->cfg.max_message_size);
	err = stat ? ov_stor_stat_ans(n, now, req, &w) :
	    ov_stor_fetch_ans(n, now, req, &w, &certs);
	ov_stor_answered(n, stat, cookie, err ? 1000 + err : 0, NULL, res, w.p,
	    w.len, certs.p, certs.len);
	wbuf_clear(&w);
	wbuf_clear(&certs);
	free(req);
	return 0;
}

int
ov_node_fetch(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, uint64_t cookie)
{
	return ov_stor_ask(n, now, res, kind, false, cookie);
}

int
ov_node_stat(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, uint64_t cookie)
{
	return ov_stor_ask(n, now, res, kind, true, cookie);
}

void
ov_statted_free(struct ov_statted *st)
{
	if (st == NULL)
		return;
	ov_stat_ans_free(&st->ans);
	free(st->body);
	free(st);
}

/* A StatAns for one Kind, kept with its body. */
static struct ov_statted *
ov_stor_statted(struct ov_node *n, const uint8_t *data, size_t len)
{
	struct ov_statted	*st = xcalloc(1, sizeof *st);

	st->body = xmalloc(len + 1);
	if (len != 0)
		memcpy(st->body, data, len);
	if (ov_stat_ans_decode(st->body, len, n->store.kinds, n->store.nkinds,
	    &st->ans) != 0 || st->ans.n != 1) {
		ov_statted_free(st);
		return NULL;
	}
	return st;
}

/*
 * Report a Fetch's or Stat's answer (error 0: body, and the values'
 * certificates) for res: decoded and, for a Fetch, every value verified
 * (§7.4.2.2).  The answer came from the storing peer, or from ourselves.
 */
static void
ov_stor_answered(struct ov_node *n, bool stat, uint64_t cookie, int error,
    const char *why, const struct ov_id *res, const uint8_t *body,
    size_t len, const uint8_t *certs, size_t certs_len)
{
	struct ov_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = stat ? OV_EV_STAT : OV_EV_FETCHED;
	ev.cookie = cookie;
	if (why != NULL)
		snprintf(ev.why, sizeof ev.why, "%s", why);
	if (error == 0 && stat)
		ev.statted = ov_stor_statted(n, body, len);
	else if (error == 0)
		ev.fetched = ov_stor_fetched(n, res, body, len, certs,
		    certs_len);
	ev.error = error != 0 ? error : ev.fetched == NULL &&
	    ev.statted == NULL ? EBADMSG : 0;
	ev.generation = ev.fetched != NULL ? ev.fetched->generation :
	    ev.statted != NULL ? ev.statted->ans.kinds[0].generation : 0;
	ov_event(n, &ev);
}

void
ov_fetched_free(struct ov_fetched *f)
{
	if (f == NULL)
		return;
	free(f->v);
	free(f->body);
	free(f);
}

/* A fetcher verifies again before trusting a value (§7.4.2.2). */
static struct ov_fetched *
ov_stor_fetched(struct ov_node *n, const struct ov_id *res,
    const uint8_t *data, size_t len, const uint8_t *certs, size_t certs_len)
{
	struct ov_fetch_ans	*ans = xcalloc(1, sizeof *ans);
	struct ov_fetched	*f = NULL;
	struct ov_kind_data	*kd;
	struct ov_signer	 who;
	uint8_t			*body;
	uint32_t		 i;

	body = xmalloc(len + 1);
	memcpy(body, data, len);
	if (ov_fetch_ans_decode(body, len, n->store.kinds,
	    n->store.nkinds, ans) != 0 || ans->n != 1 ||
	    ans->kinds[0].k == NULL) {
		free(body);
		goto out;
	}
	kd = &ans->kinds[0];
	f = xcalloc(1, sizeof *f);
	f->body = body;
	f->kind = kd->kind;
	f->generation = kd->generation;
	f->v = xcalloc(kd->nvalues + 1, sizeof *f->v);
	for (i = 0; i < kd->nvalues; i++) {
		if (ov_stored_verify(&kd->values[i], res, kd->kind,
		    kd->k->model, certs, certs_len, n->crypto, &who) != 0 ||
		    !ov_access_ok(kd->k, res, &kd->values[i].v, &who)) {
			f->refused++;
			continue;
		}
		who.cert = NULL;
		who.cert_len = 0;
		f->v[f->n].s = kd->values[i];
		f->v[f->n++].signer = who;
	}
out:
	ov_fetch_ans_free(ans);
	free(ans);
	return f;
}

static void
ov_stor_resend_later(struct ov_node *n, uint64_t now, const struct ov_txn *t)
{
	struct ov_resend	*r;

	if (n->nresends == n->resends_cap) {
		n->resends_cap = n->resends_cap ? n->resends_cap * 2 : 16;
		n->resends = xreallocarray(n->resends, n->resends_cap,
		    sizeof *n->resends);
	}
	r = &n->resends[n->nresends++];
	r->res = t->res;
	r->to = t->target;
	r->replica = t->replica;
	r->round = t->round + 1;
	r->at_ms = now + OV_RESEND_MS;
}

static void
ov_stor_resends(struct ov_node *n, uint64_t now)
{
	struct ov_resend	r;
	unsigned		i;

	for (i = 0; i < n->nresends; ) {
		if (n->resends[i].at_ms > now) {
			i++;
			continue;
		}
		r = n->resends[i];
		n->resends[i] = n->resends[--n->nresends];
		if (ov_stor_holds(n, &r.res) && ov_chord_has(&n->chord, &r.to))
			ov_stor_replicate(n, now, &r.res, &r.to, r.replica,
			    r.round);
	}
}

/*
 * An Error's error_info as words, if it is printable text: some codes
 * carry binary (Error_Unknown_Kind its Kinds, §7.4.1.2).
 */
void
ov_stor_why(char *out, size_t max, const uint8_t *info, size_t len)
{
	size_t	i;

	out[0] = '\0';
	for (i = 0; i < len; i++)
		if (info[i] < 0x20 || info[i] > 0x7e)
			return;
	if (len >= max)
		len = max - 1;
	memcpy(out, info, len);
	out[len] = '\0';
}

void
ov_stor_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *signer, int error)
{
	struct ov_store_ans	 ans;
	const uint8_t		*info;
	size_t			 ilen;
	uint16_t		 code;
	char			 why[OV_WHY_MAX] = "";
	int			 e = error;

	(void)now;
	(void)signer;
	if (m != NULL && m->code == OV_ERROR) {
		e = EBADMSG;
		if (ov_error_decode(m->body, m->body_len, &code, &info,
		    &ilen) == 0) {
			e = 1000 + code;
			ov_stor_why(why, sizeof why, info, ilen);
		}
	}
	switch (t->kind) {
	case OV_TX_STORE:
		memset(&ans, 0, sizeof ans);
		if (e == 0 && ov_store_ans_decode(m->body, m->body_len,
		    &ans) != 0)
			e = EBADMSG;
		ov_stor_stored(n, t->cookie, e, why, ans.n != 0 ?
		    ans.kinds[0].generation : 0, ans.n != 0 ?
		    ans.kinds[0].nreplicas : 0);
		break;
	case OV_TX_FETCH:
	case OV_TX_STAT:
		ov_stor_answered(n, t->kind == OV_TX_STAT, t->cookie, e,
		    why, &t->target, m != NULL ? m->body : NULL, m != NULL ?
		    m->body_len : 0, m != NULL ? m->certs : NULL, m != NULL ?
		    m->certs_len : 0);
		break;
	case OV_TX_REPLICA:
		/* refused, most likely, by a node whose neighbor table has
		 * not caught up with ours yet: again a little later */
		if (e != 0 && t->round + 1 < OV_RESEND_ROUNDS)
			ov_stor_resend_later(n, now, t);
		break;
	default:
		break;
	}
}

/* ---- replicas as the ring changes (§10.7.3) ---- */

/* Is x among the first k entries of list? */
static bool
ov_in_first(const struct ov_id *list, unsigned n, unsigned k,
    const struct ov_id *x)
{
	unsigned	i;

	for (i = 0; i < n && i < k; i++)
		if (ov_id_eq(&list[i], x))
			return true;
	return false;
}

/*
 * §10.7.1: a successor that held our replicas failed.  Its replacement
 * gets new copies only after the hold-down, so that a triggered Update
 * can name a better match first.
 */
void
ov_stor_neighbor_failed(struct ov_node *n, uint64_t now,
    const struct ov_id *peer)
{
	if (n->cfg.replica_holddown_ms != 0 && ov_in_first(n->chord.succ,
	    n->chord.nsucc, n->cfg.replicas - 1, peer))
		n->holddown_ms = now + n->cfg.replica_holddown_ms;
}

void
ov_stor_neighbors(struct ov_node *n, uint64_t now)
{
	if (n->sync_ms == 0)
		n->sync_ms = now + OV_SYNC_DELAY_MS;
	n->sync_next = 0;	/* the table changed: every resource again */
}


/*
 * Send res where it is missing now: responsible, to the successors that
 * were not our replicas at the last sync; no longer responsible (a node
 * joined before us), to the predecessor that answers for res now (§10.5
 * step 6).  false: too many requests open, try later.
 */
static bool
ov_stor_sync_one(struct ov_node *n, uint64_t now, const struct ov_id *res)
{
	const struct ov_chord	*c = &n->chord;
	unsigned		 r = n->cfg.replicas - 1, i;
	bool			 was, is;

	was = ov_resp(n, n->sync_pred, n->sync_npred, res);
	is = ov_resp(n, c->pred, c->npred, res);
	for (i = 0; is && i < c->nsucc && i < r; i++) {
		if (ov_in_first(n->sync_succ, n->sync_nsucc, r, &c->succ[i])) {
			if (was)
				continue;
		} else if (now < n->holddown_ms) {
			n->sync_held = true;	/* a new successor: later */
			continue;
		}
		if (n->ntxns + 1 >= n->cfg.max_pending / 2)
			return false;
		ov_stor_replicate(n, now, res, &c->succ[i], (uint8_t)(i + 1),
		    0);
	}
	for (i = 0; was && !is && i < c->npred; i++) {
		if (!ov_within(n, c->pred, c->npred, i + 1, res))
			continue;
		if (n->ntxns + 1 >= n->cfg.max_pending / 2)
			return false;
		ov_stor_replicate(n, now, res, &c->pred[i], 1, 0);
		break;
	}
	return true;
}

static void
ov_stor_sync(struct ov_node *n, uint64_t now)
{
	const struct ov_chord	*c = &n->chord;
	struct ov_id		 id;
	unsigned		 i;

	n->sync_ms = 0;
	/*
	 * Background copies take half of our transactions at most, so that
	 * the application's requests still go out; a busy sync goes on
	 * later from where it stopped, not from the start (which would send
	 * the first resources again and again while their copies are still
	 * on their way).  A resource sent partly is sent whole again.
	 */
	for (i = n->sync_next; i < n->store.nres; i++) {
		if (!ov_stor_sync_one(n, now, &n->store.res[i]->id)) {
			n->sync_next = i;
			n->sync_ms = now + OV_SYNC_RETRY_MS;
			return;
		}
	}
	n->sync_next = 0;
	/* §10.7.3: forget what we are no longer a copy of */
	for (i = n->store.nres; i-- > 0; ) {
		id = n->store.res[i]->id;
		if (!ov_stor_holds(n, &id))
			ov_store_drop(&n->store, &id);
	}
	n->sync_npred = c->npred;
	memcpy(n->sync_pred, c->pred, sizeof n->sync_pred);
	/*
	 * Held down: the old successors stay what we compare with, so the
	 * sync at the end of the hold-down finds the new ones new.
	 */
	if (n->sync_held) {
		n->sync_held = false;
		n->sync_ms = n->holddown_ms;
		return;
	}
	n->sync_nsucc = c->nsucc;
	memcpy(n->sync_succ, c->succ, sizeof n->sync_succ);
}

void
ov_stor_tick(struct ov_node *n, uint64_t now)
{
	if (n->sync_ms != 0 && now >= n->sync_ms &&
	    (n->state == OV_ST_JOINED || n->state == OV_ST_ALONE))
		ov_stor_sync(n, now);
	if (ov_store_next_expiry(&n->store) <= ov_wall(n, now))
		ov_store_expire(&n->store, ov_wall(n, now));
	ov_stor_resends(n, now);
}

uint64_t
ov_stor_deadline(const struct ov_node *n)
{
	uint64_t	d = UINT64_MAX, e = ov_store_next_expiry(&n->store);
	int64_t		mono;

	unsigned	i;

	if (n->sync_ms != 0)
		d = n->sync_ms;
	for (i = 0; i < n->nresends; i++)
		if (n->resends[i].at_ms < d)
			d = n->resends[i].at_ms;
	if (e != UINT64_MAX) {
		mono = (int64_t)e - n->cfg.wall_offset_ms;
		if (mono < 0)
			mono = 0;
		if ((uint64_t)mono < d)
			d = (uint64_t)mono;
	}
	return d;
}

/* ---- status and persistence ---- */

void
ov_node_store_stats(const struct ov_node *n, struct ov_store_stats *s)
{
	unsigned	i;

	memset(s, 0, sizeof *s);
	s->values = n->store.values;
	s->bytes = n->store.bytes;
	s->resources = n->store.nres;
	for (i = 0; i < n->store.nres; i++)
		s->responsible += ov_chord_responsible(&n->chord,
		    &n->store.res[i]->id);
	s->replica_stores_sent = n->replica_sent;
	s->flood_refused = n->flood_refused;
}

bool
ov_node_holds(const struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind)
{
	struct ov_skind	*sk = ov_sres_kind(ov_store_find(&n->store, res), kind);
	unsigned	 i;

	for (i = 0; sk != NULL && i < sk->n; i++)
		if (sk->v[i].expires_ms > ov_wall(n, now))
			return true;
	return false;
}

bool
ov_node_take_row(struct ov_node *n, struct ov_id *res, uint32_t *kind,
    uint64_t *generation, uint8_t **blob, size_t *len)
{
	return ov_store_take_row(&n->store, res, kind, generation, blob, len);
}

int
ov_node_load_row(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, uint64_t generation, const uint8_t *blob, size_t len)
{
	return ov_store_load(&n->store, res, kind, generation, blob, len,
	    ov_wall(n, now));
}
