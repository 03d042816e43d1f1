/*
 * ov_stored.h - StoredData (RFC 6940 §7.1, §7.2): a value as a Kind's
 * data model addresses it, with its storage time, lifetime and writer's
 * signature; and StoredMetaData (§7.4.3.2), what Stat reports of it.
 *
 * The decoders are strict and point into the input, as ov_data.h says.
 */
#ifndef OV_STORED_H
#define OV_STORED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ov_id.h"
#include "ov_kind.h"
#include "ov_msg.h"

struct rbuf;
struct wbuf;

#define OV_ARRAY_APPEND		0xffffffffu	/* index: at the end */

/* StoredDataValue (§7.2): a DataValue and, by model, its address. */
struct ov_value {
	uint32_t	 index;		/* array */
	const uint8_t	*key;		/* dictionary */
	uint16_t	 key_len;
	bool		 exists;
	const uint8_t	*data;
	uint32_t	 len;
};

/* StoredData (§7). */
struct ov_stored {
	uint64_t	 storage_time;	/* ms since 1970 UTC */
	uint32_t	 lifetime;	/* seconds */
	struct ov_value	 v;
	struct ov_sig	 sig;
};

/* One StoredData, its length prefix included. */
int	ov_stored_decode(struct rbuf *, enum ov_model, struct ov_stored *);
void	ov_stored_encode(struct wbuf *, enum ov_model,
	    const struct ov_stored *);

/*
 * Room for a signature made by ov_stored_sign: the SignerIdentity
 * (cert_hash) and the value, which s->sig then points at.
 */
struct ov_sigbuf {
	uint8_t		 identity[3 + 2 + 64];
	uint8_t		 value[OV_SIG_MAX];
};

/*
 * Sign s as stored at resource under kind (§7.1: resource_id || kind ||
 * storage_time || StoredDataValue || SignerIdentity, with an array
 * index taken as zero, §7.4.2.2).  0, or EIO.
 */
int	ov_stored_sign(struct ov_stored *, struct ov_sigbuf *,
	    const struct ov_id *resource, uint32_t kind, enum ov_model,
	    const struct ov_crypto *);
/* Check s's signature against the certificates bucket; *signer. */
int	ov_stored_verify(const struct ov_stored *, const struct ov_id *resource,
	    uint32_t kind, enum ov_model, const uint8_t *certs,
	    size_t certs_len, const struct ov_crypto *, struct ov_signer *);

/*
 * StoredMetaData (§7.4.3.2): a StoredData's fields with the value
 * replaced by its length and a digest of it.
 */
#define OV_META_HASH_MAX	64

struct ov_meta {
	uint64_t	 storage_time;
	uint32_t	 lifetime;
	uint32_t	 index;		/* array */
	const uint8_t	*key;		/* dictionary */
	uint16_t	 key_len;
	bool		 exists;
	uint32_t	 value_length;
	uint8_t		 hash_alg;	/* TLS HashAlgorithm: 4, sha256 */
	uint8_t		 hash_len;
	uint8_t		 hash[OV_META_HASH_MAX];
};

/* s's metadata: SHA-256 over the DataValue's value, its 4-byte length
 * prefix included.  m->key points into s. */
void	ov_stored_meta(const struct ov_stored *s, struct ov_meta *m);

/* One StoredMetaData of a Kind of that model, its length included. */
void	ov_stored_meta_decode(struct rbuf *, enum ov_model, struct ov_meta *);
void	ov_stored_meta_encode(struct wbuf *, enum ov_model,
	    const struct ov_meta *);

#endif
