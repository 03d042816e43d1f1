/*
 * check_sip_ua_move.c - ICE for SIP end to end on a virtual clock (sip_ua_move.c):
 * two daemons' real SIP cores (A for alice's UA, B for bob's) joined by
 * a UDP "overlay path", and the direct flow the drivers would make
 * played by this harness: the candidates it gathers are made up, and
 * once both UAs have handed it the peer's side, what either core sends
 * on its SIP_TP_DTLS flow arrives at the other on its own.  alice calls
 * bob, bob's UA (the answerer) moves the call: its re-INVITE offers a
 * control stream, alice answers with hers, the flow comes up, bob's
 * INVITE with Replaces goes on it and takes the call over; later
 * requests (a refresh, the BYE) go on it, the old dialog is ended by
 * alice and answered by bob.  A replacement with a P2PSIP-Flow header
 * that came on the overlay path, or on another direct flow, is refused
 * (403), the call going on; a declined control stream, failed checks,
 * a hop without ice-sip and [ua] direct auto between two proxies leave
 * the call where it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "log_ctx.h"
#include "rng.h"
#include "sdp.h"
#include "sip_core.h"
#include "sip_msg.h"
#include "sip_ua.h"
#include "sipflow.h"
#include "uadebug.h"

#define DOM	"p2psipd.localhost"

static struct rng_xoshiro	 xs;
static struct rng		 rng = { rng_xoshiro_fill, &xs };
static uint64_t			 now;

/* One daemon: its core, its UA, and the harness's view of its direct
 * flow. */
struct side {
	const char	*name;
	struct sip_core	*core;
	struct sip_ua	*ua;
	struct sip_flow	 ua_flow;	/* the UA, as its core sees it */
	struct addr	 core_addr;
	char		 events[512];
	unsigned	 media_start;
	/* the direct flow */
	uint32_t	 call;		/* 0: none asked for */
	bool		 opened, ready, closed, remote, up;
	struct sip_ua_direct peer;
	struct sip_flow	 dflow;		/* at this core */
	unsigned	 sent_direct;	/* messages its core sent on it */
	char		 last_direct[4096];
	bool		 no_ready;	/* gathering fails */
};

static struct side	A, B;
static bool		hold_up;	/* the harness does not bring flows
					   up by itself */
static char		last_to_b[4096];	/* what core A sent core B */

static int
media_cb(void *arg, uint32_t call, uint16_t *port)
{
	(void)arg;
	(void)call;
	*port = 20000;
	return 0;
}

static void
side_new(struct side *s, const char *name, const char *ip,
    enum sip_ua_direct_mode mode, uint16_t dport, uint32_t conn)
{
	struct sip_core_cfg	cc;
	struct sip_ua_cfg	uc;
	char			a[64];

	memset(s, 0, sizeof *s);
	s->name = name;
	snprintf(a, sizeof a, "%s:5060", ip);
	ck_assert_int_eq(addr_parse(a, 0, &s->core_addr), 0);
	memset(&cc, 0, sizeof cc);
	cc.domain = DOM;
	cc.self = s->core_addr;
	s->core = sip_core_new(&cc, &rng, logger());
	snprintf(a, sizeof a, "%s:7000", ip);
	flow(&s->ua_flow, a);
	memset(&uc, 0, sizeof uc);
	uc.domain = DOM;
	uc.self = s->ua_flow.remote;
	uc.proxy = s->core_addr;
	uc.media_addr = ip;
	uc.srtp = SDP_SRTP_OFF;
	memset(uc.fp, name[0], sizeof uc.fp);
	uc.fp_set = true;
	uc.media_open = media_cb;
	uc.direct = mode;
	uc.arg = s;
	s->ua = sip_ua_new(&uc, &rng, logger());
	/* its end of the direct flow */
	s->dflow.tp = SIP_TP_DTLS;
	s->dflow.conn = conn;
	s->dflow.peer = true;
	snprintf(a, sizeof a, "%s:%u", ip, dport);
	ck_assert_int_eq(addr_parse(a, 0, &s->dflow.remote), 0);
}

static void
setup_modes(enum sip_ua_direct_mode a, enum sip_ua_direct_mode b)
{
	rng_xoshiro_seed(&xs, 11);
	now = 1000000;
	hold_up = false;
	last_to_b[0] = '\0';
	/* each side's dflow.remote is where the other's packets come from */
	side_new(&A, "alice", "127.0.0.1", a, 41000, 7);
	side_new(&B, "bob", "127.0.0.2", b, 42000, 9);
}

static void
setup(void)
{
	setup_modes(SIP_UA_DIRECT_ON, SIP_UA_DIRECT_ON);
}

static void
teardown(void)
{
	sip_ua_free(A.ua);
	sip_ua_free(B.ua);
	sip_core_free(A.core);
	sip_core_free(B.core);
}

static struct side *
other(struct side *s)
{
	return s == &A ? &B : &A;
}

static void
add_event(struct side *s, const char *e)
{
	size_t	l = strlen(s->events);

	snprintf(s->events + l, sizeof s->events - l, "%s%s", l ? "," : "",
	    e);
}

/* Made-up candidates of s's direct flow. */
static void
fake_ice(const struct side *s, struct sdp_ice *ice)
{
	memset(ice, 0, sizeof *ice);
	snprintf(ice->ufrag, sizeof ice->ufrag, "uf%s", s->name);
	snprintf(ice->pwd, sizeof ice->pwd, "pwd0123456789abcdefghij%s",
	    s->name);
	ice->ncands = 1;
	snprintf(ice->cands[0].foundation, sizeof ice->cands[0].foundation,
	    "1");
	ice->cands[0].component = 1;
	ice->cands[0].priority = 2130706431;
	addr_ip_str(&s->dflow.remote, ice->cands[0].addr);
	ice->cands[0].port = s->dflow.remote.port;
	ice->cands[0].type = SDP_CAND_HOST;
}

/* s's direct flow as its core knows it: its conn, the other end's
 * address (the driver's selected pair's far end). */
static struct sip_flow
at_core(struct side *s)
{
	struct sip_flow	f = s->dflow;

	f.remote = other(s)->dflow.remote;
	return f;
}

/* What a core sent on its direct flow comes in at the other's. */
static void
deliver_direct(struct side *from, const struct sip_core_action *ca)
{
	struct side	*to = other(from);
	struct sip_flow	 in = at_core(to);
	size_t		 used;

	from->sent_direct++;
	snprintf(from->last_direct, sizeof from->last_direct, "%.*s",
	    (int)ca->len, (const char *)ca->data);
	(void)sip_core_input(to->core, now, &in, ca->data, ca->len, false,
	    &used);
}

static void pump(void);

/* The harness's part of the drivers: candidates, and the flow up once
 * both ends have the other's side. */
static void
drivers(void)
{
	struct sdp_ice	ice;
	char		tok[SIP_CORE_TOKEN_LEN + 1];
	struct side	*s, *sides[2] = { &A, &B };
	struct sip_flow	f;
	unsigned	i;

	for (i = 0; i < 2; i++) {
		s = sides[i];
		if (s->opened && !s->ready && !s->closed) {
			s->ready = true;
			fake_ice(s, &ice);
			ck_assert_int_eq(sip_ua_direct_ready(s->ua, now, s->call,
			    s->no_ready ? NULL : &ice), 0);
		}
	}
	if (hold_up || !A.remote || !B.remote || A.up || B.up)
		return;
	A.up = B.up = true;
	f = at_core(&A);
	sip_core_flow_token(A.core, &f, tok);
	ck_assert_int_eq(sip_ua_direct_up(A.ua, now, A.call, tok), 0);
	f = at_core(&B);
	sip_core_flow_token(B.core, &f, tok);
	ck_assert_int_eq(sip_ua_direct_up(B.ua, now, B.call, tok), 0);
}

static void
ua_actions(struct side *s, bool *moved)
{
	struct sip_ua_action	 a;
	size_t			 used;

	while (sip_ua_next_action(s->ua, &a)) {
		*moved = true;
		switch (a.type) {
		case SIP_UA_SEND:
			if (getenv("UA_TRACE") != NULL)
				fprintf(stderr, "%s UA >>>\n%.*s\n", s->name,
				    (int)a.len, a.data);
			(void)sip_core_input(s->core, now, &s->ua_flow, a.data,
			    a.len, false, &used);
			break;
		case SIP_UA_CALL:
			add_event(s, a.event);
			break;
		case SIP_UA_MEDIA:
			s->media_start++;
			break;
		case SIP_UA_DIRECT_OPEN:
			ck_assert(!s->opened);
			s->opened = true;
			s->call = a.call;
			break;
		case SIP_UA_DIRECT_REMOTE:
			ck_assert(s->opened && !s->remote);
			s->remote = true;
			s->peer = *a.direct;
			break;
		case SIP_UA_DIRECT_CLOSE:
			s->closed = true;
			break;
		default:
			break;
		}
		sip_ua_action_clear(&a);
	}
}

static void
core_actions(struct side *s, bool *moved)
{
	struct sip_core_action	 ca;
	struct sip_flow		 in;
	struct side		*o = other(s);
	char			 contact[128];
	const char		*c = contact;
	size_t			 used;

	while (sip_core_next_action(s->core, &ca)) {
		*moved = true;
		if (ca.type == SIP_CORE_SEND && getenv("UA_TRACE") != NULL)
			fprintf(stderr, "%s core >>> %s\n%.*s\n", s->name,
			    sip_txn_tp_name(ca.flow.tp), (int)ca.len,
			    ca.data);
		if (ca.type == SIP_CORE_SEND && ca.flow.tp == SIP_TP_DTLS) {
			/* another direct flow (a test's): nobody there */
			if (ca.flow.conn == s->dflow.conn)
				deliver_direct(s, &ca);
		} else if (ca.type == SIP_CORE_SEND &&
		    addr_eq(&ca.flow.remote, &s->ua_flow.remote)) {
			/* it comes from the proxy's address */
			flow(&in, "127.0.0.1:5060");
			in.remote = s->core_addr;
			sip_ua_input(s->ua, now, &in, ca.data, ca.len);
		}
		else if (ca.type == SIP_CORE_SEND &&
		    addr_eq(&ca.flow.remote, &o->core_addr)) {
			/* the overlay path: from a peer */
			if (s == &A)
				snprintf(last_to_b, sizeof last_to_b, "%.*s",
				    (int)ca.len, (const char *)ca.data);
			flow(&in, "127.0.0.1:5060");
			in.remote = s->core_addr;
			in.peer = true;
			(void)sip_core_input(o->core, now, &in, ca.data,
			    ca.len, false, &used);
		} else if (ca.type == SIP_CORE_LOOKUP) {
			/* the overlay: the other daemon has the AOR */
			snprintf(contact, sizeof contact, "sip:%.*s@%s",
			    (int)strcspn(ca.aor, "@"), ca.aor,
			    addr_str(&o->core_addr, (char[ADDR_STRLEN]){0}));
			sip_core_lookup_done(s->core, now, ca.cookie, &c, NULL,
			    1, false);
		}
		sip_core_action_clear(&ca);
	}
}

static void
pump(void)
{
	bool		moved;
	unsigned	rounds = 0;

	do {
		moved = false;
		ck_assert_uint_lt(rounds++, 1000);
		ua_actions(&A, &moved);
		ua_actions(&B, &moved);
		core_actions(&A, &moved);
		core_actions(&B, &moved);
		if (!moved) {
			drivers();
			ua_actions(&A, &moved);
			ua_actions(&B, &moved);
		}
	} while (moved);
}

static void
advance(uint64_t ms)
{
	uint64_t	end = now + ms;

	while (now < end) {
		now += 10 < end - now ? 10 : end - now;
		sip_ua_tick(A.ua, now);
		sip_ua_tick(B.ua, now);
		sip_core_tick(A.core, now);
		sip_core_tick(B.core, now);
		pump();
	}
}

/* Both registered; alice calls bob, who answers at once. */
static uint32_t
call_bob(void)
{
	const char	*why;
	uint32_t	 id;

	ck_assert_int_eq(sip_ua_aor_add(A.ua, now, "alice", NULL,
	    SIP_UA_RING), 0);
	ck_assert_int_eq(sip_ua_aor_add(B.ua, now, "bob", NULL,
	    SIP_UA_AUTO), 0);
	pump();
	ck_assert_int_eq(sip_ua_call(A.ua, now, NULL, "bob", 0, &id, &why), 0);
	pump();
	return id;
}

static struct sip_ua_call_info
info(struct side *s, uint32_t id)
{
	struct sip_ua_call_info	i;

	ck_assert(sip_ua_call_info(s->ua, id, &i));
	return i;
}

START_TEST(move)
{
	struct sip_ua_call_info	ai, bi;
	uint32_t		id = call_bob();
	unsigned		sent;

	ai = info(&A, id);
	ck_assert_int_eq(ai.state, SIP_UA_ACTIVE);
	ck_assert_str_eq(A.events, "ringing,answered,moved");
	ck_assert_str_eq(B.events, "incoming,answered,moved");
	/* the roles: bob offered (controlling, DTLS server: alice's
	 * answer says active), alice controlled and the DTLS client */
	ck_assert(B.peer.controlling && !B.peer.dtls_client);
	ck_assert(!A.peer.controlling && A.peer.dtls_client);
	ck_assert_str_eq(A.peer.ice.ufrag, "ufbob");
	ck_assert_str_eq(B.peer.ice.ufrag, "ufalice");
	ck_assert_uint_eq(A.peer.fp[0], 'b');
	ck_assert_uint_eq(B.peer.fp[0], 'a');
	/* the re-INVITE went on the overlay path with bob's control
	 * stream, every hop saying ice-sip */
	ai = info(&A, id);
	bi = info(&B, B.call);
	ck_assert_str_eq(ai.path, "direct");
	ck_assert_str_eq(bi.path, "direct");
	ck_assert_str_eq(ai.move, "done");
	ck_assert_uint_eq(ai.moved, now);
	/* the replacement and its ACK went on the direct flow, and the
	 * old dialog's BYE on the overlay path was answered */
	ck_assert_uint_ge(B.sent_direct, 2);
	ck_assert_uint_ge(A.sent_direct, 1);
	ck_assert_str_eq(ai.call_id, bi.call_id);	/* one dialog */
	ck_assert_uint_eq(A.media_start, 1);	/* the media as it was */
	ck_assert_uint_eq(B.media_start, 1);
	/* a refresh from alice goes on the direct flow and is answered */
	sent = A.sent_direct;
	ck_assert_int_eq(sip_ua_refresh(A.ua, now, id), 0);
	pump();
	ck_assert_uint_ge(A.sent_direct, sent + 2);	/* INVITE, ACK */
	ck_assert(strncmp(A.last_direct, "ACK ", 4) == 0);
	ck_assert_int_eq(sip_ua_refresh(A.ua, now, id), 0);
	ck_assert_int_eq(sip_ua_refresh(A.ua, now, id), EBUSY);
	pump();
	/* bob hangs up: on the direct flow */
	sent = B.sent_direct;
	ck_assert_int_eq(sip_ua_hangup(B.ua, now, B.call), 0);
	pump();
	ck_assert_uint_eq(B.sent_direct, sent + 1);
	ck_assert(strncmp(B.last_direct, "BYE ", 4) == 0);
	ai = info(&A, id);
	ck_assert_int_eq(ai.state, SIP_UA_ENDED);
	ck_assert_str_eq(ai.reason, "remote hung up");
	ck_assert_str_eq(A.events, "ringing,answered,moved,ended");
	/* the flow is let go when the call is forgotten */
	ck_assert(!A.closed && !B.closed);
	advance(40000);
	ck_assert(A.closed && B.closed);
}
END_TEST

/* A replacement that says it came on the call's flow, but did not. */
START_TEST(forged_replacement)
{
	struct sip_ua_call_info	 ai, bi;
	struct sip_flow		 in, other_flow;
	char			 tok[SIP_CORE_TOKEN_LEN + 1], r[2048];
	uint32_t		 id;
	size_t			 used;

	hold_up = true;
	id = call_bob();
	ck_assert(A.remote && B.remote);
	/* alice's flow is up; bob's replacement has not come */
	in = at_core(&A);
	sip_core_flow_token(A.core, &in, tok);
	ck_assert_int_eq(sip_ua_direct_up(A.ua, now, A.call, tok), 0);
	A.up = true;
	ai = info(&A, id);
	bi = info(&B, B.call);
	ck_assert_str_eq(ai.move, "checking");
	/* 1: on the overlay path, naming alice's flow's token exactly */
#define FORGED	"INVITE sip:alice@127.0.0.1:7000 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKf%d;rport\r\n" \
	"Max-Forwards: 70\r\nFrom: <sip:bob@" DOM ">;tag=mal%d\r\n" \
	"To: <sip:alice@" DOM ">\r\nCall-ID: forged%d\r\nCSeq: 1 INVITE\r\n" \
	"Contact: <sip:bob@127.0.0.2:7000>\r\n" \
	"Replaces: %s;to-tag=%s;from-tag=%s\r\nP2PSIP-Flow: %s\r\n" \
	"Content-Type: application/sdp\r\nContent-Length: 88\r\n\r\n" \
	"v=0\r\no=- 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\n" \
	"t=0 0\r\nm=audio 30000 RTP/AVP 0\r\n"
	snprintf(r, sizeof r, FORGED, 1, 1, 1, ai.call_id, ai.local_tag,
	    ai.remote_tag, tok);
	flow(&in, "127.0.0.2:5060");
	in.peer = true;
	(void)sip_core_input(A.core, now, &in, (const uint8_t *)r, strlen(r),
	    false, &used);
	pump();
	ck_assert_str_eq(info(&A, id).move, "checking");
	ck_assert_str_eq(info(&A, id).path, "overlay");
	ck_assert_str_eq(info(&A, id).call_id, ai.call_id);
	/* 2: on another direct flow (another token) */
	other_flow = at_core(&A);
	other_flow.conn = 77;
	snprintf(r, sizeof r, FORGED, 2, 2, 2, ai.call_id, ai.local_tag,
	    ai.remote_tag, tok);
	(void)sip_core_input(A.core, now, &other_flow, (const uint8_t *)r,
	    strlen(r), false, &used);
	pump();
	ck_assert_str_eq(info(&A, id).path, "overlay");
	ck_assert_str_eq(info(&A, id).call_id, ai.call_id);
	ck_assert_int_eq(info(&A, id).state, SIP_UA_ACTIVE);
	ck_assert(strstr(A.events, "moved") == NULL);
	/* bob's own replacement, on the call's flow, is taken */
	in = at_core(&B);
	sip_core_flow_token(B.core, &in, tok);
	ck_assert_int_eq(sip_ua_direct_up(B.ua, now, B.call, tok), 0);
	B.up = true;
	pump();
	ck_assert_str_eq(info(&A, id).path, "direct");
	ck_assert_str_eq(info(&B, B.call).path, "direct");
	(void)bi;
}
END_TEST

/* The proxy takes a P2PSIP-Flow off what it forwards from anything but
 * a direct flow, and puts the flow's token on what comes on one. */
START_TEST(flow_header_stripped)
{
	struct sip_flow	 in;
	char		 r[1024], tok[SIP_CORE_TOKEN_LEN + 1];
	size_t		 used;

	(void)call_bob();
	snprintf(r, sizeof r, "MESSAGE sip:bob@" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:7000;branch=z9hG4bKm1;rport\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:alice@" DOM ">;tag=m1\r\n"
	    "To: <sip:bob@" DOM ">\r\nCall-ID: m1\r\nCSeq: 1 MESSAGE\r\n"
	    "P2PSIP-Flow: 0000\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 2\r\n\r\nhi");
	(void)sip_core_input(A.core, now, &A.ua_flow, (const uint8_t *)r,
	    strlen(r), false, &used);
	pump();
	ck_assert_ptr_nonnull(strstr(last_to_b, "MESSAGE "));
	ck_assert_ptr_null(strstr(last_to_b, "P2PSIP-Flow"));
	/* on the direct flow: the token of the flow it came on, once */
	snprintf(r, sizeof r, "OPTIONS sip:bob@127.0.0.2:7000 SIP/2.0\r\n"
	    "Via: SIP/2.0/DTLS-UDP 127.0.0.1:41000;branch=z9hG4bKo1\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:alice@" DOM ">;tag=o1\r\n"
	    "To: <sip:bob@" DOM ">\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\n"
	    "P2PSIP-Flow: 1111\r\nContent-Length: 0\r\n\r\n");
	in = at_core(&B);
	(void)sip_core_input(B.core, now, &in, (const uint8_t *)r, strlen(r),
	    false, &used);
	sip_core_flow_token(B.core, &in, tok);
	{
		struct sip_core_action	 ca;
		char			*m, *h;
		bool			 seen = false;

		while (sip_core_next_action(B.core, &ca)) {
			if (ca.type == SIP_CORE_SEND && addr_eq(&ca.flow.remote,
			    &B.ua_flow.remote)) {
				m = strndup((char *)ca.data, ca.len);
				h = strstr(m, "P2PSIP-Flow: ");
				ck_assert_ptr_nonnull(h);
				ck_assert(strncmp(h + 13, tok, strlen(tok)) == 0);
				ck_assert_ptr_null(strstr(h + 1, "P2PSIP-Flow"));
				free(m);
				seen = true;
			}
			sip_core_action_clear(&ca);
		}
		ck_assert(seen);
	}
}
END_TEST

/* alice's daemon does not move calls: bob's offer is declined (its
 * control stream answered with port 0), the call stays where it is. */
START_TEST(declined)
{
	uint32_t	id;

	teardown();
	setup_modes(SIP_UA_DIRECT_OFF, SIP_UA_DIRECT_ON);
	id = call_bob();
	ck_assert(B.opened && B.closed && !A.opened);
	ck_assert_str_eq(info(&B, B.call).move, "failed");
	ck_assert_str_eq(info(&B, B.call).move_why,
	    "the peer declined the direct path");
	ck_assert_str_eq(info(&A, id).path, "overlay");
	ck_assert_int_eq(info(&A, id).state, SIP_UA_ACTIVE);
	ck_assert_uint_eq(A.media_start, 1);
	ck_assert_str_eq(A.events, "ringing,answered");
}
END_TEST

/* The checks fail: both stay on the overlay path, and the call goes on
 * to its end there. */
START_TEST(checks_fail)
{
	uint32_t	id;

	hold_up = true;
	id = call_bob();
	ck_assert(A.remote && B.remote);
	ck_assert_int_eq(sip_ua_direct_failed(B.ua, now, B.call,
	    "ICE found no direct path"), 0);
	ck_assert_int_eq(sip_ua_direct_failed(A.ua, now, A.call,
	    "ICE found no direct path"), 0);
	pump();
	ck_assert(A.closed && B.closed);
	ck_assert_str_eq(info(&B, B.call).move_why, "ICE found no direct path");
	ck_assert_str_eq(info(&A, id).path, "overlay");
	ck_assert_int_eq(sip_ua_hangup(A.ua, now, id), 0);
	pump();
	ck_assert_uint_eq(A.sent_direct + B.sent_direct, 0);
	ck_assert_int_eq(info(&B, B.call).state, SIP_UA_ENDED);
	ck_assert_str_eq(info(&B, B.call).reason, "remote hung up");
}
END_TEST

/* No candidates: no re-INVITE at all. */
START_TEST(no_candidates)
{
	uint32_t	id;

	B.no_ready = true;
	id = call_bob();
	ck_assert(B.opened && B.closed && !A.opened);
	ck_assert_str_eq(info(&B, B.call).move, "failed");
	ck_assert_str_eq(info(&A, id).path, "overlay");
}
END_TEST

/* auto: a call whose path is the two daemons' own proxies only does
 * not move (nothing to gain). */
START_TEST(auto_two_proxies)
{
	uint32_t	id;

	teardown();
	setup_modes(SIP_UA_DIRECT_AUTO, SIP_UA_DIRECT_AUTO);
	id = call_bob();
	ck_assert(!A.opened && !B.opened);
	ck_assert_str_eq(info(&A, id).move, "");
	ck_assert_str_eq(info(&A, id).path, "overlay");
}
END_TEST

/* A hop whose Via or Record-Route lacks ice-sip (a proxy that wants to
 * stay in the path): the call does not move. */
START_TEST(hop_without_ice_sip)
{
	struct sip_flow	 far;
	char		 r[2048], sdp[512];
	size_t		 used;
	uint32_t	 bid;
	int		 n;

	ck_assert_int_eq(sip_ua_aor_add(B.ua, now, "bob", NULL, SIP_UA_AUTO),
	    0);
	pump();
	n = snprintf(sdp, sizeof sdp, "v=0\r\no=- 1 1 IN IP4 127.0.0.9\r\n"
	    "s=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
	    "m=audio 30000 RTP/AVP 0\r\n");
	snprintf(r, sizeof r, "INVITE sip:bob@" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKx1\r\n"
	    "Max-Forwards: 70\r\nRecord-Route: <sip:127.0.0.9:5060;lr>\r\n"
	    "From: <sip:carol@" DOM ">;tag=c1\r\nTo: <sip:bob@" DOM ">\r\n"
	    "Call-ID: x1\r\nCSeq: 1 INVITE\r\n"
	    "Contact: <sip:carol@127.0.0.9:5070>\r\n"
	    "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
	    n, sdp);
	flow(&far, "127.0.0.9:5060");
	far.peer = true;
	(void)sip_core_input(B.core, now, &far, (const uint8_t *)r,
	    strlen(r), false, &used);
	pump();
	ck_assert_str_eq(B.events, "incoming,answered");
	bid = sip_ua_newest(B.ua);
	/* its ACK */
	snprintf(r, sizeof r, "ACK sip:bob@127.0.0.2:7000 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKx2\r\n"
	    "Max-Forwards: 70\r\nRoute: <sip:127.0.0.2:5060;lr;ice-sip>\r\n"
	    "From: <sip:carol@" DOM ">;tag=c1\r\nTo: <sip:bob@" DOM
	    ">;tag=%s\r\nCall-ID: x1\r\nCSeq: 1 ACK\r\n"
	    "Content-Length: 0\r\n\r\n", info(&B, bid).local_tag);
	(void)sip_core_input(B.core, now, &far, (const uint8_t *)r,
	    strlen(r), false, &used);
	pump();
	ck_assert_int_eq(info(&B, bid).state, SIP_UA_ACTIVE);
	ck_assert(!B.opened);
	ck_assert_str_eq(info(&B, bid).move, "");
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sip_ua_move");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, move);
	tcase_add_test(tc, forged_replacement);
	tcase_add_test(tc, flow_header_stripped);
	tcase_add_test(tc, declined);
	tcase_add_test(tc, checks_fail);
	tcase_add_test(tc, no_candidates);
	tcase_add_test(tc, auto_two_proxies);
	tcase_add_test(tc, hop_without_ice_sip);
	suite_add_tcase(s, tc);
	return s;
}
