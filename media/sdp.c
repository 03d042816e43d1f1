/*
 * sdp.c - SDP (RFC 8866) parser and writer.
 *
 * The parser walks the description a line at a time, holds it to §5's
 * order (session lines, then media sections) and keeps what the UA core
 * uses; every other line type it knows is checked for form and
 * skipped.  Offer/answer is in sdp_oa.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "hex.h"
#include "sdp.h"
#include "wire.h"

/* A view of part of the input. */
struct sdp_pl {
	const char	*p;
	size_t		 l;
};

static bool
pl_eq(const struct sdp_pl *pl, const char *s)
{
	return pl->l == strlen(s) && memcmp(pl->p, s, pl->l) == 0;
}

/* The next space-separated token of *rest (§9: fields are separated by
 * one space; runs of them are taken as one). false: none left. */
static bool
pl_token(struct sdp_pl *rest, struct sdp_pl *tok)
{
	while (rest->l > 0 && *rest->p == ' ') {
		rest->p++;
		rest->l--;
	}
	if (rest->l == 0)
		return false;
	tok->p = rest->p;
	while (rest->l > 0 && *rest->p != ' ') {
		rest->p++;
		rest->l--;
	}
	tok->l = (size_t)(rest->p - tok->p);
	return true;
}

/* Copy into a field of size max: false if it does not fit or is empty. */
static bool
pl_copy(char *dst, size_t max, const struct sdp_pl *pl)
{
	if (pl->l == 0 || pl->l >= max)
		return false;
	memcpy(dst, pl->p, pl->l);
	dst[pl->l] = '\0';
	return true;
}

/* Decimal digits only, at most max. */
static bool
pl_u64(const struct sdp_pl *pl, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (pl->l == 0 || pl->l > 20)
		return false;
	for (i = 0; i < pl->l; i++) {
		unsigned d = (unsigned char)pl->p[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* Split at the first c: head before, *pl after.  false: no c. */
static bool
pl_split(struct sdp_pl *pl, char c, struct sdp_pl *head)
{
	const char	*x = memchr(pl->p, c, pl->l);

	if (x == NULL)
		return false;
	head->p = pl->p;
	head->l = (size_t)(x - pl->p);
	pl->l -= head->l + 1;
	pl->p = x + 1;
	return true;
}

const char *
sdp_dir_name(enum sdp_dir d)
{
	switch (d) {
	case SDP_SENDONLY:
		return "sendonly";
	case SDP_RECVONLY:
		return "recvonly";
	case SDP_INACTIVE:
		return "inactive";
	default:
		return "sendrecv";
	}
}

/* RFC 3551 §6: the static audio payload types a peer may leave without
 * an rtpmap. */
static void
sdp_static_pt(struct sdp_fmt *f)
{
	static const struct {
		unsigned	 pt;
		const char	*name;
	} st[] = {		/* all with an 8000 Hz clock */
		{ 0, "PCMU" }, { 3, "GSM" }, { 4, "G723" }, { 8, "PCMA" },
		{ 9, "G722" }, { 13, "CN" }, { 18, "G729" },
	};
	size_t	i;

	for (i = 0; i < sizeof st / sizeof st[0]; i++)
		if (st[i].pt == f->pt) {
			snprintf(f->name, sizeof f->name, "%s", st[i].name);
			f->rate = 8000;
			f->channels = 1;
		}
}

/* "IN IP4 addr" or "IN IP6 addr" (with an optional /ttl... suffix of a
 * multicast c=, dropped). */
static const char *
sdp_conn(struct sdp_pl *v, char *addr, bool *ipv6, bool origin)
{
	struct sdp_pl	nt, at, a, head;

	if (!pl_token(v, &nt) || !pl_token(v, &at) || !pl_token(v, &a) ||
	    pl_token(v, &head))
		return "wrong number of fields";
	if (!pl_eq(&nt, "IN"))
		return "network type is not IN";
	if (pl_eq(&at, "IP4"))
		*ipv6 = false;
	else if (pl_eq(&at, "IP6"))
		*ipv6 = true;
	else
		return "address type is not IP4 or IP6";
	if (!origin && pl_split(&a, '/', &head))
		a = head;
	if (!pl_copy(addr, SDP_ADDR_MAX, &a))
		return "address empty or too long";
	return NULL;
}

static const char *
sdp_origin(struct sdp *s, struct sdp_pl v)
{
	struct sdp_pl	user, id, ver;

	if (!pl_token(&v, &user) || !pl_token(&v, &id) || !pl_token(&v, &ver))
		return "o=: wrong number of fields";
	if (!pl_copy(s->user, sizeof s->user, &user))
		return "o=: user name too long";
	if (!pl_u64(&id, UINT64_MAX, &s->sess_id) ||
	    !pl_u64(&ver, UINT64_MAX, &s->version))
		return "o=: session id or version not a 64-bit number";
	if (sdp_conn(&v, s->origin, &s->origin_ipv6, true) != NULL)
		return "o=: bad network address";
	return NULL;
}

static bool
sdp_is_rtp(const char *proto)
{
	return strstr(proto, "RTP/") != NULL;
}

static struct sdp_fmt *
sdp_fmt_of(struct sdp_media *m, struct sdp_pl *pt)
{
	uint64_t	n;
	unsigned	i;

	if (!pl_u64(pt, 127, &n))
		return NULL;
	for (i = 0; i < m->nfmts; i++)
		if (m->fmts[i].pt == n)
			return &m->fmts[i];
	return NULL;
}

static const char *
sdp_mline(struct sdp_media *m, struct sdp_pl v)
{
	struct sdp_pl	type, port, proto, fmt, head;
	uint64_t	n;

	if (!pl_token(&v, &type) || !pl_token(&v, &port) ||
	    !pl_token(&v, &proto))
		return "m=: wrong number of fields";
	if (!pl_copy(m->type, sizeof m->type, &type) ||
	    !pl_copy(m->proto, sizeof m->proto, &proto))
		return "m=: media type or protocol too long";
	if (pl_split(&port, '/', &head)) {
		/* §5.14: a port count; we use one stream per m= line */
		if (!pl_u64(&port, 65535, &n) || n == 0)
			return "m=: bad port count";
		port = head;
	}
	if (!pl_u64(&port, 65535, &n))
		return "m=: bad port";
	m->port = (uint16_t)n;
	m->nfmts = 0;
	if (!pl_token(&v, &fmt))
		return "m=: no format";
	/* not RTP: the first format, if it fits (a control stream's
	 * "sip", sdp_control.c); the rest are kept for nothing */
	if (!sdp_is_rtp(m->proto)) {
		(void)pl_copy(m->fmt0, sizeof m->fmt0, &fmt);
		return NULL;
	}
	do {
		if (m->nfmts == SDP_MAX_FMTS)
			return "m=: too many formats";
		if (!pl_u64(&fmt, 127, &n))
			return "m=: RTP payload type not 0-127";
		if (sdp_fmt_of(m, &fmt) != NULL)
			return "m=: payload type listed twice";
		m->fmts[m->nfmts].pt = (unsigned)n;
		sdp_static_pt(&m->fmts[m->nfmts]);
		m->nfmts++;
	} while (pl_token(&v, &fmt));
	return NULL;
}

/* a=rtpmap:<pt> <name>/<rate>[/<channels>] (§6.6) */
static const char *
sdp_rtpmap(struct sdp_media *m, struct sdp_pl v)
{
	struct sdp_pl	pt, name, rate, head;
	struct sdp_fmt	*f, tmp;
	uint64_t	n;

	if (!pl_token(&v, &pt) || !pl_token(&v, &rate) || pl_token(&v, &head))
		return "a=rtpmap: wrong number of fields";
	if (!pl_split(&rate, '/', &name))
		return "a=rtpmap: no clock rate";
	f = sdp_fmt_of(m, &pt);
	if (f == NULL)
		f = &tmp;	/* §6.6: for a format not listed, ignored */
	if (!pl_copy(f->name, sizeof f->name, &name))
		return "a=rtpmap: encoding name too long";
	f->channels = 1;
	if (pl_split(&rate, '/', &head)) {
		if (!pl_u64(&rate, 255, &n) || n == 0)
			return "a=rtpmap: bad channel count";
		f->channels = (unsigned)n;
		rate = head;
	}
	if (!pl_u64(&rate, UINT32_MAX, &n) || n == 0)
		return "a=rtpmap: bad clock rate";
	f->rate = (uint32_t)n;
	return NULL;
}

/* a=fmtp:<pt> <parameters> (§6.15) */
static const char *
sdp_fmtp(struct sdp_media *m, struct sdp_pl v)
{
	struct sdp_pl	pt;
	struct sdp_fmt	*f;

	if (!pl_split(&v, ' ', &pt))
		return "a=fmtp: no parameters";
	if ((f = sdp_fmt_of(m, &pt)) == NULL)
		return NULL;
	if (!pl_copy(f->fmtp, sizeof f->fmtp, &v))
		return "a=fmtp: parameters empty or too long";
	return NULL;
}

/*
 * a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
 * (RFC 4568 §9.1).  key-params: inline:<key||salt>[|lifetime][|MKI:len],
 * several joined by ';'.
 */
static const char *
sdp_crypto(struct sdp_media *m, struct sdp_pl v)
{
	struct sdp_crypto *c;
	struct sdp_pl	 tag, suite, keys, key, head;
	char		 b64[SDP_KEY_MAX * 2];
	uint8_t		 raw[SDP_KEY_MAX * 2];
	uint64_t	 n;
	int		 len;
	size_t		 pad = 0;

	if (m->ncrypto == SDP_MAX_CRYPTO)
		return "a=crypto: too many";
	c = &m->crypto[m->ncrypto];
	memset(c, 0, sizeof *c);
	if (!pl_token(&v, &tag) || !pl_token(&v, &suite) ||
	    !pl_token(&v, &keys))
		return "a=crypto: wrong number of fields";
	if (!pl_u64(&tag, 999999999, &n))
		return "a=crypto: bad tag";
	c->tag = (unsigned)n;
	if (!pl_copy(c->suite, sizeof c->suite, &suite))
		return "a=crypto: suite too long";
	c->usable = !pl_token(&v, &head);	/* no session parameters */
	if (pl_split(&keys, ';', &head)) {
		c->usable = false;	/* several keys */
		keys = head;
	}
	if (keys.l < 7 || memcmp(keys.p, "inline:", 7) != 0)
		return "a=crypto: key method is not inline";
	keys.p += 7;
	keys.l -= 7;
	key = keys;
	if (pl_split(&keys, '|', &head)) {
		key = head;
		/* a lifetime alone is fine; an MKI we do not do */
		if (memchr(keys.p, ':', keys.l) != NULL)
			c->usable = false;
	}
	if (key.l == 0 || key.l % 4 != 0 || key.l >= sizeof b64)
		return "a=crypto: key is not base64 of a usable length";
	memcpy(b64, key.p, key.l);
	b64[key.l] = '\0';
	if ((len = EVP_DecodeBlock(raw, (const unsigned char *)b64,
	    (int)key.l)) < 0)
		return "a=crypto: key is not base64";
	while (pad < 2 && b64[key.l - 1 - pad] == '=')
		pad++;
	len -= (int)pad;
	if (len <= 0 || (size_t)len > sizeof c->key)
		return "a=crypto: key too long";
	memcpy(c->key, raw, (size_t)len);
	c->key_len = (size_t)len;
	m->ncrypto++;
	return NULL;
}

static const char ICE_CHARS[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *const CAND_TYPES[] = { "host", "srflx", "prflx",
    "relay" };

const char *
sdp_cand_type_name(enum sdp_cand_type t)
{
	return (unsigned)t < 4 ? CAND_TYPES[t] : "?";
}

/* 1 to max ice-chars (RFC 8839 §5.1) into out. */
static bool
pl_ice_chars(const struct sdp_pl *v, size_t min, size_t max, char *out)
{
	size_t	i;

	if (v->l < min || v->l > max)
		return false;
	for (i = 0; i < v->l; i++)
		if (strchr(ICE_CHARS, v->p[i]) == NULL || v->p[i] == '\0')
			return false;
	memcpy(out, v->p, v->l);
	out[v->l] = '\0';
	return true;
}

/* An address as a candidate gives it: an IP literal or an FQDN, kept as
 * text (the UA resolves none: a name is unusable there). */
static bool
pl_cand_addr(const struct sdp_pl *v, char *out)
{
	size_t	i;

	if (!pl_copy(out, SDP_ADDR_MAX, v))
		return false;
	for (i = 0; i < v->l; i++)
		if (strchr("0123456789abcdefABCDEF.:-"
		    "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ", v->p[i]) ==
		    NULL)
			return false;
	return true;
}

/*
 * a=candidate (RFC 8839 §5.1): foundation component transport priority
 * address port "typ" type ["raddr" address] ["rport" port] *(name value).
 * Skipped, not refused: a transport other than UDP, a type not known,
 * candidates beyond SDP_MAX_CANDS.
 */
static const char *
sdp_candidate(struct sdp_media *m, struct sdp_pl v)
{
	struct sdp_cand	 c;
	struct sdp_pl	 f, comp, tp, prio, addr, port, typ, type, name, val;
	uint64_t	 n;
	unsigned	 i;

	memset(&c, 0, sizeof c);
	if (!pl_token(&v, &f) || !pl_token(&v, &comp) || !pl_token(&v, &tp) ||
	    !pl_token(&v, &prio) || !pl_token(&v, &addr) ||
	    !pl_token(&v, &port) || !pl_token(&v, &typ) ||
	    !pl_token(&v, &type) || !pl_eq(&typ, "typ"))
		return "a=candidate: too few fields";
	if (!pl_ice_chars(&f, 1, SDP_FOUNDATION_MAX, c.foundation))
		return "a=candidate: bad foundation";
	if (!pl_u64(&comp, 256, &n) || n == 0)
		return "a=candidate: bad component";
	c.component = (unsigned)n;
	if (!pl_u64(&prio, 2147483647, &n) || n == 0)
		return "a=candidate: bad priority";
	c.priority = (uint32_t)n;
	if (!pl_cand_addr(&addr, c.addr))
		return "a=candidate: bad address";
	if (!pl_u64(&port, 65535, &n))
		return "a=candidate: bad port";
	c.port = (uint16_t)n;
	while (pl_token(&v, &name)) {
		if (!pl_token(&v, &val))
			return "a=candidate: an extension without a value";
		if (pl_eq(&name, "raddr")) {
			if (!pl_cand_addr(&val, c.raddr))
				return "a=candidate: bad raddr";
		} else if (pl_eq(&name, "rport")) {
			if (!pl_u64(&val, 65535, &n))
				return "a=candidate: bad rport";
			c.rport = (uint16_t)n;
		}
	}
	if (tp.l != 3 || strncasecmp(tp.p, "UDP", 3) != 0)
		return NULL;		/* §5.1: a transport we do not do */
	for (i = 0; i < 4 && !pl_eq(&type, CAND_TYPES[i]); i++)
		;
	if (i == 4 || m->ncands == SDP_MAX_CANDS)
		return NULL;
	c.type = (enum sdp_cand_type)i;
	if (c.raddr[0] == '\0')
		c.rport = 0;
	m->cands[m->ncands++] = c;
	return NULL;
}

/* a=fingerprint:<hash-func> <XX:XX:...> (RFC 8122 §5) */
static const char *
sdp_fingerprint(char *hash, uint8_t *fp, size_t *fp_len, struct sdp_pl v)
{
	struct sdp_pl	h, hex, rest;
	size_t		i, n = 0;

	if (!pl_token(&v, &h) || !pl_token(&v, &hex) || pl_token(&v, &rest))
		return "a=fingerprint: wrong number of fields";
	if (h.l == 0 || h.l >= 16)
		return "a=fingerprint: hash name too long";
	for (i = 0; i < h.l; i++)
		hash[i] = (char)(h.p[i] >= 'A' && h.p[i] <= 'Z' ?
		    h.p[i] - 'A' + 'a' : h.p[i]);
	hash[h.l] = '\0';
	if ((hex.l + 1) % 3 != 0 || (hex.l + 1) / 3 > SDP_FP_MAX)
		return "a=fingerprint: bad length";
	for (i = 0; i < hex.l; i += 3) {
		if ((i + 2 < hex.l && hex.p[i + 2] != ':') ||
		    hex_decode(hex.p + i, 1, &fp[n]) != 0)
			return "a=fingerprint: not hex bytes joined by ':'";
		n++;
	}
	*fp_len = n;
	return NULL;
}

static const char *
sdp_setup(enum sdp_setup *s, const struct sdp_pl *v)
{
	if (pl_eq(v, "actpass"))
		*s = SDP_SETUP_ACTPASS;
	else if (pl_eq(v, "active"))
		*s = SDP_SETUP_ACTIVE;
	else if (pl_eq(v, "passive"))
		*s = SDP_SETUP_PASSIVE;
	else if (pl_eq(v, "holdconn"))
		*s = SDP_SETUP_HOLDCONN;
	else
		return "a=setup: unknown role";
	return NULL;
}

static bool
sdp_dir_of(const struct sdp_pl *name, enum sdp_dir *d)
{
	static const enum sdp_dir all[] = { SDP_SENDRECV, SDP_SENDONLY,
	    SDP_RECVONLY, SDP_INACTIVE };
	size_t	i;

	for (i = 0; i < 4; i++)
		if (pl_eq(name, sdp_dir_name(all[i]))) {
			*d = all[i];
			return true;
		}
	return false;
}

/*
 * The session level's c=, direction, fingerprint and setup, which media
 * sections inherit, are parsed into a section of their own; for each
 * section, which of the inherited fields its own lines gave.
 */
struct sdp_given {
	bool		 addr;
	bool		 dir;
};

/* An a= line of section m (the session's, if session). */
static const char *
sdp_attr(struct sdp_media *m, struct sdp_given *g, bool session,
    struct sdp_pl v)
{
	struct sdp_pl	 name = v, val = { "", 0 };
	enum sdp_dir	 d;
	uint64_t	 n;

	if (pl_split(&v, ':', &name))
		val = v;
	if (name.l == 0)
		return "a=: no attribute name";
	if (sdp_dir_of(&name, &d)) {
		m->dir = d;
		g->dir = true;
		return NULL;
	}
	if (pl_eq(&name, "fingerprint"))
		return sdp_fingerprint(m->fp_hash, m->fp, &m->fp_len, val);
	if (pl_eq(&name, "setup"))
		return sdp_setup(&m->setup, &val);
	/* RFC 8839 §5.4: at session or media level */
	if (pl_eq(&name, "ice-ufrag"))
		return pl_ice_chars(&val, 4, SDP_ICE_MAX, m->ice_ufrag) ? NULL :
		    "a=ice-ufrag: not 4 to 256 ice-chars";
	if (pl_eq(&name, "ice-pwd"))
		return pl_ice_chars(&val, 22, SDP_ICE_MAX, m->ice_pwd) ? NULL :
		    "a=ice-pwd: not 22 to 256 ice-chars";
	if (session) {
		if (pl_eq(&name, "ice-lite"))
			m->ice_lite = true;	/* §5.3 */
		return NULL;		/* §5.13: others are ignored */
	}
	if (pl_eq(&name, "candidate"))
		return sdp_candidate(m, val);
	if (pl_eq(&name, "end-of-candidates")) {
		m->end_of_cands = true;
		return NULL;
	}
	if (pl_eq(&name, "rtpmap"))
		return sdp_rtpmap(m, val);
	if (pl_eq(&name, "fmtp"))
		return sdp_fmtp(m, val);
	if (pl_eq(&name, "crypto"))
		return sdp_crypto(m, val);
	if (pl_eq(&name, "rtcp-mux")) {
		m->rtcp_mux = true;
		return NULL;
	}
	if (pl_eq(&name, "rtcp")) {
		struct sdp_pl port;

		if (!pl_token(&val, &port) || !pl_u64(&port, 65535, &n) ||
		    n == 0)
			return "a=rtcp: bad port";
		m->rtcp_port = (uint16_t)n;
		return NULL;
	}
	if (pl_eq(&name, "ptime")) {
		if (!pl_u64(&val, 1000, &n) || n == 0)
			return "a=ptime: not 1-1000 ms";
		m->ptime = (unsigned)n;
		return NULL;
	}
	return NULL;
}

/*
 * §5's order.  Session: v o s i? u? e* p* c? b* (t r*)+ z? k? a*; media:
 * m i? c? b* k? a*.  Each line type's rank; a line may not come after
 * one of a higher rank, and the types marked once may not repeat.
 */
static const char SESS_ORDER[] = "vosiuepcbtrzka";
static const char SESS_ONCE[] = "vosiuczk";
static const char MEDIA_ORDER[] = "micbka";
static const char MEDIA_ONCE[] = "mick";

static const char *
sdp_line(struct sdp *s, struct sdp_media *sess, struct sdp_given *given,
    char type, struct sdp_pl v, int *rank, uint32_t *seen, bool *media)
{
	const char	*order = *media ? MEDIA_ORDER : SESS_ORDER;
	const char	*once = *media ? MEDIA_ONCE : SESS_ONCE;
	const char	*x;
	struct sdp_media *m;
	int		 r;

	if (type == 'm') {
		if (s->nmedia == SDP_MAX_MEDIA)
			return "too many m= lines";
		*media = true;
		*rank = 0;
		*seen = 1u << ('m' - 'a');
		m = &s->media[s->nmedia++];
		memset(m, 0, sizeof *m);
		return sdp_mline(m, v);
	}
	if ((x = strchr(order, type)) == NULL)
		return *media ? "line type not allowed in a media section" :
		    "unknown line type";
	r = (int)(x - order);
	if (r < *rank && !(type == 't' && *rank == 10))
		return "line out of order";
	if (type == 'r' && *rank != 9 && *rank != 10)
		return "r= not after t=";
	if (strchr(once, type) != NULL && (*seen & (1u << (type - 'a'))))
		return "line type repeated";
	*seen |= 1u << (type - 'a');
	*rank = r;
	m = *media ? &s->media[s->nmedia - 1] : sess;
	given += *media ? s->nmedia : 0;
	switch (type) {
	case 'v':
		return pl_eq(&v, "0") ? NULL : "v= is not 0";
	case 'o':
		return sdp_origin(s, v);
	case 's':
		if (v.l == 0)
			return "s= empty";	/* §5.3: "-" if none */
		if (!pl_copy(s->name, sizeof s->name, &v))
			snprintf(s->name, sizeof s->name, "-");
		return NULL;
	case 'c':
		given->addr = true;
		return sdp_conn(&v, m->addr, &m->ipv6, false) == NULL ?
		    NULL : "c=: bad connection data";
	case 't': {
		struct sdp_pl	a, b, c;
		uint64_t	n;

		if (!pl_token(&v, &a) || !pl_token(&v, &b) ||
		    pl_token(&v, &c) || !pl_u64(&a, UINT64_MAX, &n) ||
		    !pl_u64(&b, UINT64_MAX, &n))
			return "t=: not two times";
		return NULL;
	}
	case 'a':
		return sdp_attr(m, given, !*media, v);
	default:
		return NULL;	/* i u e p b r z k: form only */
	}
}

/* What a media section inherits from the session (§5.7, RFC 8122 §5,
 * RFC 4145 §4); a section with no c= at all is refused (§5.7). */
static const char *
sdp_inherit(struct sdp_media *m, const struct sdp_media *sess,
    const struct sdp_given *g)
{
	if (!g->addr) {
		if (sess->addr[0] == '\0')
			return "m= section without c=, none at session level";
		memcpy(m->addr, sess->addr, sizeof m->addr);
		m->ipv6 = sess->ipv6;
	}
	if (!g->dir)
		m->dir = sess->dir;
	if (m->fp_hash[0] == '\0' && sess->fp_hash[0] != '\0') {
		memcpy(m->fp_hash, sess->fp_hash, sizeof m->fp_hash);
		memcpy(m->fp, sess->fp, sizeof m->fp);
		m->fp_len = sess->fp_len;
	}
	if (m->setup == SDP_SETUP_NONE)
		m->setup = sess->setup;
	if (m->ice_ufrag[0] == '\0')
		memcpy(m->ice_ufrag, sess->ice_ufrag, sizeof m->ice_ufrag);
	if (m->ice_pwd[0] == '\0')
		memcpy(m->ice_pwd, sess->ice_pwd, sizeof m->ice_pwd);
	m->ice_lite = sess->ice_lite;
	return NULL;
}

int
sdp_parse(struct sdp *s, const char *buf, size_t len, const char **why)
{
	struct sdp_media sess;
	struct sdp_given given[1 + SDP_MAX_MEDIA];	/* [0]: session */
	const char	*p = buf, *end = buf + len, *nl, *err = NULL;
	int		 rank = 0;
	uint32_t	 seen = 0;
	bool		 media = false;
	unsigned	 i, lines = 0;

	memset(s, 0, sizeof *s);
	memset(&sess, 0, sizeof sess);
	memset(given, 0, sizeof given);
	if (len > SDP_MAX_LEN) {
		*why = "SDP too long";
		return EBADMSG;
	}
	if (len == 0 || memchr(buf, '\0', len) != NULL) {
		*why = len == 0 ? "SDP empty" : "SDP holds a NUL byte";
		return EBADMSG;
	}
	while (p < end) {
		struct sdp_pl	v;
		size_t		l;
		char		type;

		nl = memchr(p, '\n', (size_t)(end - p));
		l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l > SDP_MAX_LINE) {
			err = "SDP line too long";
			break;
		}
		if (l < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z' ||
		    memchr(p, '\r', l) != NULL) {
			/* §5: a trailing empty line is tolerated */
			if (l == 0 && (nl == NULL || nl + 1 == end))
				break;
			err = "SDP line is not <type>=<value>";
			break;
		}
		type = p[0];
		v.p = p + 2;
		v.l = l - 2;
		if ((lines == 0 && type != 'v') || (lines == 1 && type != 'o') ||
		    (lines == 2 && type != 's')) {
			err = "SDP does not begin with v=, o=, s=";
			break;
		}
		if (type == 'm' && !media && !(seen & (1u << ('t' - 'a')))) {
			err = "SDP has no t= line";
			break;
		}
		if ((err = sdp_line(s, &sess, given, type, v, &rank, &seen,
		    &media)) != NULL)
			break;
		lines++;
		p = nl != NULL ? nl + 1 : end;
	}
	if (err == NULL && lines < 3)
		err = "SDP does not begin with v=, o=, s=";
	if (err == NULL && !media && !(seen & (1u << ('t' - 'a'))))
		err = "SDP has no t= line";
	for (i = 0; err == NULL && i < s->nmedia; i++)
		err = sdp_inherit(&s->media[i], &sess, &given[1 + i]);
	s->ice_lite = sess.ice_lite;
	if (err != NULL) {
		*why = err;
		return EBADMSG;
	}
	return 0;
}

static void
sdp_write_fp(struct wbuf *w, const char *hash, const uint8_t *fp, size_t n)
{
	size_t	i;

	wbuf_printf(w, "a=fingerprint:%s ", hash);
	for (i = 0; i < n; i++)
		wbuf_printf(w, "%s%02X", i ? ":" : "", fp[i]);
	wbuf_printf(w, "\r\n");
}

static const char *
sdp_setup_name(enum sdp_setup s)
{
	static const char *const names[] = { "", "actpass", "active",
	    "passive", "holdconn" };

	return names[s];
}

void
sdp_write_cand(struct wbuf *w, const struct sdp_cand *c)
{
	wbuf_printf(w, "a=candidate:%s %u UDP %" PRIu32 " %s %u typ %s",
	    c->foundation, c->component, c->priority, c->addr, c->port,
	    sdp_cand_type_name(c->type));
	if (c->raddr[0] != '\0')
		wbuf_printf(w, " raddr %s rport %u", c->raddr, c->rport);
	wbuf_printf(w, "\r\n");
}

static void
sdp_write_media(struct wbuf *w, const struct sdp_media *m)
{
	char		 b64[SDP_KEY_MAX * 2];
	unsigned	 i;

	wbuf_printf(w, "m=%s %u %s", m->type, m->port, m->proto);
	for (i = 0; i < m->nfmts; i++)
		wbuf_printf(w, " %u", m->fmts[i].pt);
	if (m->nfmts == 0)		/* not RTP: its first format */
		wbuf_printf(w, " %s", m->fmt0[0] != '\0' ? m->fmt0 : "*");
	wbuf_printf(w, "\r\nc=IN %s %s\r\n", m->ipv6 ? "IP6" : "IP4",
	    m->addr);
	for (i = 0; i < m->nfmts; i++) {
		const struct sdp_fmt *f = &m->fmts[i];

		if (f->name[0] == '\0' || f->rate == 0)
			continue;
		wbuf_printf(w, "a=rtpmap:%u %s/%" PRIu32, f->pt, f->name,
		    f->rate);
		if (f->channels > 1)
			wbuf_printf(w, "/%u", f->channels);
		wbuf_printf(w, "\r\n");
		if (f->fmtp[0] != '\0')
			wbuf_printf(w, "a=fmtp:%u %s\r\n", f->pt, f->fmtp);
	}
	if (m->ptime != 0)
		wbuf_printf(w, "a=ptime:%u\r\n", m->ptime);
	if (m->rtcp_port != 0)
		wbuf_printf(w, "a=rtcp:%u\r\n", m->rtcp_port);
	if (m->rtcp_mux)
		wbuf_printf(w, "a=rtcp-mux\r\n");
	wbuf_printf(w, "a=%s\r\n", sdp_dir_name(m->dir));
	for (i = 0; i < m->ncrypto; i++) {
		const struct sdp_crypto *c = &m->crypto[i];

		EVP_EncodeBlock((unsigned char *)b64, c->key, (int)c->key_len);
		wbuf_printf(w, "a=crypto:%u %s inline:%s\r\n", c->tag,
		    c->suite, b64);
	}
	if (m->fp_hash[0] != '\0')
		sdp_write_fp(w, m->fp_hash, m->fp, m->fp_len);
	if (m->setup != SDP_SETUP_NONE)
		wbuf_printf(w, "a=setup:%s\r\n", sdp_setup_name(m->setup));
	if (m->ice_ufrag[0] != '\0')
		wbuf_printf(w, "a=ice-ufrag:%s\r\n", m->ice_ufrag);
	if (m->ice_pwd[0] != '\0')
		wbuf_printf(w, "a=ice-pwd:%s\r\n", m->ice_pwd);
	for (i = 0; i < m->ncands; i++)
		sdp_write_cand(w, &m->cands[i]);
	if (m->end_of_cands)
		wbuf_printf(w, "a=end-of-candidates\r\n");
}

void
sdp_write(struct wbuf *w, const struct sdp *s)
{
	unsigned	i;

	wbuf_printf(w, "v=0\r\no=%s %" PRIu64 " %" PRIu64 " IN %s %s\r\n"
	    "s=%s\r\nt=0 0\r\n", s->user[0] ? s->user : "-", s->sess_id,
	    s->version, s->origin_ipv6 ? "IP6" : "IP4", s->origin,
	    s->name[0] ? s->name : "-");
	if (s->ice_lite)
		wbuf_printf(w, "a=ice-lite\r\n");
	for (i = 0; i < s->nmedia; i++)
		sdp_write_media(w, &s->media[i]);
}
