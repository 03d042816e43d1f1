/*
 * sip_ua_dlg.c - the UA's calls and their dialogs (§12): the call record
 * and the lookups of it, our side of its media (sdp.h), its end, the
 * requests in its dialog along its route set (§12.2.1.1) with BYE
 * (§15), what a message sets of a dialog (its route set and remote
 * target, §12.1), and hanging up in any state (CANCEL, a rejection or
 * BYE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log_ctx.h"
#include "rng.h"
#include "sdp.h"
#include "sip_msg.h"
#include "sip_ua.h"
#include "sip_ua_int.h"
#include "wire.h"
#include "xmalloc.h"

/* ---- calls ---- */

struct ua_call *
sip_ua_dlg_by_id(const struct sip_ua *ua, uint32_t id)
{
	struct ua_call	*c;

	for (c = ua->calls; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* The call of a message's dialog: its Call-ID and our tag (in From of
 * what we sent, To of what we got), or the INVITE ringing here. */
struct ua_call *
sip_ua_dlg_of(const struct sip_ua *ua, const struct sip_msg *m,
    bool ours_in_from)
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

struct ua_call *
sip_ua_dlg_new(struct sip_ua *ua, uint64_t now, bool outgoing, const char *aor)
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

void
sip_ua_dlg_fork_free(struct ua_fork *f)
{
	free(f->tag);
	free(f->ack);
	free(f);
}

void
sip_ua_dlg_free(struct ua_call *c)
{
	struct ua_fork	*f;

	while ((f = c->forks) != NULL) {
		c->forks = f->next;
		sip_ua_dlg_fork_free(f);
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
	free(c->contact_user);
	free(c->re_ack);
	sip_ua_move_free(&c->mv);
	free(c);
}

/* Our side of the media for call c: its RTP port from the driver, and
 * keys and ids from the random source.  0, EINPROGRESS (the driver
 * gathers ICE candidates: c->gathering), or the driver's error. */
int
sip_ua_dlg_media_local(struct sip_ua *ua, struct ua_call *c, bool sdes_ok)
{
	struct sdp_local	*l = &c->local;
	int			 rc = 0;

	if (c->port == 0 && (rc = ua->cfg.media_open(ua->cfg.arg, c->id,
	    &c->port)) != 0 && rc != EINPROGRESS)
		return rc;
	c->gathering = rc == EINPROGRESS;
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
	return rc;
}

int
sip_ua_media_ready(struct sip_ua *ua, uint64_t now, uint32_t id,
    const struct sdp_ice *ice)
{
	const struct sdp_cand	*d;
	struct ua_call		*c;

	ua->now = now;
	if ((c = sip_ua_dlg_by_id(ua, id)) == NULL || !c->gathering ||
	    c->state == SIP_UA_ENDED)
		return ENOENT;
	c->gathering = false;
	if (ice != NULL && (d = sdp_ice_default(ice)) != NULL) {
		c->ice = *ice;
		c->local.ice = &c->ice;
		memcpy(c->def_addr, d->addr, sizeof c->def_addr);
		c->local.addr = c->def_addr;
		c->local.port = d->port;
	}
	if (c->outgoing)
		(void)sip_ua_uac_invite(ua, now, c);
	else
		sip_ua_uas_ready(ua, now, c);
	return 0;
}

void
sip_ua_dlg_media_start(struct sip_ua *ua, struct ua_call *c)
{
	struct sip_ua_action	a;

	c->media = true;
	memset(&a, 0, sizeof a);
	a.type = SIP_UA_MEDIA;
	a.call = c->id;
	a.stream = c->stream;
	sip_ua_push(ua, &a);
}

/* The call is over: its media stops, the event says why. */
void
sip_ua_dlg_end(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    unsigned status, const char *reason)
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
		sip_ua_push(ua, &a);
		c->port = 0;
	}
	lc_log(ua->log, LC_INFO, "ua: call %u with %s ended: %s", c->id,
	    c->peer, reason);
	sip_ua_event(ua, c, "ended");
}

/* ---- requests in a dialog ---- */

/* The start of a request in c's dialog, or in another of its Call-ID
 * (a fork's): request line to target, Via, From, To (remote), Call-ID,
 * CSeq and the route set routes (§12.2.1.1; NULL: none). */
void
sip_ua_dlg_start(struct sip_ua *ua, const struct ua_call *c, struct wbuf *w,
    const char *method, uint32_t cseq, const char *branch,
    const char *target, const char *remote, const char *routes)
{
	wbuf_printf(w, "%s %s SIP/2.0\r\n", method, target);
	sip_ua_via(ua, w, branch);
	wbuf_printf(w, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n"
	    "%s", c->local_hdr, remote, c->call_id, cseq, method,
	    routes != NULL ? routes : "");
}

/* An in-dialog request's start: request line, Via, From, To, Call-ID,
 * CSeq and the route set (§12.2.1.1). */
void
sip_ua_dlg_request(struct sip_ua *ua, struct ua_call *c, struct wbuf *w,
    const char *method, uint32_t cseq, const char *branch)
{
	sip_ua_dlg_start(ua, c, w, method, cseq, branch, c->target,
	    c->remote_hdr, c->routes);
}

void
sip_ua_dlg_bye_make(struct sip_ua *ua, struct ua_call *c, struct wbuf *w)
{
	char	branch[40];

	sip_ua_branch(ua, branch, sizeof branch);
	wbuf_init(w, ua->cfg.lim.max_len);
	sip_ua_dlg_request(ua, c, w, "BYE", ++c->local_cseq, branch);
	sip_msg_end(w, NULL, 0);
}

void
sip_ua_dlg_bye(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct wbuf	w;

	sip_ua_dlg_bye_make(ua, c, &w);
	(void)sip_ua_request(ua, now, &w, COOKIE(c->id, K_BYE));
}

void
sip_ua_dlg_contact_hdr(const struct sip_ua *ua, const struct ua_call *c,
    struct wbuf *w)
{
	wbuf_printf(w, "Contact: <sip:%.*s@%s>\r\nAllow: %s\r\n",
	    (int)strcspn(c->aor, "@"), c->aor, ua->self, UA_ALLOW);
}

struct sdp *
sip_ua_dlg_current_sdp(const struct ua_call *c)
{
	struct sdp	*s = xmalloc(sizeof *s);
	const char	*why;

	if (c->answer != NULL && sdp_parse(s, c->answer, strlen(c->answer),
	    &why) == 0)
		return s;
	if (c->offer != NULL) {
		*s = *c->offer;
		return s;
	}
	free(s);
	return NULL;
}

/* ---- our re-INVITEs (§14.1) ---- */

int
sip_ua_dlg_reinvite(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sdp *offer, unsigned kind)
{
	struct sdp	 s = *offer;
	struct wbuf	 w;
	char		 branch[40];

	s.version = c->local.version++;		/* RFC 3264 §8 */
	sip_ua_branch(ua, branch, sizeof branch);
	wbuf_init(&w, ua->cfg.lim.max_len);
	c->re_cseq = ++c->local_cseq;
	free(c->re_ack);
	c->re_ack = NULL;
	sip_ua_dlg_request(ua, c, &w, "INVITE", c->re_cseq, branch);
	sip_ua_dlg_contact_hdr(ua, c, &w);
	sip_ua_dlg_sdp_body(&w, &s);
	return sip_ua_request(ua, now, &w, COOKIE(c->id, kind));
}

void
sip_ua_dlg_ack(struct sip_ua *ua, struct ua_call *c, uint32_t cseq,
    uint8_t **ack, size_t *len)
{
	struct wbuf	w;
	char		branch[40];

	if (*ack == NULL) {
		sip_ua_branch(ua, branch, sizeof branch);
		wbuf_init(&w, ua->cfg.lim.max_len);
		sip_ua_dlg_request(ua, c, &w, "ACK", cseq, branch);
		sip_msg_end(&w, NULL, 0);
		if (!w.err)
			*ack = wbuf_take(&w, len);
		wbuf_clear(&w);
	}
	if (*ack != NULL)
		sip_ua_send_copy(ua, *ack, *len);
}

void
sip_ua_dlg_reinvite_ack(struct sip_ua *ua, struct ua_call *c)
{
	sip_ua_dlg_ack(ua, c, c->re_cseq, &c->re_ack, &c->re_ack_len);
}

bool
sip_ua_dlg_2xx_again(struct sip_ua *ua, const struct sip_msg *m)
{
	struct ua_call	*c;

	if ((c = sip_ua_dlg_of(ua, m, true)) == NULL || c->re_ack == NULL ||
	    m->cseq != c->re_cseq)
		return false;
	sip_ua_send_copy(ua, c->re_ack, c->re_ack_len);
	return true;
}

int
sip_ua_refresh(struct sip_ua *ua, uint64_t now, uint32_t id)
{
	struct ua_call	*c;
	struct sdp	*s;
	int		 rc;

	ua->now = now;
	if ((c = sip_ua_dlg_by_id(ua, id != 0 ? id : sip_ua_newest(ua))) ==
	    NULL)
		return ENOENT;
	if (c->state != SIP_UA_ACTIVE)
		return ENOTCONN;
	if (c->ok_next != 0 || c->mv.state == MV_ANSWERING ||
	    c->mv.state == MV_OFFERED || c->refreshing)
		return EBUSY;		/* §14.1: one at a time */
	if ((s = sip_ua_dlg_current_sdp(c)) == NULL)
		return ENOTCONN;
	rc = sip_ua_dlg_reinvite(ua, now, c, s, K_REFRESH);
	free(s);
	if (rc == 0)
		c->refreshing = true;
	return rc;
}

void
sip_ua_dlg_refreshed(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sip_msg *m, unsigned status)
{
	if (m != NULL)
		status = m->status;
	if (status < 200)
		return;
	c->refreshing = false;
	if (status < 300) {
		sip_ua_dlg_reinvite_ack(ua, c);
		lc_log(ua->log, LC_INFO, "ua: call %u: refreshed", c->id);
		return;
	}
	lc_log(ua->log, LC_INFO, "ua: call %u: refresh: %u", c->id, status);
	/* §14.1: 481 or 408, the dialog is gone: BYE */
	if ((status == 481 || status == 408) && c->state == SIP_UA_ACTIVE) {
		sip_ua_dlg_bye(ua, now, c);
		sip_ua_dlg_end(ua, now, c, status, "the dialog is gone");
	}
}

/* Content-Type, the end of the headers and description s as body. */
void
sip_ua_dlg_sdp_body(struct wbuf *w, const struct sdp *s)
{
	struct wbuf	b;

	wbuf_init(&b, SDP_MAX_LEN);
	sdp_write(&b, s);
	wbuf_printf(w, "Content-Type: application/sdp\r\n");
	sip_msg_end(w, b.p, b.len);
	wbuf_clear(&b);
}

/* The route set of a 2xx (§12.1.2: its Record-Routes, reversed) or of
 * an INVITE (§12.1.1: in order). */
char *
sip_ua_dlg_routes(const struct sip_msg *m, bool reverse)
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

const char *
sip_ua_dlg_local_tag(const struct ua_call *c)
{
	const char	*t = c->local_hdr != NULL ? strstr(c->local_hdr,
			    ";tag=") : NULL;

	return t != NULL ? t + 5 : "";
}

/* m's Contact as c's remote target, if it has one. */
static void
ua_dlg_target(struct ua_call *c, const struct sip_msg *m)
{
	char	*t;

	if ((t = sip_ua_dlg_contact(m)) != NULL) {
		free(c->target);
		c->target = t;
	}
}

void
sip_ua_dlg_uas_of(struct sip_ua *ua, struct ua_call *c,
    const struct sip_msg *m)
{
	const struct sip_pl	*to = &sip_msg_hdr(m, SIP_HDR_TO, NULL)->value;
	char			 tag[24];

	free(c->call_id);
	c->call_id = sip_ua_pl_dup(&m->call_id);
	sip_ua_tag(ua, tag, sizeof tag);
	free(c->local_hdr);
	c->local_hdr = xasprintf("%.*s;tag=%s", (int)to->l, to->p, tag);
	free(c->remote_hdr);
	c->remote_hdr = sip_ua_pl_dup(&sip_msg_hdr(m, SIP_HDR_FROM,
	    NULL)->value);
	free(c->remote_tag);
	c->remote_tag = sip_ua_pl_dup(&m->from_tag);
	ua_dlg_target(c, m);
	free(c->routes);
	c->routes = sip_ua_dlg_routes(m, false);
	c->remote_cseq = m->cseq;
}

void
sip_ua_dlg_uac_of(struct ua_call *c, const struct sip_msg *m)
{
	free(c->remote_hdr);
	c->remote_hdr = sip_ua_pl_dup(&sip_msg_hdr(m, SIP_HDR_TO, NULL)->value);
	free(c->remote_tag);
	c->remote_tag = sip_ua_pl_dup(&m->to_tag);
	ua_dlg_target(c, m);
	free(c->routes);
	c->routes = sip_ua_dlg_routes(m, true);
}

/* The Contact's URI of m, the remote target (§12.1). */
char *
sip_ua_dlg_contact(const struct sip_msg *m)
{
	const struct sip_hdr	*h = sip_msg_hdr(m, SIP_HDR_CONTACT, NULL);
	struct sip_addr		 a;

	if (h == NULL || sip_uri_addr_parse(&a, &h->value, false) != 0)
		return NULL;
	return sip_ua_pl_dup(&a.uri_str);
}

bool
sip_ua_dlg_is_sdp(const struct sip_msg *m)
{
	return m->body.l > 0 && m->content_type.l >= 15 &&
	    strncasecmp(m->content_type.p, "application/sdp", 15) == 0;
}

bool
sip_ua_dlg_tag_is(const char *tag, const struct sip_pl *pl)
{
	return strlen(tag) == pl->l && memcmp(tag, pl->p, pl->l) == 0;
}

/* ---- hanging up ---- */

static int
ua_hangup(struct sip_ua *ua, uint64_t now, uint32_t id, const char *why)
{
	struct ua_call	*c;

	ua->now = now;
	if ((c = sip_ua_dlg_by_id(ua, id != 0 ? id :
	    sip_ua_newest(ua))) == NULL)
		return ENOENT;
	switch (c->state) {
	case SIP_UA_ENDED:
		return EALREADY;
	case SIP_UA_CALLING:
	case SIP_UA_RINGING:
		/* §9.1: CANCEL once a provisional response came */
		c->cancel = true;
		if (c->provisional)
			sip_ua_uac_cancel(ua, now, c);
		sip_ua_dlg_end(ua, now, c, 487, "cancelled");
		break;
	case SIP_UA_INCOMING:
		(void)sip_txn_layer_respond_status(ua->txl, now, c->txn,
		    c->invite, 603, "Decline",
		    sip_ua_dlg_local_tag(c), NULL, NULL);
		sip_ua_dlg_end(ua, now, c, 603, "rejected");
		break;
	case SIP_UA_ACTIVE:
		sip_ua_dlg_bye(ua, now, c);
		sip_ua_dlg_end(ua, now, c, c->status, why != NULL ? why :
		    "hung up");
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
