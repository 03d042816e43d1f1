/*
 * sip_ua_uac.c - the UA's INVITE client (§13.2): the INVITE with our
 * offer, CANCEL once a provisional response came (§9.1), the answer in
 * the 2xx taken and the 2xx ACKed, its ACK resent for each
 * retransmission (§13.2.2.4), and the other dialogs a forked INVITE's
 * further 2xx make (§12.1.2, §13.2.2.4: ACKed, then ended with BYE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log_ctx.h"
#include "sdp.h"
#include "sip_msg.h"
#include "sip_ua.h"
#include "sip_ua_int.h"
#include "wire.h"
#include "xmalloc.h"

/* ---- the INVITE client ---- */

/* §9.1: a CANCEL has the INVITE's Request-URI, Via, From, To, Call-ID
 * and CSeq number. */
void
sip_ua_uac_cancel(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct wbuf	w;

	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_printf(&w, "CANCEL %s SIP/2.0\r\n", c->ruri);
	sip_ua_via(ua, &w, c->branch);
	wbuf_printf(&w, "From: %s\r\nTo: <%s>\r\nCall-ID: %s\r\n"
	    "CSeq: %u CANCEL\r\n", c->local_hdr, c->ruri, c->call_id,
	    c->local_cseq);
	sip_msg_end(&w, NULL, 0);
	(void)sip_ua_request(ua, now, &w, COOKIE(c->id, K_CANCEL));
}

int
sip_ua_call(struct sip_ua *ua, uint64_t now, const char *from,
    const char *target, uint32_t duration_s, uint32_t *id, const char **why)
{
	struct ua_aor	*a;
	struct ua_call	*c;
	char		*uri, tag[24];
	int		 rc;

	ua->now = now;
	a = sip_ua_aor_from(ua, from);
	if (a == NULL) {
		*why = from == NULL ? "no AOR of ours to call from (ua add)" :
		    "not an AOR of ours (ua list)";
		return EINVAL;
	}
	if ((uri = sip_ua_target_uri(ua, target)) == NULL) {
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
	c = sip_ua_dlg_new(ua, now, true, a->aor);
	c->peer = xstrdup(uri);
	c->ruri = uri;
	c->target = xstrdup(uri);
	c->duration_s = duration_s;
	c->call_id = xmalloc(40);
	sip_ua_tag(ua, c->call_id, 40);
	sip_ua_tag(ua, tag, sizeof tag);
	c->local_hdr = xasprintf("<sip:%s>;tag=%s", a->aor, tag);
	c->remote_hdr = xasprintf("<%s>", uri);
	c->state = SIP_UA_CALLING;
	c->local_cseq = 1;
	c->contact_user = xstrdup(a->user);
	/* SDES only where our signalling is TLS beyond this host (RFC 4568
	 * §8.3): a sips: target, or peers reached over TLS */
	if ((rc = sip_ua_dlg_media_local(ua, c, ua->cfg.tls_peers ||
	    strncasecmp(uri, "sips:", 5) == 0)) != 0 && rc != EINPROGRESS) {
		*why = "no RTP port free";
		sip_ua_dlg_end(ua, now, c, 503, "no RTP port");
		return rc;
	}
	if (!c->gathering && (rc = sip_ua_uac_invite(ua, now, c)) != 0) {
		*why = "the request could not be sent";
		return rc;
	}
	lc_log(ua->log, LC_INFO, "ua: call %u: %s calls %s", c->id, a->aor,
	    c->peer);
	*id = c->id;
	return 0;
}

/* c's INVITE with our offer (§13.2.1), once its media is ready: 0, or
 * the error that ended the call. */
int
sip_ua_uac_invite(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct wbuf	w;
	int		rc;

	c->offer = xmalloc(sizeof *c->offer);
	sdp_oa_offer(c->offer, &c->local);
	sip_ua_branch(ua, c->branch, sizeof c->branch);
	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_printf(&w, "INVITE %s SIP/2.0\r\n", c->ruri);
	sip_ua_via(ua, &w, c->branch);
	wbuf_printf(&w, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: 1 INVITE\r\nContact: <sip:%s@%s>\r\nAllow: %s\r\n",
	    c->local_hdr, c->remote_hdr, c->call_id, c->contact_user,
	    ua->self, UA_ALLOW);
	sip_ua_dlg_sdp_body(&w, c->offer);
	if ((rc = sip_ua_request(ua, now, &w, COOKIE(c->id, K_INVITE))) != 0)
		sip_ua_dlg_end(ua, now, c, 500, "not sent");
	return rc;
}

/* §13.2.2.4: the ACK for a 2xx, a request of its own, kept to answer
 * the 2xx's retransmissions. */
static void
ua_ack(struct sip_ua *ua, struct ua_call *c)
{
	sip_ua_dlg_ack(ua, c, 1, &c->ack, &c->ack_len);
}

/* ---- a forked INVITE's other dialogs (§13.2.2.4) ---- */

struct ua_fork *
sip_ua_uac_fork_of(const struct ua_call *c, const struct sip_pl *tag)
{
	struct ua_fork	*f;

	for (f = c->forks; f != NULL; f = f->next)
		if (sip_ua_dlg_tag_is(f->tag, tag))
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

	/* §12.1.2: it must have one; the Request-URI */
	if ((target = sip_ua_dlg_contact(m)) == NULL)
		target = xstrdup(c->ruri);
	remote = sip_ua_pl_dup(&sip_msg_hdr(m, SIP_HDR_TO, NULL)->value);
	routes = sip_ua_dlg_routes(m, true);
	sip_ua_branch(ua, branch, sizeof branch);
	wbuf_init(w, ua->cfg.lim.max_len);
	sip_ua_dlg_start(ua, c, w, method, cseq, branch, target, remote,
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

	if ((f = sip_ua_uac_fork_of(c, &m->to_tag)) != NULL) {
		if (f->ack != NULL)
			sip_ua_send_copy(ua, f->ack, f->ack_len);
		return;
	}
	/* past UA_FORKS_MAX, ACK and BYE still go, but nothing is kept:
	 * its retransmissions would be taken as new */
	if (c->nforks < UA_FORKS_MAX) {
		f = xcalloc(1, sizeof *f);
		f->id = ++ua->next_id;
		f->tag = sip_ua_pl_dup(&m->to_tag);
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
		sip_ua_send(ua, p, n);
	}
	wbuf_clear(&w);
	/* §12.1.2: the dialog's local sequence number is the INVITE's */
	ua_fork_request(ua, c, m, "BYE", m->cseq + 1, &w);
	if (sip_ua_request(ua, now, &w, cookie) != 0 && f != NULL)
		f->bye_done = true;
}

/* The BYE that ended a fork's dialog was answered, or never will be. */
void
sip_ua_uac_fork_done(struct sip_ua *ua, uint32_t id, unsigned status)
{
	struct ua_fork	*f = ua_fork_by_id(ua, id);

	if (f == NULL || f->bye_done)
		return;
	f->bye_done = true;
	lc_log(ua->log, LC_INFO, "ua: forked dialog %s ended: BYE %u",
	    f->tag, status);
}

/* ---- responses to the INVITE ---- */

void
sip_ua_uac_2xx(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sip_msg *m)
{
	const char	*why;

	if (c->ack != NULL) {
		if (c->remote_tag != NULL && !sip_ua_dlg_tag_is(c->remote_tag,
		    &m->to_tag))
			ua_fork_2xx(ua, now, c, m);
		else		/* a retransmission: ACK it again
				   (§13.2.2.4) */
			sip_ua_send_copy(ua, c->ack, c->ack_len);
		return;
	}
	sip_ua_dlg_uac_of(c, m);
	c->status = m->status;
	ua_ack(ua, c);
	if (c->state == SIP_UA_ENDED || c->cancel) {
		/* hung up meanwhile: §15, the answer is ended by BYE */
		sip_ua_dlg_bye(ua, now, c);
		if (c->state != SIP_UA_ENDED)
			sip_ua_dlg_end(ua, now, c, 487, "cancelled");
		return;
	}
	if (!sip_ua_dlg_is_sdp(m) || sdp_parse(ua->scratch, m->body.p,
	    m->body.l, &why) != 0) {
		if (!sip_ua_dlg_is_sdp(m))
			why = "no SDP answer";
		sip_ua_dlg_bye(ua, now, c);
		sip_ua_dlg_end(ua, now, c, 488, why);
		return;
	}
	if (sdp_oa_accept(&c->stream, c->offer, ua->scratch, &c->local,
	    &why) != 0) {
		sip_ua_dlg_bye(ua, now, c);
		sip_ua_dlg_end(ua, now, c, 488, why);
		return;
	}
	c->state = SIP_UA_ACTIVE;
	c->answered = now;
	sip_ua_dlg_media_start(ua, c);
	lc_log(ua->log, LC_INFO, "ua: call %u answered", c->id);
	sip_ua_event(ua, c, "answered");
}

void
sip_ua_uac_response(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sip_msg *m)
{
	char	*r;

	if (m->status < 200) {
		if (m->status == 100 || c->state == SIP_UA_ENDED)
			return;
		if (!c->provisional) {
			c->provisional = true;
			if (c->cancel) {	/* §9.1: now it may go */
				sip_ua_uac_cancel(ua, now, c);
				return;
			}
		}
		if (c->state == SIP_UA_CALLING && (m->status == 180 ||
		    m->status == 183)) {
			c->state = SIP_UA_RINGING;
			lc_log(ua->log, LC_INFO, "ua: call %u rings", c->id);
			sip_ua_event(ua, c, "ringing");
		}
		return;
	}
	if (m->status < 300) {
		sip_ua_uac_2xx(ua, now, c, m);
		return;
	}
	r = sip_ua_pl_dup(&m->reason);
	sip_ua_dlg_end(ua, now, c, m->status, c->cancel ? "cancelled" : r);
	free(r);
}
