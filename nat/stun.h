/*
 * stun.h - STUN messages (RFC 8489): a strict, bounded parser that keeps
 * attributes as views into the datagram, a builder that writes messages
 * with MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT, the credential keys
 * of §9, and the Binding answer of a server without credentials (the
 * RFC 5626 §8 keep-alive usage, RFC 8489 §12 basic server).  No I/O, no
 * clock, no randomness: a client brings its own transaction id.
 */
#ifndef STUN_H
#define STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr;
struct wbuf;

#define STUN_HDR_LEN		20
#define STUN_MAGIC		0x2112A442u
#define STUN_TID_LEN		12
#define STUN_MAX_ATTRS		64	/* more is refused as malformed */
#define STUN_MAX_LEN		(STUN_HDR_LEN + 65532)	/* 16-bit length */
#define STUN_FP_XOR		0x5354554eu	/* §14.7 */
#define STUN_MI_LEN		20	/* HMAC-SHA1, §14.5 */
#define STUN_MI256_LEN		32	/* HMAC-SHA256, §14.6 */
#define STUN_KEY_MAX		256
/* §14.3, §14.8-§14.10, §14.14: fewer than 128 characters, which a
 * receiver must take up to 763 bytes long. */
#define STUN_TEXT_MAX		763

/* Message classes (§5). */
#define STUN_REQUEST		0
#define STUN_INDICATION		1
#define STUN_SUCCESS		2
#define STUN_ERROR		3

/* Methods (§18.2; TURN's, RFC 8656 §17). */
#define STUN_BINDING		0x001
#define STUN_ALLOCATE		0x003
#define STUN_REFRESH		0x004
#define STUN_SEND		0x006
#define STUN_DATA		0x007
#define STUN_CREATE_PERMISSION	0x008
#define STUN_CHANNEL_BIND	0x009

/* Attribute types (§18.3; ICE's from RFC 8445 §16.1, TURN's XOR
 * addresses from RFC 8656 §18). */
#define STUN_A_MAPPED_ADDRESS		0x0001
#define STUN_A_USERNAME			0x0006
#define STUN_A_MESSAGE_INTEGRITY	0x0008
#define STUN_A_ERROR_CODE		0x0009
#define STUN_A_UNKNOWN_ATTRIBUTES	0x000A
#define STUN_A_CHANNEL_NUMBER		0x000C	/* RFC 8656 §18 */
#define STUN_A_LIFETIME			0x000D
#define STUN_A_XOR_PEER_ADDRESS		0x0012
#define STUN_A_DATA			0x0013
#define STUN_A_REALM			0x0014
#define STUN_A_NONCE			0x0015
#define STUN_A_XOR_RELAYED_ADDRESS	0x0016
#define STUN_A_REQUESTED_ADDRESS_FAMILY	0x0017
#define STUN_A_EVEN_PORT		0x0018
#define STUN_A_REQUESTED_TRANSPORT	0x0019
#define STUN_A_DONT_FRAGMENT		0x001A
#define STUN_A_RESERVATION_TOKEN	0x0022
#define STUN_A_MESSAGE_INTEGRITY_SHA256	0x001C
#define STUN_A_PASSWORD_ALGORITHM	0x001D
#define STUN_A_USERHASH			0x001E
#define STUN_A_XOR_MAPPED_ADDRESS	0x0020
#define STUN_A_PRIORITY			0x0024
#define STUN_A_USE_CANDIDATE		0x0025
#define STUN_A_PASSWORD_ALGORITHMS	0x8002
#define STUN_A_ALTERNATE_DOMAIN		0x8003
#define STUN_A_SOFTWARE			0x8022
#define STUN_A_ALTERNATE_SERVER		0x8023
#define STUN_A_FINGERPRINT		0x8028
#define STUN_A_ICE_CONTROLLED		0x8029
#define STUN_A_ICE_CONTROLLING		0x802A
/* RFC 5780 §7: NAT behaviour discovery.  CHANGE-REQUEST is
 * comprehension-required and not in stun_attr_known: this project's
 * server cannot answer from another address, so such a request gets 420
 * (RFC 5780 §7.2) rather than a misleading answer. */
#define STUN_A_CHANGE_REQUEST		0x0003
#define STUN_A_RESPONSE_ORIGIN		0x802B
#define STUN_A_OTHER_ADDRESS		0x802C
#define STUN_CHANGE_IP			0x04	/* CHANGE-REQUEST flags */
#define STUN_CHANGE_PORT		0x02

/* Password algorithms (§18.5). */
#define STUN_PWALG_MD5		0x0001
#define STUN_PWALG_SHA256	0x0002

/* One attribute: a view into the message parsed. */
struct stun_attr {
	uint16_t	 type;
	uint16_t	 len;		/* of the value, padding excluded */
	const uint8_t	*val;
	size_t		 off;		/* of its header in the message */
};

/*
 * A parsed message.  attrs holds, in order, the attributes a receiver
 * processes: those after MESSAGE-INTEGRITY other than
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and those after
 * MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT, are left out (§9).
 * Everything points into the buffer given to stun_parse, which must
 * outlive the message.
 */
struct stun_msg {
	const uint8_t	*buf;
	size_t		 len;		/* STUN_HDR_LEN + the length field */
	uint16_t	 method;	/* 12 bits */
	uint8_t		 cls;		/* STUN_REQUEST... */
	uint8_t		 tid[STUN_TID_LEN];
	struct stun_attr attrs[STUN_MAX_ATTRS];
	unsigned	 nattrs;
	/* Copies of the integrity and fingerprint attributes (also in
	 * attrs); val is NULL when the message has none. */
	struct stun_attr mi, mi256, fp;
	/* Comprehension-required types this codec does not know (§6.3),
	 * each once, in order of appearance. */
	uint16_t	 unknown[STUN_MAX_ATTRS];
	unsigned	 nunknown;
};

/*
 * RFC 7983 §7 / RFC 5626 §8 demultiplexing: the datagram has the two
 * leading zero bits, the magic cookie, and a length field that is a
 * multiple of 4 and accounts for exactly the bytes after the header.
 */
bool	stun_is_message(const uint8_t *, size_t);

/*
 * Parse one whole message (a datagram): the header checks of §5 and the
 * attribute layout of §14: each attribute inside the message, padded to
 * 4 bytes, at most STUN_MAX_ATTRS of them, FINGERPRINT last and 4 bytes
 * long, MESSAGE-INTEGRITY 20 bytes, MESSAGE-INTEGRITY-SHA256 16 to 32 in
 * steps of 4.  Attribute values are not decoded here (stun_get_*).
 * Neither FINGERPRINT nor integrity is verified here.  0, or EBADMSG.
 */
int	stun_parse(struct stun_msg *, const uint8_t *, size_t);
/* The first processed attribute of this type (§14: duplicates may be
 * ignored), or NULL. */
const struct stun_attr *stun_attr_find(const struct stun_msg *, uint16_t);
/* Types this codec decodes or an agent of this project reads (§18.3,
 * RFC 8445 §16.1); others in 0x0000-0x7FFF make a 420 (§6.3.1). */
bool	stun_attr_known(uint16_t);
/* The 16-bit message type of method and class (§5, Figure 3). */
uint16_t stun_type(uint16_t method, uint8_t cls);

/*
 * Decoding of the known attributes; each takes the first of its type and
 * returns 0, ENOENT when the message has none, or EBADMSG when its value
 * is malformed.
 *
 * stun_get_addr: MAPPED-ADDRESS and ALTERNATE-SERVER (§14.1, §14.15),
 * RESPONSE-ORIGIN and OTHER-ADDRESS (RFC 5780 §7.3, §7.4) as they are, XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS
 * (§14.2) un-XORed with the cookie and transaction id; EINVAL for any
 * other type.
 */
int	stun_get_addr(const struct stun_msg *, uint16_t type, struct addr *);
/*
 * USERNAME, REALM, NONCE, SOFTWARE (at most STUN_TEXT_MAX bytes) and
 * ALTERNATE-DOMAIN (at most 255): a view, not NUL-terminated, not
 * checked to be UTF-8.  EINVAL for any other type.
 */
int	stun_get_text(const struct stun_msg *, uint16_t type, const char **,
	    size_t *len);
/* ERROR-CODE (§14.8): code 300-699 and a view of the reason phrase. */
int	stun_get_error(const struct stun_msg *, unsigned *code,
	    const char **reason, size_t *len);
/* UNKNOWN-ATTRIBUTES (§14.13): up to max types; *n is how many there
 * are (more than max: only max written). */
int	stun_get_unknown(const struct stun_msg *, uint16_t *types, size_t max,
	    size_t *n);
/* USERHASH (§14.4): a view of its 32 bytes. */
int	stun_get_userhash(const struct stun_msg *, const uint8_t **);
/* PASSWORD-ALGORITHM (§14.12): the algorithm and a view of its
 * parameters. */
int	stun_get_password_alg(const struct stun_msg *, uint16_t *alg,
	    const uint8_t **params, size_t *plen);
/* PASSWORD-ALGORITHMS (§14.11): up to max algorithm numbers (their
 * parameters skipped); *n is how many there are. */
int	stun_get_password_algs(const struct stun_msg *, uint16_t *algs,
	    size_t max, size_t *n);

/*
 * A key for MESSAGE-INTEGRITY(-SHA256).  Wipe it with stun_key_clear.
 */
struct stun_key {
	uint8_t		b[STUN_KEY_MAX];
	size_t		len;
};

/*
 * OpaqueString (RFC 8265 §4.2) as this project applies it to a password,
 * user name or realm from its own config: only printable ASCII (0x20-0x7E)
 * is accepted, which the profile leaves unchanged.  Deviation
 * from RFC 8265 §4.2: no Unicode (width mapping, NFC), so such strings
 * are refused rather than prepared.
 */
bool	stun_opaque_ok(const char *);
/* §9.1.1: the short-term key is the password itself; EINVAL when it is
 * empty, longer than STUN_KEY_MAX or not stun_opaque_ok. */
int	stun_key_short(struct stun_key *, const char *password);
/*
 * §9.2.2, §18.5.1: the long-term key, MD5 or SHA-256 of
 * username ":" realm ":" password, trailing NULs of each removed.  The
 * inputs are bytes already prepared (a user name as taken from USERNAME,
 * RFC 5769 §2.4's SASLprep'd strings): apply stun_opaque_ok to what
 * comes from config.  0, EINVAL for another algorithm, or EIO when
 * OpenSSL fails.
 */
int	stun_key_long(struct stun_key *, uint16_t alg, const void *user,
	    size_t ulen, const void *realm, size_t rlen, const void *password,
	    size_t plen);
void	stun_key_clear(struct stun_key *);

/* §7, §14.7: the message has a FINGERPRINT and its CRC is right. */
bool	stun_check_fingerprint(const struct stun_msg *);
/*
 * §14.5, §14.6: the MESSAGE-INTEGRITY (HMAC-SHA1) or
 * MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, possibly truncated) under key.
 * 0, ENOENT when the message has none, EACCES when it does not match,
 * EINVAL for an empty key, or EIO when OpenSSL fails.
 */
int	stun_check_integrity(const struct stun_msg *, const struct stun_key *);
int	stun_check_integrity_sha256(const struct stun_msg *,
	    const struct stun_key *);

/*
 * Writing a message into a wbuf, after what it holds.  begin writes the
 * header; each attribute is appended with its padding (bytes of value
 * pad, zero unless a test must reproduce another's bytes) and the length
 * field kept right; integrity and fingerprint come last, in that order.
 * end says whether all went well: 0, EMSGSIZE (the wbuf's maximum or the
 * 16-bit length was reached), or EINVAL (a value too long or of a wrong
 * size, an attribute after FINGERPRINT or an integrity attribute, an
 * address of no family, an empty key).
 */
struct stun_builder {
	struct wbuf	*w;
	size_t		 start;		/* of the header in w */
	uint8_t		 tid[STUN_TID_LEN];
	uint8_t		 pad;
	int		 err;
	bool		 mi, mi256, fp;	/* written */
};

void	stun_build_begin(struct stun_builder *, struct wbuf *, uint16_t method,
	    uint8_t cls, const uint8_t tid[STUN_TID_LEN]);
void	stun_build_attr(struct stun_builder *, uint16_t type, const void *,
	    size_t);
/* MAPPED-ADDRESS and ALTERNATE-SERVER plain, the XOR-* types XORed. */
void	stun_build_addr(struct stun_builder *, uint16_t type,
	    const struct addr *);
/* ERROR-CODE 300-699 with a reason (fewer than 128 bytes here). */
void	stun_build_error(struct stun_builder *, unsigned code,
	    const char *reason);
void	stun_build_unknown(struct stun_builder *, const uint16_t *, size_t n);
/* MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 (full 32 bytes), and
 * FINGERPRINT, with the length field as §14.5-§14.7 say. */
void	stun_build_integrity(struct stun_builder *, const struct stun_key *);
void	stun_build_integrity_sha256(struct stun_builder *,
	    const struct stun_key *);
void	stun_build_fingerprint(struct stun_builder *);
int	stun_build_end(struct stun_builder *);

/*
 * The answer of a STUN server without credentials on a port shared with
 * SIP (RFC 5626 §8, RFC 8489 §6.3, §12) to the datagram req that came
 * from `from': a Binding request gets a success response with
 * XOR-MAPPED-ADDRESS of from, SOFTWARE (when software is not NULL) and
 * FINGERPRINT; one with unknown comprehension-required attributes gets
 * a 420 error response with UNKNOWN-ATTRIBUTES.  The response is
 * appended to out.  Returns 0, or why nothing is to be sent:
 *   EBADMSG	not a well-formed STUN message, or a wrong FINGERPRINT
 *		(§6.3: silently discarded);
 *   ENOMSG	a Binding indication, a keep-alive that needs no answer
 *		(§6.3.2), also one with unknown attributes;
 *   ENOTSUP	a response (this server has no transactions), or a method
 *		other than Binding (§6.3: discarded);
 *   EINVAL	from has no address family, or software is 128 bytes or
 *		longer;
 *   EMSGSIZE	out has no room (out->err is then set).
 */
int	stun_binding_answer(const uint8_t *req, size_t len,
	    const struct addr *from, const char *software, struct wbuf *out);

#endif
