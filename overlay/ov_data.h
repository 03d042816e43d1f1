/*
 * ov_data.h - stored data (RFC 6940 §7): Kinds, the three data models,
 * StoredData with its signature (§7.1), and the bodies of Store (§7.4.1),
 * Fetch (§7.4.2), Stat requests (§7.4.3.1, the Fetch body) and Find
 * (§7.4.4).
 *
 * Decoders are strict (every byte accounted for, lengths agree) and
 * bounded (the limits below); they point into the input, which must
 * outlive the result.  They return 0, or EBADMSG with *err set to the
 * RELOAD error code the request deserves (0: just drop).
 */
#ifndef OV_DATA_H
#define OV_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ov_id.h"
#include "ov_msg.h"

struct rbuf;
struct wbuf;

/* Kind-IDs (RFC 6940 §14.6; SIP-REGISTRATION: RFC 7904). */
#define OV_KIND_SIP_REGISTRATION	1
#define OV_KIND_TURN_SERVICE		2
#define OV_KIND_CERT_BY_NODE		3
#define OV_KIND_CERT_BY_USER		16

enum ov_model {
	OV_MODEL_SINGLE = 1,
	OV_MODEL_ARRAY,
	OV_MODEL_DICT,
};

enum ov_policy {			/* §7.3 */
	OV_POLICY_USER_MATCH = 1,
	OV_POLICY_NODE_MATCH,
	OV_POLICY_USER_NODE_MATCH,
	OV_POLICY_NODE_MULTIPLE,
};

struct ov_kind {
	uint32_t	 id;
	const char	*name;
	enum ov_model	 model;
	enum ov_policy	 policy;
	uint32_t	 max_count;	/* values of this Kind per resource */
	uint32_t	 max_size;	/* bytes of one value */
	unsigned	 max_i;		/* NODE-MULTIPLE: H(Node-ID || i) */
};

/* The Kinds this daemon knows, with their default limits. */
extern const struct ov_kind	ov_kinds[];
extern const size_t		ov_nkinds;

const struct ov_kind *ov_kind_find(const struct ov_kind *, size_t n,
	    uint32_t id);
const char	*ov_model_name(enum ov_model);
const char	*ov_policy_name(enum ov_policy);

#define OV_ARRAY_APPEND		0xffffffffu	/* index: at the end */
#define OV_DATA_KINDS_MAX	16	/* Kinds in one request */
#define OV_DATA_VALUES_MAX	1024	/* values of one Kind in a message */
#define OV_DATA_SPECS_MAX	64	/* ranges or keys in one specifier */
#define OV_DATA_REPLICAS_MAX	16	/* replicas named in a StoreAns */

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
 * Access control (§7.3): may the signer write value v of Kind k at
 * resource res?
 */
bool	ov_access_ok(const struct ov_kind *k, const struct ov_id *res,
	    const struct ov_value *v, const struct ov_signer *signer);

/*
 * StoreKindData (§7.4.1.1) and FetchKindResponse (§7.4.2.2) are the same
 * on the wire: a Kind, a generation counter and StoredData values.
 */
struct ov_kind_data {
	uint32_t		 kind;
	const struct ov_kind	*k;
	uint64_t		 generation;
	uint32_t		 nvalues;
	struct ov_stored	*values;	/* owned by the message */
};

/* StoreReq (§7.4.1.1). */
struct ov_store_req {
	struct ov_id		 resource;
	uint8_t			 replica;
	unsigned		 nkinds;
	struct ov_kind_data	 kinds[OV_DATA_KINDS_MAX];
	/* Kinds not in the table: Error_Unknown_Kind lists them. */
	unsigned		 nunknown;
	uint32_t		 unknown[OV_DATA_KINDS_MAX];
};

int	ov_store_req_decode(const uint8_t *, size_t, const struct ov_kind *,
	    size_t nkinds, struct ov_store_req *, uint16_t *err);
void	ov_store_req_encode(struct wbuf *, const struct ov_store_req *);
void	ov_store_req_free(struct ov_store_req *);

/* StoreKindResponse and StoreAns (§7.4.1.2). */
struct ov_store_kind_ans {
	uint32_t	 kind;
	uint64_t	 generation;
	unsigned	 nreplicas;
	struct ov_id	 replicas[OV_DATA_REPLICAS_MAX];
};

struct ov_store_ans {
	unsigned			n;
	struct ov_store_kind_ans	kinds[OV_DATA_KINDS_MAX];
};

int	ov_store_ans_decode(const uint8_t *, size_t, struct ov_store_ans *);
void	ov_store_ans_encode(struct wbuf *, const struct ov_store_ans *);

/* Error_Unknown_Kind's error_info: KindId unknown_kinds<0..2^8-1>. */
void	ov_unknown_kinds_encode(struct wbuf *, const uint32_t *, unsigned);
int	ov_unknown_kinds_decode(const uint8_t *, size_t, uint32_t *,
	    unsigned *n);

/* StoredDataSpecifier and FetchReq / StatReq (§7.4.2.1, §7.4.3.1). */
struct ov_range {
	uint32_t	first, last;
};

struct ov_dkey {
	const uint8_t	*p;
	uint16_t	 len;
};

struct ov_spec {
	uint32_t		 kind;
	const struct ov_kind	*k;		/* NULL: unknown */
	uint64_t		 generation;
	unsigned		 n;		/* ranges or keys */
	struct ov_range		 ranges[OV_DATA_SPECS_MAX];
	struct ov_dkey		 keys[OV_DATA_SPECS_MAX];
};

struct ov_fetch_req {
	struct ov_id	 resource;
	unsigned	 nspecs;
	struct ov_spec	 specs[OV_DATA_KINDS_MAX];
};

int	ov_fetch_req_decode(const uint8_t *, size_t, const struct ov_kind *,
	    size_t nkinds, struct ov_fetch_req *, uint16_t *err);
void	ov_fetch_req_encode(struct wbuf *, const struct ov_fetch_req *);

/* FetchAns (§7.4.2.2). */
struct ov_fetch_ans {
	unsigned		n;
	struct ov_kind_data	kinds[OV_DATA_KINDS_MAX];
};

int	ov_fetch_ans_decode(const uint8_t *, size_t, const struct ov_kind *,
	    size_t nkinds, struct ov_fetch_ans *);
void	ov_fetch_ans_encode(struct wbuf *, const struct ov_fetch_ans *);
void	ov_fetch_ans_free(struct ov_fetch_ans *);

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
void	ov_meta_of(const struct ov_stored *s, struct ov_meta *m);

/* StatKindResponse and StatAns (§7.4.3.2). */
struct ov_stat_kind {
	uint32_t		 kind;
	const struct ov_kind	*k;
	uint64_t		 generation;
	uint32_t		 nvalues;
	struct ov_meta		*values;
};

struct ov_stat_ans {
	unsigned		n;
	struct ov_stat_kind	kinds[OV_DATA_KINDS_MAX];
};

int	ov_stat_ans_decode(const uint8_t *, size_t, const struct ov_kind *,
	    size_t nkinds, struct ov_stat_ans *);
void	ov_stat_ans_encode(struct wbuf *, const struct ov_stat_ans *);
void	ov_stat_ans_free(struct ov_stat_ans *);

/*
 * SipRegistration (RFC 7904 §3): the value of a SIP-REGISTRATION
 * dictionary entry, keyed by the registering node's Node-ID.  Either a
 * contact URI, or contact preferences (RFC 3840) and a destination list
 * through the overlay to the node that takes the calls.
 */
#define OV_SIPREG_URI		1
#define OV_SIPREG_ROUTE		2
#define OV_SIPREG_DEST_MAX	8

struct ov_sipreg {
	uint8_t		 type;
	const uint8_t	*uri;		/* URI; ROUTE: contact_prefs */
	uint16_t	 uri_len;
	unsigned	 ndest;		/* ROUTE */
	struct ov_dest	 dest[OV_SIPREG_DEST_MAX];
};

/* 0, or EBADMSG (an unknown type too: it cannot be used). */
int	ov_sipreg_decode(const uint8_t *, size_t, struct ov_sipreg *);
void	ov_sipreg_encode(struct wbuf *, const struct ov_sipreg *);

/* FindReq and FindAns (§7.4.4). */
struct ov_find_req {
	struct ov_id	 resource;
	unsigned	 n;
	uint32_t	 kinds[OV_DATA_KINDS_MAX];
};

struct ov_find_ans {
	unsigned	 n;
	uint32_t	 kinds[OV_DATA_KINDS_MAX];
	struct ov_id	 closest[OV_DATA_KINDS_MAX];	/* zero: none */
};

int	ov_find_req_decode(const uint8_t *, size_t, struct ov_find_req *,
	    uint16_t *err);
void	ov_find_req_encode(struct wbuf *, const struct ov_find_req *);
int	ov_find_ans_decode(const uint8_t *, size_t, struct ov_find_ans *);
void	ov_find_ans_encode(struct wbuf *, const struct ov_find_ans *);

#endif
