/*
 * sip_ua_move.c - ICE for SIP (draft-lowekamp-p2psip-ice-for-sip §2,
 * §3; RFC 3891): a call between two daemons that began through other
 * peers of the overlay moves to a direct flow between the two.
 *
 * The draft's text is not at hand; this is p2psipd's reading of it:
 *
 *  1. Once the call is confirmed, its answerer (the mover) asks the
 *     driver for the candidates of a direct flow and sends a re-INVITE
 *     whose offer is the media as it is plus a control stream (sdp.h:
 *     "m=control PORT UDP/DTLS sip", its ICE credentials and
 *     candidates, its certificate's SHA-256 fingerprint, a=setup:actpass).
 *  2. The other end answers with its own control stream (gathered
 *     first; a=setup:active, RFC 5763 §5) and the media as it is.  The
 *     mover is ICE's controlling agent (the offerer, RFC 8445 §6.1.1).
 *  3. The driver runs the checks and, on the selected pair, DTLS
 *     between the daemons' own certificates, each checked against the
 *     fingerprint its control stream gave: those came along the dialog's
 *     path, whose every hop is TLS bound to a Node-ID, so the flow is
 *     bound to the node that answered the call (the item 4).
 *  4. Once the flow is up, the mover sends an INVITE with Replaces (RFC
 *     3891) on it: a Route naming the flow at its own proxy
 *     (sip_core_flow_token), then the last Route of the old path, which
 *     names the other end's UA at its proxy.  The other end's proxy
 *     adds the flow's token in a P2PSIP-Flow header (sip_msg.h), and
 *     the replacement is authorized (§8) only if it names the flow that
 *     this call's control stream made.  The new dialog takes the call
 *     over, its media as it was; once it is ACKed the other end ends the
 *     old one with BYE, which the mover answers.
 *
 * Anything that fails on the way (no candidates, a rejected or
 * unusable control stream, checks or DTLS that fail, a replacement
 * refused) leaves the call on its path: nothing of it changes.
 *
 * The option tag (the item 3): every Via and Record-Route a
 * p2psipd UA or proxy writes carries the parameter "ice-sip"; a call
 * moves only when each of its INVITE's Vias and each entry of its route
 * set do, so a proxy that wants to stay in the path leaves it out.
 * Deviation (the draft): the parameter is matched in lower case.
 *
 * The media's offers and answers in the move carry the media as it is;
 * what an answer to them says of it is not applied (both ends are
 * p2psipd, which answers with the same).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_ctx.h"
#include "sdp.h"
#include "sip_msg.h"
#include "sip_ua.h"
#include "sip_ua_int.h"
#include "sip_uri.h"
#include "wire.h"
#include "xmalloc.h"

#define MV_HOSTS_MAX	16

static const char *const mv_mode_names[] = { "auto", "on", "off" };

static const char *const mv_state_names[] = {
	"", "gathering", "offered", "answering", "checking", "replacing",
	"done", "failed",
};

const char *
sip_ua_direct_mode_name(enum sip_ua_direct_mode m)
{
	return mv_mode_names[m];
}

int
sip_ua_direct_mode_parse(const char *s, enum sip_ua_direct_mode *m)
{
	unsigned	i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, mv_mode_names[i]) == 0) {
			*m = (enum sip_ua_direct_mode)i;
			return 0;
		}
	return EINVAL;
}

void
sip_ua_move_free(struct ua_move *mv)
{
	free(mv->token);
	free(mv->why);
	free(mv->ans);
	free(mv->bye);
	free(mv->old_call_id);
	free(mv->old_tag);
}

void
sip_ua_move_info(const struct ua_call *c, struct sip_ua_call_info *i)
{
	i->path = c->mv.state == MV_DONE ? "direct" : "overlay";
	i->moved = c->mv.moved;
	i->move = mv_state_names[c->mv.state];
	i->move_why = c->mv.why != NULL ? c->mv.why : "";
}

static void
mv_push(struct sip_ua *ua, struct ua_call *c, enum sip_ua_act_type type,
    struct sip_ua_direct *d)
{
	struct sip_ua_action	a;

	memset(&a, 0, sizeof a);
	a.type = type;
	a.call = c->id;
	a.direct = d;
	sip_ua_push(ua, &a);
}

/* The move fails: the call stays on its path. */
static void
mv_fail(struct sip_ua *ua, struct ua_call *c, const char *why)
{
	free(c->mv.why);
	c->mv.why = xstrdup(why);
	c->mv.state = MV_FAILED;
	free(c->mv.ans);
	c->mv.ans = NULL;
	lc_log(ua->log, LC_INFO, "ua: call %u stays on the overlay path: %s",
	    c->id, why);
	if (c->mv.open) {
		c->mv.open = false;
		mv_push(ua, c, SIP_UA_DIRECT_CLOSE, NULL);
	}
}

static void
mv_open(struct sip_ua *ua, struct ua_call *c, enum ua_mv state)
{
	c->mv.state = state;
	c->mv.open = true;
	mv_push(ua, c, SIP_UA_DIRECT_OPEN, NULL);
}

void
sip_ua_move_gone(struct sip_ua *ua, struct ua_call *c)
{
	if (c->mv.open) {
		c->mv.open = false;
		mv_push(ua, c, SIP_UA_DIRECT_CLOSE, NULL);
	}
}

/* ---- may it move? ---- */

/* Does each line of hdrs ("Name: value\r\n"...) carry ;ice-sip?  The
 * distinct hosts of their URIs (Routes) counted into *nhosts. */
static bool
mv_lines_ice_sip(const char *hdrs, unsigned *nhosts)
{
	struct sip_pl	 hosts[MV_HOSTS_MAX];
	struct sip_addr	 a;
	struct sip_pl	 v;
	const char	*p = hdrs, *e, *colon;
	unsigned	 n = 0, i;

	*nhosts = 0;
	while (p != NULL && *p != '\0') {
		if ((e = strstr(p, "\r\n")) == NULL)
			e = p + strlen(p);
		if ((colon = memchr(p, ':', (size_t)(e - p))) == NULL)
			return false;
		v.p = colon + 1;
		while (v.p < e && *v.p == ' ')
			v.p++;
		v.l = (size_t)(e - v.p);
		if (!sip_pl_contains(&v, ";ice-sip"))
			return false;
		if (sip_uri_addr_parse(&a, &v, false) == 0) {
			for (i = 0; i < n; i++)
				if (sip_pl_caseeq_pl(&hosts[i], &a.uri.host))
					break;
			if (i == n && n < MV_HOSTS_MAX)
				hosts[n++] = a.uri.host;
		}
		p = *e != '\0' ? e + 2 : e;
	}
	*nhosts = n;
	return true;
}

/* May c move?  Its route set's every entry (and, for the mover, its
 * INVITE's every Via) says ice-sip; auto: the mover moves only a call
 * whose path goes through a third host. */
static bool
mv_allowed(const struct sip_ua *ua, const struct ua_call *c, bool mover,
    const char **why)
{
	const struct sip_hdr	*h;
	unsigned		 hosts;

	*why = "moves are off ([ua] direct)";
	if (ua->cfg.direct == SIP_UA_DIRECT_OFF)
		return false;
	*why = "no DTLS certificate";
	if (!ua->cfg.fp_set)
		return false;
	*why = "a hop on its path does not allow it (no ice-sip)";
	if (c->routes == NULL || !mv_lines_ice_sip(c->routes, &hosts))
		return false;
	if (mover && c->invite != NULL)
		for (h = sip_msg_hdr(c->invite, SIP_HDR_VIA, NULL); h != NULL;
		    h = sip_msg_hdr(c->invite, SIP_HDR_VIA, h))
			if (!sip_pl_contains(&h->value, ";ice-sip"))
				return false;
	*why = "its path is direct already";
	return !mover || ua->cfg.direct == SIP_UA_DIRECT_ON || hosts > 2;
}

void
sip_ua_move_start(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	const char	*why;

	(void)now;
	if (c->outgoing || c->mv.state != MV_NONE || c->state != SIP_UA_ACTIVE)
		return;
	if (!mv_allowed(ua, c, true, &why)) {
		lc_log(ua->log, LC_DEBUG, "ua: call %u does not move: %s",
		    c->id, why);
		return;
	}
	c->mv.mover = true;
	mv_open(ua, c, MV_GATHERING);
	lc_log(ua->log, LC_INFO, "ua: call %u: gathering a direct path",
	    c->id);
}

/* ---- the control stream ---- */

/* Our control stream, into m: ice, our fingerprint, setup. */
static void
mv_control(const struct sip_ua *ua, const struct sdp_ice *ice,
    enum sdp_setup setup, struct sdp_media *m)
{
	const struct sdp_cand	*d = sdp_ice_default(ice);

	memset(m, 0, sizeof *m);
	snprintf(m->type, sizeof m->type, "control");
	snprintf(m->proto, sizeof m->proto, "%s", SDP_CONTROL_PROTO);
	snprintf(m->fmt0, sizeof m->fmt0, "sip");
	m->port = d->port;
	memcpy(m->addr, d->addr, sizeof m->addr);
	m->ipv6 = strchr(d->addr, ':') != NULL;
	snprintf(m->fp_hash, sizeof m->fp_hash, "sha-256");
	memcpy(m->fp, ua->cfg.fp, sizeof ua->cfg.fp);
	m->fp_len = sizeof ua->cfg.fp;
	m->setup = setup;
	memcpy(m->ice_ufrag, ice->ufrag, sizeof m->ice_ufrag);
	memcpy(m->ice_pwd, ice->pwd, sizeof m->ice_pwd);
	memcpy(m->cands, ice->cands, sizeof m->cands);
	m->ncands = ice->ncands;
}

/* The peer's side, from its control stream. */
static void
mv_peer(struct ua_call *c, const struct sdp_control *ctl)
{
	c->mv.peer.ice = ctl->ice;
	memcpy(c->mv.peer.fp, ctl->fp, sizeof c->mv.peer.fp);
	c->mv.peer_setup = ctl->setup;
}

/* Start the checks with the peer's side: we control if we offered. */
static void
mv_check(struct sip_ua *ua, struct ua_call *c)
{
	struct sip_ua_direct	*d = xmalloc(sizeof *d);

	*d = c->mv.peer;
	d->controlling = c->mv.mover;
	/* RFC 5763 §5: actpass or passive makes us the client */
	d->dtls_client = c->mv.peer_setup == SDP_SETUP_ACTPASS ||
	    c->mv.peer_setup == SDP_SETUP_PASSIVE;
	c->mv.state = MV_CHECKING;
	mv_push(ua, c, SIP_UA_DIRECT_REMOTE, d);
}

/* The mover's re-INVITE: the media as it is, and our control stream. */
static void
mv_reinvite(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct sdp	*s = sip_ua_dlg_current_sdp(c);

	if (s == NULL || s->nmedia >= SDP_MAX_MEDIA) {
		free(s);
		mv_fail(ua, c, "no SDP of ours to offer");
		return;
	}
	mv_control(ua, &c->mv.ice, SDP_SETUP_ACTPASS, &s->media[s->nmedia++]);
	if (sip_ua_dlg_reinvite(ua, now, c, s, K_MOVE) != 0) {
		free(s);
		mv_fail(ua, c, "the re-INVITE could not be sent");
		return;
	}
	free(s);
	c->mv.state = MV_OFFERED;
	lc_log(ua->log, LC_INFO, "ua: call %u: a direct path offered (%u "
	    "candidates)", c->id, c->mv.ice.ncands);
}

bool
sip_ua_move_offered(struct sip_ua *ua, struct ua_call *c,
    const struct sdp_control *ctl, struct sdp *ans)
{
	const char	*why;

	if (c->mv.state != MV_NONE && c->mv.state != MV_FAILED)
		return false;
	if (!mv_allowed(ua, c, false, &why)) {
		lc_log(ua->log, LC_INFO, "ua: call %u: a direct path refused: "
		    "%s", c->id, why);
		return false;
	}
	sip_ua_move_free(&c->mv);
	memset(&c->mv, 0, sizeof c->mv);
	mv_peer(c, ctl);
	c->mv.ans = ans;
	c->mv.idx = ctl->idx;
	mv_open(ua, c, MV_ANSWERING);
	return true;
}

/* ---- the driver's side ---- */

int
sip_ua_direct_ready(struct sip_ua *ua, uint64_t now, uint32_t id,
    const struct sdp_ice *ice)
{
	struct ua_call	*c = sip_ua_dlg_by_id(ua, id);
	struct wbuf	 b;

	ua->now = now;
	if (c == NULL || (c->mv.state != MV_GATHERING &&
	    c->mv.state != MV_ANSWERING))
		return ENOENT;
	if (ice != NULL && sdp_ice_default(ice) != NULL)
		c->mv.ice = *ice;
	else
		ice = NULL;
	if (c->mv.state == MV_GATHERING) {
		if (c->state != SIP_UA_ACTIVE)
			mv_fail(ua, c, "the call ended");
		else if (ice == NULL)
			mv_fail(ua, c, "no candidates for a direct path");
		else
			mv_reinvite(ua, now, c);
		return 0;
	}
	/* the re-INVITE's answer: our control stream, or a rejected one */
	if (ice != NULL)
		mv_control(ua, ice, c->mv.peer_setup == SDP_SETUP_ACTIVE ?
		    SDP_SETUP_PASSIVE : SDP_SETUP_ACTIVE,
		    &c->mv.ans->media[c->mv.idx]);
	wbuf_init(&b, SDP_MAX_LEN);
	sdp_write(&b, c->mv.ans);
	free(c->answer);
	c->answer = xstrndup((const char *)b.p, b.len);
	wbuf_clear(&b);
	free(c->mv.ans);
	c->mv.ans = NULL;
	if (c->state == SIP_UA_ACTIVE)
		sip_ua_uas_ok(ua, now, c);
	else
		sip_ua_uas_respond(ua, now, c->txn, c->invite, 481,
		    "Call/Transaction Does Not Exist", NULL, NULL);
	if (ice == NULL || c->state != SIP_UA_ACTIVE)
		mv_fail(ua, c, ice == NULL ? "no candidates for a direct path" :
		    "the call ended");
	else
		mv_check(ua, c);
	return 0;
}

int
sip_ua_direct_failed(struct sip_ua *ua, uint64_t now, uint32_t id,
    const char *why)
{
	struct ua_call	*c = sip_ua_dlg_by_id(ua, id);

	ua->now = now;
	if (c == NULL || c->mv.state == MV_NONE || c->mv.state == MV_FAILED)
		return ENOENT;
	if (c->mv.state == MV_GATHERING || c->mv.state == MV_ANSWERING)
		return sip_ua_direct_ready(ua, now, id, NULL);
	if (c->mv.state == MV_DONE) {
		/* the flow the call is on failed: its requests will time
		 * out, and the call ends as any call whose path broke */
		lc_log(ua->log, LC_WARN, "ua: call %u: its direct path "
		    "failed: %s", c->id, why);
		return 0;
	}
	mv_fail(ua, c, why);
	return 0;
}

/* The last "Route: ...\r\n" line of routes (the old path's far end),
 * allocated. */
static char *
mv_last_route(const char *routes)
{
	const char	*p = routes, *last = routes, *e;

	while ((e = strstr(p, "\r\n")) != NULL && e[2] != '\0') {
		p = e + 2;
		last = p;
	}
	return xstrdup(last);
}

/* A header value without its ;tag= (allocated). */
static char *
mv_untagged(const char *hdr)
{
	const char	*t = strstr(hdr, ";tag=");

	return t != NULL ? xstrndup(hdr, (size_t)(t - hdr)) : xstrdup(hdr);
}

/* The mover's INVITE with Replaces, on the direct flow. */
static void
mv_replace(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct wbuf	 w;
	struct sdp	*s = sip_ua_dlg_current_sdp(c);
	char		 branch[40], callid[40], tag[24], proxy[ADDR_STRLEN];
	char		*from, *to, *last;
	const char	*oldtag = sip_ua_dlg_local_tag(c);

	if (s == NULL) {
		mv_fail(ua, c, "no SDP of ours to offer");
		return;
	}
	s->version = c->local.version++;
	sip_ua_tag(ua, callid, sizeof callid);
	sip_ua_tag(ua, tag, sizeof tag);
	sip_ua_branch(ua, branch, sizeof branch);
	from = mv_untagged(c->local_hdr);
	to = mv_untagged(c->remote_hdr);
	last = mv_last_route(c->routes);
	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_printf(&w, "INVITE %s SIP/2.0\r\n", c->target);
	sip_ua_via(ua, &w, branch);
	/* a Route to the flow at our proxy, then the old path's last: the
	 * other end's UA at its proxy (RFC 5626 §5.3 tokens both) */
	wbuf_printf(&w, "From: %s;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\n"
	    "CSeq: 1 INVITE\r\nRoute: <sip:%s@%s;lr>\r\n%s"
	    "Replaces: %s;to-tag=%s;from-tag=%s\r\n", from, tag, to, callid,
	    c->mv.token, addr_str(&ua->proxy.remote, proxy), last,
	    c->call_id, c->remote_tag, oldtag);
	sip_ua_dlg_contact_hdr(ua, c, &w);
	sip_ua_dlg_sdp_body(&w, s);
	free(s);
	free(from);
	free(to);
	free(last);
	if (sip_ua_request(ua, now, &w, COOKIE(c->id, K_REPLACE)) != 0) {
		mv_fail(ua, c, "the INVITE with Replaces could not be sent");
		return;
	}
	c->mv.state = MV_REPLACING;
	lc_log(ua->log, LC_INFO, "ua: call %u: the direct path is up: "
	    "replacing the dialog on it", c->id);
}

int
sip_ua_direct_up(struct sip_ua *ua, uint64_t now, uint32_t id,
    const char *token)
{
	struct ua_call	*c = sip_ua_dlg_by_id(ua, id);

	ua->now = now;
	if (c == NULL || c->mv.state != MV_CHECKING)
		return ENOENT;
	free(c->mv.token);
	c->mv.token = xstrdup(token);
	if (c->state != SIP_UA_ACTIVE)
		return 0;
	if (c->mv.mover)
		mv_replace(ua, now, c);
	else
		lc_log(ua->log, LC_INFO, "ua: call %u: the direct path is up: "
		    "waiting for the replacement", c->id);
	return 0;
}

/* ---- responses ---- */

/* The 2xx to our re-INVITE: ACK it, and check with its control
 * stream. */
static void
mv_answered(struct sip_ua *ua, struct ua_call *c, const struct sip_msg *m)
{
	struct sdp_control	 ctl;
	const char		*why = "no SDP in the answer";
	int			 rc;

	sip_ua_dlg_reinvite_ack(ua, c);
	if (c->mv.state != MV_OFFERED)
		return;
	if (!sip_ua_dlg_is_sdp(m) || sdp_parse(ua->scratch, m->body.p,
	    m->body.l, &why) != 0) {
		mv_fail(ua, c, why);
		return;
	}
	if ((rc = sdp_control_of(ua->scratch, &ctl, &why)) != 0) {
		mv_fail(ua, c, rc == ENOENT ? "the peer declined the direct "
		    "path" : why);
		return;
	}
	if (ctl.setup == SDP_SETUP_ACTPASS) {
		mv_fail(ua, c, "the answer's control stream has no DTLS role");
		return;
	}
	mv_peer(c, &ctl);
	mv_check(ua, c);
}

/* The call is on the direct flow, its dialog the replacement's. */
static void
mv_done(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	c->mv.state = MV_DONE;
	c->mv.moved = now;
	lc_log(ua->log, LC_INFO, "ua: call %u is on the direct path", c->id);
	sip_ua_event(ua, c, "moved");
}

/* The 2xx to our replacement: the call takes its dialog, ours as its
 * UAC; the old one's ids kept for the BYE that ends it. */
static void
mv_replaced_uac(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    const struct sip_msg *m)
{
	c->mv.old_call_id = c->call_id;
	c->mv.old_tag = xstrdup(sip_ua_dlg_local_tag(c));
	c->call_id = sip_ua_pl_dup(&m->call_id);
	free(c->local_hdr);
	c->local_hdr = sip_ua_pl_dup(&sip_msg_hdr(m, SIP_HDR_FROM, NULL)->value);
	sip_ua_dlg_uac_of(c, m);
	c->local_cseq = 1;
	c->remote_cseq = 0;
	c->re_cseq = 1;		/* its ACK is the re-INVITE's kind */
	free(c->re_ack);
	c->re_ack = NULL;
	sip_ua_dlg_reinvite_ack(ua, c);
	mv_done(ua, now, c);
}

void
sip_ua_move_response(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    unsigned kind, const struct sip_msg *m, unsigned status)
{
	char	why[160];

	if (m != NULL)
		status = m->status;
	if (status < 200)
		return;
	if (status < 300 && kind == K_MOVE) {
		mv_answered(ua, c, m);
		return;
	}
	if (status < 300 && kind == K_REPLACE) {
		if (c->mv.state != MV_REPLACING)
			return;
		mv_replaced_uac(ua, now, c, m);
		if (c->state != SIP_UA_ACTIVE)	/* ended meanwhile: the new
						   dialog too (§15) */
			sip_ua_dlg_bye(ua, now, c);
		return;
	}
	if (m != NULL)
		snprintf(why, sizeof why, "%s: %u %.*s", kind == K_MOVE ?
		    "the re-INVITE" : "the replacement", status,
		    (int)m->reason.l, m->reason.p);
	else
		snprintf(why, sizeof why, "%s: %u (no answer)",
		    kind == K_MOVE ? "the re-INVITE" : "the replacement",
		    status);
	if (c->mv.state == MV_OFFERED || c->mv.state == MV_REPLACING)
		mv_fail(ua, c, why);
}

/* ---- the replacement, taken ---- */

bool
sip_ua_move_authorized(const struct sip_ua *ua, const struct ua_call *c,
    const struct sip_msg *m)
{
	const struct sip_hdr	*h = sip_msg_hdr_named(m, SIP_HDR_DIRECT_FLOW,
				    NULL);

	return ua->in_proxy && c->mv.token != NULL && h != NULL &&
	    c->mv.state == MV_CHECKING && !c->mv.mover &&
	    sip_msg_hdr_named(m, SIP_HDR_DIRECT_FLOW, h) == NULL &&
	    sip_ua_dlg_tag_is(c->mv.token, &h->value);
}

void
sip_ua_move_replaced(struct sip_ua *ua, uint64_t now, struct ua_call *c,
    uint64_t txn, struct sip_msg **mp)
{
	struct wbuf	 w;

	/* the old dialog's BYE, made now, sent once the new one is ACKed */
	sip_ua_dlg_bye_make(ua, c, &w);
	free(c->mv.bye);
	c->mv.bye = w.err ? NULL : wbuf_take(&w, &c->mv.bye_len);
	wbuf_clear(&w);
	/* §12.1.1: the new dialog, ours as its UAS */
	sip_ua_dlg_uas_of(ua, c, *mp);
	free(c->ack);
	c->ack = NULL;
	c->ack_len = 0;
	sip_msg_free(c->invite);
	c->invite = *mp;
	*mp = NULL;
	c->txn = txn;
	c->late_offer = false;
	sip_ua_uas_ok(ua, now, c);
	mv_done(ua, now, c);
}

void
sip_ua_move_acked(struct sip_ua *ua, uint64_t now, struct ua_call *c)
{
	struct wbuf	w;

	if (c->mv.bye == NULL)
		return;
	/* RFC 3891 §3: the replaced dialog ends */
	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_bytes(&w, c->mv.bye, c->mv.bye_len);
	free(c->mv.bye);
	c->mv.bye = NULL;
	(void)sip_ua_request(ua, now, &w, COOKIE(c->id, K_NONE));
}

bool
sip_ua_move_old_bye(struct sip_ua *ua, uint64_t now, uint64_t txn,
    const struct sip_msg *m)
{
	struct ua_call	*c;

	for (c = ua->calls; c != NULL; c = c->next)
		if (c->mv.old_call_id != NULL &&
		    sip_ua_dlg_tag_is(c->mv.old_call_id, &m->call_id) &&
		    sip_ua_dlg_tag_is(c->mv.old_tag, &m->to_tag)) {
			sip_ua_uas_respond(ua, now, txn, m, 200, "OK", NULL,
			    NULL);
			lc_log(ua->log, LC_INFO, "ua: call %u: the replaced "
			    "dialog ended", c->id);
			return true;
		}
	return false;
}
