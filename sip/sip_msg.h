/*
 * sip_msg.h - RFC 3261 messages: a strict, bounded parser and a
 * canonical writer.
 *
 * The parser takes bytes from a datagram or a stream (§18.3), keeps its
 * own copy of the message with folded header lines unfolded (§7.3.1),
 * and describes it with views into that copy: the start line, every
 * header (list headers split into one entry per element, compact names
 * known, §7.3.3), the headers every request and response needs (§8.1.1),
 * parsed and checked, and the body.  A message it refuses gets a reason
 * phrase fit for a 400 response.  No I/O.
 */
#ifndef SIP_MSG_H
#define SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_uri.h"

struct wbuf;

enum sip_hdr_id {
	SIP_HDR_OTHER,
	SIP_HDR_ACCEPT,
	SIP_HDR_ALLOW,
	SIP_HDR_AUTHORIZATION,
	SIP_HDR_CALL_ID,
	SIP_HDR_CONTACT,
	SIP_HDR_CONTENT_ENCODING,
	SIP_HDR_CONTENT_LENGTH,
	SIP_HDR_CONTENT_TYPE,
	SIP_HDR_CSEQ,
	SIP_HDR_EVENT,
	SIP_HDR_EXPIRES,
	SIP_HDR_FROM,
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_MIN_EXPIRES,
	SIP_HDR_PATH,
	SIP_HDR_PROXY_AUTHENTICATE,
	SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_PROXY_REQUIRE,
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_REQUIRE,
	SIP_HDR_ROUTE,
	SIP_HDR_SUBJECT,
	SIP_HDR_SUPPORTED,
	SIP_HDR_TO,
	SIP_HDR_UNSUPPORTED,
	SIP_HDR_USER_AGENT,
	SIP_HDR_VIA,
	SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR_NIDS
};

/* The canonical (long) name of a known header; "" for SIP_HDR_OTHER. */
const char *sip_msg_hdr_name(enum sip_hdr_id);

struct sip_hdr {
	enum sip_hdr_id	 id;
	struct sip_pl	 name;		/* as written: compact or long */
	struct sip_pl	 value;		/* one element, LWS trimmed */
};

/* A Via value (§20.42, §18.2.2, RFC 3581). */
struct sip_via {
	struct sip_pl	 transport;	/* "UDP", "TCP", "TLS", ... */
	struct sip_pl	 host;		/* IPv6 without [] */
	bool		 ipv6;
	uint16_t	 port;		/* 0: not given */
	struct sip_pl	 params;
	struct sip_pl	 branch;	/* empty: none */
	struct sip_pl	 received;
	bool		 rport;		/* the parameter is there */
	uint16_t	 rport_value;	/* 0: asked for, no value yet */
};

int	sip_msg_via_parse(struct sip_via *, const struct sip_pl *value);

#define SIP_MSG_MAX_DEFAULT	65535
#define SIP_HDRS_MAX_DEFAULT	128
#define SIP_HDRS_LIMIT		1024

struct sip_limits {
	size_t		 max_len;	/* whole message */
	unsigned	 max_hdrs;	/* header entries, <= SIP_HDRS_LIMIT */
};

/* Its views (struct sip_pl) point into its copies: sip_msg_dup knows
 * every one of them. */
struct sip_msg {
	char		*buf;		/* our copy of the header section:
					   the views point here */
	size_t		 buf_len;
	char		*body_buf;	/* our copy of the body */
	char		*via_buf;	/* the top Via, as amended */
	size_t		 via_buf_len;
	bool		 request;
	/* request line */
	struct sip_pl	 method;
	struct sip_pl	 ruri_str;
	bool		 ruri_sip;	/* a sip: or sips: Request-URI */
	struct sip_uri	 ruri;
	/* status line */
	unsigned	 status;
	struct sip_pl	 reason;
	/* every header, in order */
	struct sip_hdr	*hdrs;
	unsigned	 nhdrs;
	/* §8.1.1: present, unique and parsed */
	struct sip_via	 via;		/* the topmost */
	unsigned	 nvia;
	struct sip_addr	 from, to;
	struct sip_pl	 from_tag, to_tag;	/* empty: none */
	struct sip_pl	 call_id;
	uint32_t	 cseq;
	struct sip_pl	 cseq_method;
	int		 max_forwards;	/* -1: none (a response) */
	int64_t		 expires;	/* the Expires header; -1: none */
	struct sip_pl	 content_type;	/* empty: none */
	struct sip_pl	 body;
};

/*
 * Parse one message from buf[0..len).  stream: a TCP or TLS byte stream,
 * where CRLFs before the start line are skipped (§7.5), Content-Length
 * is required, and a message not all there yet is ENODATA; else one
 * datagram, where a missing Content-Length means the rest of it and
 * bytes past Content-Length are dropped (§18.3).
 * 0: *m is filled (sip_msg_clear frees it) and *used says how many bytes
 * it took.  ENODATA: more bytes are needed (*used: CRLFs skipped).
 * EMSGSIZE: over lim->max_len (a 513, §21.5.14).  EBADMSG: *why says
 * what is wrong, in words fit for a 400's reason phrase.
 * EPROTONOSUPPORT: a request of another SIP version (*why: for a 505,
 * §21.5.6).
 */
int	sip_msg_parse(struct sip_msg *m, const uint8_t *buf, size_t len,
	    bool stream, const struct sip_limits *lim, size_t *used,
	    const char **why);
void	sip_msg_clear(struct sip_msg *);
/*
 * A request received from host:port (§18.2.1, RFC 3581 §4): its top Via
 * gets received=host when its sent-by is another address, or when it
 * asks for rport, which then gets port.  host is an IP literal.
 */
void	sip_msg_via_received(struct sip_msg *, const char *host,
	    uint16_t port);
/* The same, for a request from address a (§18.2.1, RFC 3581). */
struct addr;
void	sip_msg_received(struct sip_msg *, const struct addr *a);
/* A message on the heap (zeroed), and its freeing (NULL: nothing). */
struct sip_msg *sip_msg_new(void);
/*
 * A copy of a parsed message on the heap, its views into its own copies
 * of the bytes: what parsing m's bytes again would give, without the
 * parse.  (A field added to struct sip_msg that points into the bytes
 * must be added to it.)
 */
struct sip_msg *sip_msg_dup(const struct sip_msg *);
void	sip_msg_free(struct sip_msg *);

/* The first header id after *after (NULL: from the start), or NULL. */
const struct sip_hdr *sip_msg_hdr(const struct sip_msg *, enum sip_hdr_id,
	    const struct sip_hdr *after);
/*
 * p2psipd's own header (ICE for SIP): the flow token of the direct flow
 * a request came in on, which the daemon's proxy adds for its UA to see
 * (sip_ua_move.c); one that comes from anywhere else is removed.
 */
#define SIP_HDR_DIRECT_FLOW	"P2PSIP-Flow"
/* Another header by its name (long or compact, any case). */
const struct sip_hdr *sip_msg_hdr_named(const struct sip_msg *,
	    const char *name, const struct sip_hdr *after);

/*
 * The message in canonical form: its start line, every header as
 * "Name: value" (known headers by their long names), a Content-Length
 * for its body, the body.
 */
void	sip_msg_write(struct wbuf *, const struct sip_msg *);

struct rng;
/* A new tag (§19.3: at least 32 random bits) or branch suffix: 16 hex
 * digits from rng, in out (at least 17 bytes). */
void	sip_msg_tag(struct rng *, char *out, size_t max);

/*
 * The start of a response to req (§8.2.6.2): its status line, then the
 * request's Vias (all, in order), From, To (with to_tag added if it has
 * none and to_tag is not NULL), Call-ID and CSeq.  The caller adds more
 * headers and ends it with sip_msg_end.
 */
void	sip_msg_reply(struct wbuf *, const struct sip_msg *req, unsigned status,
	    const char *reason, const char *to_tag);
/* A whole bodiless response to req: sip_msg_reply, one more header
 * (hname NULL: none), sip_msg_end. */
void	sip_msg_status(struct wbuf *, const struct sip_msg *req,
	    unsigned status, const char *reason, const char *to_tag,
	    const char *hname, const char *hvalue);
/* "Name: value" CRLF. */
void	sip_msg_header(struct wbuf *, const char *name, const struct sip_pl *);
/* A header as it was, but a known one under its long name. */
void	sip_msg_header_copy(struct wbuf *, const struct sip_hdr *);
/*
 * A response with status (400, or 505 for EPROTONOSUPPORT) to a request
 * the parser refused (why: its reason phrase), from the raw lines of its
 * Via, From, To, Call-ID and CSeq, as §8.2 asks where it can.  0, or
 * EBADMSG: not a request, or too broken to answer.
 */
int	sip_msg_bad_reply(const uint8_t *, size_t, unsigned status,
	    const char *why, struct wbuf *);
/* Content-Length, the blank line and the body (len 0: none). */
void	sip_msg_end(struct wbuf *, const void *body, size_t len);

#endif
