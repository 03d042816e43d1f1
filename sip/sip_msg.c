/*
 * sip_msg.c - RFC 3261 message parsing and writing: the start line
 * (§7.1, §7.2), header fields (§7.3: folding, lists, compact forms),
 * framing (§18.3: Content-Length), and the checks of §8.1.1 on the
 * headers every message carries (Via, From, To, Call-ID, CSeq and, in
 * requests, Max-Forwards).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "rng.h"
#include "sip_msg.h"
#include "wire.h"
#include "xmalloc.h"

/*
 * Long names, compact forms (§7.3.3, §20), whether a list (split at its
 * commas), and whether it may be empty (§25.1: Accept, Allow, Supported).
 */
static const struct {
	const char	*name;
	char		 compact;
	bool		 list;
	bool		 empty_ok;
} sip_hdrs[SIP_HDR_NIDS] = {
	[SIP_HDR_OTHER]			= { "", 0, false, true },
	[SIP_HDR_ACCEPT]		= { "Accept", 0, true, true },
	[SIP_HDR_ALLOW]			= { "Allow", 0, true, true },
	[SIP_HDR_AUTHORIZATION]		= { "Authorization", 0, false, false },
	[SIP_HDR_CALL_ID]		= { "Call-ID", 'i', false, false },
	[SIP_HDR_CONTACT]		= { "Contact", 'm', true, false },
	[SIP_HDR_CONTENT_ENCODING]	= { "Content-Encoding", 'e', true, false },
	[SIP_HDR_CONTENT_LENGTH]	= { "Content-Length", 'l', false, false },
	[SIP_HDR_CONTENT_TYPE]		= { "Content-Type", 'c', false, false },
	[SIP_HDR_CSEQ]			= { "CSeq", 0, false, false },
	[SIP_HDR_EVENT]			= { "Event", 'o', false, false },
	[SIP_HDR_EXPIRES]		= { "Expires", 0, false, false },
	[SIP_HDR_FROM]			= { "From", 'f', false, false },
	[SIP_HDR_MAX_FORWARDS]		= { "Max-Forwards", 0, false, false },
	[SIP_HDR_MIN_EXPIRES]		= { "Min-Expires", 0, false, false },
	[SIP_HDR_PATH]			= { "Path", 0, true, false },
	[SIP_HDR_PROXY_AUTHENTICATE]	= { "Proxy-Authenticate", 0, false, false },
	[SIP_HDR_PROXY_AUTHORIZATION]	= { "Proxy-Authorization", 0, false, false },
	[SIP_HDR_PROXY_REQUIRE]		= { "Proxy-Require", 0, true, false },
	[SIP_HDR_RECORD_ROUTE]		= { "Record-Route", 0, true, false },
	[SIP_HDR_REQUIRE]		= { "Require", 0, true, false },
	[SIP_HDR_ROUTE]			= { "Route", 0, true, false },
	[SIP_HDR_SUBJECT]		= { "Subject", 's', false, true },
	[SIP_HDR_SUPPORTED]		= { "Supported", 'k', true, true },
	[SIP_HDR_TO]			= { "To", 't', false, false },
	[SIP_HDR_UNSUPPORTED]		= { "Unsupported", 0, true, false },
	[SIP_HDR_USER_AGENT]		= { "User-Agent", 0, false, true },
	[SIP_HDR_VIA]			= { "Via", 'v', true, false },
	[SIP_HDR_WWW_AUTHENTICATE]	= { "WWW-Authenticate", 0, false, false },
};

const char *
sip_msg_hdr_name(enum sip_hdr_id id)
{
	return id < SIP_HDR_NIDS ? sip_hdrs[id].name : "";
}

static enum sip_hdr_id
sip_hdr_lookup(const struct sip_pl *name)
{
	unsigned	i;

	if (name->l == 0)
		return SIP_HDR_OTHER;
	for (i = 1; i < SIP_HDR_NIDS; i++) {
		if (((name->p[0] | 0x20) == (sip_hdrs[i].name[0] | 0x20) &&
		    sip_pl_caseeq(name, sip_hdrs[i].name)) ||
		    (name->l == 1 && sip_hdrs[i].compact != 0 &&
		    (name->p[0] | 0x20) == sip_hdrs[i].compact))
			return (enum sip_hdr_id)i;
	}
	return SIP_HDR_OTHER;
}

/* The first n-byte needle in s[0..len), or NULL. */
static const void *
sip_find(const void *s, size_t len, const char *needle, size_t n)
{
	const char	*p = s, *end = p + len;

	while ((size_t)(end - p) >= n) {
		if ((p = memchr(p, needle[0], (size_t)(end - p) - n + 1)) ==
		    NULL)
			return NULL;
		if (memcmp(p, needle, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* How many c in s[0..len). */
static size_t
sip_count(const char *s, size_t len, char c)
{
	const char	*p = s, *end = s + len;
	size_t		 n = 0;

	while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

static struct sip_pl
sip_trim(const char *s, size_t len)
{
	while (len > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return (struct sip_pl){ s, len };
}

/* ---- Via ---- */

/* SWS "/" SWS between the protocol name, version and transport. */
static const char *
sip_slash(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end || *s != '/')
		return NULL;
	for (s++; s < end && (*s == ' ' || *s == '\t'); s++)
		;
	return s;
}

/* A token at s: its end. */
static const char *
sip_token_end(const char *s, const char *end)
{
	while (s < end && sip_uri_is_token((unsigned char)*s))
		s++;
	return s;
}

int
sip_msg_via_parse(struct sip_via *v, const struct sip_pl *value)
{
	const char	*s = value->p, *end = value->p + value->l, *t, *semi;
	struct sip_pl	 sent_by, p, rp;
	struct sip_uri	 hp;
	char		 uri[300];
	uint32_t	 n;

	memset(v, 0, sizeof *v);
	/* "SIP" "/" "2.0" "/" transport LWS sent-by *(SEMI via-params) */
	if ((t = sip_token_end(s, end)) - s != 3 ||
	    strncasecmp(s, "SIP", 3) != 0 || (s = sip_slash(t, end)) ==
	    NULL || (t = sip_token_end(s, end)) - s != 3 ||
	    strncmp(s, "2.0", 3) != 0 || (s = sip_slash(t, end)) == NULL ||
	    (t = sip_token_end(s, end)) == s)
		return EBADMSG;
	v->transport = (struct sip_pl){ s, (size_t)(t - s) };
	if (t == end || (*t != ' ' && *t != '\t'))
		return EBADMSG;
	while (t < end && (*t == ' ' || *t == '\t'))
		t++;
	semi = memchr(t, ';', (size_t)(end - t));
	sent_by = sip_trim(t, (size_t)((semi != NULL ? semi : end) - t));
	/* sent-by = host [ COLON port ]: as a URI's hostport */
	if (sent_by.l == 0 || sent_by.l + 4 > sizeof uri)
		return EBADMSG;
	memcpy(uri, "sip:", 4);
	memcpy(uri + 4, sent_by.p, sent_by.l);
	if (sip_uri_parse(&hp, uri, sent_by.l + 4) != 0 || hp.user.l != 0 ||
	    hp.params.l != 0 || hp.headers.l != 0)
		return EBADMSG;
	v->host = (struct sip_pl){ sent_by.p + (hp.host.p - uri - 4),
	    hp.host.l };
	v->ipv6 = hp.ipv6;
	v->port = hp.port;
	v->params = semi != NULL ? (struct sip_pl){ semi,
	    (size_t)(end - semi) } : (struct sip_pl){ end, 0 };
	if (sip_uri_param(&v->params, "branch", &p)) {
		if (!sip_uri_token(&p))
			return EBADMSG;
		v->branch = p;
	}
	if (sip_uri_param(&v->params, "received", &p))
		v->received = p;
	if (sip_uri_param(&v->params, "rport", &rp)) {
		v->rport = true;
		if (rp.l != 0) {
			if (sip_pl_u32(&rp, 65535, &n) != 0)
				return EBADMSG;
			v->rport_value = (uint16_t)n;
		}
	}
	return 0;
}

/* ---- the message ---- */

struct sip_parse {
	struct sip_msg		*m;
	const struct sip_limits	*lim;
	const char		*why;
	unsigned		 cap;
};

static int
sip_fail(struct sip_parse *ps, const char *why)
{
	ps->why = why;
	return EBADMSG;
}

static int
sip_add_hdr(struct sip_parse *ps, enum sip_hdr_id id, struct sip_pl name,
    struct sip_pl value)
{
	struct sip_msg	*m = ps->m;

	if (m->nhdrs == ps->lim->max_hdrs)
		return sip_fail(ps, "Too Many Headers");
	if (m->nhdrs == ps->cap) {
		ps->cap = ps->cap != 0 ? ps->cap * 2 : 16;
		m->hdrs = xreallocarray(m->hdrs, ps->cap, sizeof *m->hdrs);
	}
	m->hdrs[m->nhdrs++] = (struct sip_hdr){ id, name, value };
	return 0;
}

/* A list header's value, split at commas outside quotes and <>. */
static int
sip_add_list(struct sip_parse *ps, enum sip_hdr_id id, struct sip_pl name,
    struct sip_pl value)
{
	const char	*s = value.p, *end = value.p + value.l, *start = s;
	bool		 quoted = false, angle = false;
	struct sip_pl	 elem;
	int		 rc;

	for (; s <= end; s++) {
		if (s < end && quoted) {
			if (*s == '\\' && s + 1 < end)
				s++;
			else if (*s == '"')
				quoted = false;
			continue;
		}
		if (s < end && *s == '"')
			quoted = true;
		else if (s < end && *s == '<')
			angle = true;
		else if (s < end && *s == '>')
			angle = false;
		else if (s == end || (*s == ',' && !angle)) {
			elem = sip_trim(start, (size_t)(s - start));
			if (elem.l == 0)
				return sip_fail(ps, "Empty Header List Element");
			if ((rc = sip_add_hdr(ps, id, name, elem)) != 0)
				return rc;
			start = s + 1;
		}
	}
	return quoted ? sip_fail(ps, "Unterminated Quoted String") : 0;
}

/* One header line "name HCOLON value" (already unfolded). */
static int
sip_header_line(struct sip_parse *ps, const char *s, size_t len)
{
	const char	*end = s + len, *t = sip_token_end(s, end);
	struct sip_pl	 name = { s, (size_t)(t - s) }, value;
	enum sip_hdr_id	 id;
	size_t		 i;

	if (name.l == 0)
		return sip_fail(ps, "Bad Header Name");
	while (t < end && (*t == ' ' || *t == '\t'))
		t++;
	if (t == end || *t != ':')
		return sip_fail(ps, "Bad Header Name");
	value = sip_trim(t + 1, (size_t)(end - t - 1));
	/* CTLs only escaped, as a quoted-pair (§25.1; RFC 4475 §3.1.1.2) */
	for (i = 0; i < value.l; i++)
		if ((unsigned char)value.p[i] < ' ' && value.p[i] != '\t' &&
		    (i == 0 || value.p[i - 1] != '\\'))
			return sip_fail(ps, "Control Character In Header");
	id = sip_hdr_lookup(&name);
	if (value.l == 0 && !sip_hdrs[id].empty_ok)
		return sip_fail(ps, "Empty Header");
	if (sip_hdrs[id].list && value.l != 0)
		return sip_add_list(ps, id, name, value);
	return sip_add_hdr(ps, id, name, value);
}

/* The status line, or the request line; the line is s[0..len). */
static int
sip_start_line(struct sip_parse *ps, const char *s, size_t len)
{
	struct sip_msg	*m = ps->m;
	const char	*end = s + len, *sp1, *sp2;
	struct sip_pl	 code;
	uint32_t	 st;

	if ((sp1 = memchr(s, ' ', len)) == NULL)
		return sip_fail(ps, "Bad Start Line");
	if (sp1 - s == 7 && strncasecmp(s, "SIP/2.0", 7) == 0) {
		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
		code = (struct sip_pl){ sp1 + 1, end - sp1 - 1 >= 3 ? 3 : 0 };
		if (sip_pl_u32(&code, 699, &st) != 0 || st < 100 ||
		    (sp1 + 4 < end && sp1[4] != ' ') || sp1 + 4 > end)
			return sip_fail(ps, "Bad Status Line");
		m->status = st;
		m->reason = sp1 + 4 < end ? (struct sip_pl){ sp1 + 5,
		    (size_t)(end - sp1 - 5) } : (struct sip_pl){ end, 0 };
		return 0;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version */
	m->request = true;
	m->method = (struct sip_pl){ s, (size_t)(sp1 - s) };
	if (!sip_uri_token(&m->method) ||
	    (sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1))) == NULL)
		return sip_fail(ps, "Bad Request Line");
	/* a request of another SIP version: 505 (§21.5.6, RFC 4475
	 * §3.1.2.16) */
	if (end - sp2 - 1 == 7 && strncasecmp(sp2 + 1, "SIP/", 4) == 0 &&
	    strncasecmp(sp2 + 1, "SIP/2.0", 7) != 0 &&
	    sp2[5] >= '0' && sp2[5] <= '9' && sp2[6] == '.' &&
	    sp2[7] >= '0' && sp2[7] <= '9') {
		ps->why = "Version Not Supported";
		return EPROTONOSUPPORT;
	}
	if (end - sp2 - 1 != 7 || strncasecmp(sp2 + 1, "SIP/2.0", 7) != 0)
		return sip_fail(ps, "Bad Request Line");
	m->ruri_str = (struct sip_pl){ sp1 + 1, (size_t)(sp2 - sp1 - 1) };
	if (m->ruri_str.l == 0)
		return sip_fail(ps, "Bad Request-URI");
	if ((m->ruri_str.l >= 4 && strncasecmp(m->ruri_str.p, "sip:", 4) ==
	    0) || (m->ruri_str.l >= 5 && strncasecmp(m->ruri_str.p, "sips:",
	    5) == 0)) {
		if (sip_uri_parse(&m->ruri, m->ruri_str.p, m->ruri_str.l) != 0)
			return sip_fail(ps, "Bad Request-URI");
		m->ruri_sip = true;
	} else if (!sip_uri_absolute(m->ruri_str.p, m->ruri_str.l))
		return sip_fail(ps, "Bad Request-URI");
	return 0;
}

/* The one header of id; EBADMSG if there are two (or none and need). */
static int
sip_single(struct sip_parse *ps, enum sip_hdr_id id, bool need,
    const char *why, struct sip_pl *out)
{
	const struct sip_hdr	*h = sip_msg_hdr(ps->m, id, NULL);

	if (h == NULL) {
		*out = (struct sip_pl){ ps->m->buf, 0 };
		return need ? sip_fail(ps, why) : ENOENT;
	}
	if (sip_msg_hdr(ps->m, id, h) != NULL)
		return sip_fail(ps, why);
	*out = h->value;
	return 0;
}

/* From and To: an address with at most one tag. */
static int
sip_party(struct sip_parse *ps, enum sip_hdr_id id, struct sip_addr *a,
    struct sip_pl *tag, const char *why)
{
	struct sip_pl	v;

	if (sip_single(ps, id, true, why, &v) != 0 ||
	    sip_uri_addr_parse(a, &v, false) != 0)
		return sip_fail(ps, why);
	if (sip_uri_param(&a->params, "tag", tag) && !sip_uri_token(tag))
		return sip_fail(ps, why);
	return 0;
}

/* §8.1.1, §20: what every message must carry, parsed. */
static int
sip_essentials(struct sip_parse *ps)
{
	struct sip_msg		*m = ps->m;
	const struct sip_hdr	*h;
	struct sip_pl		 v, num;
	const char		*sp;
	uint32_t		 n;
	int			 rc;

	if ((h = sip_msg_hdr(m, SIP_HDR_VIA, NULL)) == NULL ||
	    sip_msg_via_parse(&m->via, &h->value) != 0)
		return sip_fail(ps, h == NULL ? "Missing Via" : "Bad Via");
	for (m->nvia = 0; h != NULL; h = sip_msg_hdr(m, SIP_HDR_VIA, h))
		m->nvia++;
	if (sip_party(ps, SIP_HDR_FROM, &m->from, &m->from_tag,
	    "Bad From") != 0 ||
	    sip_party(ps, SIP_HDR_TO, &m->to, &m->to_tag, "Bad To") != 0)
		return EBADMSG;
	if (sip_single(ps, SIP_HDR_CALL_ID, true, "Bad Call-ID",
	    &m->call_id) != 0)
		return EBADMSG;
	for (n = 0; n < m->call_id.l; n++)
		if ((unsigned char)m->call_id.p[n] <= ' ')
			return sip_fail(ps, "Bad Call-ID");
	/* CSeq = 1*DIGIT LWS Method, the number below 2**31 (§8.1.1.5) */
	if (sip_single(ps, SIP_HDR_CSEQ, true, "Bad CSeq", &v) != 0 ||
	    (sp = memchr(v.p, ' ', v.l)) == NULL)
		return sip_fail(ps, "Bad CSeq");
	num = (struct sip_pl){ v.p, (size_t)(sp - v.p) };
	m->cseq_method = sip_trim(sp, (size_t)(v.p + v.l - sp));
	if (sip_pl_u32(&num, 0x7fffffff, &m->cseq) != 0 ||
	    !sip_uri_token(&m->cseq_method))
		return sip_fail(ps, "Bad CSeq");
	if (m->request && (m->cseq_method.l != m->method.l ||
	    memcmp(m->cseq_method.p, m->method.p, m->method.l) != 0))
		return sip_fail(ps, "CSeq Method Does Not Match");
	/* §8.1.1.6 asks every request for one, but §16.6 step 3 adds it
	 * to a request that came without (RFC 2543's, RFC 4475 §3.4.1):
	 * -1 here */
	m->max_forwards = -1;
	rc = sip_single(ps, SIP_HDR_MAX_FORWARDS, false,
	    "Bad Max-Forwards", &v);
	if (rc == 0 && sip_pl_u32(&v, 255, &n) != 0)
		return sip_fail(ps, "Bad Max-Forwards");
	if (rc == EBADMSG)
		return rc;
	m->max_forwards = rc == 0 ? (int)n : -1;
	m->expires = -1;
	if ((rc = sip_single(ps, SIP_HDR_EXPIRES, false, "Bad Expires",
	    &v)) == EBADMSG || (rc == 0 && sip_pl_u32(&v, 0xffffffff,
	    &n) != 0))
		return sip_fail(ps, "Bad Expires");
	if (rc == 0)
		m->expires = n;
	if (sip_single(ps, SIP_HDR_CONTENT_TYPE, false, "Bad Content-Type",
	    &m->content_type) == EBADMSG)
		return EBADMSG;
	return 0;
}

/*
 * Copy the header section (start line to the CRLF ending the last
 * header) and unfold it: a CRLF followed by SP or HTAB becomes spaces
 * (§7.3.1).
 */
static void
sip_unfold(char *p, size_t len)
{
	char	*lf = p, *end = p + len;

	while (lf < end && (lf = memchr(lf, '\n', (size_t)(end - lf))) !=
	    NULL) {
		if (lf > p && lf[-1] == '\r' && lf + 1 < end &&
		    (lf[1] == ' ' || lf[1] == '\t'))
			lf[-1] = lf[0] = ' ';
		lf++;
	}
}

/* The header section's lines; head = start line CRLF headers CRLF. */
static int
sip_lines(struct sip_parse *ps, char *head, size_t len)
{
	char	*s = head, *end = head + len, *eol, *lf;
	size_t	 nlf = 0;
	int	 rc;

	/* no NUL but an escaped one (a quoted-pair, §25.1, which the
	 * quoted-string's parser checks); each LF after a CR, and as many
	 * CRs (so each CR is before an LF) */
	for (lf = head; lf < end && (lf = memchr(lf, '\0',
	    (size_t)(end - lf))) != NULL; lf++)
		if (lf == head || lf[-1] != '\\')
			return sip_fail(ps, "Bad Line Ending");
	for (lf = head; lf < end && (lf = memchr(lf, '\n',
	    (size_t)(end - lf))) != NULL; lf++, nlf++)
		if (lf == head || lf[-1] != '\r')
			return sip_fail(ps, "Bad Line Ending");
	if (sip_count(head, len, '\r') != nlf)
		return sip_fail(ps, "Bad Line Ending");
	eol = (char *)sip_find(s, (size_t)(end - s), "\r\n", 2);
	if ((rc = sip_start_line(ps, s, (size_t)(eol - s))) != 0)
		return rc;
	for (s = eol + 2; s < end; s = eol + 2) {
		eol = (char *)sip_find(s, (size_t)(end - s), "\r\n", 2);
		if ((rc = sip_header_line(ps, s, (size_t)(eol - s))) != 0)
			return rc;
	}
	return 0;
}

/* §18.3: the body's length, from Content-Length or the datagram. */
static int
sip_body_len(struct sip_parse *ps, bool stream, size_t avail, size_t *clen)
{
	struct sip_pl	v;
	uint32_t	n;
	int		rc;

	rc = sip_single(ps, SIP_HDR_CONTENT_LENGTH, stream,
	    "Missing Content-Length", &v);
	if (rc == EBADMSG)
		return sip_single(ps, SIP_HDR_CONTENT_LENGTH, false,
		    "Bad Content-Length", &v) == EBADMSG ? EBADMSG : rc;
	if (rc == ENOENT) {
		*clen = avail;
		return 0;
	}
	if (sip_pl_u32(&v, 0x7fffffff, &n) != 0)
		return sip_fail(ps, "Bad Content-Length");
	if (!stream && n > avail)
		return sip_fail(ps, "Content-Length Beyond The Datagram");
	*clen = n;
	return 0;
}

int
sip_msg_parse(struct sip_msg *m, const uint8_t *buf, size_t len,
    bool stream, const struct sip_limits *lim, size_t *used,
    const char **why)
{
	struct sip_parse	 ps;
	const uint8_t		*start = buf, *hend;
	size_t			 skip = 0, hlen, clen;
	int			 rc;

	memset(m, 0, sizeof *m);
	ps = (struct sip_parse){ m, lim, NULL, 0 };
	*why = NULL;
	*used = 0;
	while (stream && len - skip >= 2 && buf[skip] == '\r' &&
	    buf[skip + 1] == '\n')
		skip += 2;
	start += skip;
	len -= skip;
	hend = sip_find(start, len < lim->max_len ? len : lim->max_len,
	    "\r\n\r\n", 4);
	if (hend == NULL) {
		*used = skip;
		if (len >= lim->max_len)
			return EMSGSIZE;
		if (stream)
			return ENODATA;
		*why = "No End Of Headers";
		return EBADMSG;
	}
	hlen = (size_t)(hend - start) + 2;	/* the last header's CRLF */
	m->buf = xmalloc(hlen + 1);
	memcpy(m->buf, start, hlen);
	m->buf[hlen] = '\0';
	m->buf_len = hlen;
	sip_unfold(m->buf, hlen);
	if ((rc = sip_lines(&ps, m->buf, hlen)) != 0 ||
	    (rc = sip_essentials(&ps)) != 0 ||
	    (rc = sip_body_len(&ps, stream, len - hlen - 2, &clen)) != 0)
		goto fail;
	if (hlen + 2 + clen > lim->max_len) {
		rc = EMSGSIZE;
		goto fail;
	}
	if (hlen + 2 + clen > len) {
		rc = ENODATA;
		goto fail;
	}
	/* the body in its own copy: the header views stay put */
	m->body_buf = xmalloc(clen + 1);
	memcpy(m->body_buf, start + hlen + 2, clen);
	m->body = (struct sip_pl){ m->body_buf, clen };
	*used = skip + hlen + 2 + (stream ? clen : len - hlen - 2);
	return 0;
fail:
	*why = ps.why;
	*used = skip;
	sip_msg_clear(m);
	return rc;
}

void
sip_msg_clear(struct sip_msg *m)
{
	free(m->buf);
	free(m->body_buf);
	free(m->via_buf);
	free(m->hdrs);
	memset(m, 0, sizeof *m);
}

/* pl moved from m's copies to c's, where it points into one of them. */
static void
sip_rebase(const struct sip_msg *m, const struct sip_msg *c,
    struct sip_pl *pl)
{
	const char	*from[3] = { m->buf, m->body_buf, m->via_buf };
	char		*to[3] = { c->buf, c->body_buf, c->via_buf };
	size_t		 len[3] = { m->buf_len, m->body.l, m->via_buf_len };
	uintptr_t	 p = (uintptr_t)pl->p, f;
	unsigned	 i;

	/* as integers: the copies are distinct objects (C11 6.5.8) */
	for (i = 0; i < 3; i++) {
		f = (uintptr_t)from[i];
		if (from[i] != NULL && p >= f && p <= f + len[i]) {
			pl->p = to[i] + (p - f);
			return;
		}
	}
}

static void
sip_rebase_uri(const struct sip_msg *m, const struct sip_msg *c,
    struct sip_uri *u)
{
	sip_rebase(m, c, &u->user);
	sip_rebase(m, c, &u->password);
	sip_rebase(m, c, &u->host);
	sip_rebase(m, c, &u->params);
	sip_rebase(m, c, &u->headers);
}

static void
sip_rebase_addr(const struct sip_msg *m, const struct sip_msg *c,
    struct sip_addr *a)
{
	sip_rebase(m, c, &a->display);
	sip_rebase(m, c, &a->uri_str);
	sip_rebase(m, c, &a->params);
	sip_rebase_uri(m, c, &a->uri);
}

static char *
sip_dup_bytes(const char *p, size_t len)
{
	char	*q;

	if (p == NULL)
		return NULL;
	q = xmalloc(len + 1);
	memcpy(q, p, len);
	q[len] = '\0';
	return q;
}

struct sip_msg *
sip_msg_dup(const struct sip_msg *m)
{
	struct sip_msg	*c = xmalloc(sizeof *c);
	unsigned	 i;

	*c = *m;
	c->buf = sip_dup_bytes(m->buf, m->buf_len);
	c->body_buf = sip_dup_bytes(m->body_buf, m->body.l);
	c->via_buf = sip_dup_bytes(m->via_buf, m->via_buf_len);
	c->hdrs = NULL;
	if (m->nhdrs != 0) {
		c->hdrs = xreallocarray(NULL, m->nhdrs, sizeof *c->hdrs);
		memcpy(c->hdrs, m->hdrs, m->nhdrs * sizeof *c->hdrs);
	}
	for (i = 0; i < c->nhdrs; i++) {
		sip_rebase(m, c, &c->hdrs[i].name);
		sip_rebase(m, c, &c->hdrs[i].value);
	}
	sip_rebase(m, c, &c->method);
	sip_rebase(m, c, &c->ruri_str);
	sip_rebase_uri(m, c, &c->ruri);
	sip_rebase(m, c, &c->reason);
	sip_rebase(m, c, &c->via.transport);
	sip_rebase(m, c, &c->via.host);
	sip_rebase(m, c, &c->via.params);
	sip_rebase(m, c, &c->via.branch);
	sip_rebase(m, c, &c->via.received);
	sip_rebase_addr(m, c, &c->from);
	sip_rebase_addr(m, c, &c->to);
	sip_rebase(m, c, &c->from_tag);
	sip_rebase(m, c, &c->to_tag);
	sip_rebase(m, c, &c->call_id);
	sip_rebase(m, c, &c->cseq_method);
	sip_rebase(m, c, &c->content_type);
	sip_rebase(m, c, &c->body);
	return c;
}

const struct sip_hdr *
sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id,
    const struct sip_hdr *after)
{
	unsigned	i = after != NULL ? (unsigned)(after - m->hdrs) + 1 : 0;

	for (; i < m->nhdrs; i++)
		if (m->hdrs[i].id == id)
			return &m->hdrs[i];
	return NULL;
}

const struct sip_hdr *
sip_msg_hdr_named(const struct sip_msg *m, const char *name,
    const struct sip_hdr *after)
{
	struct sip_pl	 n = { name, strlen(name) };
	enum sip_hdr_id	 id = sip_hdr_lookup(&n);
	unsigned	 i = after != NULL ? (unsigned)(after - m->hdrs) + 1 : 0;

	if (id != SIP_HDR_OTHER)
		return sip_msg_hdr(m, id, after);
	for (; i < m->nhdrs; i++)
		if (m->hdrs[i].id == SIP_HDR_OTHER &&
		    sip_pl_caseeq(&m->hdrs[i].name, name))
			return &m->hdrs[i];
	return NULL;
}

struct sip_msg *
sip_msg_new(void)
{
	return xcalloc(1, sizeof(struct sip_msg));
}

void
sip_msg_free(struct sip_msg *m)
{
	if (m == NULL)
		return;
	sip_msg_clear(m);
	free(m);
}

static void
sip_w(struct wbuf *w, const struct sip_pl *pl)
{
	wbuf_bytes(w, pl->p, pl->l);
}

static void
sip_ws(struct wbuf *w, const char *s)
{
	wbuf_bytes(w, s, strlen(s));
}

void
sip_msg_write(struct wbuf *w, const struct sip_msg *m)
{
	char		 num[32];
	unsigned	 i;

	if (m->request) {
		sip_w(w, &m->method);
		sip_ws(w, " ");
		sip_w(w, &m->ruri_str);
		sip_ws(w, " SIP/2.0\r\n");
	} else {
		snprintf(num, sizeof num, "SIP/2.0 %03u ", m->status);
		sip_ws(w, num);
		sip_w(w, &m->reason);
		sip_ws(w, "\r\n");
	}
	for (i = 0; i < m->nhdrs; i++) {
		if (m->hdrs[i].id == SIP_HDR_CONTENT_LENGTH)
			continue;
		if (m->hdrs[i].id != SIP_HDR_OTHER)
			sip_ws(w, sip_msg_hdr_name(m->hdrs[i].id));
		else
			sip_w(w, &m->hdrs[i].name);
		sip_ws(w, ": ");
		sip_w(w, &m->hdrs[i].value);
		sip_ws(w, "\r\n");
	}
	snprintf(num, sizeof num, "Content-Length: %zu\r\n\r\n", m->body.l);
	sip_ws(w, num);
	sip_w(w, &m->body);
}

void
sip_msg_status(struct wbuf *w, const struct sip_msg *req, unsigned status,
    const char *reason, const char *to_tag, const char *hname,
    const char *hvalue)
{
	sip_msg_reply(w, req, status, reason, to_tag);
	if (hname != NULL)
		sip_msg_header(w, hname, &(struct sip_pl){ hvalue,
		    strlen(hvalue) });
	sip_msg_end(w, NULL, 0);
}

void
sip_msg_header(struct wbuf *w, const char *name, const struct sip_pl *value)
{
	sip_ws(w, name);
	sip_ws(w, ": ");
	sip_w(w, value);
	sip_ws(w, "\r\n");
}

void
sip_msg_reply(struct wbuf *w, const struct sip_msg *req, unsigned status,
    const char *reason, const char *to_tag)
{
	const struct sip_hdr	*h;
	char			 line[96];

	snprintf(line, sizeof line, "SIP/2.0 %03u %s\r\n", status, reason);
	sip_ws(w, line);
	for (h = sip_msg_hdr(req, SIP_HDR_VIA, NULL); h != NULL;
	    h = sip_msg_hdr(req, SIP_HDR_VIA, h))
		sip_msg_header(w, "Via", &h->value);
	sip_msg_header(w, "From", &sip_msg_hdr(req, SIP_HDR_FROM,
	    NULL)->value);
	sip_ws(w, "To: ");
	sip_w(w, &sip_msg_hdr(req, SIP_HDR_TO, NULL)->value);
	if (to_tag != NULL && req->to_tag.l == 0) {
		sip_ws(w, ";tag=");
		sip_ws(w, to_tag);
	}
	sip_ws(w, "\r\n");
	sip_msg_header(w, "Call-ID", &req->call_id);
	sip_msg_header(w, "CSeq", &sip_msg_hdr(req, SIP_HDR_CSEQ,
	    NULL)->value);
}

void
sip_msg_end(struct wbuf *w, const void *body, size_t len)
{
	char	line[48];

	snprintf(line, sizeof line, "Content-Length: %zu\r\n\r\n", len);
	sip_ws(w, line);
	if (len != 0)
		wbuf_bytes(w, body, len);
}

/* The first physical line of header name in buf's header section. */
static bool
sip_raw_header(const char *s, size_t len, const char *name, char compact,
    size_t nth, struct sip_pl *out)
{
	const char	*end = s + len, *eol, *colon;
	struct sip_pl	 n;
	size_t		 i;

	for (; s < end; s = eol + 2) {
		if ((eol = sip_find(s, (size_t)(end - s), "\r\n", 2)) == NULL ||
		    eol == s)
			return false;
		if ((colon = memchr(s, ':', (size_t)(eol - s))) == NULL)
			continue;
		n = sip_trim(s, (size_t)(colon - s));
		if (!sip_pl_caseeq(&n, name) && !(compact != 0 && n.l == 1 &&
		    (n.p[0] | 0x20) == compact))
			continue;
		if (nth-- > 0)
			continue;
		*out = sip_trim(colon + 1, (size_t)(eol - colon - 1));
		for (i = 0; i < out->l; i++)
			if ((unsigned char)out->p[i] < ' ' && out->p[i] != '\t')
				return false;	/* nothing to echo */
		return out->l > 0;
	}
	return false;
}

int
sip_msg_bad_reply(const uint8_t *buf, size_t len, unsigned status,
    const char *why, struct wbuf *w)
{
	const char	*s = (const char *)buf, *eol;
	struct sip_pl	 v, from, to, cid, cseq;
	size_t		 i;
	char		 line[128];

	if (len < 8 || memcmp(s, "SIP/", 4) == 0 || !sip_uri_is_token(
	    (unsigned char)s[0]) || (eol = sip_find(s, len, "\r\n", 2)) ==
	    NULL)
		return EBADMSG;		/* a response, or not SIP */
	len -= (size_t)(eol + 2 - s);
	s = eol + 2;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' && (i == 0 || s[i - 1] != '\\'))
			return EBADMSG;
	/* the Via to answer along and the CSeq to match; From, To and
	 * Call-ID as far as they came (RFC 4475 §3.3.1 wants a 400 for a
	 * request without them) */
	if (!sip_raw_header(s, len, "Via", 'v', 0, &v) ||
	    !sip_raw_header(s, len, "CSeq", 0, 0, &cseq))
		return EBADMSG;
	snprintf(line, sizeof line, "SIP/2.0 %03u %s\r\n", status, why);
	sip_ws(w, line);
	for (i = 0; sip_raw_header(s, len, "Via", 'v', i, &v) && i < 32; i++)
		sip_msg_header(w, "Via", &v);
	if (sip_raw_header(s, len, "From", 'f', 0, &from))
		sip_msg_header(w, "From", &from);
	if (sip_raw_header(s, len, "To", 't', 0, &to))
		sip_msg_header(w, "To", &to);
	if (sip_raw_header(s, len, "Call-ID", 'i', 0, &cid))
		sip_msg_header(w, "Call-ID", &cid);
	sip_msg_header(w, "CSeq", &cseq);
	sip_msg_end(w, NULL, 0);
	return 0;
}

void
sip_msg_via_received(struct sip_msg *m, const char *host, uint16_t port)
{
	struct sip_hdr	*h = (struct sip_hdr *)sip_msg_hdr(m, SIP_HDR_VIA,
			    NULL);
	struct sip_pl	 v = h->value, p = m->via.params, rp;
	struct wbuf	 w;
	const char	*s, *end = p.p + p.l, *semi;
	struct sip_via	 nv;
	char		 num[16];

	if (!m->via.rport && sip_pl_eq(&m->via.host, host))
		return;
	wbuf_init(&w, v.l + 128);
	/* everything up to the parameters, then each but rport/received */
	wbuf_bytes(&w, v.p, (size_t)(p.p - v.p));
	for (s = p.p; s < end; s = semi) {
		semi = memchr(s + 1, ';', (size_t)(end - s - 1));
		if (semi == NULL)
			semi = end;
		rp = sip_trim(s + 1, (size_t)(semi - s - 1));
		if ((rp.l >= 5 && strncasecmp(rp.p, "rport", 5) == 0 &&
		    (rp.l == 5 || rp.p[5] == '=' || rp.p[5] == ' ')) ||
		    (rp.l >= 8 && strncasecmp(rp.p, "received", 8) == 0))
			continue;
		wbuf_bytes(&w, s, (size_t)(semi - s));
	}
	sip_ws(&w, ";received=");
	sip_ws(&w, host);
	if (m->via.rport) {
		snprintf(num, sizeof num, ";rport=%u", port);
		sip_ws(&w, num);
	}
	if (w.err) {
		wbuf_clear(&w);
		return;
	}
	free(m->via_buf);
	m->via_buf = (char *)wbuf_take(&w, &v.l);
	m->via_buf_len = v.l;
	v.p = m->via_buf;
	if (sip_msg_via_parse(&nv, &v) == 0) {
		h->value = v;
		m->via = nv;
	}
}

void
sip_msg_header_copy(struct wbuf *w, const struct sip_hdr *h)
{
	if (h->id != SIP_HDR_OTHER)
		sip_ws(w, sip_msg_hdr_name(h->id));
	else
		sip_w(w, &h->name);
	sip_ws(w, ": ");
	sip_w(w, &h->value);
	sip_ws(w, "\r\n");
}

void
sip_msg_tag(struct rng *rng, char *out, size_t max)
{
	snprintf(out, max, "%016llx", (unsigned long long)rng_u64(rng));
}

void
sip_msg_received(struct sip_msg *m, const struct addr *from)
{
	char	a[ADDR_STRLEN], *colon;

	addr_str(from, a);
	/* "1.2.3.4:5" or "[::1]:5": the host alone */
	if (a[0] == '[') {
		memmove(a, a + 1, strlen(a));
		colon = strchr(a, ']');
	} else
		colon = strrchr(a, ':');
	if (colon != NULL)
		*colon = '\0';
	sip_msg_via_received(m, a, from->port);
}
