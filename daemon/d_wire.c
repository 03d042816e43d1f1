/*
 * d_wire.c - the daemon's drivers, made and wired together: no driver
 * knows another, or the control socket; each is given callbacks, and
 * these hand what one tells to the others and to the event stream
 * (ctl_ev.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cfg.h"
#include "ctl_ev.h"
#include "d.h"
#include "d_int.h"
#include "loc.h"
#include "log.h"
#include "nat.h"
#include "ov_body.h"
#include "ov_node.h"
#include "srv.h"
#include "srv_anchor.h"
#include "srv_dns.h"
#include "srv_loc.h"
#include "srv_media.h"
#include "srv_nat.h"
#include "srv_overlay.h"
#include "srv_relay.h"
#include "srv_sip.h"
#include "sip_ua.h"
#include "srv_ua.h"
#include "xmalloc.h"

/*
 * The hosts of the overlay's peers, for the NAT driver's STUN servers:
 * where we connected first (a peer's listening address), then where peers
 * connected from, then the bootstrap list's (peers too, and known before
 * any link: a host behind a NAT may have links to few peers).
 */
static void
d_nat_peers(struct d *d)
{
	const struct cfg_addrlist	*bl = &d->cfg->overlay.bootstrap;
	struct ov_link_info		 li;
	struct addr			 hosts[NAT_SERVERS_MAX];
	unsigned			 i, n = 0, pass;

	if (d->nat == NULL || d->ov == NULL)
		return;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; n < NAT_SERVERS_MAX && ov_node_link_info(
		    srv_overlay_node(d->ov), srv_now_ms(), i, &li); i++)
			if (li.up && li.outgoing == (pass == 0))
				hosts[n++] = li.remote;
	for (i = 0; i < (unsigned)bl->n && n < NAT_SERVERS_MAX; i++)
		hosts[n++] = bl->v[i];
	srv_nat_set_peers(d->nat, hosts, n);
}

/* While a peer behind a NAT has no allocation, it searches for relays
 * this often (s): relays come and go. */
#define D_RELAY_RETRY_S	30

/* What a search for relays found: the allocation tries them in turn. */
static void
d_relays_found(const struct loc_result *r, void *arg)
{
	struct d	*d = arg;
	struct timeval	 tv = { D_RELAY_RETRY_S, 0 };

	if (r == NULL || d->relay == NULL)
		return;
	if (r->error == LOC_OK && r->nrelays > 0)
		srv_relay_set(d->relay, r->relays, r->nrelays);
	if (d->relay_retry != NULL)
		evtimer_add(d->relay_retry, &tv);
}

/*
 * The servers a call's ICE agent gathers from: the STUN server that
 * told us our reflexive address, and the relay we hold an allocation on
 * (it grants this node's credentials).
 */
static void
d_ua_servers(struct srv_media_servers *sv, void *arg)
{
	struct d		*d = arg;
	const struct nat_report	*r;
	const struct addr	*t;

	if (d->nat != NULL && (r = srv_nat_report(d->nat))->reflexive.family !=
	    0)
		sv->stun = r->server;
	if (d->relay != NULL && (t = srv_relay_server(d->relay)) != NULL) {
		sv->turn = *t;
		sv->turn_user = d->cfg->nat.relay_user;
		sv->turn_password = d->cfg->nat.relay_password;
	}
}

int
d_relay_search(struct d *d, srv_loc_done_cb cb, void *arg, char **err)
{
	*err = NULL;
	if (d->relay == NULL || d->loc == NULL) {
		*err = xstrdup("no [nat] relay_user and relay_password: relays "
		    "are not used");
		return ENOTSUP;
	}
	return srv_loc_relay_search(d->loc, cb != NULL ? cb : d_relays_found,
	    cb != NULL ? arg : d, err);
}

/*
 * Behind a NAT (the reflexive address is not the host's), with relay
 * credentials and in an overlay: find relays, for when nothing else gets
 * through (RFC 6940 §9).  After each discovery, on joining, and every
 * D_RELAY_RETRY_S while there is no allocation.
 */
static void
d_relay_maybe(struct d *d)
{
	char	*err;

	if (d->relay == NULL || d->nat == NULL || d->ov == NULL)
		return;
	if (nat_report_nated(srv_nat_report(d->nat)) != 1)
		return;
	if (!ov_node_member(srv_overlay_node(d->ov)))
		return;
	if (d_relay_search(d, NULL, NULL, &err) != 0) {
		log_debug("relay: no search: %s", err);
		free(err);
	}
}

/*
 * Behind a NAT (the reflexive address is not the host's) the overlay's
 * peers cannot connect to us.  [nat] mode auto: the node joins as a
 * client (RFC 6940 §4.2.1), through one peer it connects to; peer: it
 * stays a peer and makes its links itself (ov_node_set_active), which
 * works while no neighbor is behind a NAT too.
 */
static void
d_nat_mode(struct d *d, const struct nat_report *r)
{
	struct ov_node	*ov;
	int		 behind = nat_report_nated(r);
	char		 h[ADDR_STRLEN], x[ADDR_STRLEN];

	if (d->ov == NULL)
		return;
	ov = srv_overlay_node(d->ov);
	if (behind >= 0 && d->cfg->nat.mode == CFG_NAT_AUTO) {
		if (behind)
			snprintf(d->mode_why, sizeof d->mode_why, "[nat] mode "
			    "auto, behind a NAT (reflexive %s, host %s): peers "
			    "cannot connect to it", addr_str(&r->reflexive, x),
			    addr_str(&r->host, h));
		else
			snprintf(d->mode_why, sizeof d->mode_why, "[nat] mode "
			    "auto, reachable (reflexive address %s is its own)",
			    addr_str(&r->reflexive, x));
		if ((behind == 1) != ov_node_client(ov))
			log_info("overlay: %s", d->mode_why);
		ov_node_set_client(ov, srv_now_ms(), behind == 1);
		srv_overlay_kick(d->ov);
	} else if (behind >= 0 && d->cfg->nat.mode == CFG_NAT_PEER) {
		if ((behind == 1) != ov_node_active(ov))
			log_info("overlay: %s", behind ? "behind a NAT: this "
			    "node makes its links itself" : "reachable: peers "
			    "may link to this node");
		ov_node_set_active(ov, behind == 1);
	}
}

static void
d_relay_retry(evutil_socket_t fd, short what, void *arg)
{
	struct d	*d = arg;

	(void)fd;
	(void)what;
	if (d->relay != NULL && srv_relay_relayed(d->relay) == NULL)
		d_relay_maybe(d);
}

/*
 * [media] anchor auto: behind a NAT whose mapping is endpoint-
 * independent a phone's own ICE gets through, so only phones without it
 * need the daemon's relay; behind any other (RFC 4787 §4.1) every phone
 * does; with no NAT, none.
 */
static void
d_anchor_mode(struct d *d, const struct nat_report *r)
{
	int	behind = nat_report_nated(r);

	if (d->anchor == NULL || d->cfg->media.anchor != CFG_ANCHOR_AUTO ||
	    behind < 0)
		return;
	srv_anchor_set_mode(d->anchor, behind == 0 ? SIP_ANCHOR_OFF :
	    r->mapping == NAT_MAP_EI ? SIP_ANCHOR_PLAIN : SIP_ANCHOR_ALL,
	    behind == 1 && r->mapping != NAT_MAP_EI &&
	    r->mapping != NAT_MAP_UNKNOWN);
}

static void
d_nat_report(const struct nat_report *r, void *arg)
{
	struct d	*d = arg;

	ctl_ev_nat(d->ctl, r);
	d_nat_mode(d, r);
	d_relay_maybe(d);
	d_anchor_mode(d, r);
}

/*
 * A client (RFC 6940 §4.2.1) takes SIP through its gateway: it asks the
 * gateway where it takes SIP (AppAttach), keeps a connection there
 * (srv_sip_keep), and answers AppAttaches with that address (ov_app.c),
 * so that callers send to the gateway, which forwards on the connection.
 * Asked again D_GW_RETRY_S after a failure; dropped when no longer a
 * client.
 */
#define D_GW_COOKIE	(UINT64_C(1) << 63)	/* not one of loc's */
#define D_GW_RETRY_S	5

static void
d_gateway_later(struct d *d)
{
	struct timeval	tv = { D_GW_RETRY_S, 0 };

	evtimer_add(d->gw_retry, &tv);
}

static void
d_gateway_sip(struct d *d)
{
	struct ov_node	*ov = srv_overlay_node(d->ov);
	struct ov_id	 gw;
	int		 rc;

	if (d->sip == NULL)
		return;
	if (!ov_node_gateway(ov, &gw)) {
		d->gw_ask = 0;
		srv_sip_keep(d->sip, NULL, NULL);
		(void)ov_node_app_serve_relayed(ov, OV_APP_SIP, NULL);
		return;
	}
	d->gw_ask = D_GW_COOKIE | (d->gw_ask + 1);
	if ((rc = ov_node_app_attach(ov, srv_now_ms(), &gw, 1, OV_APP_SIP,
	    d->gw_ask)) != 0) {
		log_warnx("sip: cannot ask our gateway where it takes SIP: %s",
		    strerror(rc));
		d->gw_ask = 0;
		d_gateway_later(d);
		return;
	}
	srv_overlay_kick(d->ov);
}

static void
d_gateway_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	d_gateway_sip(arg);
}

/* Our gateway answered: where it takes SIP. */
static void
d_gateway_answer(struct d *d, const struct ov_event *ev)
{
	struct ov_node	*ov = srv_overlay_node(d->ov);
	struct ov_id	 gw;
	char		 a[ADDR_STRLEN], why[OV_ERROR_TEXT_MAX];

	d->gw_ask = 0;
	if (!ov_node_gateway(ov, &gw) || !ov_id_eq(&gw, &ev->peer))
		return;			/* not ours any more */
	if (ev->error != 0 || ev->app_relayed) {
		log_warnx("sip: our gateway does not say where it takes SIP: "
		    "%s", ev->error != 0 ? ov_msg_error_text(ev->error,
		    ev->why, why, sizeof why) : "it is a client too");
		d_gateway_later(d);
		return;
	}
	log_info("sip: a client: SIP through our gateway at %s",
	    addr_str(&ev->app_addr, a));
	srv_sip_keep(d->sip, &ev->app_addr, gw.b);
	(void)ov_node_app_serve_relayed(ov, OV_APP_SIP, &ev->app_addr);
}

/* The overlay's events no request waits for. */
static void
d_overlay_event(struct ov_event *ev, void *arg)
{
	struct d	*d = arg;

	switch (ev->type) {
	case OV_EV_STATE:
		ctl_ev_overlay_state(d->ctl, ev->state);
		if (ov_node_member(srv_overlay_node(d->ov)))
			d_relay_maybe(d);
		d_gateway_sip(d);
		break;
	case OV_EV_LINK:
		ctl_ev_link(d->ctl, &ev->peer, ev->up);
		d_nat_peers(d);
		break;
	case OV_EV_APP_ATTACH:
		if (d->gw_ask != 0 && ev->cookie == d->gw_ask) {
			d_gateway_answer(d, ev);
			break;
		}
		/* FALLTHROUGH */
	case OV_EV_STORED:
	case OV_EV_FETCHED:
	case OV_EV_STAT:
	case OV_EV_FOUND:
		if (d->loc != NULL)
			srv_loc_input(d->loc, ev);
		break;
	default:		/* NEIGHBORS: frequent; "ring" shows them */
		break;
	}
}

/* The location service tells: the overlay has work; an AOR's calls are
 * (on), or are no longer, the UA's. */
static void
d_loc_kick(void *arg)
{
	struct d	*d = arg;

	srv_overlay_kick(d->ov);
}

static void
d_loc_host(const char *aor, bool on, void *arg)
{
	struct d	*d = arg;

	if (d->ua == NULL)
		return;
	srv_ua_host(d->ua, aor, on);
	srv_sip_host(d->sip, aor, on);
}

static void
d_loc_new(struct d *d)
{
	const struct cfg	*cfg = d->cfg;
	struct srv_loc_ops	 ops = { d_loc_kick, d_loc_host, d };
	struct loc_cfg		 lc;

	memset(&lc, 0, sizeof lc);
	lc.overlay = cfg->overlay.name;
	lc.default_expires = cfg->storage.registration_expires;
	lc.max_lifetime = cfg->storage.max_lifetime;
	lc.wall_offset_ms = (int64_t)time(NULL) * 1000 - (int64_t)srv_now_ms();
	d->loc = srv_loc_new(d->base, &lc, srv_overlay_node(d->ov), d->ident,
	    d->db, &ops);
}

/* [nat] relay: a TURN server beside this peer, offered to the overlay
 * (RFC 6940 §9). */
static void
d_relay_advertise(struct d *d)
{
	const struct cfg	*c = d->cfg;
	char			 b[ADDR_STRLEN];

	if (c->nat.relay.family == 0)
		return;
	/* §9: a private address SHOULD NOT be offered; the operator said */
	if (addr_is_private(&c->nat.relay))
		log_warnx("relay: %s is a private address; peers elsewhere "
		    "cannot reach it", addr_str(&c->nat.relay, b));
	srv_loc_relay_advertise(d->loc, &c->nat.relay,
	    (unsigned)c->nat.turn_density);
}

/* What the SIP driver asks and tells. */
static int
d_sip_publish(const char *aor, const char *contact, bool up, char **err,
    void *arg)
{
	struct d	*d = arg;

	return up ? srv_loc_register(d->loc, aor, contact, 0, NULL, NULL,
	    err) : srv_loc_unregister(d->loc, aor, NULL, NULL, err);
}

static int
d_sip_resolve(const char *aor, srv_loc_done_cb done, void *done_arg,
    char **err, void *arg)
{
	struct d	*d = arg;

	return srv_loc_resolve(d->loc, aor, done, done_arg, err);
}

/* The host of a daemon an overlay link leads to (TLS, its Node-ID
 * checked: RFC 6940 §11.3)? */
static bool
d_sip_peer_host(const struct addr *a, void *arg)
{
	struct d	*d = arg;

	return d->ov != NULL && srv_overlay_peer_host(d->ov, a);
}

static void
d_sip_registration(const char *aor, bool up, void *arg)
{
	struct d	*d = arg;

	ctl_ev_sip_registration(d->ctl, aor, up);
}

static void
d_sip_call(const char *from, const char *to, const char *call_id,
    int status, void *arg)
{
	struct d	*d = arg;

	ctl_ev_sip_call(d->ctl, from, to, call_id, status);
}

static void
d_sip_anchor(const struct sip_anchor_ev *ev, void *arg)
{
	struct d	*d = arg;

	if (d->anchor != NULL)
		srv_anchor_event(d->anchor, ev);
}

/* The media relays for phones, where SIP listens ([media] anchor). */
static void
d_anchor_new(struct d *d)
{
	struct srv_anchor_ops	 ops = { d_ua_servers, d };
	const struct addr	*at = srv_sip_listen_addr(d->sip);

	if (d->cfg->media.anchor == CFG_ANCHOR_OFF)
		return;
	if (addr_is_any(at)) {
		log_warnx("anchor: [sip] listen is a wildcard: no media "
		    "relays for phones");
		return;
	}
	d->anchor = srv_anchor_new(d->base, d->cfg, at,
	    srv_sip_anchor(d->sip), &ops);
	if (d->cfg->media.anchor == CFG_ANCHOR_ON)
		srv_anchor_set_mode(d->anchor, SIP_ANCHOR_ALL, false);
}

static int
d_sip_new(struct d *d, char **cause)
{
	struct srv_sip_ops	ops = { d_sip_publish, d_sip_resolve,
				    d_sip_peer_host, d_sip_registration,
				    d_sip_call, d_sip_anchor, d_interwork_servers,
				    d };
	int			rc;

	if ((rc = srv_sip_new(&d->sip, d->base, d->cfg, d->ident, &ops,
	    cause)) != 0)
		return rc;
	d_anchor_new(d);
	/* RFC 7904 §5: peers reach our destination lists' AORs by
	 * AppAttach, over TLS (RFC 6940 §6.5.1.13): only with TLS on */
	if (srv_sip_public_addr(d->sip, true)->family != 0)
		(void)ov_node_app_serve(srv_overlay_node(d->ov), OV_APP_SIP,
		    srv_sip_public_addr(d->sip, true));
	return 0;
}

/* What the UA tells, for the event stream. */
static void
d_ua_call(const char *what, const struct sip_ua_call_info *ci,
    const struct media_stats *ms, void *arg)
{
	struct d	*d = arg;

	ctl_ev_call(d->ctl, what, ci, ms);
}

static void
d_ua_dtmf(uint32_t call, char digit, bool sent, void *arg)
{
	struct d	*d = arg;

	ctl_ev_dtmf(d->ctl, call, digit, sent);
}

static void
d_ua_message(const char *from, const char *to, const char *text, void *arg)
{
	struct d	*d = arg;

	ctl_ev_message(d->ctl, from, to, text);
}

static void
d_ua_registered(const char *aor, unsigned status, const char *reason,
    void *arg)
{
	struct d	*d = arg;

	ctl_ev_ua_registration(d->ctl, aor, status, reason);
}

static void
d_ua_hosted(const char *aor, void *arg)
{
	d_loc_host(aor, true, arg);
}

/* ICE for SIP: the UA's calls' direct flows are the SIP driver's. */
static void
d_ua_direct(const struct sip_ua_action *a, void *arg)
{
	struct d			*d = arg;
	struct srv_media_servers	 sv;
	int				 rc;

	switch (a->type) {
	case SIP_UA_DIRECT_OPEN:
		memset(&sv, 0, sizeof sv);
		d_ua_servers(&sv, d);
		if ((rc = srv_sip_direct_open(d->sip, a->call, &sv)) != 0) {
			log_info("sip: call %u: no direct flow: %s", a->call,
			    strerror(rc));
			srv_ua_direct_ready(d->ua, a->call, NULL);
		}
		break;
	case SIP_UA_DIRECT_REMOTE:
		if (srv_sip_direct_remote(d->sip, a->call, a->direct) != 0)
			srv_ua_direct_failed(d->ua, a->call,
			    "the peer's candidates cannot be used");
		break;
	case SIP_UA_DIRECT_CLOSE:
		srv_sip_direct_close(d->sip, a->call);
		break;
	default:
		break;
	}
}

static void
d_sip_direct_ready(uint32_t call, const struct sdp_ice *ice, void *arg)
{
	struct d	*d = arg;

	srv_ua_direct_ready(d->ua, call, ice);
}

static void
d_sip_direct_up(uint32_t call, const char *token, void *arg)
{
	struct d	*d = arg;

	srv_ua_direct_up(d->ua, call, token);
}

static void
d_sip_direct_failed(uint32_t call, const char *why, void *arg)
{
	struct d	*d = arg;

	srv_ua_direct_failed(d->ua, call, why);
}

static int
d_ua_new(struct d *d, char **cause)
{
	struct srv_ua_ops	ops = { d_ua_call, d_ua_dtmf, d_ua_message,
				    d_ua_registered, d_ua_servers,
				    d_ua_direct, d };
	struct srv_sip_direct_ops dops = { d_sip_direct_ready,
				    d_sip_direct_up, d_sip_direct_failed, d };
	int			rc;

	if ((rc = srv_ua_new(&d->ua, d->base, d->cfg, d->ident, d->db,
	    srv_sip_listen_addr(d->sip), srv_sip_public_addr(d->sip, false),
	    &ops, cause)) != 0)
		return rc;
	/* the proxy hands it what nobody else here takes of the AORs
	 * published by destination list */
	srv_sip_set_ua(d->sip, srv_ua_addr(d->ua));
	srv_sip_direct_set_ops(d->sip, &dops);
	srv_loc_hosted_each(d->loc, d_ua_hosted, d);
	return 0;
}

/*
 * The overlay node.  [nat] mode auto starts it as a peer; a NAT report
 * that shows a NAT makes it a client (d_nat_mode).  A node behind a NAT
 * cannot finish a join as a peer anyway (the admitting peer cannot
 * connect to it), and STUN answers in a round trip.
 */
static int
d_overlay_new(struct d *d, char **cause)
{
	struct srv_overlay_ops	 ops = { d_overlay_event, d };
	const struct cfg	*c = d->cfg;

	snprintf(d->mode_why, sizeof d->mode_why, "%s", c->nat.mode ==
	    CFG_NAT_CLIENT ? "[nat] mode client" : c->nat.mode ==
	    CFG_NAT_PEER ? "[nat] mode peer" : "[nat] mode auto, no NAT "
	    "found (yet)");
	return srv_overlay_new(&d->ov, d->base, c, d->ident, d->db, &ops,
	    cause);
}

int
d_wire_new(struct d *d, char **cause)
{
	struct srv_nat_ops	nops = { d_nat_report, d };
	int			rc;

	if ((rc = srv_nat_new(&d->nat, d->base, d->cfg, &nops, cause)) != 0)
		return rc;
	if ((rc = d_overlay_new(d, cause)) != 0)
		return rc;
	d_nat_peers(d);		/* the bootstrap list's, for a start */
	d_loc_new(d);
	if ((rc = srv_relay_new(&d->relay, d->base, d->cfg, cause)) != 0)
		return rc;
	if (d->relay != NULL &&
	    (d->relay_retry = evtimer_new(d->base, d_relay_retry, d)) == NULL)
		fatalx("relay: cannot make events");
	d_relay_advertise(d);
	if ((d->gw_retry = evtimer_new(d->base, d_gateway_retry, d)) == NULL)
		fatalx("sip: cannot make events");
	if ((rc = d_sip_new(d, cause)) != 0)
		return rc;
	d_gateway_sip(d);	/* a client already? */
	d_interwork_advertise(d);
	if ((rc = srv_dns_new(&d->dns, d->base, &d->cfg->interwork.dns_server,
	    cause)) != 0)
		return rc;
	return d_ua_new(d, cause);
}

void
d_wire_free(struct d *d)
{
	srv_ua_free(d->ua);
	d->ua = NULL;
	srv_dns_free(d->dns);
	d->dns = NULL;
	free(d->proxies);
	d->proxies = NULL;
	d->nproxies = 0;
	if (d->gw_retry != NULL)
		event_free(d->gw_retry);
	d->gw_retry = NULL;
	if (d->sip != NULL && d->ov != NULL)
		(void)ov_node_app_serve(srv_overlay_node(d->ov), OV_APP_SIP,
		    NULL);
	srv_anchor_free(d->anchor);
	d->anchor = NULL;
	srv_sip_free(d->sip);
	d->sip = NULL;
	srv_loc_free(d->loc);
	d->loc = NULL;
	if (d->relay_retry != NULL)
		event_free(d->relay_retry);
	d->relay_retry = NULL;
	srv_relay_free(d->relay);
	d->relay = NULL;
	srv_nat_free(d->nat);
	d->nat = NULL;
	srv_overlay_free(d->ov);
	d->ov = NULL;
}
