/*
 * identity.c - the node's key and self-signed certificate (RFC 6940
 * §11.3.1), and the signer the overlay core uses.
 *
 * A user's key and certificate are identity_user.c's; moving one between
 * nodes, identity_export.c's and identity_import.c's.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "identity.h"
#include "identity_int.h"
#include "log.h"
#include "xmalloc.h"

#define CERT_DAYS	3650

static size_t
identity_sign(const uint8_t *data, size_t len, uint8_t *out, size_t max,
    void *arg)
{
	struct identity	*ident = arg;

	return ov_cert_sign(ident->signer, data, len, out, max);
}

static int
identity_verify(const struct ov_sig *sig, const uint8_t *certs,
    size_t certs_len, const uint8_t *data, size_t len,
    struct ov_signer *signer, void *arg)
{
	struct identity	*ident = arg;

	ov_cert_cache_now(ident->cache, (int64_t)time(NULL));
	return ov_cert_verify(sig, certs, certs_len, data, len, signer,
	    ident->cache);
}

static int
identity_key_id(const struct ov_sig *sig, const uint8_t *certs,
    size_t certs_len, uint8_t *out, void *arg)
{
	struct identity	*ident = arg;

	ov_cert_cache_now(ident->cache, (int64_t)time(NULL));
	return ov_cert_key_id(sig, certs, certs_len, out, ident->cache);
}

/* Write a PEM file through a temporary name, atomically. */
static int
identity_write(const char *path, EVP_PKEY *key, X509 *cert, char **cause)
{
	char	*tmp = xasprintf("%s.new", path);
	FILE	*f;
	int	 ok, rc = 0;

	if ((f = fopen(tmp, "w")) == NULL) {
		rc = errno;
		*cause = xasprintf("%s: %s", tmp, strerror(rc));
		goto out;
	}
	ok = key != NULL ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL,
	    NULL) : PEM_write_X509(f, cert);
	if (fclose(f) != 0 || !ok || rename(tmp, path) == -1) {
		rc = EIO;
		*cause = xasprintf("%s: cannot write", path);
		unlink(tmp);
	}
out:
	free(tmp);
	return rc;
}

/* Read the EC key at path, or make one there; *created says which. */
static int
identity_key(EVP_PKEY **key, int *created, const char *path, char **cause)
{
	FILE	*f;

	if ((f = fopen(path, "r")) != NULL) {
		*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (*key == NULL || EVP_PKEY_get_base_id(*key) !=
		    EVP_PKEY_EC) {
			*cause = xasprintf("%s: not an EC private key", path);
			return EINVAL;
		}
		return 0;
	}
	if (errno != ENOENT) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return errno;
	}
	if ((*key = EVP_EC_gen("P-256")) == NULL) {
		*cause = xstrdup("cannot generate an EC P-256 key");
		return EIO;
	}
	*created = 1;
	return identity_write(path, *key, NULL, cause);
}

/*
 * x's SubjectPublicKeyInfo for a P-256 key, from its point: what
 * X509_set_pubkey does, without the encoder round trip that costs
 * OpenSSL 3.0 some 230 us.  X509_get0_pubkey(x) is then NULL: fine for
 * a user's certificate, which is only ever encoded; the node's own,
 * which TLS matches with its key, is made with X509_set_pubkey.
 */
static int
identity_set_pubkey(X509 *x, EVP_PKEY *key)
{
	unsigned char	*pt = NULL;
	size_t		 len;

	if ((len = EVP_PKEY_get1_encoded_public_key(key, &pt)) == 0 ||
	    len > INT_MAX)
		return 0;
	if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(x),
	    OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
	    OBJ_nid2obj(NID_X9_62_prime256v1), pt, (int)len) != 1) {
		OPENSSL_free(pt);
		return 0;
	}
	return 1;
}

static int
identity_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	int		 ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/*
 * A certificate for key naming our Node-ID in overlay (and user, if not
 * NULL), signed by the node's key: self-signed for the node itself.
 */
X509 *
identity_make_cert(struct identity *ident, const char *overlay,
    EVP_PKEY *key, const char *user)
{
	X509		*x = X509_new();
	unsigned char	 serial[16];
	BIGNUM		*bn;
	char		 uri[256], san[300 + OV_USER_MAX];
	int		 ok;

	ov_cert_uri(&ident->id, overlay, uri, sizeof uri);
	if (user != NULL)
		snprintf(san, sizeof san, "email:%s,URI:%s", user, uri);
	else
		snprintf(san, sizeof san, "URI:%s", uri);
	RAND_bytes(serial, sizeof serial);
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof serial, NULL);
	/* §11.3: the subject name stays empty; the SAN says who it is */
	ok = x != NULL && bn != NULL && X509_set_version(x, 2) &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * CERT_DAYS) &&
	    (user != NULL ? identity_set_pubkey(x, key) :
	    X509_set_pubkey(x, key)) &&
	    identity_ext(x, NID_subject_alt_name, san) &&
	    identity_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
	    identity_ext(x, NID_key_usage, "critical,digitalSignature") &&
	    X509_sign(x, ident->key, EVP_sha256()) > 0;
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Does x's subjectAltName carry our reload:// URI for overlay? */
bool
identity_names_us(const struct identity *ident, X509 *x, const char *overlay)
{
	GENERAL_NAMES		*names;
	const GENERAL_NAME	*g;
	char			 uri[256];
	size_t			 len;
	int			 i;
	bool			 ok = false;

	ov_cert_uri(&ident->id, overlay, uri, sizeof uri);
	len = strlen(uri);
	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
		g = sk_GENERAL_NAME_value(names, i);
		if (g->type == GEN_URI && (size_t)ASN1_STRING_length(
		    g->d.uniformResourceIdentifier) == len &&
		    memcmp(ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
		    uri, len) == 0)
			ok = true;
	}
	GENERAL_NAMES_free(names);
	return ok;
}

/* The certificate on disk if it binds our key for this overlay. */
static X509 *
identity_read_cert(struct identity *ident, const char *path,
    const char *overlay)
{
	X509		*x;
	FILE		*f;
	struct ov_id	 id;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL || ov_cert_node_id(x, &id) != 0 ||
	    !ov_id_eq(&id, &ident->id) || !identity_names_us(ident, x,
	    overlay)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
identity_cert(struct identity *ident, const char *path, const char *overlay,
    char **cause)
{
	if ((ident->cert = identity_read_cert(ident, path, overlay)) == NULL) {
		if ((ident->cert = identity_make_cert(ident, overlay,
		    ident->key, NULL)) == NULL) {
			*cause = xstrdup("cannot make a certificate");
			return EIO;
		}
		log_info("identity: new certificate for overlay %s", overlay);
		if (identity_write(path, NULL, ident->cert, cause) != 0)
			return EIO;
	}
	return 0;
}

static void
identity_crypto(struct identity *ident)
{
	struct ov_crypto	*c = &ident->crypto;

	c->sign = identity_sign;
	c->verify = identity_verify;
	c->key_id = identity_key_id;
	c->arg = ident;
	c->hash_alg = OV_HASH_SHA256;
	c->sig_alg = OV_SIG_ECDSA;
	c->id_hash_alg = OV_HASH_SHA256;
	c->cert = ident->der;
	c->cert_len = ident->der_len;
	c->cert_hash = ident->hash;
	c->cert_hash_len = OV_CERT_HASH_LEN;
}

/* Trust every certificate in the PEM file path as an enrollment CA. */
static int
identity_roots(struct identity *ident, const char *path, char **cause)
{
	FILE		*f;
	X509		*x;
	unsigned	 n = 0;
	int		 rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		rc = errno;
		*cause = xasprintf("%s: %s", path, strerror(rc));
		return rc;
	}
	while (rc == 0 && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (ov_cert_cache_root(ident->cache, x) != 0) {
			*cause = xasprintf("%s: certificate %u: unusable key",
			    path, n + 1);
			rc = EINVAL;
		}
		X509_free(x);
		n++;
	}
	fclose(f);
	if (rc == 0 && n == 0) {
		*cause = xasprintf("%s: no PEM certificate", path);
		rc = EINVAL;
	}
	return rc;
}

/*
 * Enrollment mode (§11.3): node.crt comes from the overlay's CA, for
 * node.key; it names the Node-ID (the CA's choice) and usually a user.
 */
static int
identity_enrolled(struct identity *ident, const char *path,
    const char *overlay, char **cause)
{
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s; in enrollment mode the overlay's "
		    "CA issues it for this node's key (p2psipd --csr makes "
		    "the request)", path, strerror(errno));
		return ENOENT;
	}
	ident->cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (ident->cert == NULL) {
		*cause = xasprintf("%s: not a PEM certificate", path);
		return EINVAL;
	}
	if (X509_check_private_key(ident->cert, ident->key) != 1) {
		*cause = xasprintf("%s: not the certificate of node.key", path);
		return EINVAL;
	}
	ov_cert_cache_now(ident->cache, (int64_t)time(NULL));
	if (ov_cert_bound_id(ident->cache, ident->cert, &ident->id) != 0) {
		*cause = xasprintf("%s: not issued by the overlay's CA "
		    "([overlay] root_cert), not valid now, or names no "
		    "Node-ID", path);
		return EINVAL;
	}
	if (!identity_names_us(ident, ident->cert, overlay)) {
		*cause = xasprintf("%s: its reload:// URI is not for overlay "
		    "%s", path, overlay);
		return EINVAL;
	}
	return 0;
}

/* The certificate's DER and hash, as the overlay signs with them. */
static int
identity_der(struct identity *ident, char **cause)
{
	unsigned char	*der = NULL;
	int		 n;

	if ((n = i2d_X509(ident->cert, &der)) <= 0) {
		*cause = xstrdup("cannot encode the certificate");
		return EIO;
	}
	ident->der = xmalloc((size_t)n);
	memcpy(ident->der, der, (size_t)n);
	ident->der_len = (size_t)n;
	OPENSSL_free(der);
	SHA256(ident->der, ident->der_len, ident->hash);
	return 0;
}

int
identity_load(struct identity **out, const char *dir, const char *overlay,
    const char *root_cert, char **cause)
{
	struct identity	*ident = xcalloc(1, sizeof *ident);
	char		*kpath = xasprintf("%s/node.key", dir);
	char		*cpath = xasprintf("%s/node.crt", dir);
	bool		 enroll = root_cert != NULL && *root_cert != '\0';
	int		 rc;

	TAILQ_INIT(&ident->users);
	ident->dir = xstrdup(dir);
	ident->overlay = xstrdup(overlay);
	if ((ident->cache = ov_cert_cache_new(OV_CERT_CACHE_SIZE)) == NULL) {
		*cause = xstrdup("OpenSSL: cannot set up certificate checks");
		rc = ENOMEM;
		goto fail;
	}
	if (enroll && (rc = identity_roots(ident, root_cert, cause)) != 0)
		goto fail;
	if ((rc = identity_key(&ident->key, &ident->created, kpath,
	    cause)) != 0)
		goto fail;
	if (enroll)
		rc = identity_enrolled(ident, cpath, overlay, cause);
	else if ((rc = ov_cert_key_node_id(ident->key, &ident->id)) == 0)
		rc = identity_cert(ident, cpath, overlay, cause);
	if (rc != 0 || (rc = identity_der(ident, cause)) != 0)
		goto fail;
	if ((ident->signer = ov_cert_signer(ident->key)) == NULL) {
		*cause = xasprintf("%s: cannot sign with this key", kpath);
		rc = EINVAL;
		goto fail;
	}
	identity_crypto(ident);
	*out = ident;
	free(kpath);
	free(cpath);
	return 0;
fail:
	if (rc == EINVAL && *cause == NULL)
		*cause = xasprintf("%s: unusable key", kpath);
	identity_free(ident);
	free(kpath);
	free(cpath);
	return rc;
}

int
identity_csr(const char *dir, FILE *out, char **cause)
{
	char		*kpath = xasprintf("%s/node.key", dir);
	EVP_PKEY	*key = NULL;
	X509_REQ	*req = NULL;
	int		 created, rc;

	if ((rc = identity_key(&key, &created, kpath, cause)) != 0)
		goto out;
	/* §11.3: the CA chooses the Node-ID and the user; the request only
	 * carries the key */
	if ((req = X509_REQ_new()) == NULL ||
	    X509_REQ_set_version(req, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN",
	    MBSTRING_ASC, (const unsigned char *)"p2psipd node", -1, -1,
	    0) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1 ||
	    X509_REQ_sign(req, key, EVP_sha256()) <= 0 ||
	    PEM_write_X509_REQ(out, req) != 1) {
		*cause = xasprintf("%s: cannot make a certificate request",
		    kpath);
		rc = EIO;
	}
out:
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	free(kpath);
	return rc;
}

void
identity_free(struct identity *ident)
{
	struct identity_user	*u;

	if (ident == NULL)
		return;
	while ((u = TAILQ_FIRST(&ident->users)) != NULL) {
		TAILQ_REMOVE(&ident->users, u, lru);
		identity_user_free(u);
	}
	strmap_clear(&ident->users_by_name);
	free(ident->dir);
	free(ident->overlay);
	EVP_PKEY_CTX_free(ident->signer);
	EVP_PKEY_free(ident->key);
	X509_free(ident->cert);
	free(ident->der);
	ov_cert_cache_free(ident->cache);
	free(ident);
}

void
identity_set_db(struct identity *ident, struct db *db)
{
	ident->db = db;
}

/* Users move between nodes in self-signed mode only. */
int
identity_movable(const struct identity *ident, char **cause)
{
	if (!ov_cert_enrollment(ident->cache))
		return 0;
	*cause = xstrdup("enrollment mode: the overlay's CA names each "
	    "node's user in the node's own certificate; there is no user "
	    "key to move");
	return EPERM;
}
