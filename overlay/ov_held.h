/*
 * ov_held.h - the data a peer holds (RFC 6940 §7): for each Resource-ID
 * and Kind, a generation counter and the values of the Kind's data model,
 * each kept as the signed StoredData it arrived as, with the certificates
 * that vouch for its signer (kept once, by content: ov_certs.h) and its
 * local expiry.
 *
 * Sans-I/O: time is the wall clock in ms, given by the caller.  Changes
 * are marked dirty; the owner takes them as rows (ov_held_take_row) to
 * persist, and gives rows back after a restart (ov_held_load).  Access
 * control and signatures are the node's business (they need the
 * certificates); this layer checks what §7.4.1.1 asks of the data itself:
 * generation counters, storage times, sizes, counts and lifetimes.
 */
#ifndef OV_HELD_H
#define OV_HELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fifo.h"
#include "ov_certs.h"
#include "ov_data.h"
#include "ov_id.h"

struct wbuf;

struct ov_held_value {
	uint8_t		*raw;		/* the StoredData, as stored */
	size_t		 raw_len;
	struct ov_stored s;		/* decoded; points into raw */
	struct ov_certs_ent *certs;	/* GenericCertificate entries that
					   verify s's signature (NULL: none) */
	uint64_t	 expires_ms;	/* wall clock */
};

struct ov_held_kind {
	const struct ov_kind	*k;
	uint64_t		 generation;
	bool			 dirty;
	unsigned		 n, cap;
	struct ov_held_value	*v;
};

struct ov_held_res {
	struct ov_id		 id;
	uint32_t		 table_gen;	/* its owner's: the neighbor
						   table a Store (not a
						   replica) last came under */
	unsigned		 nkinds;	/* OV_DATA_KINDS_MAX at most */
	struct ov_held_kind	*kinds;		/* as many as it holds: most
						   hold one (a value a peer
						   stores costs what it is) */
};

struct ov_held_limits {
	uint32_t	 max_lifetime_s;	/* longest lifetime accepted */
	uint64_t	 max_bytes;		/* all values held */
};

struct ov_held {
	const struct ov_kind	*kinds;		/* with the configured limits */
	size_t			 nkinds;
	struct ov_held_limits	 lim;
	struct ov_held_res	**res;		/* sorted by Resource-ID */
	struct ov_certs		 certs;		/* the values' certificates */
	unsigned		 nres, cap;
	uint64_t		 bytes;		/* of raw values held */
	uint64_t		 values;
	unsigned		 ndirty;	/* Kinds to persist, and */
	struct fifo		 dirty;		/* their resources' IDs (struct
						   ov_id), once for each */
	uint64_t		 next_expiry;	/* no value expires before;
						   UINT64_MAX: none held */
};

void	ov_held_init(struct ov_held *, const struct ov_kind *, size_t,
	    const struct ov_held_limits *);
void	ov_held_clear(struct ov_held *);

struct ov_held_res *ov_held_find(const struct ov_held *, const struct ov_id *);
struct ov_held_kind *ov_held_res_kind(struct ov_held_res *, uint32_t kind);

/*
 * Could kd be stored at res now (§7.4.1.1)?  0, or EBADMSG with *err the
 * RELOAD error code: Error_Generation_Counter_Too_Low, Error_Data_Too_Old,
 * Error_Data_Too_Large, Error_Forbidden (lifetime above the maximum) or
 * Error_Invalid_Message (a replica store with generation 0); *why says
 * which check failed, in words for the Error's error_info.
 */
int	ov_held_check(const struct ov_held *, const struct ov_id *res,
	    const struct ov_kind_data *, bool replica, uint16_t *err,
	    const char **why);

/*
 * Store kd at res, after ov_held_check passed for every Kind of the
 * request (a StoreReq is atomic).  certs[i], certs_len[i]: what verifies
 * value i.  Returns the Kind's generation counter after the store.
 */
uint64_t ov_held_apply(struct ov_held *, const struct ov_id *res,
	    const struct ov_kind_data *, const uint8_t *const *certs,
	    const size_t *certs_len, bool replica, uint64_t wall_ms);

/*
 * The values of spec at res for a FetchAns (§7.4.2.2): out->values point
 * into the held values (valid until they change; free(out->values)
 * only), each with its remaining lifetime; src[i] is the value
 * out->values[i] came from (free(*src) too).  A matching nonzero
 * generation in the spec returns no values (§7.4.2.1).
 */
void	ov_held_fetch(const struct ov_held *, const struct ov_id *res,
	    const struct ov_spec *, uint64_t wall_ms, struct ov_kind_data *out,
	    const struct ov_held_value ***src);

/*
 * Trust on first use (self-signed mode): is a live value at res, of a
 * Kind whose policy names a user, by another signer than the writer's?
 * same(sv, certs, arg) says whether the held value sv's signer is the
 * writer (the node compares keys: ov_serve.c); certs: sv's bucket.  Only
 * one user's values can live at a resource, so this pins the user name to the
 * signer first seen until all its values have expired.
 */
typedef bool (*ov_held_same_cb)(const struct ov_held_value *,
	    const uint8_t *certs, size_t certs_len, void *arg);
bool	ov_held_pinned(struct ov_held *, const struct ov_id *res,
	    uint64_t wall_ms, ov_held_same_cb same, void *arg);

/*
 * Every Kind held at res as a replica StoreReq would carry it, with
 * remaining lifetimes (§7.4.1.1: adjust lifetime downward).  Like
 * ov_held_fetch for memory.  false if nothing live is held there.
 */
bool	ov_held_req_for(const struct ov_held *, const struct ov_id *res,
	    uint64_t wall_ms, struct ov_store_req *out,
	    const struct ov_held_value ***src, unsigned *nsrc);

/*
 * Append to w (a certificates bucket) the GenericCertificate entries
 * that verify the values src[0..n-1], each once (a bucket the store
 * lost is left out: that value will not verify).
 */
void	ov_held_certs_of(struct ov_held *, struct wbuf *w,
	    const struct ov_held_value *const *src, unsigned n);

/* Drop values whose lifetime has run out; true if any went. */
bool	ov_held_expire(struct ov_held *, uint64_t wall_ms);
/* Forget everything held at res (no longer in our replica range). */
void	ov_held_drop(struct ov_held *, const struct ov_id *res);
/* When ov_held_expire next has work (perhaps none), or UINT64_MAX. */
uint64_t ov_held_next_expiry(const struct ov_held *);

/*
 * Persistence.  A row is one Kind at one resource: its generation and a
 * blob, version 1: a byte 1, then (expiry u64, certificates'
 * hash<0..2^8-1>, StoredData) entries, the certificates kept by hash
 * (ov_certs_take).  Version 0, read too: (expiry u64,
 * certificates<0..2^16-1>, StoredData) entries, no version byte (an
 * expiry's first byte is 0).  An empty blob means the row is gone.
 * ov_held_take_row hands out the next dirty row (free(*blob)); false
 * when none is left.
 */
bool	ov_held_take_row(struct ov_held *, struct ov_id *res, uint32_t *kind,
	    uint64_t *generation, uint8_t **blob, size_t *len);
/* Give a persisted row back; EBADMSG if it does not decode. */
int	ov_held_load(struct ov_held *, const struct ov_id *res, uint32_t kind,
	    uint64_t generation, const uint8_t *blob, size_t len,
	    uint64_t wall_ms);

#endif
