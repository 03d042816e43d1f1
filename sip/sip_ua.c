/*
 * sip_ua.c - the daemon's own user agent, sans I/O (sip_ua.h): the
 * object, its actions, the helpers all its parts use, the transaction
 * layer's reports handed to the part each is for, time, set-up and
 * queries.
 *
 * One transaction layer (sip_txn.h) carries every request and response;
 * the UA is its transaction user: the registration client (§10.2,
 * §22.2; sip_ua_aor.c), calls and their dialogs (§12, §15;
 * sip_ua_dlg.c), the INVITE client (§13.2, CANCEL §9.1, the ACK for a
 * 2xx §13.2.2.4 and a forked INVITE's other dialogs; sip_ua_uac.c), the
 * requests that come with the INVITE server (§13.3, §14 for a
 * re-INVITE's offer, the 2xx's own retransmission §13.3.1.4;
 * sip_ua_uas.c), and MESSAGE (RFC 3428; sip_ua_msg.c), sharing
 * sip_ua_int.h.  Every request goes to the daemon's proxy; in a dialog
 * it carries the route set (§12.2.1.1), whose first hop is that proxy
 * too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fifo.h"
#include "log_ctx.h"
#include "sip_msg.h"
#include "sip_ua.h"
#include "sip_ua_int.h"
#include "wire.h"
#include "xmalloc.h"

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

void
sip_ua_push(struct sip_ua *ua, struct sip_ua_action *a)
{
	fifo_push(&ua->acts, a);
}

void
sip_ua_send(struct sip_ua *ua, uint8_t *data, size_t len)
{
	struct sip_ua_action	a;

	memset(&a, 0, sizeof a);
	a.type = SIP_UA_SEND;
	a.flow = ua->proxy;
	a.data = data;
	a.len = len;
	sip_ua_push(ua, &a);
}

void
sip_ua_send_copy(struct sip_ua *ua, const uint8_t *data, size_t len)
{
	uint8_t	*d = xmalloc(len);

	memcpy(d, data, len);
	sip_ua_send(ua, d, len);
}

void
sip_ua_event(struct sip_ua *ua, struct ua_call *c, const char *event)
{
	struct sip_ua_action	a;

	memset(&a, 0, sizeof a);
	a.type = SIP_UA_CALL;
	a.call = c->id;
	a.event = event;
	sip_ua_push(ua, &a);
}

void
sip_ua_action_clear(struct sip_ua_action *a)
{
	free(a->data);
	free(a->from);
	free(a->to);
	free(a->text);
	free(a->direct);
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

char *
sip_ua_pl_dup(const struct sip_pl *pl)
{
	return xstrndup(pl->p, pl->l);
}

void
sip_ua_tag(struct sip_ua *ua, char *out, size_t max)
{
	sip_msg_tag(ua->rng, out, max);
}

void
sip_ua_branch(struct sip_ua *ua, char *out, size_t max)
{
	char	t[24];

	sip_ua_tag(ua, t, sizeof t);
	snprintf(out, max, "z9hG4bK%s", t);
}

/* Via, Max-Forwards and (if set) User-Agent. */
void
sip_ua_via(struct sip_ua *ua, struct wbuf *w, const char *branch)
{
	wbuf_printf(w, "Via: SIP/2.0/UDP %s;branch=%s;rport;ice-sip\r\n"
	    "Max-Forwards: 70\r\n", ua->self, branch);
	if (ua->user_agent != NULL)
		wbuf_printf(w, "User-Agent: %s\r\n", ua->user_agent);
}

/* Hand a request to the transaction layer: 0, or its error. */
int
sip_ua_request(struct sip_ua *ua, uint64_t now, struct wbuf *w, uint64_t cookie)
{
	uint64_t	txn;
	int		rc;

	if (w->err) {
		wbuf_clear(w);
		return EMSGSIZE;
	}
	rc = sip_txn_layer_request(ua->txl, now, &ua->proxy, w->p, w->len,
	    cookie, &txn);
	wbuf_clear(w);
	if (rc != 0)
		lc_log(ua->log, LC_WARN, "ua: a request not sent: %s",
		    strerror(rc));
	return rc;
}

/* A call target as a URI: a sip:/sips: URI as it is, else an AOR of
 * the overlay; NULL if it is neither. */
char *
sip_ua_target_uri(const struct sip_ua *ua, const char *t)
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

/* ---- the transaction layer's reports ---- */

static void
ua_response(struct sip_ua *ua, uint64_t now, uint64_t cookie,
    const struct sip_msg *m)
{
	uint32_t	 id = COOKIE_ID(cookie);
	struct ua_call	*c;
	struct ua_aor	*a;
	char		*r;

	if (cookie == 0) {	/* a 2xx no transaction took (resent) */
		if (!sip_pl_eq(&m->cseq_method, "INVITE") ||
		    sip_ua_dlg_2xx_again(ua, m))
			return;
		if ((c = sip_ua_dlg_of(ua, m, true)) != NULL && c->outgoing)
			sip_ua_uac_2xx(ua, now, c, m);
		return;
	}
	switch (COOKIE_KIND(cookie)) {
	case K_INVITE:
		if ((c = sip_ua_dlg_by_id(ua, id)) != NULL)
			sip_ua_uac_response(ua, now, c, m);
		break;
	case K_REGISTER:
		if ((a = sip_ua_aor_by_id(ua, id)) != NULL)
			sip_ua_aor_response(ua, now, a, m);
		break;
	case K_MESSAGE:
		if (m->status >= 200) {
			r = sip_ua_pl_dup(&m->reason);
			sip_ua_msg_done(ua, id, m->status, r);
			free(r);
		}
		break;
	case K_FORK:
		if (m->status >= 200)
			sip_ua_uac_fork_done(ua, id, m->status);
		break;
	case K_MOVE:
	case K_REPLACE:
		if ((c = sip_ua_dlg_by_id(ua, id)) != NULL)
			sip_ua_move_response(ua, now, c,
			    (unsigned)COOKIE_KIND(cookie), m, 0);
		break;
	case K_REFRESH:
		if ((c = sip_ua_dlg_by_id(ua, id)) != NULL)
			sip_ua_dlg_refreshed(ua, now, c, m, 0);
		break;
	default:
		break;
	}
}

/* No final answer: Timer B or F (408), or the proxy was not there. */
static void
ua_timeout(struct sip_ua *ua, uint64_t now, uint64_t cookie, bool transport)
{
	uint32_t	 id = COOKIE_ID(cookie);
	unsigned	 st = transport ? 503 : 408;
	const char	*r = transport ? "transport error" : "request timeout";
	struct ua_call	*c;
	struct ua_aor	*a;

	switch (COOKIE_KIND(cookie)) {
	case K_INVITE:
		if ((c = sip_ua_dlg_by_id(ua, id)) != NULL)
			sip_ua_dlg_end(ua, now, c, st, r);
		break;
	case K_REGISTER:
		if ((a = sip_ua_aor_by_id(ua, id)) != NULL && a->removing)
			sip_ua_aor_gone(ua, a);
		else if (a != NULL) {
			a->pending = false;
			a->registered = false;
			a->refresh_at = now + UA_REG_RETRY_S * 1000;
			sip_ua_aor_registered(ua, a, st, r);
		}
		break;
	case K_MESSAGE:
		sip_ua_msg_done(ua, id, st, r);
		break;
	case K_FORK:
		sip_ua_uac_fork_done(ua, id, st);
		break;
	case K_MOVE:
	case K_REPLACE:
		if ((c = sip_ua_dlg_by_id(ua, id)) != NULL)
			sip_ua_move_response(ua, now, c,
			    (unsigned)COOKIE_KIND(cookie), NULL, st);
		break;
	case K_REFRESH:
		if ((c = sip_ua_dlg_by_id(ua, id)) != NULL)
			sip_ua_dlg_refreshed(ua, now, c, NULL, st);
		break;
	default:
		break;
	}
}

static void
ua_drain(struct sip_ua *ua, uint64_t now)
{
	struct sip_action	a;

	while (sip_txn_layer_next_action(ua->txl, &a)) {
		switch (a.type) {
		case SIP_ACT_SEND:
			sip_ua_send(ua, a.data, a.len);
			a.data = NULL;
			break;
		case SIP_ACT_REQUEST:
			sip_ua_uas_request(ua, now, a.txn, &a.msg);
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
			sip_ua_send(ua, w.p, w.len);
			w.p = NULL;
		}
		wbuf_clear(&w);
		lc_log(ua->log, LC_DEBUG, "ua: bad message (%s)",
		    why != NULL ? why : "too long");
		return;
	}
	if (m->request)
		sip_msg_received(m, &f->remote);
	ua->in_proxy = addr_eq(&f->remote, &ua->proxy.remote);
	sip_txn_layer_input(ua->txl, now, f, m);
	ua_drain(ua, now);
	ua->in_proxy = false;
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
			sip_ua_dlg_fork_free(f);
		} else
			p = &f->next;
	}
}

void
sip_ua_tick(struct sip_ua *ua, uint64_t now)
{
	struct ua_call	**p, *c;

	ua->now = now;
	sip_txn_layer_tick(ua->txl, now);
	ua_drain(ua, now);
	sip_ua_aor_refresh(ua, now, ua->aors);
	sip_ua_aor_refresh(ua, now, ua->publics);
	for (p = &ua->calls; (c = *p) != NULL; ) {
		ua_forks_reap(c, now);
		if (c->state == SIP_UA_ENDED) {
			if (now >= c->ended + UA_LINGER_MS &&
			    c->forks == NULL) {
				*p = c->next;
				ua->ncalls--;
				sip_ua_move_gone(ua, c);
				sip_ua_dlg_free(c);
				continue;
			}
		} else if (c->ok_next != 0 && now >= c->ok_next) {
			if (now >= c->ok_until) {	/* §13.3.1.4 */
				c->ok_next = 0;
				sip_ua_dlg_bye(ua, now, c);
				sip_ua_dlg_end(ua, now, c, 408, "no ACK");
			} else {
				sip_ua_send_copy(ua, c->ok, c->ok_len);
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
				(void)sip_txn_layer_respond_status(ua->txl, now,
				    c->txn, c->invite, 480,
				    "Temporarily Unavailable (no answer)",
				    sip_ua_dlg_local_tag(c), NULL,
				    NULL);
				sip_ua_dlg_end(ua, now, c, 480, "no answer");
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
	uint64_t		 t = sip_txn_layer_deadline(ua->txl), x;

#define EARLIER(v)	do { x = (v); if (x < t) t = x; } while (0)
	EARLIER(sip_ua_aor_next(ua->aors));
	EARLIER(sip_ua_aor_next(ua->publics));
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
	ua->txl = sip_txn_layer_new(&ua->cfg.txl, log);
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
		sip_ua_dlg_free(c);
	}
	while ((x = ua->aors) != NULL) {
		ua->aors = x->next;
		sip_ua_aor_free(x);
	}
	while ((x = ua->hosted) != NULL) {
		ua->hosted = x->next;
		sip_ua_aor_free(x);
	}
	while ((x = ua->publics) != NULL) {
		ua->publics = x->next;
		sip_ua_aor_free(x);
	}
	while ((m = ua->msgs) != NULL) {
		ua->msgs = m->next;
		free(m);
	}
	while (fifo_pop(&ua->acts, &a))
		sip_ua_action_clear(&a);
	fifo_clear(&ua->acts);
	sip_txn_layer_free(ua->txl);
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
	const struct ua_call	*c = sip_ua_dlg_by_id(ua, id);
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
	i->local_tag = sip_ua_dlg_local_tag(c);
	i->remote_tag = c->remote_tag != NULL ? c->remote_tag : "";
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
	sip_ua_move_info(c, i);
	return true;
}
