/*
 * identity_import.c - a user's key in from a PKCS #12 file a node of this
 * overlay exported (identity_export.c): checked, kept in the store with
 * a certificate this node issues for it (§7.3.3), and used from then on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/pkcs12.h>

#include "cfg.h"
#include "identity.h"
#include "identity_int.h"
#include "db.h"
#include "log.h"
#include "xmalloc.h"

#define IDENTITY_FILE_MAX	65536	/* an exported identity, at most */

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
	u->lru = old.lru;
	u->h = old.h;
	u->crypto.arg = u;
	u->crypto.cert_hash = u->hash;
	*nu = old;
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
