/*
 * identity.h - this node's key, certificate and Node-ID.
 *
 * DATA_DIR/node.key (EC P-256, PEM, mode 0600) is made on first start
 * and kept; DATA_DIR/node.crt is a self-signed certificate binding the
 * key's Node-ID (RFC 6940 §11.3.1) in a reload://<id>@<overlay>/ URI.
 * A certificate naming another overlay is reissued with the same key, so
 * the Node-ID never changes.
 */
#ifndef IDENTITY_H
#define IDENTITY_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ov_cert.h"
#include "ov_id.h"
#include "ov_msg.h"

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
};

/* Load or make the identity in dir.  0, or an errno with *cause. */
int	identity_load(struct identity **out, const char *dir,
	    const char *overlay, char **cause);
void	identity_free(struct identity *);

#endif
