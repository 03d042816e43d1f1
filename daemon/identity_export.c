/*
 * identity_export.c - a user's key out to a PKCS #12 file, for another
 * node of the overlay to import (identity_import.c).
 *
 * A user's identity is its key.  Export writes the key, with the
 * certificate this node issued for it, to a PKCS #12 file encrypted
 * with a passphrase; import takes the key and issues this node's own
 * certificate for it, naming this node (§7.3.3: a value's certificate
 * names the node that writes it).  The storing peers pin a user name to
 * a key, not to a certificate (ov_storage.c, ov_stor_pinned), so every
 * node that holds the key publishes bindings for the user.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pkcs12.h>

#include "identity.h"
#include "identity_int.h"
#include "log.h"
#include "xmalloc.h"

#define IDENTITY_PASS_MIN	8	/* a new file's passphrase */
#define IDENTITY_PASS_MAX	1024
/* PBKDF2 rounds for the key, the certificate and the MAC: PKCS #12's
 * usual 2048 make a guessed passphrase cheap to try. */
#define IDENTITY_KDF_ITER	100000

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

