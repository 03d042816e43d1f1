/*
 * ov_data.c - the bodies of the storage methods (RFC 6940 §7.4): Store,
 * Fetch, Stat and Find, and the SIP-REGISTRATION value (RFC 7904 §3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ov_body.h"
#include "ov_data.h"
#include "wire.h"
#include "xmalloc.h"

static int
ov_fail(uint16_t *err, uint16_t code)
{
	if (err != NULL)
		*err = code;
	return EBADMSG;
}

/* ResourceId<0..2^8-1>: Chord-reload's are 128 bits (§10.2). */
static void
ov_resource_decode(struct rbuf *r, struct ov_id *id)
{
	struct rbuf	v;

	rbuf_vec(r, 1, &v);
	if (v.len != OV_ID_LEN)
		r->err = true;
	else
		rbuf_copy(&v, id->b, OV_ID_LEN);
}

static void
ov_resource_encode(struct wbuf *w, const struct ov_id *id)
{
	wbuf_u8(w, OV_ID_LEN);
	wbuf_bytes(w, id->b, OV_ID_LEN);
}

/* ---- Store ---- */

/* Count the StoredData in a values<0..2^32-1> vector, bounded. */
static int
ov_count_stored(struct rbuf v, uint32_t *n)
{
	struct rbuf	one;

	*n = 0;
	while (rbuf_left(&v) > 0) {
		rbuf_vec(&v, 4, &one);
		if (v.err || ++*n > OV_DATA_VALUES_MAX)
			return EBADMSG;
	}
	return 0;
}

static int
ov_data_values_decode(struct rbuf *v, enum ov_model m, uint32_t *n,
    struct ov_stored **out)
{
	uint32_t	i;

	*out = NULL;
	if (ov_count_stored(*v, n) != 0)
		return EBADMSG;
	if (*n == 0)
		return 0;
	*out = xcalloc(*n, sizeof **out);
	for (i = 0; i < *n; i++)
		if (ov_stored_decode(v, m, &(*out)[i]) != 0)
			return EBADMSG;
	return 0;
}

/*
 * One StoreKindData / FetchKindResponse.  A Kind not in the table gets
 * k NULL and its values are skipped: they cannot be parsed.
 */
static void
ov_data_kind_decode(struct rbuf *r, const struct ov_kind *t, size_t nt,
    struct ov_kind_data *kd)
{
	struct rbuf	vals;

	memset(kd, 0, sizeof *kd);
	kd->kind = rbuf_u32(r);
	kd->generation = rbuf_u64(r);
	rbuf_vec(r, 4, &vals);
	if (r->err || (kd->k = ov_kind_find(t, nt, kd->kind)) == NULL)
		return;
	if (ov_data_values_decode(&vals, kd->k->model, &kd->nvalues,
	    &kd->values) != 0 || !rbuf_done(&vals))
		r->err = true;
}

static void
ov_data_kind_encode(struct wbuf *w, const struct ov_kind_data *kd)
{
	size_t		mark;
	uint32_t	j;

	wbuf_u32(w, kd->kind);
	wbuf_u64(w, kd->generation);
	mark = wbuf_vec_begin(w, 4);
	for (j = 0; j < kd->nvalues; j++)
		ov_stored_encode(w, kd->k->model, &kd->values[j]);
	wbuf_vec_end(w, mark, 4);
}

static void
ov_data_kind_free(struct ov_kind_data *kd, unsigned n)
{
	unsigned	i;

	for (i = 0; i < n; i++) {
		free(kd[i].values);
		kd[i].values = NULL;
	}
}

int
ov_data_store_req_decode(const uint8_t *p, size_t len, const struct ov_kind *t,
    size_t nt, struct ov_store_req *q, uint16_t *err)
{
	struct rbuf		 r, kd;
	struct ov_kind_data	*sk;
	unsigned		 i;

	memset(q, 0, sizeof *q);
	rbuf_init(&r, p, len);
	ov_resource_decode(&r, &q->resource);
	q->replica = rbuf_u8(&r);
	rbuf_vec(&r, 4, &kd);
	if (r.err || !rbuf_done(&r))
		return ov_fail(err, OV_E_INVALID_MESSAGE);
	while (rbuf_left(&kd) > 0) {
		if (q->nkinds + q->nunknown == OV_DATA_KINDS_MAX)
			return ov_fail(err, OV_E_INVALID_MESSAGE);
		sk = &q->kinds[q->nkinds];
		ov_data_kind_decode(&kd, t, nt, sk);
		if (sk->k != NULL)
			q->nkinds++;		/* freed with the request */
		if (kd.err)
			return ov_fail(err, OV_E_INVALID_MESSAGE);
		for (i = 0; i + 1 < q->nkinds; i++)	/* §7.4.1.1 */
			if (q->kinds[i].kind == sk->kind)
				return ov_fail(err, OV_E_INVALID_MESSAGE);
		for (i = 0; i < q->nunknown; i++)
			if (q->unknown[i] == sk->kind)
				return ov_fail(err, OV_E_INVALID_MESSAGE);
		if (sk->k == NULL)
			q->unknown[q->nunknown++] = sk->kind;
	}
	return 0;
}

void
ov_data_store_req_encode(struct wbuf *w, const struct ov_store_req *q)
{
	size_t		mark;
	unsigned	i;

	ov_resource_encode(w, &q->resource);
	wbuf_u8(w, q->replica);
	mark = wbuf_vec_begin(w, 4);
	for (i = 0; i < q->nkinds; i++)
		ov_data_kind_encode(w, &q->kinds[i]);
	wbuf_vec_end(w, mark, 4);
}

void
ov_data_store_req_free(struct ov_store_req *q)
{
	ov_data_kind_free(q->kinds, q->nkinds);
}

int
ov_data_store_ans_decode(const uint8_t *p, size_t len, struct ov_store_ans *a)
{
	struct rbuf			 r, list, reps;
	struct ov_store_kind_ans	*k;

	memset(a, 0, sizeof *a);
	rbuf_init(&r, p, len);
	rbuf_vec(&r, 2, &list);
	while (!list.err && rbuf_left(&list) > 0) {
		if (a->n == OV_DATA_KINDS_MAX)
			return EBADMSG;
		k = &a->kinds[a->n++];
		k->kind = rbuf_u32(&list);
		k->generation = rbuf_u64(&list);
		rbuf_vec(&list, 2, &reps);
		if (reps.len % OV_ID_LEN != 0 ||
		    reps.len / OV_ID_LEN > OV_DATA_REPLICAS_MAX)
			return EBADMSG;
		while (rbuf_left(&reps) > 0)
			rbuf_copy(&reps, k->replicas[k->nreplicas++].b,
			    OV_ID_LEN);
	}
	return list.err || !rbuf_done(&r) ? EBADMSG : 0;
}

void
ov_data_store_ans_encode(struct wbuf *w, const struct ov_store_ans *a)
{
	size_t		mark = wbuf_vec_begin(w, 2), rmark;
	unsigned	i, j;

	for (i = 0; i < a->n; i++) {
		wbuf_u32(w, a->kinds[i].kind);
		wbuf_u64(w, a->kinds[i].generation);
		rmark = wbuf_vec_begin(w, 2);
		for (j = 0; j < a->kinds[i].nreplicas; j++)
			wbuf_bytes(w, a->kinds[i].replicas[j].b, OV_ID_LEN);
		wbuf_vec_end(w, rmark, 2);
	}
	wbuf_vec_end(w, mark, 2);
}

void
ov_data_unknown_kinds_encode(struct wbuf *w, const uint32_t *k, unsigned n)
{
	size_t		mark = wbuf_vec_begin(w, 1);
	unsigned	i;

	for (i = 0; i < n; i++)
		wbuf_u32(w, k[i]);
	wbuf_vec_end(w, mark, 1);
}

int
ov_data_unknown_kinds_decode(const uint8_t *p, size_t len, uint32_t *k,
    unsigned *n)
{
	struct rbuf	r, v;

	*n = 0;
	rbuf_init(&r, p, len);
	rbuf_vec(&r, 1, &v);
	if (v.len % 4 != 0 || v.len / 4 > OV_DATA_KINDS_MAX)
		return EBADMSG;
	while (rbuf_left(&v) > 0)
		k[(*n)++] = rbuf_u32(&v);
	return rbuf_done(&r) ? 0 : EBADMSG;
}

/* ---- Fetch and Stat requests ---- */

static void
ov_spec_decode(struct rbuf *r, const struct ov_kind *t, size_t nt,
    struct ov_spec *s)
{
	struct rbuf	body, list, key;

	memset(s, 0, sizeof *s);
	s->kind = rbuf_u32(r);
	s->generation = rbuf_u64(r);
	rbuf_vec(r, 2, &body);		/* "length": the model_specifier */
	if (r->err || (s->k = ov_kind_find(t, nt, s->kind)) == NULL)
		return;			/* unknown: the caller refuses it */
	switch (s->k->model) {
	case OV_MODEL_SINGLE:
		break;
	case OV_MODEL_ARRAY:
		rbuf_vec(&body, 2, &list);
		while (!list.err && rbuf_left(&list) > 0) {
			if (s->n == OV_DATA_SPECS_MAX) {
				list.err = true;
				break;
			}
			s->ranges[s->n].first = rbuf_u32(&list);
			s->ranges[s->n].last = rbuf_u32(&list);
			/* §7.4.2.1: first <= last */
			if (s->ranges[s->n].first > s->ranges[s->n].last)
				list.err = true;
			s->n++;
		}
		if (list.err)
			body.err = true;
		break;
	case OV_MODEL_DICT:
		rbuf_vec(&body, 2, &list);
		while (!list.err && rbuf_left(&list) > 0) {
			if (s->n == OV_DATA_SPECS_MAX) {
				list.err = true;
				break;
			}
			rbuf_vec(&list, 2, &key);
			s->keys[s->n].p = key.p;
			s->keys[s->n].len = (uint16_t)key.len;
			s->n++;
		}
		if (list.err)
			body.err = true;
		break;
	}
	if (!rbuf_done(&body))
		r->err = true;
}

static void
ov_spec_encode(struct wbuf *w, const struct ov_spec *s)
{
	size_t		mark, lmark;
	unsigned	i;

	wbuf_u32(w, s->kind);
	wbuf_u64(w, s->generation);
	mark = wbuf_vec_begin(w, 2);
	if (s->k != NULL && s->k->model != OV_MODEL_SINGLE) {
		lmark = wbuf_vec_begin(w, 2);
		for (i = 0; i < s->n; i++) {
			if (s->k->model == OV_MODEL_ARRAY) {
				wbuf_u32(w, s->ranges[i].first);
				wbuf_u32(w, s->ranges[i].last);
			} else {
				wbuf_u16(w, s->keys[i].len);
				wbuf_bytes(w, s->keys[i].p, s->keys[i].len);
			}
		}
		wbuf_vec_end(w, lmark, 2);
	}
	wbuf_vec_end(w, mark, 2);
}

int
ov_data_fetch_req_decode(const uint8_t *p, size_t len, const struct ov_kind *t,
    size_t nt, struct ov_fetch_req *q, uint16_t *err)
{
	struct rbuf	r, list;
	unsigned	i;

	memset(q, 0, sizeof *q);
	rbuf_init(&r, p, len);
	ov_resource_decode(&r, &q->resource);
	rbuf_vec(&r, 2, &list);
	if (r.err || !rbuf_done(&r))
		return ov_fail(err, OV_E_INVALID_MESSAGE);
	while (rbuf_left(&list) > 0) {
		if (q->nspecs == OV_DATA_KINDS_MAX)
			return ov_fail(err, OV_E_INVALID_MESSAGE);
		ov_spec_decode(&list, t, nt, &q->specs[q->nspecs]);
		if (list.err)
			return ov_fail(err, OV_E_INVALID_MESSAGE);
		for (i = 0; i < q->nspecs; i++)
			if (q->specs[i].kind == q->specs[q->nspecs].kind)
				return ov_fail(err, OV_E_INVALID_MESSAGE);
		q->nspecs++;
	}
	return 0;
}

void
ov_data_fetch_req_encode(struct wbuf *w, const struct ov_fetch_req *q)
{
	size_t		mark;
	unsigned	i;

	ov_resource_encode(w, &q->resource);
	mark = wbuf_vec_begin(w, 2);
	for (i = 0; i < q->nspecs; i++)
		ov_spec_encode(w, &q->specs[i]);
	wbuf_vec_end(w, mark, 2);
}

/* ---- Fetch answers ---- */

int
ov_data_fetch_ans_decode(const uint8_t *p, size_t len, const struct ov_kind *t,
    size_t nt, struct ov_fetch_ans *a)
{
	struct rbuf	r, list;

	memset(a, 0, sizeof *a);
	rbuf_init(&r, p, len);
	rbuf_vec(&r, 4, &list);
	while (!list.err && rbuf_left(&list) > 0) {
		if (a->n == OV_DATA_KINDS_MAX)
			return EBADMSG;
		ov_data_kind_decode(&list, t, nt, &a->kinds[a->n]);
		if (a->kinds[a->n++].k == NULL)	/* we asked for known Kinds */
			return EBADMSG;
	}
	return list.err || !rbuf_done(&r) ? EBADMSG : 0;
}

void
ov_data_fetch_ans_encode(struct wbuf *w, const struct ov_fetch_ans *a)
{
	size_t		mark = wbuf_vec_begin(w, 4);
	unsigned	i;

	for (i = 0; i < a->n; i++)
		ov_data_kind_encode(w, &a->kinds[i]);
	wbuf_vec_end(w, mark, 4);
}

void
ov_data_fetch_ans_free(struct ov_fetch_ans *a)
{
	ov_data_kind_free(a->kinds, a->n);
}

/* ---- Stat answers (§7.4.3.2) ---- */

int
ov_data_stat_ans_decode(const uint8_t *p, size_t len, const struct ov_kind *t,
    size_t nt, struct ov_stat_ans *a)
{
	struct rbuf		 r, list, vals, one;
	struct ov_stat_kind	*sk;
	uint32_t		 i;

	memset(a, 0, sizeof *a);
	rbuf_init(&r, p, len);
	rbuf_vec(&r, 4, &list);
	while (!list.err && rbuf_left(&list) > 0) {
		if (a->n == OV_DATA_KINDS_MAX)
			return EBADMSG;
		sk = &a->kinds[a->n++];
		sk->kind = rbuf_u32(&list);
		sk->generation = rbuf_u64(&list);
		rbuf_vec(&list, 4, &vals);
		/* we asked for known Kinds */
		if (list.err || (sk->k = ov_kind_find(t, nt, sk->kind)) == NULL)
			return EBADMSG;
		for (one = vals; rbuf_left(&one) > 0 && !one.err; ) {
			ov_stored_meta_decode(&one, sk->k->model,
			    &(struct ov_meta){0});
			if (++sk->nvalues > OV_DATA_VALUES_MAX)
				return EBADMSG;
		}
		if (one.err)
			return EBADMSG;
		sk->values = xcalloc(sk->nvalues + 1, sizeof *sk->values);
		for (i = 0; i < sk->nvalues; i++)
			ov_stored_meta_decode(&vals, sk->k->model,
			    &sk->values[i]);
	}
	return list.err || !rbuf_done(&r) ? EBADMSG : 0;
}

void
ov_data_stat_ans_encode(struct wbuf *w, const struct ov_stat_ans *a)
{
	size_t		mark = wbuf_vec_begin(w, 4), vals;
	unsigned	i;
	uint32_t	j;

	for (i = 0; i < a->n; i++) {
		wbuf_u32(w, a->kinds[i].kind);
		wbuf_u64(w, a->kinds[i].generation);
		vals = wbuf_vec_begin(w, 4);
		for (j = 0; j < a->kinds[i].nvalues; j++)
			ov_stored_meta_encode(w, a->kinds[i].k->model,
			    &a->kinds[i].values[j]);
		wbuf_vec_end(w, vals, 4);
	}
	wbuf_vec_end(w, mark, 4);
}

void
ov_data_stat_ans_free(struct ov_stat_ans *a)
{
	unsigned	i;

	for (i = 0; i < a->n; i++) {
		free(a->kinds[i].values);
		a->kinds[i].values = NULL;
	}
}

/* ---- SIP-REGISTRATION values (RFC 7904 §3) ---- */

int
ov_data_turn_server_decode(const uint8_t *p, size_t len,
    struct ov_turn_server *ts)
{
	struct rbuf	r;

	memset(ts, 0, sizeof *ts);
	rbuf_init(&r, p, len);
	ts->iteration = rbuf_u8(&r);
	if (ov_body_addr_decode(&r, &ts->addr) != 0 || r.err ||
	    !rbuf_done(&r) || ts->addr.port == 0)
		return EBADMSG;
	return 0;
}

void
ov_data_turn_server_encode(struct wbuf *w, const struct ov_turn_server *ts)
{
	wbuf_u8(w, ts->iteration);
	ov_body_addr_encode(w, &ts->addr);
}

int
ov_data_proxy_peer_decode(const uint8_t *p, size_t len,
    struct ov_proxy_peer *pp)
{
	struct rbuf	r;

	memset(pp, 0, sizeof *pp);
	rbuf_init(&r, p, len);
	if (ov_body_addr_decode(&r, &pp->sip_tls) != 0 || r.err ||
	    !rbuf_done(&r) || pp->sip_tls.port == 0)
		return EBADMSG;
	return 0;
}

void
ov_data_proxy_peer_encode(struct wbuf *w, const struct ov_proxy_peer *pp)
{
	ov_body_addr_encode(w, &pp->sip_tls);
}

int
ov_data_sipreg_decode(const uint8_t *p, size_t len, struct ov_sipreg *sr)
{
	struct rbuf	r, body, u, dl;

	memset(sr, 0, sizeof *sr);
	rbuf_init(&r, p, len);
	sr->type = rbuf_u8(&r);
	rbuf_vec(&r, 2, &body);
	if (r.err || !rbuf_done(&r))
		return EBADMSG;
	rbuf_vec(&body, 2, &u);
	sr->uri = u.p;
	sr->uri_len = (uint16_t)u.len;
	switch (sr->type) {
	case OV_SIPREG_URI:
		break;
	case OV_SIPREG_ROUTE:
		rbuf_vec(&body, 2, &dl);
		while (!dl.err && rbuf_left(&dl) > 0) {
			if (sr->ndest == OV_SIPREG_DEST_MAX)
				return EBADMSG;
			if (ov_msg_dest_decode(&dl,
			    &sr->dest[sr->ndest++]) != 0)
				return EBADMSG;
		}
		if (dl.err)
			return EBADMSG;
		break;
	default:
		return EBADMSG;
	}
	return body.err || !rbuf_done(&body) ? EBADMSG : 0;
}

void
ov_data_sipreg_encode(struct wbuf *w, const struct ov_sipreg *sr)
{
	size_t		body, v;
	unsigned	i;

	wbuf_u8(w, sr->type);
	body = wbuf_vec_begin(w, 2);
	v = wbuf_vec_begin(w, 2);
	wbuf_bytes(w, sr->uri, sr->uri_len);
	wbuf_vec_end(w, v, 2);
	if (sr->type == OV_SIPREG_ROUTE) {
		v = wbuf_vec_begin(w, 2);
		for (i = 0; i < sr->ndest; i++)
			ov_msg_dest_encode(w, &sr->dest[i]);
		wbuf_vec_end(w, v, 2);
	}
	wbuf_vec_end(w, body, 2);
}

/* ---- Find ---- */

int
ov_data_find_req_decode(const uint8_t *p, size_t len, struct ov_find_req *q,
    uint16_t *err)
{
	struct rbuf	r, list;
	unsigned	i;

	memset(q, 0, sizeof *q);
	rbuf_init(&r, p, len);
	ov_resource_decode(&r, &q->resource);
	rbuf_vec(&r, 1, &list);
	if (r.err || !rbuf_done(&r) || list.len % 4 != 0 ||
	    list.len / 4 > OV_DATA_KINDS_MAX)
		return ov_fail(err, OV_E_INVALID_MESSAGE);
	while (rbuf_left(&list) > 0) {
		q->kinds[q->n] = rbuf_u32(&list);
		for (i = 0; i < q->n; i++)	/* §7.4.4.1: once each */
			if (q->kinds[i] == q->kinds[q->n])
				return ov_fail(err, OV_E_INVALID_MESSAGE);
		q->n++;
	}
	return 0;
}

void
ov_data_find_req_encode(struct wbuf *w, const struct ov_find_req *q)
{
	size_t		mark;
	unsigned	i;

	ov_resource_encode(w, &q->resource);
	mark = wbuf_vec_begin(w, 1);
	for (i = 0; i < q->n; i++)
		wbuf_u32(w, q->kinds[i]);
	wbuf_vec_end(w, mark, 1);
}

int
ov_data_find_ans_decode(const uint8_t *p, size_t len, struct ov_find_ans *a)
{
	struct rbuf	r, list;

	memset(a, 0, sizeof *a);
	rbuf_init(&r, p, len);
	rbuf_vec(&r, 2, &list);
	while (!list.err && rbuf_left(&list) > 0) {
		if (a->n == OV_DATA_KINDS_MAX)
			return EBADMSG;
		a->kinds[a->n] = rbuf_u32(&list);
		ov_resource_decode(&list, &a->closest[a->n]);
		a->n++;
	}
	return list.err || !rbuf_done(&r) ? EBADMSG : 0;
}

void
ov_data_find_ans_encode(struct wbuf *w, const struct ov_find_ans *a)
{
	size_t		mark = wbuf_vec_begin(w, 2);
	unsigned	i;

	for (i = 0; i < a->n; i++) {
		wbuf_u32(w, a->kinds[i]);
		ov_resource_encode(w, &a->closest[i]);
	}
	wbuf_vec_end(w, mark, 2);
}
