/*
 * ov_msg.h - RELOAD message codec (RFC 6940 §6.3).
 *
 * A message is a forwarding header, message contents and a security
 * block.  Decoding is zero-copy: the structures point into the caller's
 * buffer, which must outlive them.  Decoding is strict and bounded; a
 * failure returns EBADMSG with the RFC 6940 error code to answer with (or
 * 0 when the message should just be dropped, §6.1).
 */
#ifndef OV_MSG_H
#define OV_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ov_id.h"

struct rbuf;
struct wbuf;

#define OV_RELO_TOKEN		0xd2454c4fu	/* "RELO", high bit set */
#define OV_VERSION		10		/* RELOAD 1.0, times 10 */
#define OV_FRAG_UNFRAGMENTED	0xc0000000u	/* high bit + last, offset 0 */
#define OV_LIST_MAX		128	/* entries in a via/destination list */
#define OV_DEST_DATA_MAX	32	/* longest destination we accept */

/* Message codes (RFC 6940 §14.8). */
enum ov_code {
	OV_PROBE_REQ = 0x01, OV_PROBE_ANS,
	OV_ATTACH_REQ = 0x03, OV_ATTACH_ANS,
	OV_STORE_REQ = 0x07, OV_STORE_ANS,
	OV_FETCH_REQ = 0x09, OV_FETCH_ANS,
	OV_FIND_REQ = 0x0d, OV_FIND_ANS,
	OV_JOIN_REQ = 0x0f, OV_JOIN_ANS,
	OV_LEAVE_REQ = 0x11, OV_LEAVE_ANS,
	OV_UPDATE_REQ = 0x13, OV_UPDATE_ANS,
	OV_ROUTEQUERY_REQ = 0x15, OV_ROUTEQUERY_ANS,
	OV_PING_REQ = 0x17, OV_PING_ANS,
	OV_STAT_REQ = 0x19, OV_STAT_ANS,
	OV_APPATTACH_REQ = 0x1d, OV_APPATTACH_ANS,
	OV_CONFIGUPDATE_REQ = 0x21, OV_CONFIGUPDATE_ANS,
	OV_ERROR = 0xffff,
};

/* Error codes (RFC 6940 §14.9). */
enum ov_error {
	OV_E_FORBIDDEN = 0x02,
	OV_E_NOT_FOUND = 0x03,
	OV_E_REQUEST_TIMEOUT = 0x04,
	OV_E_GENERATION_COUNTER_TOO_LOW = 0x05,
	OV_E_INCOMPATIBLE_WITH_OVERLAY = 0x06,
	OV_E_UNSUPPORTED_FORWARDING_OPTION = 0x07,
	OV_E_DATA_TOO_LARGE = 0x08,
	OV_E_DATA_TOO_OLD = 0x09,
	OV_E_TTL_EXCEEDED = 0x0a,
	OV_E_MESSAGE_TOO_LARGE = 0x0b,
	OV_E_UNKNOWN_KIND = 0x0c,
	OV_E_UNKNOWN_EXTENSION = 0x0d,
	OV_E_RESPONSE_TOO_LARGE = 0x0e,
	OV_E_CONFIG_TOO_OLD = 0x0f,
	OV_E_CONFIG_TOO_NEW = 0x10,
	OV_E_IN_PROGRESS = 0x11,
	OV_E_INVALID_MESSAGE = 0x14,
};

static inline bool
ov_msg_code_is_request(uint16_t code)
{
	return code != OV_ERROR && (code & 1) != 0;
}

/* §6.3.2: the forwarding header's overlay field, the lower 32 bits of
 * SHA-1 of the overlay name. */
uint32_t ov_msg_overlay_hash(const char *name);

/* "ping_req", "error"... for logs and traces. */
const char *ov_msg_code_name(uint16_t);
const char *ov_msg_error_name(uint16_t);
/*
 * What a request's error means, in words, into buf: error as the node's
 * events carry it (an errno, or an RFC error code + 1000), with why, the
 * refusing peer's reason (NULL or "": none given).  Returns buf.
 */
#define OV_ERROR_TEXT_MAX	192
const char *ov_msg_error_text(int error, const char *why, char *buf,
	    size_t max);

/* DestinationType (§6.3.2.2). */
#define OV_DEST_NODE		1
#define OV_DEST_RESOURCE	2
#define OV_DEST_OPAQUE		3

/*
 * data/len is the destination's value: a Node-ID's 16 bytes, a
 * Resource-ID's or opaque id's bytes without their inner length byte.
 * compact marks the 16-bit opaque form (top bit set).
 */
struct ov_dest {
	uint8_t		 type;
	uint8_t		 len;
	bool		 compact;
	const uint8_t	*data;	/* into a message, or at a struct ov_id */
};

/* Forwarding option flags (§6.3.2.3). */
#define OV_OPT_FORWARD_CRITICAL		0x01
#define OV_OPT_DESTINATION_CRITICAL	0x02
#define OV_OPT_RESPONSE_COPY		0x04

struct ov_fwd {
	uint32_t	 overlay;
	uint16_t	 config_seq;
	uint8_t		 version;
	uint8_t		 ttl;
	uint32_t	 fragment;
	uint32_t	 length;
	uint64_t	 tid;
	uint32_t	 max_response_length;
	unsigned	 nvia;
	unsigned	 ndest;
	struct ov_dest	 via[OV_LIST_MAX];
	struct ov_dest	 dest[OV_LIST_MAX];
	const uint8_t	*options;	/* raw ForwardingOption list */
	uint16_t	 options_len;
	uint8_t		 options_flags;	/* OR of all options' flags */
};

/* SignerIdentityType (§6.3.4). */
#define OV_SIGNER_CERT_HASH		1
#define OV_SIGNER_CERT_HASH_NODE_ID	2
#define OV_SIGNER_NONE			3

struct ov_sig {
	uint8_t		 hash_alg;	/* SignatureAndHashAlgorithm */
	uint8_t		 sig_alg;
	const uint8_t	*identity;	/* the whole SignerIdentity */
	size_t		 identity_len;
	uint8_t		 id_type;
	uint8_t		 id_hash_alg;	/* cert_hash(_node_id) */
	const uint8_t	*id_hash;
	uint8_t		 id_hash_len;
	const uint8_t	*value;
	uint16_t	 value_len;
};

/* The Signature structure (§6.3.4); 0 or EBADMSG (and r->err). */
int	ov_msg_sig_decode(struct rbuf *, struct ov_sig *);
/* Without an identity (identity_len 0): SignerIdentity "none". */
void	ov_msg_sig_encode(struct wbuf *, const struct ov_sig *);

struct ov_msg {
	struct ov_fwd	 fwd;
	size_t		 fwd_len;	/* bytes of forwarding header */
	const uint8_t	*contents;	/* MessageContents, as signed */
	size_t		 contents_len;
	uint16_t	 code;
	const uint8_t	*body;
	uint32_t	 body_len;
	bool		 critical_ext;	/* a critical extension (unknown) */
	const uint8_t	*certs;		/* GenericCertificate list */
	uint16_t	 certs_len;
	struct ov_sig	 sig;
	const uint8_t	*raw;
	size_t		 raw_len;
};

/*
 * Decode just the forwarding header of buf (what an intermediate peer
 * looks at, §6.1).  0 with *hdrlen, or EBADMSG with *err.
 */
int	ov_msg_fwd_decode(const uint8_t *buf, size_t len, struct ov_fwd *,
	    size_t *hdrlen, uint16_t *err);

/* Decode a whole message.  0, or EBADMSG with *err (0: just drop). */
int	ov_msg_decode(const uint8_t *buf, size_t len, struct ov_msg *,
	    uint16_t *err);

/* Decode a Destination (also used inside RouteQueryReq). */
int	ov_msg_dest_decode(struct rbuf *, struct ov_dest *);
void	ov_msg_dest_encode(struct wbuf *, const struct ov_dest *);
/* A node or resource destination pointing at id. */
void	ov_msg_dest_node(struct ov_dest *, const struct ov_id *id);
void	ov_msg_dest_resource(struct ov_dest *, const struct ov_id *id);
/* The 128-bit id of a node/resource destination; false otherwise. */
bool	ov_msg_dest_id(const struct ov_dest *, struct ov_id *out);

/*
 * Encode a forwarding header; its length field is patched by
 * ov_msg_finish once the rest has been written.
 */
void	ov_msg_fwd_encode(struct wbuf *, const struct ov_fwd *);
/* Patch the length field (at offset 16) to the buffer's length. */
void	ov_msg_finish(struct wbuf *);

#define OV_USER_MAX	128	/* a user name (rfc822Name), NUL included */

/* Who signed something, as the signing certificate says (§7.3). */
struct ov_signer {
	struct ov_id	 node;		/* the Node-ID it binds */
	char		 user[OV_USER_MAX];	/* its user name; "": none */
	const uint8_t	*cert;		/* the certificate (DER), valid until
					   the next verify call */
	size_t		 cert_len;
	const uint8_t	*issuer;	/* a user's: the node's (DER), as
					   long as cert; NULL: none */
	size_t		 issuer_len;
};

/* The injected signer/verifier (the simulator uses a cheap one). */
struct ov_crypto {
	/* Sign; write at most outmax bytes; return the length (0: fail). */
	size_t	(*sign)(const uint8_t *data, size_t len, uint8_t *out,
		    size_t outmax, void *arg);
	/*
	 * Verify sig over data using the certificates bucket; fill *signer
	 * from the signing certificate.  0, or EBADMSG.
	 */
	int	(*verify)(const struct ov_sig *, const uint8_t *certs,
		    size_t certs_len, const uint8_t *data, size_t len,
		    struct ov_signer *signer, void *arg);
	void		*arg;
	uint8_t		 hash_alg;	/* TLS HashAlgorithm, e.g. sha256(4) */
	uint8_t		 sig_alg;	/* TLS SignatureAlgorithm: ecdsa(3) */
	uint8_t		 id_hash_alg;	/* hash of cert_hash identities */
	const uint8_t	*cert;		/* our certificate, DER */
	size_t		 cert_len;
	const uint8_t	*cert_hash;	/* its hash: our SignerIdentity */
	size_t		 cert_hash_len;
	/*
	 * Optional: the public key of the certificate sig names in the
	 * bucket, as OV_KEY_ID_LEN bytes into out (a digest of its
	 * SubjectPublicKeyInfo).  0, or EBADMSG.  NULL: a signer's key is
	 * told by its certificate's hash (the simulator's certificates are
	 * their keys).
	 */
	int	(*key_id)(const struct ov_sig *, const uint8_t *certs,
		    size_t certs_len, uint8_t *out, void *arg);
};

#define OV_KEY_ID_LEN	32	/* a key's id (key_id): SHA-256 */

#define OV_SIG_MAX	256	/* longest signature value we produce */
#define OV_CERT_X509	0	/* CertificateType x509 (RFC 6091) */

/* One GenericCertificate of a security block's certificates (§6.3.4.1). */
struct ov_cert_item {
	uint8_t		 type;		/* CertificateType */
	const uint8_t	*der;		/* the certificate */
	size_t		 der_len;
	const uint8_t	*entry;		/* the whole entry, type and length */
	size_t		 entry_len;
};

/*
 * Walk a bucket of GenericCertificate entries with r: the next one into
 * *it.  false at the end, or when the rest is malformed (r->err set).
 */
bool	ov_msg_certs_next(struct rbuf *r, struct ov_cert_item *it);

/*
 * Write message contents and a signed security block after a forwarding
 * header already in w, then patch the length.  The signature covers
 * overlay || tid || MessageContents || SignerIdentity (§6.3.4).
 * 0, or EMSGSIZE / EIO (signing failed).
 */
int	ov_msg_sign_encode(struct wbuf *, const struct ov_fwd *, uint16_t code,
	    const uint8_t *body, size_t body_len, const struct ov_crypto *);
/* The same, with more certificates in the bucket (GenericCertificate
 * entries): those of stored values' signers (§6.3.4). */
int	ov_msg_sign_encode_certs(struct wbuf *, const struct ov_fwd *,
	    uint16_t code, const uint8_t *body, size_t body_len,
	    const struct ov_crypto *, const uint8_t *certs, size_t certs_len);

/* Check a decoded message's signature; 0 and *signer, or EBADMSG. */
int	ov_msg_verify(const struct ov_msg *, const struct ov_crypto *,
	    struct ov_id *signer);

/* The bytes a signature covers, for a crypto provider's own tests. */
int	ov_msg_sig_input(const struct ov_msg *, struct wbuf *);

#endif
