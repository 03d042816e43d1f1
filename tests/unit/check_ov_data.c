/*
 * check_ov_data.c - the storage codec (RFC 6940 §7): StoredData in the
 * three data models, Store, Fetch and Find bodies round trip byte for
 * byte; malformed bodies get the RFC's error; stored values signed with
 * a real identity verify, and any change to what §7.1 covers breaks
 * them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_main.h"
#include "identity.h"
#include "ov_cert.h"
#include "ov_data.h"
#include "wire.h"
#include "tmpdir.h"
#include "xmalloc.h"

static const uint8_t	 nodeid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
			    12, 13, 14, 15, 16 };
static const uint8_t	 sigval[] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02,
			    0x01, 0x02 };
static const uint8_t	 ident[] = { OV_SIGNER_CERT_HASH, 0, 4, 4, 2, 0xaa,
			    0xbb };

static struct ov_id
res_id(uint8_t fill)
{
	struct ov_id	id;

	memset(id.b, fill, sizeof id.b);
	return id;
}

/* A StoredData with a (fake) cert_hash signature. */
static struct ov_stored
stored(enum ov_model m, const char *data, uint32_t index)
{
	struct ov_stored	s;

	memset(&s, 0, sizeof s);
	s.storage_time = 1795000000123ULL;
	s.lifetime = 3600;
	s.v.exists = data != NULL;
	s.v.data = (const uint8_t *)data;
	s.v.len = data != NULL ? (uint32_t)strlen(data) : 0;
	if (m == OV_MODEL_ARRAY)
		s.v.index = index;
	if (m == OV_MODEL_DICT) {
		s.v.key = nodeid;
		s.v.key_len = sizeof nodeid;
	}
	s.sig.hash_alg = 4;
	s.sig.sig_alg = 3;
	s.sig.identity = ident;
	s.sig.identity_len = sizeof ident;
	s.sig.value = sigval;
	s.sig.value_len = sizeof sigval;
	return s;
}

static void
same_stored(const struct ov_stored *a, const struct ov_stored *b)
{
	ck_assert_uint_eq(a->storage_time, b->storage_time);
	ck_assert_uint_eq(a->lifetime, b->lifetime);
	ck_assert_int_eq(a->v.exists, b->v.exists);
	ck_assert_uint_eq(a->v.index, b->v.index);
	ck_assert_uint_eq(a->v.key_len, b->v.key_len);
	ck_assert_uint_eq(a->v.len, b->v.len);
	if (a->v.len > 0)
		ck_assert_mem_eq(a->v.data, b->v.data, a->v.len);
	if (a->v.key_len > 0)
		ck_assert_mem_eq(a->v.key, b->v.key, a->v.key_len);
	ck_assert_uint_eq(a->sig.value_len, b->sig.value_len);
	ck_assert_mem_eq(a->sig.value, b->sig.value, a->sig.value_len);
	ck_assert_uint_eq(b->sig.id_type, OV_SIGNER_CERT_HASH);
	ck_assert_uint_eq(b->sig.id_hash_len, 2);
}

START_TEST(stored_data_models)
{
	enum ov_model		 m;
	struct ov_stored	 s, d;
	struct wbuf		 w, w2;
	struct rbuf		 r;
	int			 gone;

	for (m = OV_MODEL_SINGLE; m <= OV_MODEL_DICT; m++) {
		for (gone = 0; gone < 2; gone++) {
			s = stored(m, gone ? NULL : "sip:alice@10.0.0.1",
			    7);
			wbuf_init(&w, 1 << 16);
			ov_stored_encode(&w, m, &s);
			ck_assert(!w.err);
			rbuf_init(&r, w.p, w.len);
			ck_assert_int_eq(ov_stored_decode(&r, m, &d), 0);
			ck_assert(rbuf_done(&r));
			same_stored(&s, &d);
			wbuf_init(&w2, 1 << 16);
			ov_stored_encode(&w2, m, &d);
			ck_assert_uint_eq(w2.len, w.len);
			ck_assert_mem_eq(w2.p, w.p, w.len);
			/* every truncation is refused */
			for (size_t cut = 0; cut < w.len; cut++) {
				rbuf_init(&r, w.p, cut);
				ck_assert_int_eq(ov_stored_decode(&r, m, &d),
				    EBADMSG);
			}
			wbuf_clear(&w);
			wbuf_clear(&w2);
		}
	}
}
END_TEST

/* A nonexistent value carries no data (§7.4.1.3); Booleans are 0 or 1. */
START_TEST(stored_data_strict)
{
	struct ov_stored	s = stored(OV_MODEL_SINGLE, "x", 0), d;
	struct wbuf		w;
	struct rbuf		r;
	size_t			exists_at = 4 + 8 + 4;

	wbuf_init(&w, 1 << 16);
	ov_stored_encode(&w, OV_MODEL_SINGLE, &s);
	w.p[exists_at] = 0;			/* exists false, 1 byte */
	rbuf_init(&r, w.p, w.len);
	ck_assert_int_eq(ov_stored_decode(&r, OV_MODEL_SINGLE, &d), EBADMSG);
	w.p[exists_at] = 2;
	rbuf_init(&r, w.p, w.len);
	ck_assert_int_eq(ov_stored_decode(&r, OV_MODEL_SINGLE, &d), EBADMSG);
	w.p[exists_at] = 1;
	w.p[3]++;				/* length: one byte too many */
	wbuf_u8(&w, 0);
	rbuf_init(&r, w.p, w.len);
	ck_assert_int_eq(ov_stored_decode(&r, OV_MODEL_SINGLE, &d), EBADMSG);
	wbuf_clear(&w);
}
END_TEST

static struct ov_store_req
store_req(struct ov_stored *reg, struct ov_stored *certs)
{
	struct ov_store_req	q;

	memset(&q, 0, sizeof q);
	q.resource = res_id(0x42);
	q.replica = 0;
	q.nkinds = 2;
	q.kinds[0].kind = OV_KIND_SIP_REGISTRATION;
	q.kinds[0].k = ov_kind_find(ov_kind_all, ov_kind_nall, q.kinds[0].kind);
	q.kinds[0].generation = 7;
	q.kinds[0].nvalues = 1;
	q.kinds[0].values = reg;
	q.kinds[1].kind = OV_KIND_CERT_BY_USER;
	q.kinds[1].k = ov_kind_find(ov_kind_all, ov_kind_nall, q.kinds[1].kind);
	q.kinds[1].generation = 0;
	q.kinds[1].nvalues = 2;
	q.kinds[1].values = certs;
	return q;
}

START_TEST(store_round_trip)
{
	struct ov_stored	reg = stored(OV_MODEL_DICT, "sip:a@b", 0);
	struct ov_stored	certs[2] = {
		stored(OV_MODEL_ARRAY, "cert one", 0),
		stored(OV_MODEL_ARRAY, "cert two", OV_ARRAY_APPEND),
	};
	struct ov_store_req	q = store_req(&reg, certs), d;
	struct wbuf		w, w2;
	uint16_t		err = 0;

	wbuf_init(&w, 1 << 16);
	ov_data_store_req_encode(&w, &q);
	ck_assert(!w.err);
	ck_assert_int_eq(ov_data_store_req_decode(w.p, w.len, ov_kind_all,
	    ov_kind_nall, &d, &err), 0);
	ck_assert(ov_id_eq(&d.resource, &q.resource));
	ck_assert_uint_eq(d.nkinds, 2);
	ck_assert_uint_eq(d.nunknown, 0);
	ck_assert_uint_eq(d.kinds[0].generation, 7);
	ck_assert_uint_eq(d.kinds[1].nvalues, 2);
	same_stored(&reg, &d.kinds[0].values[0]);
	same_stored(&certs[1], &d.kinds[1].values[1]);
	ck_assert_uint_eq(d.kinds[1].values[1].v.index, OV_ARRAY_APPEND);
	wbuf_init(&w2, 1 << 16);
	ov_data_store_req_encode(&w2, &d);
	ck_assert_uint_eq(w2.len, w.len);
	ck_assert_mem_eq(w2.p, w.p, w.len);
	ov_data_store_req_free(&d);
	/* truncations and trailing bytes */
	for (size_t cut = 0; cut < w.len; cut++) {
		ck_assert_int_eq(ov_data_store_req_decode(w.p, cut, ov_kind_all,
		    ov_kind_nall, &d, &err), EBADMSG);
		ck_assert_uint_eq(err, OV_E_INVALID_MESSAGE);
		ov_data_store_req_free(&d);
	}
	wbuf_u8(&w, 0);
	ck_assert_int_eq(ov_data_store_req_decode(w.p, w.len, ov_kind_all,
	    ov_kind_nall, &d, &err), EBADMSG);
	ov_data_store_req_free(&d);
	wbuf_clear(&w);
	wbuf_clear(&w2);
}
END_TEST

START_TEST(store_kind_errors)
{
	struct ov_stored	reg = stored(OV_MODEL_DICT, "sip:a@b", 0);
	struct ov_stored	certs[2] = {
		stored(OV_MODEL_ARRAY, "1", 0), stored(OV_MODEL_ARRAY, "2", 1),
	};
	struct ov_store_req	q = store_req(&reg, certs), d;
	struct ov_kind		unknown = { 0x7000, "X", OV_MODEL_SINGLE,
				    OV_POLICY_NODE_MATCH, 1, 10, 0, NULL };
	struct wbuf		w, e;
	uint32_t		kinds[OV_DATA_KINDS_MAX];
	unsigned		n;
	uint16_t		err = 0;

	/* The same Kind twice (§7.4.1.1) */
	q.kinds[1] = q.kinds[0];
	wbuf_init(&w, 1 << 16);
	ov_data_store_req_encode(&w, &q);
	ck_assert_int_eq(ov_data_store_req_decode(w.p, w.len, ov_kind_all,
	    ov_kind_nall, &d, &err), EBADMSG);
	ck_assert_uint_eq(err, OV_E_INVALID_MESSAGE);
	ov_data_store_req_free(&d);
	wbuf_clear(&w);
	/* A Kind this peer does not know: listed, the rest decoded */
	q = store_req(&reg, certs);
	q.kinds[1].kind = unknown.id;
	q.kinds[1].k = &unknown;
	q.kinds[1].nvalues = 1;
	q.kinds[1].values = &reg;
	wbuf_init(&w, 1 << 16);
	ov_data_store_req_encode(&w, &q);
	ck_assert_int_eq(ov_data_store_req_decode(w.p, w.len, ov_kind_all,
	    ov_kind_nall, &d, &err), 0);
	ck_assert_uint_eq(d.nkinds, 1);
	ck_assert_uint_eq(d.nunknown, 1);
	ck_assert_uint_eq(d.unknown[0], 0x7000);
	/* its error_info round trips */
	wbuf_init(&e, 64);
	ov_data_unknown_kinds_encode(&e, d.unknown, d.nunknown);
	ck_assert_int_eq(ov_data_unknown_kinds_decode(e.p, e.len, kinds, &n),
	    0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(kinds[0], 0x7000);
	ov_data_store_req_free(&d);
	wbuf_clear(&e);
	wbuf_clear(&w);
}
END_TEST

START_TEST(store_ans_round_trip)
{
	struct ov_store_ans	a, d;
	struct wbuf		w;

	memset(&a, 0, sizeof a);
	a.n = 2;
	a.kinds[0].kind = OV_KIND_SIP_REGISTRATION;
	a.kinds[0].generation = 12;
	a.kinds[0].nreplicas = 2;
	a.kinds[0].replicas[0] = res_id(1);
	a.kinds[0].replicas[1] = res_id(2);
	a.kinds[1].kind = OV_KIND_CERT_BY_USER;
	a.kinds[1].generation = 1;
	wbuf_init(&w, 1 << 16);
	ov_data_store_ans_encode(&w, &a);
	ck_assert_int_eq(ov_data_store_ans_decode(w.p, w.len, &d), 0);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.kinds[0].generation, 12);
	ck_assert_uint_eq(d.kinds[0].nreplicas, 2);
	ck_assert(ov_id_eq(&d.kinds[0].replicas[1], &a.kinds[0].replicas[1]));
	ck_assert_uint_eq(d.kinds[1].nreplicas, 0);
	ck_assert_int_eq(ov_data_store_ans_decode(w.p, w.len - 1, &d), EBADMSG);
	wbuf_clear(&w);
}
END_TEST

START_TEST(fetch_round_trip)
{
	struct ov_fetch_req	q, d;
	struct wbuf		w, w2;
	uint16_t		err = 0;

	memset(&q, 0, sizeof q);
	q.resource = res_id(9);
	q.nspecs = 3;
	q.specs[0].kind = OV_KIND_SIP_REGISTRATION;
	q.specs[0].k = ov_kind_find(ov_kind_all, ov_kind_nall, q.specs[0].kind);
	q.specs[0].n = 2;
	q.specs[0].keys[0].p = nodeid;
	q.specs[0].keys[0].len = sizeof nodeid;
	q.specs[0].keys[1].p = nodeid;
	q.specs[0].keys[1].len = 3;
	q.specs[1].kind = OV_KIND_CERT_BY_NODE;
	q.specs[1].k = ov_kind_find(ov_kind_all, ov_kind_nall, q.specs[1].kind);
	q.specs[1].generation = 5;
	q.specs[1].n = 2;
	q.specs[1].ranges[0].first = 0;
	q.specs[1].ranges[0].last = 3;
	q.specs[1].ranges[1].first = 10;
	q.specs[1].ranges[1].last = 0xffffffff;
	q.specs[2].kind = OV_KIND_TURN_SERVICE;
	q.specs[2].k = ov_kind_find(ov_kind_all, ov_kind_nall, q.specs[2].kind);
	wbuf_init(&w, 1 << 16);
	ov_data_fetch_req_encode(&w, &q);
	ck_assert_int_eq(ov_data_fetch_req_decode(w.p, w.len, ov_kind_all,
	    ov_kind_nall, &d, &err), 0);
	ck_assert_uint_eq(d.nspecs, 3);
	ck_assert_uint_eq(d.specs[0].n, 2);
	ck_assert_uint_eq(d.specs[0].keys[1].len, 3);
	ck_assert_uint_eq(d.specs[1].generation, 5);
	ck_assert_uint_eq(d.specs[1].ranges[1].last, 0xffffffff);
	ck_assert_uint_eq(d.specs[2].n, 0);
	wbuf_init(&w2, 1 << 16);
	ov_data_fetch_req_encode(&w2, &d);
	ck_assert_uint_eq(w2.len, w.len);
	ck_assert_mem_eq(w2.p, w.p, w.len);
	wbuf_clear(&w2);
	for (size_t cut = 0; cut < w.len; cut++)
		ck_assert_int_eq(ov_data_fetch_req_decode(w.p, cut, ov_kind_all,
		    ov_kind_nall, &d, &err), EBADMSG);
	wbuf_clear(&w);
	/* A range whose first is after its last (§7.4.2.1) */
	q.specs[1].ranges[0].first = 4;
	wbuf_init(&w, 1 << 16);
	ov_data_fetch_req_encode(&w, &q);
	ck_assert_int_eq(ov_data_fetch_req_decode(w.p, w.len, ov_kind_all,
	    ov_kind_nall, &d, &err), EBADMSG);
	ck_assert_uint_eq(err, OV_E_INVALID_MESSAGE);
	wbuf_clear(&w);
	/* An unknown Kind decodes (its specifier is skipped by length) */
	q.specs[1].ranges[0].first = 0;
	q.specs[1].kind = 0x7001;
	wbuf_init(&w, 1 << 16);
	ov_data_fetch_req_encode(&w, &q);
	ck_assert_int_eq(ov_data_fetch_req_decode(w.p, w.len, ov_kind_all,
	    ov_kind_nall, &d, &err), 0);
	ck_assert_ptr_null(d.specs[1].k);
	ck_assert_ptr_nonnull(d.specs[2].k);
	wbuf_clear(&w);
}
END_TEST

START_TEST(fetch_ans_round_trip)
{
	struct ov_stored	v[2] = {
		stored(OV_MODEL_DICT, "sip:a@b", 0),
		stored(OV_MODEL_DICT, NULL, 0),
	};
	struct ov_fetch_ans	a, d;
	struct wbuf		w, w2;

	memset(&a, 0, sizeof a);
	/* the synthetic nonexistent value: SignerIdentity none (§7.4.2.2) */
	memset(&v[1].sig, 0, sizeof v[1].sig);
	a.n = 2;
	a.kinds[0].kind = OV_KIND_SIP_REGISTRATION;
	a.kinds[0].k = ov_kind_find(ov_kind_all, ov_kind_nall, a.kinds[0].kind);
	a.kinds[0].generation = 3;
	a.kinds[0].nvalues = 2;
	a.kinds[0].values = v;
	a.kinds[1].kind = OV_KIND_TURN_SERVICE;
	a.kinds[1].k = ov_kind_find(ov_kind_all, ov_kind_nall, a.kinds[1].kind);
	wbuf_init(&w, 1 << 16);
	ov_data_fetch_ans_encode(&w, &a);
	ck_assert_int_eq(ov_data_fetch_ans_decode(w.p, w.len, ov_kind_all,
	    ov_kind_nall, &d), 0);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_uint_eq(d.kinds[0].nvalues, 2);
	same_stored(&v[0], &d.kinds[0].values[0]);
	ck_assert(!d.kinds[0].values[1].v.exists);
	ck_assert_uint_eq(d.kinds[0].values[1].sig.id_type, OV_SIGNER_NONE);
	ck_assert_uint_eq(d.kinds[1].nvalues, 0);
	wbuf_init(&w2, 1 << 16);
	ov_data_fetch_ans_encode(&w2, &d);
	ck_assert_uint_eq(w2.len, w.len);
	ck_assert_mem_eq(w2.p, w.p, w.len);
	ov_data_fetch_ans_free(&d);
	for (size_t cut = 0; cut < w.len; cut++) {
		ck_assert_int_eq(ov_data_fetch_ans_decode(w.p, cut, ov_kind_all,
		    ov_kind_nall, &d), EBADMSG);
		ov_data_fetch_ans_free(&d);
	}
	wbuf_clear(&w);
	wbuf_clear(&w2);
}
END_TEST

/*
 * StatAns (§7.4.3.2): each value's metadata, with a SHA-256 digest over
 * the value and its 4-byte length; the StoredMetaData length covers the
 * rest of the structure.
 */
START_TEST(stat_ans_round_trip)
{
	static const uint8_t	hello_digest[32] = {	/* 00000005 "hello" */
		0x9c, 0x01, 0x5a, 0xc1, 0x8b, 0xb7, 0x04, 0x81,
		0xf4, 0x67, 0xbb, 0x1f, 0xad, 0xb4, 0xf9, 0xe6,
		0xee, 0x93, 0xa1, 0xc0, 0x93, 0xf1, 0x58, 0x39,
		0xbb, 0x55, 0xb4, 0x25, 0xd7, 0xce, 0xa9, 0x94,
	};
	struct ov_stored	 v[2] = {
		stored(OV_MODEL_ARRAY, "hello", 7),
		stored(OV_MODEL_ARRAY, NULL, 9),
	};
	struct ov_meta		 m[2];
	struct ov_stat_ans	 a, d;
	struct wbuf		 w, w2;
	struct rbuf		 r, one;

	ov_stored_meta(&v[0], &m[0]);
	ov_stored_meta(&v[1], &m[1]);
	ck_assert_uint_eq(m[0].value_length, 5);
	ck_assert_uint_eq(m[0].hash_alg, 4);
	ck_assert_uint_eq(m[0].hash_len, 32);
	ck_assert_mem_eq(m[0].hash, hello_digest, 32);
	ck_assert(!m[1].exists);
	memset(&a, 0, sizeof a);
	a.n = 1;
	a.kinds[0].kind = OV_KIND_CERT_BY_USER;
	a.kinds[0].k = ov_kind_find(ov_kind_all, ov_kind_nall, a.kinds[0].kind);
	a.kinds[0].generation = 12;
	a.kinds[0].nvalues = 2;
	a.kinds[0].values = m;
	wbuf_init(&w, 1 << 16);
	ov_data_stat_ans_encode(&w, &a);
	/* kind_responses<4>, kind 4, generation 8, values<4>, then the first
	 * StoredMetaData: its length, time, lifetime, index, MetaData */
	rbuf_init(&r, w.p + 4 + 4 + 8 + 4, w.len - 20);
	rbuf_vec(&r, 4, &one);
	ck_assert_uint_eq(one.len, 8 + 4 + 4 + 1 + 4 + 1 + 1 + 32);
	ck_assert_int_eq(ov_data_stat_ans_decode(w.p, w.len, ov_kind_all,
	    ov_kind_nall, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.kinds[0].generation, 12);
	ck_assert_uint_eq(d.kinds[0].nvalues, 2);
	ck_assert_uint_eq(d.kinds[0].values[0].index, 7);
	ck_assert_uint_eq(d.kinds[0].values[0].storage_time,
	    v[0].storage_time);
	ck_assert_mem_eq(d.kinds[0].values[0].hash, hello_digest, 32);
	ck_assert_uint_eq(d.kinds[0].values[1].index, 9);
	wbuf_init(&w2, 1 << 16);
	ov_data_stat_ans_encode(&w2, &d);
	ck_assert_uint_eq(w2.len, w.len);
	ck_assert_mem_eq(w2.p, w.p, w.len);
	ov_data_stat_ans_free(&d);
	for (size_t cut = 0; cut < w.len; cut++) {
		ck_assert_int_eq(ov_data_stat_ans_decode(w.p, cut, ov_kind_all,
		    ov_kind_nall, &d), EBADMSG);
		ov_data_stat_ans_free(&d);
	}
	wbuf_clear(&w);
	wbuf_clear(&w2);
}
END_TEST

START_TEST(find_round_trip)
{
	struct ov_find_req	q, dq;
	struct ov_find_ans	a, da;
	struct wbuf		w;
	uint16_t		err = 0;

	memset(&q, 0, sizeof q);
	q.resource = res_id(3);
	q.n = 2;
	q.kinds[0] = OV_KIND_TURN_SERVICE;
	q.kinds[1] = 0x7002;
	wbuf_init(&w, 1 << 16);
	ov_data_find_req_encode(&w, &q);
	ck_assert_int_eq(ov_data_find_req_decode(w.p, w.len, &dq, &err), 0);
	ck_assert_uint_eq(dq.n, 2);
	ck_assert_uint_eq(dq.kinds[1], 0x7002);
	wbuf_clear(&w);
	q.kinds[1] = q.kinds[0];		/* §7.4.4.1: once each */
	wbuf_init(&w, 1 << 16);
	ov_data_find_req_encode(&w, &q);
	ck_assert_int_eq(ov_data_find_req_decode(w.p, w.len, &dq, &err),
	    EBADMSG);
	ck_assert_uint_eq(err, OV_E_INVALID_MESSAGE);
	wbuf_clear(&w);

	memset(&a, 0, sizeof a);
	a.n = 2;
	a.kinds[0] = OV_KIND_TURN_SERVICE;
	a.closest[0] = res_id(4);
	a.kinds[1] = 0x7002;			/* unknown: closest 0 */
	wbuf_init(&w, 1 << 16);
	ov_data_find_ans_encode(&w, &a);
	ck_assert_int_eq(ov_data_find_ans_decode(w.p, w.len, &da), 0);
	ck_assert_uint_eq(da.n, 2);
	ck_assert(ov_id_eq(&da.closest[0], &a.closest[0]));
	ck_assert(ov_id_eq(&da.closest[1], &a.closest[1]));
	ck_assert_int_eq(ov_data_find_ans_decode(w.p, w.len - 1, &da), EBADMSG);
	wbuf_clear(&w);
}
END_TEST

/* ---- real signatures ---- */

static void
setup(void)
{
	tmpdir_make("check_ov_data");
}

static void
teardown(void)
{
	tmpdir_remove();
}

START_TEST(stored_signatures)
{
	struct identity		*me = NULL;
	struct ov_stored	 s = stored(OV_MODEL_ARRAY, "a certificate", 0);
	struct ov_sigbuf	 sb;
	struct ov_id		 res = res_id(0x11), other;
	struct ov_signer	 signer;
	uint8_t			*certs;
	size_t			 clen;
	char			*cause = NULL;

	ck_assert_int_eq(identity_load(&me, dir, "o.example.org", NULL, &cause), 0);
	clen = 3 + me->der_len;
	certs = xmalloc(clen);
	certs[0] = OV_CERT_X509;
	certs[1] = (uint8_t)(me->der_len >> 8);
	certs[2] = (uint8_t)me->der_len;
	memcpy(certs + 3, me->der, me->der_len);

	ck_assert_int_eq(ov_stored_sign(&s, &sb, &res, OV_KIND_CERT_BY_USER,
	    OV_MODEL_ARRAY, &me->crypto), 0);
#define VERIFY(r, k)	ov_stored_verify(&s, (r), (k), OV_MODEL_ARRAY, certs, \
			    clen, &me->crypto, &signer)
	ck_assert_int_eq(VERIFY(&res, OV_KIND_CERT_BY_USER), 0);
	ck_assert(ov_id_eq(&signer.node, &me->id));
	/* The index is not covered (§7.4.2.2): appends keep verifying */
	s.v.index = 12;
	ck_assert_int_eq(VERIFY(&res, OV_KIND_CERT_BY_USER), 0);
	/* Everything else §7.1 names is */
	ck_assert_int_eq(VERIFY(&res, OV_KIND_CERT_BY_NODE), EBADMSG);
	other = res_id(0x12);
	ck_assert_int_eq(VERIFY(&other, OV_KIND_CERT_BY_USER), EBADMSG);
	s.storage_time++;
	ck_assert_int_eq(VERIFY(&res, OV_KIND_CERT_BY_USER), EBADMSG);
	s.storage_time--;
	s.v.len--;
	ck_assert_int_eq(VERIFY(&res, OV_KIND_CERT_BY_USER), EBADMSG);
	s.v.len++;
	s.v.exists = false;
	ck_assert_int_eq(VERIFY(&res, OV_KIND_CERT_BY_USER), EBADMSG);
	s.v.exists = true;
	ck_assert_int_eq(VERIFY(&res, OV_KIND_CERT_BY_USER), 0);
	/* The lifetime is not signed (a replica adjusts it, §7.4.1.1) */
	s.lifetime = 10;
	ck_assert_int_eq(VERIFY(&res, OV_KIND_CERT_BY_USER), 0);
	/* Anonymous values are only what a Fetch synthesizes */
	memset(&s.sig, 0, sizeof s.sig);
	s.sig.id_type = OV_SIGNER_NONE;
	ck_assert_int_eq(VERIFY(&res, OV_KIND_CERT_BY_USER), EBADMSG);
#undef VERIFY
	free(certs);
	identity_free(me);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ov_data");
	TCase	*tc = tcase_create("codec"), *sig = tcase_create("signed");

	tcase_add_test(tc, stored_data_models);
	tcase_add_test(tc, stored_data_strict);
	tcase_add_test(tc, store_round_trip);
	tcase_add_test(tc, store_kind_errors);
	tcase_add_test(tc, store_ans_round_trip);
	tcase_add_test(tc, fetch_round_trip);
	tcase_add_test(tc, fetch_ans_round_trip);
	tcase_add_test(tc, stat_ans_round_trip);
	tcase_add_test(tc, find_round_trip);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(sig, setup, teardown);
	tcase_set_timeout(sig, 30);
	tcase_add_test(sig, stored_signatures);
	suite_add_tcase(s, sig);
	return s;
}
