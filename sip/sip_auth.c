/*
 * sip_auth.c - Digest authentication for the registrar (RFC 3261 §22,
 * RFC 2617 §3, RFC 8760).  Hashes and the nonce's MAC are OpenSSL's.
 *
 * A nonce is 8 hex digits of the time it was made and 32 of an
 * HMAC-SHA-256 of them under a random secret of this process, so any
 * nonce we made is recognised, with no state, until it is
 * SIP_AUTH_NONCE_S old (then the challenge says stale=true, RFC 2617
 * §3.2.1).  Deviation: nonce counts are not tracked, so a request
 * replayed within a nonce's life is taken again (RFC 2617 §4.5 leaves
 * that to the server); for REGISTER it can only refresh a binding its
 * user made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hex.h"
#include "rng.h"
#include "sip_auth.h"
#include "sip_msg.h"
#include "xmalloc.h"

#define SIP_AUTH_PARAMS	16	/* auth-params in one header */
#define SIP_AUTH_VALUE	256	/* bytes in one parameter's value */

struct sip_auth_user {
	char		*name;
	char		 ha1_md5[33];		/* H(user:realm:password) */
	char		 ha1_sha256[65];
};

struct sip_auth {
	char			*realm;
	uint8_t			 secret[32];
	struct sip_auth_user	*users;
	unsigned		 nusers;
};

struct sip_auth *
sip_auth_new(const char *realm, struct rng *rng)
{
	struct sip_auth	*a = xcalloc(1, sizeof *a);

	a->realm = xstrdup(realm);
	rng->fill(a->secret, sizeof a->secret, rng->arg);
	return a;
}

static void
sip_auth_clear_users(struct sip_auth *a)
{
	unsigned	i;

	for (i = 0; i < a->nusers; i++)
		free(a->users[i].name);
	OPENSSL_cleanse(a->users, a->nusers * sizeof a->users[0]);
	free(a->users);
	a->users = NULL;
	a->nusers = 0;
}

void
sip_auth_free(struct sip_auth *a)
{
	if (a == NULL)
		return;
	sip_auth_clear_users(a);
	OPENSSL_cleanse(a->secret, sizeof a->secret);
	free(a->realm);
	free(a);
}

unsigned
sip_auth_users(const struct sip_auth *a)
{
	return a->nusers;
}

/* H(data) in hex (RFC 2617 §3.1.3, RFC 8760 §2). */
static void
sip_auth_h(const EVP_MD *md, const char *data, char *out)
{
	uint8_t		d[EVP_MAX_MD_SIZE];
	unsigned	dl = 0;

	if (EVP_Digest(data, strlen(data), d, &dl, md, NULL) != 1)
		dl = 0;
	hex_encode(d, dl, out);
}

static const EVP_MD *
sip_auth_md(const char *algorithm)
{
	if (algorithm == NULL || strcasecmp(algorithm, "MD5") == 0)
		return EVP_md5();
	if (strcasecmp(algorithm, "SHA-256") == 0)
		return EVP_sha256();
	return NULL;
}

void
sip_auth_set_users(struct sip_auth *a, const char *const *names,
    const char *const *passwords, unsigned n)
{
	char		*s;
	unsigned	 i;

	sip_auth_clear_users(a);
	a->users = xcalloc(n != 0 ? n : 1, sizeof a->users[0]);
	for (i = 0; i < n; i++) {
		a->users[i].name = xstrdup(names[i]);
		s = xasprintf("%s:%s:%s", names[i], a->realm, passwords[i]);
		sip_auth_h(EVP_md5(), s, a->users[i].ha1_md5);
		sip_auth_h(EVP_sha256(), s, a->users[i].ha1_sha256);
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
	a->nusers = n;
}

/* response from HA1 (RFC 2617 §3.2.2.1). */
static void
sip_auth_resp_ha1(const EVP_MD *md, const char *ha1, const char *method,
    const char *uri, const char *nonce, const char *nc, const char *cnonce,
    const char *qop, char *out)
{
	char	ha2[65], *s;

	s = xasprintf("%s:%s", method, uri);
	sip_auth_h(md, s, ha2);
	free(s);
	if (qop != NULL)
		s = xasprintf("%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop,
		    ha2);
	else
		s = xasprintf("%s:%s:%s", ha1, nonce, ha2);
	sip_auth_h(md, s, out);
	free(s);
}

int
sip_auth_response(const char *algorithm, const char *user, const char *realm,
    const char *password, const char *method, const char *uri,
    const char *nonce, const char *nc, const char *cnonce, const char *qop,
    char out[65])
{
	const EVP_MD	*md = sip_auth_md(algorithm);
	char		 ha1[65], *s;

	if (md == NULL)
		return EINVAL;
	s = xasprintf("%s:%s:%s", user, realm, password);
	sip_auth_h(md, s, ha1);
	free(s);
	sip_auth_resp_ha1(md, ha1, method, uri, nonce, nc, cnonce, qop, out);
	return 0;
}

/* ---- nonces ---- */

static void
sip_auth_nonce(const struct sip_auth *a, uint32_t t, char out[41])
{
	uint8_t		mac[32];
	unsigned	ml = sizeof mac;
	char		ts[9];

	snprintf(ts, sizeof ts, "%08x", t);
	if (HMAC(EVP_sha256(), a->secret, sizeof a->secret,
	    (const uint8_t *)ts, 8, mac, &ml) == NULL)
		memset(mac, 0, sizeof mac);
	memcpy(out, ts, 8);
	hex_encode(mac, 16, out + 8);
}

/* 1: ours and fresh; 0: ours and stale; -1: not ours. */
static int
sip_auth_nonce_ok(const struct sip_auth *a, uint64_t now_s,
    const char *nonce)
{
	char		 want[41];
	unsigned long	 t;
	char		*end;

	if (strlen(nonce) != 40)
		return -1;
	t = strtoul((char[9]){ nonce[0], nonce[1], nonce[2], nonce[3],
	    nonce[4], nonce[5], nonce[6], nonce[7], '\0' }, &end, 16);
	if (*end != '\0')
		return -1;
	sip_auth_nonce(a, (uint32_t)t, want);
	if (CRYPTO_memcmp(want, nonce, 40) != 0)
		return -1;
	return (uint32_t)now_s - (uint32_t)t <= SIP_AUTH_NONCE_S ? 1 : 0;
}

/* ---- the Authorization header (RFC 3261 §25.1, RFC 2617 §3.2.2) ---- */

struct sip_auth_param {
	char	name[16];
	char	value[SIP_AUTH_VALUE];
};

static bool
sip_auth_tokenc(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("-.!%*_+`'~", c) != NULL;
}

static const char *
sip_auth_lws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* "Digest" auth-param *(COMMA auth-param) into ps; the number, or -1. */
static int
sip_auth_parse(const struct sip_pl *v, struct sip_auth_param *ps)
{
	const char	*p = v->p, *e = v->p + v->l, *s;
	size_t		 l;
	int		 n = 0;

	if (v->l < 7 || strncasecmp(p, "Digest", 6) != 0 ||
	    (p[6] != ' ' && p[6] != '\t'))
		return -1;
	p = sip_auth_lws(p + 6, e);
	for (;;) {
		if (n == SIP_AUTH_PARAMS)
			return -1;
		for (s = p; p < e && sip_auth_tokenc(*p); p++)
			;
		if (p == s || (size_t)(p - s) >= sizeof ps[n].name)
			return -1;
		memcpy(ps[n].name, s, (size_t)(p - s));
		ps[n].name[p - s] = '\0';
		p = sip_auth_lws(p, e);
		if (p == e || *p++ != '=')
			return -1;
		p = sip_auth_lws(p, e);
		l = 0;
		if (p < e && *p == '"') {		/* quoted-string */
			for (p++; p < e && *p != '"'; p++) {
				if (*p == '\\' && ++p == e)
					return -1;
				if (l + 1 >= SIP_AUTH_VALUE ||
				    (unsigned char)*p < 0x20)
					return -1;
				ps[n].value[l++] = *p;
			}
			if (p == e)
				return -1;
			p++;
		} else {
			for (s = p; p < e && sip_auth_tokenc(*p); p++)
				;
			if (p == s || (size_t)(p - s) >= SIP_AUTH_VALUE)
				return -1;
			memcpy(ps[n].value, s, (size_t)(p - s));
			l = (size_t)(p - s);
		}
		ps[n++].value[l] = '\0';
		p = sip_auth_lws(p, e);
		if (p == e)
			return n;
		if (*p++ != ',')
			return -1;
		p = sip_auth_lws(p, e);
	}
}

static const char *
sip_auth_get(const struct sip_auth_param *ps, int n, const char *name)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(ps[i].name, name) == 0)
			return ps[i].value;
	return NULL;
}

static void
sip_auth_challenge(const struct sip_auth *a, uint64_t now_s, bool stale,
    char *out)
{
	char	nonce[41];

	sip_auth_nonce(a, (uint32_t)now_s, nonce);
	snprintf(out, SIP_AUTH_CHALLENGE_MAX, "Digest realm=\"%s\", "
	    "nonce=\"%s\", algorithm=MD5, qop=\"auth\"%s", a->realm, nonce,
	    stale ? ", stale=true" : "");
}

enum sip_auth_result
sip_auth_check(struct sip_auth *a, uint64_t now_s, const struct sip_msg *m,
    bool proxy, const char *user, sip_auth_uri_cb uri_ok, void *arg,
    char challenge[SIP_AUTH_CHALLENGE_MAX], const char **why)
{
	enum sip_hdr_id		 hid = proxy ? SIP_HDR_PROXY_AUTHORIZATION :
				    SIP_HDR_AUTHORIZATION;
	struct sip_auth_param	 ps[SIP_AUTH_PARAMS];
	const struct sip_hdr	*h;
	const struct sip_auth_user *u = NULL;
	const char		*un, *realm, *nonce, *uri, *resp, *alg, *qop;
	const char		*nc, *cnonce;
	const EVP_MD		*md;
	char			 method[32], want[65] = "";
	unsigned		 i;
	int			 n, fresh;

	/* the credentials for our realm, if any (§22.4: one per realm) */
	for (h = sip_msg_hdr(m, hid, NULL); h != NULL;
	    h = sip_msg_hdr(m, hid, h)) {
		if ((n = sip_auth_parse(&h->value, ps)) < 0) {
			*why = "Bad Authorization header";
			return SIP_AUTH_BAD;
		}
		if ((realm = sip_auth_get(ps, n, "realm")) != NULL &&
		    strcmp(realm, a->realm) == 0)
			break;
	}
	if (h == NULL) {
		sip_auth_challenge(a, now_s, false, challenge);
		return SIP_AUTH_CHALLENGE;
	}
	un = sip_auth_get(ps, n, "username");
	nonce = sip_auth_get(ps, n, "nonce");
	uri = sip_auth_get(ps, n, "uri");
	resp = sip_auth_get(ps, n, "response");
	alg = sip_auth_get(ps, n, "algorithm");
	qop = sip_auth_get(ps, n, "qop");
	nc = sip_auth_get(ps, n, "nc");
	cnonce = sip_auth_get(ps, n, "cnonce");
	if (un == NULL || nonce == NULL || uri == NULL || resp == NULL ||
	    (qop != NULL && (strcasecmp(qop, "auth") != 0 || nc == NULL ||
	    cnonce == NULL))) {
		*why = "Bad Authorization header (missing or unknown "
		    "parameters)";
		return SIP_AUTH_BAD;
	}
	if ((md = sip_auth_md(alg)) == NULL) {
		sip_auth_challenge(a, now_s, false, challenge);
		return SIP_AUTH_CHALLENGE;
	}
	/* RFC 2617 §3.2.2.5: the digest covers this request's URI (or,
	 * as phones write it, the registrar's) */
	if ((strlen(uri) != m->ruri_str.l ||
	    memcmp(uri, m->ruri_str.p, m->ruri_str.l) != 0) &&
	    (uri_ok == NULL || !uri_ok(uri, m, arg))) {
		*why = "Bad Authorization header (uri is not the "
		    "Request-URI)";
		return SIP_AUTH_BAD;
	}
	if ((fresh = sip_auth_nonce_ok(a, now_s, nonce)) < 0) {
		sip_auth_challenge(a, now_s, false, challenge);
		return SIP_AUTH_CHALLENGE;
	}
	for (i = 0; i < a->nusers; i++)
		if (strcmp(a->users[i].name, un) == 0)
			u = &a->users[i];
	snprintf(method, sizeof method, "%.*s", (int)m->method.l,
	    m->method.p);
	if (u != NULL)
		sip_auth_resp_ha1(md, md == EVP_md5() ? u->ha1_md5 :
		    u->ha1_sha256, method, uri, nonce, nc, cnonce, qop, want);
	if (u == NULL || strlen(resp) != strlen(want) ||
	    CRYPTO_memcmp(resp, want, strlen(want)) != 0) {
		/* unknown user or wrong password: challenged again, and
		 * not told which */
		sip_auth_challenge(a, now_s, false, challenge);
		return SIP_AUTH_CHALLENGE;
	}
	if (!fresh) {
		sip_auth_challenge(a, now_s, true, challenge);
		return SIP_AUTH_CHALLENGE;
	}
	if (strcmp(un, user) != 0) {
		*why = "Forbidden (authenticated as another user)";
		return SIP_AUTH_FORBIDDEN;
	}
	return SIP_AUTH_OK;
}

bool
sip_auth_has_user(const struct sip_auth *a, const char *user)
{
	unsigned	i;

	for (i = 0; i < a->nusers; i++)
		if (strcmp(a->users[i].name, user) == 0)
			return true;
	return false;
}

/* ---- the client side (§22.2) ---- */

int
sip_auth_answer(const struct sip_pl *challenge, const char *user,
    const char *password, const char *method, const char *uri, uint32_t nc,
    const char *cnonce, char *out, size_t max)
{
	struct sip_auth_param	 ps[SIP_AUTH_PARAMS];
	const char		*realm, *nonce, *alg, *qop, *opaque;
	char			 resp[65], ncs[9];
	bool			 auth = false;
	int			 n, w;

	if ((n = sip_auth_parse(challenge, ps)) < 0 ||
	    (realm = sip_auth_get(ps, n, "realm")) == NULL ||
	    (nonce = sip_auth_get(ps, n, "nonce")) == NULL)
		return EINVAL;
	if ((alg = sip_auth_get(ps, n, "algorithm")) == NULL)
		alg = "MD5";
	opaque = sip_auth_get(ps, n, "opaque");
	/* qop-options: a quoted list; we take "auth" if it is offered
	 * (RFC 2617 §3.2.1), else the RFC 2069 form */
	if ((qop = sip_auth_get(ps, n, "qop")) != NULL) {
		const char	*p = qop;
		size_t		 l;

		while (*p != '\0') {
			p += strspn(p, " \t,");
			l = strcspn(p, " \t,");
			auth |= l == 4 && strncasecmp(p, "auth", 4) == 0;
			p += l;
		}
		if (!auth)
			return EINVAL;	/* auth-int only */
	}
	snprintf(ncs, sizeof ncs, "%08x", nc);
	if (sip_auth_response(alg, user, realm, password, method, uri, nonce,
	    ncs, cnonce, auth ? "auth" : NULL, resp) != 0)
		return EINVAL;
	w = snprintf(out, max, "Digest username=\"%s\", realm=\"%s\", "
	    "nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s%s%s%s%s"
	    "%s%s%s", user, realm, nonce, uri, resp, alg,
	    auth ? ", qop=auth, nc=" : "", auth ? ncs : "",
	    auth ? ", cnonce=\"" : "", auth ? cnonce : "", auth ? "\"" : "",
	    opaque != NULL ? ", opaque=\"" : "", opaque != NULL ? opaque : "");
	if (w < 0 || (size_t)w + 2 >= max)
		return EINVAL;
	if (opaque != NULL)
		strcat(out, "\"");
	return 0;
}
