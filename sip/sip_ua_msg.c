/*
 * sip_ua_msg.c - the UA's MESSAGEs (RFC 3428): text sent from one of our
 * AORs with its final response reported (MESSAGE_DONE), and text/plain
 * that comes for one of them taken (MESSAGE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_msg.h"
#include "sip_ua.h"
#include "sip_ua_int.h"
#include "wire.h"
#include "xmalloc.h"

/* ---- MESSAGE (RFC 3428) ---- */

void
sip_ua_msg_done(struct sip_ua *ua, uint32_t id, unsigned status,
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
	sip_ua_push(ua, &a);
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
	a = sip_ua_aor_from(ua, from);
	if (a == NULL) {
		*why = from == NULL ? "no AOR of ours to send from (ua add)" :
		    "not an AOR of ours (ua list)";
		return EINVAL;
	}
	if (strlen(text) > SIP_UA_TEXT_MAX) {
		*why = "text too long";
		return EINVAL;
	}
	if ((uri = sip_ua_target_uri(ua, target)) == NULL) {
		*why = "not an AOR or a SIP URI";
		return EINVAL;
	}
	sip_ua_tag(ua, tag, sizeof tag);
	sip_ua_tag(ua, cid, sizeof cid);
	sip_ua_branch(ua, branch, sizeof branch);
	x = xcalloc(1, sizeof *x);
	x->id = ++ua->next_id;
	x->cookie = cookie;
	wbuf_init(&w, ua->cfg.lim.max_len);
	wbuf_printf(&w, "MESSAGE %s SIP/2.0\r\n", uri);
	sip_ua_via(ua, &w, branch);
	wbuf_printf(&w, "From: <sip:%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\n"
	    "CSeq: 1 MESSAGE\r\nContent-Type: text/plain;charset=UTF-8\r\n",
	    a->aor, tag, uri, cid);
	sip_msg_end(&w, text, strlen(text));
	free(uri);
	x->next = ua->msgs;
	ua->msgs = x;
	if (sip_ua_request(ua, now, &w, COOKIE(x->id, K_MESSAGE)) != 0)
		sip_ua_msg_done(ua, x->id, 503, "not sent");
	return 0;
}

void
sip_ua_msg_in(struct sip_ua *ua, uint64_t now, uint64_t txn,
    const struct sip_msg *m, struct ua_aor *a)
{
	struct sip_ua_action	act;

	if (m->content_type.l < 10 ||
	    strncasecmp(m->content_type.p, "text/plain", 10) != 0) {
		sip_ua_uas_respond(ua, now, txn, m, 415,
		    "Unsupported Media Type", "Accept", "text/plain");
		return;
	}
	if (m->body.l > SIP_UA_TEXT_MAX || memchr(m->body.p, '\0',
	    m->body.l) != NULL) {
		sip_ua_uas_respond(ua, now, txn, m, 413,
		    "Request Entity Too Large", NULL, NULL);
		return;
	}
	sip_ua_uas_respond(ua, now, txn, m, 200, "OK", NULL, NULL);
	memset(&act, 0, sizeof act);
	act.type = SIP_UA_MESSAGE;
	act.from = sip_ua_pl_dup(&m->from.uri_str);
	act.to = xstrdup(a->aor);
	act.text = sip_ua_pl_dup(&m->body);
	sip_ua_push(ua, &act);
}
