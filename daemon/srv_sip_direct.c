/*
 * srv_sip_direct.c - the direct flows of ICE for SIP (sip_ua_move.c),
 * the SIP core's SIP_TP_DTLS transport.  For each call the UA moves: a
 * UDP socket beside the SIP listener and an ICE agent on it (host and
 * server-reflexive candidates; no relayed one: a path through a TURN
 * server is no more direct than the overlay's), and, on the pair ICE
 * selects, DTLS between the two daemons' node certificates
 * (media_dtls_new_app), the peer's checked against the fingerprint its
 * control stream gave and required to bind a Node-ID of the overlay.  Once keyed, the association is a flow of the
 * core: each record that comes is one SIP message, each message the core
 * sends on it one record.  The ICE agent keeps consent (RFC 7675) for as
 * long as the flow lives; the UA closes it when it forgets the call.
 * No protocol logic here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ice.h"
#include "identity.h"
#include "log.h"
#include "media_dtls.h"
#include "ov_cert.h"
#include "sip_core.h"
#include "sip_ua.h"
#include "srv.h"
#include "srv_media.h"
#include "srv_sip.h"
#include "srv_sip_int.h"
#include "xmalloc.h"

struct ss_direct {
	uint32_t		 call;
	struct srv_sip		*ss;
	int			 fd;
	struct event		*ev;
	struct event		*timer;
	uint64_t		 timer_at;
	uint64_t		 gather_until;	/* 0: told */
	struct ice		*ice;
	struct media_dtls	*dtls;
	bool			 remote;	/* the peer's side is in */
	bool			 dtls_client;
	uint8_t			 peer_fp[32];
	struct sip_flow		 flow;		/* conn 0: not up */
	struct ov_id		 node;		/* the peer's, once up */
	bool			 done;		/* up or failed: told */
	bool			 dead;		/* closed: freed from the
						   event loop (its callers
						   may be on the stack) */
	struct ss_direct	*next;
};

static void	sd_drain(struct ss_direct *);
static void	sd_dtls_state(struct ss_direct *);

static struct ss_direct *
sd_of(const struct srv_sip *ss, uint32_t call)
{
	struct ss_direct	*d;

	for (d = ss->directs; d != NULL; d = d->next)
		if (d->call == call && !d->dead)
			return d;
	return NULL;
}

static void
sd_free(struct ss_direct *d)
{
	if (d->ev != NULL)
		event_free(d->ev);
	if (d->timer != NULL)
		event_free(d->timer);
	if (d->fd != -1)
		close(d->fd);
	media_dtls_free(d->dtls);
	ice_free(d->ice);
	free(d);
}

/* Up or failed, told once. */
static void
sd_done(struct ss_direct *d, const char *why)
{
	struct srv_sip	*ss = d->ss;
	struct ice_pair_info p;
	char		 tok[SIP_CORE_TOKEN_LEN + 1], a[ADDR_STRLEN];
	char		 hex[OV_ID_HEXLEN], b1[ADDR_STRLEN], b2[ADDR_STRLEN];
	char		 pair[2 * ADDR_STRLEN + 32] = "";

	if (d->done)
		return;
	d->done = true;
	if (why != NULL) {
		log_info("sip: call %u: no direct flow: %s", d->call, why);
		ss->dops.failed(d->call, why, ss->dops.arg);
		return;
	}
	sip_core_flow_token(ss->core, &d->flow, tok);
	if (ice_usable(d->ice, 1, &p))
		snprintf(pair, sizeof pair, " on %s %s -> %s %s",
		    ice_cand_type_name(p.local.type), addr_str(&p.local.addr,
		    b1), ice_cand_type_name(p.remote.type),
		    addr_str(&p.remote.addr, b2));
	else
		snprintf(pair, sizeof pair, " (where the peer's checks came "
		    "from; ours not through yet)");
	log_info("sip: call %u: a direct flow to %s (DTLS)%s, node %s",
	    d->call, addr_str(&d->flow.remote, a), pair,
	    ov_id_hex(&d->node, hex));
	ss->dops.up(d->call, tok, ss->dops.arg);
}

/* A DTLS datagram out, on the pair in use, or (the server's first
 * flight, before its own check of the pair succeeded) back to where the
 * client's came from. */
static void
sd_out(void *arg, const uint8_t *p, size_t n)
{
	struct ss_direct	*d = arg;
	struct addr		 to;

	if (ice_direct(d->ice, 1, &to))
		(void)srv_send_to(d->fd, p, n, &to);
	else if (d->flow.remote.family != 0)
		(void)srv_send_to(d->fd, p, n, &d->flow.remote);
}

/* A SIP message that came on the association. */
static void
sd_in(void *arg, const uint8_t *p, size_t n)
{
	struct ss_direct	*d = arg;
	size_t			 used;

	if (d->flow.conn == 0)
		sd_dtls_state(d);	/* keyed by the record before */
	if (d->flow.conn == 0)
		return;
	(void)sip_core_input(d->ss->core, srv_now_ms(), &d->flow, p, n, false,
	    &used);
}

/* DTLS on the pair ICE uses, or (the server) with from, whose checks
 * came: its far end is the flow's remote. */
static void
sd_dtls(struct ss_direct *d, const struct addr *from)
{
	struct ice_pair_info	p;

	if (d->dtls != NULL || !d->remote)
		return;
	if (ice_usable(d->ice, 1, &p))
		d->flow.remote = p.remote.addr;
	else if (from != NULL)
		d->flow.remote = *from;
	else
		return;
	d->dtls = media_dtls_new_app(d->ss->dctx, d->dtls_client, d->peer_fp,
	    srv_now_ms(), sd_out, sd_in, d);
	if (d->dtls == NULL)
		sd_done(d, "DTLS cannot start");
}

/*
 * The peer's certificate, its fingerprint the one its control stream
 * gave (media_dtls), must also bind a Node-ID of the overlay, as a TLS
 * link's does (RFC 6940 §11.3; in enrollment mode, issued by the
 * overlay's CA): a node, not any holder of a key.  0 and the flow's
 * node, or -1.
 */
static int
sd_peer_node(struct ss_direct *d, const char **why)
{
	struct identity	*ident = d->ss->ident;
	struct ov_id	 id;
	X509		*x = media_dtls_peer_cert(d->dtls);
	int		 rc;

	*why = "the peer's certificate binds no Node-ID of the overlay "
	    "(RFC 6940 §11.3)";
	ov_cert_cache_now(ident->cache, (int64_t)time(NULL));
	rc = x != NULL && ov_cert_bound_id(ident->cache, x, &id) == 0 ? 0 :
	    -1;
	X509_free(x);
	if (rc == 0) {
		d->node = id;
		memcpy(d->flow.node, id.b, sizeof d->flow.node);
	}
	return rc;
}

static void
sd_dtls_state(struct ss_direct *d)
{
	const char	*why;

	if (d->dtls == NULL || d->done)
		return;
	switch (media_dtls_state(d->dtls)) {
	case MEDIA_DTLS_KEYED:
		if (sd_peer_node(d, &why) != 0) {
			sd_done(d, why);
			break;
		}
		d->flow.tp = SIP_TP_DTLS;
		d->flow.peer = true;
		d->flow.conn = ++d->ss->next_conn;
		sd_done(d, NULL);
		break;
	case MEDIA_DTLS_FAILED:
		sd_done(d, media_dtls_error(d->dtls));
		break;
	case MEDIA_DTLS_HANDSHAKE:
		break;
	}
}

static void
sd_read(evutil_socket_t fd, short what, void *arg)
{
	struct ss_direct	*d = arg;
	struct addr		 from;
	uint8_t			 buf[MEDIA_DTLS_APP_MTU + 512];
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < SS_UDP_BATCH && !d->dead; i++) {
		if ((n = srv_recv_from(fd, buf, sizeof buf, &from)) <= 0)
			break;
		if (ice_input(d->ice, (int64_t)srv_now_ms(), 1, &from, buf,
		    (size_t)n))
			continue;
		/* RFC 7983 §7: DTLS, from the peer's end of a valid pair,
		 * or (the server, whose own check of the pair may not have
		 * succeeded yet) from where the peer's checks came; its
		 * certificate is checked all the same */
		if (!media_dtls_is(buf, (size_t)n) ||
		    (!ice_from_valid(d->ice, 1, &from) &&
		    !ice_from_checked(d->ice, 1, &from)))
			continue;
		sd_dtls(d, &from);
		if (d->dtls != NULL)
			media_dtls_input(d->dtls, srv_now_ms(), buf, (size_t)n);
	}
	sd_drain(d);
	srv_sip_drain(d->ss);
}

static void
sd_gathered(struct ss_direct *d)
{
	struct sdp_ice	si;

	d->gather_until = 0;
	ice_gather_end(d->ice, (int64_t)srv_now_ms());
	srv_media_sdp_ice(d->ice, &si);
	d->ss->dops.ready(d->call, &si, d->ss->dops.arg);
}

static void
sd_drain(struct ss_direct *d)
{
	struct ice_action	*a = xmalloc(sizeof *a);
	struct ice_pair_info	 p;
	char			 b1[ADDR_STRLEN], b2[ADDR_STRLEN];
	uint64_t		 dl, x;
	bool			 gathered = false;

	while (!d->dead && ice_next_action(d->ice, a)) {
		switch (a->type) {
		case ICE_ACT_SEND:
			(void)srv_send_to(d->fd, a->buf, a->len, &a->to);
			break;
		case ICE_ACT_GATHERED:
			gathered = true;
			break;
		case ICE_ACT_STATE:
			if (a->state == ICE_COMPLETED &&
			    ice_selected(d->ice, 1, &p))
				log_info("sip: call %u: direct ICE: %s %s -> "
				    "%s %s", d->call,
				    ice_cand_type_name(p.local.type),
				    addr_str(&p.local.addr, b1),
				    ice_cand_type_name(p.remote.type),
				    addr_str(&p.remote.addr, b2));
			else if (a->state == ICE_FAILED)
				sd_done(d, d->flow.conn != 0 ?
				    "consent lost" : "ICE found no direct "
				    "path");
			break;
		case ICE_ACT_DATA:
		case ICE_ACT_PAIR:
			break;
		}
	}
	free(a);
	if (d->dead)
		return;
	if (d->gather_until != 0 && (gathered ||
	    srv_now_ms() >= d->gather_until))
		sd_gathered(d);
	/* the client starts once its agent has a valid pair (RFC 8445
	 * §12.1: before nomination, on the best valid one; the flow
	 * follows the pair ICE moves to); the server waits for the
	 * client's first flight (sd_read) */
	if (d->dtls_client)
		sd_dtls(d, NULL);
	if (d->dtls != NULL && !d->dead) {
		media_dtls_tick(d->dtls, srv_now_ms());
		sd_dtls_state(d);
	}
	if (d->dead)
		return;
	dl = (uint64_t)ice_deadline(d->ice);
	if (d->gather_until != 0 && d->gather_until < dl)
		dl = d->gather_until;
	if (d->dtls != NULL && (x = media_dtls_deadline(d->dtls)) < dl)
		dl = x;
	srv_timer_arm(d->timer, &d->timer_at, dl, srv_now_ms());
}

static void
sd_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ss_direct	*d = arg;

	(void)fd;
	(void)what;
	d->timer_at = UINT64_MAX;
	if (d->dead)
		return;
	ice_tick(d->ice, (int64_t)srv_now_ms());
	sd_drain(d);
	srv_sip_drain(d->ss);
}

void
srv_sip_direct_set_ops(struct srv_sip *ss, const struct srv_sip_direct_ops *o)
{
	ss->dops = *o;
}

int
srv_sip_direct_open(struct srv_sip *ss, uint32_t call,
    const struct srv_media_servers *sv)
{
	struct srv_media_servers	 s = *sv;
	struct ss_direct		*d;
	struct ice_cfg			 ic;
	struct addr			 host = ss->listen;

	if (ss->dctx == NULL || ss->dops.ready == NULL)
		return ENOTSUP;
	if (addr_is_any(&host))
		host = ss->pub;
	if (addr_is_any(&host))
		return EADDRNOTAVAIL;
	srv_sip_direct_close(ss, call);
	d = xcalloc(1, sizeof *d);
	d->call = call;
	d->ss = ss;
	host.port = 0;
	if ((d->fd = srv_udp_bind(&host)) == -1) {
		free(d);
		return errno;
	}
	srv_local_addr(d->fd, &host);
	memset(&s.turn, 0, sizeof s.turn);	/* no relayed candidate */
	srv_media_ice_cfg(&s, &host, &ic);
	if (ice_new(&d->ice, &ic, &ss->rng, &ss->lc) != 0) {
		d->ice = NULL;
		sd_free(d);
		return EINVAL;
	}
	d->ev = event_new(ss->base, d->fd, EV_READ | EV_PERSIST, sd_read, d);
	d->timer = evtimer_new(ss->base, sd_timer, d);
	d->timer_at = UINT64_MAX;
	event_add(d->ev, NULL);
	d->gather_until = srv_now_ms() + SRV_MEDIA_GATHER_MS;
	d->next = ss->directs;
	ss->directs = d;
	ice_gather(d->ice, (int64_t)srv_now_ms());
	/* the UA hears from the event loop, not from inside its call */
	event_active(d->timer, EV_TIMEOUT, 0);
	return 0;
}

int
srv_sip_direct_remote(struct srv_sip *ss, uint32_t call,
    const struct sip_ua_direct *peer)
{
	struct ss_direct	*d = sd_of(ss, call);

	if (d == NULL)
		return ENOENT;
	if (srv_media_ice_remote(d->ice, peer->controlling, &peer->ice) != 0)
		return EINVAL;
	d->remote = true;
	d->dtls_client = peer->dtls_client;
	memcpy(d->peer_fp, peer->fp, sizeof d->peer_fp);
	event_active(d->timer, EV_TIMEOUT, 0);
	return 0;
}

/* The closed ones go, from the event loop. */
static void
sd_reap(evutil_socket_t fd, short what, void *arg)
{
	struct srv_sip		*ss = arg;
	struct ss_direct	**p, *d;

	(void)fd;
	(void)what;
	for (p = &ss->directs; (d = *p) != NULL; ) {
		if (d->dead) {
			*p = d->next;
			sd_free(d);
		} else
			p = &d->next;
	}
}

void
srv_sip_direct_close(struct srv_sip *ss, uint32_t call)
{
	struct ss_direct	*d;

	if ((d = sd_of(ss, call)) == NULL)
		return;
	d->dead = true;
	event_del(d->ev);
	event_del(d->timer);
	event_active(ss->dreap, EV_TIMEOUT, 0);
}

void
srv_sip_direct_send(struct srv_sip *ss, const struct sip_core_action *a)
{
	struct ss_direct	*d;
	int			 rc;

	for (d = ss->directs; d != NULL; d = d->next)
		if (d->flow.conn != 0 && d->flow.conn == a->flow.conn &&
		    !d->dead)
			break;
	if (d == NULL) {
		log_debug("sip: DTLS-UDP: no such flow, a message dropped");
		return;
	}
	if ((rc = media_dtls_write(d->dtls, a->data, a->len)) != 0)
		log_warnx("sip: call %u: a message not sent on the direct "
		    "flow: %s", d->call, strerror(rc));
	sd_drain(d);
}

void
srv_sip_direct_free(struct srv_sip *ss)
{
	struct ss_direct	*d;

	while ((d = ss->directs) != NULL) {
		ss->directs = d->next;
		sd_free(d);
	}
	if (ss->dctx != NULL)
		SSL_CTX_free(ss->dctx);
	ss->dctx = NULL;
	if (ss->dreap != NULL)
		event_free(ss->dreap);
	ss->dreap = NULL;
}

void
srv_sip_direct_init(struct srv_sip *ss)
{
	uint8_t	fp[32];

	if ((ss->dreap = evtimer_new(ss->base, sd_reap, ss)) == NULL)
		fatalx("sip: cannot make events");
	if (ss->ident != NULL)
		ss->dctx = media_dtls_ctx_app(ss->ident->cert, ss->ident->key,
		    fp);
}

unsigned
srv_sip_directs(const struct srv_sip *ss, bool up)
{
	const struct ss_direct	*d;
	unsigned		 n = 0;

	for (d = ss->directs; d != NULL; d = d->next)
		if (!d->dead && (!up || d->flow.conn != 0))
			n++;
	return n;
}
