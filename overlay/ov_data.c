/*
 * ov_data.c - stored data and the storage method bodies (RFC 6940 §7).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "ov_cert.h"
#include "ov_data.h"
#include "wire.h"
#include "xmalloc.h"

/*
 * Default limits: SIP-REGISTRATION as RFC 7904's example configuration
 * gives it, TURN-SERVICE's iteration bound from §9, certificates sized
 * for a P-256 certificate with a few names.
 */
const struct ov_kind ov_kinds[] = {
	{ OV_KIND_SIP_REGISTRATION, "SIP-REGISTRATION", OV_MODEL_DICT,
	    OV_POLICY_USER_NODE_MATCH, 10, 1000, 0 },
	{ OV_KIND_TURN_SERVICE, "TURN-SERVICE", OV_MODEL_SINGLE,
	    OV_POLICY_NODE_MULTIPLE, 1, 100, 20 },
	{ OV_KIND_CERT_BY_NODE, "CERTIFICATE_BY_NODE", OV_MODEL_ARRAY,
	    OV_POLICY_NODE_MATCH, 4, 2048, 0 },
	{ OV_KIND_CERT_BY_USER, "CERTIFICATE_BY_USER", OV_MODEL_ARRAY,
	    OV_POLICY_USER_MATCH, 4, 2048, 0 },
};
const size_t ov_nkinds = sizeof ov_kinds / sizeof ov_kinds[0];

const struct ov_kind *
ov_kind_find(const struct ov_kind *t, size_t n, uint32_t id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

const char *
ov_model_name(enum ov_model m)
{
	switch (m) {
	case OV_MODEL_SINGLE:
		return "single";
	case OV_MODEL_ARRAY:
		return "array";
	case OV_MODEL_DICT:
		return "dictionary";
	}
	return "?";
}

const char *
ov_policy_name(enum ov_policy p)
{
	switch (p) {
	case OV_POLICY_USER_MATCH:
		return "USER-MATCH";
	case OV_POLICY_NODE_MATCH:
		return "NODE-MATCH";
	case OV_POLICY_USER_NODE_MATCH:
		return "USER-NODE-MATCH";
	case OV_POLICY_NODE_MULTIPLE:
		return "NODE-MULTIPLE";
	}
	return "?";
}

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

/* Boolean (TLS presentation language): 0 or 1, nothing else. */
static bool
ov_bool(struct rbuf *r)
{
	uint8_t	b = rbuf_u8(r);

	if (b > 1)
		r->err = true;
	return b == 1;
}

/* ---- StoredDataValue and StoredData ---- */

static void
ov_value_decode(struct rbuf *r, enum ov_model m, struct ov_value *v)
{
	struct rbuf	k, d;

	memset(v, 0, sizeof *v);
	if (m == OV_MODEL_ARRAY)
		v->index = rbuf_u32(r);
	else if (m == OV_MODEL_DICT) {
		rbuf_vec(r, 2, &k);
		v->key = k.p;
		v->key_len = (uint16_t)k.len;
	}
	v->exists = ov_bool(r);
	rbuf_vec(r, 4, &d);
	v->data = d.p;
	v->len = (uint32_t)d.len;
	if (!v->exists && v->len != 0)		/* §7.4.1.3: value = {} */
		r->err = true;
}

/* The StoredDataValue; zero_index for the signature input (§7.4.2.2). */
static void
ov_value_encode(struct wbuf *w, enum ov_model m, const struct ov_value *v,
    bool zero_index)
{
	if (m == OV_MODEL_ARRAY)
		wbuf_u32(w, zero_index ? 0 : v->index);
	else if (m == OV_MODEL_DICT) {
		wbuf_u16(w, v->key_len);
		wbuf_bytes(w, v->key, v->key_len);
	}
	wbuf_u8(w, v->exists ? 1 : 0);
	wbuf_u32(w, v->len);
	wbuf_bytes(w, v->data, v->len);
}

int
ov_stored_decode(struct rbuf *r, enum ov_model m, struct ov_stored *s)
{
	struct rbuf	v;

	memset(s, 0, sizeof *s);
	rbuf_vec(r, 4, &v);
	s->storage_time = rbuf_u64(&v);
	s->lifetime = rbuf_u32(&v);
	ov_value_decode(&v, m, &s->v);
	ov_msg_sig_decode(&v, &s->sig);
	if (!rbuf_done(&v))
		r->err = true;
	return r->err ? EBADMSG : 0;
}

void
ov_stored_encode(struct wbuf *w, enum ov_model m, const struct ov_stored *s)
{
	size_t	mark = wbuf_vec_begin(w, 4);

	wbuf_u64(w, s->storage_time);
	wbuf_u32(w, s->lifetime);
	ov_value_encode(w, m, &s->v, false);
	ov_msg_sig_encode(w, &s->sig);
	wbuf_vec_end(w, mark, 4);
}

/* resource_id || kind || storage_time || StoredDataValue || SignerIdentity */
static void
ov_stored_sig_input(struct wbuf *w, const struct ov_id *res, uint32_t kind,
    enum ov_model m, const struct ov_stored *s)
{
	/*
	 * §7.1 names "the Resource-ID" without saying whether the length
	 * byte of the ResourceId vector is part of it; we sign its bytes
	 * alone.  Chord-reload's are all 16 bytes, so nothing is ambiguous.
	 */
	wbuf_bytes(w, res->b, OV_ID_LEN);
	wbuf_u32(w, kind);
	wbuf_u64(w, s->storage_time);
	ov_value_encode(w, m, &s->v, true);
	wbuf_bytes(w, s->sig.identity, s->sig.identity_len);
}

int
ov_stored_sign(struct ov_stored *s, struct ov_sigbuf *b,
    const struct ov_id *res, uint32_t kind, enum ov_model m,
    const struct ov_crypto *c)
{
	struct wbuf	in;
	size_t		n;

	if (c->cert_hash_len > sizeof b->identity - 5)
		return EIO;
	b->identity[0] = OV_SIGNER_CERT_HASH;
	b->identity[1] = 0;
	b->identity[2] = (uint8_t)(2 + c->cert_hash_len);
	b->identity[3] = c->id_hash_alg;
	b->identity[4] = (uint8_t)c->cert_hash_len;
	memcpy(b->identity + 5, c->cert_hash, c->cert_hash_len);
	memset(&s->sig, 0, sizeof s->sig);
	s->sig.hash_alg = c->hash_alg;
	s->sig.sig_alg = c->sig_alg;
	s->sig.identity = b->identity;
	s->sig.identity_len = 5 + c->cert_hash_len;
	s->sig.id_type = OV_SIGNER_CERT_HASH;
	s->sig.id_hash_alg = c->id_hash_alg;
	s->sig.id_hash = b->identity + 5;
	s->sig.id_hash_len = (uint8_t)c->cert_hash_len;
	wbuf_init(&in, 1 << 24);
	ov_stored_sig_input(&in, res, kind, m, s);
	n = in.err ? 0 : c->sign(in.p, in.len, b->value, sizeof b->value,
	    c->arg);
	wbuf_clear(&in);
	if (n == 0)
		return EIO;
	s->sig.value = b->value;
	s->sig.value_len = (uint16_t)n;
	return 0;
}

int
ov_stored_verify(const struct ov_stored *s, const struct ov_id *res,
    uint32_t kind, enum ov_model m, const uint8_t *certs, size_t certs_len,
    const struct ov_crypto *c, struct ov_signer *signer)
{
	struct wbuf	in;
	int		rc;

	/* §7.4.1.1: anonymous data is only what a Fetch synthesizes. */
	if (s->sig.id_type == OV_SIGNER_NONE || s->sig.value_len == 0)
		return EBADMSG;
	wbuf_init(&in, 1 << 24);
	ov_stored_sig_input(&in, res, kind, m, s);
	rc = in.err ? EBADMSG : c->verify(&s->sig, certs, certs_len, in.p,
	    in.len, signer, c->arg);
	wbuf_clear(&in);
	return rc;
}

/* ---- access control (§7.3) ---- */

/*
 * USER-MATCH: the user name hashes to the Resource-ID.  RFC 7904 names
 * registrations by the AOR ("sip:alice@example.org") while a certificate
 * carries the rfc822Name "alice@example.org"; the hash of either matches.
 */
static bool
ov_user_match(const struct ov_id *res, const char *user)
{
	char		aor[4 + OV_USER_MAX];
	struct ov_id	h;

	if (user[0] == '\0')
		return false;
	ov_id_resource(user, strlen(user), &h);
	if (ov_id_eq(&h, res))
		return true;
	snprintf(aor, sizeof aor, "sip:%s", user);
	ov_id_resource(aor, strlen(aor), &h);
	return ov_id_eq(&h, res);
}

bool
ov_access_ok(const struct ov_kind *k, const struct ov_id *res,
    const struct ov_value *v, const struct ov_signer *who)
{
	uint8_t		buf[OV_ID_LEN + 1];
	struct ov_id	h;
	unsigned	i;

	switch (k->policy) {
	case OV_POLICY_USER_MATCH:
		return ov_user_match(res, who->user);
	case OV_POLICY_NODE_MATCH:
		ov_id_resource(who->node.b, OV_ID_LEN, &h);
		return ov_id_eq(&h, res);
	case OV_POLICY_USER_NODE_MATCH:
		return k->model == OV_MODEL_DICT &&
		    ov_user_match(res, who->user) &&
		    v->key_len == OV_ID_LEN &&
		    memcmp(v->key, who->node.b, OV_ID_LEN) == 0;
	case OV_POLICY_NODE_MULTIPLE:
		/* §7.3.4 does not say how i is written: one byte here */
		memcpy(buf, who->node.b, OV_ID_LEN);
		for (i = 0; i <= k->max_i && i < 256; i++) {
			buf[OV_ID_LEN] = (uint8_t)i;
			ov_id_resource(buf, sizeof buf, &h);
			if (ov_id_eq(&h, res))
				return true;
		}
		return false;
	}
	return false;
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
ov_stored_list_decode(struct rbuf *v, enum ov_model m, uint32_t *n,
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
ov_kind_data_decode(struct rbuf *r, const struct ov_kind *t, size_t nt,
    struct ov_kind_data *kd)
{
	struct rbuf	vals;

	memset(kd, 0, sizeof *kd);
	kd->kind = rbuf_u32(r);
	kd->generation = rbuf_u64(r);
	rbuf_vec(r, 4, &vals);
	if (r->err || (kd->k = ov_kind_find(t, nt, kd->kind)) == NULL)
		return;
	if (ov_stored_list_decode(&vals, kd->k->model, &kd->nvalues,
	    &kd->values) != 0 || !rbuf_done(&vals))
		r->err = true;
}

static void
ov_kind_data_encode(struct wbuf *w, const struct ov_kind_data *kd)
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
ov_kind_data_free(struct ov_kind_data *kd, unsigned n)
{
	unsigned	i;

	for (i = 0; i < n; i++) {
		free(kd[i].values);
		kd[i].values = NULL;
	}
}

int
ov_store_req_decode(const uint8_t *p, size_t len, const struct ov_kind *t,
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
		ov_kind_data_decode(&kd, t, nt, sk);
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
ov_store_req_encode(struct wbuf *w, const struct ov_store_req *q)
{
	size_t		mark;
	unsigned	i;

	ov_resource_encode(w, &q->resource);
	wbuf_u8(w, q->replica);
	mark = wbuf_vec_begin(w, 4);
	for (i = 0; i < q->nkinds; i++)
		ov_kind_data_encode(w, &q->kinds[i]);
	wbuf_vec_end(w, mark, 4);
}

void
ov_store_req_free(struct ov_store_req *q)
{
	ov_kind_data_free(q->kinds, q->nkinds);
}

int
ov_store_ans_decode(const uint8_t *p, size_t len, struct ov_store_ans *a)
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
ov_store_ans_encode(struct wbuf *w, const struct ov_store_ans *a)
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
ov_unknown_kinds_encode(struct wbuf *w, const uint32_t *k, unsigned n)
{
	size_t		mark = wbuf_vec_begin(w, 1);
	unsigned	i;

	for (i = 0; i < n; i++)
		wbuf_u32(w, k[i]);
	wbuf_vec_end(w, mark, 1);
}

int
ov_unknown_kinds_decode(const uint8_t *p, size_t len, uint32_t *k,
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
ov_fetch_req_decode(const uint8_t *p, size_t len, const struct ov_kind *t,
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
ov_fetch_req_encode(struct wbuf *w, const struct ov_fetch_req *q)
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
ov_fetch_ans_decode(const uint8_t *p, size_t len, const struct ov_kind *t,
    size_t nt, struct ov_fetch_ans *a)
{
	struct rbuf	r, list;

	memset(a, 0, sizeof *a);
	rbuf_init(&r, p, len);
	rbuf_vec(&r, 4, &list);
	while (!list.err && rbuf_left(&list) > 0) {
		if (a->n == OV_DATA_KINDS_MAX)
			return EBADMSG;
		ov_kind_data_decode(&list, t, nt, &a->kinds[a->n]);
		if (a->kinds[a->n++].k == NULL)	/* we asked for known Kinds */
			return EBADMSG;
	}
	return list.err || !rbuf_done(&r) ? EBADMSG : 0;
}

void
ov_fetch_ans_encode(struct wbuf *w, const struct ov_fetch_ans *a)
{
	size_t		mark = wbuf_vec_begin(w, 4);
	unsigned	i;

	for (i = 0; i < a->n; i++)
		ov_kind_data_encode(w, &a->kinds[i]);
	wbuf_vec_end(w, mark, 4);
}

void
ov_fetch_ans_free(struct ov_fetch_ans *a)
{
	ov_kind_data_free(a->kinds, a->n);
}

/* ---- Stat answers (§7.4.3.2) ---- */

void
ov_meta_of(const struct ov_stored *s, struct ov_meta *m)
{
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	uint8_t		 len[4];
	unsigned	 n = 0;

	memset(m, 0, sizeof *m);
	m->storage_time = s->storage_time;
	m->lifetime = s->lifetime;
	m->index = s->v.index;
	m->key = s->v.key;
	m->key_len = s->v.key_len;
	m->exists = s->v.exists;
	m->value_length = s->v.len;
	m->hash_alg = OV_HASH_SHA256;
	m->hash_len = SHA256_DIGEST_LENGTH;
	len[0] = (uint8_t)(s->v.len >> 24);
	len[1] = (uint8_t)(s->v.len >> 16);
	len[2] = (uint8_t)(s->v.len >> 8);
	len[3] = (uint8_t)s->v.len;
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, len, sizeof len) != 1 ||
	    EVP_DigestUpdate(c, s->v.data, s->v.len) != 1 ||
	    EVP_DigestFinal_ex(c, m->hash, &n) != 1)
		m->hash_len = 0;	/* out of memory: no digest */
	EVP_MD_CTX_free(c);
}

/*
 * StoredMetaData.  Its length field covers the rest of the structure, as
 * StoredData's does ("the same as the corresponding fields"); Wireshark
 * reads it so too.
 */
static void
ov_meta_decode(struct rbuf *r, enum ov_model model, struct ov_meta *m)
{
	struct rbuf	v, k, h;

	memset(m, 0, sizeof *m);
	rbuf_vec(r, 4, &v);
	m->storage_time = rbuf_u64(&v);
	m->lifetime = rbuf_u32(&v);
	if (model == OV_MODEL_ARRAY)
		m->index = rbuf_u32(&v);
	else if (model == OV_MODEL_DICT) {
		rbuf_vec(&v, 2, &k);
		m->key = k.p;
		m->key_len = (uint16_t)k.len;
	}
	m->exists = ov_bool(&v);
	m->value_length = rbuf_u32(&v);
	m->hash_alg = rbuf_u8(&v);
	rbuf_vec(&v, 1, &h);
	if (h.len > OV_META_HASH_MAX || !rbuf_done(&v)) {
		r->err = true;
		return;
	}
	m->hash_len = (uint8_t)h.len;
	memcpy(m->hash, h.p, h.len);
}

static void
ov_meta_encode(struct wbuf *w, enum ov_model model, const struct ov_meta *m)
{
	size_t	mark = wbuf_vec_begin(w, 4), h;

	wbuf_u64(w, m->storage_time);
	wbuf_u32(w, m->lifetime);
	if (model == OV_MODEL_ARRAY)
		wbuf_u32(w, m->index);
	else if (model == OV_MODEL_DICT) {
		wbuf_u16(w, m->key_len);
		wbuf_bytes(w, m->key, m->key_len);
	}
	wbuf_u8(w, m->exists ? 1 : 0);
	wbuf_u32(w, m->value_length);
	wbuf_u8(w, m->hash_alg);
	h = wbuf_vec_begin(w, 1);
	wbuf_bytes(w, m->hash, m->hash_len);
	wbuf_vec_end(w, h, 1);
	wbuf_vec_end(w, mark, 4);
}

int
ov_stat_ans_decode(const uint8_t *p, size_t len, const struct ov_kind *t,
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
			ov_meta_decode(&one, sk->k->model, &(struct ov_meta){0});
			if (++sk->nvalues > OV_DATA_VALUES_MAX)
				return EBADMSG;
		}
		if (one.err)
			return EBADMSG;
		sk->values = xcalloc(sk->nvalues + 1, sizeof *sk->values);
		for (i = 0; i < sk->nvalues; i++)
			ov_meta_decode(&vals, sk->k->model, &sk->values[i]);
	}
	return list.err || !rbuf_done(&r) ? EBADMSG : 0;
}

void
ov_stat_ans_encode(struct wbuf *w, const struct ov_stat_ans *a)
{
	size_t		mark = wbuf_vec_begin(w, 4), vals;
	unsigned	i;
	uint32_t	j;

	for (i = 0; i < a->n; i++) {
		wbuf_u32(w, a->kinds[i].kind);
		wbuf_u64(w, a->kinds[i].generation);
		vals = wbuf_vec_begin(w, 4);
		for (j = 0; j < a->kinds[i].nvalues; j++)
			ov_meta_encode(w, a->kinds[i].k->model,
			    &a->kinds[i].values[j]);
		wbuf_vec_end(w, vals, 4);
	}
	wbuf_vec_end(w, mark, 4);
}

void
ov_stat_ans_free(struct ov_stat_ans *a)
{
	unsigned	i;

	for (i = 0; i < a->n; i++) {
		free(a->kinds[i].values);
		a->kinds[i].values = NULL;
	}
}

/* ---- SIP-REGISTRATION values (RFC 7904 §3) ---- */

int
ov_sipreg_decode(const uint8_t *p, size_t len, struct ov_sipreg *sr)
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
ov_sipreg_encode(struct wbuf *w, const struct ov_sipreg *sr)
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
ov_find_req_decode(const uint8_t *p, size_t len, struct ov_find_req *q,
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
ov_find_req_encode(struct wbuf *w, const struct ov_find_req *q)
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
ov_find_ans_decode(const uint8_t *p, size_t len, struct ov_find_ans *a)
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
ov_find_ans_encode(struct wbuf *w, const struct ov_find_ans *a)
{
	size_t		mark = wbuf_vec_begin(w, 2);
	unsigned	i;

	for (i = 0; i < a->n; i++) {
		wbuf_u32(w, a->kinds[i]);
		ov_resource_encode(w, &a->closest[i]);
	}
	wbuf_vec_end(w, mark, 2);
}
