/*
 * check_ua.c - the UA core (sip_ua.h) on a virtual clock, through the
 * daemon's real SIP node (sip_core: registrar and proxy) as its outbound
 * proxy, as the daemon runs them: two UAs, alice and bob, register, call
 * each other (ringing, answered, BYE along the Record-Route), cancel,
 * reject, auto-answer, exchange a MESSAGE, authenticate their REGISTER
 * with a digest, and refuse bad offers with 400 and 488.  A forked
 * INVITE's second 2xx (another To-tag, from a proxy beyond the core) is
 * ACKed and ended with BYE on its own dialog (RFC 3261 §13.2.2.4).
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
#include "wire.h"

#define DOM	"p2psipd.localhost"
#define CORE	"127.0.0.1:5060"

static struct rng_xoshiro	 xs;
static struct rng		 rng = { rng_xoshiro_fill, &xs };
static struct sip_core		*core;
static uint64_t			 now;

/* What one UA did, as its actions said. */
struct ua_side {
	struct sip_ua	*ua;
	struct sip_flow	 flow;		/* its address, as the core sees it */
	uint16_t	 next_port;
	unsigned	 media_open, media_stop, media_start;
	struct sdp_stream stream;
	char		 events[512];	/* "incoming,ringing,..." */
	unsigned	 registered;	/* last REGISTERED status */
	char		 msg_from[128], msg_text[256];
	unsigned	 msg_done;
	uint64_t	 msg_cookie;
	bool		 fail_port;
	bool		 gather;	/* media_open says EINPROGRESS */
	uint32_t	 gathering;	/* the call it said so for */
};

static struct ua_side	alice, bob;

/* A proxy beyond the core, where a forked INVITE's other branch is:
 * what the core sends it, in order. */
#define FAR	"127.0.0.9:5070"
#define FAR_MAX	16
static char	far_msg[FAR_MAX][4096];
static unsigned	nfar;

/* The last INVITE the core sent bob, and the last 1xx/2xx to alice;
 * the last REGISTER a UA sent for another domain. */
static char	bob_invite[4096];
static char	public_register[4096];
static char	alice_resp[4096];

static void
keep(char *to, size_t max, const uint8_t *data, size_t len)
{
	snprintf(to, max, "%.*s", (int)len, (const char *)data);
}

static bool
is_far(const struct addr *a)
{
	struct addr	f;

	ck_assert_int_eq(addr_parse(FAR, 0, &f), 0);
	return addr_eq(a, &f);
}

static int
media_cb(void *arg, uint32_t call, uint16_t *port)
{
	struct ua_side	*s = arg;

	(void)call;
	if (s->fail_port)
		return EAGAIN;
	s->media_open++;
	*port = s->next_port;
	s->next_port += 2;
	if (s->gather) {
		s->gathering = call;
		return EINPROGRESS;
	}
	return 0;
}

static void
side_new(struct ua_side *s, const char *self, uint16_t rtp,
    enum sdp_srtp_policy srtp)
{
	struct sip_ua_cfg	c;

	memset(s, 0, sizeof *s);
	flow(&s->flow, self);
	s->next_port = rtp;
	memset(&c, 0, sizeof c);
	c.domain = DOM;
	c.self = s->flow.remote;
	ck_assert_int_eq(addr_parse(CORE, 0, &c.proxy), 0);
	c.media_addr = "127.0.0.1";
	c.srtp = srtp;
	memset(c.fp, 0x5a, sizeof c.fp);
	c.fp_set = true;
	c.media_open = media_cb;
	/* one proxy for both: no move (check_ua_move.c moves calls) */
	c.direct = SIP_UA_DIRECT_OFF;
	c.arg = s;
	s->ua = sip_ua_new(&c, &rng, logger());
}

static void
setup(void)
{
	struct sip_core_cfg	cfg;

	rng_xoshiro_seed(&xs, 7);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	addr_parse(CORE, 0, &cfg.self);
	core = sip_core_new(&cfg, &rng, logger());
	now = 1000000;
	nfar = 0;
	bob_invite[0] = '\0';
	side_new(&alice, "127.0.0.1:7001", 20000, SDP_SRTP_OFF);
	side_new(&bob, "127.0.0.1:7002", 30000, SDP_SRTP_OFF);
}

static void
teardown(void)
{
	sip_ua_free(alice.ua);
	sip_ua_free(bob.ua);
	sip_core_free(core);
}

static struct ua_side *
side_at(const struct addr *a)
{
	if (addr_eq(a, &alice.flow.remote))
		return &alice;
	if (addr_eq(a, &bob.flow.remote))
		return &bob;
	return NULL;
}

static void
add_event(struct ua_side *s, const char *e)
{
	size_t	l = strlen(s->events);

	snprintf(s->events + l, sizeof s->events - l, "%s%s", l ? "," : "",
	    e);
}

/* The last final status the core sent elsewhere (to a phone). */
static unsigned	other_final;
static char	other_resp[4096];	/* the last final response */


static void
other_status(const struct sip_core_action *ca)
{
	struct sip_msg	*m = sip_msg_new();
	const char	*why;
	size_t		 used;

	if (sip_msg_parse(m, ca->data, ca->len, false,
	    &(struct sip_limits){ 65535, 128 }, &used, &why) == 0 &&
	    !m->request && m->status >= 200) {
		other_final = m->status;
		keep(other_resp, sizeof other_resp, ca->data, ca->len);
	}
	sip_msg_free(m);
}

/* Run everything until nothing moves: the UAs' datagrams go to the
 * core, the core's to the UA at their address. */
static void
pump(void)
{
	struct sip_core_action	 ca;
	struct sip_ua_action	 ua;
	struct ua_side		*sides[2] = { &alice, &bob }, *s;
	bool			 moved;
	size_t			 used;
	unsigned		 i, rounds = 0;

	do {
		moved = false;
		ck_assert_uint_lt(rounds++, 1000);
		for (i = 0; i < 2; i++) {
			s = sides[i];
			while (sip_ua_next_action(s->ua, &ua)) {
				moved = true;
				switch (ua.type) {
				case SIP_UA_SEND:
					if (strncmp((char *)ua.data,
					    "REGISTER sip:kam.test", 21) == 0)
						keep(public_register,
						    sizeof public_register,
						    ua.data, ua.len);
					if (getenv("UA_TRACE") != NULL)
						fprintf(stderr, ">>>\n%.*s\n",
						    (int)ua.len, ua.data);
					ck_assert_uint_eq(
					    ua.flow.remote.port, 5060);
					(void)sip_core_input(core, now,
					    &s->flow, ua.data, ua.len, false,
					    &used);
					break;
				case SIP_UA_CALL:
					add_event(s, ua.event);
					break;
				case SIP_UA_MEDIA:
					s->media_start++;
					s->stream = ua.stream;
					break;
				case SIP_UA_MEDIA_STOP:
					s->media_stop++;
					break;
				case SIP_UA_MESSAGE:
					snprintf(s->msg_from,
					    sizeof s->msg_from, "%s", ua.from);
					snprintf(s->msg_text,
					    sizeof s->msg_text, "%s", ua.text);
					break;
				case SIP_UA_MESSAGE_DONE:
					s->msg_done = ua.status;
					s->msg_cookie = ua.cookie;
					break;
				case SIP_UA_REGISTERED:
					s->registered = ua.status;
					break;
				case SIP_UA_DIRECT_OPEN:
				case SIP_UA_DIRECT_REMOTE:
				case SIP_UA_DIRECT_CLOSE:
					ck_abort_msg("a move with direct off");
					break;
				}
				sip_ua_action_clear(&ua);
			}
		}
		while (sip_core_next_action(core, &ca)) {
			moved = true;
			if (ca.type == SIP_CORE_SEND &&
			    getenv("UA_TRACE") != NULL)
				fprintf(stderr, "<<<\n%.*s\n", (int)ca.len,
				    ca.data);
			if (ca.type == SIP_CORE_SEND && side_at(&ca.flow.remote)
			    == &bob && strncmp((char *)ca.data, "INVITE ", 7)
			    == 0)
				keep(bob_invite, sizeof bob_invite, ca.data,
				    ca.len);
			if (ca.type == SIP_CORE_SEND && side_at(&ca.flow.remote)
			    == &alice && (strncmp((char *)ca.data,
			    "SIP/2.0 18", 10) == 0 || strncmp((char *)ca.data,
			    "SIP/2.0 200", 11) == 0))
				keep(alice_resp, sizeof alice_resp, ca.data,
				    ca.len);
			if (ca.type == SIP_CORE_SEND &&
			    (s = side_at(&ca.flow.remote)) != NULL)
				sip_ua_input(s->ua, now, &ca.flow, ca.data,
				    ca.len);
			else if (ca.type == SIP_CORE_SEND &&
			    is_far(&ca.flow.remote)) {
				ck_assert_uint_lt(nfar, FAR_MAX);
				keep(far_msg[nfar], sizeof far_msg[nfar],
				    ca.data, ca.len);
				nfar++;
			} else if (ca.type == SIP_CORE_SEND)
				other_status(&ca);
			else if (ca.type == SIP_CORE_LOOKUP)
				/* the overlay knows no other peer */
				sip_core_lookup_done(core, now, ca.cookie,
				    NULL, NULL, 0, false);
			sip_core_action_clear(&ca);
		}
	} while (moved);
}

/* Let time pass, in steps, with every timer run. */
static void
advance(uint64_t ms)
{
	uint64_t	end = now + ms;

	while (now < end) {
		now += 10 < end - now ? 10 : end - now;
		sip_ua_tick(alice.ua, now);
		sip_ua_tick(bob.ua, now);
		sip_core_tick(core, now);
		pump();
	}
}

static void
register_both(enum sip_ua_answer bob_answers)
{
	ck_assert_int_eq(sip_ua_aor_add(alice.ua, now, "alice", NULL,
	    SIP_UA_RING), 0);
	ck_assert_int_eq(sip_ua_aor_add(bob.ua, now, "bob@" DOM, NULL,
	    bob_answers), 0);
	pump();
	ck_assert_uint_eq(alice.registered, 200);
	ck_assert_uint_eq(bob.registered, 200);
}

static uint32_t
call(const char *target)
{
	uint32_t	 id = 0;
	const char	*why = NULL;

	ck_assert_int_eq(sip_ua_call(alice.ua, now, NULL, target, 0, &id,
	    &why), 0);
	pump();
	return id;
}

START_TEST(call_answer_bye)
{
	struct sip_ua_call_info	 ai, bi;
	uint32_t		 id;

	register_both(SIP_UA_RING);
	id = call("bob");
	ck_assert_str_eq(alice.events, "ringing");
	ck_assert_str_eq(bob.events, "incoming");
	ck_assert(sip_ua_call_info(bob.ua, sip_ua_call_next(bob.ua, 0), &bi));
	ck_assert_int_eq(bi.state, SIP_UA_INCOMING);
	ck_assert_str_eq(bi.aor, "bob@" DOM);
	ck_assert_str_eq(bi.peer, "sip:alice@" DOM);

	ck_assert_int_eq(sip_ua_answer(bob.ua, now, 0), 0);
	pump();
	ck_assert_str_eq(alice.events, "ringing,answered");
	ck_assert_str_eq(bob.events, "incoming,answered");
	ck_assert_uint_eq(alice.media_start, 1);
	ck_assert_uint_eq(bob.media_start, 1);
	/* each side sends to the other's port */
	ck_assert_uint_eq(alice.stream.port, 30000);
	ck_assert_uint_eq(bob.stream.port, 20000);
	ck_assert_int_eq(alice.stream.codec, SDP_PCMU);
	ck_assert_int_eq(alice.stream.keying, SDP_KEYING_NONE);
	ck_assert_int_eq(alice.stream.te_pt, 101);
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ACTIVE);
	ck_assert_uint_eq(ai.status, 200);

	/* the 2xx is not resent once the ACK came */
	advance(5000);
	ck_assert(sip_ua_call_info(bob.ua, bi.id, &bi));
	ck_assert_int_eq(bi.state, SIP_UA_ACTIVE);

	/* BYE from the callee, along the route set through the proxy:
	 * its media failed (DTLS), and its call says why */
	ck_assert_int_eq(sip_ua_media_failed(bob.ua, now, bi.id,
	    "the DTLS handshake failed"), 0);
	pump();
	ck_assert(sip_ua_call_info(bob.ua, bi.id, &bi));
	ck_assert_int_eq(bi.state, SIP_UA_ENDED);
	ck_assert_str_eq(bi.reason, "the DTLS handshake failed");
	ck_assert_str_eq(alice.events, "ringing,answered,ended");
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ENDED);
	ck_assert_str_eq(ai.reason, "remote hung up");
	ck_assert_uint_eq(alice.media_stop, 1);
	ck_assert_uint_eq(bob.media_stop, 1);
	ck_assert_int_eq(sip_ua_hangup(alice.ua, now, id), EALREADY);
	/* ended calls go after a while */
	advance(40000);
	ck_assert_uint_eq(sip_ua_call_next(alice.ua, 0), 0);
	ck_assert_uint_eq(sip_ua_call_next(bob.ua, 0), 0);
}
END_TEST

/* The driver's ICE sets, for ready(). */
static void
ice_of(struct sdp_ice *ice, const char *ufrag, const char *host,
    const char *srflx, uint16_t port)
{
	memset(ice, 0, sizeof *ice);
	snprintf(ice->ufrag, sizeof ice->ufrag, "%s", ufrag);
	snprintf(ice->pwd, sizeof ice->pwd, "%s0123456789abcdefghij", ufrag);
	snprintf(ice->cands[0].foundation, sizeof ice->cands[0].foundation,
	    "h");
	ice->cands[0].component = 1;
	ice->cands[0].priority = 2130706431;
	snprintf(ice->cands[0].addr, sizeof ice->cands[0].addr, "%s", host);
	ice->cands[0].port = port;
	ice->cands[1] = ice->cands[0];
	snprintf(ice->cands[1].foundation, sizeof ice->cands[1].foundation,
	    "s");
	ice->cands[1].type = SDP_CAND_SRFLX;
	snprintf(ice->cands[1].addr, sizeof ice->cands[1].addr, "%s", srflx);
	ice->cands[1].port = (uint16_t)(port + 1000);
	ice->ncands = 2;
}

/*
 * The driver gathers ICE candidates (media_open: EINPROGRESS): the
 * INVITE waits for them, and so does the callee's answer (its 180 does
 * not, nor its user's answering); the SDP carries them, c= and the port
 * are the default candidate's (srflx), and each side's stream has the
 * other's.  A call hung up while gathering ends without a word sent.
 */
START_TEST(ice_gathering)
{
	struct sip_ua_call_info	 ai, bi;
	struct sdp_ice		 ia, ib;
	uint32_t		 id = 0;
	const char		*why = NULL;

	register_both(SIP_UA_RING);
	alice.gather = bob.gather = true;
	ck_assert_int_eq(sip_ua_call(alice.ua, now, NULL, "bob", 0, &id,
	    &why), 0);
	pump();
	ck_assert_uint_eq(alice.gathering, id);
	ck_assert_str_eq(bob.events, "");	/* no INVITE yet */
	ck_assert_int_eq(sip_ua_media_ready(alice.ua, now, id + 7, NULL),
	    ENOENT);
	ice_of(&ia, "alic", "10.0.0.1", "203.0.113.1", 20000);
	ck_assert_int_eq(sip_ua_media_ready(alice.ua, now, id, &ia), 0);
	ck_assert_int_eq(sip_ua_media_ready(alice.ua, now, id, &ia), ENOENT);
	pump();
	ck_assert_str_eq(bob.events, "incoming");
	ck_assert_str_eq(alice.events, "ringing");
	ck_assert_ptr_nonnull(strstr(bob_invite, "c=IN IP4 203.0.113.1\r\n"));
	ck_assert_ptr_nonnull(strstr(bob_invite, "m=audio 21000 "));
	ck_assert_ptr_nonnull(strstr(bob_invite, "a=ice-ufrag:alic\r\n"));
	ck_assert_ptr_nonnull(strstr(bob_invite, "a=candidate:s 1 UDP "
	    "2130706431 203.0.113.1 21000 typ srflx\r\n"));
	/* bob answers before his candidates are in: the 200 waits */
	ck_assert(sip_ua_call_info(bob.ua, sip_ua_call_next(bob.ua, 0), &bi));
	ck_assert_int_eq(sip_ua_answer(bob.ua, now, bi.id), 0);
	pump();
	ck_assert_str_eq(alice.events, "ringing");
	ice_of(&ib, "bobb", "10.0.0.2", "198.51.100.2", 30000);
	ck_assert_int_eq(sip_ua_media_ready(bob.ua, now, bob.gathering, &ib),
	    0);
	pump();
	ck_assert_str_eq(alice.events, "ringing,answered");
	ck_assert_str_eq(bob.events, "incoming,answered");
	ck_assert(alice.stream.ice);
	ck_assert(bob.stream.ice);
	ck_assert_str_eq(alice.stream.peer_ice.ufrag, "bobb");
	ck_assert_str_eq(bob.stream.peer_ice.ufrag, "alic");
	ck_assert_uint_eq(bob.stream.peer_ice.ncands, 2);
	ck_assert_str_eq(alice.stream.addr, "198.51.100.2");
	ck_assert_uint_eq(alice.stream.port, 31000);
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ACTIVE);
	ck_assert_int_eq(sip_ua_hangup(alice.ua, now, id), 0);
	pump();

	/* hung up while gathering: nothing goes out, the call ends */
	bob.events[0] = '\0';
	ck_assert_int_eq(sip_ua_call(alice.ua, now, NULL, "bob", 0, &id,
	    &why), 0);
	ck_assert_int_eq(sip_ua_hangup(alice.ua, now, id), 0);
	pump();
	ck_assert_str_eq(bob.events, "");
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ENDED);
	ck_assert_int_eq(sip_ua_media_ready(alice.ua, now, id, &ia), ENOENT);
	pump();
	ck_assert_str_eq(bob.events, "");
}
END_TEST

START_TEST(cancel_reject_auto)
{
	struct sip_ua_call_info	 ai;
	uint32_t		 id;

	register_both(SIP_UA_RING);
	id = call("sip:bob@" DOM);
	ck_assert_int_eq(sip_ua_hangup(alice.ua, now, id), 0);
	pump();
	ck_assert_str_eq(alice.events, "ringing,ended");
	ck_assert_str_eq(bob.events, "incoming,ended");
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_str_eq(ai.reason, "cancelled");
	ck_assert(sip_ua_call_info(bob.ua, sip_ua_call_next(bob.ua, 0), &ai));
	ck_assert_uint_eq(ai.status, 487);
	ck_assert_uint_eq(bob.media_stop, bob.media_open);
	ck_assert_uint_eq(alice.media_stop, alice.media_open);

	/* bob rejects */
	alice.events[0] = bob.events[0] = '\0';
	ck_assert_int_eq(sip_ua_aor_add(bob.ua, now, "bob", NULL,
	    SIP_UA_REJECT), EEXIST);
	id = call("bob");
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ENDED);
	ck_assert_uint_eq(ai.status, 603);
	ck_assert_str_eq(bob.events, "");

	/* and now answers at once */
	alice.events[0] = '\0';
	ck_assert_int_eq(sip_ua_aor_add(bob.ua, now, "bob", NULL,
	    SIP_UA_AUTO), EEXIST);
	id = call("bob");
	ck_assert_str_eq(alice.events, "ringing,answered");
	ck_assert_str_eq(bob.events, "incoming,answered");
	ck_assert_int_eq(sip_ua_hangup(alice.ua, now, id), 0);
	pump();
	ck_assert_str_eq(bob.events, "incoming,answered,ended");

	/* nobody there */
	alice.events[0] = '\0';
	id = call("carol");
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_uint_eq(ai.status, 404);
	ck_assert_str_eq(alice.events, "ended");
}
END_TEST

START_TEST(duration_and_no_answer)
{
	struct sip_ua_call_info	 ai;
	uint32_t		 id;
	const char		*why;

	register_both(SIP_UA_AUTO);
	ck_assert_int_eq(sip_ua_call(alice.ua, now, "alice", "bob", 3, &id,
	    &why), 0);
	pump();
	ck_assert_str_eq(alice.events, "ringing,answered");
	advance(2900);
	ck_assert_str_eq(alice.events, "ringing,answered");
	advance(200);
	ck_assert_str_eq(alice.events, "ringing,answered,ended");
	ck_assert_str_eq(bob.events, "incoming,answered,ended");

	/* a call nobody answers ends (480 to the caller) */
	alice.events[0] = '\0';
	ck_assert_int_eq(sip_ua_aor_add(bob.ua, now, "bob", NULL,
	    SIP_UA_RING), EEXIST);
	id = call("bob");
	advance(121000);
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ENDED);
	ck_assert_str_eq(ai.reason, "no answer");

	/* bad arguments */
	ck_assert_int_eq(sip_ua_call(alice.ua, now, "nobody", "bob", 0, &id,
	    &why), EINVAL);
	ck_assert_int_eq(sip_ua_call(alice.ua, now, NULL, "bad target", 0,
	    &id, &why), EINVAL);
	ck_assert_int_eq(sip_ua_call(alice.ua, now, NULL, "bob@elsewhere.org",
	    0, &id, &why), 0);	/* another domain: the proxy's 403 */
	pump();
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_uint_eq(ai.status, 403);
	alice.fail_port = true;
	ck_assert_int_eq(sip_ua_call(alice.ua, now, NULL, "bob", 0, &id, &why),
	    EAGAIN);
}
END_TEST

START_TEST(message_round_trip)
{
	const char	*why;

	register_both(SIP_UA_RING);
	ck_assert_int_eq(sip_ua_message(alice.ua, now, NULL, "bob",
	    "hello, bob", 42, &why), 0);
	pump();
	ck_assert_str_eq(bob.msg_from, "sip:alice@" DOM);
	ck_assert_str_eq(bob.msg_text, "hello, bob");
	ck_assert_uint_eq(alice.msg_done, 200);
	ck_assert_uint_eq(alice.msg_cookie, 42);
	ck_assert_int_eq(sip_ua_message(alice.ua, now, NULL, "carol", "x", 43,
	    &why), 0);
	pump();
	ck_assert_uint_eq(alice.msg_done, 404);
	ck_assert_uint_eq(alice.msg_cookie, 43);
}
END_TEST

/*
 * An AOR the node publishes by destination list (RFC 7904 §3): bob's UA
 * takes carol's calls and MESSAGEs without registering her, as the
 * proxy hands them over; its policy applies; once no longer hosted, 404.
 */
START_TEST(hosted_aor)
{
	struct sip_ua_call_info	 bi;
	const char		*why;
	uint32_t		 id;

	ck_assert_int_eq(sip_ua_aor_add(alice.ua, now, "alice", NULL,
	    SIP_UA_RING), 0);
	ck_assert_int_eq(sip_ua_host(bob.ua, "carol", SIP_UA_RING), 0);
	ck_assert_int_eq(sip_ua_host(bob.ua, "carol@elsewhere.org",
	    SIP_UA_RING), EINVAL);
	sip_core_set_ua(core, &bob.flow.remote);
	sip_core_host(core, now, "carol@" DOM, true);
	pump();
	ck_assert_uint_eq(bob.registered, 0);		/* no REGISTER */
	ck_assert_ptr_null(sip_ua_aor(bob.ua, 0, NULL, NULL));
	id = call("carol");
	ck_assert_str_eq(alice.events, "ringing");
	ck_assert_str_eq(bob.events, "incoming");
	ck_assert(sip_ua_call_info(bob.ua, sip_ua_call_next(bob.ua, 0), &bi));
	ck_assert_str_eq(bi.aor, "carol@" DOM);
	ck_assert_str_eq(bi.peer, "sip:alice@" DOM);
	ck_assert_int_eq(sip_ua_answer(bob.ua, now, 0), 0);
	pump();
	ck_assert_str_eq(alice.events, "ringing,answered");
	ck_assert_int_eq(sip_ua_hangup(alice.ua, now, id), 0);
	pump();
	ck_assert_str_eq(bob.events, "incoming,answered,ended");
	ck_assert_int_eq(sip_ua_message(alice.ua, now, NULL, "carol", "hi",
	    7, &why), 0);
	pump();
	ck_assert_uint_eq(alice.msg_done, 200);
	ck_assert_str_eq(bob.msg_text, "hi");
	/* the policy changes: reject */
	ck_assert_int_eq(sip_ua_host(bob.ua, "carol@" DOM, SIP_UA_REJECT),
	    EEXIST);
	alice.events[0] = '\0';
	id = call("carol");
	ck_assert_str_eq(alice.events, "ended");
	ck_assert(sip_ua_call_info(alice.ua, id, &bi));
	ck_assert_uint_eq(bi.status, 603);
	/* no longer hosted at the UA (the proxy still thinks so): 404 */
	ck_assert_int_eq(sip_ua_unhost(bob.ua, "carol"), 0);
	ck_assert_int_eq(sip_ua_unhost(bob.ua, "carol"), ENOENT);
	ck_assert_int_eq(sip_ua_message(alice.ua, now, NULL, "carol", "x", 8,
	    &why), 0);
	pump();
	ck_assert_uint_eq(alice.msg_done, 404);
}
END_TEST

START_TEST(srtp_policies)
{
	sip_ua_free(alice.ua);
	sip_ua_free(bob.ua);
	side_new(&alice, "127.0.0.1:7001", 20000, SDP_SRTP_REQUIRE);
	side_new(&bob, "127.0.0.1:7002", 30000, SDP_SRTP_OFF);
	register_both(SIP_UA_AUTO);
	/* require meets off: no call, 488 */
	(void)call("bob");
	ck_assert_str_eq(alice.events, "ended");
	ck_assert(strstr(bob.events, "answered") == NULL);

	sip_ua_free(bob.ua);
	side_new(&bob, "127.0.0.1:7002", 30000, SDP_SRTP_OFFER);
	ck_assert_int_eq(sip_ua_aor_add(bob.ua, now, "bob", NULL,
	    SIP_UA_AUTO), 0);
	pump();
	alice.events[0] = '\0';
	(void)call("bob");
	ck_assert_str_eq(alice.events, "ringing,answered");
	/* no TLS between the peers: DTLS-SRTP, one side the client */
	ck_assert_int_eq(alice.stream.keying, SDP_KEYING_DTLS);
	ck_assert_int_eq(bob.stream.keying, SDP_KEYING_DTLS);
	ck_assert(alice.stream.dtls_client != bob.stream.dtls_client);
}
END_TEST

/* A request (method, with headers hdrs) to bob from a phone that speaks
 * straight to the core: the final status it gets. */
static unsigned
phone_request(const char *method, const char *hdrs, const char *body,
    const char *ctype)
{
	struct sip_flow		 phone;
	char			 buf[4096];
	size_t			 used;
	int			 n;

	flow(&phone, "127.0.0.1:7010");
	n = snprintf(buf, sizeof buf, "%s sip:bob@" DOM " SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:7010;branch=z9hG4bK%u\r\n"
	    "Max-Forwards: 70\r\nFrom: <sip:p@" DOM ">;tag=1\r\n"
	    "To: <sip:bob@" DOM ">\r\nCall-ID: c%u\r\nCSeq: 1 %s\r\n"
	    "%sContact: <sip:p@127.0.0.1:7010>\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n\r\n%s", method, (unsigned)now,
	    (unsigned)now, method, hdrs, ctype, strlen(body), body);
	other_final = 0;
	(void)sip_core_input(core, now, &phone, (uint8_t *)buf, (size_t)n,
	    false, &used);
	pump();
	now += 1;
	return other_final;
}

static unsigned
phone_invite(const char *body, const char *ctype)
{
	return phone_request("INVITE", "", body, ctype);
}

START_TEST(bad_offers)
{
	register_both(SIP_UA_AUTO);
	/* malformed: 400 */
	ck_assert_uint_eq(phone_invite("v=0\r\nbogus\r\n", "application/sdp"),
	    400);
	/* no codec in common: 488 */
	ck_assert_uint_eq(phone_invite("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"
	    "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	    "m=audio 4000 RTP/AVP 9\r\n", "application/sdp"), 488);
	/* not SDP: 415 */
	ck_assert_uint_eq(phone_invite("hello", "text/plain"), 415);
	/* a good one is answered */
	ck_assert_uint_eq(phone_invite("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"
	    "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	    "m=audio 4000 RTP/AVP 8 0\r\n", "application/sdp"), 200);
	ck_assert_int_eq(bob.stream.codec, SDP_PCMA);
	ck_assert_uint_eq(bob.media_stop + 1, bob.media_open);
}
END_TEST

static const char OFFER[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"
    "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

/* tag=... of header name (with its ": ") in msg, into out. */
static void
tag_of(const char *msg, const char *name, char *out, size_t max)
{
	const char	*h = strstr(msg, name), *t;

	ck_assert_ptr_nonnull(h);
	t = strstr(h, ";tag=");
	ck_assert_ptr_nonnull(t);
	t += 5;
	snprintf(out, max, "%.*s", (int)strcspn(t, ";\r"), t);
}

/* An INVITE to bob with Replaces: value (printf-style): its final
 * status. */
static unsigned
replacing(const char *value)
{
	char	hdr[512];

	snprintf(hdr, sizeof hdr, "Replaces: %s\r\n", value);
	return phone_request("INVITE", hdr, OFFER, "application/sdp");
}
static char	rv[400];
#define REPLACING(...)	(snprintf(rv, sizeof rv, __VA_ARGS__), replacing(rv))

/* RFC 3891 §3: which dialog a Replaces names, and what each gets. */
START_TEST(replaces)
{
	struct sip_ua_call_info	 bi;
	char			 cid[128], bt[64], at[64];
	uint32_t		 bid;

	register_both(SIP_UA_RING);
	(void)call("bob");
	bid = sip_ua_call_next(bob.ua, 0);
	ck_assert(sip_ua_call_info(bob.ua, bid, &bi));
	snprintf(cid, sizeof cid, "%s", bi.call_id);
	tag_of(alice_resp, "\r\nTo: ", bt, sizeof bt);	/* bob's */
	tag_of(alice_resp, "\r\nFrom: ", at, sizeof at);	/* alice's */
	/* an early dialog bob did not start, an unknown one, tags the
	 * wrong way round: 481 */
	ck_assert_uint_eq(REPLACING("%s;to-tag=%s;from-tag=%s", cid, bt,
	    at), 481);
	ck_assert_uint_eq(REPLACING("%s;to-tag=%s;from-tag=%s", "nope", bt,
	    at), 481);
	ck_assert_uint_eq(sip_ua_answer(bob.ua, now, bid), 0);
	pump();
	ck_assert_uint_eq(REPLACING("%s;to-tag=%s;from-tag=%s", cid, at,
	    bt), 481);
	/* the confirmed dialog: early-only is 486; else the replacement
	 * must be authorized, and none is yet: 403, the call goes on */
	ck_assert_uint_eq(REPLACING("%s;from-tag=%s;to-tag=%s;early-only", cid,
	    at, bt), 486);
	ck_assert_uint_eq(REPLACING("%s ; to-tag = %s ; from-tag=%s", cid, bt,
	    at), 403);
	ck_assert(sip_ua_call_info(bob.ua, bid, &bi));
	ck_assert_int_eq(bi.state, SIP_UA_ACTIVE);
	/* malformed, twice, or in another method: 400 */
	ck_assert_uint_eq(REPLACING("%s;to-tag=%s;to-tag=%s", cid, bt, at),
	    400);
	ck_assert_uint_eq(REPLACING("%s;to-tag=%s;fromtag=%s", cid, bt, at),
	    400);
	ck_assert_uint_eq(REPLACING(";to-tag=%s%s;from-tag=%s", "", bt, at),
	    400);
	ck_assert_uint_eq(REPLACING("%s;to-tag=%s;from-tag=%s;early-only=1",
	    cid, bt, at), 400);
	ck_assert_uint_eq(phone_request("INVITE", "Replaces: a;to-tag=1;"
	    "from-tag=2\r\nReplaces: b;to-tag=1;from-tag=2\r\n", OFFER,
	    "application/sdp"), 400);
	ck_assert_uint_eq(phone_request("MESSAGE", "Replaces: a;to-tag=1;"
	    "from-tag=2\r\n", "hi", "text/plain"), 400);
	/* an ended dialog, still kept or forgotten: 481 (not §3's 603:
	 * the answer tells nothing of what ended) */
	ck_assert_int_eq(sip_ua_hangup(bob.ua, now, bid), 0);
	pump();
	ck_assert_uint_eq(REPLACING("%s;to-tag=%s;from-tag=%s", cid, bt,
	    at), 481);
	advance(40000);
	ck_assert_uint_eq(REPLACING("%s;to-tag=%s;from-tag=%s", cid, bt,
	    at), 481);
}
END_TEST

/* A control stream (ICE for SIP) for the phone's re-INVITE, with
 * extra lines after its m= line. */
static void
with_control(char *out, size_t max, const char *extra)
{
	snprintf(out, max, "%sm=control 9000 UDP/DTLS sip\r\n"
	    "c=IN IP4 127.0.0.1\r\n%s", OFFER, extra);
}

/*
 * The phone's request method (CSeq cseq; an INVITE with body) in the
 * dialog the 2xx from bob in ok200 set up: to bob's Contact, along the
 * route set (the Record-Routes reversed, §12.1.2).  The final status it
 * gets (an ACK: none).
 */
static char	ok200[4096];

static unsigned
phone_dialog(const char *method, const char *body, unsigned cseq)
{
	struct sip_msg		*ok = sip_msg_new();
	const struct sip_hdr	*h, *rr[4];
	struct sip_addr		 contact;
	struct sip_flow		 phone;
	char			 buf[8192], routes[1024] = "", btag[64];
	const char		*why;
	size_t			 used, off = 0;
	unsigned		 n = 0;
	int			 len;

	ck_assert_int_eq(sip_msg_parse(ok, (uint8_t *)ok200,
	    strlen(ok200), false, &(struct sip_limits){ 65535, 128 },
	    &used, &why), 0);
	ck_assert_uint_eq(ok->status, 200);
	ck_assert_int_eq(sip_uri_addr_parse(&contact,
	    &sip_msg_hdr(ok, SIP_HDR_CONTACT, NULL)->value, false), 0);
	for (h = sip_msg_hdr(ok, SIP_HDR_RECORD_ROUTE, NULL); h != NULL &&
	    n < 4; h = sip_msg_hdr(ok, SIP_HDR_RECORD_ROUTE, h))
		rr[n++] = h;
	while (n-- > 0)
		off += (size_t)snprintf(routes + off, sizeof routes - off,
		    "Route: %.*s\r\n", (int)rr[n]->value.l, rr[n]->value.p);
	snprintf(btag, sizeof btag, "%.*s", (int)ok->to_tag.l, ok->to_tag.p);
	flow(&phone, "127.0.0.1:7010");
	len = snprintf(buf, sizeof buf, "%s %.*s SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:7010;branch=z9hG4bK%s%u\r\n"
	    "Max-Forwards: 70\r\n%sFrom: <sip:p@" DOM ">;tag=1\r\n"
	    "To: <sip:bob@" DOM ">;tag=%s\r\nCall-ID: %.*s\r\n"
	    "CSeq: %u %s\r\nContact: <sip:p@127.0.0.1:7010>\r\n"
	    "%sContent-Length: %zu\r\n\r\n%s", method,
	    (int)contact.uri_str.l, contact.uri_str.p, method, cseq, routes,
	    btag, (int)ok->call_id.l, ok->call_id.p, cseq, method,
	    body[0] != '\0' ? "Content-Type: application/sdp\r\n" : "",
	    strlen(body), body);
	sip_msg_free(ok);
	other_final = 0;
	(void)sip_core_input(core, now, &phone, (uint8_t *)buf, (size_t)len,
	    false, &used);
	pump();
	now += 1;
	return other_final;
}

/*
 * ICE for SIP: a re-INVITE whose control stream cannot be used is a
 * 488 and the call goes on; a good one is answered with the stream
 * rejected (port 0): the dialog stays where it is.
 */
START_TEST(control_stream)
{
	struct sip_ua_call_info	 bi;
	char			 body[2048];
	uint32_t		 bid;

	register_both(SIP_UA_AUTO);
	ck_assert_uint_eq(phone_invite(OFFER, "application/sdp"), 200);
	memcpy(ok200, other_resp, sizeof ok200);
	(void)phone_dialog("ACK", "", 1);
	bid = sip_ua_call_next(bob.ua, 0);
	/* no ICE */
	with_control(body, sizeof body, "a=setup:actpass\r\n");
	ck_assert_uint_eq(phone_dialog("INVITE", body, 2), 488);
	ck_assert_msg(strstr(other_resp, "no ICE credentials") != NULL, "%s",
	    other_resp);
	ck_assert(sip_ua_call_info(bob.ua, bid, &bi));
	ck_assert_int_eq(bi.state, SIP_UA_ACTIVE);
	/* another protocol */
	snprintf(body, sizeof body, "%sm=control 9000 TCP/TLS sip\r\n", OFFER);
	ck_assert_uint_eq(phone_dialog("INVITE", body, 3), 488);
	/* no fingerprint */
	with_control(body, sizeof body, "a=ice-ufrag:abcd\r\n"
	    "a=ice-pwd:0123456789012345678901\r\n"
	    "a=candidate:1 1 UDP 2130706431 127.0.0.1 9000 typ host\r\n"
	    "a=setup:actpass\r\n");
	ck_assert_uint_eq(phone_dialog("INVITE", body, 4), 488);
	ck_assert(strstr(other_resp, "fingerprint") != NULL);
	/* a good one: answered, the stream rejected */
	with_control(body, sizeof body, "a=ice-ufrag:abcd\r\n"
	    "a=ice-pwd:0123456789012345678901\r\n"
	    "a=candidate:1 1 UDP 2130706431 127.0.0.1 9000 typ host\r\n"
	    "a=fingerprint:sha-256 "
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
	    "a=setup:actpass\r\n");
	ck_assert_uint_eq(phone_dialog("INVITE", body, 5), 200);
	ck_assert_msg(strstr(other_resp, "m=control 0 UDP/DTLS sip\r\n") !=
	    NULL, "%s", other_resp);
	ck_assert(sip_ua_call_info(bob.ua, bid, &bi));
	ck_assert_int_eq(bi.state, SIP_UA_ACTIVE);
}
END_TEST

START_TEST(register_with_digest)
{
	struct sip_core_cfg	 cfg;
	const char		*names[] = { "alice" }, *pw[] = { "secret" };
	bool			 reg;

	sip_core_free(core);
	memset(&cfg, 0, sizeof cfg);
	cfg.domain = DOM;
	cfg.auth_local = true;
	addr_parse(CORE, 0, &cfg.self);
	core = sip_core_new(&cfg, &rng, logger());
	sip_core_set_users(core, names, pw, 1);
	ck_assert_int_eq(sip_ua_aor_add(alice.ua, now, "alice", "secret",
	    SIP_UA_RING), 0);
	ck_assert_int_eq(sip_ua_aor_add(bob.ua, now, "bob", "wrong",
	    SIP_UA_RING), 0);
	pump();
	ck_assert_uint_eq(alice.registered, 200);
	ck_assert_uint_ne(bob.registered, 200);
	ck_assert_str_eq(sip_ua_aor(alice.ua, 0, NULL, &reg), "alice@" DOM);
	ck_assert(reg);
	/* refreshed before it runs out, credentials given again */
	alice.registered = 0;
	advance(301000);
	ck_assert(sip_ua_aor(alice.ua, 0, NULL, &reg) != NULL && reg);
	ck_assert_uint_eq(sip_reg_aors(sip_core_reg(core)), 1);
	ck_assert_int_eq(sip_ua_aor_remove(alice.ua, now, "alice"), 0);
	pump();
	ck_assert_uint_eq(sip_reg_aors(sip_core_reg(core)), 0);
	ck_assert_int_eq(sip_ua_aor_remove(alice.ua, now, "alice"), ENOENT);
	ck_assert_int_eq(sip_ua_aor_add(alice.ua, now, "x@other.org", NULL,
	    SIP_UA_RING), EINVAL);
}
END_TEST

/*
 * The 2xx a forking proxy beyond the core sends for the INVITE bob got,
 * from the other branch (carol's phone): the same Vias (the core's,
 * alice's), To-tag tag, carol's Contact, the far proxy's Record-Route
 * on top of the core's, and an answer for port 40000.  Into out; its
 * length.
 */
static size_t
fork_2xx(char *out, size_t max, const char *tag)
{
	static const char	 sdp[] = "v=0\r\n"
				    "o=carol 1 1 IN IP4 127.0.0.9\r\n"
				    "s=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
				    "m=audio 40000 RTP/AVP 0 101\r\n"
				    "a=rtpmap:101 telephone-event/8000\r\n";
	struct sip_msg		*inv = sip_msg_new();
	const struct sip_hdr	*h;
	struct wbuf		 w;
	const char		*why;
	size_t			 used, n;

	ck_assert_int_eq(sip_msg_parse(inv, (uint8_t *)bob_invite,
	    strlen(bob_invite), false, &(struct sip_limits){ 65535, 128 },
	    &used, &why), 0);
	wbuf_init(&w, 65535);
	sip_msg_reply(&w, inv, 200, "OK", tag);
	wbuf_printf(&w, "Record-Route: <sip:" FAR ";lr>\r\n");
	for (h = sip_msg_hdr(inv, SIP_HDR_RECORD_ROUTE, NULL); h != NULL;
	    h = sip_msg_hdr(inv, SIP_HDR_RECORD_ROUTE, h))
		sip_msg_header(&w, "Record-Route", &h->value);
	wbuf_printf(&w, "Contact: <sip:carol@127.0.0.9:5080>\r\n"
	    "Content-Type: application/sdp\r\n");
	sip_msg_end(&w, sdp, strlen(sdp));
	ck_assert(!w.err && w.len < max);
	memcpy(out, w.p, w.len);
	n = w.len;
	wbuf_clear(&w);
	sip_msg_free(inv);
	return n;
}

/* What the far proxy sends the core. */
static void
from_far(const char *msg, size_t len)
{
	struct sip_flow	f;
	size_t		used;

	flow(&f, FAR);
	(void)sip_core_input(core, now, &f, (const uint8_t *)msg, len, false,
	    &used);
	pump();
}

/* The far proxy answers the request the core sent it i-th. */
static void
far_answer(unsigned i, unsigned status)
{
	struct sip_msg	*m = sip_msg_new();
	struct wbuf	 w;
	const char	*why;
	size_t		 used;

	ck_assert_int_eq(sip_msg_parse(m, (uint8_t *)far_msg[i],
	    strlen(far_msg[i]), false, &(struct sip_limits){ 65535, 128 },
	    &used, &why), 0);
	wbuf_init(&w, 65535);
	sip_msg_status(&w, m, status, "OK", NULL, NULL, NULL);
	from_far((char *)w.p, w.len);
	wbuf_clear(&w);
	sip_msg_free(m);
}

/* Request i at the far proxy: method to carol's Contact in the dialog
 * of To-tag tag, with CSeq cseq, and the route set's rest (the core
 * took its own Route off). */
static void
far_request(unsigned i, const char *method, const char *tag,
    const char *cseq)
{
	char	line[128];

	ck_assert_uint_gt(nfar, i);
	snprintf(line, sizeof line, "%s sip:carol@127.0.0.9:5080 SIP/2.0\r\n",
	    method);
	ck_assert_msg(strncmp(far_msg[i], line, strlen(line)) == 0, "%s",
	    far_msg[i]);
	snprintf(line, sizeof line, ";tag=%s\r\n", tag);
	ck_assert_msg(strstr(far_msg[i], line) != NULL, "%s", far_msg[i]);
	ck_assert(strstr(far_msg[i], cseq) != NULL);
	ck_assert(strstr(far_msg[i], "Route: <sip:" FAR ";lr>\r\n") != NULL);
	ck_assert(strstr(far_msg[i], "Route: <sip:127.0.0.1:5060") == NULL);
}

START_TEST(forked_2xx)
{
	struct sip_ua_call_info	 ai, bi;
	char			 fork[4096], bye[2048];
	const char		*from;
	size_t			 n;
	uint32_t		 id, bid;
	int			 len;

	register_both(SIP_UA_AUTO);
	id = call("bob");
	ck_assert_str_eq(alice.events, "ringing,answered");
	bid = sip_ua_call_next(bob.ua, 0);
	ck_assert_uint_eq(nfar, 0);

	/* carol's branch answers too: its own ACK and a BYE go to its
	 * Contact, along its route set (the core, then the far proxy) */
	n = fork_2xx(fork, sizeof fork, "carol1");
	from_far(fork, n);
	ck_assert_uint_eq(nfar, 2);
	far_request(0, "ACK", "carol1", "CSeq: 1 ACK\r\n");
	far_request(1, "BYE", "carol1", "CSeq: 2 BYE\r\n");
	/* the call keeps its dialog and its media; one call */
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ACTIVE);
	ck_assert_uint_eq(ai.forks, 1);
	ck_assert_str_eq(alice.events, "ringing,answered");
	ck_assert_uint_eq(alice.media_start, 1);
	ck_assert_uint_eq(alice.media_stop, 0);
	ck_assert_uint_eq(alice.stream.port, 30000);
	ck_assert_uint_eq(sip_ua_call_next(alice.ua, 0), id);
	ck_assert_uint_eq(sip_ua_call_next(alice.ua, id), 0);

	/* its retransmission gets the ACK again, and no second BYE */
	from_far(fork, n);
	ck_assert_uint_eq(nfar, 3);
	far_request(2, "ACK", "carol1", "CSeq: 1 ACK\r\n");

	/* a BYE from carol in her dialog does not end alice's call */
	from = strstr(far_msg[1], "\r\nFrom: ") + 8;	/* alice, her tag */
	len = snprintf(bye, sizeof bye, "BYE sip:alice@127.0.0.1:7001 "
	    "SIP/2.0\r\nVia: SIP/2.0/UDP " FAR ";branch=z9hG4bKfar1\r\n"
	    "Max-Forwards: 70\r\nRoute: <sip:127.0.0.1:5060;lr>\r\n"
	    "From: <sip:bob@" DOM ">;tag=carol1\r\nTo: %.*s\r\n"
	    "Call-ID: %s\r\nCSeq: 5 BYE\r\nContent-Length: 0\r\n\r\n",
	    (int)strcspn(from, "\r"), from, ai.call_id);
	from_far(bye, (size_t)len);
	ck_assert_uint_eq(nfar, 4);
	ck_assert_msg(strncmp(far_msg[3], "SIP/2.0 200 ", 12) == 0, "%s",
	    far_msg[3]);
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ACTIVE);

	/* the BYE's 200 ends carol's dialog: no BYE resent after */
	far_answer(1, 200);
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_uint_eq(ai.forks, 0);
	advance(10000);
	ck_assert_uint_eq(nfar, 4);
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ACTIVE);
	ck_assert(sip_ua_call_info(bob.ua, bid, &bi));
	ck_assert_int_eq(bi.state, SIP_UA_ACTIVE);

	/* the call itself ends with bob, as ever */
	ck_assert_int_eq(sip_ua_hangup(alice.ua, now, id), 0);
	pump();
	ck_assert_str_eq(bob.events, "incoming,answered,ended");
	ck_assert_uint_eq(nfar, 4);
	advance(40000);
	ck_assert_uint_eq(sip_ua_call_next(alice.ua, 0), 0);
}
END_TEST

/* carol's 2xx comes first (bob still rings): her dialog is the call's,
 * and bob's 2xx after it is ACKed and ended with BYE. */
START_TEST(forked_2xx_first_wins)
{
	struct sip_ua_call_info	 ai, bi;
	char			 fork[4096];
	size_t			 n;
	uint32_t		 id, bid;

	register_both(SIP_UA_RING);
	id = call("bob");
	ck_assert_str_eq(alice.events, "ringing");
	bid = sip_ua_call_next(bob.ua, 0);
	n = fork_2xx(fork, sizeof fork, "carol1");
	from_far(fork, n);
	ck_assert_str_eq(alice.events, "ringing,answered");
	ck_assert_uint_eq(nfar, 1);
	far_request(0, "ACK", "carol1", "CSeq: 1 ACK\r\n");
	ck_assert_uint_eq(alice.stream.port, 40000);

	ck_assert_int_eq(sip_ua_answer(bob.ua, now, bid), 0);
	pump();
	/* bob got the ACK and a BYE, and answered it */
	ck_assert_str_eq(bob.events, "incoming,answered,ended");
	ck_assert(sip_ua_call_info(bob.ua, bid, &bi));
	ck_assert_str_eq(bi.reason, "remote hung up");
	ck_assert(sip_ua_call_info(alice.ua, id, &ai));
	ck_assert_int_eq(ai.state, SIP_UA_ACTIVE);
	ck_assert_uint_eq(ai.forks, 0);
	ck_assert_str_eq(alice.events, "ringing,answered");
	ck_assert_uint_eq(alice.media_start, 1);
	ck_assert_uint_eq(alice.stream.port, 40000);
	ck_assert_uint_eq(nfar, 1);
	/* bob's 2xx is not resent: he had the ACK */
	advance(5000);
	ck_assert_str_eq(bob.events, "incoming,answered,ended");

	/* the call's BYE goes to carol */
	ck_assert_int_eq(sip_ua_hangup(alice.ua, now, id), 0);
	pump();
	ck_assert_uint_eq(nfar, 2);
	far_request(1, "BYE", "carol1", "CSeq: 2 BYE\r\n");
	far_answer(1, 200);
	advance(40000);
	ck_assert_uint_eq(sip_ua_call_next(alice.ua, 0), 0);
}
END_TEST

/*
 * A public registration (draft-marocco-p2psip-interwork §4.2): our AOR
 * as the contact of an AOR of another domain, at its registrar; only
 * another domain's AOR, a SIP URI registrar and an AOR of ours as the
 * contact are taken.  (Through a proxy peer to a real registrar with
 * Digest: t_interwork.sh.)
 */
START_TEST(public_registration)
{
	const char	*why, *reg, *contact;
	bool		 registered;

	register_both(SIP_UA_RING);
	ck_assert_int_eq(sip_ua_public_add(alice.ua, now, "alice@" DOM,
	    "sip:kam.test", "u", "p", NULL, &why), EINVAL);
	ck_assert_int_eq(sip_ua_public_add(alice.ua, now, "al@kam.test",
	    "kam.test", "u", "p", NULL, &why), EINVAL);
	ck_assert_int_eq(sip_ua_public_add(alice.ua, now, "al@kam.test",
	    "sip:kam.test", "u", "p", "bob@elsewhere.test", &why), EINVAL);
	public_register[0] = '\0';
	ck_assert_int_eq(sip_ua_public_add(alice.ua, now, "al@kam.test",
	    "sip:kam.test", "al-user", "secret", NULL, &why), 0);
	pump();
	ck_assert_ptr_nonnull(strstr(public_register,
	    "REGISTER sip:kam.test SIP/2.0\r\n"));
	ck_assert_ptr_nonnull(strstr(public_register,
	    "To: <sip:al@kam.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(public_register,
	    "Contact: <sip:alice@" DOM ">;expires="));
	ck_assert_str_eq(sip_ua_public(alice.ua, 0, &reg, &contact,
	    &registered), "al@kam.test");
	ck_assert_str_eq(reg, "sip:kam.test");
	ck_assert_str_eq(contact, "sip:alice@" DOM);
	/* this core is no proxy peer: its registrar refuses the domain */
	ck_assert(!registered);
	ck_assert_ptr_null(sip_ua_public(alice.ua, 1, &reg, &contact,
	    &registered));
	ck_assert_int_eq(sip_ua_public_remove(alice.ua, now, "al@kam.test"),
	    0);
	pump();
	ck_assert_ptr_null(sip_ua_public(alice.ua, 0, &reg, &contact,
	    &registered));
	ck_assert_int_eq(sip_ua_public_remove(alice.ua, now, "al@kam.test"),
	    ENOENT);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("ua");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, call_answer_bye);
	tcase_add_test(tc, ice_gathering);
	tcase_add_test(tc, cancel_reject_auto);
	tcase_add_test(tc, duration_and_no_answer);
	tcase_add_test(tc, message_round_trip);
	tcase_add_test(tc, hosted_aor);
	tcase_add_test(tc, srtp_policies);
	tcase_add_test(tc, control_stream);
	tcase_add_test(tc, replaces);
	tcase_add_test(tc, public_registration);
	tcase_add_test(tc, bad_offers);
	tcase_add_test(tc, register_with_digest);
	tcase_add_test(tc, forked_2xx);
	tcase_add_test(tc, forked_2xx_first_wins);
	suite_add_tcase(s, tc);
	return s;
}
