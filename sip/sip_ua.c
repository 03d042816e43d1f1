/*
 * sip_ua.c - the daemon's own user agent, sans I/O (sip_ua.h).
 *
 * One transaction layer (sip_txn.h) carries every request and response;
 * this file is its transaction user: the registration client (§10.2,
 * §22.2), the INVITE client and server with their dialogs (§12, §13,
 * §14 for a re-INVITE's offer), BYE (§15), CANCEL (§9), the 2xx's own
 * retransmission and its ACK (§13.3.1.4, §13.2.2.4), the other dialogs a
 * forked INVITE's further 2xx make (§13.2.2.4: ACKed, then ended with
 * BYE), and MESSAGE (RFC 3428).  Every request goes to the daemon's
 * proxy; in a dialog it carries the route set (§12.2.1.1), whose first
 * hop is that proxy too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fifo.h"
#include "log_ctx.h"
#include "rng.h"
#include "sdp.h"
#include "sip_auth.h"
#include "sip_msg.h"
#include "sip_ua.h"
#include "wire.h"
#include "xmalloc.h"

#define UA_ALLOW	"INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE"
#define UA_TE_PT	101		/* telephone-event's payload type */
#define UA_LINGER_MS	32000		/* an ended call is kept (64*T1) */
#define UA_REG_RETRY_S	30		/* after a failed REGISTER */
#define UA_AUTH_TRIES	2		/* 401s in a row before we give up */
#define UA_FORKS_MAX	8		/* forked dialogs kept for one call */

enum ua_kind {		/* what a client transaction's cookie names */
	K_INVITE = 1,
	K_BYE,
	K_CANCEL,
	K_MESSAGE,
	K_REGISTER,
	K_NONE,		/* an answer of no interest */
	K_FORK,		/* the BYE ending a forked dialog */
};

#define COOKIE(id, k)	(((uint64_t)(id) << 3) | (k))

struct ua_aor {
	uint32_t	 id;
	char		*aor;		/* user@domain */
	char		*user;
	char		*password;	/* NULL: none */
	enum sip_ua_answer answer;
	char		 call_id[40];
	uint32_t	 cseq;
	bool		 registered;
	bool		 pending;	/* a REGISTER is out */
	bool		 removing;	/* unregistering, then gone */
	uint64_t	 refresh_at;	/* ms; send the next one */
	char		*challenge;	/* the last WWW-Authenticate */
	uint32_t	 nc;
	unsigned	 auth_tries;
	struct ua_aor	*next;
};

/*
 * A dialog another 2xx for our forked INVITE made (§12.1.2, §13.2.2.4):
 * ACKed and ended with BYE at once; kept while its 2xx may be resent
 * (64*T1, §13.3.1.4) to ACK it again, and until its BYE is answered.
 */
struct ua_fork {
	uint32_t	 id;
	char		*tag;		/* its To-tag, the remote tag */
	uint8_t		*ack;		/* its ACK, resent */
	size_t		 ack_len;
	uint64_t	 until;		/* its 2xx is resent until then */
	bool		 bye_done;	/* the BYE answered (or given up) */
	struct ua_fork	*next;
};

struct ua_call {
	uint32_t	 id;
	bool		 outgoing;
	enum sip_ua_state state;
	char		*aor;		/* ours, user@domain */
	char		*peer;		/* the remote URI */
	char		*call_id;
	char		*local_hdr;	/* From or To value with our tag */
	char		*remote_hdr;	/* with theirs, once known */
	char		*remote_tag;	/* theirs, once known (NULL: not) */
	char		*target;	/* remote target (§12.1) */
	char		*routes;	/* "Route: ..\r\n" lines */
	char		*ruri;		/* the INVITE's Request-URI */
	uint32_t	 local_cseq;
	uint32_t	 remote_cseq;
	unsigned	 status;
	char		*reason;
	uint64_t	 created, answered, ended;
	uint32_t	 duration_s;	/* hang up after, answered */
	/* the INVITE client */
	char		 branch[32];	/* of the INVITE, for CANCEL */
	bool		 provisional;	/* a 1xx came: CANCEL may go */
	bool		 cancel;	/* hung up before one came */
	uint8_t		*ack;		/* the ACK for the 2xx, resent */
	size_t		 ack_len;
	struct ua_fork	*forks;		/* other 2xx's dialogs */
	unsigned	 nforks;
	/* the INVITE server */
	uint64_t	 txn;
	struct sip_msg	*invite;
	uint8_t		*ok;		/* our 2xx, resent until ACKed */
	size_t		 ok_len;
	uint64_t	 ok_next;
	uint32_t	 ok_iv;
	uint64_t	 ok_until;
	bool		 late_offer;	/* our offer went in the 2xx */
	/* media */
	uint16_t	 port;		/* 0: none asked for */
	struct sdp_local local;
	struct sdp	*offer;		/* ours (UAC, or a late offer) */
	char		*answer;	/* ours (UAS), as sent */
	bool		 media;
	struct sdp_stream stream;
	struct ua_call	*next;
};

struct ua_msg {
	uint32_t	 id;
	uint64_t	 cookie;
	struct ua_msg	*next;
};

struct sip_ua {
	struct sip_ua_cfg cfg;
	char		*domain;
	char		*media_addr;
	char		*user_agent;
	struct rng	*rng;
	struct log_ctx	*log;
	struct sip_txl	*txl;
	struct sip_flow	 proxy;
	char		 self[ADDR_STRLEN];
	struct fifo	 acts;
	struct ua_aor	*aors;
	unsigned	 naors;
	struct ua_aor	*hosted;	/* AORs published by destination
					   list: taken, not registered */
	struct ua_call	*calls;
	unsigned	 ncalls;
	struct ua_msg	*msgs;
	uint32_t	 next_id;
	struct sdp	*scratch;	/* offers and answers parsed */
	uint64_t	 now;		/* the last time given */
};

static const char *const ua_state_names[] = {
	"calling", "ringing", "incoming", "active", "ended",
};

static const char *const ua_answer_names[] = { "ring", "auto", "reject" };

const char *
sip_ua_state_name(enum sip_ua_state s)
{
	return ua_state_names[s];
}

const char *
sip_ua_answer_name(enum sip_ua_answer a)
{
	return ua_answer_names[a];
}

int
sip_ua_answer_parse(const char *s, enum sip_ua_answer *a)
{
	unsigned	i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, ua_answer_names[i]) == 0) {
			*a = (enum sip_ua_answer)i;
			return 0;
		}
	return EINVAL;
}

/* ---- actions ---- */

static void
ua_push(struct sip_ua *ua, struct sip_ua_action *a)
{
	fifo_push(&ua->acts, a);
}

static void
ua_send(struct sip_ua *ua, uint8_t *data, size_t len)
{
	struct sip_ua_action	a;

	memset(&a, 0, sizeof a);
	a.type = SIP_UA_SEND;
	a.flow = ua->proxy;
	a.data = data;
	a.len = len;
	ua_push(ua, &a);
}

static void
ua_send_copy(struct sip_ua *ua, const uint8_t *data, size_t len)
{
	uint8_t	*d = xmalloc(len);

	memcpy(d, data, len);
	ua_send(ua, d, len);
}

static void
ua_event(struct sip_ua *ua, struct ua_call *c, const char *event)
{
	struct sip_ua_action	a;

	memset(&a, 0, sizeof a);
	a.type = SIP_UA_CALL;
	a.call = c->id;
	a.event = event;
	ua_push(ua, &a);
}

void
sip_ua_action_clear(struct sip_ua_action *a)
{
	free(a->data);
	free(a->from);
	free(a->to);
	free(a->text);
	memset(a, 0, sizeof *a);
}

static void	ua_drain(struct sip_ua *, uint64_t);

/* What the transaction layer queued since (the API's requests and
 * responses) comes first. */
bool
sip_ua_next_action(struct sip_ua *ua, struct sip_ua_action *a)
{
	ua_drain(ua, ua->now);
	return fifo_pop(&ua->acts, a);
}

/* ---- small helpers ---- */

static char *
pl_dup(const struct sip_pl *pl)
{
	return xstrndup(pl->p, pl->l);
}

static void
ua_tag(struct sip_ua *ua, char *out, size_t max)
{
	sip_msg_tag(ua->rng, out, max);
}

static void
ua_branch(struct sip_ua *ua, char *out, size_t max)
{
	char	t[24];

	ua_tag(ua, t, sizeof t);
	snprintf(out, max, "z9hG4bK%s", t);
}

/* Via, Max-Forwards and (if set) User-Agent. */
static void
ua_via(struct sip_ua *ua, struct wbuf *w, const char *branch)
{
	wbuf_printf(w, "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n"
	    "Max-Forwards: 70\r\n", ua->self, branch);
	if (ua->user_agent != NULL)
		wbuf_printf(w, "User-Agent: %s\r\n", ua->user_agent);
}

/* Hand a request to the transaction layer: 0, or its error. */
static int
ua_request(struct sip_ua *ua, uint64_t now, struct wbuf *w, uint64_t cookie)
{
	uint64_t	txn;
	int		rc;

	if (w->err) {
		wbuf_clear(w);
		return EMSGSIZE;
	}
	rc = sip_txl_request(ua->txl, now, &ua->proxy, w->p, w->len, cookie,
	    &txn);
	wbuf_clear(w);
	if (rc != 0)
		lc_log(ua->log, LC_WARN, "ua: a request not sent: %s",
		    strerror(rc));
	return rc;
}

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

/* A call target as a URI: a sip:/sips: URI as it is, else an AOR of
 * the overlay; NULL if it is neither. */
static char *
ua_target_uri(const struct sip_ua *ua, const char *t)
{
	struct sip_uri	 u;
	char		 aor[512];

	if (strncasecmp(t, "sip:", 4) == 0 || strncasecmp(t, "sips:", 5) ==
	    0)
		return sip_uri_parse(&u, t, strlen(t)) == 0 ? xstrdup(t) :
		    NULL;
	if (strchr(t, '@') != NULL) {
		char	*s = xasprintf("sip:%s", t);

		if (sip_uri_parse(&u, s, strlen(s)) == 0 && u.user.l != 0)
			return s;
		free(s);
		return NULL;
	}
	if (sip_ua_aor_norm(ua, t, aor, sizeof aor) == NULL)
		return NULL;
	return xasprintf("sip:%s", aor);
}

/* ---- AORs and their registration (§10.2) ---- */

static struct ua_aor *
ua_aor_find(const struct sip_ua *ua, const char *aor)
{
	struct ua_aor	*a;

	for (a = ua->aors; a != NULL; a = a->next)
		if (!a->removing && strcasecmp(a->aor, aor) == 0)
			return a;
	return NULL;
}

static void	ua_aor_free(struct ua_aor *);

/* The AOR a call or message is from: from as given, or the first. */
static struct ua_aor *
ua_aor_from(const struct sip_ua *ua, const char *from)
{
	struct ua_aor	*a;
	char		 norm[512];

	if (from != NULL)
		return sip_ua_aor_norm(ua, from, norm, sizeof norm) != NULL ?
		    ua_aor_find(ua, norm) : NULL;
	for (a = ua->aors; a != NULL; a = a->next)
		if (!a->removing)
			return a;
	return NULL;
}

/* An AOR removed is gone once its unregistration is answered. */
static void
ua_aor_gone(struct sip_ua *ua, struct ua_aor *a)
{
	struct ua_aor	**p;

	for (p = &ua->aors; *p != NULL; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			ua_aor_free(a);
			return;
		}
}

static struct ua_aor *
ua_aor_by_id(const struct sip_ua *ua, uint32_t id)
{
	struct ua_aor	*a;

	for (a = ua->aors; a != NULL; a = a->next)
		if (a->id == id)
			return a;
	return NULL;
}

static void
ua_register(struct sip_ua *ua, uint64_t now, struct ua_aor *a,
    uint32_t expires)
{
	struct wbuf	 w;
	char		 branch[40], tag[24], uri[300], auth[1024], cn[24];

	ua_branch(ua, branch, sizeof branch);
	ua_tag(ua, tag, sizeof tag);
	snprintf(uri, sizeof uri, "sip:%s", ua->domain);
	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_printf(&w, "REGISTER %s SIP/2.0\r\n", uri);
	ua_via(ua, &w, branch);
	wbuf_printf(&w, "From: <sip:%s>;tag=%s\r\nTo: <sip:%s>\r\n"
	    "Call-ID: %s\r\nCSeq: %u REGISTER\r\n"
	    "Contact: <sip:%s@%s>;expires=%u\r\nExpires: %u\r\n", a->aor,
	    tag, a->aor, a->call_id, ++a->cseq, a->user, ua->self, expires,
	    expires);
	/* §22.2: the credentials the last challenge asked for, again */
	if (a->challenge != NULL && a->password != NULL) {
		ua_tag(ua, cn, sizeof cn);
		if (sip_auth_answer(&(struct sip_pl){ a->challenge,
		    strlen(a->challenge) }, a->user, a->password, "REGISTER",
		    uri, ++a->nc, cn, auth, sizeof auth) == 0)
			wbuf_printf(&w, "Authorization: %s\r\n", auth);
	}
	sip_msg_end(&w, NULL, 0);
	a->pending = ua_request(ua, now, &w, COOKIE(a->id, K_REGISTER)) == 0;
	if (!a->pending)
		a->refresh_at = now + UA_REG_RETRY_S * 1000;
	else
		a->refresh_at = UINT64_MAX;
}

static void
ua_registered(struct sip_ua *ua, struct ua_aor *a, unsigned status,
    const char *reason)
{
	struct sip_ua_action	act;

	memset(&act, 0, sizeof act);
	act.type = SIP_UA_REGISTERED;
	act.to = xstrdup(a->aor);
	act.status = status;
	act.text = xstrdup(reason);
	ua_push(ua, &act);
}

static void
ua_register_response(struct sip_ua *ua, uint64_t now, struct ua_aor *a,
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
		a->challenge = pl_dup(&h->value);
		a->nc = 0;
		ua_register(ua, now, a, a->removing ? 0 : ua->cfg.reg_expires);
		return;
	}
	if (a->removing) {
		ua_aor_gone(ua, a);
		return;
	}
	a->auth_tries = 0;
	if (m->status >= 300) {
		bool	was = a->registered;

		a->registered = false;
		a->refresh_at = now + UA_REG_RETRY_S * 1000;
		if (was || a->cseq <= 2 + UA_AUTH_TRIES) {
			char	*r = pl_dup(&m->reason);

			lc_log(ua->log, LC_WARN, "ua: %s: REGISTER: %u %s",
			    a->aor, m->status, r);
			ua_registered(ua, a, m->status, r);
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
		ua_registered(ua, a, m->status, "OK");
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
	if ((a = ua_aor_find(ua, norm)) != NULL) {
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
	ua_tag(ua, a->call_id, sizeof a->call_id);
	for (tail = &ua->aors; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = a;
	ua->naors++;
	ua_register(ua, now, a, ua->cfg.reg_expires);
	return 0;
}

static void
ua_aor_free(struct ua_aor *a)
{
	free(a->aor);
	free(a->user);
	free(a->password);
	free(a->challenge);
	free(a);
}

int
sip_ua_aor_remove(struct sip_ua *ua, uint64_t now, const char *aor)
{
	struct ua_aor	*a;
	char		 norm[512];

	ua->now = now;
	if (sip_ua_aor_norm(ua, aor, norm, sizeof norm) == NULL)
		return EINVAL;
	if ((a = ua_aor_find(ua, norm)) == NULL)
		return ENOENT;
	/* §10.2.2: its binding goes (with credentials, if asked) */
	a->removing = true;
	a->auth_tries = 0;
	ua->naors--;
	ua_register(ua, now, a, 0);
	if (!a->pending)
		ua_aor_gone(ua, a);
	return 0;
}

/* ---- AORs published by destination list (RFC 7904 §3) ---- */

static struct ua_aor **
ua_hosted_find(struct sip_ua *ua, const char *aor)
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
	if (*(p = ua_hosted_find(ua, norm)) != NULL) {
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
	if ((a = *(p = ua_hosted_find(ua, norm))) == NULL)
		return ENOENT;
	*p = a->next;
	ua_aor_free(a);
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

/* ---- calls ---- */

static struct ua_call *
ua_call_by_id(const struct sip_ua *ua, uint32_t id)
{
	struct ua_call	*c;

	for (c = ua->calls; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* The call of a message's dialog: its Call-ID and our tag (in From of
 * what we sent, To of what we got), or the INVITE ringing here. */
static struct ua_call *
ua_call_of(const struct sip_ua *ua, const struct sip_msg *m, bool ours_in_from)
{
	const struct sip_pl	*tag = ours_in_from ? &m->from_tag :
				    &m->to_tag;
	struct ua_call		*c;
	struct sip_pl		 lt;
	const char		*t;

	for (c = ua->calls; c != NULL; c = c->next) {
		if (strlen(c->call_id) != m->call_id.l ||
		    memcmp(c->call_id, m->call_id.p, m->call_id.l) != 0)
			continue;
		if ((t = strstr(c->local_hdr, ";tag=")) == NULL)
			continue;
		lt.p = t + 5;
		lt.l = strcspn(lt.p, ";");
		if (lt.l == tag->l && memcmp(lt.p, tag->p, lt.l) == 0)
			return c;
	}
	return NULL;
}

static struct ua_call *
ua_call_new(struct sip_ua *ua, uint64_t now, bool outgoing, const char *aor)
{
	struct ua_call	*c = xcalloc(1, sizeof *c);

	c->id = ++ua->next_id;
	c->outgoing = outgoing;
	c->aor = xstrdup(aor);
	c->created = now;
	c->reason = xstrdup("");
	c->next = ua->calls;
	ua->calls = c;
	ua->ncalls++;
	return c;
}

static void
ua_fork_free(struct ua_fork *f)
{
	free(f->tag);
	free(f->ack);
	free(f);
}

static void
ua_call_free(struct ua_call *c)
{
	struct ua_fork	*f;

	while ((f = c->forks) != NULL) {
		c->forks = f->next;
		ua_fork_free(f);
	}
	free(c->aor);
	free(c->peer);
	free(c->call_id);
	free(c->local_hdr);
	free(c->remote_hdr);
	free(c->remote_tag);
	free(c->target);
	free(c->routes);
	free(c->ruri);
	free(c->reason);
	free(c->ack);
	sip_msg_free(c->invite);
	free(c->ok);
	free(c->offer);
	free(c->answer);
	free(c);
}

/* Our side of the media for call c: its RTP port from the driver, and
 * keys and ids from the random source.  0, or the driver's error. */
static int
ua_media_local(struct sip_ua *ua, struct ua_call *c, bool sdes_ok)
{
	struct sdp_local	*l = &c->local;
	int			 rc;

	if (c->port == 0 && (rc = ua->cfg.media_open(ua->cfg.arg, c->id,
	    &c->port)) != 0)
		return rc;
	memset(l, 0, sizeof *l);
	l->addr = ua->media_addr;
	l->port = c->port;
	l->sess_id = rng_u64(ua->rng) >> 2;
	l->version = 1;
	l->dir = SDP_SENDRECV;
	l->srtp = ua->cfg.srtp;
	l->sdes_ok = sdes_ok;
	ua->rng->fill(l->sdes_key, sizeof l->sdes_key, ua->rng->arg);
	memcpy(l->fp, ua->cfg.fp, sizeof l->fp);
	l->fp_set = ua->cfg.fp_set;
	l->te_pt = UA_TE_PT;
	return 0;
}

static void
ua_media_start(struct sip_ua *ua, struct ua_call *c)
{
	struct sip_ua_action	a;

	c->media = true;
	memset(&a, 0, sizeof a);
	a.type = SIP_UA_MEDIA;
	a.call = c->id;
	a.stream = c->stream;
	ua_push(ua, &a);
}

/* The call is over: its media stops, the event says why. */
static void
ua_end(struct sip_ua *ua, uint64_t now, struct ua_call *c, unsigned status,
    const char *reason)
{
	struct sip_ua_action	a;

	if (c->state == SIP_UA_ENDED)
		return;
	c->state = SIP_UA_ENDED;
	c->ended = now;
	if (c->status == 0 || status >= 300)
		c->status = status;
	free(c->reason);
	c->reason = xstrdup(reason);
	if (c->port != 0) {
		memset(&a, 0, sizeof a);
		a.type = SIP_UA_MEDIA_STOP;
		a.call = c->id;
		ua_push(ua, &a);
		c->port = 0;
	}
	lc_log(ua->log, LC_INFO, "ua: call %u with %s ended: %s", c->id,
	    c->peer, reason);
	ua_event(ua, c, "ended");
}

/* The start of a request in c's dialog, or in another of its Call-ID
 * (a fork's): request line to target, Via, From, To (remote), Call-ID,
 * CSeq and the route set routes (§12.2.1.1; NULL: none). */
static void
ua_dialog_start(struct sip_ua *ua, const struct ua_call *c, struct wbuf *w,
    const char *method, uint32_t cseq, const char *branch,
    const char *target, const char *remote, const char *routes)
{
	wbuf_printf(w, "%s %s SIP/2.0\r\n", method, target);
	ua_via(ua, w, branch);
	wbuf_printf(w, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n"
	    "%s", c->local_hdr, remote, c->call_id, cseq, method,
	    routes != NULL ? routes : "");
}

/* An in-dialog request's start: request line, Via, From, To, Call-ID,
 * CSeq and the route set (§12.2.1.1). */
static void
ua_dialog_request(struct sip_ua *ua, struct ua_call *c, struct wbuf *w,
    const char *method, uint32_t cseq, const char *branch)
{
	ua_dialog_start(ua, c, w, method, cseq, branch, c->target,
	    c->remote_hdr, c->routes);
}

static void
ua_bye(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct wbuf	w;
	char		branch[40];

	ua_branch(ua, branch, sizeof branch);
	wbuf_init(&w, ua->cfg.lim.max_len);
	ua_dialog_request(ua, c, &w, "BYE", ++c->local_cseq, branch);
	sip_msg_end(&w, NULL, 0);
	(void)ua_request(ua, now, &w, COOKIE(c->id, K_BYE));
}

/* §9.1: a CANCEL has the INVITE's Request-URI, Via, From, To, Call-ID
 * and CSeq number. */
static void
ua_cancel(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct wbuf	w;

	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_printf(&w, "CANCEL %s SIP/2.0\r\n", c->ruri);
	ua_via(ua, &w, c->branch);
	wbuf_printf(&w, "From: %s\r\nTo: <%s>\r\nCall-ID: %s\r\n"
	    "CSeq: %u CANCEL\r\n", c->local_hdr, c->ruri, c->call_id,
	    c->local_cseq);
	sip_msg_end(&w, NULL, 0);
	(void)ua_request(ua, now, &w, COOKIE(c->id, K_CANCEL));
}

/* Content-Type, the end of the headers and description s as body. */
static void
ua_sdp_body(struct wbuf *w, const struct sdp *s)
{
	struct wbuf	b;

	wbuf_init(&b, SDP_MAX_LEN);
	sdp_write(&b, s);
	wbuf_printf(w, "Content-Type: application/sdp\r\n");
	sip_msg_end(w, b.p, b.len);
	wbuf_clear(&b);
}

int
sip_ua_call(struct sip_ua *ua, uint64_t now, const char *from,
    const char *target, uint32_t duration_s, uint32_t *id, const char **why)
{
	struct ua_aor	*a;
	struct ua_call	*c;
	struct wbuf	 w;
	char		*uri, tag[24];
	int		 rc;

	ua->now = now;
	a = ua_aor_from(ua, from);
	if (a == NULL) {
		*why = from == NULL ? "no AOR of ours to call from (ua add)" :
		    "not an AOR of ours (ua list)";
		return EINVAL;
	}
	if ((uri = ua_target_uri(ua, target)) == NULL) {
		*why = "not an AOR or a SIP URI";
		return EINVAL;
	}
	if (ua->ncalls >= SIP_UA_CALLS_MAX) {
		free(uri);
		*why = "too many calls";
		return EBUSY;
	}
	if (ua->cfg.srtp == SDP_SRTP_REQUIRE && !ua->cfg.fp_set &&
	    !ua->cfg.tls_peers && strncasecmp(uri, "sips:", 5) != 0) {
		/* nothing to key SRTP with: no call rather than plain RTP */
		free(uri);
		*why = "[media] srtp = require needs TLS between the daemons "
		    "([sip] tls_listen) for SDES keys";
		return EINVAL;
	}
	c = ua_call_new(ua, now, true, a->aor);
	c->peer = xstrdup(uri);
	c->ruri = uri;
	c->target = xstrdup(uri);
	c->duration_s = duration_s;
	c->call_id = xmalloc(40);
	ua_tag(ua, c->call_id, 40);
	ua_tag(ua, tag, sizeof tag);
	c->local_hdr = xasprintf("<sip:%s>;tag=%s", a->aor, tag);
	c->remote_hdr = xasprintf("<%s>", uri);
	c->state = SIP_UA_CALLING;
	c->local_cseq = 1;
	/* SDES only where our signalling is TLS beyond this host (RFC 4568
	 * §8.3): a sips: target, or peers reached over TLS */
	if ((rc = ua_media_local(ua, c, ua->cfg.tls_peers ||
	    strncasecmp(uri, "sips:", 5) == 0)) != 0) {
		*why = "no RTP port free";
		ua_end(ua, now, c, 503, "no RTP port");
		return rc;
	}
	c->offer = xmalloc(sizeof *c->offer);
	sdp_offer(c->offer, &c->local);
	ua_branch(ua, c->branch, sizeof c->branch);
	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_printf(&w, "INVITE %s SIP/2.0\r\n", uri);
	ua_via(ua, &w, c->branch);
	wbuf_printf(&w, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: 1 INVITE\r\nContact: <sip:%s@%s>\r\nAllow: %s\r\n",
	    c->local_hdr, c->remote_hdr, c->call_id, a->user, ua->self,
	    UA_ALLOW);
	ua_sdp_body(&w, c->offer);
	if ((rc = ua_request(ua, now, &w, COOKIE(c->id, K_INVITE))) != 0) {
		*why = "the request could not be sent";
		ua_end(ua, now, c, 500, "not sent");
		return rc;
	}
	lc_log(ua->log, LC_INFO, "ua: call %u: %s calls %s", c->id, a->aor,
	    c->peer);
	*id = c->id;
	return 0;
}

/* The route set of a 2xx (§12.1.2: its Record-Routes, reversed) or of
 * an INVITE (§12.1.1: in order). */
static char *
ua_routes(const struct sip_msg *m, bool reverse)
{
	const struct sip_hdr	*h, *v[64];
	struct wbuf		 w;
	unsigned		 n = 0, i;
	char			*s;

	for (h = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, NULL); h != NULL &&
	    n < 64; h = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE, h))
		v[n++] = h;
	if (n == 0)
		return NULL;
	wbuf_init(&w, 65536);
	for (i = 0; i < n; i++)
		sip_msg_header(&w, "Route", &v[reverse ? n - 1 - i : i]->value);
	s = w.err ? NULL : xstrndup((const char *)w.p, w.len);
	wbuf_clear(&w);
	return s;
}

/* The Contact's URI of m, the remote target (§12.1). */
static char *
ua_contact(const struct sip_msg *m)
{
	const struct sip_hdr	*h = sip_msg_hdr(m, SIP_HDR_CONTACT, NULL);
	struct sip_addr		 a;

	if (h == NULL || sip_addr_parse(&a, &h->value, false) != 0)
		return NULL;
	return pl_dup(&a.uri_str);
}

static bool
ua_is_sdp(const struct sip_msg *m)
{
	return m->body.l > 0 && m->content_type.l >= 15 &&
	    strncasecmp(m->content_type.p, "application/sdp", 15) == 0;
}

/* §13.2.2.4: the ACK for a 2xx, a request of its own, kept to answer
 * the 2xx's retransmissions. */
static void
ua_ack(struct sip_ua *ua, struct ua_call *c)
{
	struct wbuf	w;
	char		branch[40];

	if (c->ack == NULL) {
		ua_branch(ua, branch, sizeof branch);
		wbuf_init(&w, ua->cfg.lim.max_len);
		ua_dialog_request(ua, c, &w, "ACK", 1, branch);
		sip_msg_end(&w, NULL, 0);
		if (w.err) {
			wbuf_clear(&w);
			return;
		}
		c->ack = wbuf_take(&w, &c->ack_len);
		wbuf_clear(&w);
	}
	ua_send_copy(ua, c->ack, c->ack_len);
}

static bool
ua_tag_is(const char *tag, const struct sip_pl *pl)
{
	return strlen(tag) == pl->l && memcmp(tag, pl->p, pl->l) == 0;
}

static struct ua_fork *
ua_fork_of(const struct ua_call *c, const struct sip_pl *tag)
{
	struct ua_fork	*f;

	for (f = c->forks; f != NULL; f = f->next)
		if (ua_tag_is(f->tag, tag))
			return f;
	return NULL;
}

static struct ua_fork *
ua_fork_by_id(const struct sip_ua *ua, uint32_t id)
{
	struct ua_call	*c;
	struct ua_fork	*f;

	for (c = ua->calls; c != NULL; c = c->next)
		for (f = c->forks; f != NULL; f = f->next)
			if (f->id == id)
				return f;
	return NULL;
}

/* A request in the dialog of 2xx m (a fork's, §12.1.2) into w: to its
 * Contact, along its Record-Routes reversed, To with its tag. */
static void
ua_fork_request(struct sip_ua *ua, const struct ua_call *c,
    const struct sip_msg *m, const char *method, uint32_t cseq,
    struct wbuf *w)
{
	char	*target, *remote, *routes, branch[40];

	if ((target = ua_contact(m)) == NULL)	/* §12.1.2: it must have
						   one; the Request-URI */
		target = xstrdup(c->ruri);
	remote = pl_dup(&sip_msg_hdr(m, SIP_HDR_TO, NULL)->value);
	routes = ua_routes(m, true);
	ua_branch(ua, branch, sizeof branch);
	wbuf_init(w, ua->cfg.lim.max_len);
	ua_dialog_start(ua, c, w, method, cseq, branch, target, remote,
	    routes);
	sip_msg_end(w, NULL, 0);
	free(target);
	free(remote);
	free(routes);
}

/*
 * §13.2.2.4: a 2xx with another To-tag than the dialog the call took
 * (the INVITE forked, and a second branch answered) makes a dialog of
 * its own (§12.1.2).  The first 2xx the core was given wins: this one
 * gets its own ACK, from its own route set and Contact, and a BYE at
 * once; the call and its media stay as they are.  Its retransmissions
 * get the ACK again, not another BYE.
 */
static void
ua_fork_2xx(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sip_msg *m)
{
	struct ua_fork	*f;
	struct wbuf	 w;
	uint8_t		*p;
	size_t		 n;
	uint64_t	 cookie = COOKIE(0, K_NONE);

	if ((f = ua_fork_of(c, &m->to_tag)) != NULL) {
		if (f->ack != NULL)
			ua_send_copy(ua, f->ack, f->ack_len);
		return;
	}
	/* past UA_FORKS_MAX, ACK and BYE still go, but nothing is kept:
	 * its retransmissions would be taken as new */
	if (c->nforks < UA_FORKS_MAX) {
		f = xcalloc(1, sizeof *f);
		f->id = ++ua->next_id;
		f->tag = pl_dup(&m->to_tag);
		f->until = now + 64 * (uint64_t)ua->cfg.txl.t1_ms;
		f->next = c->forks;
		c->forks = f;
		c->nforks++;
		cookie = COOKIE(f->id, K_FORK);
	}
	lc_log(ua->log, LC_INFO, "ua: call %u: a forked 2xx (To-tag %.*s): "
	    "ACK and BYE", c->id, (int)m->to_tag.l, m->to_tag.p);
	ua_fork_request(ua, c, m, "ACK", m->cseq, &w);
	if (!w.err) {
		p = wbuf_take(&w, &n);
		if (f != NULL) {
			f->ack = xmalloc(n);
			memcpy(f->ack, p, n);
			f->ack_len = n;
		}
		ua_send(ua, p, n);
	}
	wbuf_clear(&w);
	/* §12.1.2: the dialog's local sequence number is the INVITE's */
	ua_fork_request(ua, c, m, "BYE", m->cseq + 1, &w);
	if (ua_request(ua, now, &w, cookie) != 0 && f != NULL)
		f->bye_done = true;
}

/* The BYE that ended a fork's dialog was answered, or never will be. */
static void
ua_fork_done(struct sip_ua *ua, uint32_t id, unsigned status)
{
	struct ua_fork	*f = ua_fork_by_id(ua, id);

	if (f == NULL || f->bye_done)
		return;
	f->bye_done = true;
	lc_log(ua->log, LC_INFO, "ua: forked dialog %s ended: BYE %u",
	    f->tag, status);
}

static void
ua_invite_2xx(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sip_msg *m)
{
	const char	*why;
	char		*t;

	if (c->ack != NULL) {
		if (c->remote_tag != NULL && !ua_tag_is(c->remote_tag,
		    &m->to_tag))
			ua_fork_2xx(ua, now, c, m);
		else		/* a retransmission: ACK it again
				   (§13.2.2.4) */
			ua_send_copy(ua, c->ack, c->ack_len);
		return;
	}
	free(c->remote_hdr);
	c->remote_hdr = pl_dup(&sip_msg_hdr(m, SIP_HDR_TO, NULL)->value);
	free(c->remote_tag);
	c->remote_tag = pl_dup(&m->to_tag);
	if ((t = ua_contact(m)) != NULL) {
		free(c->target);
		c->target = t;
	}
	free(c->routes);
	c->routes = ua_routes(m, true);
	c->status = m->status;
	ua_ack(ua, c);
	if (c->state == SIP_UA_ENDED || c->cancel) {
		/* hung up meanwhile: §15, the answer is ended by BYE */
		ua_bye(ua, now, c);
		if (c->state != SIP_UA_ENDED)
			ua_end(ua, now, c, 487, "cancelled");
		return;
	}
	if (!ua_is_sdp(m) || sdp_parse(ua->scratch, m->body.p, m->body.l,
	    &why) != 0) {
		if (!ua_is_sdp(m))
			why = "no SDP answer";
		ua_bye(ua, now, c);
		ua_end(ua, now, c, 488, why);
		return;
	}
	if (sdp_accept(&c->stream, c->offer, ua->scratch, &c->local,
	    &why) != 0) {
		ua_bye(ua, now, c);
		ua_end(ua, now, c, 488, why);
		return;
	}
	c->state = SIP_UA_ACTIVE;
	c->answered = now;
	ua_media_start(ua, c);
	lc_log(ua->log, LC_INFO, "ua: call %u answered", c->id);
	ua_event(ua, c, "answered");
}

static void
ua_invite_response(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sip_msg *m)
{
	char	*r;

	if (m->status < 200) {
		if (m->status == 100 || c->state == SIP_UA_ENDED)
			return;
		if (!c->provisional) {
			c->provisional = true;
			if (c->cancel) {	/* §9.1: now it may go */
				ua_cancel(ua, now, c);
				return;
			}
		}
		if (c->state == SIP_UA_CALLING && (m->status == 180 ||
		    m->status == 183)) {
			c->state = SIP_UA_RINGING;
			ua_event(ua, c, "ringing");
		}
		return;
	}
	if (m->status < 300) {
		ua_invite_2xx(ua, now, c, m);
		return;
	}
	r = pl_dup(&m->reason);
	ua_end(ua, now, c, m->status, c->cancel ? "cancelled" : r);
	free(r);
}

static int
ua_hangup(struct sip_ua *ua, uint64_t now, uint32_t id, const char *why)
{
	struct ua_call	*c;

	ua->now = now;
	if ((c = ua_call_by_id(ua, id != 0 ? id : sip_ua_newest(ua))) == NULL)
		return ENOENT;
	switch (c->state) {
	case SIP_UA_ENDED:
		return EALREADY;
	case SIP_UA_CALLING:
	case SIP_UA_RINGING:
		/* §9.1: CANCEL once a provisional response came */
		c->cancel = true;
		if (c->provisional)
			ua_cancel(ua, now, c);
		ua_end(ua, now, c, 487, "cancelled");
		break;
	case SIP_UA_INCOMING:
		(void)sip_txl_respond_status(ua->txl, now, c->txn, c->invite,
		    603, "Decline", strstr(c->local_hdr, ";tag=") + 5, NULL,
		    NULL);
		ua_end(ua, now, c, 603, "rejected");
		break;
	case SIP_UA_ACTIVE:
		ua_bye(ua, now, c);
		ua_end(ua, now, c, c->status, why != NULL ? why : "hung up");
		break;
	}
	return 0;
}

int
sip_ua_hangup(struct sip_ua *ua, uint64_t now, uint32_t id)
{
	return ua_hangup(ua, now, id, NULL);
}

int
sip_ua_media_failed(struct sip_ua *ua, uint64_t now, uint32_t id,
    const char *why)
{
	return ua_hangup(ua, now, id, why);
}

void
sip_ua_hangup_all(struct sip_ua *ua, uint64_t now)
{
	struct ua_call	*c;

	ua->now = now;
	for (c = ua->calls; c != NULL; c = c->next)
		if (c->state != SIP_UA_ENDED)
			(void)sip_ua_hangup(ua, now, c->id);
}

/* ---- the INVITE server ---- */

/* Our 2xx with the answer (or a late offer), resent until the ACK
 * comes (§13.3.1.4). */
static void
ua_send_ok(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct wbuf	 w;
	const char	*tag = strstr(c->local_hdr, ";tag=") + 5;
	uint8_t		*p;
	size_t		 n;

	wbuf_init(&w, ua->cfg.lim.max_len);
	sip_msg_reply(&w, c->invite, 200, "OK", tag);
	wbuf_printf(&w, "Contact: <sip:%.*s@%s>\r\nAllow: %s\r\n",
	    (int)strcspn(c->aor, "@"), c->aor,
	    ua->self, UA_ALLOW);
	/* §12.1.1: the Record-Routes go back as they came */
	{
		const struct sip_hdr	*h;

		for (h = sip_msg_hdr(c->invite, SIP_HDR_RECORD_ROUTE, NULL);
		    h != NULL; h = sip_msg_hdr(c->invite,
		    SIP_HDR_RECORD_ROUTE, h))
			sip_msg_header(&w, "Record-Route", &h->value);
	}
	if (c->late_offer)
		ua_sdp_body(&w, c->offer);
	else {
		wbuf_printf(&w, "Content-Type: application/sdp\r\n");
		sip_msg_end(&w, c->answer, strlen(c->answer));
	}
	if (w.err) {
		wbuf_clear(&w);
		return;
	}
	p = wbuf_take(&w, &n);
	wbuf_clear(&w);
	free(c->ok);
	c->ok = p;
	c->ok_len = n;
	(void)sip_txl_respond(ua->txl, now, c->txn, p, n);
	c->ok_iv = ua->cfg.txl.t1_ms;
	c->ok_next = now + c->ok_iv;
	c->ok_until = now + 64 * (uint64_t)ua->cfg.txl.t1_ms;
}

int
sip_ua_answer(struct sip_ua *ua, uint64_t now, uint32_t id)
{
	struct ua_call	*c;

	ua->now = now;
	if ((c = ua_call_by_id(ua, id != 0 ? id : sip_ua_ringing(ua))) ==
	    NULL)
		return ENOENT;
	if (c->state != SIP_UA_INCOMING)
		return EALREADY;
	ua_send_ok(ua, now, c);
	c->state = SIP_UA_ACTIVE;
	c->answered = now;
	c->status = 200;
	/* RFC 3264 §6: the answerer may send as soon as it answers; with a
	 * late offer, once the ACK brings the answer */
	if (!c->late_offer)
		ua_media_start(ua, c);
	lc_log(ua->log, LC_INFO, "ua: call %u answered here", c->id);
	ua_event(ua, c, "answered");
	return 0;
}

/*
 * May SDES keys go in our answer?  Only if every hop the INVITE took
 * between hosts was TLS (RFC 4568 §8.3): each Via but the top (the
 * daemon's to us, on this host) says TLS, or is the first hop from a
 * phone on the caller's host (a loopback sent-by or received).
 */
static bool
ua_sdes_ok(const struct sip_msg *m)
{
	const struct sip_hdr	*h;
	struct sip_via		 v;
	unsigned		 i = 0, n = 0;

	for (h = sip_msg_hdr(m, SIP_HDR_VIA, NULL); h != NULL;
	    h = sip_msg_hdr(m, SIP_HDR_VIA, h))
		n++;
	for (h = sip_msg_hdr(m, SIP_HDR_VIA, NULL); h != NULL;
	    h = sip_msg_hdr(m, SIP_HDR_VIA, h), i++) {
		if (i == 0)
			continue;
		if (sip_via_parse(&v, &h->value) != 0)
			return false;
		if (sip_pl_caseeq(&v.transport, "TLS"))
			continue;
		if (i == n - 1 && (sip_pl_eq(&v.host, "127.0.0.1") ||
		    sip_pl_eq(&v.host, "::1")) && (v.received.l == 0 ||
		    sip_pl_eq(&v.received, "127.0.0.1") ||
		    sip_pl_eq(&v.received, "::1")))
			continue;
		return false;
	}
	return true;
}

/* Answer the offer in m for c into c->answer: 0, or the status to
 * refuse with and *why. */
static unsigned
ua_answer_offer(struct sip_ua *ua, struct ua_call *c,
    const struct sip_msg *m, const char **why)
{
	struct sdp	*ans;
	struct wbuf	 b;
	int		 rc;

	if (sdp_parse(ua->scratch, m->body.p, m->body.l, why) != 0)
		return 400;
	ans = xmalloc(sizeof *ans);
	rc = sdp_answer(ans, &c->stream, ua->scratch, &c->local, why);
	if (rc == 0) {
		c->local.version++;
		wbuf_init(&b, SDP_MAX_LEN);
		sdp_write(&b, ans);
		free(c->answer);
		c->answer = xstrndup((const char *)b.p, b.len);
		wbuf_clear(&b);
	}
	free(ans);
	return rc == 0 ? 0 : rc == ENOTSUP ? 488 : 400;
}

static void
ua_respond(struct sip_ua *ua, uint64_t now, uint64_t txn,
    const struct sip_msg *m, unsigned status, const char *reason,
    const char *hname, const char *hvalue)
{
	char	tag[24];

	ua_tag(ua, tag, sizeof tag);
	(void)sip_txl_respond_status(ua->txl, now, txn, m, status, reason,
	    m->to_tag.l > 0 ? NULL : tag, hname, hvalue);
}

/* A new INVITE for aor a. */
static void
ua_invite(struct sip_ua *ua, uint64_t now, uint64_t txn, struct sip_msg **mp,
    struct ua_aor *a)
{
	struct sip_msg	*m = *mp;
	struct ua_call	*c;
	const char	*why = NULL;
	char		 tag[24];
	unsigned	 st;

	if (ua->ncalls >= SIP_UA_CALLS_MAX) {
		ua_respond(ua, now, txn, m, 486, "Busy Here", NULL, NULL);
		return;
	}
	if (a->answer == SIP_UA_REJECT) {
		ua_respond(ua, now, txn, m, 603, "Decline", NULL, NULL);
		return;
	}
	if (m->body.l > 0 && !ua_is_sdp(m)) {
		ua_respond(ua, now, txn, m, 415, "Unsupported Media Type",
		    "Accept", "application/sdp");
		return;
	}
	c = ua_call_new(ua, now, false, a->aor);
	c->txn = txn;
	c->invite = m;
	*mp = NULL;
	c->call_id = pl_dup(&m->call_id);
	c->peer = pl_dup(&m->from.uri_str);
	c->remote_hdr = pl_dup(&sip_msg_hdr(m, SIP_HDR_FROM, NULL)->value);
	c->remote_tag = pl_dup(&m->from_tag);
	ua_tag(ua, tag, sizeof tag);
	c->local_hdr = xasprintf("%.*s;tag=%s",
	    (int)sip_msg_hdr(m, SIP_HDR_TO, NULL)->value.l,
	    sip_msg_hdr(m, SIP_HDR_TO, NULL)->value.p, tag);
	c->target = ua_contact(m);
	c->routes = ua_routes(m, false);
	c->remote_cseq = m->cseq;
	c->local_cseq = rng_below(ua->rng, 1u << 30) + 1;
	c->state = SIP_UA_INCOMING;
	if (c->target == NULL) {
		st = 400;
		why = "No Contact";
	} else if (ua_media_local(ua, c, ua_sdes_ok(m)) != 0) {
		st = 503;
		why = "No RTP Port Free";
	} else if (m->body.l == 0) {
		/* §13.2.1 / RFC 3264: no offer here; ours goes in the 2xx
		 * and the answer comes in the ACK */
		c->late_offer = true;
		c->offer = xmalloc(sizeof *c->offer);
		sdp_offer(c->offer, &c->local);
		st = 0;
	} else
		st = ua_answer_offer(ua, c, m, &why);
	if (st != 0) {
		(void)sip_txl_respond_status(ua->txl, now, txn, m, st, why, tag,
		    st == 488 ? "Warning" : NULL, st == 488 ?
		    "304 p2psipd \"Media type not available\"" : NULL);
		ua_end(ua, now, c, st, why);
		return;
	}
	lc_log(ua->log, LC_INFO, "ua: call %u: %s calls %s", c->id, c->peer,
	    a->aor);
	(void)sip_txl_respond_status(ua->txl, now, txn, m, 180, "Ringing", tag,
	    NULL, NULL);
	ua_event(ua, c, "incoming");
	if (a->answer == SIP_UA_AUTO)
		(void)sip_ua_answer(ua, now, c->id);
}

/* A re-INVITE in c's dialog (§14.2): the new offer is answered from
 * the same port, and the media follows. */
static void
ua_reinvite(struct sip_ua *ua, uint64_t now, uint64_t txn,
    struct sip_msg **mp, struct ua_call *c)
{
	struct sip_msg	*m = *mp;
	const char	*why;
	unsigned	 st;
	char		*t;

	if (c->state != SIP_UA_ACTIVE || c->ok_next != 0) {
		ua_respond(ua, now, txn, m, 491, "Request Pending", NULL, NULL);
		return;
	}
	if (!ua_is_sdp(m)) {	/* no offer: not something we do */
		ua_respond(ua, now, txn, m, 488, "Not Acceptable Here", NULL,
		    NULL);
		return;
	}
	if ((st = ua_answer_offer(ua, c, m, &why)) != 0) {
		ua_respond(ua, now, txn, m, st, why, NULL, NULL);
		return;
	}
	if ((t = ua_contact(m)) != NULL) {
		free(c->target);
		c->target = t;
	}
	c->remote_cseq = m->cseq;
	sip_msg_free(c->invite);
	c->invite = m;
	*mp = NULL;
	c->txn = txn;
	c->late_offer = false;
	ua_send_ok(ua, now, c);
	ua_media_start(ua, c);
}

/* ACK for our 2xx: the retransmissions stop; a late offer's answer. */
static void
ua_acked(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sip_msg *m)
{
	const char	*why;

	if (c->ok_next == 0)
		return;
	c->ok_next = 0;
	if (!c->late_offer || c->state != SIP_UA_ACTIVE)
		return;
	c->late_offer = false;
	if (!ua_is_sdp(m) || sdp_parse(ua->scratch, m->body.p, m->body.l,
	    &why) != 0 || sdp_accept(&c->stream, c->offer, ua->scratch,
	    &c->local, &why) != 0) {
		/* RFC 3261 §13.2.2.4: a bad answer in the ACK ends it */
		ua_bye(ua, now, c);
		ua_end(ua, now, c, 488, "no usable answer in the ACK");
		return;
	}
	ua_media_start(ua, c);
}

static void
ua_message_in(struct sip_ua *ua, uint64_t now, uint64_t txn,
    const struct sip_msg *m, struct ua_aor *a)
{
	struct sip_ua_action	act;

	if (m->content_type.l < 10 ||
	    strncasecmp(m->content_type.p, "text/plain", 10) != 0) {
		ua_respond(ua, now, txn, m, 415, "Unsupported Media Type",
		    "Accept", "text/plain");
		return;
	}
	if (m->body.l > SIP_UA_TEXT_MAX || memchr(m->body.p, '\0',
	    m->body.l) != NULL) {
		ua_respond(ua, now, txn, m, 413, "Request Entity Too Large",
		    NULL, NULL);
		return;
	}
	ua_respond(ua, now, txn, m, 200, "OK", NULL, NULL);
	memset(&act, 0, sizeof act);
	act.type = SIP_UA_MESSAGE;
	act.from = pl_dup(&m->from.uri_str);
	act.to = xstrdup(a->aor);
	act.text = pl_dup(&m->body);
	ua_push(ua, &act);
}

/*
 * A request with our tag and the call's Call-ID but another remote tag
 * (§12.2.2: not the call's dialog): a BYE from a fork's, which we are
 * ending anyway, is taken; anything else is 481.
 */
static void
ua_other_dialog(struct sip_ua *ua, uint64_t now, uint64_t txn,
    const struct sip_msg *m, const struct ua_call *c)
{
	if (sip_pl_eq(&m->method, "ACK"))
		return;
	if (sip_pl_eq(&m->method, "BYE") && ua_fork_of(c, &m->from_tag) !=
	    NULL)
		ua_respond(ua, now, txn, m, 200, "OK", NULL, NULL);
	else
		ua_respond(ua, now, txn, m, 481,
		    "Call/Transaction Does Not Exist", NULL, NULL);
}

/* A new request (txn 0: an ACK outside a transaction). */
static void
ua_request_in(struct sip_ua *ua, uint64_t now, uint64_t txn,
    struct sip_msg **mp)
{
	struct sip_msg	*m = *mp;
	struct ua_call	*c;
	struct ua_aor	*a = NULL;
	char		 aor[512];

	if (m->to_tag.l > 0) {			/* in a dialog (§12.2.2) */
		c = ua_call_of(ua, m, false);
		if (c != NULL && c->remote_tag != NULL &&
		    !ua_tag_is(c->remote_tag, &m->from_tag)) {
			ua_other_dialog(ua, now, txn, m, c);
			return;
		}
		if (sip_pl_eq(&m->method, "ACK")) {
			if (c != NULL)
				ua_acked(ua, now, c, m);
			return;
		}
		if (c == NULL || (c->remote_cseq != 0 && m->cseq <=
		    c->remote_cseq && !sip_pl_eq(&m->method, "CANCEL"))) {
			ua_respond(ua, now, txn, m, c == NULL ? 481 : 500,
			    c == NULL ? "Call/Transaction Does Not Exist" :
			    "Server Internal Error (CSeq out of order)",
			    NULL, NULL);
			return;
		}
		c->remote_cseq = m->cseq;
		if (sip_pl_eq(&m->method, "BYE")) {
			ua_respond(ua, now, txn, m, 200, "OK", NULL, NULL);
			c->ok_next = 0;
			ua_end(ua, now, c, c->status, "remote hung up");
		} else if (sip_pl_eq(&m->method, "INVITE"))
			ua_reinvite(ua, now, txn, mp, c);
		else if (sip_pl_eq(&m->method, "OPTIONS"))
			ua_respond(ua, now, txn, m, 200, "OK", "Allow",
			    UA_ALLOW);
		else
			ua_respond(ua, now, txn, m, 405, "Method Not Allowed",
			    "Allow", UA_ALLOW);
		return;
	}
	if (sip_pl_eq(&m->method, "ACK"))
		return;			/* for a non-2xx: the layer's */
	if (sip_pl_eq(&m->method, "CANCEL")) {
		uint64_t	inv = sip_txl_find_invite(ua->txl, m);

		for (c = ua->calls; c != NULL; c = c->next)
			if (c->txn == inv && inv != 0)
				break;
		if (c == NULL) {
			ua_respond(ua, now, txn, m, 481,
			    "Call/Transaction Does Not Exist", NULL, NULL);
			return;
		}
		/* §9.2: 200 to the CANCEL, 487 to the INVITE */
		ua_respond(ua, now, txn, m, 200, "OK", NULL, NULL);
		if (c->state == SIP_UA_INCOMING) {
			(void)sip_txl_respond_status(ua->txl, now, c->txn,
			    c->invite, 487, "Request Terminated",
			    strstr(c->local_hdr, ";tag=") + 5, NULL, NULL);
			ua_end(ua, now, c, 487, "cancelled");
		}
		return;
	}
	/* outside a dialog: for one of our AORs (the proxy led it here by
	 * our Contact, sip:user@us, or for an AOR it hosts) */
	if (m->ruri_sip && m->ruri.user.l > 0) {
		snprintf(aor, sizeof aor, "%.*s@%s", (int)m->ruri.user.l,
		    m->ruri.user.p, ua->domain);
		/* ours first, then one the proxy hands us as published
		 * by destination list */
		if ((a = ua_aor_find(ua, aor)) == NULL)
			a = *ua_hosted_find(ua, aor);
	}
	if (sip_pl_eq(&m->method, "OPTIONS")) {
		ua_respond(ua, now, txn, m, 200, "OK", "Allow", UA_ALLOW);
		return;
	}
	if (a == NULL) {
		ua_respond(ua, now, txn, m, 404, "Not Found", NULL, NULL);
		return;
	}
	if (sip_pl_eq(&m->method, "INVITE"))
		ua_invite(ua, now, txn, mp, a);
	else if (sip_pl_eq(&m->method, "MESSAGE"))
		ua_message_in(ua, now, txn, m, a);
	else if (sip_pl_eq(&m->method, "BYE"))
		ua_respond(ua, now, txn, m, 481,
		    "Call/Transaction Does Not Exist", NULL, NULL);
	else
		ua_respond(ua, now, txn, m, 405, "Method Not Allowed", "Allow",
		    UA_ALLOW);
}

/* ---- MESSAGE (RFC 3428) ---- */

static void
ua_message_done(struct sip_ua *ua, uint32_t id, unsigned status,
    const char *reason)
{
	struct ua_msg		**p, *x;
	struct sip_ua_action	  a;

	for (p = &ua->msgs; *p != NULL; p = &(*p)->next)
		if ((*p)->id == id)
			break;
	if ((x = *p) == NULL)
		return;
	*p = x->next;
	memset(&a, 0, sizeof a);
	a.type = SIP_UA_MESSAGE_DONE;
	a.cookie = x->cookie;
	a.status = status;
	a.text = xstrdup(reason);
	ua_push(ua, &a);
	free(x);
}

int
sip_ua_message(struct sip_ua *ua, uint64_t now, const char *from,
    const char *target, const char *text, uint64_t cookie, const char **why)
{
	struct ua_aor	*a;
	struct ua_msg	*x;
	struct wbuf	 w;
	char		*uri, tag[24], cid[24], branch[40];

	ua->now = now;
	a = ua_aor_from(ua, from);
	if (a == NULL) {
		*why = from == NULL ? "no AOR of ours to send from (ua add)" :
		    "not an AOR of ours (ua list)";
		return EINVAL;
	}
	if (strlen(text) > SIP_UA_TEXT_MAX) {
		*why = "text too long";
		return EINVAL;
	}
	if ((uri = ua_target_uri(ua, target)) == NULL) {
		*why = "not an AOR or a SIP URI";
		return EINVAL;
	}
	ua_tag(ua, tag, sizeof tag);
	ua_tag(ua, cid, sizeof cid);
	ua_branch(ua, branch, sizeof branch);
	x = xcalloc(1, sizeof *x);
	x->id = ++ua->next_id;
	x->cookie = cookie;
	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_printf(&w, "MESSAGE %s SIP/2.0\r\n", uri);
	ua_via(ua, &w, branch);
	wbuf_printf(&w, "From: <sip:%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\n"
	    "CSeq: 1 MESSAGE\r\nContent-Type: text/plain;charset=UTF-8\r\n",
	    a->aor, tag, uri, cid);
	sip_msg_end(&w, text, strlen(text));
	free(uri);
	x->next = ua->msgs;
	ua->msgs = x;
	if (ua_request(ua, now, &w, COOKIE(x->id, K_MESSAGE)) != 0)
		ua_message_done(ua, x->id, 503, "not sent");
	return 0;
}

/* ---- the transaction layer's reports ---- */

static void
ua_response(struct sip_ua *ua, uint64_t now, uint64_t cookie,
    const struct sip_msg *m)
{
	uint32_t	 id = (uint32_t)(cookie >> 3);
	struct ua_call	*c;
	struct ua_aor	*a;
	char		*r;

	if (cookie == 0) {	/* a 2xx no transaction took (resent) */
		if (sip_pl_eq(&m->cseq_method, "INVITE") &&
		    (c = ua_call_of(ua, m, true)) != NULL && c->outgoing)
			ua_invite_2xx(ua, now, c, m);
		return;
	}
	switch (cookie & 7) {
	case K_INVITE:
		if ((c = ua_call_by_id(ua, id)) != NULL)
			ua_invite_response(ua, now, c, m);
		break;
	case K_REGISTER:
		if ((a = ua_aor_by_id(ua, id)) != NULL)
			ua_register_response(ua, now, a, m);
		break;
	case K_MESSAGE:
		if (m->status >= 200) {
			r = pl_dup(&m->reason);
			ua_message_done(ua, id, m->status, r);
			free(r);
		}
		break;
	case K_FORK:
		if (m->status >= 200)
			ua_fork_done(ua, id, m->status);
		break;
	default:
		break;
	}
}

/* No final answer: Timer B or F (408), or the proxy was not there. */
static void
ua_timeout(struct sip_ua *ua, uint64_t now, uint64_t cookie, bool transport)
{
	uint32_t	 id = (uint32_t)(cookie >> 3);
	unsigned	 st = transport ? 503 : 408;
	const char	*r = transport ? "transport error" : "request timeout";
	struct ua_call	*c;
	struct ua_aor	*a;

	switch (cookie & 7) {
	case K_INVITE:
		if ((c = ua_call_by_id(ua, id)) != NULL)
			ua_end(ua, now, c, st, r);
		break;
	case K_REGISTER:
		if ((a = ua_aor_by_id(ua, id)) != NULL && a->removing)
			ua_aor_gone(ua, a);
		else if (a != NULL) {
			a->pending = false;
			a->registered = false;
			a->refresh_at = now + UA_REG_RETRY_S * 1000;
			ua_registered(ua, a, st, r);
		}
		break;
	case K_MESSAGE:
		ua_message_done(ua, id, st, r);
		break;
	case K_FORK:
		ua_fork_done(ua, id, st);
		break;
	default:
		break;
	}
}

static void
ua_drain(struct sip_ua *ua, uint64_t now)
{
	struct sip_action	a;

	while (sip_txl_next_action(ua->txl, &a)) {
		switch (a.type) {
		case SIP_ACT_SEND:
			ua_send(ua, a.data, a.len);
			a.data = NULL;
			break;
		case SIP_ACT_REQUEST:
			ua_request_in(ua, now, a.txn, &a.msg);
			break;
		case SIP_ACT_RESPONSE:
			ua_response(ua, now, a.cookie, a.msg);
			break;
		case SIP_ACT_TIMEOUT:
			ua_timeout(ua, now, a.cookie, false);
			break;
		case SIP_ACT_TRANSPORT_ERROR:
			ua_timeout(ua, now, a.cookie, true);
			break;
		}
		free(a.data);
		sip_msg_free(a.msg);
	}
}

void
sip_ua_input(struct sip_ua *ua, uint64_t now, const struct sip_flow *f,
    const uint8_t *buf, size_t len)
{
	struct sip_msg	*m = sip_msg_new();
	struct wbuf	 w;
	const char	*why = NULL;
	size_t		 used;
	int		 rc;

	ua->now = now;
	rc = sip_msg_parse(m, buf, len, false, &ua->cfg.lim, &used, &why);
	if (rc != 0) {
		sip_msg_free(m);
		wbuf_init(&w, ua->cfg.lim.max_len);
		if ((rc == EBADMSG || rc == EPROTONOSUPPORT) &&
		    sip_msg_bad_reply(buf, len, rc == EBADMSG ? 400 : 505,
		    why, &w) == 0 && !w.err) {
			ua_send(ua, w.p, w.len);
			w.p = NULL;
		}
		wbuf_clear(&w);
		lc_log(ua->log, LC_DEBUG, "ua: bad message (%s)",
		    why != NULL ? why : "too long");
		return;
	}
	if (m->request)
		sip_msg_received(m, &f->remote);
	sip_txl_input(ua->txl, now, f, m);
	ua_drain(ua, now);
}

/* ---- time ---- */

/* Forked dialogs whose BYE was answered and whose 2xx can no longer be
 * resent go. */
static void
ua_forks_reap(struct ua_call *c, uint64_t now)
{
	struct ua_fork	**p, *f;

	for (p = &c->forks; (f = *p) != NULL; ) {
		if (f->bye_done && now >= f->until) {
			*p = f->next;
			c->nforks--;
			ua_fork_free(f);
		} else
			p = &f->next;
	}
}

void
sip_ua_tick(struct sip_ua *ua, uint64_t now)
{
	struct ua_call	**p, *c;
	struct ua_aor	 *a;

	ua->now = now;
	sip_txl_tick(ua->txl, now);
	ua_drain(ua, now);
	for (a = ua->aors; a != NULL; a = a->next)
		if (!a->pending && !a->removing && a->refresh_at <= now) {
			a->auth_tries = 0;
			ua_register(ua, now, a, ua->cfg.reg_expires);
		}
	for (p = &ua->calls; (c = *p) != NULL; ) {
		ua_forks_reap(c, now);
		if (c->state == SIP_UA_ENDED) {
			if (now >= c->ended + UA_LINGER_MS &&
			    c->forks == NULL) {
				*p = c->next;
				ua->ncalls--;
				ua_call_free(c);
				continue;
			}
		} else if (c->ok_next != 0 && now >= c->ok_next) {
			if (now >= c->ok_until) {	/* §13.3.1.4 */
				c->ok_next = 0;
				ua_bye(ua, now, c);
				ua_end(ua, now, c, 408, "no ACK");
			} else {
				ua_send_copy(ua, c->ok, c->ok_len);
				c->ok_iv = c->ok_iv * 2 < ua->cfg.txl.t2_ms ?
				    c->ok_iv * 2 : ua->cfg.txl.t2_ms;
				c->ok_next = now + c->ok_iv;
			}
		} else if (c->state == SIP_UA_ACTIVE && c->duration_s > 0 &&
		    now >= c->answered + (uint64_t)c->duration_s * 1000)
			(void)sip_ua_hangup(ua, now, c->id);
		else if (c->state != SIP_UA_ACTIVE && now >= c->created +
		    (uint64_t)ua->cfg.ring_s * 1000) {
			if (c->state == SIP_UA_INCOMING) {
				(void)sip_txl_respond_status(ua->txl, now,
				    c->txn, c->invite, 480,
				    "Temporarily Unavailable (no answer)",
				    strstr(c->local_hdr, ";tag=") + 5, NULL,
				    NULL);
				ua_end(ua, now, c, 480, "no answer");
			} else {
				(void)sip_ua_hangup(ua, now, c->id);
				free(c->reason);
				c->reason = xstrdup("no answer");
			}
		}
		p = &c->next;
	}
	ua_drain(ua, now);
}

uint64_t
sip_ua_deadline(const struct sip_ua *ua)
{
	const struct ua_call	*c;
	const struct ua_fork	*f;
	const struct ua_aor	*a;
	uint64_t		 t = sip_txl_deadline(ua->txl), x;

#define EARLIER(v)	do { x = (v); if (x < t) t = x; } while (0)
	for (a = ua->aors; a != NULL; a = a->next)
		if (!a->pending && !a->removing)
			EARLIER(a->refresh_at);
	for (c = ua->calls; c != NULL; c = c->next) {
		/* a fork whose BYE is out waits for its answer (the
		 * transaction layer's time) */
		for (f = c->forks; f != NULL; f = f->next)
			if (f->bye_done)
				EARLIER(f->until);
		if (c->state == SIP_UA_ENDED) {
			if (c->forks == NULL)
				EARLIER(c->ended + UA_LINGER_MS);
			continue;
		}
		if (c->ok_next != 0)
			EARLIER(c->ok_next);
		if (c->state == SIP_UA_ACTIVE && c->duration_s > 0)
			EARLIER(c->answered + (uint64_t)c->duration_s * 1000);
		if (c->state != SIP_UA_ACTIVE)
			EARLIER(c->created + (uint64_t)ua->cfg.ring_s * 1000);
	}
#undef EARLIER
	return t;
}

/* ---- set-up and queries ---- */

struct sip_ua *
sip_ua_new(const struct sip_ua_cfg *cfg, struct rng *rng,
    struct log_ctx *log)
{
	struct sip_ua	*ua = xcalloc(1, sizeof *ua);

	ua->cfg = *cfg;
	if (ua->cfg.txl.t1_ms == 0)
		ua->cfg.txl.t1_ms = 500;
	if (ua->cfg.txl.t2_ms == 0)
		ua->cfg.txl.t2_ms = 4000;
	if (ua->cfg.txl.t4_ms == 0)
		ua->cfg.txl.t4_ms = 5000;
	if (ua->cfg.txl.max_txns == 0)
		ua->cfg.txl.max_txns = 4096;
	if (ua->cfg.lim.max_len == 0)
		ua->cfg.lim.max_len = SIP_MSG_MAX_DEFAULT;
	if (ua->cfg.lim.max_hdrs == 0)
		ua->cfg.lim.max_hdrs = SIP_HDRS_MAX_DEFAULT;
	if (ua->cfg.reg_expires == 0)
		ua->cfg.reg_expires = 600;
	if (ua->cfg.ring_s == 0)
		ua->cfg.ring_s = 120;
	ua->domain = xstrdup(cfg->domain);
	ua->media_addr = xstrdup(cfg->media_addr);
	ua->user_agent = cfg->user_agent != NULL ?
	    xstrdup(cfg->user_agent) : NULL;
	ua->cfg.domain = ua->domain;
	ua->cfg.media_addr = ua->media_addr;
	ua->cfg.user_agent = ua->user_agent;
	ua->rng = rng;
	ua->log = log;
	ua->txl = sip_txl_new(&ua->cfg.txl, log);
	ua->proxy.tp = SIP_TP_UDP;
	ua->proxy.remote = cfg->proxy;
	addr_str(&cfg->self, ua->self);
	fifo_init(&ua->acts, sizeof(struct sip_ua_action));
	ua->scratch = xmalloc(sizeof *ua->scratch);
	return ua;
}

void
sip_ua_free(struct sip_ua *ua)
{
	struct sip_ua_action	 a;
	struct ua_call		*c;
	struct ua_aor		*x;
	struct ua_msg		*m;

	if (ua == NULL)
		return;
	while ((c = ua->calls) != NULL) {
		ua->calls = c->next;
		ua_call_free(c);
	}
	while ((x = ua->aors) != NULL) {
		ua->aors = x->next;
		ua_aor_free(x);
	}
	while ((x = ua->hosted) != NULL) {
		ua->hosted = x->next;
		ua_aor_free(x);
	}
	while ((m = ua->msgs) != NULL) {
		ua->msgs = m->next;
		free(m);
	}
	while (fifo_pop(&ua->acts, &a))
		sip_ua_action_clear(&a);
	fifo_clear(&ua->acts);
	sip_txl_free(ua->txl);
	free(ua->scratch);
	free(ua->domain);
	free(ua->media_addr);
	free(ua->user_agent);
	free(ua);
}

/* The list is newest first. */
uint32_t
sip_ua_ringing(const struct sip_ua *ua)
{
	const struct ua_call	*c;
	uint32_t		 id = 0;

	for (c = ua->calls; c != NULL; c = c->next)
		if (c->state == SIP_UA_INCOMING)
			id = c->id;
	return id;
}

uint32_t
sip_ua_newest(const struct sip_ua *ua)
{
	const struct ua_call	*c;

	for (c = ua->calls; c != NULL; c = c->next)
		if (c->state != SIP_UA_ENDED)
			return c->id;
	return 0;
}

uint32_t
sip_ua_call_next(const struct sip_ua *ua, uint32_t id)
{
	const struct ua_call	*c;
	uint32_t		 best = 0;

	/* ids ascend with age; the list is newest first */
	for (c = ua->calls; c != NULL; c = c->next)
		if (c->id > id && (best == 0 || c->id < best))
			best = c->id;
	return best;
}

bool
sip_ua_call_info(const struct sip_ua *ua, uint32_t id,
    struct sip_ua_call_info *i)
{
	const struct ua_call	*c = ua_call_by_id(ua, id);
	const struct ua_fork	*f;

	if (c == NULL)
		return false;
	memset(i, 0, sizeof *i);
	i->id = c->id;
	i->outgoing = c->outgoing;
	i->state = c->state;
	i->aor = c->aor;
	i->peer = c->peer;
	i->call_id = c->call_id;
	i->status = c->status;
	i->reason = c->reason;
	i->created = c->created;
	i->answered = c->answered;
	i->ended = c->ended;
	i->media = c->media;
	i->stream = c->stream;
	for (f = c->forks; f != NULL; f = f->next)
		if (!f->bye_done)
			i->forks++;
	return true;
}
