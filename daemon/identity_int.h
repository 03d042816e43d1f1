/*
 * identity_int.h - what the identity files share: the node's making of
 * certificates (identity.c) and the users it holds (identity_user.c),
 * which export and import (identity_export.c, identity_import.c) use too.
 */
#ifndef IDENTITY_INT_H
#define IDENTITY_INT_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct identity;
struct identity_user;

/*
 * A certificate for key naming our Node-ID in overlay (and user, if not
 * NULL), signed by the node's key: self-signed for the node itself.
 * NULL if OpenSSL fails.
 */
X509	*identity_make_cert(struct identity *, const char *overlay,
	    EVP_PKEY *key, const char *user);
/* Does x's subjectAltName carry our reload:// URI for overlay? */
bool	 identity_names_us(const struct identity *, X509 *x,
	    const char *overlay);
/* Users move between nodes in self-signed mode only: 0, or EPERM with
 * *cause. */
int	 identity_movable(const struct identity *, char **cause);

void	 identity_user_free(struct identity_user *);
/* Write u's key and certificate to the store: 0 or an errno. */
int	 identity_user_save(struct identity *, struct identity_user *u);
/* What signing as u takes, from its key and certificate: 0, or an
 * errno with *cause. */
int	 identity_user_finish(struct identity *, struct identity_user *u,
	    char **cause);
/* Hold u (loaded, found by name from then on). */
void	 identity_user_add(struct identity *, struct identity_user *u);
/* Has this node a key for name (loaded, or in the store)? */
bool	 identity_user_held(struct identity *, const char *name);

#endif
