/*
 * identity.c - the node's key and self-signed certificate (RFC 6940
 * §11.3.1), and the signer the overlay core uses.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "cfg.h"
#include "identity.h"
#include "db.h"
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
static X509 *
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
static bool
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

static void
identity_user_free(struct identity_user *u)
{
	EVP_PKEY_CTX_free(u->signer);
	EVP_PKEY_free(u->key);
	X509_free(u->cert);
	free(u->der);
	free(u->bucket);
	free(u);
}

void
identity_free(struct identity *ident)
{
	struct identity_user	*u;

	if (ident == NULL)
		return;
	while ((u = ident->users) != NULL) {
		ident->users = u->next;
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

/* ---- users ---- */

void
identity_set_db(struct identity *ident, struct db *db)
{
	ident->db = db;
}

bool
identity_user_name_ok(const char *name)
{
	size_t	len = strlen(name);

	return len > 0 && len < OV_USER_MAX && name[0] != '.' &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._~+@-") == len;
}

static size_t
identity_user_sign(const uint8_t *data, size_t len, uint8_t *out, size_t max,
    void *arg)
{
	struct identity_user	*u = arg;

	return ov_cert_sign(u->signer, data, len, out, max);
}

/* Is x the certificate this node issued for u: its name, key, node? */
static bool
identity_user_cert_ok(struct identity *ident, struct identity_user *u,
    X509 *x)
{
	char	name[OV_USER_MAX];

	return x != NULL && ov_cert_user(x, name, sizeof name) == 0 &&
	    strcmp(name, u->name) == 0 &&
	    EVP_PKEY_eq(X509_get0_pubkey(x), u->key) == 1 &&
	    X509_verify(x, ident->key) == 1 &&
	    identity_names_us(ident, x, ident->overlay);
}

/*
 * The key and certificate an earlier p2psipd kept as files,
 * DATA_DIR/users/NAME.key and .crt; they move into the store.
 */
static void
identity_user_files(struct identity *ident, struct identity_user *u)
{
	char	*kpath = xasprintf("%s/users/%s.key", ident->dir, u->name);
	char	*cpath = xasprintf("%s/users/%s.crt", ident->dir, u->name);
	FILE	*f;

	if ((f = fopen(kpath, "r")) != NULL) {
		u->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (u->key != NULL && (f = fopen(cpath, "r")) != NULL) {
			u->cert = PEM_read_X509(f, NULL, NULL, NULL);
			fclose(f);
		}
		if (u->key != NULL)
			log_info("identity: user %s: key imported from %s",
			    u->name, kpath);
	}
	free(kpath);
	free(cpath);
}

/* The user's key and certificate as the store keeps them, if it does. */
static int
identity_user_stored(struct identity *ident, struct identity_user *u,
    bool *found)
{
	struct store_blob	 kb = { 0 }, cb = { 0 };
	const unsigned char	*p;
	int			 rc;

	*found = false;
	if ((rc = db_user_get(ident->db, u->name, &kb, &cb)) == ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	*found = true;
	p = kb.p;
	u->key = d2i_AutoPrivateKey(NULL, &p, (long)kb.len);
	p = cb.p;
	u->cert = d2i_X509(NULL, &p, (long)cb.len);
	free(kb.p);
	free(cb.p);
	return 0;
}

/* Write u's key and certificate to the store. */
static int
identity_user_save(struct identity *ident, struct identity_user *u)
{
	unsigned char	*key = NULL, *cert = NULL;
	int		 klen, clen, rc = EIO;

	if ((klen = i2d_PrivateKey(u->key, &key)) > 0 &&
	    (clen = i2d_X509(u->cert, &cert)) > 0)
		rc = db_user_put(ident->db, u->name, key, (size_t)klen,
		    cert, (size_t)clen, (int64_t)time(NULL));
	OPENSSL_clear_free(key, klen > 0 ? (size_t)klen : 0);
	OPENSSL_free(cert);
	return rc;
}

/*
 * u's key and certificate: from the store, else from an earlier
 * p2psipd's files, else new.  An unusable key is replaced (with a
 * warning: the user's stored values then refuse the new one until they
 * expire), a certificate that is not ours for this key re-issued.
 */
static int
identity_user_keys(struct identity *ident, struct identity_user *u,
    char **cause)
{
	bool	found, save;

	if (ident->db == NULL ||
	    identity_user_stored(ident, u, &found) != 0) {
		*cause = xasprintf("%s: cannot read the user's key", u->name);
		return EIO;
	}
	if (!found)
		identity_user_files(ident, u);
	save = !found;
	if (u->key != NULL && EVP_PKEY_get_base_id(u->key) != EVP_PKEY_EC) {
		log_warnx("identity: user %s: unusable key, making another",
		    u->name);
		EVP_PKEY_free(u->key);
		u->key = NULL;
	}
	if (u->key == NULL) {
		if ((u->key = EVP_EC_gen("P-256")) == NULL) {
			*cause = xstrdup("cannot generate an EC P-256 key");
			return EIO;
		}
		u->created = 1;
		save = true;
	}
	if (!identity_user_cert_ok(ident, u, u->cert)) {
		X509_free(u->cert);
		if ((u->cert = identity_make_cert(ident, ident->overlay, u->key,
		    u->name)) == NULL) {
			*cause = xasprintf("%s: cannot make a certificate",
			    u->name);
			return EIO;
		}
		log_info("identity: new certificate for user %s", u->name);
		save = true;
	}
	if (save && identity_user_save(ident, u) != 0) {
		*cause = xasprintf("%s: cannot save the user's key", u->name);
		return EIO;
	}
	return 0;
}

/*
 * Enrollment mode: the overlay's CA names the user in the node's own
 * certificate (§11.3), and the node writes for that user with its own
 * key; a node cannot vouch for other names.
 */
static int
identity_user_enrolled(struct identity *ident, struct identity_user *u,
    char **cause)
{
	char	name[OV_USER_MAX];

	if (ov_cert_user(ident->cert, name, sizeof name) != 0)
		name[0] = '\0';
	if (strcmp(name, u->name) != 0) {
		*cause = name[0] == '\0' ? xasprintf("%s: this node's "
		    "certificate names no user (enrollment mode: the "
		    "overlay's CA issues users)", u->name) : xasprintf("%s: "
		    "this node's certificate is for %s (enrollment mode: the "
		    "overlay's CA issues users)", u->name, name);
		return EPERM;
	}
	EVP_PKEY_up_ref(ident->key);
	u->key = ident->key;
	X509_up_ref(ident->cert);
	u->cert = ident->cert;
	return 0;
}

/* What signing as u takes, from its key and certificate. */
static int
identity_user_finish(struct identity *ident, struct identity_user *u,
    char **cause)
{
	unsigned char	*der = NULL;
	int		 rc = 0, n;

	if ((n = i2d_X509(u->cert, &der)) <= 0 ||
	    (u->signer = ov_cert_signer(u->key)) == NULL) {
		*cause = xasprintf("%s: unusable key or certificate", u->name);
		rc = EIO;
		goto out;
	}
	u->der = xmalloc((size_t)n);
	memcpy(u->der, der, (size_t)n);
	u->der_len = (size_t)n;
	SHA256(u->der, u->der_len, u->hash);
	u->bucket_len = 3 + u->der_len;
	u->bucket = xmalloc(u->bucket_len);
	u->bucket[0] = OV_CERT_X509;
	u->bucket[1] = (uint8_t)(u->der_len >> 8);
	u->bucket[2] = (uint8_t)u->der_len;
	memcpy(u->bucket + 3, u->der, u->der_len);
	u->crypto = ident->crypto;
	u->crypto.sign = identity_user_sign;
	u->crypto.arg = u;
	u->crypto.cert = u->der;
	u->crypto.cert_len = u->der_len;
	u->crypto.cert_hash = u->hash;
out:
	OPENSSL_free(der);
	return rc;
}

/* u's key and certificate, and what signing as u takes. */
static int
identity_user_load(struct identity *ident, struct identity_user *u,
    char **cause)
{
	int	rc;

	if ((rc = ov_cert_enrollment(ident->cache) ?
	    identity_user_enrolled(ident, u, cause) :
	    identity_user_keys(ident, u, cause)) != 0)
		return rc;
	return identity_user_finish(ident, u, cause);
}

static void
identity_user_add(struct identity *ident, struct identity_user *u)
{
	u->next = ident->users;
	ident->users = u;
	strmap_add(&ident->users_by_name, &u->h, u->name);
}

int
identity_user(struct identity *ident, const char *name,
    struct identity_user **out, char **cause)
{
	struct identity_user	*u;
	struct strmap_entry	*e;
	int			 rc;

	if ((e = strmap_find(&ident->users_by_name, name)) != NULL) {
		*out = STRMAP_ITEM(e, struct identity_user, h);
		return 0;
	}
	if (!identity_user_name_ok(name)) {
		*cause = xasprintf("%s: not a usable user name", name);
		return EINVAL;
	}
	u = xcalloc(1, sizeof *u);
	snprintf(u->name, sizeof u->name, "%s", name);
	if ((rc = identity_user_load(ident, u, cause)) != 0) {
		identity_user_free(u);
		return rc;
	}
	identity_user_add(ident, u);
	*out = u;
	return 0;
}

/* ---- one user on several nodes ---- */

/*
 * A user's identity is its key.  Export writes the key, with the
 * certificate this node issued for it, to a PKCS #12 file encrypted
 * with a passphrase; import takes the key and issues this node's own
 * certificate for it, naming this node (§7.3.3: a value's certificate
 * names the node that writes it).  The storing peers pin a user name to
 * a key, not to a certificate (ov_storage.c, ov_stor_pinned), so every
 * node that holds the key publishes bindings for the user.
 */

#define IDENTITY_FILE_MAX	65536	/* an exported identity, at most */
#define IDENTITY_PASS_MIN	8	/* a new file's passphrase */
#define IDENTITY_PASS_MAX	1024
/* PBKDF2 rounds for the key, the certificate and the MAC: PKCS #12's
 * usual 2048 make a guessed passphrase cheap to try. */
#define IDENTITY_KDF_ITER	100000

int
identity_user_key_id(const struct identity_user *u, uint8_t *out)
{
	return ov_cert_spki_id(u->cert, out);
}

/* Users move between nodes in self-signed mode only. */
static int
identity_movable(const struct identity *ident, char **cause)
{
	if (!ov_cert_enrollment(ident->cache))
		return 0;
	*cause = xstrdup("enrollment mode: the overlay's CA names each "
	    "node's user in the node's own certificate; there is no user "
	    "key to move");
	return EPERM;
}

/* Has this node a key for name (loaded, or in the store)? */
static bool
identity_user_held(struct identity *ident, const char *name)
{
	struct store_blob	kb = { 0 }, cb = { 0 };
	int			rc;

	if (strmap_find(&ident->users_by_name, name) != NULL)
		return true;
	if (ident->db == NULL || (rc = db_user_get(ident->db, name,
	    &kb, &cb)) != 0)
		return false;
	OPENSSL_clear_free(kb.p, kb.len);
	free(cb.p);
	return true;
}

/*
 * Write data to path, mode 0600, through a temporary file beside it
 * that is linked into place (renamed over an existing path only with
 * replace): path never holds part of the file.
 */
static int
identity_write_new(const char *path, const uint8_t *data, size_t len,
    bool replace, char **cause)
{
	char	*tmp = xasprintf("%s.XXXXXX", path);
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd, rc = 0;

	if ((fd = mkstemp(tmp)) == -1) {
		rc = errno;
		*cause = xasprintf("%s: %s", path, strerror(rc));
		free(tmp);
		return rc;
	}
	while (rc == 0 && off < len) {
		if ((n = write(fd, data + off, len - off)) == -1 &&
		    errno != EINTR)
			rc = errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (rc == 0 && fsync(fd) == -1)
		rc = errno;
	if (close(fd) == -1 && rc == 0)
		rc = errno;
	if (rc == 0 && (replace ? rename(tmp, path) : link(tmp, path)) == -1)
		rc = errno;
	if (rc == EEXIST)
		*cause = xasprintf("%s: the file exists (--force replaces it)",
		    path);
	else if (rc != 0)
		*cause = xasprintf("%s: %s", path, strerror(rc));
	if (rc != 0 || !replace)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
identity_export(struct identity *ident, const char *name, const char *path,
    const char *pass, bool replace, struct identity_user **out, char **cause)
{
	struct identity_user	*u;
	const unsigned char	*p;
	unsigned char		*der = NULL;
	X509			*x = NULL;
	PKCS12			*p12 = NULL;
	size_t			 plen = strlen(pass);
	int			 n, rc;

	if ((rc = identity_movable(ident, cause)) != 0)
		return rc;
	if (plen < IDENTITY_PASS_MIN || plen > IDENTITY_PASS_MAX) {
		*cause = xasprintf("a passphrase of %d to %d characters",
		    IDENTITY_PASS_MIN, IDENTITY_PASS_MAX);
		return EINVAL;
	}
	if (!identity_user_held(ident, name)) {
		*cause = xasprintf("%s: no key for this user here (a user's "
		    "key is made when it is first registered)", name);
		return ENOENT;
	}
	if ((rc = identity_user(ident, name, &u, cause)) != 0)
		return rc;
	/* decoded again: a certificate made this run has no key object
	 * (identity_set_pubkey), which PKCS12_create checks */
	p = u->der;
	if ((x = d2i_X509(NULL, &p, (long)u->der_len)) == NULL ||
	    (p12 = PKCS12_create(pass, name, u->key, x, NULL,
	    NID_aes_256_cbc, NID_aes_256_cbc, IDENTITY_KDF_ITER,
	    IDENTITY_KDF_ITER, 0)) == NULL ||
	    (n = i2d_PKCS12(p12, &der)) <= 0) {
		*cause = xasprintf("%s: OpenSSL cannot make the PKCS #12 file",
		    name);
		rc = EIO;
		goto out;
	}
	if ((rc = identity_write_new(path, der, (size_t)n, replace,
	    cause)) == 0) {
		log_info("identity: user %s: key exported to %s", name, path);
		*out = u;
	}
out:
	OPENSSL_free(der);
	PKCS12_free(p12);
	X509_free(x);
	return rc;
}

/* Is x's first reload:// URI "reload://<Node-ID>@<overlay>/"? */
static bool
identity_uri_overlay(X509 *x, const char *overlay)
{
	struct ov_id	id;
	char		named[256];

	return ov_cert_reload_uri(x, &id, named, sizeof named) == 0 &&
	    strcasecmp(named, overlay) == 0;
}

/* An EC P-256 key? */
static bool
identity_key_p256(EVP_PKEY *key)
{
	char	group[64];
	size_t	len;

	return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof group, &len) == 1 &&
	    strcmp(group, SN_X9_62_prime256v1) == 0;
}

/*
 * Is what the file holds a user of this overlay, with its key?  The
 * user's name, as this node writes it, into name.
 */
static int
identity_import_check(struct identity *ident, const char *path,
    EVP_PKEY *key, X509 *x, char *name, size_t max, char **cause)
{
	char		 user[OV_USER_MAX];
	const char	*at;

	if (!identity_key_p256(key)) {
		*cause = xasprintf("%s: not an EC P-256 key", path);
		return EINVAL;
	}
	if (X509_check_private_key(x, key) != 1) {
		*cause = xasprintf("%s: the key is not its certificate's",
		    path);
		return EINVAL;
	}
	if (ov_cert_user(x, user, sizeof user) != 0 ||
	    (at = strrchr(user, '@')) == NULL || at == user) {
		*cause = xasprintf("%s: its certificate names no user", path);
		return EINVAL;
	}
	if (strcasecmp(at + 1, ident->overlay) != 0 ||
	    !identity_uri_overlay(x, ident->overlay)) {
		*cause = xasprintf("%s: %s is not a user of this overlay (%s)",
		    path, user, ident->overlay);
		return EINVAL;
	}
	if ((size_t)snprintf(name, max, "%.*s@%s", (int)(at - user), user,
	    ident->overlay) >= max || !identity_user_name_ok(name)) {
		*cause = xasprintf("%s: %s: not a usable user name", path,
		    user);
		return EINVAL;
	}
	return 0;
}

/*
 * The key and certificate of the PKCS #12 file at path, decrypted with
 * pass.  0, or an errno with *cause.
 */
static int
identity_import_read(const char *path, const char *pass, EVP_PKEY **key,
    X509 **x, char **cause)
{
	const unsigned char	*p;
	char			*buf = NULL;
	size_t			 len = 0;
	PKCS12			*p12 = NULL;
	STACK_OF(X509)		*ca = NULL;
	int			 rc;

	if ((rc = cfg_read_file(path, IDENTITY_FILE_MAX, &buf, &len,
	    cause)) != 0)
		return rc;
	p = (const unsigned char *)buf;
	rc = EINVAL;
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL ||
	    p != (const unsigned char *)buf + len)
		*cause = xasprintf("%s: not a PKCS #12 file (identity export "
		    "writes one)", path);
	else if (!PKCS12_mac_present(p12))
		*cause = xasprintf("%s: the file has no MAC to check the "
		    "passphrase by", path);
	else if (PKCS12_verify_mac(p12, pass, -1) != 1)
		*cause = xasprintf("%s: wrong passphrase (or a damaged file)",
		    path);
	else if (PKCS12_parse(p12, pass, key, x, &ca) != 1 || *key == NULL ||
	    *x == NULL)
		*cause = xasprintf("%s: no key and certificate in it", path);
	else
		rc = 0;
	if (rc != 0) {
		EVP_PKEY_free(*key);
		X509_free(*x);
		*key = NULL;
		*x = NULL;
	}
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	OPENSSL_clear_free(buf, len);
	return rc;
}

/*
 * Is name's key here (loaded or stored) another than key?  Unreadable
 * counts as another.
 */
static bool
identity_other_key(struct identity *ident, const char *name, EVP_PKEY *key)
{
	struct strmap_entry	*e = strmap_find(&ident->users_by_name, name);
	struct store_blob	 kb = { 0 }, cb = { 0 };
	const unsigned char	*p;
	EVP_PKEY		*old;
	bool			 other;

	if (e != NULL)
		return EVP_PKEY_eq(STRMAP_ITEM(e, struct identity_user,
		    h)->key, key) != 1;
	if (db_user_get(ident->db, name, &kb, &cb) != 0)
		return false;
	p = kb.p;
	old = d2i_AutoPrivateKey(NULL, &p, (long)kb.len);
	other = old == NULL || EVP_PKEY_eq(old, key) != 1;
	EVP_PKEY_free(old);
	OPENSSL_clear_free(kb.p, kb.len);
	free(cb.p);
	return other;
}

/* Put nu's key and certificate (and what signing takes) in u's place;
 * nu gets u's old ones, to be freed. */
static void
identity_user_swap(struct identity_user *u, struct identity_user *nu)
{
	struct identity_user	old = *u;

	*u = *nu;
	u->next = old.next;
	u->h = old.h;
	u->crypto.arg = u;
	u->crypto.cert_hash = u->hash;
	*nu = old;
	nu->next = NULL;
}

int
identity_import(struct identity *ident, const char *path, const char *pass,
    bool force, struct identity_user **out, bool *replaced, char **cause)
{
	struct identity_user	*nu, *u;
	struct strmap_entry	*e;
	int			 rc;

	if ((rc = identity_movable(ident, cause)) != 0)
		return rc;
	if (ident->db == NULL) {
		*cause = xstrdup("no store for users' keys");
		return EIO;
	}
	nu = xcalloc(1, sizeof *nu);
	if ((rc = identity_import_read(path, pass, &nu->key, &nu->cert,
	    cause)) != 0 || (rc = identity_import_check(ident, path, nu->key,
	    nu->cert, nu->name, sizeof nu->name, cause)) != 0)
		goto fail;
	*replaced = identity_user_held(ident, nu->name) &&
	    identity_other_key(ident, nu->name, nu->key);
	if (*replaced && !force) {
		*cause = xasprintf("%s: this node holds another key for the "
		    "user (--force replaces it)", nu->name);
		rc = EEXIST;
		goto fail;
	}
	/* this node's own certificate for the key (§7.3.3) */
	X509_free(nu->cert);
	if ((nu->cert = identity_make_cert(ident, ident->overlay, nu->key,
	    nu->name)) == NULL) {
		*cause = xasprintf("%s: cannot make a certificate", nu->name);
		rc = EIO;
		goto fail;
	}
	if ((rc = identity_user_finish(ident, nu, cause)) != 0)
		goto fail;
	if (identity_user_save(ident, nu) != 0) {
		*cause = xasprintf("%s: cannot save the user's key", nu->name);
		rc = EIO;
		goto fail;
	}
	log_info("identity: user %s: key imported from %s%s", nu->name, path,
	    *replaced ? ", replacing another" : "");
	if ((e = strmap_find(&ident->users_by_name, nu->name)) != NULL) {
		u = STRMAP_ITEM(e, struct identity_user, h);
		identity_user_swap(u, nu);
		identity_user_free(nu);
	} else
		identity_user_add(ident, u = nu);
	*out = u;
	return 0;
fail:
	identity_user_free(nu);
	return rc;
}

struct identity_names {
	char	**name;
	int64_t	*created;
	size_t	 n;
};

static void
identity_name_cb(void *arg, const char *name, int64_t created)
{
	struct identity_names	*l = arg;

	l->name = xreallocarray(l->name, l->n + 1, sizeof *l->name);
	l->created = xreallocarray(l->created, l->n + 1,
	    sizeof *l->created);
	l->name[l->n] = xstrdup(name);
	l->created[l->n++] = created;
}

int
identity_users_each(struct identity *ident, identity_user_cb cb, void *arg,
    char **cause)
{
	struct identity_names	 l = { NULL, NULL, 0 };
	struct identity_user	*u;
	size_t			 i;
	int			 rc = 0;

	if (ident->db == NULL ||
	    db_users_each(ident->db, identity_name_cb, &l) != 0) {
		*cause = xstrdup("cannot read the users' keys");
		rc = EIO;
	}
	for (i = 0; i < l.n; i++) {
		if (rc == 0 && (rc = identity_user(ident, l.name[i], &u,
		    cause)) == 0)
			cb(arg, u, l.created[i]);
		free(l.name[i]);
	}
	free(l.name);
	free(l.created);
	return rc;
}
