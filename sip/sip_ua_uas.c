/*
 * sip_ua_uas.c - the requests that come to the UA: in a dialog or not
 * (§12.2.2), the INVITE server (§13.3) with our answer or a late offer,
 * its 2xx resent until the ACK comes (§13.3.1.4), re-INVITE (§14.2),
 * CANCEL (§9.2), BYE (§15.1.2) and OPTIONS (§11.2); MESSAGE goes to
 * sip_ua_msg.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_ctx.h"
#include "rng.h"
#include "sdp.h"
#include "sip_msg.h"
#include "sip_replaces.h"
#include "sip_ua.h"
#include "sip_ua_int.h"
#include "wire.h"
#include "xmalloc.h"

/* ---- the INVITE server ---- */

/* Our 2xx with the answer (or a late offer), resent until the ACK
 * comes (§13.3.1.4). */
void
sip_ua_uas_ok(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct wbuf	 w;
	const char	*tag = sip_ua_dlg_local_tag(c);
	uint8_t		*p;
	size_t		 n;

	wbuf_init(&w, ua->cfg.lim.max_len);
	sip_msg_reply(&w, c->invite, 200, "OK", tag);
	sip_ua_dlg_contact_hdr(ua, c, &w);
	/* §12.1.1: the Record-Routes go back as they came */
	{
		const struct sip_hdr	*h;

		for (h = sip_msg_hdr(c->invite, SIP_HDR_RECORD_ROUTE, NULL);
		    h != NULL; h = sip_msg_hdr(c->invite,
		    SIP_HDR_RECORD_ROUTE, h))
			sip_msg_header(&w, "Record-Route", &h->value);
	}
	if (c->late_offer)
		sip_ua_dlg_sdp_body(&w, c->offer);
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
	(void)sip_txn_layer_respond(ua->txl, now, c->txn, p, n);
	c->ok_iv = ua->cfg.txl.t1_ms;
	c->ok_next = now + c->ok_iv;
	c->ok_until = now + 64 * (uint64_t)ua->cfg.txl.t1_ms;
}

int
sip_ua_answer(struct sip_ua *ua, uint64_t now, uint32_t id)
{
	struct ua_call	*c;

	ua->now = now;
	if ((c = sip_ua_dlg_by_id(ua, id != 0 ? id : sip_ua_ringing(ua))) ==
	    NULL)
		return ENOENT;
	if (c->state != SIP_UA_INCOMING)
		return EALREADY;
	if (c->gathering) {
		c->answer_wanted = true;	/* once the answer is made */
		return 0;
	}
	sip_ua_uas_ok(ua, now, c);
	c->state = SIP_UA_ACTIVE;
	c->answered = now;
	c->status = 200;
	/* RFC 3264 §6: the answerer may send as soon as it answers; with a
	 * late offer, once the ACK brings the answer */
	if (!c->late_offer)
		sip_ua_dlg_media_start(ua, c);
	lc_log(ua->log, LC_INFO, "ua: call %u answered here", c->id);
	sip_ua_event(ua, c, "answered");
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
		if (sip_msg_via_parse(&v, &h->value) != 0)
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

/* ua_answer_offer: the answer waits for a direct flow's candidates */
#define UA_WAIT		1

/*
 * Answer the offer in m for c into c->answer: 0, UA_WAIT, or the status
 * to refuse with and *why.  ICE for SIP: a control stream we cannot use
 * is a 488 (a re-INVITE's call goes on as it was); a usable one in a
 * re-INVITE (move) is answered once our candidates are in
 * (sip_ua_move_offered: UA_WAIT, the media kept as it is), else
 * rejected (port 0).
 */
static unsigned
ua_answer_offer(struct sip_ua *ua, struct ua_call *c,
    const struct sip_msg *m, bool move, const char **why)
{
	struct sdp		*ans;
	struct sdp_control	 ctl;
	struct sdp_stream	 was = c->stream;
	struct wbuf		 b;
	int			 rc, crc;

	if (sdp_parse(ua->scratch, m->body.p, m->body.l, why) != 0)
		return 400;
	if ((crc = sdp_control_of(ua->scratch, &ctl, why)) == EBADMSG)
		return 488;
	ans = xmalloc(sizeof *ans);
	rc = sdp_oa_answer(ans, &c->stream, ua->scratch, &c->local, why);
	if (rc == 0) {
		c->local.version++;
		if (crc == 0 && move) {
			c->stream = was;
			if (sip_ua_move_offered(ua, c, &ctl, ans))
				return UA_WAIT;
		}
		wbuf_init(&b, SDP_MAX_LEN);
		sdp_write(&b, ans);
		free(c->answer);
		c->answer = xstrndup((const char *)b.p, b.len);
		wbuf_clear(&b);
	}
	free(ans);
	return rc == 0 ? 0 : rc == ENOTSUP ? 488 : 400;
}

void
sip_ua_uas_respond(struct sip_ua *ua, uint64_t now, uint64_t txn,
    const struct sip_msg *m, unsigned status, const char *reason,
    const char *hname, const char *hvalue)
{
	char	tag[24];

	sip_ua_tag(ua, tag, sizeof tag);
	(void)sip_txn_layer_respond_status(ua->txl, now, txn, m, status, reason,
	    m->to_tag.l > 0 ? NULL : tag, hname, hvalue);
}

/* The INVITE's offer answered into c->answer, or (none: §13.2.1, RFC
 * 3264) ours made for the 2xx, the answer to come in the ACK.  0, or
 * the status to refuse with and *why. */
static unsigned
ua_offer_in(struct sip_ua *ua, struct ua_call *c, const char **why)
{
	if (c->invite->body.l > 0)
		return ua_answer_offer(ua, c, c->invite, false, why);
	c->late_offer = true;
	c->offer = xmalloc(sizeof *c->offer);
	sdp_oa_offer(c->offer, &c->local);
	return 0;
}

/* A new INVITE for aor a. */
static void
ua_invite(struct sip_ua *ua, uint64_t now, uint64_t txn, struct sip_msg **mp,
    struct ua_aor *a)
{
	struct sip_msg	*m = *mp;
	struct ua_call	*c;
	const char	*why = NULL, *tag;
	unsigned	 st;
	int		 rc;

	if (ua->ncalls >= SIP_UA_CALLS_MAX) {
		sip_ua_uas_respond(ua, now, txn, m, 486, "Busy Here", NULL,
		    NULL);
		return;
	}
	if (a->answer == SIP_UA_REJECT) {
		sip_ua_uas_respond(ua, now, txn, m, 603, "Decline", NULL, NULL);
		return;
	}
	if (m->body.l > 0 && !sip_ua_dlg_is_sdp(m)) {
		sip_ua_uas_respond(ua, now, txn, m, 415,
		    "Unsupported Media Type", "Accept", "application/sdp");
		return;
	}
	c = sip_ua_dlg_new(ua, now, false, a->aor);
	c->txn = txn;
	c->invite = m;
	*mp = NULL;
	c->peer = sip_ua_pl_dup(&m->from.uri_str);
	sip_ua_dlg_uas_of(ua, c, m);
	tag = sip_ua_dlg_local_tag(c);
	c->local_cseq = rng_below(ua->rng, 1u << 30) + 1;
	c->state = SIP_UA_INCOMING;
	if (c->target == NULL) {
		st = 400;
		why = "No Contact";
	} else if ((rc = sip_ua_dlg_media_local(ua, c, ua_sdes_ok(m))) != 0 &&
	    rc != EINPROGRESS) {
		st = 503;
		why = "No RTP Port Free";
	} else if (c->gathering)
		st = 0;		/* the offer is answered once it is done */
	else
		st = ua_offer_in(ua, c, &why);
	if (st != 0) {
		(void)sip_txn_layer_respond_status(ua->txl, now, txn, m, st,
		    why, tag, st == 488 ? "Warning" : NULL, st == 488 ?
		    "304 p2psipd \"Media type not available\"" : NULL);
		sip_ua_dlg_end(ua, now, c, st, why);
		return;
	}
	lc_log(ua->log, LC_INFO, "ua: call %u: %s calls %s", c->id, c->peer,
	    a->aor);
	(void)sip_txn_layer_respond_status(ua->txl, now, txn, m, 180,
	    "Ringing", tag, NULL, NULL);
	sip_ua_event(ua, c, "incoming");
	if (a->answer == SIP_UA_AUTO)
		(void)sip_ua_answer(ua, now, c->id);
}

void
sip_ua_uas_ready(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	const char	*why = NULL;
	unsigned	 st;

	if (c->state != SIP_UA_INCOMING || c->invite == NULL)
		return;
	if ((st = ua_offer_in(ua, c, &why)) != 0) {
		(void)sip_txn_layer_respond_status(ua->txl, now, c->txn,
		    c->invite, st, why, sip_ua_dlg_local_tag(c),
		    st == 488 ? "Warning" : NULL, st == 488 ?
		    "304 p2psipd \"Media type not available\"" : NULL);
		sip_ua_dlg_end(ua, now, c, st, why);
		return;
	}
	if (c->answer_wanted)
		(void)sip_ua_answer(ua, now, c->id);
}

/* A re-INVITE in c's dialog (§14.2): the new offer is answered from
 * the same port, and the media follows if it changed.  One that moves
 * the call (ICE for SIP) waits for our candidates. */
static void
ua_reinvite(struct sip_ua *ua, uint64_t now, uint64_t txn,
    struct sip_msg **mp, struct ua_call *c)
{
	struct sip_msg		*m = *mp;
	struct sdp_stream	 was = c->stream;
	const char		*why;
	unsigned		 st;
	char			*t;

	if (c->state != SIP_UA_ACTIVE || c->ok_next != 0 ||
	    c->mv.state == MV_ANSWERING) {
		sip_ua_uas_respond(ua, now, txn, m, 491, "Request Pending",
		    NULL, NULL);
		return;
	}
	if (!sip_ua_dlg_is_sdp(m)) {	/* no offer: not something we do */
		sip_ua_uas_respond(ua, now, txn, m, 488, "Not Acceptable Here",
		    NULL, NULL);
		return;
	}
	if ((st = ua_answer_offer(ua, c, m, true, &why)) != 0 &&
	    st != UA_WAIT) {
		sip_ua_uas_respond(ua, now, txn, m, st, why, NULL, NULL);
		return;
	}
	if ((t = sip_ua_dlg_contact(m)) != NULL) {
		free(c->target);
		c->target = t;
	}
	c->remote_cseq = m->cseq;
	sip_msg_free(c->invite);
	c->invite = m;
	*mp = NULL;
	c->txn = txn;
	c->late_offer = false;
	if (st == UA_WAIT)
		return;		/* sip_ua_direct_ready answers */
	sip_ua_uas_ok(ua, now, c);
	if (memcmp(&was, &c->stream, sizeof was) != 0)
		sip_ua_dlg_media_start(ua, c);
}

/* ACK for our 2xx: the retransmissions stop; a late offer's answer;
 * a replacement's old dialog ends; a call answered here may move. */
static void
ua_acked(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sip_msg *m)
{
	const char	*why;

	if (c->ok_next == 0)
		return;
	c->ok_next = 0;
	sip_ua_move_acked(ua, now, c);
	if (c->late_offer && c->state == SIP_UA_ACTIVE) {
		c->late_offer = false;
		if (!sip_ua_dlg_is_sdp(m) || sdp_parse(ua->scratch, m->body.p,
		    m->body.l, &why) != 0 || sdp_oa_accept(&c->stream,
		    c->offer, ua->scratch, &c->local, &why) != 0) {
			/* RFC 3261 §13.2.2.4: a bad answer in the ACK ends
			 * it */
			sip_ua_dlg_bye(ua, now, c);
			sip_ua_dlg_end(ua, now, c, 488,
			    "no usable answer in the ACK");
			return;
		}
		sip_ua_dlg_media_start(ua, c);
	}
	sip_ua_move_start(ua, now, c);
}

/* ---- requests that come ---- */

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
	if (sip_pl_eq(&m->method, "BYE") &&
	    sip_ua_uac_fork_of(c, &m->from_tag) != NULL)
		sip_ua_uas_respond(ua, now, txn, m, 200, "OK", NULL, NULL);
	else
		sip_ua_uas_respond(ua, now, txn, m, 481,
		    "Call/Transaction Does Not Exist", NULL, NULL);
}

/*
 * An INVITE to take over one of our dialogs (RFC 3891 §3): the dialog
 * whose Call-ID is rp's, our tag its to-tag and the other end's its
 * from-tag.  None (or, §3, more than one), one still ringing here that
 * we did not start, or one that ended: 481; a confirmed one with
 * early-only: 486.  (Deviation, §3: an ended dialog SHOULD get 603.  It
 * gets what a forgotten one gets, so that nobody learns from the answer
 * whether the Call-ID and tags named a dialog of ours.)  Otherwise the replacement must be authorized (§8:
 * "MUST only be accepted if the peer requesting replacement has been
 * properly authenticated"): p2psipd takes one only on the direct flow
 * the dialog's own control stream made (sip_ua_move_authorized), and
 * refuses any other with 403, the dialog left as it is.  The one taken
 * has its offer answered with the media as it is (sip_ua_move.c).
 */
static void
ua_replaces(struct sip_ua *ua, uint64_t now, uint64_t txn,
    struct sip_msg **mp, const struct sip_replaces *rp)
{
	const struct sip_msg *m = *mp;
	struct ua_call	*c, *match = NULL;
	struct sdp_stream was;
	const char	*why;
	unsigned	 n = 0, st;

	for (c = ua->calls; c != NULL; c = c->next)
		if (sip_ua_dlg_tag_is(c->call_id, &rp->call_id) &&
		    sip_ua_dlg_tag_is(sip_ua_dlg_local_tag(c), &rp->to_tag) &&
		    c->remote_tag != NULL &&
		    sip_ua_dlg_tag_is(c->remote_tag, &rp->from_tag)) {
			match = c;
			n++;
		}
	if (n != 1 || match->state == SIP_UA_INCOMING ||
	    match->state == SIP_UA_ENDED)
		sip_ua_uas_respond(ua, now, txn, m, 481,
		    "Call/Transaction Does Not Exist", NULL, NULL);
	else if (match->state == SIP_UA_ACTIVE && rp->early_only)
		sip_ua_uas_respond(ua, now, txn, m, 486, "Busy Here", NULL,
		    NULL);
	else if (sip_ua_move_authorized(ua, match, m)) {
		was = match->stream;
		if (!sip_ua_dlg_is_sdp(m))
			sip_ua_uas_respond(ua, now, txn, m, 488,
			    "Not Acceptable Here (no offer)", NULL, NULL);
		else if ((st = ua_answer_offer(ua, match, m, false, &why)) !=
		    0) {
			match->stream = was;
			sip_ua_uas_respond(ua, now, txn, m, st, why, NULL,
			    NULL);
		} else {
			match->stream = was;
			sip_ua_move_replaced(ua, now, match, txn, mp);
		}
	} else {
		lc_log(ua->log, LC_INFO, "ua: call %u: a replacement from %.*s "
		    "refused: not authorized", match->id,
		    (int)m->from.uri_str.l, m->from.uri_str.p);
		sip_ua_uas_respond(ua, now, txn, m, 403,
		    "Forbidden (replacement not authorized)", NULL, NULL);
	}
}

/* A new request (txn 0: an ACK outside a transaction). */
void
sip_ua_uas_request(struct sip_ua *ua, uint64_t now, uint64_t txn,
    struct sip_msg **mp)
{
	struct sip_msg	*m = *mp;
	struct ua_call	*c;
	struct ua_aor	*a = NULL;
	struct sip_replaces rp;
	const char	*why;
	char		 aor[512];
	int		 rc;

	if (m->to_tag.l > 0) {			/* in a dialog (§12.2.2) */
		c = sip_ua_dlg_of(ua, m, false);
		if (c == NULL && sip_pl_eq(&m->method, "BYE") &&
		    sip_ua_move_old_bye(ua, now, txn, m))
			return;
		if (c != NULL && c->remote_tag != NULL &&
		    !sip_ua_dlg_tag_is(c->remote_tag, &m->from_tag)) {
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
			sip_ua_uas_respond(ua, now, txn, m,
			    c == NULL ? 481 : 500,
			    c == NULL ? "Call/Transaction Does Not Exist" :
			    "Server Internal Error (CSeq out of order)",
			    NULL, NULL);
			return;
		}
		c->remote_cseq = m->cseq;
		if (sip_pl_eq(&m->method, "BYE")) {
			sip_ua_uas_respond(ua, now, txn, m, 200, "OK", NULL,
			    NULL);
			c->ok_next = 0;
			sip_ua_dlg_end(ua, now, c, c->status, "remote hung up");
		} else if (sip_pl_eq(&m->method, "INVITE"))
			ua_reinvite(ua, now, txn, mp, c);
		else if (sip_pl_eq(&m->method, "OPTIONS"))
			sip_ua_uas_respond(ua, now, txn, m, 200, "OK", "Allow",
			    UA_ALLOW);
		else
			sip_ua_uas_respond(ua, now, txn, m, 405,
			    "Method Not Allowed", "Allow", UA_ALLOW);
		return;
	}
	if (sip_pl_eq(&m->method, "ACK"))
		return;			/* for a non-2xx: the layer's */
	if (sip_pl_eq(&m->method, "CANCEL")) {
		uint64_t	inv = sip_txn_layer_find_invite(ua->txl, m);

		for (c = ua->calls; c != NULL; c = c->next)
			if (c->txn == inv && inv != 0)
				break;
		if (c == NULL) {
			sip_ua_uas_respond(ua, now, txn, m, 481,
			    "Call/Transaction Does Not Exist", NULL, NULL);
			return;
		}
		/* §9.2: 200 to the CANCEL, 487 to the INVITE */
		sip_ua_uas_respond(ua, now, txn, m, 200, "OK", NULL, NULL);
		if (c->state == SIP_UA_INCOMING) {
			(void)sip_txn_layer_respond_status(ua->txl, now, c->txn,
			    c->invite, 487, "Request Terminated",
			    sip_ua_dlg_local_tag(c), NULL, NULL);
			sip_ua_dlg_end(ua, now, c, 487, "cancelled");
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
		if ((a = sip_ua_aor_find(ua, aor)) == NULL)
			a = *sip_ua_aor_hosted(ua, aor);
	}
	if (sip_pl_eq(&m->method, "OPTIONS")) {
		sip_ua_uas_respond(ua, now, txn, m, 200, "OK", "Allow",
		    UA_ALLOW);
		return;
	}
	if (a == NULL) {
		sip_ua_uas_respond(ua, now, txn, m, 404, "Not Found", NULL,
		    NULL);
		return;
	}
	/* RFC 3891 §3: a Replaces in anything but an INVITE, or more than
	 * one, is a 400 */
	if ((rc = sip_replaces_parse(m, &rp, &why)) != ENOENT) {
		if (rc == 0 && !sip_pl_eq(&m->method, "INVITE"))
			why = "Replaces in a request other than INVITE";
		if (why != NULL)
			sip_ua_uas_respond(ua, now, txn, m, 400, why, NULL,
			    NULL);
		else
			ua_replaces(ua, now, txn, mp, &rp);
		return;
	}
	if (sip_pl_eq(&m->method, "INVITE"))
		ua_invite(ua, now, txn, mp, a);
	else if (sip_pl_eq(&m->method, "MESSAGE"))
		sip_ua_msg_in(ua, now, txn, m, a);
	else if (sip_pl_eq(&m->method, "BYE"))
		sip_ua_uas_respond(ua, now, txn, m, 481,
		    "Call/Transaction Does Not Exist", NULL, NULL);
	else
		sip_ua_uas_respond(ua, now, txn, m, 405, "Method Not Allowed",
		    "Allow", UA_ALLOW);
}
