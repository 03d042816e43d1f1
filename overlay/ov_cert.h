/*
 * ov_cert.h - self-signed RELOAD identities and signature checks (RFC 6940
 * §11.3.1, §6.3.4) with OpenSSL; no I/O, no randomness.
 *
 * A self-signed certificate binds one Node-ID: the first 128 bits of the
 * SHA-256 digest of its SubjectPublicKeyInfo (the overlay's
 * self-signed-permitted digest is sha256), carried as the URI
 * reload://<node-id hex>@<overlay>/ in the subjectAltName (§14.15).  Both
 * must agree, which prevents Node-ID theft.  Messages are signed with
 * ECDSA over SHA-256 and name their signer by the SHA-256 hash of its
 * certificate (SignerIdentity cert_hash).
 */
#ifndef OV_CERT_H
#define OV_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ov_id.h"
#include "ov_msg.h"

#define OV_HASH_SHA256		4	/* TLS HashAlgorithm */
#define OV_SIG_ECDSA		3	/* TLS SignatureAlgorithm */
#define OV_CERT_HASH_LEN	32

/* The Node-ID a public key yields in self-signed mode.  0 or EINVAL. */
int	ov_cert_key_node_id(EVP_PKEY *, struct ov_id *);

/*
 * The Node-ID a certificate binds: its key's, which its reload:// URI must
 * name too.  0, or EBADMSG (no URI, another id, unusable key).
 */
int	ov_cert_node_id(X509 *, struct ov_id *);
/*
 * The first reload:// URI of the subjectAltName,
 * "reload://<Node-ID>@<overlay>/": its Node-ID, and (overlay not NULL)
 * its overlay, in max bytes.  0, or EBADMSG (none, or malformed).
 */
int	ov_cert_reload_uri(X509 *, struct ov_id *, char *overlay, size_t max);

/*
 * The SHA-256 of the certificate's SubjectPublicKeyInfo (as encoded):
 * the id of its key (OV_KEY_ID_LEN bytes into out), whose first 128
 * bits are a self-signed Node-ID.  0 or EBADMSG.
 */
int	ov_cert_spki_id(X509 *, uint8_t *out);

/* The first rfc822Name of the subjectAltName: a user's name.  0 or EBADMSG
 * (none, or too long for max). */
int	ov_cert_user(X509 *, char *user, size_t max);

/* "reload://<hex>@<overlay>/" for a certificate's subjectAltName. */
void	ov_cert_uri(const struct ov_id *, const char *overlay, char *out,
	    size_t max);

struct ov_cert_cache;

/*
 * A cache of checked signers (cert hash -> verifier, Node-ID, user), up
 * to size of them (rounded up to a power of two; its memory grows with
 * the signers met, not with size); a verified value's user certificate
 * stays there, so a fetcher that sees it again checks one signature only.  NULL if OpenSSL
 * cannot be set up.
 */
#define OV_CERT_CACHE_SIZE	1024
struct ov_cert_cache *ov_cert_cache_new(unsigned size);
void	ov_cert_cache_free(struct ov_cert_cache *);

/*
 * The verify function of struct ov_crypto, with the cache as its arg:
 * finds the signer's certificate in the bucket by its hash, checks the
 * self-signed binding (or, for a user's certificate, that the node it
 * names issued it, that node's certificate being in the bucket too), and
 * the ECDSA signature over data.
 */
int	ov_cert_verify(const struct ov_sig *, const uint8_t *certs,
	    size_t certs_len, const uint8_t *data, size_t len,
	    struct ov_signer *signer, void *cache);

/*
 * The key_id function of struct ov_crypto, with the cache as its arg:
 * the ov_cert_spki_id of the bucket's certificate whose hash sig names,
 * checked as ov_cert_verify checks it (the signature over the data
 * aside).  0, or EBADMSG.
 */
int	ov_cert_key_id(const struct ov_sig *, const uint8_t *certs,
	    size_t certs_len, uint8_t *out, void *cache);

/*
 * A user's certificate x (DER der) this node issued for key, naming node
 * and user, with the node's certificate issuer: kept as checked, its
 * verifier made from key, so that the node's own stores of the user's
 * values find it without parsing and checking it again.  Self-signed
 * mode only (nothing in enrollment mode).
 */
void	ov_cert_cache_own(struct ov_cert_cache *, X509 *x, const uint8_t *der,
	    size_t len, EVP_PKEY *key, const struct ov_id *node,
	    const char *user, const uint8_t *issuer, size_t issuer_len);

/*
 * Enrollment mode (RFC 6940 §11.3): trust root as one of the overlay's
 * CAs.  Once a cache has a root, it takes only certificates a root
 * issued, valid now, whose reload:// URI names the Node-ID (chosen by
 * the CA) and whose rfc822Name, if any, the user; self-signed ones and
 * those a node issued are refused.  0 or EINVAL (an unusable key).
 */
int	ov_cert_cache_root(struct ov_cert_cache *, X509 *root);
bool	ov_cert_enrollment(const struct ov_cert_cache *);
/* The wall clock (Unix seconds) validity is checked against; the driver
 * sets it before each check in enrollment mode. */
void	ov_cert_cache_now(struct ov_cert_cache *, int64_t unix_s);

/*
 * The Node-ID a peer's certificate (from TLS) binds: as ov_cert_node_id
 * in self-signed mode; in enrollment mode, issued by a root and valid.
 */
int	ov_cert_bound_id(struct ov_cert_cache *, X509 *, struct ov_id *);

/* A signing context for key (EVP_PKEY_CTX_free it), or NULL. */
EVP_PKEY_CTX *ov_cert_signer(EVP_PKEY *);

/* ECDSA/SHA-256 with a signer; the sign function's core.  Length or 0. */
size_t	ov_cert_sign(EVP_PKEY_CTX *, const uint8_t *data, size_t len,
	    uint8_t *out, size_t max);

#endif
