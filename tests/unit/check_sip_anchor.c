/*
 * check_sip_anchor.c - which calls' media the proxy relays for its
 * phones, and how their descriptions are edited (sip_anchor.h,
 * sdp_edit.c): a peer's ICE offer reaches the phone as a plain stream
 * at the relay, the phone's answer reaches the peer with the relay's
 * candidates, the rest of each description as it came; the PLAIN mode's
 * choice; no relay ready; the end of a call; what is not SDP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "sdp.h"
#include "sip_anchor.h"
#include "sip_msg.h"

static const struct sip_limits lim = { SIP_MSG_MAX_DEFAULT,
    SIP_HDRS_MAX_DEFAULT };

/* The peer's offer, as a baresip with ICE writes it (rtcp-mux, an
 * a=ssrc the parser does not keep, session-level credentials). */
static const char PEER_OFFER[] =
    "v=0\r\n"
    "o=- 1 2 IN IP4 10.1.0.2\r\n"
    "s=-\r\n"
    "c=IN IP4 203.0.113.101\r\n"
    "t=0 0\r\n"
    "a=ice-ufrag:Abcd\r\n"
    "a=ice-pwd:0123456789abcdefghijkl\r\n"
    "m=audio 40002 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=rtcp-mux\r\n"
    "a=ssrc:1234 cname:x@y\r\n"
    "a=candidate:1 1 UDP 2113932031 10.1.0.2 5080 typ host\r\n"
    "a=candidate:2 1 UDP 1845501695 203.0.113.101 40002 typ srflx "
    "raddr 10.1.0.2 rport 5080\r\n"
    "a=end-of-candidates\r\n"
    "a=sendrecv\r\n";

/* The phone's answer, without ICE, RTCP on the next port. */
static const char PHONE_ANSWER[] =
    "v=0\r\n"
    "o=- 7 7 IN IP4 10.2.0.2\r\n"
    "s=-\r\n"
    "c=IN IP4 10.2.0.2\r\n"
    "t=0 0\r\n"
    "m=audio 5082 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=label:1\r\n"
    "a=sendrecv\r\n";

/* where the phone's SIP comes from */
static const struct addr	sig = { 4, { 10, 2, 0, 2 }, 5070 };
static struct sip_anchor_ev	evs[8];
static unsigned			nevs;

static void
on_ev(const struct sip_anchor_ev *ev, void *arg)
{
	(void)arg;
	ck_assert_uint_lt(nevs, 8);
	evs[nevs++] = *ev;
}

/* A message with body (content type ct) in call call_id. */
static struct sip_msg *
msg(const char *first, const char *call_id, const char *ct, const char *body)
{
	static char	 buf[8192];
	struct sip_msg	*m = sip_msg_new();
	const char	*why;
	size_t		 used;

	snprintf(buf, sizeof buf, "%s\r\n"
	    "Via: SIP/2.0/UDP 10.2.0.2:5070;branch=z9hG4bKx\r\n"
	    "To: <sip:sam@o.test>\r\n"
	    "From: <sip:pat@o.test>;tag=1\r\n"
	    "Call-ID: %s\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "Max-Forwards: 70\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n\r\n%s", first, call_id, ct, strlen(body),
	    body);
	ck_assert_int_eq(sip_msg_parse(m, (const uint8_t *)buf, strlen(buf),
	    false, &lim, &used, &why), 0);
	return m;
}

static struct sip_msg *
invite(const char *call_id, const char *body)
{
	return msg("INVITE sip:sam@o.test SIP/2.0", call_id,
	    "application/sdp", body);
}

static struct sip_msg *
ok200(const char *call_id, const char *body)
{
	return msg("SIP/2.0 200 OK", call_id, "application/sdp", body);
}

/* A relay as the driver makes one ready: id, LAN 10.2.0.2:port, and a
 * host and a relayed candidate (the default). */
static void
relay(struct sip_anchor *a, uint32_t id, uint16_t port)
{
	struct sip_anchor_relay	r;

	memset(&r, 0, sizeof r);
	r.id = id;
	ck_assert_int_eq(addr_parse_ip("10.2.0.2", &r.lan), 0);
	r.lan.port = port;
	ck_assert_int_eq(addr_parse("203.0.113.11:50000", 0, &r.dflt), 0);
	snprintf(r.ice.ufrag, sizeof r.ice.ufrag, "Relay%u", id);
	snprintf(r.ice.pwd, sizeof r.ice.pwd, "relaypasswordrelaypassword");
	r.ice.ncands = 2;
	snprintf(r.ice.cands[0].foundation, SDP_FOUNDATION_MAX, "1");
	r.ice.cands[0].component = 1;
	r.ice.cands[0].priority = 2130706431;
	snprintf(r.ice.cands[0].addr, SDP_ADDR_MAX, "10.2.0.2");
	r.ice.cands[0].port = (uint16_t)(port + 100);
	r.ice.cands[0].type = SDP_CAND_HOST;
	snprintf(r.ice.cands[1].foundation, SDP_FOUNDATION_MAX, "3");
	r.ice.cands[1].component = 1;
	r.ice.cands[1].priority = 16777215;
	snprintf(r.ice.cands[1].addr, SDP_ADDR_MAX, "203.0.113.11");
	r.ice.cands[1].port = 50000;
	r.ice.cands[1].type = SDP_CAND_RELAY;
	ck_assert(sip_anchor_add(a, &r));
}

/* body parses, and its audio stream is at addr:port. */
static struct sdp *
parsed(const uint8_t *body, size_t len, const char *addr, unsigned port)
{
	struct sdp	*s = malloc(sizeof *s);
	const char	*why = NULL;

	ck_assert_ptr_nonnull(body);
	ck_assert_msg(sdp_parse(s, (const char *)body, len, &why) == 0,
	    "%s: %.*s", why, (int)len, body);
	ck_assert_uint_eq(s->nmedia, 1);
	ck_assert_str_eq(s->media[0].addr, addr);
	ck_assert_uint_eq(s->media[0].port, port);
	return s;
}

static bool
has(const uint8_t *body, size_t len, const char *line)
{
	char	*t = strndup((const char *)body, len);
	bool	 yes = strstr(t, line) != NULL;

	free(t);
	return yes;
}

START_TEST(peer_offer_phone_answer)
{
	struct sip_anchor	*a = sip_anchor_new(on_ev, NULL, NULL);
	struct sip_anchor_stats	 st;
	struct sip_msg		*m;
	struct sdp		*s;
	uint8_t			*b;
	size_t			 n;

	nevs = 0;
	sip_anchor_set_mode(a, SIP_ANCHOR_ALL);
	relay(a, 7, 30000);
	relay(a, 8, 30010);
	/* the peer's offer, to the phone: the relay's LAN address, no
	 * ICE, the rest as it came */
	m = invite("c1", PEER_OFFER);
	b = sip_anchor_body(a, m, true, &sig, true, &n);
	s = parsed(b, n, "10.2.0.2", 30000);
	ck_assert_uint_eq(s->media[0].ncands, 0);
	ck_assert_str_eq(s->media[0].ice_ufrag, "");
	ck_assert(s->media[0].rtcp_mux);
	ck_assert(has(b, n, "a=ssrc:1234 cname:x@y\r\n"));
	ck_assert(has(b, n, "a=fmtp:101 0-15\r\n"));
	ck_assert(!has(b, n, "end-of-candidates"));
	ck_assert(!has(b, n, "203.0.113.101"));
	free(s);
	free(b);
	sip_msg_free(m);
	ck_assert_uint_eq(nevs, 1);
	ck_assert_int_eq(evs[0].type, SIP_ANCHOR_FAR);
	ck_assert_uint_eq(evs[0].id, 7);
	ck_assert(evs[0].has_ice);
	ck_assert(!evs[0].controlling);		/* the peer offered */
	ck_assert_str_eq(evs[0].ice.ufrag, "Abcd");
	ck_assert_uint_eq(evs[0].ice.ncands, 2);
	ck_assert_str_eq(evs[0].ice.cands[1].addr, "203.0.113.101");
	ck_assert_uint_eq(sip_anchor_ready(a), 1);
	/* the phone's answer, to the peer: the relay's candidates, its
	 * relayed one the default, rtcp-mux */
	m = ok200("c1", PHONE_ANSWER);
	b = sip_anchor_body(a, m, false, &sig, false, &n);
	s = parsed(b, n, "203.0.113.11", 50000);
	ck_assert_str_eq(s->media[0].ice_ufrag, "Relay7");
	ck_assert_uint_eq(s->media[0].ncands, 2);
	ck_assert_int_eq(s->media[0].cands[1].type, SDP_CAND_RELAY);
	ck_assert(s->media[0].rtcp_mux);
	ck_assert(has(b, n, "a=label:1\r\n"));
	ck_assert(!has(b, n, "10.2.0.2 5082") && !has(b, n, "m=audio 5082"));
	free(s);
	free(b);
	ck_assert_uint_eq(nevs, 2);
	ck_assert_int_eq(evs[1].type, SIP_ANCHOR_PHONE);
	ck_assert_uint_eq(evs[1].id, 7);
	ck_assert_uint_eq(evs[1].rtp.port, 5082);
	ck_assert_uint_eq(evs[1].rtcp.port, 5083);
	ck_assert(addr_eq(&evs[1].sig, &sig));
	/* the BYE ends it; the relay is the driver's to let go */
	sip_anchor_end(a, m);
	sip_msg_free(m);
	ck_assert_uint_eq(nevs, 3);
	ck_assert_int_eq(evs[2].type, SIP_ANCHOR_END);
	ck_assert_uint_eq(evs[2].id, 7);
	m = ok200("c1", PHONE_ANSWER);
	ck_assert_ptr_null(sip_anchor_body(a, m, false, &sig, false, &n));
	sip_msg_free(m);
	sip_anchor_stats(a, &st);
	ck_assert_uint_eq(st.calls, 1);
	ck_assert_uint_eq(st.active, 0);
	sip_anchor_free(a);
}
END_TEST

START_TEST(phone_offer_controls)
{
	struct sip_anchor	*a = sip_anchor_new(on_ev, NULL, NULL);
	struct sip_msg		*m;
	uint8_t			*b;
	size_t			 n;

	nevs = 0;
	sip_anchor_set_mode(a, SIP_ANCHOR_ALL);
	relay(a, 1, 30000);
	m = invite("c2", PHONE_ANSWER);		/* as an offer */
	b = sip_anchor_body(a, m, false, &sig, true, &n);
	free(parsed(b, n, "203.0.113.11", 50000));
	free(b);
	sip_msg_free(m);
	m = ok200("c2", PEER_OFFER);		/* as the answer */
	b = sip_anchor_body(a, m, true, &sig, false, &n);
	free(parsed(b, n, "10.2.0.2", 30000));
	free(b);
	sip_msg_free(m);
	ck_assert_uint_eq(nevs, 2);
	ck_assert_int_eq(evs[1].type, SIP_ANCHOR_FAR);
	ck_assert(evs[1].controlling);	/* RFC 8445 §6.1.1: we offered */
	sip_anchor_free(a);
}
END_TEST

START_TEST(plain_mode_and_refusals)
{
	struct sip_anchor	*a = sip_anchor_new(on_ev, NULL, NULL);
	struct sip_anchor_stats	 st;
	struct sip_msg		*m;
	uint8_t			*b;
	size_t			 n;

	nevs = 0;
	/* off: nothing */
	relay(a, 1, 30000);
	m = invite("c3", PHONE_ANSWER);
	ck_assert_ptr_null(sip_anchor_body(a, m, false, &sig, true, &n));
	sip_msg_free(m);
	/* PLAIN: a phone's offer with ICE, or a peer's, passes */
	sip_anchor_set_mode(a, SIP_ANCHOR_PLAIN);
	m = invite("c4", PEER_OFFER);
	ck_assert_ptr_null(sip_anchor_body(a, m, false, &sig, true, &n));
	ck_assert_ptr_null(sip_anchor_body(a, m, true, &sig, true, &n));
	sip_msg_free(m);
	/* ... one without is relayed */
	m = invite("c5", PHONE_ANSWER);
	b = sip_anchor_body(a, m, false, &sig, true, &n);
	ck_assert_ptr_nonnull(b);
	free(b);
	sip_msg_free(m);
	/* no relay ready: as it came, counted */
	m = invite("c6", PHONE_ANSWER);
	ck_assert_ptr_null(sip_anchor_body(a, m, false, &sig, true, &n));
	sip_msg_free(m);
	sip_anchor_stats(a, &st);
	ck_assert_uint_eq(st.missed, 1);
	ck_assert_uint_eq(st.active, 1);
	/* not SDP, or SDP that does not parse: as it came */
	relay(a, 2, 30010);
	m = msg("INVITE sip:sam@o.test SIP/2.0", "c7", "text/plain",
	    PHONE_ANSWER);
	ck_assert_ptr_null(sip_anchor_body(a, m, false, &sig, true, &n));
	sip_msg_free(m);
	m = invite("c8", "v=0\r\nm=audio x RTP/AVP 0\r\n");
	ck_assert_ptr_null(sip_anchor_body(a, m, false, &sig, true, &n));
	sip_msg_free(m);
	ck_assert_uint_eq(sip_anchor_ready(a), 1);
	/* the driver lets a relay go: the proxy forgets it */
	sip_anchor_gone(a, 1);
	sip_anchor_stats(a, &st);
	ck_assert_uint_eq(st.active, 0);
	ck_assert_uint_eq(nevs, 1);	/* c5's PHONE */
	sip_anchor_free(a);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sip_anchor");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, peer_offer_phone_answer);
	tcase_add_test(tc, phone_offer_controls);
	tcase_add_test(tc, plain_mode_and_refusals);
	suite_add_tcase(s, tc);
	return s;
}
