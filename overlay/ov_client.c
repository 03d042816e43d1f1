/*
 * ov_client.c - the node as a storage client (RFC 6940 §7.4): its own
 * Store, Fetch, Stat and Find requests, and their answers for the user.
 *
 * A request for a resource this node is responsible for is answered
 * here, with the checks a storing peer makes (ov_serve.c); any other goes
 * to the responsible peer.  A fetched value is verified again before it
 * is reported (§7.4.2.2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ov_int.h"
#include "xmalloc.h"

static struct ov_fetched *ov_client_fetched(struct ov_node *,
	    const struct ov_id *, const uint8_t *, size_t, const uint8_t *,
	    size_t);

static void
ov_client_stored(struct ov_node *n, uint64_t cookie, int error,
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
	ov_node_event(n, &ev);
}

/* Send a client request (encoded in w, which is cleared) toward res. */
static int
ov_client_send(struct ov_node *n, uint64_t now, enum ov_txn_kind kind,
    uint16_t code, struct wbuf *w, const struct ov_id *res,
    const uint8_t *certs, size_t certs_len, uint64_t cookie,
    uint32_t find_kind)
{
	struct ov_txn	*t = NULL;

	if (!w->err)
		t = ov_txn_start_certs(n, now, kind, code, w->p, w->len, res,
		    false, NULL, 0, certs, certs_len);
	wbuf_clear(w);
	if (t == NULL)
		return EBUSY;
	t->cookie = cookie;
	t->find_kind = find_kind;
	ov_link_flush_all(n, now);
	return 0;
}

int
ov_client_store(struct ov_node *n, uint64_t now, const struct ov_id *res,
    const struct ov_kind_data *kd, const uint8_t *certs, size_t certs_len,
    uint64_t cookie)
{
	struct ov_store_req	*req;
	struct ov_store_ans	 ans;
	struct ov_store_ctx	 c;
	struct wbuf		 w, bucket;
	uint16_t		 err;

	if (!ov_route_may_ask(n))
		return ENOTCONN;
	req = xcalloc(1, sizeof *req);
	req->resource = *res;
	req->nkinds = 1;
	req->kinds[0] = *kd;
	if (ov_route_responsible(n, res)) {
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
		err = ov_serve_store(n, now, req, &c, &ans);
		wbuf_clear(&bucket);
		ov_client_stored(n, cookie, err ? 1000 + err : 0,
		    err ? c.why : NULL, ans.kinds[0].generation,
		    ans.kinds[0].nreplicas);
		ov_link_flush_all(n, now);
		free(req);
		return 0;
	}
	wbuf_init(&w, n->cfg.max_message_size);
	ov_data_store_req_encode(&w, req);
	free(req);
	return ov_client_send(n, now, OV_TX_STORE, OV_STORE_REQ, &w, res,
	    certs, certs_len, cookie, 0);
}

static void	ov_client_answered(struct ov_node *, bool stat,
		    uint64_t cookie, int error, const char *why,
		    const struct ov_id *res,
		    const uint8_t *, size_t, const uint8_t *certs, size_t);

/* Fetch or Stat every value of kind at res. */
int
ov_client_ask(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, bool stat, uint64_t cookie)
{
	struct ov_fetch_req	*req;
	struct wbuf		 w, certs;
	uint16_t		 err;

	if (!ov_route_may_ask(n))
		return ENOTCONN;
	req = xcalloc(1, sizeof *req);
	req->resource = *res;
	req->nspecs = 1;
	req->specs[0].kind = kind;
	req->specs[0].k = ov_kind_find(n->held.kinds, n->held.nkinds, kind);
	if (req->specs[0].k == NULL) {
		free(req);
		return EINVAL;
	}
	if (!ov_route_responsible(n, res)) {
		wbuf_init(&w, 1024);
		ov_data_fetch_req_encode(&w, req);
		free(req);
		return ov_client_send(n, now, stat ? OV_TX_STAT : OV_TX_FETCH,
		    stat ? OV_STAT_REQ : OV_FETCH_REQ, &w, res, NULL, 0,
		    cookie, 0);
	}
	/* we are the storing peer: answer here, checked the same */
	wbuf_init(&certs, 0xffff);
	wbuf_init(&w, n->cfg.max_message_size);
	err = stat ? ov_serve_stat_ans(n, now, req, &w) :
	    ov_serve_fetch_ans(n, now, req, &w, &certs);
	ov_client_answered(n, stat, cookie, err ? 1000 + err : 0, NULL, res,
	    w.p, w.len, certs.p, certs.len);
	wbuf_clear(&w);
	wbuf_clear(&certs);
	free(req);
	return 0;
}

/* Report a Find's answer (error 0: ans) for kind. */
static void
ov_client_found(struct ov_node *n, uint64_t cookie, int error,
    const char *why, uint32_t kind, const struct ov_find_ans *ans)
{
	struct ov_event	ev;
	struct ov_id	zero;
	unsigned	i;

	memset(&ev, 0, sizeof ev);
	memset(&zero, 0, sizeof zero);
	ev.type = OV_EV_FOUND;
	ev.cookie = cookie;
	ev.error = error;
	if (why != NULL)
		snprintf(ev.why, sizeof ev.why, "%s", why);
	for (i = 0; error == 0 && i < ans->n; i++)
		if (ans->kinds[i] == kind) {
			/* §7.4.4.2: zero when there is none */
			ev.has_closest = !ov_id_eq(&ans->closest[i], &zero);
			ev.closest = ans->closest[i];
			break;
		}
	ov_node_event(n, &ev);
}

int
ov_client_find(struct ov_node *n, uint64_t now, const struct ov_id *res,
    uint32_t kind, uint64_t cookie)
{
	struct ov_find_req	req;
	struct ov_find_ans	ans;
	struct wbuf		w;

	if (!ov_route_may_ask(n))
		return ENOTCONN;
	if (ov_kind_find(n->held.kinds, n->held.nkinds, kind) == NULL)
		return EINVAL;
	memset(&req, 0, sizeof req);
	req.resource = *res;
	req.n = 1;
	req.kinds[0] = kind;
	if (ov_route_responsible(n, res)) {
		ov_serve_find_ans(n, &req, &ans);
		ov_client_found(n, cookie, 0, NULL, kind, &ans);
		return 0;
	}
	wbuf_init(&w, 1024);
	ov_data_find_req_encode(&w, &req);
	return ov_client_send(n, now, OV_TX_FIND, OV_FIND_REQ, &w, res, NULL,
	    0, cookie, kind);
}

/* A StatAns for one Kind, kept with its body. */
static struct ov_statted *
ov_client_statted(struct ov_node *n, const uint8_t *data, size_t len)
{
	struct ov_statted	*st = xcalloc(1, sizeof *st);

	st->body = xmalloc(len + 1);
	if (len != 0)
		memcpy(st->body, data, len);
	if (ov_data_stat_ans_decode(st->body, len, n->held.kinds,
	    n->held.nkinds, &st->ans) != 0 || st->ans.n != 1) {
		ov_node_statted_free(st);
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
ov_client_answered(struct ov_node *n, bool stat, uint64_t cookie, int error,
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
		ev.statted = ov_client_statted(n, body, len);
	else if (error == 0)
		ev.fetched = ov_client_fetched(n, res, body, len, certs,
		    certs_len);
	ev.error = error != 0 ? error : ev.fetched == NULL &&
	    ev.statted == NULL ? EBADMSG : 0;
	ev.generation = ev.fetched != NULL ? ev.fetched->generation :
	    ev.statted != NULL ? ev.statted->ans.kinds[0].generation : 0;
	ov_node_event(n, &ev);
}

/* A fetcher verifies again before trusting a value (§7.4.2.2). */
static struct ov_fetched *
ov_client_fetched(struct ov_node *n, const struct ov_id *res,
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
	if (ov_data_fetch_ans_decode(body, len, n->held.kinds,
	    n->held.nkinds, ans) != 0 || ans->n != 1 ||
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
		    !ov_kind_access_ok(kd->k, res, &kd->values[i].v, &who)) {
			f->refused++;
			continue;
		}
		who.cert = NULL;
		who.cert_len = 0;
		f->v[f->n].s = kd->values[i];
		f->v[f->n++].signer = who;
	}
out:
	ov_data_fetch_ans_free(ans);
	free(ans);
	return f;
}

void
ov_client_done(struct ov_node *n, uint64_t now, struct ov_txn *t,
    const struct ov_msg *m, const struct ov_id *signer, int error)
{
	struct ov_store_ans	 ans;
	struct ov_find_ans	 fans;
	const uint8_t		*info;
	size_t			 ilen;
	uint16_t		 code;
	char			 why[OV_WHY_MAX] = "";
	int			 e = error;

	(void)now;
	(void)signer;
	if (m != NULL && m->code == OV_ERROR) {
		e = EBADMSG;
		if (ov_body_error_decode(m->body, m->body_len, &code, &info,
		    &ilen) == 0) {
			e = 1000 + code;
			ov_body_error_why(why, sizeof why, info, ilen);
		}
	}
	switch (t->kind) {
	case OV_TX_STORE:
		memset(&ans, 0, sizeof ans);
		if (e == 0 && ov_data_store_ans_decode(m->body, m->body_len,
		    &ans) != 0)
			e = EBADMSG;
		ov_client_stored(n, t->cookie, e, why, ans.n != 0 ?
		    ans.kinds[0].generation : 0, ans.n != 0 ?
		    ans.kinds[0].nreplicas : 0);
		break;
	case OV_TX_FETCH:
	case OV_TX_STAT:
		ov_client_answered(n, t->kind == OV_TX_STAT, t->cookie, e,
		    why, &t->target, m != NULL ? m->body : NULL, m != NULL ?
		    m->body_len : 0, m != NULL ? m->certs : NULL, m != NULL ?
		    m->certs_len : 0);
		break;
	case OV_TX_FIND:
		memset(&fans, 0, sizeof fans);
		if (e == 0 && ov_data_find_ans_decode(m->body, m->body_len,
		    &fans) != 0)
			e = EBADMSG;
		ov_client_found(n, t->cookie, e, why, t->find_kind, &fans);
		break;
	default:
		break;
	}
}
