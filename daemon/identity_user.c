/*
 * identity_user.c - the users (AORs) this node writes for: each user's
 * key, kept in the store, and a certificate the node issues for it
 * naming the user and the node (in enrollment mode, the node's own key
 * and certificate, for the one user its CA named).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/sha.h>

#include "identity.h"
#include "identity_int.h"
#include "loc.h"
#include "db.h"
#include "log.h"
#include "xmalloc.h"

void
identity_user_free(struct identity_user *u)
{
	EVP_PKEY_CTX_free(u->signer);
	EVP_PKEY_free(u->key);
	X509_free(u->cert);
	free(u->der);
	free(u->bucket);
	free(u);
}

bool
identity_user_name_ok(const char *name)
{
	return loc_user_ok(name);
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
int
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
int
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
	/* our own stores of u's values check only their signature */
	ov_cert_cache_own(ident->cache, u->cert, u->der, u->der_len, u->key,
	    &ident->id, u->name, ident->der, ident->der_len);
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

/* u, loaded, first in the users; the least used goes past
 * IDENTITY_USERS_MAX. */
void
identity_user_add(struct identity *ident, struct identity_user *u)
{
	struct identity_user	*old;

	TAILQ_INSERT_HEAD(&ident->users, u, lru);
	strmap_add(&ident->users_by_name, &u->h, u->name);
	ident->nusers++;
	while (ident->nusers > IDENTITY_USERS_MAX &&
	    (old = TAILQ_LAST(&ident->users, identity_users)) != u) {
		TAILQ_REMOVE(&ident->users, old, lru);
		strmap_del(&ident->users_by_name, &old->h);
		ident->nusers--;
		identity_user_free(old);
	}
}

int
identity_user(struct identity *ident, const char *name,
    struct identity_user **out, char **cause)
{
	struct identity_user	*u;
	struct strmap_entry	*e;
	int			 rc;

	if ((e = strmap_find(&ident->users_by_name, name)) != NULL) {
		u = STRMAP_ITEM(e, struct identity_user, h);
		TAILQ_REMOVE(&ident->users, u, lru);
		TAILQ_INSERT_HEAD(&ident->users, u, lru);
		*out = u;
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

int
identity_user_key_id(const struct identity_user *u, uint8_t *out)
{
	return ov_cert_spki_id(u->cert, out);
}

/* Has this node a key for name (loaded, or in the store)? */
bool
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
