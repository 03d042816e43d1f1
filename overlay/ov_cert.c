/*
 * ov_cert.c - Node-IDs bound to keys, and signature verification (RFC
 * 6940 §11.3.1, §6.3.4, §14.15).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The Node-ID of the first reload:// URI in the subjectAltName. */
static int
ov_cert_uri_id(X509 *x, struct ov_id *id)
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

int
ov_cert_node_id(X509 *x, struct ov_id *id)
{
	struct ov_id	 named;
	EVP_PKEY	*key = X509_get0_pubkey(x);

	if (key == NULL || ov_cert_key_node_id(key, id) != 0 ||
	    ov_cert_uri_id(x, &named) != 0 || !ov_id_eq(id, &named))
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

struct ov_cert_entry {
	uint8_t		 hash[OV_CERT_HASH_LEN];
	EVP_PKEY_CTX	*key;		/* verifier; NULL: a slot never used */
	struct ov_id	 id;
	char		 user[OV_USER_MAX];	/* "": a node's own */
	uint8_t		*der;		/* the certificate */
	size_t		 der_len;
	uint8_t		*issuer;	/* a user's: its node's certificate */
	size_t		 issuer_len;
	uint64_t	 used;
};

struct ov_cert_cache {
	struct ov_cert_entry	*e;
	unsigned		 n;
	uint64_t		 clock;
};

struct ov_cert_cache *
ov_cert_cache_new(unsigned size)
{
	struct ov_cert_cache	*c = xcalloc(1, sizeof *c);

	c->n = size != 0 ? size : 1;
	c->e = xcalloc(c->n, sizeof *c->e);
	return c;
}

void
ov_cert_cache_free(struct ov_cert_cache *c)
{
	unsigned	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		EVP_PKEY_CTX_free(c->e[i].key);
		free(c->e[i].der);
		free(c->e[i].issuer);
	}
	free(c->e);
	free(c);
}

static struct ov_cert_entry *
ov_cache_find(struct ov_cert_cache *c, const uint8_t *hash)
{
	unsigned	i;

	for (i = 0; i < c->n; i++) {
		if (c->e[i].key != NULL &&
		    memcmp(c->e[i].hash, hash, OV_CERT_HASH_LEN) == 0) {
			c->e[i].used = ++c->clock;
			return &c->e[i];
		}
	}
	return NULL;
}

/* The bucket's node certificate (self-signed, bound) whose Node-ID is id. */
static X509 *
ov_cert_issuer(const struct ov_id *id, const uint8_t *certs,
    size_t certs_len, struct rbuf *der_out)
{
	struct ov_cert_item	 it;
	struct rbuf		 r;
	struct ov_id		 got;
	const unsigned char	*p;
	X509			*x;

	rbuf_init(&r, certs, certs_len);
	while (ov_certs_next(&r, &it)) {
		p = it.der;
		if (it.type != OV_CERT_X509 ||
		    (x = d2i_X509(NULL, &p, (long)it.der_len)) == NULL)
			continue;
		if (p == it.der + it.der_len && ov_cert_node_id(x, &got) ==
		    0 && ov_id_eq(&got, id)) {
			rbuf_init(der_out, it.der, it.der_len);
			return x;
		}
		X509_free(x);
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
ov_cert_user_bind(X509 *x, const uint8_t *certs, size_t certs_len,
    struct ov_id *id, char *user, struct rbuf *issuer_der)
{
	X509		*issuer;
	int		 ok;

	if (ov_cert_user(x, user, OV_USER_MAX) != 0 ||
	    ov_cert_uri_id(x, id) != 0 ||
	    (issuer = ov_cert_issuer(id, certs, certs_len, issuer_der)) ==
	    NULL)
		return EBADMSG;
	ok = X509_verify(x, X509_get0_pubkey(issuer)) == 1;
	X509_free(issuer);
	return ok ? 0 : EBADMSG;
}

/* Parse a certificate, check its binding, and keep it (LRU). */
static struct ov_cert_entry *
ov_cache_add(struct ov_cert_cache *c, const uint8_t *hash, const uint8_t *der,
    size_t len, const uint8_t *certs, size_t certs_len)
{
	struct ov_cert_entry	*e = &c->e[0];
	const unsigned char	*p = der;
	struct ov_id		 id;
	struct rbuf		 idr = { 0 };
	char			 user[OV_USER_MAX] = "";
	X509			*x;
	unsigned		 i;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL)
		return NULL;
	if (p != der + len || (ov_cert_node_id(x, &id) != 0 &&
	    ov_cert_user_bind(x, certs, certs_len, &id, user, &idr) != 0)) {
		X509_free(x);
		return NULL;
	}
	for (i = 1; i < c->n; i++)
		if (c->e[i].used < e->used)
			e = &c->e[i];
	EVP_PKEY_CTX_free(e->key);
	e->key = ov_cert_ctx(X509_get0_pubkey(x), false);
	X509_free(x);
	memcpy(e->hash, hash, OV_CERT_HASH_LEN);
	free(e->der);
	e->der = xmalloc(len);
	memcpy(e->der, der, len);
	e->der_len = len;
	free(e->issuer);
	e->issuer = NULL;
	e->issuer_len = idr.len;
	if (idr.len != 0) {
		e->issuer = xmalloc(idr.len);
		memcpy(e->issuer, idr.p, idr.len);
	}
	memcpy(e->user, user, sizeof e->user);
	e->id = id;
	e->used = ++c->clock;
	return e->key != NULL ? e : NULL;
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
	while (ov_certs_next(&r, &it)) {
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
	if ((e = ov_cert_lookup(arg, sig->id_hash, certs, certs_len)) == NULL)
		return EBADMSG;
	SHA256(data, len, md);
	ok = EVP_PKEY_verify(e->key, sig->value, sig->value_len, md,
	    sizeof md) == 1;
	if (!ok)
		return EBADMSG;
	memset(signer, 0, sizeof *signer);
	signer->node = e->id;
	memcpy(signer->user, e->user, sizeof signer->user);
	signer->cert = e->der;
	signer->cert_len = e->der_len;
	signer->issuer = e->issuer;
	signer->issuer_len = e->issuer_len;
	return 0;
}
