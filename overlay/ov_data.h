/*
 * ov_data.h - the bodies of the storage methods (RFC 6940 §7.4): Store
 * (§7.4.1), Fetch (§7.4.2), Stat (§7.4.3; its request is the Fetch body)
 * and Find (§7.4.4), and the SIP-REGISTRATION value (RFC 7904 §3).  The
 * Kinds are in ov_kind.h, StoredData in ov_stored.h.
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

#include "addr.h"
#include "ov_id.h"
#include "ov_kind.h"
#include "ov_msg.h"
#include "ov_stored.h"

struct rbuf;
struct wbuf;

#define OV_DATA_KINDS_MAX	16	/* Kinds in one request */
#define OV_DATA_VALUES_MAX	1024	/* values of one Kind in a message */
#define OV_DATA_SPECS_MAX	64	/* ranges or keys in one specifier */
#define OV_DATA_REPLICAS_MAX	16	/* replicas named in a StoreAns */

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

int	ov_data_store_req_decode(const uint8_t *, size_t,
	    const struct ov_kind *, size_t nkinds, struct ov_store_req *,
	    uint16_t *err);
void	ov_data_store_req_encode(struct wbuf *, const struct ov_store_req *);
void	ov_data_store_req_free(struct ov_store_req *);

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

int	ov_data_store_ans_decode(const uint8_t *, size_t,
	    struct ov_store_ans *);
void	ov_data_store_ans_encode(struct wbuf *, const struct ov_store_ans *);

/* Error_Unknown_Kind's error_info: KindId unknown_kinds<0..2^8-1>. */
void	ov_data_unknown_kinds_encode(struct wbuf *, const uint32_t *, unsigned);
int	ov_data_unknown_kinds_decode(const uint8_t *, size_t, uint32_t *,
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

int	ov_data_fetch_req_decode(const uint8_t *, size_t,
	    const struct ov_kind *, size_t nkinds, struct ov_fetch_req *,
	    uint16_t *err);
void	ov_data_fetch_req_encode(struct wbuf *, const struct ov_fetch_req *);

/* FetchAns (§7.4.2.2). */
struct ov_fetch_ans {
	unsigned		n;
	struct ov_kind_data	kinds[OV_DATA_KINDS_MAX];
};

int	ov_data_fetch_ans_decode(const uint8_t *, size_t,
	    const struct ov_kind *, size_t nkinds, struct ov_fetch_ans *);
void	ov_data_fetch_ans_encode(struct wbuf *, const struct ov_fetch_ans *);
void	ov_data_fetch_ans_free(struct ov_fetch_ans *);

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

int	ov_data_stat_ans_decode(const uint8_t *, size_t,
	    const struct ov_kind *, size_t nkinds, struct ov_stat_ans *);
void	ov_data_stat_ans_encode(struct wbuf *, const struct ov_stat_ans *);
void	ov_data_stat_ans_free(struct ov_stat_ans *);

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
int	ov_data_sipreg_decode(const uint8_t *, size_t, struct ov_sipreg *);
void	ov_data_sipreg_encode(struct wbuf *, const struct ov_sipreg *);

/* TurnServer (§9): a TURN-SERVICE value. */
struct ov_turn_server {
	uint8_t		 iteration;	/* d, 1..turn-density */
	struct addr	 addr;		/* server_address */
};

/* 0, or EBADMSG (an address of an unknown type too). */
int	ov_data_turn_server_decode(const uint8_t *, size_t,
	    struct ov_turn_server *);
void	ov_data_turn_server_encode(struct wbuf *,
	    const struct ov_turn_server *);

/*
 * ProxyPeer: a SIP-PROXY-PEER value (ov_kind.h): where the proxy peer
 * takes SIP over TLS from the overlay's peers,
 *
 *     struct { IpAddressPort sip_tls; } ProxyPeer;
 *
 * its certificate binding the Node-ID the value is stored under.
 */
struct ov_proxy_peer {
	struct addr	 sip_tls;
};

/* 0, or EBADMSG (an address of an unknown type, or port 0, too). */
int	ov_data_proxy_peer_decode(const uint8_t *, size_t,
	    struct ov_proxy_peer *);
void	ov_data_proxy_peer_encode(struct wbuf *, const struct ov_proxy_peer *);

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

int	ov_data_find_req_decode(const uint8_t *, size_t, struct ov_find_req *,
	    uint16_t *err);
void	ov_data_find_req_encode(struct wbuf *, const struct ov_find_req *);
int	ov_data_find_ans_decode(const uint8_t *, size_t, struct ov_find_ans *);
void	ov_data_find_ans_encode(struct wbuf *, const struct ov_find_ans *);

#endif
