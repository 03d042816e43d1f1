/*
 * ov_held.c - the values a peer holds, their checks and their rows
 * (RFC 6940 §7.4.1, §7.4.2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ov_msg.h"
#include "ov_held.h"
#include "wire.h"
#include "xmalloc.h"

void
ov_held_init(struct ov_held *st, const struct ov_kind *kinds, size_t n,
    const struct ov_held_limits *lim)
{
	memset(st, 0, sizeof *st);
	st->kinds = kinds;
	st->nkinds = n;
	st->lim = *lim;
	st->next_expiry = UINT64_MAX;
	ov_certs_init(&st->certs);
	fifo_init(&st->dirty, sizeof(struct ov_id));
}

static void
ov_held_value_free(struct ov_held *st, struct ov_held_value *v)
{
	free(v->raw);
	ov_certs_unref(&st->certs, v->certs);
	memset(v, 0, sizeof *v);
}

static void
ov_held_res_free(struct ov_held *st, struct ov_held_res *r)
{
	unsigned	i, j;

	for (i = 0; i < r->nkinds; i++) {
		for (j = 0; j < r->kinds[i].n; j++)
			ov_held_value_free(st, &r->kinds[i].v[j]);
		free(r->kinds[i].v);
	}
	free(r->kinds);
	free(r);
}

void
ov_held_clear(struct ov_held *st)
{
	unsigned	i;

	for (i = 0; i < st->nres; i++)
		ov_held_res_free(st, st->res[i]);
	free(st->res);
	ov_certs_clear(&st->certs);
	fifo_clear(&st->dirty);
	memset(st, 0, sizeof *st);
}

/* Binary search: the position of id, or where it would go. */
static unsigned
ov_held_pos(const struct ov_held *st, const struct ov_id *id, bool *found)
{
	unsigned	lo = 0, hi = st->nres, mid;
	int		c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = ov_id_cmp(&st->res[mid]->id, id);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct ov_held_res *
ov_held_find(const struct ov_held *st, const struct ov_id *id)
{
	bool		found;
	unsigned	i = ov_held_pos(st, id, &found);

	return found ? st->res[i] : NULL;
}

static struct ov_held_res *
ov_held_get(struct ov_held *st, const struct ov_id *id)
{
	bool			 found;
	unsigned		 i = ov_held_pos(st, id, &found);
	struct ov_held_res	*r;

	if (found)
		return st->res[i];
	if (st->nres == st->cap) {
		st->cap = st->cap != 0 ? st->cap * 2 : 64;
		st->res = xreallocarray(st->res, st->cap, sizeof *st->res);
	}
	memmove(&st->res[i + 1], &st->res[i],
	    (st->nres - i) * sizeof *st->res);
	r = xcalloc(1, sizeof *r);
	r->id = *id;
	st->res[i] = r;
	st->nres++;
	return r;
}

/* Remove r if nothing in it is left to keep or to persist. */
static void
ov_held_tidy(struct ov_held *st, struct ov_held_res *r)
{
	bool		found;
	unsigned	i, j;

	for (i = 0; i < r->nkinds; ) {
		if (r->kinds[i].n == 0 && !r->kinds[i].dirty) {
			free(r->kinds[i].v);
			r->kinds[i] = r->kinds[--r->nkinds];
		} else
			i++;
	}
	if (r->nkinds != 0)
		return;
	j = ov_held_pos(st, &r->id, &found);
	if (!found)
		return;
	memmove(&st->res[j], &st->res[j + 1],
	    (st->nres - j - 1) * sizeof *st->res);
	st->nres--;
	ov_held_res_free(st, r);
}

struct ov_held_kind *
ov_held_res_kind(struct ov_held_res *r, uint32_t kind)
{
	unsigned	i;

	for (i = 0; r != NULL && i < r->nkinds; i++)
		if (r->kinds[i].k->id == kind)
			return &r->kinds[i];
	return NULL;
}

/* r's Kind sk changed: a row to persist (r queued once for each). */
static void
ov_held_kind_dirty(struct ov_held *st, struct ov_held_res *r,
    struct ov_held_kind *sk)
{
	if (sk->dirty)
		return;
	sk->dirty = true;
	st->ndirty++;
	fifo_push(&st->dirty, &r->id);
}

/* Two values at one address of model m? */
static bool
ov_same_slot(enum ov_model m, const struct ov_value *a,
    const struct ov_value *b)
{
	switch (m) {
	case OV_MODEL_SINGLE:
		return true;
	case OV_MODEL_ARRAY:
		return a->index == b->index;
	case OV_MODEL_DICT:
		return a->key_len == b->key_len &&
		    memcmp(a->key, b->key, a->key_len) == 0;
	}
	return false;
}

static struct ov_held_value *
ov_held_kind_slot(const struct ov_held_kind *sk, const struct ov_value *v)
{
	unsigned	i;

	for (i = 0; sk != NULL && i < sk->n; i++)
		if (ov_same_slot(sk->k->model, &sk->v[i].s.v, v))
			return &sk->v[i];
	return NULL;
}

static uint32_t
ov_held_kind_next_index(const struct ov_held_kind *sk)
{
	uint32_t	next = 0;
	unsigned	i;

	for (i = 0; sk != NULL && i < sk->n; i++)
		if (sk->v[i].s.v.index >= next)
			next = sk->v[i].s.v.index + 1;
	return next;
}

/* The value as it would be stored: an append gets its index. */
static struct ov_value
ov_resolve(const struct ov_held_kind *sk, const struct ov_stored *s,
    uint32_t *appended)
{
	struct ov_value	v = s->v;

	if (sk != NULL && sk->k->model == OV_MODEL_ARRAY &&
	    v.index == OV_ARRAY_APPEND)
		v.index = ov_held_kind_next_index(sk) + (*appended)++;
	else if (sk == NULL && v.index == OV_ARRAY_APPEND)
		v.index = (*appended)++;
	return v;
}

static int
ov_fail(uint16_t *err, const char **why, uint16_t code, const char *text)
{
	*err = code;
	*why = text;
	return EBADMSG;
}

int
ov_held_check(const struct ov_held *st, const struct ov_id *res,
    const struct ov_kind_data *kd, bool replica, uint16_t *err,
    const char **why)
{
	const struct ov_kind		*k = kd->k;
	struct ov_held_kind		*sk;
	const struct ov_stored		*s;
	const struct ov_held_value	*old;
	struct ov_value			 v;
	uint64_t			 count, bytes = 0;
	uint32_t			 appended = 0, i;

	sk = ov_held_res_kind(ov_held_find(st, res), kd->kind);
	count = sk != NULL ? sk->n : 0;
	if (replica && kd->generation == 0)
		return ov_fail(err, why, OV_E_INVALID_MESSAGE,
		    "a replica with no generation counter");
	if (!replica && kd->generation != 0 &&
	    kd->generation != (sk != NULL ? sk->generation : 0))
		return ov_fail(err, why, OV_E_GENERATION_COUNTER_TOO_LOW,
		    "the generation counter is not the stored one");
	for (i = 0; i < kd->nvalues; i++) {
		s = &kd->values[i];
		if (s->v.len > k->max_size)
			return ov_fail(err, why, OV_E_DATA_TOO_LARGE,
			    "a value over the Kind's max size");
		/*
		 * Deviation: §7.4.1.1 sets no bound on lifetimes; without
		 * one a writer could pin a value (and a TOFU user name) for
		 * 136 years.  Error_Forbidden, as for a policy failure.
		 */
		if (s->lifetime > st->lim.max_lifetime_s)
			return ov_fail(err, why, OV_E_FORBIDDEN,
			    "a lifetime over the overlay's maximum");
		v = ov_resolve(sk, s, &appended);
		old = ov_held_kind_slot(sk, &v);
		/* §7.4.1.1: newer than what it replaces; the same value
		 * again (a replica sent twice) is no change. */
		if (old != NULL && (s->storage_time < old->s.storage_time ||
		    (s->storage_time == old->s.storage_time &&
		    (s->v.len != old->s.v.len || s->v.exists !=
		    old->s.v.exists || memcmp(s->v.data, old->s.v.data,
		    s->v.len) != 0))))
			return ov_fail(err, why, OV_E_DATA_TOO_OLD,
			    "older than the stored value");
		if (old == NULL && (k->model != OV_MODEL_SINGLE || count == 0))
			count++;
		bytes += s->v.len + s->v.key_len + 64;
	}
	if (count > k->max_count)
		return ov_fail(err, why, OV_E_DATA_TOO_LARGE,
		    "more values than the Kind's max count");
	if (st->bytes + bytes > st->lim.max_bytes)
		return ov_fail(err, why, OV_E_DATA_TOO_LARGE,
		    "the storing peer's quota is full");
	return 0;
}

static void
ov_held_value_set(struct ov_held *st, struct ov_held_value *sv,
    enum ov_model m, const struct ov_stored *s, struct ov_certs_ent *certs,
    uint64_t expires_ms)
{
	struct wbuf	w;
	struct rbuf	r;

	if (sv->raw != NULL) {
		st->bytes -= sv->raw_len;
		st->values--;
	}
	ov_held_value_free(st, sv);
	wbuf_init(&w, SIZE_MAX);
	ov_stored_encode(&w, m, s);
	sv->raw = wbuf_take(&w, &sv->raw_len);
	/* as long as it is, not the room the writer grew: kept for hours */
	sv->raw = xrealloc(sv->raw, sv->raw_len);
	rbuf_init(&r, sv->raw, sv->raw_len);
	/* our own encoding: it decodes */
	(void)ov_stored_decode(&r, m, &sv->s);
	sv->certs = certs;
	sv->expires_ms = expires_ms;
	if (expires_ms < st->next_expiry)
		st->next_expiry = expires_ms;
	st->bytes += sv->raw_len;
	st->values++;
}

static struct ov_held_kind *
ov_held_res_kind_get(struct ov_held_res *r, const struct ov_kind *k)
{
	struct ov_held_kind	*sk = ov_held_res_kind(r, k->id);

	if (sk == NULL) {
		/* one more: a pointer to another Kind of r does not live
		 * across this call */
		r->kinds = xreallocarray(r->kinds, r->nkinds + 1,
		    sizeof *r->kinds);
		sk = &r->kinds[r->nkinds++];
		memset(sk, 0, sizeof *sk);
		sk->k = k;
	}
	return sk;
}

static struct ov_held_value *
ov_held_kind_add(struct ov_held_kind *sk)
{
	if (sk->n == sk->cap) {
		/* one first: a single value's Kind holds no more */
		sk->cap = sk->cap != 0 ? sk->cap * 2 : 1;
		sk->v = xreallocarray(sk->v, sk->cap, sizeof *sk->v);
	}
	memset(&sk->v[sk->n], 0, sizeof sk->v[0]);
	return &sk->v[sk->n++];
}

uint64_t
ov_held_apply(struct ov_held *st, const struct ov_id *res,
    const struct ov_kind_data *kd, const uint8_t *const *certs,
    const size_t *certs_len, bool replica, uint64_t wall_ms)
{
	struct ov_held_res	*r = ov_held_get(st, res);
	struct ov_held_kind	*sk = ov_held_res_kind_get(r, kd->k);
	struct ov_held_value	*sv;
	struct ov_stored	 s;
	struct ov_certs_ent	*ce;
	uint32_t		 appended = 0, i;
	bool			 changed = false;

	for (i = 0; i < kd->nvalues; i++) {
		s = kd->values[i];
		s.v = ov_resolve(sk, &s, &appended);
		if (sk->k->model == OV_MODEL_ARRAY)
			appended = 0;	/* sk now holds the new index */
		if ((sv = ov_held_kind_slot(sk, &s.v)) != NULL &&
		    sv->s.storage_time == s.storage_time)
			continue;	/* the same value again */
		if (sv == NULL)
			sv = ov_held_kind_add(sk);
		/* first: a bucket the value had already stays counted */
		ce = ov_certs_ref(&st->certs, certs[i], certs_len[i]);
		ov_held_value_set(st, sv, sk->k->model, &s, ce,
		    wall_ms + (uint64_t)s.lifetime * 1000);
		changed = true;
	}
	if (replica)
		sk->generation = kd->generation;
	else if (changed || sk->generation == 0)
		sk->generation++;
	ov_held_kind_dirty(st, r, sk);
	return sk->generation;
}

static bool
ov_spec_wants(const struct ov_spec *spec, enum ov_model m,
    const struct ov_value *v)
{
	unsigned	i;

	if (spec->n == 0 || m == OV_MODEL_SINGLE)
		return true;	/* deviation: no ranges or keys asks all */
	for (i = 0; i < spec->n; i++) {
		if (m == OV_MODEL_ARRAY && v->index >= spec->ranges[i].first &&
		    v->index <= spec->ranges[i].last)
			return true;
		if (m == OV_MODEL_DICT && v->key_len == spec->keys[i].len &&
		    memcmp(v->key, spec->keys[i].p, v->key_len) == 0)
			return true;
	}
	return false;
}

/* Remaining lifetime in seconds, rounded up. */
static uint32_t
ov_remaining(const struct ov_held_value *sv, uint64_t wall_ms)
{
	return (uint32_t)((sv->expires_ms - wall_ms + 999) / 1000);
}

bool
ov_held_pinned(struct ov_held *st, const struct ov_id *res,
    uint64_t wall_ms, ov_held_same_cb same, void *arg)
{
	const struct ov_held_res	*r = ov_held_find(st, res);
	const struct ov_held_kind	*sk;
	const uint8_t			*certs;
	size_t				 certs_len;
	unsigned			 i, j;

	for (i = 0; r != NULL && i < r->nkinds; i++) {
		sk = &r->kinds[i];
		if (sk->k->policy != OV_POLICY_USER_MATCH &&
		    sk->k->policy != OV_POLICY_USER_NODE_MATCH)
			continue;
		for (j = 0; j < sk->n; j++) {
			if (sk->v[j].expires_ms <= wall_ms)
				continue;
			/* a bucket the store lost: no key to compare */
			if (ov_certs_get(&st->certs, sk->v[j].certs, &certs,
			    &certs_len) != 0 ||
			    !same(&sk->v[j], certs, certs_len, arg))
				return true;
		}
	}
	return false;
}

/* The live values of sk that spec asks for into out (src parallel). */
static void
ov_held_kind_collect(const struct ov_held_kind *sk,
    const struct ov_spec *spec, uint64_t wall_ms, struct ov_kind_data *out,
    const struct ov_held_value **src)
{
	const struct ov_held_value	*sv;
	unsigned			 i;

	for (i = 0; i < sk->n; i++) {
		sv = &sk->v[i];
		if (sv->expires_ms <= wall_ms ||
		    (spec != NULL && !ov_spec_wants(spec, sk->k->model,
		    &sv->s.v)))
			continue;
		out->values[out->nvalues] = sv->s;
		out->values[out->nvalues].lifetime = ov_remaining(sv, wall_ms);
		src[out->nvalues++] = sv;
	}
}

void
ov_held_fetch(const struct ov_held *st, const struct ov_id *res,
    const struct ov_spec *spec, uint64_t wall_ms, struct ov_kind_data *out,
    const struct ov_held_value ***src)
{
	struct ov_held_kind	*sk = ov_held_res_kind(ov_held_find(st, res),
				    spec->kind);

	memset(out, 0, sizeof *out);
	out->kind = spec->kind;
	out->k = spec->k;
	*src = NULL;
	if (sk == NULL)
		return;
	out->generation = sk->generation;
	if (spec->generation != 0 && spec->generation == sk->generation)
		return;
	out->values = xcalloc(sk->n + 1, sizeof *out->values);
	*src = xcalloc(sk->n + 1, sizeof **src);
	ov_held_kind_collect(sk, spec, wall_ms, out, *src);
}

bool
ov_held_req_for(const struct ov_held *st, const struct ov_id *res,
    uint64_t wall_ms, struct ov_store_req *out,
    const struct ov_held_value ***src, unsigned *nsrc)
{
	struct ov_held_res	*r = ov_held_find(st, res);
	struct ov_kind_data	*kd;
	unsigned		 i, total = 0;

	memset(out, 0, sizeof *out);
	out->resource = *res;
	out->replica = 1;
	*src = NULL;
	*nsrc = 0;
	if (r == NULL)
		return false;
	for (i = 0; i < r->nkinds; i++)
		total += r->kinds[i].n;
	*src = xcalloc(total + 1, sizeof **src);
	for (i = 0; i < r->nkinds; i++) {
		kd = &out->kinds[out->nkinds];
		kd->kind = r->kinds[i].k->id;
		kd->k = r->kinds[i].k;
		kd->generation = r->kinds[i].generation;
		kd->values = xcalloc(r->kinds[i].n + 1, sizeof *kd->values);
		ov_held_kind_collect(&r->kinds[i], NULL, wall_ms, kd,
		    *src + *nsrc);
		*nsrc += kd->nvalues;
		if (kd->nvalues != 0 && kd->generation != 0)
			out->nkinds++;
		else
			free(kd->values);
	}
	return out->nkinds != 0;
}

bool
ov_held_expire(struct ov_held *st, uint64_t wall_ms)
{
	struct ov_held_res	*r;
	struct ov_held_kind	*sk;
	unsigned		 i, j, k;
	bool			 any = false;

	st->next_expiry = UINT64_MAX;
	for (i = st->nres; i-- > 0; ) {
		r = st->res[i];
		for (j = 0; j < r->nkinds; j++) {
			sk = &r->kinds[j];
			for (k = 0; k < sk->n; ) {
				if (sk->v[k].expires_ms > wall_ms) {
					if (sk->v[k].expires_ms <
					    st->next_expiry)
						st->next_expiry =
						    sk->v[k].expires_ms;
					k++;
					continue;
				}
				st->bytes -= sk->v[k].raw_len;
				st->values--;
				ov_held_value_free(st, &sk->v[k]);
				sk->v[k] = sk->v[--sk->n];
				ov_held_kind_dirty(st, r, sk);
				any = true;
			}
		}
	}
	return any;
}

void
ov_held_drop(struct ov_held *st, const struct ov_id *res)
{
	struct ov_held_res	*r = ov_held_find(st, res);
	struct ov_held_kind	*sk;
	unsigned		 j, k;

	if (r == NULL)
		return;
	for (j = 0; j < r->nkinds; j++) {
		sk = &r->kinds[j];
		for (k = 0; k < sk->n; k++) {
			st->bytes -= sk->v[k].raw_len;
			st->values--;
			ov_held_value_free(st, &sk->v[k]);
		}
		sk->n = 0;
		ov_held_kind_dirty(st, r, sk);
	}
}

/* Kept as values come in and by each sweep: no scan on the hot path. */
uint64_t
ov_held_next_expiry(const struct ov_held *st)
{
	return st->next_expiry;
}

/* ---- rows ---- */

#define OV_ROW_V1	1	/* the blob's first byte: certificates by hash */

bool
ov_held_take_row(struct ov_held *st, struct ov_id *res, uint32_t *kind,
    uint64_t *generation, uint8_t **blob, size_t *len)
{
	struct ov_held_res	*r;
	struct ov_held_kind	*sk;
	struct ov_id		 id;
	struct wbuf		 w;
	size_t			 mark;
	unsigned		 j, k;

	/* a resource comes off the queue for each of its dirty Kinds */
	while (fifo_pop(&st->dirty, &id)) {
		if ((r = ov_held_find(st, &id)) == NULL)
			continue;
		for (j = 0; j < r->nkinds && !r->kinds[j].dirty; j++)
			;
		if (j == r->nkinds)
			continue;
		sk = &r->kinds[j];
		sk->dirty = false;
		st->ndirty--;
		*res = r->id;
		*kind = sk->k->id;
		*generation = sk->generation;
		wbuf_init(&w, SIZE_MAX);
		if (sk->n != 0)
			wbuf_u8(&w, OV_ROW_V1);
		for (k = 0; k < sk->n; k++) {
			wbuf_u64(&w, sk->v[k].expires_ms);
			mark = wbuf_vec_begin(&w, 1);
			if (sk->v[k].certs != NULL)
				wbuf_bytes(&w, ov_certs_hash(sk->v[k].certs),
				    OV_CERTS_HASH_LEN);
			wbuf_vec_end(&w, mark, 1);
			wbuf_bytes(&w, sk->v[k].raw, sk->v[k].raw_len);
		}
		*blob = wbuf_take(&w, len);
		ov_held_tidy(st, r);
		return true;
	}
	return false;
}

/*
 * Walk a row's entries; with sk, load the live ones, and drop the
 * certificates of the others (the store deletes what nothing uses).
 * 0 or EBADMSG.
 */
static int
ov_row_walk(struct ov_held *st, const struct ov_kind *k,
    struct ov_held_res *r, struct ov_held_kind *sk, const uint8_t *blob, size_t len, uint64_t wall_ms)
{
	struct ov_stored	 s;
	struct ov_certs_ent	*ce;
	struct rbuf		 in, certs;
	uint64_t		 expires;
	bool			 v1 = len != 0 && blob[0] == OV_ROW_V1;

	rbuf_init(&in, blob, len);
	if (v1)
		(void)rbuf_u8(&in);
	while (rbuf_left(&in) > 0) {
		expires = rbuf_u64(&in);
		rbuf_vec(&in, v1 ? 1 : 2, &certs);
		if (ov_stored_decode(&in, k->model, &s) != 0 || in.err ||
		    (v1 && certs.len != 0 && certs.len != OV_CERTS_HASH_LEN))
			return EBADMSG;
		if (sk == NULL)
			continue;
		if (!v1)
			ce = ov_certs_ref(&st->certs, certs.p, certs.len);
		else if (certs.len != 0)
			ce = ov_certs_ref_hash(&st->certs, certs.p);
		else
			ce = NULL;
		if (expires <= wall_ms || ov_held_kind_slot(sk, &s.v) != NULL) {
			ov_certs_unref(&st->certs, ce);
			continue;
		}
		ov_held_value_set(st, ov_held_kind_add(sk), k->model, &s, ce,
		    expires);
	}
	if (sk != NULL && !v1)
		ov_held_kind_dirty(st, r, sk);	/* rewritten as version 1 */
	return 0;
}

int
ov_held_load(struct ov_held *st, const struct ov_id *res, uint32_t kind,
    uint64_t generation, const uint8_t *blob, size_t len, uint64_t wall_ms)
{
	const struct ov_kind	*k = ov_kind_find(st->kinds, st->nkinds, kind);
	struct ov_held_res	*r;
	struct ov_held_kind	*sk;

	/* all of it or nothing: check the whole row first */
	if (k == NULL || ov_row_walk(st, k, NULL, NULL, blob, len, wall_ms) != 0)
		return EBADMSG;
	r = ov_held_get(st, res);
	if (ov_held_res_kind(r, kind) == NULL && r->nkinds == OV_DATA_KINDS_MAX)
		return EBADMSG;
	sk = ov_held_res_kind_get(r, k);
	sk->generation = generation;
	(void)ov_row_walk(st, k, r, sk, blob, len, wall_ms);
	ov_held_tidy(st, r);
	return 0;
}

/* ---- certificates ---- */

/* Append a GenericCertificate for der to w unless it is there already. */
static void
ov_held_certs_add(struct wbuf *w, const struct ov_cert_item *add)
{
	struct ov_cert_item	it;
	struct rbuf		r;

	rbuf_init(&r, w->p, w->len);
	while (ov_msg_certs_next(&r, &it))
		if (it.entry_len == add->entry_len &&
		    memcmp(it.entry, add->entry, it.entry_len) == 0)
			return;
	wbuf_bytes(w, add->entry, add->entry_len);
}

/* The bucket entries for the values in src (each has its own). */
void
ov_held_certs_of(struct ov_held *st, struct wbuf *w,
    const struct ov_held_value *const *src, unsigned n)
{
	struct ov_cert_item	 it;
	struct rbuf		 r;
	const uint8_t		*p;
	size_t			 len;
	unsigned		 i, j;

	for (i = 0; i < n; i++) {
		/* a signer's values share one bucket: read it once */
		for (j = 0; j < i && src[j]->certs != src[i]->certs; j++)
			;
		if (j < i || ov_certs_get(&st->certs, src[i]->certs, &p,
		    &len) != 0)
			continue;
		rbuf_init(&r, p, len);
		while (ov_msg_certs_next(&r, &it))
			ov_held_certs_add(w, &it);
	}
}
