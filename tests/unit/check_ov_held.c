/*
 * check_ov_held.c - what a storing peer holds (RFC 6940 §7.4.1.1,
 * §7.4.2): the three data models, generation counters, storage times,
 * size, count, lifetime and quota limits with the RFC's error codes (and
 * nothing stored when refused), expiry, persisted rows that come back
 * byte for byte, and the values' certificates kept once each, in a
 * store when there is one (issue 23).
 */
#define _GNU_SOURCE		/* memmem */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "ov_held.h"
#include "xmalloc.h"

#define NOW	1795000000000ULL	/* wall clock, ms */

static const uint8_t	 sigval[] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02,
			    0x01, 0x02 };
static const uint8_t	 ident[] = { OV_SIGNER_CERT_HASH, 0, 4, 4, 2, 0xaa,
			    0xbb };
static const uint8_t	 cert[] = { 0, 0, 3, 'c', 'r', 't' };
static const uint8_t	 cert2[] = { 0, 0, 4, 'c', 'r', 't', '2' };
static const uint8_t	*put_cert = cert;	/* what put stores with */
static size_t		 put_cert_len = sizeof cert;
static const struct ov_held_limits lim = { 86400, 1 << 20 };

static struct ov_held	 st;
static struct ov_id	 res;

static void
setup(void)
{
	ov_held_init(&st, ov_kind_all, ov_kind_nall, &lim);
	memset(res.b, 0x42, sizeof res.b);
}

static void
teardown(void)
{
	ov_held_clear(&st);
}

static struct ov_stored
val(const char *key, const char *data, uint64_t t, uint32_t index)
{
	struct ov_stored	s;

	memset(&s, 0, sizeof s);
	s.storage_time = t;
	s.lifetime = 600;
	s.v.index = index;
	s.v.key = (const uint8_t *)key;
	s.v.key_len = key != NULL ? (uint16_t)strlen(key) : 0;
	s.v.exists = true;
	s.v.data = (const uint8_t *)data;
	s.v.len = (uint32_t)strlen(data);
	s.sig.hash_alg = 4;
	s.sig.sig_alg = 3;
	s.sig.identity = ident;
	s.sig.identity_len = sizeof ident;
	s.sig.value = sigval;
	s.sig.value_len = sizeof sigval;
	return s;
}

static struct ov_kind_data
kd_of(uint32_t kind, uint64_t gen, struct ov_stored *v, uint32_t n)
{
	struct ov_kind_data	kd;

	memset(&kd, 0, sizeof kd);
	kd.kind = kind;
	kd.k = ov_kind_find(ov_kind_all, ov_kind_nall, kind);
	kd.generation = gen;
	kd.values = v;
	kd.nvalues = n;
	return kd;
}

static const char	*why;	/* the last refusal's reason */

/* Check, then store; the error code (0: stored), *gen the counter. */
static uint16_t
put(const struct ov_kind_data *kd, bool replica, uint64_t now, uint64_t *gen)
{
	const uint8_t	*c[8];
	size_t		 cl[8];
	uint16_t	 err = 0;
	unsigned	 i;

	ck_assert_uint_le(kd->nvalues, 8);
	for (i = 0; i < kd->nvalues; i++) {
		c[i] = put_cert;
		cl[i] = put_cert_len;
	}
	why = NULL;
	if (ov_held_check(&st, &res, kd, replica, &err, &why) != 0)
		return err;
	*gen = ov_held_apply(&st, &res, kd, c, cl, replica, now);
	return 0;
}

/* Fetch every value of kind; returns how many, *gen the counter. */
static unsigned
fetch(uint32_t kind, uint64_t want_gen, uint64_t now, uint64_t *gen,
    struct ov_stored *first)
{
	struct ov_spec			 spec;
	struct ov_kind_data		 out;
	const struct ov_held_value	**src;
	const uint8_t			 *p;
	size_t				  len;
	unsigned			  n;

	memset(&spec, 0, sizeof spec);
	spec.kind = kind;
	spec.k = ov_kind_find(ov_kind_all, ov_kind_nall, kind);
	spec.generation = want_gen;
	ov_held_fetch(&st, &res, &spec, now, &out, &src);
	n = out.nvalues;
	*gen = out.generation;
	if (n > 0 && first != NULL) {
		*first = out.values[0];
		ck_assert_int_eq(ov_certs_get(&st.certs, src[0]->certs, &p,
		    &len), 0);
		ck_assert_uint_eq(len, put_cert_len);
		ck_assert_mem_eq(p, put_cert, len);
	}
	free(out.values);
	free(src);
	return n;
}

/* A store for the certificates, as the daemon's database is one. */
static struct {
	uint8_t	 hash[OV_CERTS_HASH_LEN];
	uint8_t	 b[16];
	size_t	 len;
} tstore[4];
static unsigned	 ntstore, tstore_loads;

static int
tstore_load(void *arg, const uint8_t *hash, struct wbuf *out)
{
	unsigned	i;

	(void)arg;
	for (i = 0; i < ntstore; i++)
		if (memcmp(tstore[i].hash, hash, OV_CERTS_HASH_LEN) == 0) {
			wbuf_bytes(out, tstore[i].b, tstore[i].len);
			tstore_loads++;
			return 0;
		}
	return ENOENT;
}

/* Write what h hands out: how many buckets written, *dels deleted. */
static unsigned
tstore_sync(struct ov_held *h, unsigned *dels)
{
	uint8_t		 hash[OV_CERTS_HASH_LEN], *b;
	size_t		 len;
	unsigned	 puts = 0, i;

	*dels = 0;
	while (ov_certs_take(&h->certs, hash, &b, &len)) {
		for (i = 0; i < ntstore; i++)
			if (memcmp(tstore[i].hash, hash, sizeof hash) == 0)
				break;
		if (b == NULL) {
			ck_assert_uint_lt(i, ntstore);
			tstore[i] = tstore[--ntstore];
			(*dels)++;
			continue;
		}
		ck_assert_uint_eq(i, ntstore);	/* written once */
		ck_assert_uint_lt(ntstore, 4);
		ck_assert_uint_le(len, sizeof tstore[0].b);
		memcpy(tstore[ntstore].hash, hash, sizeof hash);
		memcpy(tstore[ntstore].b, b, len);
		tstore[ntstore++].len = len;
		free(b);
		puts++;
	}
	return puts;
}

START_TEST(dictionary_generations)
{
	struct ov_stored	v[2] = { val("node-a", "sip:a@x", NOW, 0),
				    val("node-b", "sip:b@x", NOW, 0) };
	struct ov_kind_data	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, v, 2);
	struct ov_stored	got;
	uint64_t		gen = 0, g2;

	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert_uint_eq(gen, 1);
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW, &g2, &got),
	    2);
	ck_assert_uint_eq(g2, 1);
	ck_assert_uint_eq(got.lifetime, 600);
	/* §7.4.2.1: the generation the fetcher has: nothing new */
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 1, NOW, &g2, NULL),
	    0);
	/* §7.4.1.1: a stale expected generation is refused */
	v[0] = val("node-a", "sip:a2@x", NOW + 1, 0);
	kd = kd_of(OV_KIND_SIP_REGISTRATION, 7, v, 1);
	ck_assert_uint_eq(put(&kd, false, NOW, &gen),
	    OV_E_GENERATION_COUNTER_TOO_LOW);
	kd.generation = 1;
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert_uint_eq(gen, 2);
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW, &g2, NULL),
	    2);
	/* replicas take the responsible peer's counter, never 0 */
	v[0] = val("node-c", "sip:c@x", NOW, 0);
	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, v, 1);
	ck_assert_uint_eq(put(&kd, true, NOW, &gen), OV_E_INVALID_MESSAGE);
	kd.generation = 40;
	ck_assert_uint_eq(put(&kd, true, NOW, &gen), 0);
	ck_assert_uint_eq(gen, 40);
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW, &g2, NULL),
	    3);
}
END_TEST

START_TEST(older_values_refused)
{
	struct ov_stored	v = val("node-a", "sip:new@x", NOW, 0);
	struct ov_kind_data	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, &v, 1);
	struct ov_stored	got;
	uint64_t		gen, g2;

	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	v = val("node-a", "sip:old@x", NOW - 1, 0);
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), OV_E_DATA_TOO_OLD);
	v = val("node-a", "sip:other@x", NOW, 0);	/* same time, other */
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), OV_E_DATA_TOO_OLD);
	v = val("node-a", "sip:new@x", NOW, 0);		/* the same again */
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert_uint_eq(gen, 1);		/* no change, no new generation */
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW, &g2, &got),
	    1);
	ck_assert_uint_eq(got.v.len, strlen("sip:new@x"));
	ck_assert_mem_eq(got.v.data, "sip:new@x", got.v.len);
}
END_TEST

START_TEST(limits)
{
	static char		big[1200];
	struct ov_stored	v[8];
	struct ov_kind_data	kd;
	uint64_t		gen, g2;
	char			keys[11][8];
	unsigned		i;

	memset(big, 'x', sizeof big - 1);
	v[0] = val("k", big, NOW, 0);
	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, v, 1);
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), OV_E_DATA_TOO_LARGE);
	ck_assert_str_eq(why, "a value over the Kind's max size");
	v[0] = val("k", "sip:a@x", NOW, 0);
	v[0].lifetime = lim.max_lifetime_s + 1;
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), OV_E_FORBIDDEN);
	ck_assert_str_eq(why, "a lifetime over the overlay's maximum");
	/* SIP-REGISTRATION holds 10 values: 8 + 2 fit, one more not */
	for (i = 0; i < 11; i++)
		snprintf(keys[i], sizeof keys[i], "key%u", i);
	for (i = 0; i < 8; i++)
		v[i] = val(keys[i], "sip:a@x", NOW, 0);
	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, v, 8);
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	for (i = 0; i < 3; i++)
		v[i] = val(keys[8 + i], "sip:a@x", NOW, 0);
	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, v, 3);
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), OV_E_DATA_TOO_LARGE);
	ck_assert_str_eq(why, "more values than the Kind's max count");
	/* refused as a whole: none of the three went in */
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW, &g2, NULL),
	    8);
	kd.nvalues = 2;
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW, &g2, NULL),
	    10);
}
END_TEST

START_TEST(quota)
{
	struct ov_held_limits	small = { 86400, 300 };
	struct ov_stored	v = val("a", "sip:a@x", NOW, 0);
	struct ov_kind_data	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, &v, 1);
	uint64_t		gen;
	char			key[8];
	unsigned		i, stored = 0;

	ov_held_clear(&st);
	ov_held_init(&st, ov_kind_all, ov_kind_nall, &small);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof key, "k%u", i);
		v = val(key, "sip:a@x", NOW, 0);
		if (put(&kd, false, NOW, &gen) == 0)
			stored++;
		else {
			ck_assert_uint_eq(put(&kd, false, NOW, &gen),
			    OV_E_DATA_TOO_LARGE);
			ck_assert_str_eq(why, "the storing peer's quota is full");
		}
	}
	ck_assert_uint_ge(stored, 1);
	ck_assert_uint_lt(stored, 10);
	ck_assert_uint_le(st.bytes, small.max_bytes);
}
END_TEST

START_TEST(array_append)
{
	struct ov_stored	v[2] = {
				    val(NULL, "cert-1", NOW, OV_ARRAY_APPEND),
				    val(NULL, "cert-2", NOW, OV_ARRAY_APPEND) };
	struct ov_kind_data	kd = kd_of(OV_KIND_CERT_BY_NODE, 0, v, 2);
	struct ov_spec		spec;
	struct ov_kind_data	out;
	const struct ov_held_value	**src;
	uint64_t		gen;

	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	v[0] = val(NULL, "cert-3", NOW, OV_ARRAY_APPEND);
	kd.nvalues = 1;
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	memset(&spec, 0, sizeof spec);
	spec.kind = OV_KIND_CERT_BY_NODE;
	spec.k = kd.k;
	spec.n = 1;
	spec.ranges[0].first = 1;
	spec.ranges[0].last = 2;
	ov_held_fetch(&st, &res, &spec, NOW, &out, &src);
	ck_assert_uint_eq(out.nvalues, 2);
	ck_assert_uint_eq(out.values[0].v.index + out.values[1].v.index, 3);
	ck_assert_mem_eq(out.values[0].v.index == 1 ? out.values[0].v.data :
	    out.values[1].v.data, "cert-2", 6);
	free(out.values);
	free(src);
}
END_TEST

START_TEST(expiry)
{
	struct ov_stored	v[2] = { val("a", "sip:a@x", NOW, 0),
				    val("b", "sip:b@x", NOW, 0) };
	struct ov_kind_data	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, v, 2);
	struct ov_stored	got;
	uint64_t		gen, g2;

	v[1].lifetime = 60;
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert_uint_eq(ov_held_next_expiry(&st), NOW + 60000);
	/* lifetimes count down (§7.4.1.1) */
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW + 30000, &g2,
	    &got), 2);
	ck_assert(got.lifetime == 570 || got.lifetime == 30);
	/* gone from fetches at once, from the store at the next sweep */
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW + 60000, &g2,
	    NULL), 1);
	ck_assert(ov_held_expire(&st, NOW + 60000));
	ck_assert_uint_eq(st.values, 1);
	ck_assert(ov_held_expire(&st, NOW + 600000));
	ck_assert_uint_eq(st.values, 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW + 600000, &g2,
	    NULL), 0);
}
END_TEST

/* ov_held_same_cb: the held value's SignerIdentity hash is arg's (the
 * node compares the signers' keys; the store asks only this). */
static bool
same_signer(const struct ov_held_value *sv, const uint8_t *certs,
    size_t certs_len, void *arg)
{
	ck_assert_uint_eq(certs_len, sizeof cert);
	ck_assert_mem_eq(certs, cert, certs_len);
	return sv->s.sig.id_hash_len == 2 &&
	    memcmp(sv->s.sig.id_hash, arg, 2) == 0;
}

static unsigned	asked;

static bool
count_asked(const struct ov_held_value *sv, const uint8_t *certs,
    size_t certs_len, void *arg)
{
	(void)sv;
	(void)certs;
	(void)certs_len;
	(void)arg;
	asked++;
	return true;
}

/*
 * Trust on first use: while a value of a user's Kind lives at the
 * resource, only its signer may write there (whoever the caller says is
 * the same); Kinds of nodes and expired values are not asked about; the
 * pin goes when the values expire.
 */
START_TEST(user_name_pinned)
{
	static uint8_t		 first[] = { 0xaa, 0xbb };
	static uint8_t		 other[] = { 0xcc, 0xdd };
	struct ov_stored	 v = val("a", "sip:a@x", NOW, 0);
	struct ov_stored	 t = val(NULL, "relay", NOW, 0);
	struct ov_kind_data	 kd = kd_of(OV_KIND_TURN_SERVICE, 0, &t, 1);
	uint64_t		 gen;

	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert(!ov_held_pinned(&st, &res, NOW, same_signer, other));
	ck_assert(!ov_held_pinned(&st, &res, NOW, count_asked, NULL));
	ck_assert_uint_eq(asked, 0);
	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, &v, 1);
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert(ov_held_pinned(&st, &res, NOW, same_signer, other));
	ck_assert(!ov_held_pinned(&st, &res, NOW, same_signer, first));
	ck_assert(!ov_held_pinned(&st, &res, NOW, count_asked, NULL));
	ck_assert_uint_eq(asked, 1);
	ck_assert(ov_held_pinned(&st, &res, NOW + 599999, same_signer,
	    other));
	ck_assert(!ov_held_pinned(&st, &res, NOW + 600000, same_signer,
	    other));
	asked = 0;
	ck_assert(!ov_held_pinned(&st, &res, NOW + 600000, count_asked,
	    NULL));
	ck_assert_uint_eq(asked, 0);
}
END_TEST

START_TEST(rows_round_trip)
{
	struct ov_stored	v[2] = { val("a", "sip:a@x", NOW, 0),
				    val("b", "sip:b@x", NOW, 0) };
	struct ov_kind_data	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, v, 2);
	struct ov_held		st2;
	struct ov_id		rid;
	uint8_t			*blob;
	size_t			 len;
	uint32_t		 kind;
	uint64_t		 gen, g2, rgen;
	struct ov_stored	 got;
	const struct ov_held_value *src[2];
	struct wbuf		 w;
	unsigned		 dels;

	ntstore = tstore_loads = 0;
	ov_certs_set_store(&st.certs, tstore_load, NULL);
	v[1].lifetime = 60;
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	/* the two values' one bucket, written once, then by hash only */
	ck_assert_uint_eq(tstore_sync(&st, &dels), 1);
	ck_assert_uint_eq(ov_certs_count(&st.certs), 1);
	/* and read back once for an answer that carries both */
	src[0] = &ov_held_find(&st, &res)->kinds[0].v[0];
	src[1] = &ov_held_find(&st, &res)->kinds[0].v[1];
	wbuf_init(&w, 0xffff);
	ov_held_certs_of(&st, &w, src, 2);
	ck_assert_uint_eq(tstore_loads, 1);
	ck_assert_uint_eq(w.len, sizeof cert);
	ck_assert_mem_eq(w.p, cert, sizeof cert);
	wbuf_clear(&w);
	tstore_loads = 0;
	ck_assert(ov_held_take_row(&st, &rid, &kind, &rgen, &blob, &len));
	ck_assert(ov_id_eq(&rid, &res));
	ck_assert_uint_eq(kind, OV_KIND_SIP_REGISTRATION);
	ck_assert_uint_eq(rgen, 1);
	ck_assert_uint_eq(blob[0], 1);		/* version 1 */
	ck_assert_ptr_null(memmem(blob, len, cert, sizeof cert));
	ck_assert(!ov_held_take_row(&st, &rid, &kind, &rgen, &blob, &len) ||
	    (free(blob), false));
	/* a restart 2 minutes later: b has expired meanwhile */
	ov_held_init(&st2, ov_kind_all, ov_kind_nall, &lim);
	ov_certs_set_store(&st2.certs, tstore_load, NULL);
	ck_assert_int_eq(ov_held_load(&st2, &rid, kind, rgen, blob, len,
	    NOW + 120000), 0);
	ck_assert_uint_eq(st2.values, 1);
	/* a truncated row is refused, not half loaded into a crash */
	ck_assert_int_ne(ov_held_load(&st2, &rid, kind, rgen, blob, len - 1,
	    NOW), 0);
	free(blob);
	ov_held_clear(&st);
	st = st2;
	ck_assert_uint_eq(tstore_sync(&st, &dels), 0);
	ck_assert_uint_eq(dels, 0);		/* a still uses it */
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW + 120000,
	    &g2, &got), 1);
	ck_assert_uint_eq(tstore_loads, 1);	/* read back for the answer */
	ck_assert_uint_eq(g2, 1);
	ck_assert_uint_eq(got.lifetime, 480);
	ck_assert_mem_eq(got.v.data, "sip:a@x", 7);
	/* emptied: the row is deleted (an empty blob), and the bucket */
	ck_assert(ov_held_expire(&st, NOW + 600000));
	ck_assert(ov_held_take_row(&st, &rid, &kind, &rgen, &blob, &len));
	ck_assert_uint_eq(len, 0);
	free(blob);
	ck_assert_uint_eq(st.nres, 0);
	ck_assert_uint_eq(tstore_sync(&st, &dels), 0);
	ck_assert_uint_eq(dels, 1);
	ck_assert_uint_eq(ntstore, 0);
	ck_assert_uint_eq(ov_certs_count(&st.certs), 0);
}
END_TEST

/*
 * Values signed by one signer share one bucket of certificates, counted
 * by its users: it goes with the last of them.  Without a store the
 * buckets stay in memory.
 */
START_TEST(certs_kept_once)
{
	struct ov_stored	v[2] = { val("a", "sip:a@x", NOW, 0),
				    val("b", "sip:b@x", NOW, 0) };
	struct ov_stored	c = val("c", "sip:c@x", NOW, 0);
	struct ov_kind_data	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, v, 2);
	uint64_t		gen;

	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert_uint_eq(ov_certs_count(&st.certs), 1);
	put_cert = cert2;
	put_cert_len = sizeof cert2;
	kd = kd_of(OV_KIND_SIP_REGISTRATION, 0, &c, 1);
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert_uint_eq(ov_certs_count(&st.certs), 2);
	/* c again, newer, by the first signer: cert2 has no user left */
	put_cert = cert;
	put_cert_len = sizeof cert;
	c.storage_time++;
	ck_assert_uint_eq(put(&kd, false, NOW, &gen), 0);
	ck_assert_uint_eq(ov_certs_count(&st.certs), 1);
	ck_assert(ov_held_expire(&st, NOW + 600000));
	ck_assert_uint_eq(ov_certs_count(&st.certs), 0);
}
END_TEST

/*
 * A row of version 0 (certificates in the row, before the store kept
 * them by hash) still loads, is rewritten as version 1 and hands its
 * bucket to the store; a bucket the store lost leaves the value out of
 * the certificates, not the node down.
 */
START_TEST(old_rows_read)
{
	struct ov_stored	v = val("a", "sip:a@x", NOW, 0);
	struct ov_held_value	const *src[1];
	struct ov_id		rid;
	struct wbuf		w;
	uint8_t			*blob;
	size_t			 len, mark;
	uint32_t		 kind;
	uint64_t		 gen, g2;
	struct ov_stored	 got;
	unsigned		 dels;

	ntstore = tstore_loads = 0;
	ov_certs_set_store(&st.certs, tstore_load, NULL);
	wbuf_init(&w, SIZE_MAX);
	wbuf_u64(&w, NOW + 600000);
	mark = wbuf_vec_begin(&w, 2);
	wbuf_bytes(&w, cert, sizeof cert);
	wbuf_vec_end(&w, mark, 2);
	ov_stored_encode(&w, OV_MODEL_DICT, &v);
	ck_assert_int_eq(ov_held_load(&st, &res, OV_KIND_SIP_REGISTRATION, 3,
	    w.p, w.len, NOW), 0);
	wbuf_clear(&w);
	ck_assert_uint_eq(fetch(OV_KIND_SIP_REGISTRATION, 0, NOW, &g2, &got),
	    1);
	ck_assert_uint_eq(g2, 3);
	ck_assert_uint_eq(tstore_sync(&st, &dels), 1);
	ck_assert(ov_held_take_row(&st, &rid, &kind, &gen, &blob, &len));
	ck_assert_uint_eq(blob[0], 1);
	ck_assert_uint_eq(gen, 3);
	free(blob);
	/* the store loses it: the value is there, its certificate is not */
	ntstore = 0;
	ck_assert_ptr_nonnull(src[0] = ov_held_find(&st, &res)->kinds[0].v);
	wbuf_init(&w, 0xffff);
	ov_held_certs_of(&st, &w, src, 1);
	ck_assert_uint_eq(w.len, 0);
	ck_assert(ov_held_pinned(&st, &res, NOW, count_asked, NULL));
	wbuf_clear(&w);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ov_held");
	TCase	*tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dictionary_generations);
	tcase_add_test(tc, older_values_refused);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, quota);
	tcase_add_test(tc, array_append);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, rows_round_trip);
	tcase_add_test(tc, user_name_pinned);
	tcase_add_test(tc, certs_kept_once);
	tcase_add_test(tc, old_rows_read);
	suite_add_tcase(s, tc);
	return s;
}
