/*
 * check_ov_cert.c - real ECDSA P-256 signatures as the overlay makes and
 * checks them (RFC 6940 §6.3.4): a daemon identity signs, the signer
 * cache verifies and names the signer, again once the certificate is
 * cached; tampering, an unknown signer, a certificate that did not sign
 * and a foreign algorithm are refused.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "check_main.h"
#include "identity.h"
#include "ov_cert.h"
#include "ov_msg.h"
#include "db.h"
#include "tmpdir.h"
#include "xmalloc.h"

static void
setup(void)
{
	tmpdir_make("check_ov_cert");
}

static void
teardown(void)
{
	tmpdir_remove();
}

/* Open the store of the identity in sub and hand it its users' keys. */
static void
attach_store(struct identity *ident, const char *sub)
{
	struct db	*st = NULL;
	char		*path = xasprintf("%s/p2psipd.db", sub), *cause = NULL;

	ck_assert_msg(db_open(&st, path, &cause) == 0, "db_open: %s",
	    cause ? cause : "?");
	identity_set_db(ident, st);
	free(path);
}

/* An identity in its own subdirectory of dir, with its store. */
static struct identity *
make_identity(const char *name)
{
	struct identity	*ident = NULL;
	char		*sub = xasprintf("%s/%s", dir, name), *cause = NULL;

	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_msg(identity_load(&ident, sub, "overlay.example.org", NULL,
	    &cause) == 0, "identity_load: %s", cause ? cause : "?");
	attach_store(ident, sub);
	free(sub);
	return ident;
}

static void
drop(struct identity *ident)
{
	db_close(ident->db);
	identity_free(ident);
}

/* The certificates bucket of a security block: one X.509 entry. */
static uint8_t *
bucket(const struct identity *ident, size_t *len)
{
	uint8_t	*b = xmalloc(3 + ident->der_len);

	b[0] = OV_CERT_X509;
	b[1] = (uint8_t)(ident->der_len >> 8);
	b[2] = (uint8_t)ident->der_len;
	memcpy(b + 3, ident->der, ident->der_len);
	*len = 3 + ident->der_len;
	return b;
}

struct signed_data {
	uint8_t		data[600];
	uint8_t		value[128];
	struct ov_sig	sig;
};

/* Sign s's data with c, named by its certificate's hash. */
static void
sign_with(const struct ov_crypto *c, struct signed_data *s)
{
	size_t	n;

	memset(s->data, 0x5a, sizeof s->data);
	n = c->sign(s->data, sizeof s->data, s->value, sizeof s->value,
	    c->arg);
	ck_assert_uint_gt(n, 0);
	memset(&s->sig, 0, sizeof s->sig);
	s->sig.hash_alg = OV_HASH_SHA256;
	s->sig.sig_alg = OV_SIG_ECDSA;
	s->sig.id_type = OV_SIGNER_CERT_HASH;
	s->sig.id_hash_alg = OV_HASH_SHA256;
	s->sig.id_hash = c->cert_hash;
	s->sig.id_hash_len = OV_CERT_HASH_LEN;
	s->sig.value = s->value;
	s->sig.value_len = (uint16_t)n;
}

static void
sign(const struct identity *ident, struct signed_data *s)
{
	sign_with(&ident->crypto, s);
}

static int
verify(const struct identity *by, const struct signed_data *s,
    const uint8_t *certs, size_t certs_len, struct ov_id *signer)
{
	struct ov_signer	who;
	int			rc;

	rc = by->crypto.verify(&s->sig, certs, certs_len, s->data,
	    sizeof s->data, &who, by->crypto.arg);
	if (rc == 0)
		*signer = who.node;
	return rc;
}

START_TEST(sign_and_verify)
{
	struct identity		*a = make_identity("a"), *b = make_identity("b");
	struct signed_data	 s;
	struct ov_id		 signer;
	uint8_t			*certs;
	size_t			 len;
	int			 i;

	certs = bucket(a, &len);
	sign(a, &s);
	/* The first check parses the certificate, the next ones use it. */
	for (i = 0; i < 3; i++) {
		memset(&signer, 0, sizeof signer);
		ck_assert_int_eq(verify(b, &s, certs, len, &signer), 0);
		ck_assert(ov_id_eq(&signer, &a->id));
	}
	/* Every signature differs (ECDSA's k) but each one verifies. */
	sign(a, &s);
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), 0);
	free(certs);
	drop(a);
	drop(b);
}
END_TEST

START_TEST(tampering_refused)
{
	struct identity		*a = make_identity("a"), *b = make_identity("b");
	struct signed_data	 s;
	struct ov_id		 signer;
	uint8_t			*certs, other[OV_CERT_HASH_LEN];
	size_t			 len;

	certs = bucket(a, &len);
	sign(a, &s);
	s.data[100] ^= 1;			/* the data */
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), EBADMSG);
	s.data[100] ^= 1;
	s.value[s.sig.value_len - 1] ^= 1;	/* the signature */
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), EBADMSG);
	s.value[s.sig.value_len - 1] ^= 1;
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), 0);
	s.sig.hash_alg = 2;			/* sha1: not ours */
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), EBADMSG);
	s.sig.hash_alg = OV_HASH_SHA256;
	memset(other, 0xee, sizeof other);	/* a signer not in the bucket */
	s.sig.id_hash = other;
	ck_assert_int_eq(verify(b, &s, certs, len, &signer), EBADMSG);
	free(certs);
	drop(a);
	drop(b);
}
END_TEST

/* A signature by a names a's certificate, but b's is in the bucket. */
START_TEST(wrong_certificate_refused)
{
	struct identity		*a = make_identity("a"), *b = make_identity("b");
	struct identity		*c = make_identity("c");
	struct signed_data	 s;
	struct ov_id		 signer;
	uint8_t			*certs;
	size_t			 len;

	certs = bucket(b, &len);
	sign(a, &s);
	ck_assert_int_eq(verify(c, &s, certs, len, &signer), EBADMSG);
	/* b's hash with b's certificate, but a's signature. */
	s.sig.id_hash = b->hash;
	ck_assert_int_eq(verify(c, &s, certs, len, &signer), EBADMSG);
	free(certs);
	drop(a);
	drop(b);
	drop(c);
}
END_TEST

static uint8_t *
bucket2(const struct identity_user *u, const struct identity *node,
    size_t *len)
{
	size_t	 nlen = 0;
	uint8_t	*nb = node != NULL ? bucket(node, &nlen) : NULL;
	uint8_t	*b = xmalloc(u->bucket_len + nlen);

	memcpy(b, u->bucket, u->bucket_len);
	if (nb != NULL)
		memcpy(b + u->bucket_len, nb, nlen);
	free(nb);
	*len = u->bucket_len + nlen;
	return b;
}

/* users/NAME.key and .crt in sub, as an earlier p2psipd wrote them. */
static void
write_user_files(const char *sub, const struct identity_user *u)
{
	char	*udir = xasprintf("%s/users", sub), *p;
	FILE	*f;

	ck_assert_int_eq(mkdir(udir, 0700), 0);
	p = xasprintf("%s/%s.key", udir, u->name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert(PEM_write_PrivateKey(f, u->key, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	free(p);
	p = xasprintf("%s/%s.crt", udir, u->name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert(PEM_write_X509(f, u->cert));
	fclose(f);
	free(p);
	free(udir);
}

static void
rm_user_files(const char *sub)
{
	char	*cmd = xasprintf("rm -r '%s/users'", sub);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/*
 * A user's certificate is issued by its node (rfc822Name + the node's
 * reload:// URI): a verifier names both the node and the user, but only
 * with the issuing node's certificate in the bucket.  The user's key and
 * certificate are kept across restarts.
 */
START_TEST(user_certificates)
{
	const char		*alice = "alice@overlay.example.org";
	struct identity		*a = make_identity("a"), *b = make_identity("b");
	struct identity		*v = make_identity("v"), *w = make_identity("w");
	struct identity_user	*u, *ub;
	struct ov_signer	 who;
	struct signed_data	 s;
	uint8_t			*certs, hash[OV_CERT_HASH_LEN];
	size_t			 len;
	char			*cause = NULL, *sub, *path;

	ck_assert_int_eq(identity_user(a, alice, &u, &cause), 0);
	ck_assert_int_eq(u->created, 1);
	memcpy(hash, u->hash, sizeof hash);
	sign_with(&u->crypto, &s);
	/* alone, the user's certificate proves nothing */
	certs = bucket2(u, NULL, &len);
	ck_assert_int_eq(v->crypto.verify(&s.sig, certs, len, s.data,
	    sizeof s.data, &who, v->crypto.arg), EBADMSG);
	free(certs);
	/* nor with another node's certificate */
	certs = bucket2(u, b, &len);
	ck_assert_int_eq(v->crypto.verify(&s.sig, certs, len, s.data,
	    sizeof s.data, &who, v->crypto.arg), EBADMSG);
	free(certs);
	certs = bucket2(u, a, &len);
	ck_assert_int_eq(w->crypto.verify(&s.sig, certs, len, s.data,
	    sizeof s.data, &who, w->crypto.arg), 0);
	ck_assert(ov_id_eq(&who.node, &a->id));
	ck_assert_str_eq(who.user, alice);
	ck_assert(who.issuer != NULL && who.issuer_len == a->der_len);
	ck_assert_mem_eq(who.issuer, a->der, a->der_len);
	free(certs);
	/* another node may name a user alice too: its own key, though */
	ck_assert_int_eq(identity_user(b, alice, &ub, &cause), 0);
	ck_assert(memcmp(ub->hash, hash, sizeof hash) != 0);
	/* names that are not file names */
	ck_assert(!identity_user_name_ok("../etc"));
	ck_assert(!identity_user_name_ok(""));
	ck_assert(!identity_user_name_ok("a,URI:x"));
	ck_assert_int_eq(identity_user(a, ".hidden", &ub, &cause), EINVAL);
	free(cause);
	cause = NULL;
	/* a restart finds the same key and certificate in the store */
	drop(a);
	sub = xasprintf("%s/a", dir);
	ck_assert_int_eq(identity_load(&a, sub, "overlay.example.org", NULL,
	    &cause), 0);
	attach_store(a, sub);
	ck_assert_int_eq(identity_user(a, alice, &u, &cause), 0);
	ck_assert_int_eq(u->created, 0);
	ck_assert_mem_eq(u->hash, hash, sizeof hash);
	/*
	 * An earlier p2psipd kept them as files in users/: with no store
	 * row, they are imported, the same key and certificate.
	 */
	write_user_files(sub, u);
	drop(a);
	path = xasprintf("%s/p2psipd.db", sub);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(identity_load(&a, sub, "overlay.example.org", NULL,
	    &cause), 0);
	attach_store(a, sub);
	ck_assert_int_eq(identity_user(a, alice, &u, &cause), 0);
	ck_assert_int_eq(u->created, 0);
	ck_assert_mem_eq(u->hash, hash, sizeof hash);
	drop(a);
	/* and they are in the store now: the files are not read again */
	rm_user_files(sub);
	ck_assert_int_eq(identity_load(&a, sub, "overlay.example.org", NULL,
	    &cause), 0);
	attach_store(a, sub);
	ck_assert_int_eq(identity_user(a, alice, &u, &cause), 0);
	ck_assert_int_eq(u->created, 0);
	ck_assert_mem_eq(u->hash, hash, sizeof hash);
	free(path);
	free(sub);
	drop(a);
	drop(b);
	drop(v);
	drop(w);
}
END_TEST

/*
 * The node that issued a user's certificate keeps it as checked
 * (ov_cert_cache_own): its own stores of the user's values verify with
 * no certificate in the bucket, naming the user, the node and the node's
 * certificate as the issuer.  Another node still needs both certificates.
 */
START_TEST(own_user_certificates)
{
	struct identity		*a = make_identity("a"), *v = make_identity("v");
	struct identity_user	*u;
	struct ov_signer	 who;
	struct signed_data	 s;
	char			*cause = NULL;

	ck_assert_int_eq(identity_user(a, "carol", &u, &cause), 0);
	sign_with(&u->crypto, &s);
	ck_assert_int_eq(a->crypto.verify(&s.sig, NULL, 0, s.data,
	    sizeof s.data, &who, a->crypto.arg), 0);
	ck_assert(ov_id_eq(&who.node, &a->id));
	ck_assert_str_eq(who.user, "carol");
	ck_assert(who.issuer != NULL && who.issuer_len == a->der_len);
	ck_assert_mem_eq(who.issuer, a->der, a->der_len);
	ck_assert(who.cert_len == u->der_len);
	ck_assert_mem_eq(who.cert, u->der, u->der_len);
	ck_assert_int_eq(v->crypto.verify(&s.sig, NULL, 0, s.data,
	    sizeof s.data, &who, v->crypto.arg), EBADMSG);
	/* the signature is still checked */
	s.data[0] ^= 1;
	ck_assert_int_eq(a->crypto.verify(&s.sig, NULL, 0, s.data,
	    sizeof s.data, &who, a->crypto.arg), EBADMSG);
	drop(a);
	drop(v);
}
END_TEST

/*
 * The id of a signer's key (what storing peers pin a user name to): the
 * SHA-256 of its SubjectPublicKeyInfo, a node's Node-ID its first 128
 * bits; found as verify finds the signer, so a user's certificate
 * without its node's is refused.
 */
START_TEST(key_ids)
{
	const char		*alice = "alice@overlay.example.org";
	struct identity		*a = make_identity("a"), *v = make_identity("v");
	struct identity_user	*u;
	struct signed_data	 s;
	uint8_t			*certs, got[OV_KEY_ID_LEN], want[OV_KEY_ID_LEN];
	size_t			 len;
	char			*cause = NULL;

	sign(a, &s);
	certs = bucket(a, &len);
	ck_assert_int_eq(v->crypto.key_id(&s.sig, certs, len, got,
	    v->crypto.arg), 0);
	ck_assert_mem_eq(got, a->id.b, OV_ID_LEN);
	ck_assert_int_eq(ov_cert_spki_id(a->cert, want), 0);
	ck_assert_mem_eq(got, want, sizeof want);
	free(certs);
	ck_assert_int_eq(identity_user(a, alice, &u, &cause), 0);
	sign_with(&u->crypto, &s);
	certs = bucket2(u, NULL, &len);
	ck_assert_int_eq(v->crypto.key_id(&s.sig, certs, len, got,
	    v->crypto.arg), EBADMSG);
	free(certs);
	certs = bucket2(u, a, &len);
	ck_assert_int_eq(v->crypto.key_id(&s.sig, certs, len, got,
	    v->crypto.arg), 0);
	ck_assert_int_eq(identity_user_key_id(u, want), 0);
	ck_assert_mem_eq(got, want, sizeof want);
	ck_assert(memcmp(got, a->id.b, OV_ID_LEN) != 0);
	free(certs);
	drop(a);
	drop(v);
}
END_TEST

/*
 * A certificate for key with the given subjectAltName, signed by signer
 * with ECDSA/SHA-256, issued in ca's name (NULL: its own), valid from
 * from_s to to_s seconds from now; its DER, a certificates bucket of one
 * entry.
 */
static uint8_t *
crafted_by(EVP_PKEY *key, EVP_PKEY *signer, X509 *ca, const char *san,
    long from_s, long to_s, size_t *len)
{
	X509		*x = X509_new();
	X509_EXTENSION	*ext;
	unsigned char	*der = NULL;
	uint8_t		*b;
	int		 n;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), from_s);
	X509_gmtime_adj(X509_getm_notAfter(x), to_s);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"crafted", -1, -1, 0);
	X509_set_issuer_name(x, ca != NULL ? X509_get_subject_name(ca) :
	    X509_get_subject_name(x));
	ck_assert_int_eq(X509_set_pubkey(x, key), 1);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
	ck_assert_ptr_nonnull(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, signer, EVP_sha256()), 0);
	ck_assert_int_gt(n = i2d_X509(x, &der), 0);
	X509_free(x);
	b = xmalloc(3 + (size_t)n);
	b[0] = OV_CERT_X509;
	b[1] = (uint8_t)(n >> 8);
	b[2] = (uint8_t)n;
	memcpy(b + 3, der, (size_t)n);
	OPENSSL_free(der);
	*len = 3 + (size_t)n;
	return b;
}

static uint8_t *
crafted(EVP_PKEY *key, EVP_PKEY *signer, const char *san, size_t *len)
{
	return crafted_by(key, signer, NULL, san, 0, 3600, len);
}

/* A crypto context that signs with key, named by the bucket's hash. */
static void
sign_key(EVP_PKEY *key, const uint8_t *certs, size_t certs_len,
    uint8_t *hash, struct signed_data *s)
{
	EVP_PKEY_CTX	*ctx = ov_cert_signer(key);
	size_t		 n;

	ck_assert_ptr_nonnull(ctx);
	SHA256(certs + 3, certs_len - 3, hash);
	memset(s->data, 0x5a, sizeof s->data);
	n = ov_cert_sign(ctx, s->data, sizeof s->data, s->value,
	    sizeof s->value);
	ck_assert_uint_gt(n, 0);
	EVP_PKEY_CTX_free(ctx);
	memset(&s->sig, 0, sizeof s->sig);
	s->sig.hash_alg = OV_HASH_SHA256;
	s->sig.sig_alg = OV_SIG_ECDSA;
	s->sig.id_type = OV_SIGNER_CERT_HASH;
	s->sig.id_hash_alg = OV_HASH_SHA256;
	s->sig.id_hash = hash;
	s->sig.id_hash_len = OV_CERT_HASH_LEN;
	s->sig.value = s->value;
	s->sig.value_len = (uint16_t)n;
}

/* certs a and b, one bucket. */
static uint8_t *
joined(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    size_t *len)
{
	uint8_t	*j = xmalloc(alen + blen);

	memcpy(j, a, alen);
	memcpy(j + alen, b, blen);
	*len = alen + blen;
	return j;
}

/*
 * Certificates are parsed without OpenSSL decoding their keys, so the
 * checks it would make are ours: only EC P-256 keys, a user certificate
 * signed by the very node it names, the Node-ID the key's.
 */
START_TEST(crafted_certificates)
{
	struct identity		*a = make_identity("a"), *b = make_identity("b");
	struct identity		*v = make_identity("v");
	struct signed_data	 s;
	struct ov_id		 signer, id;
	EVP_PKEY		*p384, *ukey;
	uint8_t			*cert, *ucert, *certs, hash[OV_CERT_HASH_LEN];
	size_t			 len, ulen, clen;
	char			 uri[128], san[256];

	/* A P-384 node, rightly bound: not a key this overlay uses. */
	p384 = EVP_EC_gen("secp384r1");
	ck_assert_ptr_nonnull(p384);
	ck_assert_int_eq(ov_cert_key_node_id(p384, &id), 0);
	ov_cert_uri(&id, "overlay.example.org", uri, sizeof uri);
	snprintf(san, sizeof san, "URI:%s", uri);
	cert = crafted(p384, p384, san, &len);
	sign_key(p384, cert, len, hash, &s);
	ck_assert_int_eq(verify(v, &s, cert, len, &signer), EBADMSG);
	free(cert);
	EVP_PKEY_free(p384);

	/* A P-256 node whose URI names another key's Node-ID. */
	ukey = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(ukey);
	ov_cert_uri(&a->id, "overlay.example.org", uri, sizeof uri);
	snprintf(san, sizeof san, "URI:%s", uri);
	cert = crafted(ukey, ukey, san, &len);
	sign_key(ukey, cert, len, hash, &s);
	ck_assert_int_eq(verify(v, &s, cert, len, &signer), EBADMSG);
	free(cert);

	/* A user certificate naming node a, but signed by b's key. */
	snprintf(san, sizeof san, "email:bob@overlay.example.org,URI:%s",
	    uri);
	ucert = crafted(ukey, b->key, san, &ulen);
	cert = bucket(a, &len);
	certs = joined(ucert, ulen, cert, len, &clen);
	sign_key(ukey, ucert, ulen, hash, &s);
	ck_assert_int_eq(verify(v, &s, certs, clen, &signer), EBADMSG);
	free(certs);
	free(ucert);
	/* Signed by a's: the same user is a's, twice (the cached path). */
	ucert = crafted(ukey, a->key, san, &ulen);
	certs = joined(ucert, ulen, cert, len, &clen);
	sign_key(ukey, ucert, ulen, hash, &s);
	ck_assert_int_eq(verify(v, &s, certs, clen, &signer), 0);
	ck_assert(ov_id_eq(&signer, &a->id));
	ck_assert_int_eq(verify(v, &s, certs, clen, &signer), 0);
	s.data[0] ^= 1;
	ck_assert_int_eq(verify(v, &s, certs, clen, &signer), EBADMSG);
	free(certs);
	free(ucert);
	free(cert);
	EVP_PKEY_free(ukey);
	drop(a);
	drop(b);
	drop(v);
}
END_TEST

/* More signers than the cache holds: each still verifies, evicted or not. */
START_TEST(cache_eviction)
{
	struct identity		*ids[12], *v = make_identity("v");
	struct signed_data	 s[12];
	struct ov_cert_cache	*small;
	struct ov_signer	 who;
	struct ov_id		 signer;
	uint8_t			*certs[12];
	size_t			 len[12];
	char			 name[16];
	int			 i, round;

	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "n%d", i);
		ids[i] = make_identity(name);
		certs[i] = bucket(ids[i], &len[i]);
		sign(ids[i], &s[i]);
	}
	ck_assert_ptr_nonnull(small = ov_cert_cache_new(4));
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 12; i++) {
			ck_assert_int_eq(ov_cert_verify(&s[i].sig, certs[i],
			    len[i], s[i].data, sizeof s[i].data, &who, small),
			    0);
			ck_assert(ov_id_eq(&who.node, &ids[i]->id));
			/* another's signature under i's name: refused */
			ck_assert_int_eq(ov_cert_verify(&s[i].sig, certs[i],
			    len[i], s[(i + 1) % 12].data, sizeof s[i].data - 1,
			    &who, small), EBADMSG);
		}
	}
	ck_assert_int_eq(verify(v, &s[3], certs[3], len[3], &signer), 0);
	ov_cert_cache_free(small);
	for (i = 0; i < 12; i++) {
		free(certs[i]);
		drop(ids[i]);
	}
	drop(v);
}
END_TEST

/* A CA certificate for key, named name. */
static X509 *
ca_cert(EVP_PKEY *key, const char *name)
{
	X509	*x = X509_new();

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, X509_VERSION_3);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)name, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	return x;
}

/* verify s with the cache c over the bucket certs; the signer in who. */
static int
verify_in(struct ov_cert_cache *c, const struct signed_data *s,
    const uint8_t *certs, size_t len, struct ov_signer *who)
{
	return ov_cert_verify(&s->sig, certs, len, s->data, sizeof s->data,
	    who, c);
}

/*
 * The cache starts small and grows as signers come: 24 signers in a
 * cache for 1024 fill its first sets (8 of 4 ways) past full, and all 24
 * are still there after, found by hash with no certificate sent.
 */
START_TEST(cache_growth)
{
	struct identity		*ids[24];
	struct signed_data	 s[24];
	struct ov_cert_cache	*c = ov_cert_cache_new(OV_CERT_CACHE_SIZE);
	struct ov_signer	 who;
	uint8_t			*certs[24];
	size_t			 len[24];
	char			 name[16];
	int			 i;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < 24; i++) {
		snprintf(name, sizeof name, "g%d", i);
		ids[i] = make_identity(name);
		certs[i] = bucket(ids[i], &len[i]);
		sign(ids[i], &s[i]);
		ck_assert_int_eq(verify_in(c, &s[i], certs[i], len[i], &who),
		    0);
	}
	for (i = 0; i < 24; i++) {
		ck_assert_int_eq(verify_in(c, &s[i], NULL, 0, &who), 0);
		ck_assert(ov_id_eq(&who.node, &ids[i]->id));
		ck_assert_str_eq(who.user, "");
		free(certs[i]);
		drop(ids[i]);
	}
	/* a signer never met, no certificate: not found */
	ids[0] = make_identity("stranger");
	sign(ids[0], &s[0]);
	ck_assert_int_eq(verify_in(c, &s[0], NULL, 0, &who), EBADMSG);
	drop(ids[0]);
	ov_cert_cache_free(c);
}
END_TEST

/*
 * Enrollment mode (§11.3): a cache with the overlay's CA takes only what
 * that CA issued, valid now; the Node-ID is the one its URI names (not
 * the key's hash) and the user its rfc822Name.  Self-signed, node-issued,
 * another CA's and expired certificates are refused.
 */
START_TEST(enrolled_certificates)
{
	const char		*uri = "URI:reload://"
				    "00112233445566778899aabbccddeeff"
				    "@overlay.example.org/";
	struct identity		*a = make_identity("a");
	struct ov_cert_cache	*c = ov_cert_cache_new(64);
	struct signed_data	 s;
	struct ov_signer	 who;
	struct ov_id		 want, id;
	EVP_PKEY		*cakey, *otherkey, *key;
	X509			*ca, *other, *x;
	uint8_t			*cert, *certs, hash[OV_CERT_HASH_LEN];
	const unsigned char	*p;
	size_t			 len, clen;
	char			 san[256];

	ck_assert_ptr_nonnull(c);
	cakey = EVP_EC_gen("P-256");
	otherkey = EVP_EC_gen("P-256");
	key = EVP_EC_gen("P-256");
	ca = ca_cert(cakey, "overlay CA");
	other = ca_cert(otherkey, "overlay CA");	/* the same name */
	ck_assert_int_eq(ov_id_from_hex("00112233445566778899aabbccddeeff",
	    &want), 0);
	ck_assert(!ov_cert_enrollment(c));
	ov_cert_cache_now(c, (int64_t)time(NULL));
	ck_assert_int_eq(ov_cert_cache_root(c, ca), 0);
	ck_assert(ov_cert_enrollment(c));
	snprintf(san, sizeof san, "%s,email:dana@overlay.example.org", uri);

	/* issued by the CA: the URI's Node-ID and the user */
	cert = crafted_by(key, cakey, ca, san, -60, 3600, &len);
	sign_key(key, cert, len, hash, &s);
	ck_assert_int_eq(verify_in(c, &s, cert, len, &who), 0);
	ck_assert(ov_id_eq(&who.node, &want));
	ck_assert_str_eq(who.user, "dana@overlay.example.org");
	ck_assert_ptr_null(who.issuer);
	ck_assert_int_eq(verify_in(c, &s, cert, len, &who), 0);	/* cached */
	/* two hours on, the cached certificate has expired */
	ov_cert_cache_now(c, (int64_t)time(NULL) + 7200);
	ck_assert_int_eq(verify_in(c, &s, cert, len, &who), EBADMSG);
	ov_cert_cache_now(c, (int64_t)time(NULL));
	/* the same certificate from TLS */
	p = cert + 3;
	ck_assert_ptr_nonnull(x = d2i_X509(NULL, &p, (long)len - 3));
	ck_assert_int_eq(ov_cert_bound_id(c, x, &id), 0);
	ck_assert(ov_id_eq(&id, &want));
	X509_free(x);
	free(cert);

	/* another CA of the same name, expired, not yet valid: refused */
	cert = crafted_by(key, otherkey, other, san, -60, 3600, &len);
	sign_key(key, cert, len, hash, &s);
	ck_assert_int_eq(verify_in(c, &s, cert, len, &who), EBADMSG);
	p = cert + 3;
	ck_assert_ptr_nonnull(x = d2i_X509(NULL, &p, (long)len - 3));
	ck_assert_int_eq(ov_cert_bound_id(c, x, &id), EBADMSG);
	X509_free(x);
	free(cert);
	cert = crafted_by(key, cakey, ca, san, -7200, -3600, &len);
	sign_key(key, cert, len, hash, &s);
	ck_assert_int_eq(verify_in(c, &s, cert, len, &who), EBADMSG);
	free(cert);
	cert = crafted_by(key, cakey, ca, san, 3600, 7200, &len);
	sign_key(key, cert, len, hash, &s);
	ck_assert_int_eq(verify_in(c, &s, cert, len, &who), EBADMSG);
	free(cert);
	/* no URI: no Node-ID */
	cert = crafted_by(key, cakey, ca, "email:dana@overlay.example.org",
	    -60, 3600, &len);
	sign_key(key, cert, len, hash, &s);
	ck_assert_int_eq(verify_in(c, &s, cert, len, &who), EBADMSG);
	free(cert);

	/* a self-signed node, rightly bound, and a user it issued */
	certs = bucket(a, &clen);
	sign(a, &s);
	ck_assert_int_eq(verify_in(c, &s, certs, clen, &who), EBADMSG);
	free(certs);
	ov_cert_uri(&a->id, "overlay.example.org", san, sizeof san);
	snprintf(san + strlen(san), sizeof san - strlen(san),
	    ",email:dana@overlay.example.org");
	memmove(san + 4, san, strlen(san) + 1);
	memcpy(san, "URI:", 4);
	cert = crafted(key, a->key, san, &len);
	certs = xmalloc(len + 3 + a->der_len);
	memcpy(certs, cert, len);
	free(cert);
	cert = bucket(a, &clen);
	memcpy(certs + len, cert, clen);
	sign_key(key, certs, len, hash, &s);
	ck_assert_int_eq(verify_in(c, &s, certs, len + clen, &who), EBADMSG);
	free(cert);
	free(certs);

	ov_cert_cache_free(c);
	X509_free(ca);
	X509_free(other);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(otherkey);
	EVP_PKEY_free(key);
	drop(a);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ov_cert");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sign_and_verify);
	tcase_add_test(tc, tampering_refused);
	tcase_add_test(tc, wrong_certificate_refused);
	tcase_add_test(tc, user_certificates);
	tcase_add_test(tc, own_user_certificates);
	tcase_add_test(tc, key_ids);
	tcase_add_test(tc, crafted_certificates);
	tcase_add_test(tc, cache_eviction);
	tcase_add_test(tc, cache_growth);
	tcase_add_test(tc, enrolled_certificates);
	suite_add_tcase(s, tc);
	return s;
}
