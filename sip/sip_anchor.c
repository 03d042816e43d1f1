/*
 * sip_anchor.c - which calls' media the daemon relays for its phones,
 * and the edits of their descriptions (sip_anchor.h).  The relays
 * themselves are the driver's (daemon/srv_anchor.c).
 */
#include <stdlib.h>
#include <string.h>

#include "log_ctx.h"
#include "sdp.h"
#include "sip_anchor.h"
#include "sip_msg.h"
#include "sip_pl.h"
#include "wire.h"
#include "xmalloc.h"

#define SIP_ANCHOR_CID_MAX	256	/* a Call-ID we relay for */

struct sip_anchored {
	char			 call_id[SIP_ANCHOR_CID_MAX + 1];
	struct sip_anchor_relay	 r;
	struct sip_anchored	*next;
};

struct sip_anchor {
	sip_anchor_cb		 cb;
	void			*arg;
	const struct log_ctx	*log;
	enum sip_anchor_mode	 mode;
	struct sip_anchor_relay	 pool[SIP_ANCHOR_POOL];
	unsigned		 npool;
	struct sip_anchored	*calls;
	unsigned		 ncalls;
	uint64_t		 total, missed;
};

struct sip_anchor *
sip_anchor_new(sip_anchor_cb cb, void *arg, const struct log_ctx *log)
{
	struct sip_anchor	*a = xcalloc(1, sizeof *a);

	a->cb = cb;
	a->arg = arg;
	a->log = log;
	return a;
}

void
sip_anchor_free(struct sip_anchor *a)
{
	struct sip_anchored	*c;

	if (a == NULL)
		return;
	while ((c = a->calls) != NULL) {
		a->calls = c->next;
		free(c);
	}
	free(a);
}

void
sip_anchor_set_mode(struct sip_anchor *a, enum sip_anchor_mode mode)
{
	a->mode = mode;
}

enum sip_anchor_mode
sip_anchor_mode(const struct sip_anchor *a)
{
	return a->mode;
}

bool
sip_anchor_add(struct sip_anchor *a, const struct sip_anchor_relay *r)
{
	if (a->npool == SIP_ANCHOR_POOL || r->id == 0)
		return false;
	a->pool[a->npool++] = *r;
	return true;
}

unsigned
sip_anchor_ready(const struct sip_anchor *a)
{
	return a->npool;
}

static struct sip_anchored **
sip_anchored_by_id(struct sip_anchor *a, uint32_t id)
{
	struct sip_anchored	**cp;

	for (cp = &a->calls; *cp != NULL; cp = &(*cp)->next)
		if ((*cp)->r.id == id)
			return cp;
	return NULL;
}

void
sip_anchor_gone(struct sip_anchor *a, uint32_t id)
{
	struct sip_anchored	**cp, *c;
	unsigned		  i;

	for (i = 0; i < a->npool; i++)
		if (a->pool[i].id == id) {
			a->pool[i] = a->pool[--a->npool];
			return;
		}
	if ((cp = sip_anchored_by_id(a, id)) == NULL)
		return;
	c = *cp;
	*cp = c->next;
	a->ncalls--;
	free(c);
}

static struct sip_anchored *
sip_anchored_find(struct sip_anchor *a, const struct sip_pl *cid)
{
	struct sip_anchored	*c;

	for (c = a->calls; c != NULL; c = c->next)
		if (strlen(c->call_id) == cid->l &&
		    memcmp(c->call_id, cid->p, cid->l) == 0)
			return c;
	return NULL;
}

/* A relay from the pool for call_id: the oldest made. */
static struct sip_anchored *
sip_anchored_new(struct sip_anchor *a, const struct sip_pl *cid)
{
	struct sip_anchored	*c;

	if (cid->l > SIP_ANCHOR_CID_MAX || a->ncalls == SIP_ANCHOR_CALLS)
		return NULL;
	if (a->npool == 0) {
		a->missed++;
		lc_warn(a->log, "sip: anchor: no relay ready for call %.*s",
		    (int)cid->l, cid->p);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	memcpy(c->call_id, cid->p, cid->l);
	c->r = a->pool[0];
	memmove(&a->pool[0], &a->pool[1], --a->npool * sizeof a->pool[0]);
	c->next = a->calls;
	a->calls = c;
	a->ncalls++;
	a->total++;
	lc_info(a->log, "sip: anchor: call %s: relay %u", c->call_id,
	    c->r.id);
	return c;
}

/* The stream's address, as an addr: false for a name (§5.7 allows an
 * FQDN, which a relay cannot send to without DNS). */
static bool
sip_anchor_addr(const struct sdp_media *m, uint16_t port, struct addr *out)
{
	if (addr_parse_ip(m->addr, out) != 0)
		return false;
	out->port = port;
	return true;
}

/* What the description says of its side: an event for the driver. */
static bool
sip_anchor_side(const struct sdp *s, const struct sdp_media *m,
    bool to_phone, bool offer, struct sip_anchor_ev *ev)
{
	memset(ev, 0, sizeof *ev);
	if (!sip_anchor_addr(m, m->port, &ev->rtp))
		return false;
	ev->rtcp = ev->rtp;
	if (!m->rtcp_mux)
		ev->rtcp.port = m->rtcp_port != 0 ? m->rtcp_port :
		    (uint16_t)(m->port + 1);
	ev->type = to_phone ? SIP_ANCHOR_FAR : SIP_ANCHOR_PHONE;
	ev->has_ice = m->ice_ufrag[0] != '\0' && m->ice_pwd[0] != '\0' &&
	    m->ncands > 0;
	if (ev->has_ice) {
		memcpy(ev->ice.ufrag, m->ice_ufrag, sizeof ev->ice.ufrag);
		memcpy(ev->ice.pwd, m->ice_pwd, sizeof ev->ice.pwd);
		memcpy(ev->ice.cands, m->cands, m->ncands * sizeof m->cands[0]);
		ev->ice.ncands = m->ncands;
	}
	/* RFC 8445 §6.1.1: the offerer controls, unless it is lite; we
	 * answer an offer, and offer in the other side's place */
	ev->controlling = !offer || s->ice_lite || m->ice_lite;
	return true;
}

uint8_t *
sip_anchor_body(struct sip_anchor *a, const struct sip_msg *m, bool to_phone,
    const struct addr *phone, bool offer, size_t *len)
{
	struct sdp		*s;
	struct sdp_media	*sm;
	struct sip_anchored	*c;
	struct sip_anchor_ev	*ev = NULL;
	const struct addr	*at;
	struct wbuf		 w;
	const char		*why;
	char			 ip[ADDR_STRLEN];
	uint8_t			*out = NULL;
	int			 idx;

	if (a->mode == SIP_ANCHOR_OFF || m->body.l == 0 ||
	    !sip_pl_caseeq(&m->content_type, "application/sdp"))
		return NULL;
	c = sip_anchored_find(a, &m->call_id);
	if (c == NULL && !offer)
		return NULL;
	s = xmalloc(sizeof *s);
	if (sdp_parse(s, m->body.p, m->body.l, &why) != 0 ||
	    (idx = sdp_audio_stream(s)) < 0)
		goto out;
	sm = &s->media[idx];
	/* PLAIN: only a phone's offer without ICE */
	if (c == NULL && a->mode == SIP_ANCHOR_PLAIN && (to_phone ||
	    (sm->ice_ufrag[0] != '\0' && sm->ncands > 0)))
		goto out;
	ev = xmalloc(sizeof *ev);
	if (!sip_anchor_side(s, sm, to_phone, offer, ev))
		goto out;
	if (c == NULL && (c = sip_anchored_new(a, &m->call_id)) == NULL)
		goto out;
	ev->id = c->r.id;
	ev->sig = *phone;
	/* toward the phone: the relay's port on its network, with ICE
	 * for a phone that does it; toward the peer: the default
	 * candidate, all of them, rtcp-mux */
	at = to_phone ? &c->r.lan : &c->r.dflt;
	addr_ip_str(at, ip);
	wbuf_init(&w, SDP_MAX_LEN * 2);
	if (sdp_edit_stream(&w, m->body.p, m->body.l, s, (unsigned)idx, ip,
	    at->family == 6, at->port, !to_phone ? &c->r.ice :
	    c->r.lan_ice.ufrag[0] != '\0' ? &c->r.lan_ice : NULL,
	    !to_phone) != 0) {
		/* (cannot be: twice the largest description is room) */
		wbuf_clear(&w);
		sip_anchor_end(a, m);
		goto out;
	}
	out = wbuf_take(&w, len);
	a->cb(ev, a->arg);
out:
	free(ev);
	free(s);
	return out;
}

void
sip_anchor_end(struct sip_anchor *a, const struct sip_msg *m)
{
	struct sip_anchored	*c = sip_anchored_find(a, &m->call_id);
	struct sip_anchor_ev	 ev;

	if (c == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = SIP_ANCHOR_END;
	ev.id = c->r.id;
	sip_anchor_gone(a, c->r.id);
	a->cb(&ev, a->arg);
}

void
sip_anchor_stats(const struct sip_anchor *a, struct sip_anchor_stats *st)
{
	st->calls = a->total;
	st->missed = a->missed;
	st->active = a->ncalls;
}
