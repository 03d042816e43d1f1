/*
 * ov_certs.h - the certificates that vouch for the values a peer holds
 * (RFC 6940 §6.3.4.1, §7.4.2.2: a FetchAns carries them), kept once by
 * content: each bucket of GenericCertificate entries is named by its
 * SHA-256 and counted by the values that use it.
 *
 * Without a store every bucket stays in memory, once however many values
 * share it (the simulator).  With one (ov_certs_set_store: the daemon's
 * database), a new bucket is handed out by ov_certs_take to be written,
 * after which only its name and count stay in memory; a value's bucket
 * is read back through the store's load callback when an answer needs
 * it, and a bucket no value uses any longer is handed out to be deleted.
 * Issue 23: a stored value must cost at most 1 kB of memory, and a
 * user's certificate alone is about 750 bytes.
 */
#ifndef OV_CERTS_H
#define OV_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define OV_CERTS_HASH_LEN	32	/* SHA-256 */

struct ov_certs_ent;

/* Read the bucket named hash into out; 0, or ENOENT. */
typedef int (*ov_certs_load_cb)(void *arg, const uint8_t *hash,
	    struct wbuf *out);

struct ov_certs {
	struct ov_certs_ent	**ent;		/* sorted by hash */
	unsigned		  n, cap;
	struct ov_certs_ent	**pending;	/* to write or delete */
	unsigned		  npending, pcap;
	ov_certs_load_cb	  load;		/* NULL: no store */
	void			 *arg;
	struct wbuf		  scratch;	/* a loaded bucket */
};

void	ov_certs_init(struct ov_certs *);
/* Free it all; nothing is handed out (the store keeps what it has). */
void	ov_certs_clear(struct ov_certs *);
void	ov_certs_set_store(struct ov_certs *, ov_certs_load_cb, void *arg);

/* One more user of bucket (copied if new); NULL for an empty bucket. */
struct ov_certs_ent *ov_certs_ref(struct ov_certs *, const uint8_t *bucket,
	    size_t len);
/* One more user of the bucket the store holds as hash. */
struct ov_certs_ent *ov_certs_ref_hash(struct ov_certs *,
	    const uint8_t *hash);
/* One user fewer; NULL does nothing. */
void	ov_certs_unref(struct ov_certs *, struct ov_certs_ent *);

const uint8_t *ov_certs_hash(const struct ov_certs_ent *);
/*
 * The bucket's bytes, valid until the next ov_certs_get or change.
 * NULL gives an empty bucket.  0, or ENOENT (the store lost it).
 */
int	ov_certs_get(struct ov_certs *, const struct ov_certs_ent *,
	    const uint8_t **p, size_t *len);

/*
 * The next change for the store: a bucket to write (*bucket, *len:
 * free(*bucket)) or, with *bucket NULL, one to delete.  false when none
 * is left.
 */
bool	ov_certs_take(struct ov_certs *, uint8_t *hash, uint8_t **bucket,
	    size_t *len);

/* Buckets in use. */
unsigned ov_certs_count(const struct ov_certs *);

#endif
