/*
 * sip_ua_aor.c - the UA's AORs: named as the API gives them, kept
 * registered with the daemon's registrar (§10.2) and refreshed before
 * their binding runs out (§10.2.4), with digest credentials when it asks
 * (§22.2), unregistered when removed (§10.2.2); and those this node
 * publishes by destination list (RFC 7904 §3), whose calls and MESSAGEs
 * the UA takes without registering them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log_ctx.h"
#include "sip_auth.h"
#include "sip_msg.h"
#include "sip_ua.h"
#include "sip_ua_int.h"
#include "wire.h"
#include "xmalloc.h"

/* ---- AORs and their registration (§10.2) ---- */

/*
 * "user", "user@domain" or a sip:/sips: URI: the AOR of ours it names
 * ("user@domain"), or NULL.
 */
const char *
sip_ua_aor_norm(const struct sip_ua *ua, const char *s, char *out, size_t max)
{
	struct sip_uri	 u;
	const char	*at;
	char		 uri[600];
	int		 n;

	if (strncasecmp(s, "sip:", 4) == 0 || strncasecmp(s, "sips:", 5) ==
	    0) {
		if (sip_uri_parse(&u, s, strlen(s)) != 0 || u.user.l == 0 ||
		    !sip_pl_caseeq(&u.host, ua->domain))
			return NULL;
		n = snprintf(out, max, "%.*s@%s", (int)u.user.l, u.user.p,
		    ua->domain);
		return n > 0 && (size_t)n < max ? out : NULL;
	}
	if ((at = strchr(s, '@')) == NULL)
		at = s + strlen(s);
	else if (strcasecmp(at + 1, ua->domain) != 0)
		return NULL;
	/* the user part must be a URI's */
	n = snprintf(uri, sizeof uri, "sip:%.*s@%s", (int)(at - s), s,
	    ua->domain);
	if (at == s || n < 0 || (size_t)n >= sizeof uri || (size_t)n - 4 >=
	    max || sip_uri_parse(&u, uri, (size_t)n) != 0 || u.user.l == 0)
		return NULL;
	memcpy(out, uri + 4, (size_t)n - 3);
	return out;
}

struct ua_aor *
sip_ua_aor_find(const struct sip_ua *ua, const char *aor)
{
	struct ua_aor	*a;

	for (a = ua->aors; a != NULL; a = a->next)
		if (!a->removing && strcasecmp(a->aor, aor) == 0)
			return a;
	return NULL;
}

/* The AOR a call or message is from: from as given, or the first. */
struct ua_aor *
sip_ua_aor_from(const struct sip_ua *ua, const char *from)
{
	struct ua_aor	*a;
	char		 norm[512];

	if (from != NULL)
		return sip_ua_aor_norm(ua, from, norm, sizeof norm) != NULL ?
		    sip_ua_aor_find(ua, norm) : NULL;
	for (a = ua->aors; a != NULL; a = a->next)
		if (!a->removing)
			return a;
	return NULL;
}

/* An AOR removed is gone once its unregistration is answered. */
void
sip_ua_aor_gone(struct sip_ua *ua, struct ua_aor *a)
{
	struct ua_aor	**p;

	for (p = &ua->aors; *p != NULL; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			sip_ua_aor_free(a);
			return;
		}
	for (p = &ua->publics; *p != NULL; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			sip_ua_aor_free(a);
			return;
		}
}

struct ua_aor *
sip_ua_aor_by_id(const struct sip_ua *ua, uint32_t id)
{
	struct ua_aor	*a;

	for (a = ua->aors; a != NULL; a = a->next)
		if (a->id == id)
			return a;
	for (a = ua->publics; a != NULL; a = a->next)
		if (a->id == id)
			return a;
	return NULL;
}

void
sip_ua_aor_refresh(struct sip_ua *ua, uint64_t now, struct ua_aor *list)
{
	struct ua_aor	*a;

	for (a = list; a != NULL; a = a->next)
		if (!a->pending && !a->removing && a->refresh_at <= now) {
			a->auth_tries = 0;
			sip_ua_aor_register(ua, now, a, ua->cfg.reg_expires);
		}
}

uint64_t
sip_ua_aor_next(const struct ua_aor *list)
{
	const struct ua_aor	*a;
	uint64_t		 t = UINT64_MAX;

	for (a = list; a != NULL; a = a->next)
		if (!a->pending && !a->removing && a->refresh_at < t)
			t = a->refresh_at;
	return t;
}

void
sip_ua_aor_register(struct sip_ua *ua, uint64_t now, struct ua_aor *a,
    uint32_t expires)
{
	struct wbuf	 w;
	char		 branch[40], tag[24], uri[300], auth[1024], cn[24];

	sip_ua_branch(ua, branch, sizeof branch);
	sip_ua_tag(ua, tag, sizeof tag);
	if (a->registrar != NULL)	/* a public registration */
		snprintf(uri, sizeof uri, "%s", a->registrar);
	else
		snprintf(uri, sizeof uri, "sip:%s", ua->domain);
	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_printf(&w, "REGISTER %s SIP/2.0\r\n", uri);
	sip_ua_via(ua, &w, branch);
	wbuf_printf(&w, "From: <sip:%s>;tag=%s\r\nTo: <sip:%s>\r\n"
	    "Call-ID: %s\r\nCSeq: %u REGISTER\r\n", a->aor, tag, a->aor,
	    a->call_id, ++a->cseq);
	if (a->contact != NULL)
		wbuf_printf(&w, "Contact: <%s>;expires=%u\r\n", a->contact,
		    expires);
	else
		wbuf_printf(&w, "Contact: <sip:%s@%s>;expires=%u\r\n",
		    a->user, ua->self, expires);
	wbuf_printf(&w, "Expires: %u\r\n", expires);
	/* §22.2: the credentials the last challenge asked for, again */
	if (a->challenge != NULL && a->password != NULL) {
		sip_ua_tag(ua, cn, sizeof cn);
		if (sip_auth_answer(&(struct sip_pl){ a->challenge,
		    strlen(a->challenge) }, a->auth_user != NULL ?
		    a->auth_user : a->user, a->password, "REGISTER",
		    uri, ++a->nc, cn, auth, sizeof auth) == 0)
			wbuf_printf(&w, "Authorization: %s\r\n", auth);
	}
	sip_msg_end(&w, NULL, 0);
	a->pending = sip_ua_request(ua, now, &w,
	    COOKIE(a->id, K_REGISTER)) == 0;
	if (!a->pending)
		a->refresh_at = now + UA_REG_RETRY_S * 1000;
	else
		a->refresh_at = UINT64_MAX;
}

void
sip_ua_aor_registered(struct sip_ua *ua, struct ua_aor *a, unsigned status,
    const char *reason)
{
	struct sip_ua_action	act;

	memset(&act, 0, sizeof act);
	act.type = SIP_UA_REGISTERED;
	act.to = xstrdup(a->aor);
	act.status = status;
	act.text = xstrdup(reason);
	sip_ua_push(ua, &act);
}

void
sip_ua_aor_response(struct sip_ua *ua, uint64_t now, struct ua_aor *a,
    const struct sip_msg *m)
{
	const struct sip_hdr	*h;
	uint32_t		 exp = ua->cfg.reg_expires;

	if (m->status < 200)
		return;
	a->pending = false;
	if ((m->status == 401 || m->status == 407) && a->password != NULL &&
	    a->auth_tries++ < UA_AUTH_TRIES &&
	    (h = sip_msg_hdr(m, m->status == 401 ? SIP_HDR_WWW_AUTHENTICATE :
	    SIP_HDR_PROXY_AUTHENTICATE, NULL)) != NULL) {
		free(a->challenge);
		a->challenge = sip_ua_pl_dup(&h->value);
		a->nc = 0;
		sip_ua_aor_register(ua, now, a, a->removing ? 0 :
		    ua->cfg.reg_expires);
		return;
	}
	if (a->removing) {
		sip_ua_aor_gone(ua, a);
		return;
	}
	a->auth_tries = 0;
	if (m->status >= 300) {
		bool	was = a->registered;

		a->registered = false;
		a->refresh_at = now + UA_REG_RETRY_S * 1000;
		if (was || a->cseq <= 2 + UA_AUTH_TRIES) {
			char	*r = sip_ua_pl_dup(&m->reason);

			lc_log(ua->log, LC_WARN, "ua: %s: REGISTER: %u %s",
			    a->aor, m->status, r);
			sip_ua_aor_registered(ua, a, m->status, r);
			free(r);
		}
		return;
	}
	/* §10.2.4: refresh before what the registrar granted runs out */
	if (m->expires > 0 && m->expires < exp)
		exp = (uint32_t)m->expires;
	a->refresh_at = now + (uint64_t)exp * 1000 / 2;
	if (!a->registered) {
		a->registered = true;
		lc_log(ua->log, LC_INFO, "ua: %s registered", a->aor);
		sip_ua_aor_registered(ua, a, m->status, "OK");
	}
}

int
sip_ua_aor_add(struct sip_ua *ua, uint64_t now, const char *aor,
    const char *password, enum sip_ua_answer answer)
{
	struct ua_aor	*a, **tail;
	char		 norm[512];

	ua->now = now;
	if (sip_ua_aor_norm(ua, aor, norm, sizeof norm) == NULL)
		return EINVAL;
	if ((a = sip_ua_aor_find(ua, norm)) != NULL) {
		a->answer = answer;
		return EEXIST;
	}
	if (ua->naors == SIP_UA_AORS_MAX)
		return ENOSPC;
	a = xcalloc(1, sizeof *a);
	a->id = ++ua->next_id;
	a->aor = xstrdup(norm);
	a->user = xstrndup(norm, strcspn(norm, "@"));
	a->password = password != NULL ? xstrdup(password) : NULL;
	a->answer = answer;
	sip_ua_tag(ua, a->call_id, sizeof a->call_id);
	for (tail = &ua->aors; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = a;
	ua->naors++;
	sip_ua_aor_register(ua, now, a, ua->cfg.reg_expires);
	return 0;
}

void
sip_ua_aor_free(struct ua_aor *a)
{
	free(a->aor);
	free(a->user);
	free(a->password);
	free(a->challenge);
	free(a->registrar);
	free(a->contact);
	free(a->auth_user);
	free(a);
}

/* ---- public registrations (draft-marocco-p2psip-interwork §4.2) ---- */

static struct ua_aor *
ua_public_find(const struct sip_ua *ua, const char *aor)
{
	struct ua_aor	*a;

	for (a = ua->publics; a != NULL; a = a->next)
		if (!a->removing && strcasecmp(a->aor, aor) == 0)
			return a;
	return NULL;
}

/* "user@domain" (or sip:user@domain) of another domain, into out. */
static const char *
ua_public_norm(const struct sip_ua *ua, const char *s, char *out, size_t max)
{
	struct sip_uri	u;
	char		uri[600];
	int		n;

	n = snprintf(uri, sizeof uri, "%s%s", strncasecmp(s, "sip:", 4) == 0 ?
	    "" : "sip:", s);
	if (n < 0 || (size_t)n >= sizeof uri || sip_uri_parse(&u, uri,
	    (size_t)n) != 0 || u.user.l == 0 || u.host.l == 0 ||
	    sip_pl_caseeq(&u.host, ua->domain) || u.params.l != 0)
		return NULL;
	n = snprintf(out, max, "%.*s@%.*s", (int)u.user.l, u.user.p,
	    (int)u.host.l, u.host.p);
	return n > 0 && (size_t)n < max ? out : NULL;
}

int
sip_ua_public_add(struct sip_ua *ua, uint64_t now, const char *aor,
    const char *registrar, const char *user, const char *password,
    const char *contact, const char **why)
{
	struct ua_aor	*a;
	struct sip_uri	 u;
	char		 norm[512], cnorm[512];

	ua->now = now;
	*why = "not an AOR of another domain (user@domain)";
	if (ua_public_norm(ua, aor, norm, sizeof norm) == NULL)
		return EINVAL;
	*why = "the registrar is not a SIP URI";
	if ((strncasecmp(registrar, "sip:", 4) != 0 &&
	    strncasecmp(registrar, "sips:", 5) != 0) ||
	    sip_uri_parse(&u, registrar, strlen(registrar)) != 0)
		return EINVAL;
	*why = "no AOR of ours to register as the contact (ua add)";
	if (contact == NULL && ua->aors != NULL)
		contact = ua->aors->aor;
	if (contact == NULL || sip_ua_aor_norm(ua, contact, cnorm,
	    sizeof cnorm) == NULL)
		return EINVAL;
	*why = "too many";
	if ((a = ua_public_find(ua, norm)) != NULL)
		sip_ua_public_remove(ua, now, norm);
	else if (ua->naors == SIP_UA_AORS_MAX)
		return ENOSPC;
	a = xcalloc(1, sizeof *a);
	a->id = ++ua->next_id;
	a->aor = xstrdup(norm);
	a->user = xstrndup(norm, strcspn(norm, "@"));
	a->auth_user = xstrdup(user);
	a->password = xstrdup(password);
	a->registrar = xstrdup(registrar);
	a->contact = xasprintf("sip:%s", cnorm);
	sip_ua_tag(ua, a->call_id, sizeof a->call_id);
	a->next = ua->publics;
	ua->publics = a;
	sip_ua_aor_register(ua, now, a, ua->cfg.reg_expires);
	*why = NULL;
	return 0;
}

int
sip_ua_public_remove(struct sip_ua *ua, uint64_t now, const char *aor)
{
	struct ua_aor	*a;
	char		 norm[512];

	ua->now = now;
	if (ua_public_norm(ua, aor, norm, sizeof norm) == NULL ||
	    (a = ua_public_find(ua, norm)) == NULL)
		return ENOENT;
	a->removing = true;
	a->auth_tries = 0;
	sip_ua_aor_register(ua, now, a, 0);
	if (!a->pending)
		sip_ua_aor_gone(ua, a);
	return 0;
}

const char *
sip_ua_public(const struct sip_ua *ua, unsigned i, const char **registrar,
    const char **contact, bool *registered)
{
	struct ua_aor	*a;

	for (a = ua->publics; a != NULL; a = a->next)
		if (!a->removing && i-- == 0)
			break;
	if (a == NULL)
		return NULL;
	*registrar = a->registrar;
	*contact = a->contact;
	*registered = a->registered;
	return a->aor;
}

int
sip_ua_aor_remove(struct sip_ua *ua, uint64_t now, const char *aor)
{
	struct ua_aor	*a;
	char		 norm[512];

	ua->now = now;
	if (sip_ua_aor_norm(ua, aor, norm, sizeof norm) == NULL)
		return EINVAL;
	if ((a = sip_ua_aor_find(ua, norm)) == NULL)
		return ENOENT;
	/* §10.2.2: its binding goes (with credentials, if asked) */
	a->removing = true;
	a->auth_tries = 0;
	ua->naors--;
	sip_ua_aor_register(ua, now, a, 0);
	if (!a->pending)
		sip_ua_aor_gone(ua, a);
	return 0;
}

/* ---- AORs published by destination list (RFC 7904 §3) ---- */

struct ua_aor **
sip_ua_aor_hosted(struct sip_ua *ua, const char *aor)
{
	struct ua_aor	**p;

	for (p = &ua->hosted; *p != NULL; p = &(*p)->next)
		if (strcasecmp((*p)->aor, aor) == 0)
			break;
	return p;
}

int
sip_ua_host(struct sip_ua *ua, const char *aor, enum sip_ua_answer answer)
{
	struct ua_aor	**p, *a;
	char		  norm[512];

	if (sip_ua_aor_norm(ua, aor, norm, sizeof norm) == NULL)
		return EINVAL;
	if (*(p = sip_ua_aor_hosted(ua, norm)) != NULL) {
		(*p)->answer = answer;
		return EEXIST;
	}
	a = xcalloc(1, sizeof *a);
	a->aor = xstrdup(norm);
	a->user = xstrndup(norm, strcspn(norm, "@"));
	a->answer = answer;
	*p = a;
	return 0;
}

int
sip_ua_unhost(struct sip_ua *ua, const char *aor)
{
	struct ua_aor	**p, *a;
	char		  norm[512];

	if (sip_ua_aor_norm(ua, aor, norm, sizeof norm) == NULL)
		return EINVAL;
	if ((a = *(p = sip_ua_aor_hosted(ua, norm))) == NULL)
		return ENOENT;
	*p = a->next;
	sip_ua_aor_free(a);
	return 0;
}

const char *
sip_ua_aor(const struct sip_ua *ua, unsigned i, enum sip_ua_answer *answer,
    bool *registered)
{
	struct ua_aor	*a;

	for (a = ua->aors; a != NULL; a = a->next)
		if (!a->removing && i-- == 0)
			break;
	if (a == NULL)
		return NULL;
	if (answer != NULL)
		*answer = a->answer;
	if (registered != NULL)
		*registered = a->registered;
	return a->aor;
}
