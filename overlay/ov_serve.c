/*
 * ov_serve.c - the node as a storing peer (RFC 6940 §7.4): answering
 * Store (§7.4.1), Fetch (§7.4.2), Stat (§7.4.3) and Find (§7.4.4).
 *
 * The responsible peer checks each value's signature and the Kind's
 * access control, stores the request atomically (ov_held.c) and sends
 * replica Stores to its next successors (ov_replica.c).  A peer that
 * stores too fast is refused for a while.  Fetch and Stat answer from
 * the values held, with their signers' certificates.
 */
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "xmalloc.h"

/* ---- serving Store (§7.4.1) ---- */

/* The key that signed sig, by the certificates bucket (ov_crypto). */
static int
ov_serve_key(const struct ov_crypto *c, const struct ov_sig *sig,
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

/* ov_held_same_cb: was the held value sv signed with the writer's key? */
static bool
ov_serve_same_key(const struct ov_held_value *sv, const uint8_t *certs,
    size_t certs_len, void *arg)
{
	struct ov_pin	*p = arg;
	uint8_t		 key[OV_KEY_ID_LEN];

	return ov_serve_key(p->c, &sv->s.sig, certs, certs_len, key) == 0 &&
	    memcmp(key, p->key, OV_KEY_ID_LEN) == 0;
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
ov_serve_pinned(struct ov_node *n, uint64_t now, const struct ov_id *res,
    const struct ov_sig *sig, const struct ov_store_ctx *c)
{
	struct ov_pin	p;

	p.c = n->crypto;
	if (ov_serve_key(n->crypto, sig, c->certs, c->certs_len, p.key) != 0)
		return true;
	return ov_held_pinned(&n->held, res, ov_node_wall(n, now),
	    ov_serve_same_key, &p);
}

/*
 * Check every value of kd: its signature, its Kind's access control,
 * and, for an original store, that its signer sent the request.  Each
 * value's certificate is copied out for the store (free them).
 */
static uint16_t
ov_serve_check_values(struct ov_node *n, uint64_t now, const struct ov_id *res,
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
		if (!ov_kind_access_ok(kd->k, res, &kd->values[i].v, &who)) {
			c->why = ov_kind_policy_name(kd->k->policy);
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
		    ov_serve_pinned(n, now, res, &kd->values[i].sig, c)) {
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

/*
 * May peer store here now?  Each signer of StoreReqs has a bucket of
 * peer_store_burst stores, refilled at peer_store_rate a second; the
 * least recently used of OV_FLOOD_SLOTS buckets makes way for a new
 * signer.  Replicas (bounded by their sender's sync) and our own stores
 * are not counted.  §7.4.1.1 names no error for a flood: we answer
 * Error_Forbidden with the reason.
 */
static bool
ov_serve_allowed(struct ov_node *n, uint64_t now, const struct ov_id *peer)
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
uint16_t
ov_serve_store(struct ov_node *n, uint64_t now, const struct ov_store_req *req,
    struct ov_store_ctx *c, struct ov_store_ans *ans)
{
	const struct ov_id	*res = &req->resource;
	bool			 replica = req->replica != 0;
	uint8_t			**certs[OV_DATA_KINDS_MAX];
	size_t			*clen[OV_DATA_KINDS_MAX];
	uint64_t		 wall = ov_node_wall(n, now);
	struct ov_held_res	*r;
	uint16_t		 err = 0;
	unsigned		 i, j, done = 0;

	memset(ans, 0, sizeof *ans);
	if (!replica && !ov_route_responsible(n, res)) {
		c->why = "not responsible for the resource";
		return OV_E_FORBIDDEN;
	}
	if (!replica && !ov_id_eq(&c->sender, &n->cfg.self) &&
	    !ov_serve_allowed(n, now, &c->sender)) {
		c->why = OV_WHY_FLOOD;
		return OV_E_FORBIDDEN;
	}
	/* §10.4: a replica comes from a neighbor, for a resource of ours */
	if (replica && (!ov_replica_holds(n, res) ||
	    !ov_chord_has(&n->chord, &c->sender))) {
		c->why = "not a replica of the resource for that peer";
		return OV_E_FORBIDDEN;
	}
	for (i = 0; i < req->nkinds && err == 0; i++, done++) {
		certs[i] = xcalloc(req->kinds[i].nvalues + 1, sizeof *certs[i]);
		clen[i] = xcalloc(req->kinds[i].nvalues + 1, sizeof *clen[i]);
		err = ov_serve_check_values(n, now, res, &req->kinds[i],
		    replica, c, certs[i], clen[i]);
		if (err == 0)
			(void)ov_held_check(&n->held, res, &req->kinds[i],
			    replica, &err, &c->why);
	}
	/* §7.4.1.1: all or nothing */
	for (i = 0; i < req->nkinds && err == 0; i++) {
		ans->kinds[i].kind = req->kinds[i].kind;
		ans->kinds[i].generation = ov_held_apply(&n->held, res,
		    &req->kinds[i], (const uint8_t *const *)certs[i], clen[i],
		    replica, wall);
		for (j = 0; !replica && j + 1 < n->cfg.replicas &&
		    j < n->chord.nsucc && j < OV_DATA_REPLICAS_MAX; j++)
			ans->kinds[i].replicas[ans->kinds[i].nreplicas++] =
			    n->chord.succ[j];
	}
	if (err == 0) {
		ans->n = req->nkinds;
		/* ours: copied below to the successors this table has, so
		 * a sync for this table has nothing to send for it (a
		 * replica's copies are its sender's to make) */
		if (!replica && (r = ov_held_find(&n->held, res)) != NULL)
			r->table_gen = n->table_gen;
	}
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
		ov_replica_send(n, now, res, &n->chord.succ[j],
		    (uint8_t)(j + 1), 0);
	return 0;
}

void
ov_serve_store_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m, const struct ov_id *s)
{
	struct ov_store_req	*req = xmalloc(sizeof *req);
	struct ov_store_ans	 ans;
	struct ov_store_ctx	 c = { m->certs, m->certs_len, *s, NULL };
	struct wbuf		 w;
	uint16_t		 err;

	if (ov_data_store_req_decode(m->body, m->body_len, n->held.kinds,
	    n->held.nkinds, req, &err) != 0) {
		ov_route_error(n, now, l, &m->fwd, err, "bad StoreReq");
		goto out;
	}
	if (req->nunknown != 0) {
		wbuf_init(&w, 1024);
		ov_data_unknown_kinds_encode(&w, req->unknown, req->nunknown);
		/* error_info carries the Kinds (§7.4.1.2), not text */
		ov_route_error_info(n, now, l, &m->fwd, OV_E_UNKNOWN_KIND,
		    w.p, w.len);
		wbuf_clear(&w);
		goto out;
	}
	if ((err = ov_serve_store(n, now, req, &c, &ans)) != 0) {
		ov_route_error(n, now, l, &m->fwd, err, c.why);
		goto out;
	}
	wbuf_init(&w, n->cfg.max_message_size);
	ov_data_store_ans_encode(&w, &ans);
	ov_route_answer(n, now, l, m, OV_STORE_ANS, w.p, w.len);
	wbuf_clear(&w);
out:
	ov_data_store_req_free(req);
	free(req);
}

/* ---- serving Fetch (§7.4.2) and Find (§7.4.4) ---- */

/*
 * The FetchAns for req into w, the values' certificates into certs.  0,
 * or the error to answer with.
 */
uint16_t
ov_serve_fetch_ans(struct ov_node *n, uint64_t now,
    const struct ov_fetch_req *req, struct wbuf *w, struct wbuf *certs)
{
	struct ov_fetch_ans	 *ans = xcalloc(1, sizeof *ans);
	const struct ov_held_value	**src;
	unsigned		  i;

	for (i = 0; i < req->nspecs; i++) {
		ov_held_fetch(&n->held, &req->resource, &req->specs[i],
		    ov_node_wall(n, now), &ans->kinds[ans->n++], &src);
		ov_held_certs_of(&n->held, certs, src,
		    ans->kinds[ans->n - 1].nvalues);
		free(src);
	}
	ov_data_fetch_ans_encode(w, ans);
	/* the values point into the store: only the arrays are ours */
	for (i = 0; i < ans->n; i++)
		free(ans->kinds[i].values);
	free(ans);
	return w->err || certs->err ? OV_E_RESPONSE_TOO_LARGE : 0;
}

/* The StatAns for req into w: the FetchAns's values, as metadata. */
uint16_t
ov_serve_stat_ans(struct ov_node *n, uint64_t now,
    const struct ov_fetch_req *req, struct wbuf *w)
{
	struct ov_stat_ans	 *ans = xcalloc(1, sizeof *ans);
	struct ov_kind_data	  kd;
	const struct ov_held_value	**src;
	unsigned		  i;
	uint32_t		  j;

	for (i = 0; i < req->nspecs; i++) {
		ov_held_fetch(&n->held, &req->resource, &req->specs[i],
		    ov_node_wall(n, now), &kd, &src);
		free(src);
		ans->kinds[i].kind = kd.kind;
		ans->kinds[i].k = kd.k;
		ans->kinds[i].generation = kd.generation;
		ans->kinds[i].nvalues = kd.nvalues;
		ans->kinds[i].values = xcalloc(kd.nvalues + 1,
		    sizeof *ans->kinds[i].values);
		for (j = 0; j < kd.nvalues; j++)
			ov_stored_meta(&kd.values[j], &ans->kinds[i].values[j]);
		free(kd.values);
		ans->n++;
	}
	ov_data_stat_ans_encode(w, ans);
	ov_data_stat_ans_free(ans);
	free(ans);
	return w->err ? OV_E_RESPONSE_TOO_LARGE : 0;
}

/* Fetch and Stat: the same request (§7.4.3.1), different answers. */
void
ov_serve_fetch_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m)
{
	struct ov_fetch_req	 *req = xmalloc(sizeof *req);
	struct wbuf		  w, certs;
	uint16_t		  err;
	unsigned		  i;

	if (ov_data_fetch_req_decode(m->body, m->body_len, n->held.kinds,
	    n->held.nkinds, req, &err) != 0) {
		ov_route_error(n, now, l, &m->fwd, err, m->code == OV_STAT_REQ ?
		    "bad StatReq" : "bad FetchReq");
		goto out;
	}
	for (i = 0; i < req->nspecs; i++) {
		if (req->specs[i].k == NULL) {
			wbuf_init(&w, 16);
			ov_data_unknown_kinds_encode(&w, &req->specs[i].kind,
			    1);
			ov_route_error_info(n, now, l, &m->fwd,
			    OV_E_UNKNOWN_KIND, w.p, w.len);
			wbuf_clear(&w);
			goto out;
		}
	}
	wbuf_init(&certs, 0xffff);
	wbuf_init(&w, n->cfg.max_message_size);
	if ((m->code == OV_STAT_REQ ? ov_serve_stat_ans(n, now, req, &w) :
	    ov_serve_fetch_ans(n, now, req, &w, &certs)) != 0)
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

/*
 * FindAns (§7.4.4.2): for each Kind asked, the Resource-ID held here with
 * values of it that comes first at or after the one asked (clockwise);
 * zero when there is none.
 */
void
ov_serve_find_ans(struct ov_node *n, const struct ov_find_req *req,
    struct ov_find_ans *ans)
{
	struct ov_held_kind		*sk;
	struct ov_id			 best, d, bd;
	unsigned			 i, j;
	bool				 have;

	memset(ans, 0, sizeof *ans);
	for (i = 0; i < req->n; i++) {
		have = false;
		for (j = 0; j < n->held.nres; j++) {
			sk = ov_held_res_kind(n->held.res[j], req->kinds[i]);
			if (sk == NULL || sk->n == 0)
				continue;
			ov_id_sub(&d, &n->held.res[j]->id, &req->resource);
			if (!have || ov_id_cmp(&d, &bd) < 0) {
				bd = d;
				best = n->held.res[j]->id;
				have = true;
			}
		}
		ans->kinds[ans->n] = req->kinds[i];
		if (have)
			ans->closest[ans->n] = best;
		ans->n++;
	}
}

/* A Find routed here (§7.4.4). */
void
ov_serve_find_request(struct ov_node *n, uint64_t now, struct ov_link *l,
    const struct ov_msg *m)
{
	struct ov_find_req	req;
	struct ov_find_ans	ans;
	struct wbuf		w;
	uint16_t		err;

	if (ov_data_find_req_decode(m->body, m->body_len, &req, &err) != 0) {
		ov_route_error(n, now, l, &m->fwd, err, "bad FindReq");
		return;
	}
	ov_serve_find_ans(n, &req, &ans);
	wbuf_init(&w, n->cfg.max_message_size);
	ov_data_find_ans_encode(&w, &ans);
	ov_route_answer(n, now, l, m, OV_FIND_ANS, w.p, w.len);
	wbuf_clear(&w);
}
