/*
 * check_sdp.c - SDP (RFC 8866) parsing and writing, and offer/answer
 * (RFC 3264) with SDES (RFC 4568) and DTLS-SRTP (RFC 5763) keying:
 * descriptions as phones write them, every refusal with its reason, and
 * both ends of a negotiation agreeing on codec, direction and keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_main.h"
#include "sdp.h"
#include "wire.h"

/* baresip's offer: PCMA first, telephone-event, attributes we skip. */
static const char BARESIP[] =
    "v=0\r\n"
    "o=- 1951837449 3477416376 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 10002 RTP/AVP 8 0 101\r\n"
    "b=AS:64\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n"
    "a=label:1\r\n"
    "a=ssrc:1234 cname:x@y\r\n"
    "a=rtcp-rsize\r\n";

/* RFC 4317 §2.1 style: audio and video, LF line ends, static PTs with
 * no rtpmap, a session-level direction. */
static const char AUDIO_VIDEO[] =
    "v=0\n"
    "o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\n"
    "s= \n"
    "c=IN IP4 192.0.2.10\n"
    "t=0 0\n"
    "a=sendonly\n"
    "m=audio 49170 RTP/AVP 18 0\n"
    "m=video 51372 RTP/AVP 31\n"
    "c=IN IP6 2001:db8::1\n"
    "a=recvonly\n";

/* RFC 8839 §5: ICE at session and media level, as phones send it:
 * session credentials, candidates of both components, a TCP one and an
 * unknown type (skipped), extensions (skipped). */
static const char ICE_OFFER[] =
    "v=0\r\n"
    "o=- 1 2 IN IP4 10.0.0.5\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=ice-lite\r\n"
    "a=ice-ufrag:F7gI\r\n"
    "a=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\n"
    "m=audio 45664 RTP/AVP 0\r\n"
    "c=IN IP4 203.0.113.141\r\n"
    "a=candidate:1 1 UDP 2130706431 10.0.0.5 8998 typ host generation 0\r\n"
    "a=candidate:2 1 udp 1694498815 203.0.113.141 45664 typ srflx "
    "raddr 10.0.0.5 rport 8998\r\n"
    "a=candidate:3 1 UDP 16777215 198.51.100.3 50000 typ relay "
    "raddr 203.0.113.141 rport 45664 network-id 1\r\n"
    "a=candidate:1 2 UDP 2130706430 10.0.0.5 8999 typ host\r\n"
    "a=candidate:4 1 TCP 1 10.0.0.5 9 typ host tcptype active\r\n"
    "a=candidate:5 1 UDP 1 10.0.0.5 9 typ punch\r\n"
    "a=end-of-candidates\r\n";

static void
parse_ok(struct sdp *s, const char *text)
{
	const char	*why = NULL;
	int		 rc = sdp_parse(s, text, strlen(text), &why);

	ck_assert_msg(rc == 0, "refused: %s", why ? why : "?");
}

START_TEST(parse_phone_offer)
{
	struct sdp	s;
	const struct sdp_media *m;

	parse_ok(&s, BARESIP);
	ck_assert_str_eq(s.user, "-");
	ck_assert_uint_eq(s.sess_id, 1951837449u);
	ck_assert_uint_eq(s.version, 3477416376u);
	ck_assert_uint_eq(s.nmedia, 1);
	m = &s.media[0];
	ck_assert_str_eq(m->type, "audio");
	ck_assert_uint_eq(m->port, 10002);
	ck_assert_str_eq(m->proto, "RTP/AVP");
	ck_assert_str_eq(m->addr, "127.0.0.1");
	ck_assert_uint_eq(m->nfmts, 3);
	ck_assert_uint_eq(m->fmts[0].pt, 8);
	ck_assert_str_eq(m->fmts[0].name, "PCMA");
	ck_assert_str_eq(m->fmts[2].name, "telephone-event");
	ck_assert_uint_eq(m->fmts[2].rate, 8000);
	ck_assert_str_eq(m->fmts[2].fmtp, "0-15");
	ck_assert_int_eq(m->dir, SDP_SENDRECV);
}
END_TEST

START_TEST(parse_inherits_session_lines)
{
	struct sdp	s;

	parse_ok(&s, "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=x\r\nt=0 0\r\n"
	    "m=audio 1 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\n");
	parse_ok(&s, AUDIO_VIDEO);
	ck_assert_uint_eq(s.nmedia, 2);
	/* static types named from RFC 3551 */
	ck_assert_str_eq(s.media[0].fmts[0].name, "G729");
	ck_assert_str_eq(s.media[0].fmts[1].name, "PCMU");
	/* session c= and direction, unless the section has its own */
	ck_assert_str_eq(s.media[0].addr, "192.0.2.10");
	ck_assert_int_eq(s.media[0].dir, SDP_SENDONLY);
	ck_assert_str_eq(s.media[1].addr, "2001:db8::1");
	ck_assert(s.media[1].ipv6);
	ck_assert_int_eq(s.media[1].dir, SDP_RECVONLY);
}
END_TEST

START_TEST(parse_srtp_attributes)
{
	struct sdp	s;
	const struct sdp_media *m;

	parse_ok(&s, "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n"
	    "a=fingerprint:SHA-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:"
	    "49:6B:19:E5:7C:AB:3C:59:D3:D4:1A:48:E9:5C:E3:8B:D4:2F\r\n"
	    "m=audio 4000 RTP/SAVP 0\r\nc=IN IP4 10.0.0.1\r\n"
	    "a=rtcp:4005\r\na=rtcp-mux\r\na=ptime:30\r\n"
	    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20\r\n"
	    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
	    "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32\r\n"
	    "a=crypto:3 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=1\r\n"
	    "a=setup:actpass\r\n");
	m = &s.media[0];
	ck_assert_uint_eq(m->rtcp_port, 4005);
	ck_assert(m->rtcp_mux);
	ck_assert_uint_eq(m->ptime, 30);
	ck_assert_uint_eq(m->ncrypto, 3);
	ck_assert_uint_eq(m->crypto[0].key_len, 30);
	ck_assert(m->crypto[0].usable);
	ck_assert(!m->crypto[1].usable);	/* an MKI */
	ck_assert(!m->crypto[2].usable);	/* a session parameter */
	/* the session's fingerprint, lowercased hash name */
	ck_assert_str_eq(m->fp_hash, "sha-256");
	ck_assert_uint_eq(m->fp_len, 32);
	ck_assert_uint_eq(m->fp[0], 0x4a);
	ck_assert_uint_eq(m->fp[31], 0x2f);
	ck_assert_int_eq(m->setup, SDP_SETUP_ACTPASS);
}
END_TEST

#define HEAD0	"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"
#define HEAD	HEAD0 "t=0 0\r\n"
/* with a session c= */
#define HEADC	HEAD0 "c=IN IP4 1.2.3.4\r\nt=0 0\r\n"
#define HEADC2	HEAD0 "c=IN IP4 10.0.0.2\r\nt=0 0\r\n"

START_TEST(parse_refusals)
{
	static const struct {
		const char	*sdp;
		const char	*why;
	} bad[] = {
		{ "", "SDP empty" },
		{ "o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", "does not begin" },
		{ "v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n",
		  "v= is not 0" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n", "no t= line" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"
		  "m=audio 1 RTP/AVP 0\r\n", "no t= line" },
		{ "v=0\r\no=- 1 x IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n",
		  "64-bit" },
		{ "v=0\r\no=- 1 1 IN IPX 1.2.3.4\r\ns=-\r\nt=0 0\r\n",
		  "network address" },
		{ HEAD "x=1\r\n", "unknown line type" },
		{ HEAD "c=IN IP4 1.2.3.4\r\n", "out of order" },
		{ HEAD "t=0 0\r\nz=0 0\r\nz=0 0\r\n", "repeated" },
		{ HEAD "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n", "not allowed" },
		{ HEAD "m=audio 1 RTP/AVP 0\r\n", "without c=" },
		{ HEAD "m=audio 70000 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\n",
		  "bad port" },
		{ HEAD "m=audio 1 RTP/AVP 128\r\nc=IN IP4 1.2.3.4\r\n",
		  "payload type" },
		{ HEAD "m=audio 1 RTP/AVP\r\n", "no format" },
		{ HEAD "m=audio 1 RTP/AVP 0 8 0\r\n", "listed twice" },
		{ HEADC "m=audio 1 RTP/AVP 0\r\n"
		  "a=rtpmap:0 PCMU\r\n", "no clock rate" },
		{ HEADC "m=audio 1 RTP/AVP 0\r\n"
		  "a=ptime:0\r\n", "ptime" },
		{ HEADC "m=audio 1 RTP/SAVP 0\r\n"
		  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!!\r\n",
		  "not base64" },
		{ HEADC "m=audio 1 RTP/SAVP 0\r\n"
		  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:x\r\n", "inline" },
		{ HEAD "a=fingerprint:sha-256 4A:A\r\n", "fingerprint" },
		{ HEAD "a=fingerprint:sha-256 4A-AD\r\n", "fingerprint" },
		{ HEAD "a=setup:sometimes\r\n", "a=setup" },
		{ HEAD "junk\r\n", "<type>=<value>" },
		{ HEAD "a=x\r\rb=1\r\n", "<type>=<value>" },
	};
	struct sdp	s;
	size_t		i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = NULL;

		ck_assert_msg(sdp_parse(&s, bad[i].sdp, strlen(bad[i].sdp),
		    &why) == EBADMSG, "accepted #%zu", i);
		ck_assert_msg(strstr(why, bad[i].why) != NULL,
		    "#%zu: \"%s\", wanted \"%s\"", i, why, bad[i].why);
	}
}
END_TEST

START_TEST(parse_bounds)
{
	struct sdp	 s;
	const char	*why;
	char		*big;
	size_t		 n;
	int		 i;

	/* a NUL byte, a line too long, too many m= and formats */
	ck_assert_int_eq(sdp_parse(&s, HEAD "a=x\0y\r\n", sizeof HEAD + 6,
	    &why), EBADMSG);
	ck_assert_str_eq(why, "SDP holds a NUL byte");
	big = calloc(1, SDP_MAX_LEN + 64);
	n = (size_t)sprintf(big, HEAD "a=");
	memset(big + n, 'x', 2000);
	ck_assert_int_eq(sdp_parse(&s, big, n + 2000, &why), EBADMSG);
	ck_assert_str_eq(why, "SDP line too long");
	n = (size_t)sprintf(big, HEADC);
	for (i = 0; i <= SDP_MAX_MEDIA; i++)
		n += (size_t)sprintf(big + n, "m=audio 1 RTP/AVP 0\r\n");
	ck_assert_int_eq(sdp_parse(&s, big, n, &why), EBADMSG);
	ck_assert_str_eq(why, "too many m= lines");
	n = (size_t)sprintf(big, HEADC "m=audio 1 RTP/AVP");
	for (i = 0; i <= SDP_MAX_FMTS; i++)
		n += (size_t)sprintf(big + n, " %d", i);
	ck_assert_int_eq(sdp_parse(&s, big, n, &why), EBADMSG);
	ck_assert_str_eq(why, "m=: too many formats");
	memset(big, 'a', SDP_MAX_LEN + 1);
	ck_assert_int_eq(sdp_parse(&s, big, SDP_MAX_LEN + 1, &why), EBADMSG);
	ck_assert_str_eq(why, "SDP too long");
	free(big);
}
END_TEST

/* The description as text, NUL-terminated (the caller frees it). */
static char *
text_of(const struct sdp *s)
{
	struct wbuf	 w;
	uint8_t		*p;
	size_t		 n;

	wbuf_init(&w, SDP_MAX_LEN);
	sdp_write(&w, s);
	wbuf_u8(&w, 0);
	ck_assert(!w.err);
	p = wbuf_take(&w, &n);
	return (char *)p;
}

START_TEST(write_parses_back)
{
	struct sdp	 a, b;
	char		*t1, *t2;

	parse_ok(&a, AUDIO_VIDEO);
	t1 = text_of(&a);
	parse_ok(&b, t1);
	t2 = text_of(&b);
	ck_assert_str_eq(t1, t2);
	ck_assert_str_eq(b.media[1].addr, "2001:db8::1");
	ck_assert_int_eq(b.media[0].dir, SDP_SENDONLY);
	free(t1);
	free(t2);
}
END_TEST

START_TEST(parse_ice)
{
	struct sdp		 a, b;
	const struct sdp_media	*m;
	char			*t1, *t2, bad[2048];
	const char		*why;
	static const char *const refused[][2] = {
		{ "a=ice-ufrag:abc", "ice-ufrag" },
		{ "a=ice-pwd:short", "ice-pwd" },
		{ "a=candidate:1 1 UDP 1 10.0.0.5 9", "too few" },
		{ "a=candidate:1 0 UDP 1 10.0.0.5 9 typ host", "component" },
		{ "a=candidate:1 1 UDP 0 10.0.0.5 9 typ host", "priority" },
		{ "a=candidate:1 1 UDP 2147483648 10.0.0.5 9 typ host",
		    "priority" },
		{ "a=candidate:x_y 1 UDP 1 10.0.0.5 9 typ host", "foundation" },
		{ "a=candidate:1 1 UDP 1 10.0.0.5 70000 typ host", "port" },
		{ "a=candidate:1 1 UDP 1 10.0.0.5 9 typ host raddr", "value" },
		{ "a=candidate:1 1 UDP 1 10.0.0.5 9 typ srflx raddr 1.2.3.4 "
		    "rport x", "rport" },
		{ "a=candidate:1 1 UDP 1 a/b 9 typ host", "address" },
	};
	unsigned		 i;

	parse_ok(&a, ICE_OFFER);
	ck_assert(a.ice_lite);
	m = &a.media[0];
	ck_assert_str_eq(m->ice_ufrag, "F7gI");
	ck_assert_str_eq(m->ice_pwd, "x9cml/YzichV2+XlhiMu8g");
	ck_assert_uint_eq(m->ncands, 4);
	ck_assert(m->end_of_cands);
	ck_assert_str_eq(m->cands[0].foundation, "1");
	ck_assert_uint_eq(m->cands[0].priority, 2130706431u);
	ck_assert_int_eq(m->cands[0].type, SDP_CAND_HOST);
	ck_assert_str_eq(m->cands[1].raddr, "10.0.0.5");
	ck_assert_uint_eq(m->cands[1].rport, 8998);
	ck_assert_int_eq(m->cands[1].type, SDP_CAND_SRFLX);
	ck_assert_int_eq(m->cands[2].type, SDP_CAND_RELAY);
	ck_assert_str_eq(m->cands[2].addr, "198.51.100.3");
	ck_assert_uint_eq(m->cands[3].component, 2);
	ck_assert_uint_eq(m->cands[3].port, 8999);
	t1 = text_of(&a);
	parse_ok(&b, t1);
	t2 = text_of(&b);
	ck_assert_str_eq(t1, t2);
	ck_assert_ptr_nonnull(strstr(t1, "a=candidate:2 1 UDP 1694498815 "
	    "203.0.113.141 45664 typ srflx raddr 10.0.0.5 rport 8998\r\n"));
	ck_assert_ptr_nonnull(strstr(t1, "a=ice-lite\r\n"));
	free(t1);
	free(t2);
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		snprintf(bad, sizeof bad, "v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\n"
		    "s=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
		    "c=IN IP4 10.0.0.5\r\n%s\r\n", refused[i][0]);
		why = NULL;
		ck_assert_int_eq(sdp_parse(&b, bad, strlen(bad), &why),
		    EBADMSG);
		ck_assert_msg(why != NULL && strstr(why, refused[i][1]) !=
		    NULL, "%s: %s", refused[i][0], why ? why : "(none)");
	}
	/* more than SDP_MAX_CANDS: the first kept */
	t1 = bad;
	t1 += snprintf(bad, sizeof bad, "v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\n"
	    "s=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP4 10.0.0.5\r\n");
	for (i = 0; i < SDP_MAX_CANDS + 3; i++)
		t1 += snprintf(t1, (size_t)(bad + sizeof bad - t1),
		    "a=candidate:%u 1 UDP %u 10.0.0.5 %u typ host\r\n", i,
		    i + 1, 1000 + i);
	parse_ok(&b, bad);
	ck_assert_uint_eq(b.media[0].ncands, SDP_MAX_CANDS);
	ck_assert_uint_eq(b.media[0].cands[0].port, 1000);
}
END_TEST

static struct sdp_local
local(const char *addr, uint16_t port, enum sdp_srtp_policy srtp,
    bool sdes, uint8_t keybyte)
{
	struct sdp_local l;

	memset(&l, 0, sizeof l);
	l.addr = addr;
	l.port = port;
	l.sess_id = 42;
	l.version = 1;
	l.dir = SDP_SENDRECV;
	l.srtp = srtp;
	l.sdes_ok = sdes;
	memset(l.sdes_key, keybyte, sizeof l.sdes_key);
	memset(l.fp, keybyte, sizeof l.fp);
	l.fp_set = true;
	l.te_pt = 101;
	return l;
}

/* Offer from a, answer from b, through text both ways; the streams
 * each side settled on. */
static int
negotiate(const struct sdp_local *a, const struct sdp_local *b,
    struct sdp_stream *sa, struct sdp_stream *sb, const char **why)
{
	struct sdp	 off, off2, ans, ans2;
	char		*t;
	int		 rc;

	sdp_oa_offer(&off, a);
	t = text_of(&off);
	parse_ok(&off2, t);
	free(t);
	if ((rc = sdp_oa_answer(&ans, sb, &off2, b, why)) != 0)
		return rc;
	t = text_of(&ans);
	parse_ok(&ans2, t);
	free(t);
	return sdp_oa_accept(sa, &off, &ans2, a, why);
}

/* ICE in offer/answer (RFC 8839 §4.2): both sides: each learns the
 * other's credentials and candidates; one side without: plain media. */
START_TEST(offer_answer_ice)
{
	struct sdp_local	 a = local("203.0.113.1", 4000, SDP_SRTP_OFF,
				    false, 1);
	struct sdp_local	 b = local("198.51.100.2", 5000, SDP_SRTP_OFF,
				    false, 2);
	struct sdp_ice		 ia, ib;
	struct sdp_stream	 sa, sb;
	const char		*why;

	memset(&ia, 0, sizeof ia);
	snprintf(ia.ufrag, sizeof ia.ufrag, "aaaa");
	snprintf(ia.pwd, sizeof ia.pwd, "aaaaaaaaaaaaaaaaaaaaaaaa");
	snprintf(ia.cands[0].foundation, sizeof ia.cands[0].foundation, "h4");
	ia.cands[0].component = 1;
	ia.cands[0].priority = 2130706431;
	snprintf(ia.cands[0].addr, sizeof ia.cands[0].addr, "10.0.0.1");
	ia.cands[0].port = 4000;
	ia.cands[1] = ia.cands[0];
	snprintf(ia.cands[1].foundation, sizeof ia.cands[1].foundation, "s4");
	ia.cands[1].type = SDP_CAND_SRFLX;
	ia.cands[1].priority = 1694498815;
	snprintf(ia.cands[1].addr, sizeof ia.cands[1].addr, "203.0.113.1");
	snprintf(ia.cands[1].raddr, sizeof ia.cands[1].raddr, "10.0.0.1");
	ia.cands[1].rport = 4000;
	ia.ncands = 2;
	ib = ia;
	snprintf(ib.ufrag, sizeof ib.ufrag, "bbbb");
	snprintf(ib.pwd, sizeof ib.pwd, "bbbbbbbbbbbbbbbbbbbbbbbb");
	ib.ncands = 1;
	snprintf(ib.cands[0].addr, sizeof ib.cands[0].addr, "198.51.100.2");
	ib.cands[0].port = 5000;
	a.ice = &ia;
	b.ice = &ib;
	ck_assert_int_eq(negotiate(&a, &b, &sa, &sb, &why), 0);
	ck_assert(sa.ice);
	ck_assert(sb.ice);
	ck_assert(sa.ice_controlling);
	ck_assert(!sb.ice_controlling);
	ck_assert_str_eq(sa.peer_ice.ufrag, "bbbb");
	ck_assert_str_eq(sb.peer_ice.pwd, "aaaaaaaaaaaaaaaaaaaaaaaa");
	ck_assert_uint_eq(sb.peer_ice.ncands, 2);
	ck_assert_str_eq(sb.peer_ice.cands[1].raddr, "10.0.0.1");
	ck_assert_uint_eq(sa.peer_ice.cands[0].port, 5000);
	/* the answerer without ICE: none, either side */
	b.ice = NULL;
	ck_assert_int_eq(negotiate(&a, &b, &sa, &sb, &why), 0);
	ck_assert(!sa.ice);
	ck_assert(!sb.ice);
	/* the offerer without: none */
	a.ice = NULL;
	b.ice = &ib;
	ck_assert_int_eq(negotiate(&a, &b, &sa, &sb, &why), 0);
	ck_assert(!sa.ice);
	ck_assert(!sb.ice);
	ck_assert_str_eq(sa.addr, "198.51.100.2");
}
END_TEST

START_TEST(offer_answer_plain)
{
	struct sdp_local a = local("10.0.0.1", 4000, SDP_SRTP_OFF, false, 1);
	struct sdp_local b = local("10.0.0.2", 5000, SDP_SRTP_OFF, false, 2);
	struct sdp_stream sa, sb;
	const char	*why = NULL;

	ck_assert_int_eq(negotiate(&a, &b, &sa, &sb, &why), 0);
	ck_assert_int_eq(sa.codec, SDP_PCMU);	/* the offer's first */
	ck_assert_int_eq(sb.codec, SDP_PCMU);
	ck_assert_int_eq(sa.te_pt, 101);
	ck_assert_int_eq(sb.te_pt, 101);
	ck_assert_uint_eq(sa.te_events, 0xffff);	/* "0-16" */
	ck_assert_uint_eq(sb.te_events, 0xffff);
	ck_assert_str_eq(sa.addr, "10.0.0.2");
	ck_assert_uint_eq(sa.port, 5000);
	ck_assert_uint_eq(sa.rtcp_port, 5001);
	ck_assert_str_eq(sb.addr, "10.0.0.1");
	ck_assert_uint_eq(sb.port, 4000);
	ck_assert_int_eq(sa.keying, SDP_KEYING_NONE);
	ck_assert_int_eq(sb.keying, SDP_KEYING_NONE);
	ck_assert_int_eq(sa.dir, SDP_SENDRECV);
	ck_assert_uint_eq(sa.ptime, 20);
}
END_TEST

START_TEST(answer_phone_offer)
{
	struct sdp_local b = local("127.0.0.1", 5000, SDP_SRTP_OFFER, false, 2);
	struct sdp	 off, ans;
	struct sdp_stream st;
	const char	*why;
	char		*t;

	/* the phone's order wins: PCMA; its telephone-event type is kept */
	parse_ok(&off, BARESIP);
	ck_assert_int_eq(sdp_oa_answer(&ans, &st, &off, &b, &why), 0);
	ck_assert_int_eq(st.codec, SDP_PCMA);
	ck_assert_uint_eq(st.pt, 8);
	ck_assert_int_eq(st.te_events, 0xffff);	/* "0-15" */
	ck_assert_int_eq(st.keying, SDP_KEYING_NONE);
	t = text_of(&ans);
	ck_assert_ptr_nonnull(strstr(t, "m=audio 5000 RTP/AVP 8 101\r\n"));
	ck_assert_ptr_nonnull(strstr(t, "a=rtpmap:8 PCMA/8000\r\n"));
	free(t);

	/* audio it cannot take and video are refused with port 0, and the
	 * next audio stream is taken (§6) */
	parse_ok(&off, "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\n"
	    "c=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 3000 RTP/AVP 18\r\n"
	    "m=video 3002 RTP/AVP 31\r\nm=audio 3004 RTP/AVP 0\r\n"
	    "a=sendonly\r\n");
	ck_assert_int_eq(sdp_oa_answer(&ans, &st, &off, &b, &why), 0);
	ck_assert_uint_eq(ans.nmedia, 3);
	ck_assert_uint_eq(ans.media[0].port, 0);
	ck_assert_uint_eq(ans.media[1].port, 0);
	ck_assert_uint_eq(ans.media[2].port, 5000);
	ck_assert_uint_eq(st.port, 3004);
	ck_assert_int_eq(st.dir, SDP_RECVONLY);
	ck_assert_int_eq(ans.media[2].dir, SDP_RECVONLY);
}
END_TEST

/* RFC 4733 §2.5.1.1: the DTMF events the peer's a=fmtp lists. */
START_TEST(telephone_event_list)
{
	static const struct {
		const char	*fmtp;		/* NULL: no a=fmtp */
		uint16_t	 events;
	} v[] = {
		{ NULL,		0xffff },	/* none given: 0-15 */
		{ "0-15",	0xffff },
		{ "0-11",	0x0fff },
		{ "0-9,11,66",	0x0bff },
		{ "16-20",	0 },
		{ "0 - 15",	0 },		/* no white space */
		{ "15-3",	0 },
		{ "0-256",	0 },
		{ "0-15,",	0 },
		{ "x",		0 },
	};
	struct sdp_local b = local("127.0.0.1", 5000, SDP_SRTP_OFF, false, 2);
	struct sdp	 off, ans;
	struct sdp_stream st;
	const char	*why;
	char		 text[512];
	unsigned	 i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		snprintf(text, sizeof text, "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\n"
		    "s=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
		    "m=audio 3000 RTP/AVP 0 96\r\n"
		    "a=rtpmap:96 telephone-event/8000\r\n%s%s%s",
		    v[i].fmtp != NULL ? "a=fmtp:96 " : "",
		    v[i].fmtp != NULL ? v[i].fmtp : "",
		    v[i].fmtp != NULL ? "\r\n" : "");
		parse_ok(&off, text);
		ck_assert_int_eq(sdp_oa_answer(&ans, &st, &off, &b, &why), 0);
		ck_assert_int_eq(st.te_pt, 96);
		ck_assert_msg(st.te_events == v[i].events, "%s: %#x",
		    v[i].fmtp != NULL ? v[i].fmtp : "none", st.te_events);
	}
}
END_TEST

START_TEST(answer_refusals)
{
	struct sdp_local l = local("127.0.0.1", 5000, SDP_SRTP_OFFER, false, 2);
	struct sdp	 off, ans;
	struct sdp_stream st;
	const char	*why;

	parse_ok(&off, HEADC "m=audio 1 RTP/AVP 18 9\r\n");
	ck_assert_int_eq(sdp_oa_answer(&ans, &st, &off, &l, &why), ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "no common codec"));

	parse_ok(&off, HEADC "m=video 1 RTP/AVP 31\r\n");
	ck_assert_int_eq(sdp_oa_answer(&ans, &st, &off, &l, &why), ENOTSUP);
	ck_assert_str_eq(why, "no audio stream offered");

	parse_ok(&off, HEAD0 "c=IN IP4 phone.example.org\r\nt=0 0\r\n"
	    "m=audio 1 RTP/AVP 0\r\n");
	ck_assert_int_eq(sdp_oa_answer(&ans, &st, &off, &l, &why), ENOTSUP);
	ck_assert_str_eq(why, "c= is not an IP address");

	/* require: a plain offer is refused */
	l.srtp = SDP_SRTP_REQUIRE;
	parse_ok(&off, BARESIP);
	ck_assert_int_eq(sdp_oa_answer(&ans, &st, &off, &l, &why), ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "required"));

	/* SDES keys that came over signalling that is not TLS */
	parse_ok(&off, HEADC "m=audio 1 RTP/SAVP 0\r\n"
	    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n");
	ck_assert_int_eq(sdp_oa_answer(&ans, &st, &off, &l, &why), ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "not TLS"));

	/* off: SRTP offers are refused */
	l.srtp = SDP_SRTP_OFF;
	l.sdes_ok = true;
	ck_assert_int_eq(sdp_oa_answer(&ans, &st, &off, &l, &why), ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "srtp is off"));
}
END_TEST

START_TEST(sdes_keys_cross)
{
	struct sdp_local a = local("10.0.0.1", 4000, SDP_SRTP_REQUIRE, true, 1);
	struct sdp_local b = local("10.0.0.2", 5000, SDP_SRTP_OFFER, true, 2);
	struct sdp_stream sa, sb;
	const char	*why = NULL;

	ck_assert_int_eq(negotiate(&a, &b, &sa, &sb, &why), 0);
	ck_assert_int_eq(sa.keying, SDP_KEYING_SDES);
	ck_assert_int_eq(sb.keying, SDP_KEYING_SDES);
	ck_assert_str_eq(sa.suite, "AES_CM_128_HMAC_SHA1_80");
	ck_assert_mem_eq(sa.tx_key, sb.rx_key, 30);
	ck_assert_mem_eq(sb.tx_key, sa.rx_key, 30);
	ck_assert_uint_eq(sa.tx_key[0], 1);
	ck_assert_uint_eq(sb.tx_key[0], 2);

	/* best effort: an "offer" side keys RTP/AVP; a side that is off
	 * ignores the keys and both settle for plain RTP */
	a.srtp = SDP_SRTP_OFFER;
	b.srtp = SDP_SRTP_OFF;
	ck_assert_int_eq(negotiate(&a, &b, &sa, &sb, &why), 0);
	ck_assert_int_eq(sa.keying, SDP_KEYING_NONE);
	ck_assert_int_eq(sb.keying, SDP_KEYING_NONE);
	b.srtp = SDP_SRTP_OFFER;
	ck_assert_int_eq(negotiate(&a, &b, &sa, &sb, &why), 0);
	ck_assert_int_eq(sa.keying, SDP_KEYING_SDES);
}
END_TEST

START_TEST(dtls_roles_and_fingerprints)
{
	struct sdp_local a = local("10.0.0.1", 4000, SDP_SRTP_REQUIRE, false, 1);
	struct sdp_local b = local("10.0.0.2", 5000, SDP_SRTP_REQUIRE, false, 2);
	struct sdp_stream sa, sb;
	const char	*why = NULL;

	/* UDP/TLS/RTP/SAVP, actpass: the answerer is the DTLS client */
	ck_assert_int_eq(negotiate(&a, &b, &sa, &sb, &why), 0);
	ck_assert_int_eq(sa.keying, SDP_KEYING_DTLS);
	ck_assert_int_eq(sb.keying, SDP_KEYING_DTLS);
	ck_assert(!sa.dtls_client);
	ck_assert(sb.dtls_client);
	ck_assert_mem_eq(sa.peer_fp, b.fp, 32);
	ck_assert_mem_eq(sb.peer_fp, a.fp, 32);
	/* rtcp-mux offered and taken: one association keys both */
	ck_assert(sa.rtcp_mux);
	ck_assert(sb.rtcp_mux);

	/* a side with no certificate cannot take it */
	b.fp_set = false;
	ck_assert_int_eq(negotiate(&a, &b, &sa, &sb, &why), ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "fingerprint"));
}
END_TEST

START_TEST(accept_refusals)
{
	struct sdp_local a = local("10.0.0.1", 4000, SDP_SRTP_OFF, false, 1);
	struct sdp	 off, ans;
	struct sdp_stream st;
	const char	*why;

	sdp_oa_offer(&off, &a);
	parse_ok(&ans, HEADC2 "m=audio 5000 RTP/AVP 0\r\n"
	    "m=video 0 RTP/AVP 31\r\n");
	ck_assert_int_eq(sdp_oa_accept(&st, &off, &ans, &a, &why), EBADMSG);
	parse_ok(&ans, HEADC2 "m=audio 0 RTP/AVP 0\r\n");
	ck_assert_int_eq(sdp_oa_accept(&st, &off, &ans, &a, &why), ENOTSUP);
	ck_assert_str_eq(why, "the peer rejected the audio stream");
	parse_ok(&ans, HEADC2 "m=audio 5000 RTP/AVP 18\r\n");
	ck_assert_int_eq(sdp_oa_accept(&st, &off, &ans, &a, &why), ENOTSUP);
	parse_ok(&ans, HEADC2 "m=audio 5000 RTP/SAVP 0\r\n");
	ck_assert_int_eq(sdp_oa_accept(&st, &off, &ans, &a, &why), EBADMSG);
	/* an answer may narrow the direction */
	parse_ok(&ans, HEADC2 "m=audio 5000 RTP/AVP 8\r\n"
	    "a=recvonly\r\n");
	ck_assert_int_eq(sdp_oa_accept(&st, &off, &ans, &a, &why), 0);
	ck_assert_int_eq(st.codec, SDP_PCMA);
	ck_assert_int_eq(st.dir, SDP_SENDONLY);
}
END_TEST

/* ICE for SIP's control stream (sdp_control_of), and its format kept
 * through a write. */
START_TEST(control_stream)
{
	static const char	 head[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n"
				    "s=-\r\nt=0 0\r\n"
				    "m=audio 4000 RTP/AVP 0\r\n"
				    "c=IN IP4 10.0.0.1\r\n";
	static const char	 ctl[] = "m=control 9000 UDP/DTLS sip\r\n"
				    "c=IN IP4 10.0.0.1\r\n"
				    "a=ice-ufrag:abcd\r\n"
				    "a=ice-pwd:0123456789012345678901\r\n"
				    "a=candidate:1 1 UDP 2130706431 10.0.0.1 9000 "
				    "typ host\r\n"
				    "a=candidate:2 2 UDP 2130706430 10.0.0.1 9001 "
				    "typ host\r\n"
				    "a=fingerprint:sha-256 00:11:22:33:44:55:66:"
				    "77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:"
				    "66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
				    "a=setup:actpass\r\n";
	static struct sdp	 s, t;
	struct sdp_control	 c;
	struct wbuf		 w;
	char			 buf[4096];
	const char		*why = NULL;

	snprintf(buf, sizeof buf, "%s%s", head, ctl);
	ck_assert_int_eq(sdp_parse(&s, buf, strlen(buf), &why), 0);
	ck_assert_int_eq(sdp_control_of(&s, &c, &why), 0);
	ck_assert_uint_eq(c.idx, 1);
	ck_assert_uint_eq(c.port, 9000);
	ck_assert_str_eq(c.ice.ufrag, "abcd");
	ck_assert_uint_eq(c.ice.ncands, 1);	/* component 1's */
	ck_assert_uint_eq(c.fp[10], 0xaa);
	ck_assert_int_eq(c.setup, SDP_SETUP_ACTPASS);
	/* written and read back: still "sip" */
	wbuf_init(&w, SDP_MAX_LEN);
	sdp_write(&w, &s);
	ck_assert(strstr((char *)w.p, "m=control 9000 UDP/DTLS sip\r\n"));
	ck_assert_int_eq(sdp_parse(&t, (char *)w.p, w.len, &why), 0);
	ck_assert_int_eq(sdp_control_of(&t, &c, &why), 0);
	wbuf_clear(&w);
	/* none; rejected; two */
	ck_assert_int_eq(sdp_parse(&s, head, strlen(head), &why), 0);
	ck_assert_int_eq(sdp_control_of(&s, &c, &why), ENOENT);
	snprintf(buf, sizeof buf, "%sm=control 0 UDP/DTLS sip\r\n"
	    "c=IN IP4 10.0.0.1\r\n", head);
	ck_assert_int_eq(sdp_parse(&s, buf, strlen(buf), &why), 0);
	ck_assert_int_eq(sdp_control_of(&s, &c, &why), ENOENT);
	snprintf(buf, sizeof buf, "%s%s%s", head, ctl, ctl);
	ck_assert_int_eq(sdp_parse(&s, buf, strlen(buf), &why), 0);
	ck_assert_int_eq(sdp_control_of(&s, &c, &why), EBADMSG);
	ck_assert_str_eq(why, "more than one control stream");
	/* another format */
	snprintf(buf, sizeof buf, "%sm=control 9000 UDP/DTLS bfcp\r\n"
	    "c=IN IP4 10.0.0.1\r\n", head);
	ck_assert_int_eq(sdp_parse(&s, buf, strlen(buf), &why), 0);
	ck_assert_int_eq(sdp_control_of(&s, &c, &why), EBADMSG);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("sdp");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, parse_phone_offer);
	tcase_add_test(tc, parse_inherits_session_lines);
	tcase_add_test(tc, parse_srtp_attributes);
	tcase_add_test(tc, parse_refusals);
	tcase_add_test(tc, parse_bounds);
	tcase_add_test(tc, write_parses_back);
	tcase_add_test(tc, parse_ice);
	tcase_add_test(tc, offer_answer_ice);
	tcase_add_test(tc, offer_answer_plain);
	tcase_add_test(tc, answer_phone_offer);
	tcase_add_test(tc, telephone_event_list);
	tcase_add_test(tc, answer_refusals);
	tcase_add_test(tc, sdes_keys_cross);
	tcase_add_test(tc, dtls_roles_and_fingerprints);
	tcase_add_test(tc, accept_refusals);
	tcase_add_test(tc, control_stream);
	suite_add_tcase(s, tc);
	return s;
}
