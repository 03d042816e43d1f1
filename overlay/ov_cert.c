/*
 * ov_cert.c - Node-IDs bound to keys, and signature verification (RFC
 * 6940 §11.3.1, §6.3.4, §14.15).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/provider.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "ov_cert.h"
#include "wire.h"
#include "xmalloc.h"

int
ov_cert_key_node_id(EVP_PKEY *key, struct ov_id *id)
{
	unsigned char	*der = NULL;
	uint8_t		 md[SHA256_DIGEST_LENGTH];
	int		 n;

	if ((n = i2d_PUBKEY(key, &der)) <= 0)
		return EINVAL;
	SHA256(der, (size_t)n, md);
	OPENSSL_free(der);
	memcpy(id->b, md, OV_ID_LEN);
	return 0;
}

void
ov_cert_uri(const struct ov_id *id, const char *overlay, char *out,
    size_t max)
{
	char	hex[OV_ID_HEXLEN];

	snprintf(out, max, "reload://%s@%s/", ov_id_hex(id, hex), overlay);
}

int
ov_cert_reload_uri(X509 *x, struct ov_id *id, char *overlay, size_t max)
{
	GENERAL_NAMES		*names;
	const GENERAL_NAME	*g;
	const unsigned char	*s;
	char			 hex[OV_ID_HEXLEN];
	int			 i, len, rc = EBADMSG;

	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
		g = sk_GENERAL_NAME_value(names, i);
		if (g->type != GEN_URI)
			continue;
		s = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
		len = ASN1_STRING_length(g->d.uniformResourceIdentifier);
		/* reload:// + 32 hex + '@' ... */
		if (len < 9 + 32 + 1 || memcmp(s, "reload://", 9) != 0 ||
		    s[9 + 32] != '@')
			continue;
		memcpy(hex, s + 9, 32);
		hex[32] = '\0';
		rc = ov_id_from_hex(hex, id) == 0 ? 0 : EBADMSG;
		/* ... overlay "/" */
		if (rc == 0 && overlay != NULL) {
			if (s[len - 1] != '/' || (size_t)(len - 43) >= max ||
			    len < 9 + 32 + 1 + 2)
				rc = EBADMSG;
			else
				snprintf(overlay, max, "%.*s", len - 43,
				    (const char *)s + 42);
		}
		break;
	}
	GENERAL_NAMES_free(names);
	return rc;
}

int
ov_cert_user(X509 *x, char *user, size_t max)
{
	GENERAL_NAMES		*names;
	const GENERAL_NAME	*g;
	const unsigned char	*s;
	int			 i, len, rc = EBADMSG;

	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
		g = sk_GENERAL_NAME_value(names, i);
		if (g->type != GEN_EMAIL)
			continue;
		s = ASN1_STRING_get0_data(g->d.rfc822Name);
		len = ASN1_STRING_length(g->d.rfc822Name);
		if (len > 0 && (size_t)len < max &&
		    memchr(s, '\0', (size_t)len) == NULL) {
			memcpy(user, s, (size_t)len);
			user[len] = '\0';
			rc = 0;
		}
		break;
	}
	GENERAL_NAMES_free(names);
	return rc;
}

/*
 * The SubjectPublicKeyInfo as the certificate encodes it: no key
 * decoding or encoding, which in OpenSSL 3.0 costs some 100 us a time.
 */
int
ov_cert_spki_id(X509 *x, uint8_t *out)
{
	unsigned char	*der = NULL;
	int		 n;

	if ((n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der)) <= 0)
		return EBADMSG;
	SHA256(der, (size_t)n, out);
	OPENSSL_free(der);
	return 0;
}

int
ov_cert_node_id(X509 *x, struct ov_id *id)
{
	struct ov_id	 named;
	uint8_t		 md[SHA256_DIGEST_LENGTH];

	if (ov_cert_spki_id(x, md) != 0)
		return EBADMSG;
	memcpy(id->b, md, OV_ID_LEN);
	if (ov_cert_reload_uri(x, &named, NULL, 0) != 0 || !ov_id_eq(id, &named))
		return EBADMSG;
	return 0;
}

/*
 * One context per key, made once: OpenSSL 3 looks up the algorithm
 * afresh on every EVP_Digest{Sign,Verify}Init, and in a busy process
 * that lookup costs as much as a third of the signature itself.  A
 * context may sign or verify any number of times after one init.
 */
static EVP_PKEY_CTX *
ov_cert_ctx(EVP_PKEY *key, bool sign)
{
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new(key, NULL);

	if (ctx == NULL || (sign ? EVP_PKEY_sign_init(ctx) :
	    EVP_PKEY_verify_init(ctx)) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

EVP_PKEY_CTX *
ov_cert_signer(EVP_PKEY *key)
{
	return ov_cert_ctx(key, true);
}

size_t
ov_cert_sign(EVP_PKEY_CTX *ctx, const uint8_t *data, size_t len,
    uint8_t *out, size_t max)
{
	uint8_t	md[SHA256_DIGEST_LENGTH];
	size_t	n = max;

	SHA256(data, len, md);
	if (EVP_PKEY_sign(ctx, out, &n, md, sizeof md) != 1)
		n = 0;
	return n;
}

/* ---- the signer cache ---- */

/*
 * Certificates from the wire are parsed in a library context with only
 * the null provider, where OpenSSL does not decode their keys: in 3.0
 * that decoding alone costs some 160 us a certificate, most of a cache
 * miss.  The key is built from the certificate's raw EC point instead
 * (ov_cert_p256), and a certificate's signature is checked over its
 * re-encoded TBSCertificate with that key (ov_cert_signed_by).
 */

#define OV_CACHE_WAYS	4

struct ov_cert_entry {
	uint8_t		 hash[OV_CERT_HASH_LEN];
	EVP_PKEY_CTX	*key;		/* verifier; NULL: a slot never used */
	struct ov_id	 id;
	uint8_t		 key_id[OV_KEY_ID_LEN];	/* ov_cert_spki_id */
	char		*user;		/* NULL: a node's own */
	uint8_t		*der;		/* the certificate */
	size_t		 der_len;
	uint8_t		*issuer;	/* a user's: its node's certificate */
	size_t		 issuer_len;
	time_t		 not_after;	/* enrolled: valid until; 0: always */
	uint64_t	 used;
};

/* An enrollment CA: its name, and a verifier for its key. */
struct ov_cert_root {
	X509_NAME	*name;
	EVP_PKEY_CTX	*key;
};

/*
 * Sets of OV_CACHE_WAYS entries, chosen by the hash; LRU in a set.  The
 * sets double, from OV_CACHE_SETS0, each time a full set would evict,
 * up to max_sets: a daemon that meets a few dozen signers keeps a few
 * kB, not the table for a thousand.
 */
#define OV_CACHE_SETS0	8
struct ov_cert_cache {
	struct ov_cert_entry	*e;
	unsigned		 nsets;		/* a power of two */
	unsigned		 max_sets;	/* a power of two */
	uint64_t		 clock;
	OSSL_LIB_CTX		*parse;		/* no key decoders */
	OSSL_PROVIDER		*null;
	EVP_PKEY_CTX		*ec;		/* makes EC keys from points */
	struct ov_cert_root	*roots;		/* enrollment mode if any */
	unsigned		 nroots;
	time_t			 now;		/* the wall clock, as told */
};

struct ov_cert_cache *
ov_cert_cache_new(unsigned size)
{
	struct ov_cert_cache	*c = xcalloc(1, sizeof *c);

	c->max_sets = 1;
	while (c->max_sets * OV_CACHE_WAYS < size)
		c->max_sets *= 2;
	c->nsets = c->max_sets < OV_CACHE_SETS0 ? c->max_sets :
	    OV_CACHE_SETS0;
	c->e = xcalloc((size_t)c->nsets * OV_CACHE_WAYS, sizeof *c->e);
	/* Loading a provider keeps OpenSSL from loading the default one. */
	if ((c->parse = OSSL_LIB_CTX_new()) == NULL ||
	    (c->null = OSSL_PROVIDER_load(c->parse, "null")) == NULL ||
	    (c->ec = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(c->ec) != 1) {
		ov_cert_cache_free(c);
		return NULL;
	}
	return c;
}

void
ov_cert_cache_free(struct ov_cert_cache *c)
{
	unsigned	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsets * OV_CACHE_WAYS; i++) {
		EVP_PKEY_CTX_free(c->e[i].key);
		free(c->e[i].der);
		free(c->e[i].issuer);
		free(c->e[i].user);
	}
	free(c->e);
	for (i = 0; i < c->nroots; i++) {
		X509_NAME_free(c->roots[i].name);
		EVP_PKEY_CTX_free(c->roots[i].key);
	}
	free(c->roots);
	EVP_PKEY_CTX_free(c->ec);
	if (c->null != NULL)
		OSSL_PROVIDER_unload(c->null);
	OSSL_LIB_CTX_free(c->parse);
	free(c);
}

/* The set a hash falls in: its first bytes are as random as any. */
static struct ov_cert_entry *
ov_cache_set(struct ov_cert_cache *c, const uint8_t *hash)
{
	uint32_t	h = (uint32_t)hash[0] << 24 | (uint32_t)hash[1] << 16 |
			    (uint32_t)hash[2] << 8 | hash[3];

	return &c->e[(size_t)(h & (c->nsets - 1)) * OV_CACHE_WAYS];
}

/*
 * Twice the sets: set s's entries go to s or s + nsets, by the next bit
 * of their hash, so none is lost and each keeps its use count.
 */
static void
ov_cache_grow(struct ov_cert_cache *c)
{
	struct ov_cert_entry	*old = c->e, *to;
	size_t			 i, n = (size_t)c->nsets * OV_CACHE_WAYS;
	unsigned		 j;

	c->nsets *= 2;
	c->e = xcalloc(n * 2, sizeof *c->e);
	for (i = 0; i < n; i++) {
		if (old[i].key == NULL)
			continue;
		to = ov_cache_set(c, old[i].hash);
		for (j = 0; to[j].key != NULL; j++)
			;	/* a set gets at most the ways of one old set */
		to[j] = old[i];
	}
	free(old);
}

static struct ov_cert_entry *
ov_cache_find(struct ov_cert_cache *c, const uint8_t *hash)
{
	struct ov_cert_entry	*set = ov_cache_set(c, hash);
	unsigned		 i;

	for (i = 0; i < OV_CACHE_WAYS; i++) {
		if (set[i].key != NULL &&
		    memcmp(set[i].hash, hash, OV_CERT_HASH_LEN) == 0) {
			set[i].used = ++c->clock;
			return &set[i];
		}
	}
	return NULL;
}

/* A certificate from the wire, its key left undecoded; all of der. */
static X509 *
ov_cert_parse(struct ov_cert_cache *c, const uint8_t *der, size_t len)
{
	const unsigned char	*p = der;
	X509			*x;

	if ((x = X509_new_ex(c->parse, NULL)) == NULL)
		return NULL;
	/* On failure d2i frees x and sets it to NULL. */
	if (d2i_X509(&x, &p, (long)len) == NULL || p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* A verifier for the certificate's key, which must be EC P-256. */
static EVP_PKEY_CTX *
ov_cert_p256(struct ov_cert_cache *c, X509 *x)
{
	const unsigned char	*pub;
	const ASN1_OBJECT	*alg, *curve;
	const void		*param;
	ASN1_OBJECT		*algo;
	X509_ALGOR		*a;
	EVP_PKEY		*key = NULL;
	EVP_PKEY_CTX		*ctx;
	int			 len, ptype;
	char			 group[] = SN_X9_62_prime256v1;
	OSSL_PARAM		 params[3];

	if (X509_PUBKEY_get0_param(&algo, &pub, &len, &a,
	    X509_get_X509_PUBKEY(x)) != 1)
		return NULL;
	alg = algo;
	X509_ALGOR_get0(NULL, &ptype, &param, a);
	if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey ||
	    ptype != V_ASN1_OBJECT)
		return NULL;
	curve = param;
	if (OBJ_obj2nid(curve) != NID_X9_62_prime256v1)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, (size_t)len);
	params[2] = OSSL_PARAM_construct_end();
	/* The import checks that the point is on the curve. */
	if (EVP_PKEY_fromdata(c->ec, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		return NULL;
	ctx = ov_cert_ctx(key, false);
	EVP_PKEY_free(key);
	return ctx;
}

/*
 * Whether issuer signed x: ECDSA with SHA-256 over its TBSCertificate
 * (or, by an enrollment CA with an RSA key, PKCS #1 v1.5 with SHA-256),
 * the outer and inner algorithms the same (RFC 5280 §4.1.1.2).
 */
static bool
ov_cert_signed_by(X509 *x, EVP_PKEY_CTX *issuer)
{
	const ASN1_BIT_STRING	*sig;
	const X509_ALGOR	*alg;
	unsigned char		*tbs = NULL;
	uint8_t			 md[SHA256_DIGEST_LENGTH];
	int			 n;

	X509_get0_signature(&sig, &alg, x);
	if ((X509_get_signature_nid(x) != NID_ecdsa_with_SHA256 &&
	    X509_get_signature_nid(x) != NID_sha256WithRSAEncryption) ||
	    X509_ALGOR_cmp(alg, X509_get0_tbs_sigalg(x)) != 0 ||
	    (n = i2d_re_X509_tbs(x, &tbs)) <= 0)
		return false;
	SHA256(tbs, (size_t)n, md);
	OPENSSL_free(tbs);
	return EVP_PKEY_verify(issuer, sig->data, (size_t)sig->length, md,
	    sizeof md) == 1;
}

/* Keep a checked certificate, evicting its set's least used entry. */
static struct ov_cert_entry *
ov_cache_put(struct ov_cert_cache *c, const uint8_t *hash,
    EVP_PKEY_CTX *key, const uint8_t *key_id, const struct ov_id *id,
    const char *user, const uint8_t *der, size_t len,
    const struct rbuf *issuer)
{
	struct ov_cert_entry	*set, *e;
	unsigned		 i;

	while ((set = ov_cache_set(c, hash))[OV_CACHE_WAYS - 1].key != NULL &&
	    c->nsets < c->max_sets)
		ov_cache_grow(c);
	e = set;
	for (i = 1; i < OV_CACHE_WAYS; i++)
		if (set[i].used < e->used)
			e = &set[i];
	EVP_PKEY_CTX_free(e->key);
	free(e->der);
	free(e->issuer);
	free(e->user);
	memcpy(e->hash, hash, OV_CERT_HASH_LEN);
	e->key = key;
	memcpy(e->key_id, key_id, OV_KEY_ID_LEN);
	e->id = *id;
	e->user = user[0] != '\0' ? xstrdup(user) : NULL;
	e->der = xmalloc(len);
	memcpy(e->der, der, len);
	e->der_len = len;
	e->issuer = NULL;
	e->issuer_len = issuer->len;
	if (issuer->len != 0) {
		e->issuer = xmalloc(issuer->len);
		memcpy(e->issuer, issuer->p, issuer->len);
	}
	e->used = ++c->clock;
	return e;
}

/*
 * The bucket's node certificate (self-signed, bound) whose Node-ID is id,
 * from the cache when it is there; its DER in der_out.  Only node
 * certificates are parsed here, so a user's never recurses.
 */
static struct ov_cert_entry *
ov_cert_issuer(struct ov_cert_cache *c, const struct ov_id *id,
    const uint8_t *certs, size_t certs_len, struct rbuf *der_out)
{
	struct ov_cert_entry	*e;
	struct ov_cert_item	 it;
	struct rbuf		 r;
	struct ov_id		 got;
	uint8_t			 md[SHA256_DIGEST_LENGTH];
	uint8_t			 kid[OV_KEY_ID_LEN];
	EVP_PKEY_CTX		*key;
	X509			*x;
	bool			 bound;

	rbuf_init(&r, certs, certs_len);
	while (ov_msg_certs_next(&r, &it)) {
		if (it.type != OV_CERT_X509)
			continue;
		rbuf_init(der_out, it.der, it.der_len);
		SHA256(it.der, it.der_len, md);
		if ((e = ov_cache_find(c, md)) != NULL) {
			if (e->user == NULL && ov_id_eq(&e->id, id))
				return e;
			continue;
		}
		if ((x = ov_cert_parse(c, it.der, it.der_len)) == NULL)
			continue;
		bound = ov_cert_node_id(x, &got) == 0 && ov_id_eq(&got, id) &&
		    ov_cert_spki_id(x, kid) == 0;
		key = bound ? ov_cert_p256(c, x) : NULL;
		X509_free(x);
		if (key != NULL)
			return ov_cache_put(c, md, key, kid, id, "", it.der,
			    it.der_len, &(struct rbuf){ 0 });
	}
	return NULL;
}

/*
 * A user's certificate: an rfc822Name (the user name) and the reload://
 * URI of the node that issued it, signed by that node's key, whose own
 * certificate is in the bucket.  The signer is the node and the user.
 *
 * §11.3.1 leaves how a self-signed node names its users open ("MAY
 * contain any user name"); a certificate per user, issued by the node,
 * lets a node hold several users, each with its own key, while every
 * value still names the node that wrote it (USER-NODE-MATCH, §7.3).
 */
static int
ov_cert_user_bind(struct ov_cert_cache *c, X509 *x, const uint8_t *certs,
    size_t certs_len, struct ov_id *id, char *user, struct rbuf *issuer_der)
{
	struct ov_cert_entry	*issuer;

	if (ov_cert_user(x, user, OV_USER_MAX) != 0 ||
	    ov_cert_reload_uri(x, id, NULL, 0) != 0 ||
	    (issuer = ov_cert_issuer(c, id, certs, certs_len, issuer_der)) ==
	    NULL)
		return EBADMSG;
	return ov_cert_signed_by(x, issuer->key) ? 0 : EBADMSG;
}

int
ov_cert_cache_root(struct ov_cert_cache *c, X509 *root)
{
	EVP_PKEY	*key = X509_get0_pubkey(root);
	EVP_PKEY_CTX	*ctx;

	if (key == NULL || (ctx = ov_cert_ctx(key, false)) == NULL)
		return EINVAL;
	c->roots = xreallocarray(c->roots, c->nroots + 1, sizeof *c->roots);
	c->roots[c->nroots].name = X509_NAME_dup(X509_get_subject_name(root));
	c->roots[c->nroots].key = ctx;
	c->nroots++;
	return 0;
}

bool
ov_cert_enrollment(const struct ov_cert_cache *c)
{
	return c->nroots != 0;
}

void
ov_cert_cache_now(struct ov_cert_cache *c, int64_t unix_s)
{
	c->now = (time_t)unix_s;
}

/* An ASN1_TIME as a time_t; 0 if it cannot be read. */
static time_t
ov_cert_time(const struct ov_cert_cache *c, const ASN1_TIME *t)
{
	ASN1_TIME	*now = ASN1_TIME_set(NULL, c->now);
	int		 days, secs, ok;

	ok = now != NULL && ASN1_TIME_diff(&days, &secs, now, t) == 1;
	ASN1_TIME_free(now);
	return ok ? c->now + (time_t)days * 86400 + secs : 0;
}

/*
 * Enrollment (§11.3): x was issued by one of the overlay's CAs, is valid
 * now, and names its Node-ID in a reload:// URI (the CA chose it; it is
 * not the key's hash) and, if it has one, its user in an rfc822Name.
 * One level: the CAs sign nodes' certificates themselves.
 */
static int
ov_cert_enrolled(struct ov_cert_cache *c, X509 *x, struct ov_id *id,
    char *user, time_t *not_after)
{
	const X509_NAME	*issuer = X509_get_issuer_name(x);
	unsigned	 i;

	for (i = 0; i < c->nroots; i++)
		if (X509_NAME_cmp(issuer, c->roots[i].name) == 0 &&
		    ov_cert_signed_by(x, c->roots[i].key))
			break;
	if (i == c->nroots ||
	    X509_cmp_time(X509_get0_notBefore(x), &c->now) >= 0 ||
	    X509_cmp_time(X509_get0_notAfter(x), &c->now) <= 0 ||
	    ov_cert_reload_uri(x, id, NULL, 0) != 0)
		return EBADMSG;
	*not_after = ov_cert_time(c, X509_get0_notAfter(x));
	if (ov_cert_user(x, user, OV_USER_MAX) != 0)
		user[0] = '\0';
	return 0;
}

int
ov_cert_bound_id(struct ov_cert_cache *c, X509 *x, struct ov_id *id)
{
	char	user[OV_USER_MAX];
	time_t	until;

	if (c->nroots == 0)
		return ov_cert_node_id(x, id);
	return ov_cert_enrolled(c, x, id, user, &until);
}

/* Parse a certificate, check its binding, and keep it. */
static struct ov_cert_entry *
ov_cache_add(struct ov_cert_cache *c, const uint8_t *hash, const uint8_t *der,
    size_t len, const uint8_t *certs, size_t certs_len)
{
	struct ov_id		 id;
	struct rbuf		 idr = { 0 };
	char			 user[OV_USER_MAX] = "";
	struct ov_cert_entry	*e;
	EVP_PKEY_CTX		*key = NULL;
	X509			*x;
	uint8_t			 kid[OV_KEY_ID_LEN];
	time_t			 until = 0;
	bool			 bound;

	if ((x = ov_cert_parse(c, der, len)) == NULL)
		return NULL;
	if (c->nroots != 0)
		bound = ov_cert_enrolled(c, x, &id, user, &until) == 0;
	else
		bound = ov_cert_node_id(x, &id) == 0 || ov_cert_user_bind(c,
		    x, certs, certs_len, &id, user, &idr) == 0;
	if (bound && ov_cert_spki_id(x, kid) == 0)
		key = ov_cert_p256(c, x);
	X509_free(x);
	if (key == NULL)
		return NULL;
	/* idr points into certs, which outlive any eviction here. */
	e = ov_cache_put(c, hash, key, kid, &id, user, der, len, &idr);
	e->not_after = until;
	return e;
}

void
ov_cert_cache_own(struct ov_cert_cache *c, X509 *x, const uint8_t *der,
    size_t len, EVP_PKEY *key, const struct ov_id *node, const char *user,
    const uint8_t *issuer, size_t issuer_len)
{
	uint8_t		 hash[SHA256_DIGEST_LENGTH];
	uint8_t		 kid[OV_KEY_ID_LEN];
	EVP_PKEY_CTX	*ctx;

	SHA256(der, len, hash);
	if (c->nroots != 0 || ov_cache_find(c, hash) != NULL ||
	    ov_cert_spki_id(x, kid) != 0 || (ctx = ov_cert_ctx(key, false)) ==
	    NULL)
		return;
	(void)ov_cache_put(c, hash, ctx, kid, node, user, der, len,
	    &(struct rbuf){ .p = issuer, .len = issuer_len });
}

/* The bucket's certificate whose SHA-256 is hash. */
static struct ov_cert_entry *
ov_cert_lookup(struct ov_cert_cache *c, const uint8_t *hash,
    const uint8_t *certs, size_t certs_len)
{
	struct ov_cert_entry	*e;
	struct ov_cert_item	 it;
	struct rbuf		 r;
	uint8_t			 md[SHA256_DIGEST_LENGTH];

	if ((e = ov_cache_find(c, hash)) != NULL)
		return e;
	rbuf_init(&r, certs, certs_len);
	while (ov_msg_certs_next(&r, &it)) {
		if (it.type != OV_CERT_X509)
			continue;
		SHA256(it.der, it.der_len, md);
		if (memcmp(md, hash, OV_CERT_HASH_LEN) == 0)
			return ov_cache_add(c, hash, it.der, it.der_len, certs,
			    certs_len);
	}
	return NULL;
}

int
ov_cert_verify(const struct ov_sig *sig, const uint8_t *certs,
    size_t certs_len, const uint8_t *data, size_t len,
    struct ov_signer *signer, void *arg)
{
	struct ov_cert_entry	*e;
	uint8_t			 md[SHA256_DIGEST_LENGTH];
	int			 ok;

	if (sig->hash_alg != OV_HASH_SHA256 || sig->sig_alg != OV_SIG_ECDSA ||
	    sig->id_type != OV_SIGNER_CERT_HASH ||
	    sig->id_hash_alg != OV_HASH_SHA256 ||
	    sig->id_hash_len != OV_CERT_HASH_LEN)
		return EBADMSG;
	if ((e = ov_cert_lookup(arg, sig->id_hash, certs, certs_len)) == NULL ||
	    (e->not_after != 0 && ((struct ov_cert_cache *)arg)->now >
	    e->not_after))
		return EBADMSG;
	SHA256(data, len, md);
	ok = EVP_PKEY_verify(e->key, sig->value, sig->value_len, md,
	    sizeof md) == 1;
	if (!ok)
		return EBADMSG;
	memset(signer, 0, sizeof *signer);
	signer->node = e->id;
	snprintf(signer->user, sizeof signer->user, "%s",
	    e->user != NULL ? e->user : "");
	signer->cert = e->der;
	signer->cert_len = e->der_len;
	signer->issuer = e->issuer;
	signer->issuer_len = e->issuer_len;
	return 0;
}

/*
 * The signer's certificate, found (and checked) as ov_cert_verify finds
 * it, without the signature: the storing peer asks this of values it
 * already holds (§11.3.1, ov_serve.c).
 */
int
ov_cert_key_id(const struct ov_sig *sig, const uint8_t *certs,
    size_t certs_len, uint8_t *out, void *arg)
{
	struct ov_cert_entry	*e;

	if (sig->id_type != OV_SIGNER_CERT_HASH ||
	    sig->id_hash_len != OV_CERT_HASH_LEN ||
	    (e = ov_cert_lookup(arg, sig->id_hash, certs, certs_len)) == NULL ||
	    (e->not_after != 0 && ((struct ov_cert_cache *)arg)->now >
	    e->not_after))
		return EBADMSG;
	memcpy(out, e->key_id, OV_KEY_ID_LEN);
	return 0;
}
