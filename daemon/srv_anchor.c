/*
 * srv_anchor.c - the libevent driver of the media relays for phones
 * (srv_anchor.h): sockets, ICE agents, timers, and the datagrams between
 * a phone and the peer of its call.  Which calls, and what their
 * descriptions say, is the proxy's (sip_anchor.c); how the peer is
 * reached is the agent's (nat/ice.c).  What passes is not looked into:
 * SRTP, DTLS and RTCP go through as they came (RFC 7983 §7 tells STUN,
 * the agent's, from the rest).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "ice.h"
#include "log.h"
#include "log_ctx.h"
#include "rng.h"
#include "rtp.h"
#include "sdp.h"
#include "srv.h"
#include "srv_anchor.h"
#include "srv_media.h"
#include "xmalloc.h"

#define SA_READY	2	/* relays kept gathered for the next calls */
#define SA_GATHER_MS	SRV_MEDIA_GATHER_MS
#define SA_UNUSED_MS	120000	/* a call that never sent a datagram */
#define SA_IDLE_MS	60000	/* one whose media stopped */
#define SA_FRESH_MS	300000	/* a ready relay's candidates, at most */
#define SA_BATCH	64
#define SA_PKT_MAX	2048

struct sa_relay {
	uint32_t		 id;
	struct srv_anchor	*sa;
	int			 fd[3];		/* peer side; phone RTP, RTCP */
	struct event		*ev[3];
	struct addr		 lan;		/* the phone side's RTP */
	struct ice		*ice;
	struct ice		*lan_ice;	/* toward a phone with ICE:
						   host candidate only */
	bool			 phone_ice;	/* it does ICE */
	char			 phone_ufrag[SDP_ICE_MAX + 1];
	struct event		*timer;
	uint64_t		 timer_at;
	uint64_t		 born, gather_until, last;
	struct addr		 turn;		/* gathered with (family 0:
						   none) */
	bool			 ready;		/* in the proxy's pool */
	bool			 relayed;	/* with a relayed candidate */
	bool			 taken;		/* a call's */
	struct addr		 phone_rtp, phone_rtcp;
	struct addr		 phone_sig;	/* its SIP's address */
	struct addr		 far;		/* the peer without ICE */
	bool			 far_ice;
	char			 far_ufrag[SDP_ICE_MAX + 1];
	struct sa_relay		*next;
};

struct srv_anchor {
	struct event_base	*base;
	struct sip_anchor	*core;
	struct srv_anchor_ops	 ops;
	struct addr		 bind;
	int			 port_min, port_max, port_next;
	struct rng		 rng;
	struct log_ctx		 lc;
	enum sip_anchor_mode	 mode;
	bool			 relay_only;
	struct sa_relay		*relays;
	uint32_t		 next_id;
	struct event		*tick;
	uint64_t		 to_phone, to_peer;
	uint64_t		 dropped;	/* from who has no right */
};

static void	sa_drain(struct sa_relay *);
static void	sa_fill(struct srv_anchor *);

static struct sa_relay *
sa_relay(struct srv_anchor *sa, uint32_t id)
{
	struct sa_relay	*r;

	for (r = sa->relays; r != NULL; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

static void
sa_relay_free(struct sa_relay *r)
{
	int	i;

	for (i = 0; i < 3; i++) {
		if (r->ev[i] != NULL)
			event_free(r->ev[i]);
		if (r->fd[i] != -1)
			close(r->fd[i]);
	}
	if (r->timer != NULL)
		event_free(r->timer);
	ice_free(r->ice);
	ice_free(r->lan_ice);
	free(r);
}

/* Let relay r go; the proxy forgets it too. */
static void
sa_drop(struct srv_anchor *sa, struct sa_relay *r, const char *why)
{
	struct sa_relay	**p;

	for (p = &sa->relays; *p != NULL; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	if (r->taken)
		log_info("anchor: relay %u: %s", r->id, why);
	else
		log_debug("anchor: relay %u: %s", r->id, why);
	sip_anchor_gone(sa->core, r->id);
	sa_relay_free(r);
}

/* From the peer: to the phone's RTP, or its RTCP port. */
static void
sa_to_phone(struct sa_relay *r, const uint8_t *b, size_t n)
{
	struct addr	to;
	bool		rtcp;

	if (r->phone_ice && ice_direct(r->lan_ice, 1, &to)) {
		if (srv_send_to(r->fd[1], b, n, &to) == 0) {
			r->sa->to_phone++;
			r->last = srv_now_ms();
		}
		return;
	}
	if (r->phone_rtp.family == 0)
		return;
	/* RFC 5761 §4: RTCP, told by its packet type, to its port */
	rtcp = rtp_is_rtcp(b, n) && !addr_eq(&r->phone_rtcp, &r->phone_rtp);
	if (srv_send_to(r->fd[rtcp ? 2 : 1], b, n, rtcp ? &r->phone_rtcp :
	    &r->phone_rtp) == 0) {
		r->sa->to_phone++;
		r->last = srv_now_ms();
	}
}

/* From the phone: on the agent's pair in use, or to the peer's address
 * without ICE. */
static void
sa_to_peer(struct sa_relay *r, const uint8_t *b, size_t n)
{
	struct addr	to;
	int		rc;

	if (r->far_ice && r->ice != NULL) {
		if (ice_direct(r->ice, 1, &to))
			rc = srv_send_to(r->fd[0], b, n, &to);
		else
			rc = ice_send(r->ice, (int64_t)srv_now_ms(), 1, b, n);
	} else if (r->far.family != 0)
		rc = srv_send_to(r->fd[0], b, n, &r->far);
	else
		return;
	if (rc == 0) {
		r->sa->to_peer++;
		r->last = srv_now_ms();
	}
}

/*
 * From the phone's side: only from the phone's host (its SIP's address,
 * or the one its description gave), and media then goes back where it
 * came from (RFC 4961: symmetric RTP; a phone with ICE of its own may
 * name its reflexive address, which the relay cannot reach from here).
 */
static void
sa_from_phone(struct sa_relay *r, bool rtcp, const struct addr *from,
    const uint8_t *b, size_t n)
{
	if (r->phone_rtp.family == 0 || (!addr_ip_eq(from, &r->phone_sig) &&
	    !addr_ip_eq(from, &r->phone_rtp))) {
		r->sa->dropped++;
		return;
	}
	if (rtcp)
		r->phone_rtcp = *from;
	else if (!addr_eq(from, &r->phone_rtp)) {
		if (addr_eq(&r->phone_rtcp, &r->phone_rtp))
			r->phone_rtcp = *from;	/* rtcp-mux */
		r->phone_rtp = *from;
	}
	sa_to_peer(r, b, n);
}

static void
sa_read(evutil_socket_t fd, short what, void *arg)
{
	struct sa_relay	*r = arg;
	struct addr	 from;
	uint8_t		 buf[SA_PKT_MAX];
	ssize_t		 n;
	int		 i;

	(void)what;
	for (i = 0; i < SA_BATCH; i++) {
		if ((n = srv_recv_from(fd, buf, sizeof buf, &from)) < 0)
			break;
		if (fd == r->fd[1] && r->lan_ice != NULL &&
		    ice_input(r->lan_ice, (int64_t)srv_now_ms(), 1, &from, buf,
		    (size_t)n))
			continue;
		if (fd != r->fd[0]) {
			sa_from_phone(r, fd == r->fd[2], &from, buf,
			    (size_t)n);
			continue;
		}
		if (r->ice != NULL && ice_input(r->ice, (int64_t)srv_now_ms(),
		    1, &from, buf, (size_t)n))
			continue;
		/* the peer's: from a valid pair's end under ICE (RFC 8445
		 * §12.2), else from the address its description gave */
		if (r->far_ice ? ice_from_valid(r->ice, 1, &from) :
		    (r->far.family != 0 && addr_ip_eq(&from, &r->far)))
			sa_to_phone(r, buf, (size_t)n);
		else
			r->sa->dropped++;
	}
	sa_drain(r);
}

/*
 * Behind a NAT whose mapping depends on the destination the reflexive
 * candidate reaches no one, and a host one only hosts behind the same
 * NAT, which the relay reaches too: the peer is offered the relayed
 * candidate alone (RFC 8445 §5.1.3 lets an agent leave candidates out),
 * so that a peer that checks its pairs one after the other (libre does)
 * does not spend seconds on pairs that fail before the one that works.
 */
static void
sa_relay_only(const struct srv_anchor *sa, struct sdp_ice *si)
{
	unsigned	i, n = 0;

	if (!sa->relay_only)
		return;
	for (i = 0; i < si->ncands; i++)
		if (si->cands[i].type == SDP_CAND_RELAY)
			si->cands[n++] = si->cands[i];
	if (n > 0)
		si->ncands = n;
}

/* Gathered (or out of time): the proxy may take it. */
static void
sa_ready(struct sa_relay *r)
{
	struct sip_anchor_relay	*ar;
	const struct sdp_cand	*d;
	unsigned		 i;

	if (r->ready || r->taken || r->ice == NULL)
		return;
	if (ice_state(r->ice) == ICE_GATHERING &&
	    srv_now_ms() < r->gather_until)
		return;
	ice_gather_end(r->ice, (int64_t)srv_now_ms());
	ar = xcalloc(1, sizeof *ar);
	ar->id = r->id;
	ar->lan = r->lan;
	srv_media_sdp_ice(r->ice, &ar->ice);
	sa_relay_only(r->sa, &ar->ice);
	if (r->lan_ice != NULL)
		srv_media_sdp_ice(r->lan_ice, &ar->lan_ice);
	/* c= and m= toward the peer: the default candidate */
	if ((d = sdp_ice_default(&ar->ice)) != NULL &&
	    addr_parse_ip(d->addr, &ar->dflt) == 0)
		ar->dflt.port = d->port;
	if (ar->dflt.family != 0 && sip_anchor_add(r->sa->core, ar)) {
		r->ready = true;
		for (i = 0; i < ar->ice.ncands; i++)
			r->relayed |= ar->ice.cands[i].type == SDP_CAND_RELAY;
		log_debug("anchor: relay %u ready: %u candidates", r->id,
		    ar->ice.ncands);
	}
	free(ar);
}

static void
sa_drain(struct sa_relay *r)
{
	struct ice_action	*a = xmalloc(sizeof *a);
	struct ice_pair_info	 p;
	char			 b1[ADDR_STRLEN], b2[ADDR_STRLEN];
	uint64_t		 dl;

	while (r->ice != NULL && ice_next_action(r->ice, a)) {
		switch (a->type) {
		case ICE_ACT_SEND:
			(void)srv_send_to(r->fd[0], a->buf, a->len, &a->to);
			break;
		case ICE_ACT_DATA:
			if (r->far_ice)
				sa_to_phone(r, a->buf, a->len);
			break;
		case ICE_ACT_STATE:
			if (a->state == ICE_COMPLETED &&
			    ice_selected(r->ice, 1, &p))
				log_info("anchor: relay %u: ICE: %s %s -> %s "
				    "%s", r->id,
				    ice_cand_type_name(p.local.type),
				    addr_str(&p.local.addr, b1),
				    ice_cand_type_name(p.remote.type),
				    addr_str(&p.remote.addr, b2));
			else if (a->state == ICE_FAILED && r->taken)
				log_warnx("anchor: relay %u: ICE failed",
				    r->id);
			break;
		case ICE_ACT_GATHERED:
		case ICE_ACT_PAIR:
			break;
		}
	}
	while (r->lan_ice != NULL && ice_next_action(r->lan_ice, a)) {
		if (a->type == ICE_ACT_SEND)
			(void)srv_send_to(r->fd[1], a->buf, a->len, &a->to);
		else if (a->type == ICE_ACT_STATE &&
		    a->state == ICE_COMPLETED && ice_selected(r->lan_ice, 1, &p))
			log_info("anchor: relay %u: the phone's ICE: %s -> %s",
			    r->id, addr_str(&p.local.addr, b1),
			    addr_str(&p.remote.addr, b2));
	}
	free(a);
	sa_ready(r);
	if (r->ice != NULL) {
		dl = (uint64_t)ice_deadline(r->ice);
		if (r->lan_ice != NULL &&
		    (uint64_t)ice_deadline(r->lan_ice) < dl)
			dl = (uint64_t)ice_deadline(r->lan_ice);
		if (!r->ready && !r->taken && r->gather_until < dl)
			dl = r->gather_until;
		srv_timer_arm(r->timer, &r->timer_at, dl, srv_now_ms());
	}
}

static void
sa_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sa_relay	*r = arg;

	(void)fd;
	(void)what;
	r->timer_at = UINT64_MAX;
	if (r->ice != NULL)
		ice_tick(r->ice, (int64_t)srv_now_ms());
	if (r->lan_ice != NULL)
		ice_tick(r->lan_ice, (int64_t)srv_now_ms());
	sa_drain(r);
}

/* A new relay, gathering. */
static void
sa_relay_new(struct srv_anchor *sa)
{
	struct srv_media_servers	 sv;
	struct sa_relay			*r = xcalloc(1, sizeof *r);
	struct ice_cfg			 ic;
	struct addr			 host;
	int				 i;

	r->sa = sa;
	r->fd[0] = r->fd[1] = r->fd[2] = -1;
	host = r->lan = sa->bind;
	if (srv_udp_ports(&sa->bind, sa->port_min, sa->port_max,
	    &sa->port_next, 1, &r->fd[0], &host.port) != 0 ||
	    srv_udp_ports(&sa->bind, sa->port_min, sa->port_max,
	    &sa->port_next, 2, &r->fd[1], &r->lan.port) != 0) {
		log_warnx("anchor: no free ports in [media] rtp_ports");
		sa_relay_free(r);
		return;
	}
	/* toward the peer: RTCP muxed (RFC 5761), the role as the call's
	 * offer says */
	memset(&sv, 0, sizeof sv);
	sa->ops.servers(&sv, sa->ops.arg);
	srv_media_ice_cfg(&sv, &host, &ic);
	r->turn = ic.turn_server;
	if (ice_new(&r->ice, &ic, &sa->rng, &sa->lc) != 0) {
		r->ice = NULL;
		sa_relay_free(r);
		return;
	}
	/* the phone's side: its host candidate, nothing to gather */
	memset(&sv, 0, sizeof sv);
	srv_media_ice_cfg(&sv, &r->lan, &ic);
	if (ice_new(&r->lan_ice, &ic, &sa->rng, &sa->lc) != 0)
		r->lan_ice = NULL;
	else
		ice_gather(r->lan_ice, (int64_t)srv_now_ms());
	if (++sa->next_id == 0)
		sa->next_id = 1;
	r->id = sa->next_id;
	for (i = 0; i < 3; i++) {
		r->ev[i] = event_new(sa->base, r->fd[i], EV_READ | EV_PERSIST,
		    sa_read, r);
		event_add(r->ev[i], NULL);
	}
	r->timer = evtimer_new(sa->base, sa_timer, r);
	r->timer_at = UINT64_MAX;
	r->born = r->last = srv_now_ms();
	r->gather_until = r->born + SA_GATHER_MS;
	r->next = sa->relays;
	sa->relays = r;
	ice_gather(r->ice, (int64_t)srv_now_ms());
	event_active(r->timer, EV_TIMEOUT, 0);
}

/* SA_READY relays gathered or gathering, unless relaying is off. */
static void
sa_fill(struct srv_anchor *sa)
{
	struct sa_relay	*r;
	unsigned	 n = 0;

	if (sa->mode == SIP_ANCHOR_OFF)
		return;
	for (r = sa->relays; r != NULL; r = r->next)
		if (!r->taken)
			n++;
	for (; n < SA_READY; n++)
		sa_relay_new(sa);
}

/*
 * Every second: calls gone quiet are let go; ready relays whose
 * candidates are stale, or that lack the relay this node holds now
 * (it may come after they gathered), are made again.
 */
static void
sa_tick(evutil_socket_t fd, short what, void *arg)
{
	struct srv_anchor		*sa = arg;
	struct srv_media_servers	 sv;
	struct sa_relay			*r, *next;
	uint64_t			 now = srv_now_ms();

	(void)fd;
	(void)what;
	memset(&sv, 0, sizeof sv);
	sa->ops.servers(&sv, sa->ops.arg);
	for (r = sa->relays; r != NULL; r = next) {
		next = r->next;
		if (r->taken && now - r->last > (r->last == r->born ?
		    SA_UNUSED_MS : SA_IDLE_MS))
			sa_drop(sa, r, "its media stopped");
		else if (r->ready && !r->taken && (now - r->born >
		    SA_FRESH_MS || !addr_eq(&r->turn, &sv.turn)))
			sa_drop(sa, r, "gathered again");
	}
	sa_fill(sa);
}

void
srv_anchor_event(struct srv_anchor *sa, const struct sip_anchor_ev *ev)
{
	struct sa_relay	*r = sa_relay(sa, ev->id);
	char		 b1[ADDR_STRLEN], b2[ADDR_STRLEN], b3[ADDR_STRLEN];

	if (r == NULL)
		return;
	if (!r->taken && ev->type != SIP_ANCHOR_END) {
		r->taken = true;
		r->ready = false;
		r->last = r->born = srv_now_ms();
		sa_fill(sa);
	}
	switch (ev->type) {
	case SIP_ANCHOR_PHONE:
		r->phone_rtp = ev->rtp;
		r->phone_rtcp = ev->rtcp;
		r->phone_sig = ev->sig;
		if (ev->has_ice && r->lan_ice != NULL && (!r->phone_ice ||
		    strcmp(r->phone_ufrag, ev->ice.ufrag) != 0)) {
			r->phone_ice = srv_media_ice_remote(r->lan_ice,
			    ev->controlling, &ev->ice) == 0;
			snprintf(r->phone_ufrag, sizeof r->phone_ufrag, "%s",
			    ev->ice.ufrag);
		}
		log_info("anchor: relay %u: the phone's media at %s (RTCP %s), "
		    "ours %s", r->id, addr_str(&ev->rtp, b1),
		    addr_str(&ev->rtcp, b2), addr_str(&r->lan, b3));
		if (r->phone_ice)
			log_info("anchor: relay %u: the phone does ICE (%s)",
			    r->id, ev->controlling ? "controlling" :
			    "controlled");
		sa_drain(r);
		break;
	case SIP_ANCHOR_FAR:
		/* a description again with the same credentials (a
		 * re-INVITE) leaves the checks as they are */
		if (ev->has_ice && r->far_ice &&
		    strcmp(r->far_ufrag, ev->ice.ufrag) == 0)
			break;
		r->far_ice = ev->has_ice && r->ice != NULL &&
		    srv_media_ice_remote(r->ice, ev->controlling,
		    &ev->ice) == 0;
		if (r->far_ice) {
			snprintf(r->far_ufrag, sizeof r->far_ufrag, "%s",
			    ev->ice.ufrag);
			log_info("anchor: relay %u: the peer does ICE, %u "
			    "candidates (%s)", r->id, ev->ice.ncands,
			    ev->controlling ? "controlling" : "controlled");
		} else {
			r->far = ev->rtp;
			log_info("anchor: relay %u: the peer without ICE at %s",
			    r->id, addr_str(&ev->rtp, b1));
		}
		sa_drain(r);
		break;
	case SIP_ANCHOR_END:
		log_info("anchor: relay %u: the call ended", r->id);
		r->taken = true;	/* logged as a call's */
		sa_drop(sa, r, "let go");
		break;
	}
}

void
srv_anchor_set_mode(struct srv_anchor *sa, enum sip_anchor_mode mode,
    bool relay_only)
{
	struct sa_relay	*r, *next;

	if (mode == sa->mode && relay_only == sa->relay_only)
		return;
	sa->relay_only = relay_only;
	log_info("anchor: phones' media relayed: %s",
	    srv_anchor_mode_name(mode));
	sa->mode = mode;
	sip_anchor_set_mode(sa->core, mode);
	/* ready relays gathered for another mode go */
	for (r = sa->relays; r != NULL; r = next) {
		next = r->next;
		if (!r->taken)
			sa_drop(sa, r, "not needed");
	}
	sa_fill(sa);
}

const char *
srv_anchor_mode_name(enum sip_anchor_mode m)
{
	switch (m) {
	case SIP_ANCHOR_OFF:
		return "off";
	case SIP_ANCHOR_PLAIN:
		return "phones without ICE";
	case SIP_ANCHOR_ALL:
		return "all";
	}
	return "?";
}

void
srv_anchor_info(const struct srv_anchor *sa, struct srv_anchor_info *in)
{
	struct sip_anchor_stats	 st;
	const struct sa_relay	*r;

	memset(in, 0, sizeof *in);
	in->mode = sa->mode;
	sip_anchor_stats(sa->core, &st);
	in->calls = st.calls;
	in->missed = st.missed;
	for (r = sa->relays; r != NULL; r = r->next) {
		in->ready += r->ready;
		in->ready_relayed += r->ready && r->relayed;
		in->active += r->taken;
	}
	in->to_phone = sa->to_phone;
	in->to_peer = sa->to_peer;
	in->dropped = sa->dropped;
}

struct srv_anchor *
srv_anchor_new(struct event_base *base, const struct cfg *cfg,
    const struct addr *bind, struct sip_anchor *core,
    const struct srv_anchor_ops *ops)
{
	struct srv_anchor	*sa = xcalloc(1, sizeof *sa);
	struct timeval		 tv = { 1, 0 };

	sa->base = base;
	sa->core = core;
	sa->ops = *ops;
	sa->bind = *bind;
	sa->bind.port = 0;
	sa->rng.fill = srv_rand;
	sa->lc.cb = srv_log;
	sa->lc.level = LC_DEBUG;
	sa->port_min = cfg->media.rtp_port_min;
	sa->port_max = cfg->media.rtp_port_max;
	sa->port_next = sa->port_min + 2 * (int)rng_below(&sa->rng,
	    (uint64_t)(sa->port_max - sa->port_min + 1) / 2);
	sa->tick = event_new(base, -1, EV_PERSIST, sa_tick, sa);
	event_add(sa->tick, &tv);
	return sa;
}

void
srv_anchor_free(struct srv_anchor *sa)
{
	struct sa_relay	*r;

	if (sa == NULL)
		return;
	while ((r = sa->relays) != NULL) {
		sa->relays = r->next;
		sa_relay_free(r);
	}
	event_free(sa->tick);
	free(sa);
}
