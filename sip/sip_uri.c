/*
 * sip_uri.c - SIP URIs (RFC 3261 §19.1.1) and address values (§20.10),
 * checked against the ABNF of §25.1.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "sip_uri.h"

static bool
sip_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static bool
sip_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* unreserved = alphanum / mark */
static bool
sip_unreserved(int c)
{
	return sip_alnum(c) || (c != '\0' && strchr("-_.!~*'()", c) != NULL);
}

bool
sip_uri_is_token(int c)
{
	return sip_alnum(c) || (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

bool
sip_uri_token(const struct sip_pl *pl)
{
	size_t	i;

	if (pl->l == 0)
		return false;
	for (i = 0; i < pl->l; i++)
		if (!sip_uri_is_token((unsigned char)pl->p[i]))
			return false;
	return true;
}

/*
 * s[0..len) is made of unreserved characters, escapes ("%" HEX HEX) and
 * the characters in extra; at least min of them.
 */
static bool
sip_chars(const char *s, size_t len, const char *extra, size_t min)
{
	size_t	i;

	if (len < min)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3 ||
			    !sip_hex((unsigned char)s[i + 1]) ||
			    !sip_hex((unsigned char)s[i + 2]))
				return false;
			i += 2;
		} else if (!sip_unreserved((unsigned char)s[i]) &&
		    (s[i] == '\0' || strchr(extra, s[i]) == NULL))
			return false;
	}
	return true;
}

/* IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT */
static bool
sip_ipv4(const char *s, size_t len)
{
	unsigned	parts = 0, v = 0, digits = 0;
	size_t		i;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (digits == 0 || v > 255)
				return false;
			parts++;
			v = digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			digits++;
		} else
			return false;
	}
	return parts == 4;
}

/* hostname = *( domainlabel "." ) toplabel [ "." ] */
static bool
sip_hostname(const char *s, size_t len)
{
	size_t	i, start = 0;
	bool	top_alpha = false;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!sip_alnum((unsigned char)s[i]) && s[i] != '-')
				return false;
			continue;
		}
		/* a label: s[start..i) */
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		top_alpha = !(s[start] >= '0' && s[start] <= '9');
		start = i + 1;
	}
	return top_alpha;
}

/* host [":" port] at s; sets uri's host, ipv6 and port. */
static int
sip_hostport(struct sip_uri *u, const char *s, size_t len)
{
	const char	*colon;
	char		 v6[64];
	struct in6_addr	 a6;
	struct sip_pl	 port;
	uint32_t	 p;
	size_t		 hl;

	if (len > 0 && s[0] == '[') {
		colon = memchr(s, ']', len);
		if (colon == NULL || (size_t)(colon - s - 1) >= sizeof v6)
			return EBADMSG;
		hl = (size_t)(colon - s - 1);
		memcpy(v6, s + 1, hl);
		v6[hl] = '\0';
		if (inet_pton(AF_INET6, v6, &a6) != 1)
			return EBADMSG;
		u->host = (struct sip_pl){ s + 1, hl };
		u->ipv6 = true;
		colon++;
		if (colon < s + len && *colon != ':')
			return EBADMSG;
		if (colon == s + len)
			colon = NULL;
	} else {
		colon = memchr(s, ':', len);
		hl = colon != NULL ? (size_t)(colon - s) : len;
		if (!sip_ipv4(s, hl) && !sip_hostname(s, hl))
			return EBADMSG;
		u->host = (struct sip_pl){ s, hl };
	}
	if (colon != NULL) {
		port = (struct sip_pl){ colon + 1, (size_t)(s + len - colon - 1) };
		if (sip_pl_u32(&port, 65535, &p) != 0 || p == 0)
			return EBADMSG;
		u->port = (uint16_t)p;
	}
	return 0;
}

/* *( ";" pname ["=" pvalue] ), paramchar = param-unreserved / unreserved /
 * escaped */
static bool
sip_uri_params_ok(const char *s, size_t len)
{
	const char	*end = s + len, *semi, *eq;

	while (s < end) {
		if (*s++ != ';')
			return false;
		semi = memchr(s, ';', (size_t)(end - s));
		if (semi == NULL)
			semi = end;
		eq = memchr(s, '=', (size_t)(semi - s));
		if (!sip_chars(s, (size_t)((eq != NULL ? eq : semi) - s),
		    "[]/:&+$", 1) || (eq != NULL && !sip_chars(eq + 1,
		    (size_t)(semi - eq - 1), "[]/:&+$", 1)))
			return false;
		s = semi;
	}
	return true;
}

/* "?" header *( "&" header ), header = hname "=" hvalue */
static bool
sip_uri_headers_ok(const char *s, size_t len)
{
	const char	*end = s + len, *amp, *eq;

	if (len == 0)
		return true;
	if (*s != '?')
		return false;
	for (s++; ; s = amp + 1) {
		amp = memchr(s, '&', (size_t)(end - s));
		if (amp == NULL)
			amp = end;
		eq = memchr(s, '=', (size_t)(amp - s));
		if (eq == NULL || !sip_chars(s, (size_t)(eq - s), "[]/?:+$",
		    1) || !sip_chars(eq + 1, (size_t)(amp - eq - 1), "[]/?:+$",
		    0))
			return false;
		if (amp == end)
			return true;
	}
}

int
sip_uri_parse(struct sip_uri *u, const char *s, size_t len)
{
	const char	*end = s + len, *at, *colon, *hp, *params, *headers;

	memset(u, 0, sizeof *u);
	if (len >= 4 && strncasecmp(s, "sip:", 4) == 0)
		s += 4;
	else if (len >= 5 && strncasecmp(s, "sips:", 5) == 0) {
		u->sips = true;
		s += 5;
	} else
		return EBADMSG;
	/* '@' is in neither the host, the parameters nor the headers */
	if ((at = memchr(s, '@', (size_t)(end - s))) != NULL) {
		colon = memchr(s, ':', (size_t)(at - s));
		u->user = (struct sip_pl){ s, (size_t)((colon != NULL ? colon :
		    at) - s) };
		if (!sip_chars(u->user.p, u->user.l, "&=+$,;?/", 1))
			return EBADMSG;
		if (colon != NULL) {
			u->password = (struct sip_pl){ colon + 1,
			    (size_t)(at - colon - 1) };
			if (!sip_chars(u->password.p, u->password.l, "&=+$,",
			    0))
				return EBADMSG;
		}
		s = at + 1;
	}
	hp = s;
	headers = memchr(s, '?', (size_t)(end - s));
	if (headers == NULL)
		headers = end;
	params = memchr(s, ';', (size_t)(headers - s));
	if (params == NULL)
		params = headers;
	/* an IPv6 reference has no ';' or '?' inside its brackets */
	if (sip_hostport(u, hp, (size_t)(params - hp)) != 0)
		return EBADMSG;
	u->params = (struct sip_pl){ params, (size_t)(headers - params) };
	u->headers = (struct sip_pl){ headers, (size_t)(end - headers) };
	if (!sip_uri_params_ok(u->params.p, u->params.l) ||
	    !sip_uri_headers_ok(u->headers.p, u->headers.l))
		return EBADMSG;
	return 0;
}

/* ---- parameters ---- */

static bool
sip_lws(int c)
{
	return c == ' ' || c == '\t';
}

static struct sip_pl
sip_trim(const char *s, size_t len)
{
	while (len > 0 && sip_lws((unsigned char)s[0])) {
		s++;
		len--;
	}
	while (len > 0 && sip_lws((unsigned char)s[len - 1]))
		len--;
	return (struct sip_pl){ s, len };
}

/* The end of a quoted-string starting at s[0] == '"', or NULL. */
static const char *
sip_quoted_end(const char *s, const char *end)
{
	for (s++; s < end; s++) {
		if (*s == '\\') {
			/* quoted-pair: any ASCII but CR and LF */
			if (++s == end || (unsigned char)*s > 0x7f ||
			    *s == '\r' || *s == '\n')
				return NULL;
		} else if (*s == '"')
			return s + 1;
		else if (((unsigned char)*s < 0x20 && *s != '\t') ||
		    *s == 0x7f)
			return NULL;	/* §25.1: qdtext has no CTLs */
	}
	return NULL;
}

/* The next ';' outside quotes in [s, end), or end. */
static const char *
sip_next_semi(const char *s, const char *end)
{
	while (s < end && *s != ';') {
		if (*s != '"')
			s++;
		else if ((s = sip_quoted_end(s, end)) == NULL)
			return end;
	}
	return s;
}

bool
sip_uri_param(const struct sip_pl *params, const char *name,
    struct sip_pl *value)
{
	const char	*s = params->p, *end, *semi, *eq;
	struct sip_pl	 n;

	if (params->l == 0)
		return false;
	for (end = s + params->l; s < end; ) {
		if (*s == ';')
			s++;
		semi = sip_next_semi(s, end);
		eq = memchr(s, '=', (size_t)(semi - s));
		n = sip_trim(s, (size_t)((eq != NULL ? eq : semi) - s));
		if (sip_pl_caseeq(&n, name)) {
			*value = eq != NULL ? sip_trim(eq + 1,
			    (size_t)(semi - eq - 1)) : (struct sip_pl){ semi, 0 };
			return true;
		}
		s = semi;
	}
	return false;
}

bool
sip_uri_param_next(struct sip_pl *rest, struct sip_pl *name,
    struct sip_pl *value, struct sip_pl *whole)
{
	const char	*s = rest->p, *end = rest->p + rest->l, *semi, *eq;

	if (s == end)
		return false;
	if (*s == ';')
		s++;
	semi = sip_next_semi(s, end);
	eq = memchr(s, '=', (size_t)(semi - s));
	*name = sip_trim(s, (size_t)((eq != NULL ? eq : semi) - s));
	*value = eq != NULL ? sip_trim(eq + 1, (size_t)(semi - eq - 1)) :
	    (struct sip_pl){ semi, 0 };
	if (whole != NULL)
		*whole = (struct sip_pl){ rest->p, (size_t)(semi - rest->p) };
	*rest = (struct sip_pl){ semi, (size_t)(end - semi) };
	return true;
}

/*
 * *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string.
 */
static bool
sip_header_params_ok(const char *s, size_t len)
{
	const char	*end = s + len, *semi, *eq;
	struct sip_pl	 n, v;
	struct sip_uri	 h;

	while (s < end) {
		if (*s++ != ';')
			return false;
		semi = sip_next_semi(s, end);
		eq = memchr(s, '=', (size_t)(semi - s));
		n = sip_trim(s, (size_t)((eq != NULL ? eq : semi) - s));
		if (!sip_uri_token(&n))
			return false;
		if (eq != NULL) {
			v = sip_trim(eq + 1, (size_t)(semi - eq - 1));
			if (v.l == 0)
				return false;
			if (v.p[0] == '"') {
				if (sip_quoted_end(v.p, v.p + v.l) !=
				    v.p + v.l)
					return false;
			} else if (!sip_uri_token(&v) &&
			    sip_hostport(&h, v.p, v.l) != 0)
				return false;
		}
		s = semi;
	}
	return true;
}

int
sip_uri_addr(const struct sip_uri *u, struct addr *a)
{
	char		buf[80];
	uint16_t	port = u->port != 0 ? u->port : u->sips ? 5061 : 5060;

	if (u->host.l > 64)
		return EINVAL;
	snprintf(buf, sizeof buf, u->ipv6 ? "[%.*s]:%u" : "%.*s:%u",
	    (int)u->host.l, u->host.p, port);
	return addr_parse(buf, 0, a) == 0 ? 0 : EINVAL;
}

bool
sip_uri_absolute(const char *s, size_t len)
{
	const char	*colon = memchr(s, ':', len);
	size_t		 i;

	if (colon == NULL || colon == s || colon == s + len - 1 ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 0; i < (size_t)(colon - s); i++)
		if (!sip_alnum((unsigned char)s[i]) && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '<' || s[i] == '>' || s[i] == '"')
			return false;
	return true;
}

/* display-name = *(token LWS) / quoted-string; the quotes dropped. */
static int
sip_display(struct sip_addr *a, const char *s, size_t len)
{
	struct sip_pl	d = sip_trim(s, len);
	size_t		i;

	if (d.l > 0 && d.p[0] == '"') {
		if (sip_quoted_end(d.p, d.p + d.l) != d.p + d.l)
			return EBADMSG;
		a->display = (struct sip_pl){ d.p + 1, d.l - 2 };
		return 0;
	}
	for (i = 0; i < d.l; i++)
		if (!sip_uri_is_token((unsigned char)d.p[i]) &&
		    !sip_lws((unsigned char)d.p[i]))
			return EBADMSG;
	a->display = d;
	return 0;
}

int
sip_uri_addr_parse(struct sip_addr *a, const struct sip_pl *value, bool star_ok)
{
	struct sip_pl	 v = sip_trim(value->p, value->l);
	const char	*end = v.p + v.l, *s = v.p, *lt = NULL, *gt;

	memset(a, 0, sizeof *a);
	if (v.l == 1 && v.p[0] == '*' && star_ok) {
		a->star = true;
		return 0;
	}
	/* a '<' outside a quoted display name starts a name-addr */
	while (s < end && lt == NULL) {
		if (*s == '"') {
			if ((s = sip_quoted_end(s, end)) == NULL)
				return EBADMSG;
		} else if (*s == '<')
			lt = s;
		else
			s++;
	}
	if (lt != NULL) {
		if ((gt = memchr(lt, '>', (size_t)(end - lt))) == NULL ||
		    sip_display(a, v.p, (size_t)(lt - v.p)) != 0)
			return EBADMSG;
		a->uri_str = (struct sip_pl){ lt + 1, (size_t)(gt - lt - 1) };
		a->params = sip_trim(gt + 1, (size_t)(end - gt - 1));
	} else {
		/* addr-spec: the URI, then LWS may come before SEMI */
		s = memchr(v.p, ';', v.l);
		a->uri_str = sip_trim(v.p, (size_t)((s != NULL ? s : end) -
		    v.p));
		a->params = (struct sip_pl){ s != NULL ? s : end,
		    (size_t)(end - (s != NULL ? s : end)) };
	}
	if (!sip_uri_absolute(a->uri_str.p, a->uri_str.l) ||
	    !sip_header_params_ok(a->params.p, a->params.l))
		return EBADMSG;
	if ((a->uri_str.l >= 4 && strncasecmp(a->uri_str.p, "sip:", 4) == 0) ||
	    (a->uri_str.l >= 5 && strncasecmp(a->uri_str.p, "sips:", 5) == 0)) {
		if (sip_uri_parse(&a->uri, a->uri_str.p, a->uri_str.l) != 0)
			return EBADMSG;
		a->uri_sip = true;
	}
	return 0;
}
