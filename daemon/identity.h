/*
 * identity.h - this node's key, certificate and Node-ID.
 *
 * DATA_DIR/node.key (EC P-256, PEM, mode 0600) is made on first start
 * and kept; DATA_DIR/node.crt is a self-signed certificate binding the
 * key's Node-ID (RFC 6940 §11.3.1) in a reload://<id>@<overlay>/ URI.
 * A certificate naming another overlay is reissued with the same key, so
 * the Node-ID never changes.  In enrollment mode (§11.3) node.crt comes
 * from the overlay's CA instead, with the Node-ID and user it chose.
 */
#ifndef IDENTITY_H
#define IDENTITY_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ov_cert.h"
#include "ov_id.h"
#include "ov_msg.h"
#include "strmap.h"

/*
 * A user (AOR) this node writes for: its own key and a certificate the
 * node issues, naming the user (rfc822Name) and the node (reload:// URI),
 * kept in the store (table user_identities of DATA_DIR/p2psipd.db; an
 * earlier p2psipd's DATA_DIR/users/NAME.key and .crt are imported).
 */
struct identity_user {
	char			 name[OV_USER_MAX];
	EVP_PKEY		*key;
	EVP_PKEY_CTX		*signer;
	X509			*cert;
	uint8_t			*der;
	size_t			 der_len;
	uint8_t			 hash[OV_CERT_HASH_LEN];
	/* signs as the user; verifies as the node does */
	struct ov_crypto	 crypto;
	uint8_t			*bucket;	/* GenericCertificate of cert */
	size_t			 bucket_len;
	int			 created;	/* made this start */
	TAILQ_ENTRY(identity_user) lru;		/* in users */
	struct strmap_entry	 h;		/* in users_by_name */
};

/* Users loaded at once, at most: the rest are in the store, loaded again
 * when used (a registrar of many users keeps a key and certificate in
 * memory only for those it signs for now). */
#define IDENTITY_USERS_MAX	256

struct identity {
	EVP_PKEY		*key;
	EVP_PKEY_CTX		*signer;	/* key's signing context */
	X509			*cert;
	uint8_t			*der;		/* the certificate, DER */
	size_t			 der_len;
	uint8_t			 hash[OV_CERT_HASH_LEN];
	struct ov_id		 id;
	struct ov_crypto	 crypto;	/* for the overlay core */
	struct ov_cert_cache	*cache;		/* signers seen */
	int			 created;	/* a new key this start */
	char			*dir;
	char			*overlay;
	TAILQ_HEAD(identity_users, identity_user) users; /* loaded, last used
						   first */
	unsigned		 nusers;
	struct strmap		 users_by_name;
	struct db		*db;		/* users' keys */
};

/*
 * Load or make the identity in dir.  With root_cert (a PEM file of the
 * overlay's CAs; NULL or "": self-signed mode), enrollment mode (§11.3):
 * node.crt must be one a CA issued for node.key, naming the Node-ID and
 * overlay (it is never made here), and peers and values must carry
 * certificates those CAs issued.  0, or an errno with *cause.
 */
int	identity_load(struct identity **out, const char *dir,
	    const char *overlay, const char *root_cert, char **cause);
/* A PKCS #10 request for dir's node.key (made if missing), PEM, to out. */
int	identity_csr(const char *dir, FILE *out, char **cause);
void	identity_free(struct identity *);

/* Where users' keys are kept: the daemon's sqlite store. */
struct db;
void	identity_set_db(struct identity *, struct db *);

/*
 * The user name's key and certificate, loaded from the store or made
 * (and saved there) on first use.  A name is 1 to 127 of
 * [A-Za-z0-9._~+@-], not starting with '.'.  0 and *out (owned by
 * ident, valid until the next call: the least used of
 * IDENTITY_USERS_MAX goes), or an errno with *cause.
 */
int	identity_user(struct identity *, const char *name,
	    struct identity_user **out, char **cause);
bool	identity_user_name_ok(const char *);

/* The id of u's key (OV_KEY_ID_LEN bytes: ov_cert_spki_id), which the
 * storing peers pin the user's name to.  0 or EBADMSG. */
int	identity_user_key_id(const struct identity_user *, uint8_t *out);

/*
 * One user on several nodes (self-signed mode; EPERM in enrollment
 * mode).  identity_export writes name's key and certificate to path as
 * PKCS #12, encrypted with pass (8 to 1024 characters) with AES-256-CBC
 * and PBKDF2, with an HMAC-SHA-256 MAC; the file is made with mode 0600
 * and replaces an existing one only with replace.  The user must be
 * held here (ENOENT).  0 and *out (owned by ident), or an errno with
 * *cause.
 */
int	identity_export(struct identity *, const char *name, const char *path,
	    const char *pass, bool replace, struct identity_user **out,
	    char **cause);
/*
 * Take the key a node of this overlay exported to path (pass decrypts
 * it): checked (the MAC, an EC P-256 key that is its certificate's, a
 * user of this overlay), kept in the store with a certificate this node
 * issues for it, and used from then on to sign the user's values.  A
 * user held here with another key is replaced only with force
 * (*replaced says so).  On an error nothing changed.  0 and *out (owned
 * by ident), or an errno with *cause.
 */
int	identity_import(struct identity *, const char *path, const char *pass,
	    bool force, struct identity_user **out, bool *replaced,
	    char **cause);

/* Each user in the store, by name, loaded; created: when first stored
 * (Unix s).  0, or an errno with *cause. */
typedef void (*identity_user_cb)(void *arg, const struct identity_user *,
	    int64_t created);
int	identity_users_each(struct identity *, identity_user_cb, void *arg,
	    char **cause);

#endif
