/*
 * sdp.h - session descriptions (RFC 8866): a strict, bounded parser, a
 * writer, and the offer/answer model (RFC 3264) for the UA core's one
 * audio stream: RTP (RFC 3550) with PCMU or PCMA at 8000 Hz and
 * telephone-event (RFC 4733), plain or SRTP, keyed by SDES (RFC 4568)
 * or DTLS-SRTP (RFC 5763, RFC 5764).
 *
 * A description is parsed into a fixed-size struct: nothing is
 * allocated, every field is bounded, and input that does not fit is
 * refused with a reason fit for a 400's reason phrase.  No I/O; the
 * randomness offers need (session id, SDES keys) comes from the caller.
 */
#ifndef SDP_H
#define SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sdp_ice;
struct wbuf;

#define SDP_MAX_LEN	16384	/* a description, in bytes */
#define SDP_MAX_LINE	1024	/* one line */
#define SDP_MAX_MEDIA	8	/* m= sections */
#define SDP_MAX_FMTS	32	/* formats in one m= line */
#define SDP_MAX_CRYPTO	8	/* a=crypto lines in one m= section */
#define SDP_ADDR_MAX	64	/* an address (IP literal or FQDN) */
#define SDP_TOKEN_MAX	32	/* a user name, media type, proto, suite */
#define SDP_FP_MAX	64	/* a fingerprint's bytes (SHA-512) */
#define SDP_KEY_MAX	64	/* an SDES key||salt's bytes */
#define SDP_MAX_CANDS	12	/* a=candidate lines kept, a section */
#define SDP_ICE_MAX	256	/* ice-ufrag, ice-pwd (RFC 8839 §5.4) */
#define SDP_FOUNDATION_MAX 32	/* RFC 8839 §5.1 */

enum sdp_dir {
	SDP_SENDRECV,
	SDP_SENDONLY,
	SDP_RECVONLY,
	SDP_INACTIVE,
};

/* RFC 4145 §4, RFC 5763 §5: who opens the DTLS association. */
enum sdp_setup {
	SDP_SETUP_NONE,
	SDP_SETUP_ACTPASS,
	SDP_SETUP_ACTIVE,
	SDP_SETUP_PASSIVE,
	SDP_SETUP_HOLDCONN,
};

struct sdp_fmt {
	unsigned	 pt;		/* payload type, 0..127 */
	char		 name[SDP_TOKEN_MAX];	/* encoding (rtpmap, or
						   RFC 3551's static one) */
	uint32_t	 rate;		/* clock rate; 0: unknown */
	unsigned	 channels;
	char		 fmtp[128];	/* a=fmtp parameters, or "" */
};

/* RFC 8839 §5.1's candidate types. */
enum sdp_cand_type {
	SDP_CAND_HOST,
	SDP_CAND_SRFLX,
	SDP_CAND_PRFLX,
	SDP_CAND_RELAY,
};

/* One a=candidate line (RFC 8839 §5.1) of transport UDP. */
struct sdp_cand {
	char		 foundation[SDP_FOUNDATION_MAX + 1];
	unsigned	 component;	/* 1..256 */
	uint32_t	 priority;	/* 1..2^31-1 */
	char		 addr[SDP_ADDR_MAX];	/* IP literal or FQDN */
	uint16_t	 port;
	enum sdp_cand_type type;
	char		 raddr[SDP_ADDR_MAX];	/* "": none */
	uint16_t	 rport;
};

/* One a=crypto line (RFC 4568 §9.1). */
struct sdp_crypto {
	unsigned	 tag;
	char		 suite[SDP_TOKEN_MAX];
	uint8_t		 key[SDP_KEY_MAX];	/* master key || salt */
	size_t		 key_len;
	/* Only one key, no MKI, no session parameters: what we can use
	 * (§6.1: an answerer skips crypto lines it cannot use). */
	bool		 usable;
};

struct sdp_media {
	char		 type[SDP_TOKEN_MAX];	/* "audio", ... */
	uint16_t	 port;		/* 0: rejected or disabled */
	char		 proto[SDP_TOKEN_MAX];	/* "RTP/AVP", ... */
	struct sdp_fmt	 fmts[SDP_MAX_FMTS];
	unsigned	 nfmts;
	char		 fmt0[SDP_TOKEN_MAX];	/* not RTP: its first format
						   ("": too long) */
	char		 addr[SDP_ADDR_MAX];	/* its c=, or the session's */
	bool		 ipv6;
	enum sdp_dir	 dir;		/* its own, or the session's */
	bool		 rtcp_mux;	/* a=rtcp-mux (RFC 5761) */
	uint16_t	 rtcp_port;	/* a=rtcp (RFC 3605); 0: port + 1 */
	unsigned	 ptime;		/* ms; 0: not given */
	struct sdp_crypto crypto[SDP_MAX_CRYPTO];
	unsigned	 ncrypto;
	char		 fp_hash[16];	/* a=fingerprint's hash, lowercase;
					   "": none (its own or the
					   session's) */
	uint8_t		 fp[SDP_FP_MAX];
	size_t		 fp_len;
	enum sdp_setup	 setup;		/* its own, or the session's */
	/* ICE (RFC 8839): its own credentials, or the session's ("": none);
	 * the UDP candidates (the first SDP_MAX_CANDS; other transports and
	 * unknown types are skipped, §5.1) */
	char		 ice_ufrag[SDP_ICE_MAX + 1];
	char		 ice_pwd[SDP_ICE_MAX + 1];
	struct sdp_cand	 cands[SDP_MAX_CANDS];
	unsigned	 ncands;
	bool		 end_of_cands;	/* a=end-of-candidates */
	bool		 ice_lite;	/* the session's a=ice-lite */
};

struct sdp {
	char		 user[SDP_TOKEN_MAX];	/* o= */
	uint64_t	 sess_id;
	uint64_t	 version;
	char		 origin[SDP_ADDR_MAX];
	bool		 origin_ipv6;
	char		 name[SDP_TOKEN_MAX];	/* s= */
	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned	 nmedia;
	bool		 ice_lite;	/* a=ice-lite (RFC 8839 §5.3) */
};

const char *sdp_cand_type_name(enum sdp_cand_type);

/* A description's attribute name for a direction, and back. */
const char *sdp_dir_name(enum sdp_dir);

/*
 * Parse buf[0..len) (§5: lines end in CRLF, or LF alone).  0 and *s
 * filled, or EBADMSG and *why (a static string naming what is wrong).
 * Unknown attributes are ignored (§5.13); an unknown line type, a line
 * out of §5's order, a field out of range or too long for its field
 * here is refused (but a long s=, which nothing uses, reads as "-").
 */
int	sdp_parse(struct sdp *s, const char *buf, size_t len, const char **why);

/* The description as text, lines ending in CRLF. */
void	sdp_write(struct wbuf *, const struct sdp *);
/* One a=candidate line (RFC 8839 §5.1), CRLF and all. */
void	sdp_write_cand(struct wbuf *, const struct sdp_cand *);

/*
 * A media relay's edit of a description (sdp_edit.c): text, as parsed
 * into s, again with stream idx (an m= line) moved to addr (an IP
 * literal; ipv6) and port: its c= and the session's and its port
 * replaced, its ICE lines and the session's (RFC 8839 §5) and its
 * a=rtcp dropped, and ice's (NULL: none) and a=rtcp-mux (mux, if it
 * had none) added.  Every other line stays as it was.  0, or EMSGSIZE
 * (w is full).
 */
int	sdp_edit_stream(struct wbuf *w, const char *text, size_t len,
	    const struct sdp *s, unsigned idx, const char *addr, bool ipv6,
	    uint16_t port, const struct sdp_ice *ice, bool mux);
/* The first audio stream with a port (an index of s->media), or -1. */
int	sdp_audio_stream(const struct sdp *s);


/*
 * Offer/answer (RFC 3264) for one audio stream.
 */
enum sdp_srtp_policy {
	SDP_SRTP_OFF,		/* plain RTP only */
	SDP_SRTP_OFFER,		/* SRTP when the peer can, else plain */
	SDP_SRTP_REQUIRE,	/* SRTP or no call */
};

enum sdp_keying {
	SDP_KEYING_NONE,	/* plain RTP */
	SDP_KEYING_SDES,	/* RFC 4568 */
	SDP_KEYING_DTLS,	/* RFC 5763/5764 */
};

enum sdp_codec {
	SDP_PCMU,		/* RFC 3551 payload type 0 */
	SDP_PCMA,		/* payload type 8 */
};

/* A side's ICE (RFC 8839): credentials and candidates. */
struct sdp_ice {
	char		 ufrag[SDP_ICE_MAX + 1];
	char		 pwd[SDP_ICE_MAX + 1];
	struct sdp_cand	 cands[SDP_MAX_CANDS];
	unsigned	 ncands;
};

/* The default candidate (RFC 8445 §5.1.4): the one most likely to work
 * for a peer that does no ICE: relayed, else server-reflexive, else
 * host; of component 1.  NULL: none. */
const struct sdp_cand *sdp_ice_default(const struct sdp_ice *);

/* What this side brings to a negotiation. */
struct sdp_local {
	const char		*addr;		/* RTP address, IP literal */
	uint16_t		 port;		/* RTP port (RTCP: port + 1) */
	uint64_t		 sess_id;
	uint64_t		 version;
	enum sdp_dir		 dir;
	enum sdp_srtp_policy	 srtp;
	/* SDES carries keys in the clear in SDP: only where the signalling
	 * is TLS on every hop (RFC 4568 §8.3). */
	bool			 sdes_ok;
	uint8_t			 sdes_key[30];	/* AES_CM_128 key || salt,
						   fresh per offer/answer */
	/* Our DTLS certificate's fingerprint (RFC 8122): SHA-256. */
	uint8_t			 fp[32];
	bool			 fp_set;	/* false: no DTLS-SRTP */
	int			 te_pt;		/* telephone-event payload
						   type we offer; -1: none */
	/* ICE (RFC 8839): ours, offered or answered (addr and port are
	 * then the default candidate's, RFC 8445 §5.1.4); NULL: none */
	const struct sdp_ice	*ice;
};

/* What a negotiation settled for the stream. */
struct sdp_stream {
	char		 addr[SDP_ADDR_MAX];	/* the peer's RTP address */
	bool		 ipv6;
	uint16_t	 port;		/* 0: the stream was rejected */
	uint16_t	 rtcp_port;	/* the peer's RTCP port */
	bool		 rtcp_mux;
	enum sdp_codec	 codec;
	unsigned	 pt;		/* its payload type (static) */
	int		 te_pt;		/* telephone-event, -1: none */
	uint16_t	 te_events;	/* the DTMF events (bit n: event n,
					   0-15) its a=fmtp says the peer
					   takes (RFC 4733 §2.5.1.1) */
	unsigned	 ptime;		/* the peer's, or 20 */
	enum sdp_dir	 dir;		/* our side's direction */
	enum sdp_keying	 keying;
	/* SDES: the suite, the key we send with and the peer's. */
	char		 suite[SDP_TOKEN_MAX];
	uint8_t		 tx_key[30];
	uint8_t		 rx_key[30];
	/* DTLS: the peer's fingerprint, and whether we are the DTLS
	 * client (setup:active, RFC 5763 §5). */
	uint8_t		 peer_fp[32];
	bool		 dtls_client;
	/* ICE: both sides gave credentials and a candidate for RTP (RFC
	 * 8839 §4.2); the peer's.  Else media goes to addr and port, and
	 * comes from wherever the peer sends (RFC 4961). */
	bool		 ice;
	bool		 ice_controlling;	/* RFC 8445 §6.1.1: the offerer,
						   unless it is lite */
	struct sdp_ice	 peer_ice;
};

/* An offer: one audio m= line with PCMU, PCMA and telephone-event. */
void	sdp_oa_offer(struct sdp *, const struct sdp_local *);

/*
 * Answer offer (RFC 3264 §6): the first audio stream we can take is
 * accepted, every other m= line is rejected with port 0.  0: *ans and
 * *st are set.  ENOTSUP: nothing acceptable (a 488, *why says what);
 * EBADMSG: the offer cannot be used (a 400, *why).
 */
int	sdp_oa_answer(struct sdp *ans, struct sdp_stream *st,
	    const struct sdp *offer, const struct sdp_local *,
	    const char **why);

/*
 * The offerer reads the answer to its offer (RFC 3264 §7).  0: *st is
 * set; ENOTSUP: the answer rejected the stream or chose what we did not
 * offer (*why); EBADMSG: it is not an answer to offer (*why).
 */
int	sdp_oa_accept(struct sdp_stream *st, const struct sdp *offer,
	    const struct sdp *ans, const struct sdp_local *,
	    const char **why);

/*
 * ICE for SIP (draft-lowekamp-p2psip-ice-for-sip §3): a control stream,
 * "m=control PORT UDP/DTLS sip", offered in a re-INVITE of a dialog
 * that runs through the overlay, carries the ICE credentials and
 * candidates of a direct path for the dialog's SIP, and the DTLS
 * certificate's fingerprint and role that secure it (RFC 5763 §5, over
 * the dialog's signed path).  The draft's text is not at hand: the
 * protocol name UDP/DTLS (SIP over DTLS on the pair ICE finds) is
 * p2psipd's reading of it.
 */
#define SDP_CONTROL_PROTO	"UDP/DTLS"
struct sdp_control {
	unsigned	 idx;		/* its m= line */
	uint16_t	 port;		/* the default candidate's */
	char		 addr[SDP_ADDR_MAX];
	struct sdp_ice	 ice;		/* component 1's candidates */
	uint8_t		 fp[32];	/* SHA-256 */
	enum sdp_setup	 setup;
};
/*
 * s's control stream: 0 and *c; ENOENT: none, or one rejected (port 0);
 * EBADMSG and *why (fit for a 488's reason): one that cannot be used: of
 * another protocol or format, without ICE credentials or a candidate for
 * component 1, without a SHA-256 fingerprint or a setup role, or more
 * than one.
 */
int	sdp_control_of(const struct sdp *s, struct sdp_control *c,
	    const char **why);

#endif
