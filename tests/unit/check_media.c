/*
 * check_media.c - the media codecs: G.711 both laws against the
 * standard's values, WAV files read and converted to 8000 Hz mono (and
 * refused with a reason), RTP and RTCP packets written and parsed,
 * receiver loss and jitter (RFC 3550 A.1, A.3, A.8), RFC 4733
 * telephone-events, and two sessions wired to each other on a virtual
 * clock: audio, SRTP (SDES, DTLS), DTMF digits sent as telephone-events
 * (the packets as §2.5.1 has them) and heard in order.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "addr.h"
#include "check_main.h"
#include "dtls_ctx.h"
#include "g711.h"
#include "media_session.h"
#include "rng.h"
#include "rtp.h"
#include "wav.h"

#define PI	3.14159265358979323846

START_TEST(g711_values)
{
	int	i;

	/* G.711's codes for silence and the extremes */
	ck_assert_uint_eq(g711_ulaw(0), 0xff);
	ck_assert_uint_eq(g711_ulaw(32767), 0x80);
	ck_assert_uint_eq(g711_ulaw(-32768), 0x00);
	ck_assert_int_eq(g711_ulaw_linear(0xff), 0);
	ck_assert_int_eq(g711_ulaw_linear(0x80), 32124);
	ck_assert_int_eq(g711_ulaw_linear(0x00), -32124);
	ck_assert_uint_eq(g711_alaw(0), 0xd5);
	ck_assert_uint_eq(g711_alaw(-1), 0x55);
	ck_assert_int_eq(g711_alaw_linear(0xd5), 8);
	ck_assert_int_eq(g711_alaw_linear(0x55), -8);
	ck_assert_int_eq(g711_alaw_linear(0xaa), 32256);
	ck_assert_int_eq(g711_alaw_linear(0x2a), -32256);
	/* every code decodes to a value that encodes back to it (mu-law's
	 * two zeros aside) */
	for (i = 0; i < 256; i++) {
		ck_assert_uint_eq(g711_alaw(g711_alaw_linear((uint8_t)i)),
		    (unsigned)i);
		if (i != 0x7f)
			ck_assert_uint_eq(g711_ulaw(g711_ulaw_linear(
			    (uint8_t)i)), (unsigned)i);
	}
	/* quantisation error within half a step of the segment */
	for (i = -32768; i < 32768; i += 7) {
		int	u = g711_ulaw_linear(g711_ulaw((int16_t)i));
		int	a = g711_alaw_linear(g711_alaw((int16_t)i));
		int	step = abs(i) < 256 ? 16 : abs(i) / 16 + 16;

		ck_assert_msg(abs(u - i) <= step, "ulaw %d -> %d", i, u);
		ck_assert_msg(abs(a - i) <= step, "alaw %d -> %d", i, a);
	}
}
END_TEST

static size_t
wav_make(uint8_t *buf, unsigned tag, unsigned ch, unsigned rate,
    unsigned bits, const void *data, size_t len)
{
	uint8_t	h[WAV_HDR_LEN];

	wav_header(h, 0);
	memcpy(buf, h, WAV_HDR_LEN);
	buf[20] = (uint8_t)tag;
	buf[22] = (uint8_t)ch;
	buf[24] = (uint8_t)rate;
	buf[25] = (uint8_t)(rate >> 8);
	buf[26] = (uint8_t)(rate >> 16);
	buf[34] = (uint8_t)bits;
	buf[40] = (uint8_t)len;
	buf[41] = (uint8_t)(len >> 8);
	buf[42] = (uint8_t)(len >> 16);
	memcpy(buf + WAV_HDR_LEN, data, len);
	return WAV_HDR_LEN + len;
}

/* The strongest of two frequencies in 8000 Hz samples (Goertzel). */
static double
power_at(const int16_t *s, size_t n, double hz)
{
	double	c = 2 * cos(2 * PI * hz / WAV_RATE), a = 0, b = 0, t;
	size_t	i;

	for (i = 0; i < n; i++) {
		t = s[i] + c * a - b;
		b = a;
		a = t;
	}
	return a * a + b * b - c * a * b;
}

START_TEST(wav_read_and_convert)
{
	static int16_t	 in[48000 * 2];
	static uint8_t	 buf[sizeof in + 64];
	static int16_t	 out[8000];
	struct wav_fmt	 f;
	const char	*why;
	size_t		 n, i;

	/* 1 s of 440 Hz at 48000 Hz stereo becomes 8000 samples of it */
	for (i = 0; i < 48000; i++)
		in[2 * i] = in[2 * i + 1] = (int16_t)(10000 *
		    sin(2 * PI * 440 * (double)i / 48000));
	n = wav_make(buf, 1, 2, 48000, 16, in, sizeof in);
	ck_assert_int_eq(wav_parse(&f, buf, n, &why), 0);
	ck_assert_uint_eq(f.rate, 48000);
	ck_assert_uint_eq(wav_samples(&f), 8000);
	wav_convert(&f, out);
	ck_assert(power_at(out, 8000, 440) > 100 * power_at(out, 8000, 1000));
	/* 8-bit unsigned mono at 8000 Hz: the samples as they are */
	{
		uint8_t	b8[4] = { 128, 255, 0, 128 };
		int16_t	o8[4];

		n = wav_make(buf, 1, 1, 8000, 8, b8, 4);
		ck_assert_int_eq(wav_parse(&f, buf, n, &why), 0);
		ck_assert_uint_eq(wav_samples(&f), 4);
		wav_convert(&f, o8);
		ck_assert_int_eq(o8[0], 0);
		ck_assert_int_eq(o8[1], 127 * 256);
		ck_assert_int_eq(o8[2], -128 * 256);
	}
	/* a recording's header reads back */
	wav_header(buf, 3);
	memset(buf + WAV_HDR_LEN, 0, 6);
	ck_assert_int_eq(wav_parse(&f, buf, WAV_HDR_LEN + 6, &why), 0);
	ck_assert_uint_eq(wav_samples(&f), 3);
}
END_TEST

START_TEST(wav_refusals)
{
	static uint8_t	 buf[256];
	uint8_t		 d[8] = { 0 };
	struct wav_fmt	 f;
	const char	*why;
	size_t		 n;

	ck_assert_int_eq(wav_parse(&f, (const uint8_t *)"RIFX", 4, &why),
	    EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "not a WAV"));
	n = wav_make(buf, 3, 1, 8000, 32, d, 8);	/* IEEE float */
	ck_assert_int_eq(wav_parse(&f, buf, n, &why), ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "not PCM"));
	n = wav_make(buf, 1, 1, 8000, 24, d, 8);
	ck_assert_int_eq(wav_parse(&f, buf, n, &why), ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "8 or 16"));
	n = wav_make(buf, 1, 6, 8000, 16, d, 8);
	ck_assert_int_eq(wav_parse(&f, buf, n, &why), ENOTSUP);
	n = wav_make(buf, 1, 1, 4000, 16, d, 8);
	ck_assert_int_eq(wav_parse(&f, buf, n, &why), ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "rate"));
	/* a fmt chunk claiming more than the file holds */
	n = wav_make(buf, 1, 1, 8000, 16, d, 8);
	buf[17] = 0x10;
	ck_assert_int_eq(wav_parse(&f, buf, n, &why), EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "past the end"));
	/* no data chunk */
	n = wav_make(buf, 1, 1, 8000, 16, d, 8);
	ck_assert_int_eq(wav_parse(&f, buf, 36, &why), EBADMSG);
	ck_assert_str_eq(why, "WAV has no data chunk");
	/* a data chunk cut short is read as far as it goes */
	ck_assert_int_eq(wav_parse(&f, buf, n - 3, &why), 0);
	ck_assert_uint_eq(f.len, 4);
}
END_TEST

START_TEST(rtp_packets)
{
	uint8_t		 pkt[RTP_MAX_PKT], pl[160];
	struct rtp_hdr	 h = { true, 0, 65535, 0xdeadbeef, 0x01020304, NULL, 0 };
	struct rtp_hdr	 r;
	size_t		 n;

	memset(pl, 0xff, sizeof pl);
	n = rtp_write(pkt, &h, pl, sizeof pl);
	ck_assert_uint_eq(n, 172);
	ck_assert_int_eq(rtp_parse(&r, pkt, n), 0);
	ck_assert(r.marker);
	ck_assert_uint_eq(r.seq, 65535);
	ck_assert_uint_eq(r.ts, 0xdeadbeef);
	ck_assert_uint_eq(r.ssrc, 0x01020304);
	ck_assert_uint_eq(r.len, 160);
	ck_assert(!rtp_is_rtcp(pkt, n));
	/* CSRCs, an extension and padding are skipped */
	pkt[0] = 0x80 | 0x20 | 0x10 | 1;
	memmove(pkt + 12 + 4 + 8, pkt + 12, 160);
	memset(pkt + 12, 0, 4 + 8);
	pkt[12 + 4 + 3] = 1;			/* one extension word */
	pkt[12 + 4 + 8 + 159] = 4;		/* 4 bytes of padding */
	ck_assert_int_eq(rtp_parse(&r, pkt, 12 + 12 + 160), 0);
	ck_assert_uint_eq(r.len, 156);
	ck_assert_ptr_eq(r.payload, pkt + 24);
	/* refused: too short, version 1, CSRCs past the end, padding 0 */
	ck_assert_int_eq(rtp_parse(&r, pkt, 11), EBADMSG);
	pkt[0] = 0x40;
	ck_assert_int_eq(rtp_parse(&r, pkt, 100), EBADMSG);
	pkt[0] = 0x8f;
	ck_assert_int_eq(rtp_parse(&r, pkt, 40), EBADMSG);
	pkt[0] = 0xa0;
	pkt[99] = 0;
	ck_assert_int_eq(rtp_parse(&r, pkt, 100), EBADMSG);
	pkt[99] = 99;
	ck_assert_int_eq(rtp_parse(&r, pkt, 100), EBADMSG);
}
END_TEST

START_TEST(rtp_loss_and_jitter)
{
	struct rtp_source s;
	struct rtp_hdr	  h = { false, 0, 65530, 1000, 7, NULL, 0 };
	unsigned	  i;

	rtp_source_init(&s, &h);
	/* the first packet is on probation (A.1, MIN_SEQUENTIAL 2) */
	ck_assert(!rtp_source_update(&s, &h, 5000));
	/* 20 packets in time across the wrap, 3 lost */
	for (i = 1; i <= 22; i++) {
		h.seq++;
		h.ts += 160;
		if (i == 5 || i == 6 || i == 12)
			continue;
		ck_assert(rtp_source_update(&s, &h, 5000 + 160 * i));
	}
	ck_assert_uint_eq(rtp_source_expected(&s), 22);
	ck_assert_int_eq(rtp_source_lost(&s), 3);
	ck_assert(s.jitter < 0.001);
	/* arrivals 80 units late every other packet: jitter grows */
	for (i = 23; i <= 60; i++) {
		h.seq++;
		h.ts += 160;
		ck_assert(rtp_source_update(&s, &h,
		    5000 + 160 * i + (i % 2) * 80));
	}
	ck_assert(s.jitter > 40 && s.jitter < 80);
	/* a jump is believed only when the next packet follows it */
	h.seq += 10000;
	ck_assert(!rtp_source_update(&s, &h, 0));
	h.seq++;
	ck_assert(rtp_source_update(&s, &h, 0));
	ck_assert_uint_eq(rtp_source_expected(&s), 1);
}
END_TEST

START_TEST(rtcp_packets)
{
	uint8_t		 pkt[RTP_MAX_PKT];
	struct rtcp_report r;
	struct rtcp_info i;
	size_t		 n;

	memset(&r, 0, sizeof r);
	r.ssrc = 11;
	r.sender = true;
	r.ntp = 0x0102030405060708ull;
	r.packets_sent = 50;
	r.have_block = true;
	r.src_ssrc = 22;
	r.fraction_lost = 64;
	r.cum_lost = -2;
	r.jitter = 33;
	n = rtp_rtcp_write(pkt, &r, "alice@example.org", true);
	ck_assert_uint_eq(n % 4, 0);
	ck_assert(rtp_is_rtcp(pkt, n));
	ck_assert_int_eq(rtp_rtcp_parse(&i, pkt, n, 22), 0);
	ck_assert_uint_eq(i.ssrc, 11);
	ck_assert(i.sr);
	ck_assert_uint_eq(i.ntp, 0x0102030405060708ull);
	ck_assert(i.have_block);
	ck_assert_uint_eq(i.fraction_lost, 64);
	ck_assert_int_eq(i.cum_lost, -2);
	ck_assert_uint_eq(i.jitter, 33);
	ck_assert(i.bye);
	/* a block about another source is not about us */
	ck_assert_int_eq(rtp_rtcp_parse(&i, pkt, n, 23), 0);
	ck_assert(!i.have_block);
	/* an RR without blocks, no BYE */
	r.sender = false;
	r.have_block = false;
	n = rtp_rtcp_write(pkt, &r, "x", false);
	ck_assert_int_eq(rtp_rtcp_parse(&i, pkt, n, 22), 0);
	ck_assert(!i.sr && !i.bye);
	/* refused: cut short, a length past the end, SDES first */
	ck_assert_int_eq(rtp_rtcp_parse(&i, pkt, n - 1, 22), EBADMSG);
	pkt[3] = 200;
	ck_assert_int_eq(rtp_rtcp_parse(&i, pkt, n, 22), EBADMSG);
	pkt[3] = 1;
	pkt[1] = 202;
	ck_assert_int_eq(rtp_rtcp_parse(&i, pkt, n, 22), EBADMSG);
	ck_assert_int_eq(rtp_rtcp_parse(&i, pkt, 0, 22), EBADMSG);
}
END_TEST

START_TEST(dtmf_events)
{
	struct rtp_dtmf	d = { 11, true, 10, 1600 }, r;
	uint8_t		p[4];

	rtp_dtmf_write(p, &d);
	ck_assert_uint_eq(p[1], 0x8a);
	ck_assert_int_eq(rtp_dtmf_parse(&r, p, 4), 0);
	ck_assert_uint_eq(r.event, 11);
	ck_assert(r.end);
	ck_assert_uint_eq(r.volume, 10);
	ck_assert_uint_eq(r.duration, 1600);
	ck_assert_int_eq(rtp_dtmf_parse(&r, p, 3), EBADMSG);
	ck_assert_int_eq(rtp_dtmf_event('#'), 11);
	ck_assert_int_eq(rtp_dtmf_event('7'), 7);
	ck_assert_int_eq(rtp_dtmf_event('d'), 15);
	ck_assert_int_eq(rtp_dtmf_event('x'), -1);
	ck_assert_int_eq(rtp_dtmf_event('\0'), -1);
	ck_assert_int_eq(rtp_dtmf_char(10), '*');
	ck_assert_int_eq(rtp_dtmf_char(16), '\0');
}
END_TEST

/* Two sessions facing each other: a's packets go to b and back. */
static struct sdp_stream
stream_to(uint16_t port, enum sdp_keying k, const uint8_t *tx,
    const uint8_t *rx)
{
	struct sdp_stream	st;

	memset(&st, 0, sizeof st);
	snprintf(st.addr, sizeof st.addr, "127.0.0.1");
	st.port = port;
	st.rtcp_port = (uint16_t)(port + 1);
	st.codec = SDP_PCMA;
	st.pt = 8;
	st.te_pt = 101;
	st.te_events = 0xffff;
	st.ptime = 20;
	st.dir = SDP_SENDRECV;
	st.keying = k;
	if (k == SDP_KEYING_SDES) {
		snprintf(st.suite, sizeof st.suite, "AES_CM_128_HMAC_SHA1_80");
		memcpy(st.tx_key, tx, 30);
		memcpy(st.rx_key, rx, 30);
	}
	return st;
}

/* What one session heard: samples, their power, digits, failures. */
struct heard {
	size_t		 n;
	double		 energy;
	char		 digits[32];
	char		 sent[32];	/* MEDIA_DTMF_SENT */
	unsigned	 failed;
	const char	*why;
};

/* Drain from's actions: each SEND to to (as from address src, RTCP
 * from the next port), the rest into what from heard.  The packets. */
static unsigned
carry(struct media_session *from, struct media_session *to, uint64_t now,
    const struct addr *src, struct heard *h)
{
	struct media_action	a;
	struct addr		s;
	unsigned		n = 0;
	size_t			i;

	while (media_session_next_action(from, &a)) {
		switch (a.type) {
		case MEDIA_SEND:
			n++;
			s = *src;
			if (a.rtcp)
				s.port++;
			media_session_input(to, now, a.rtcp, &s, a.data, a.len);
			break;
		case MEDIA_AUDIO:
			h->n += a.n;
			for (i = 0; i < a.n; i++)
				h->energy += (double)a.pcm[i] * a.pcm[i];
			break;
		case MEDIA_DTMF:
			if (strlen(h->digits) + 1 < sizeof h->digits)
				strncat(h->digits, &a.digit, 1);
			break;
		case MEDIA_DTMF_SENT:
			if (strlen(h->sent) + 1 < sizeof h->sent)
				strncat(h->sent, &a.digit, 1);
			break;
		case MEDIA_FAILED:
			h->failed++;
			h->why = a.why;
			break;
		}
	}
	return n;
}

static SSL_CTX *
dtls_ctx(uint8_t fp[32])
{
	SSL_CTX	*ctx = test_dtls_ctx(fp);

	ck_assert_ptr_nonnull(ctx);
	return ctx;
}

/* a plays a tone to b for 3 s, keyed k; bad: a's SDES key is not
 * the one b expects, or (DTLS) b expects another fingerprint. */
static void
media_pair(enum sdp_keying k, uint8_t bad)
{
	static const uint8_t	ka[30] = { 1, 2, 3 }, kb[30] = { 4, 5, 6 };
	struct rng_xoshiro	xs;
	struct rng		rng = { rng_xoshiro_fill, &xs };
	struct media_session	*a, *b;
	struct sdp_stream	sa, sb;
	struct addr		aa, ab, other;
	struct heard		ha, hb;
	int16_t			tone[24000];
	const char		*why;
	SSL_CTX			*ca = NULL, *cb = NULL;
	uint8_t			ka2[30], fpa[32], fpb[32];
	uint64_t		now = 1000;
	unsigned		i, sent = 0;

	memset(&ha, 0, sizeof ha);
	memset(&hb, 0, sizeof hb);
	rng_xoshiro_seed(&xs, 3);
	memcpy(ka2, ka, 30);
	ka2[0] ^= bad;		/* a sends with a key b does not know */
	addr_parse("127.0.0.1:4000", 0, &aa);
	addr_parse("127.0.0.1:5000", 0, &ab);
	addr_parse("127.0.0.1:6000", 0, &other);
	sa = stream_to(5000, k, ka2, kb);
	sb = stream_to(4000, k, kb, ka);
	if (k == SDP_KEYING_DTLS) {
		ca = dtls_ctx(fpa);
		cb = dtls_ctx(fpb);
		sa.dtls_client = true;
		memcpy(sa.peer_fp, fpb, 32);
		memcpy(sb.peer_fp, fpa, 32);
		sb.peer_fp[31] ^= bad;
		sa.rtcp_mux = sb.rtcp_mux = true;
	}
	ck_assert_int_eq(media_session_new(&a, &sa, ca, &rng, NULL, now, &why), 0);
	ck_assert_int_eq(media_session_new(&b, &sb, cb, &rng, NULL, now, &why), 0);
	for (i = 0; i < 24000; i++)
		tone[i] = (int16_t)(8000 * sin(2 * PI * 440 * i / 8000.0));
	media_session_play(a, tone, 24000);
	/* 3 s and what the DTLS handshake takes: RTCP comes too */
	for (i = 0; i < 160; i++, now += 20) {
		media_session_tick(a, now);
		media_session_tick(b, now);
		sent += carry(a, b, now, &aa, &ha);
		(void)carry(b, a, now, &ab, &hb);
	}
	(void)carry(b, a, now, &ab, &hb);
	ck_assert(media_session_played(a));
	ck_assert_uint_ge(sent, 150);
	ck_assert_uint_ge(media_session_stats(a)->sent, 150);
	ck_assert_uint_le(media_session_stats(a)->sent, 160);
	ck_assert_uint_eq(ha.failed, 0);
	if (bad) {
		/* b cannot authenticate a's packets: none heard */
		ck_assert_uint_eq(hb.n, 0);
		ck_assert_uint_ge(media_session_stats(b)->auth_failed, 150);
		if (k == SDP_KEYING_DTLS) {
			/* b never keyed: it sent nothing at all */
			ck_assert_uint_eq(media_session_stats(b)->sent, 0);
			ck_assert_uint_eq(hb.failed, 1);
			ck_assert_ptr_nonnull(strstr(hb.why, "fingerprint"));
		}
	} else {
		ck_assert_uint_eq(hb.failed, 0);
		ck_assert_uint_eq(hb.n, media_session_stats(a)->sent * 160);
		/* the tone's power came through (a full-scale 8000 sine:
		 * 3.2e7 per sample; A-law loses little) */
		ck_assert(hb.energy / hb.n > 2.5e7 && hb.energy / hb.n < 3.9e7);
		ck_assert_uint_eq(media_session_stats(b)->received,
		    media_session_stats(a)->sent);
		ck_assert_int_eq(media_session_stats(b)->lost, 0);
		ck_assert_uint_ge(media_session_stats(b)->rtcp_received, 1);
		ck_assert_uint_eq(media_session_stats(b)->auth_failed, 0);
		ck_assert(media_session_stats(b)->srtp == (k != SDP_KEYING_NONE));
	}
	ck_assert(media_session_stats(a)->srtp == (k != SDP_KEYING_NONE));
	/* from elsewhere: dropped, counted */
	media_session_tick(a, now);
	(void)carry(a, b, now, &other, &ha);
	ck_assert_uint_eq(media_session_stats(b)->unexpected, 1);
	media_session_free(a);
	media_session_free(b);
	SSL_CTX_free(ca);
	SSL_CTX_free(cb);
}

/*
 * RFC 4961 latching: b's peer (a) is behind a NAT: its RTP comes from
 * the NAT's address, not its c=.  b moves its sending there on the first
 * valid packet, and then takes nothing from a third address; with SDES,
 * a packet that does not authenticate moves nothing; with ICE (set_peer)
 * nothing moves.
 */
static void
latch(enum sdp_keying k, bool ice, uint8_t bad)
{
	static const uint8_t	ka[30] = { 1, 2, 3 }, kb[30] = { 4, 5, 6 };
	struct rng_xoshiro	xs;
	struct rng		rng = { rng_xoshiro_fill, &xs };
	struct media_session	*a, *b;
	struct sdp_stream	sa, sb;
	struct addr		nat, other;
	struct media_action	act;
	struct heard		hb;
	const char		*why;
	uint8_t			ka2[30];
	uint64_t		now = 1000;
	unsigned		i, to_nat = 0;

	memset(&hb, 0, sizeof hb);
	rng_xoshiro_seed(&xs, 5);
	memcpy(ka2, ka, 30);
	ka2[0] ^= bad;
	addr_parse("203.0.113.9:31000", 0, &nat);	/* a's mapping */
	addr_parse("198.51.100.66:6000", 0, &other);
	sa = stream_to(5000, k, ka2, kb);
	sb = stream_to(4000, k, kb, ka);	/* b sends to 127.0.0.1:4000 */
	ck_assert_int_eq(media_session_new(&a, &sa, NULL, &rng, NULL, now,
	    &why), 0);
	ck_assert_int_eq(media_session_new(&b, &sb, NULL, &rng, NULL, now,
	    &why), 0);
	if (ice)
		media_session_set_peer(b, NULL);
	for (i = 0; i < 10; i++, now += 20) {
		media_session_tick(a, now);
		(void)carry(a, b, now, &nat, &hb);
	}
	media_session_tick(b, now);
	while (media_session_next_action(b, &act)) {
		if (act.type == MEDIA_SEND && !act.rtcp)
			to_nat += addr_eq(&act.to, &nat);
		if (act.type == MEDIA_AUDIO)
			hb.n += act.n;
	}
	if (ice || bad) {
		ck_assert(!media_session_stats(b)->latched);
		ck_assert_uint_eq(to_nat, 0);
		ck_assert_uint_eq(hb.n, 0);
	} else {
		ck_assert(media_session_stats(b)->latched);
		ck_assert_uint_ge(to_nat, 1);
		ck_assert_uint_eq(hb.n, 10 * 160);
		/* then a third address is nobody */
		media_session_tick(a, now + 20);
		(void)carry(a, b, now + 20, &other, &hb);
		ck_assert_uint_ge(media_session_stats(b)->unexpected, 1);
		while (media_session_next_action(b, &act))
			ck_assert_int_ne(act.type, MEDIA_AUDIO);
	}
	media_session_free(a);
	media_session_free(b);
}

START_TEST(latching)
{
	latch(SDP_KEYING_NONE, false, 0);
	latch(SDP_KEYING_SDES, false, 0);
	latch(SDP_KEYING_SDES, false, 0x80);
	latch(SDP_KEYING_NONE, true, 0);
}
END_TEST

START_TEST(session_plain)
{
	media_pair(SDP_KEYING_NONE, 0);
}
END_TEST

START_TEST(session_srtp)
{
	media_pair(SDP_KEYING_SDES, 0);
}
END_TEST

START_TEST(session_srtp_bad_key)
{
	media_pair(SDP_KEYING_SDES, 0x80);
}
END_TEST

START_TEST(session_dtls_srtp)
{
	media_pair(SDP_KEYING_DTLS, 0);
}
END_TEST

START_TEST(session_dtls_wrong_fingerprint)
{
	media_pair(SDP_KEYING_DTLS, 0x01);
}
END_TEST

START_TEST(session_dtmf_and_plain_refused)
{
	static const uint8_t	k[30] = { 9 };
	struct rng_xoshiro	xs;
	struct rng		rng = { rng_xoshiro_fill, &xs };
	struct media_session	*b;
	struct sdp_stream	sb = stream_to(4000, SDP_KEYING_NONE, k, k);
	struct rtp_dtmf		d = { 5, false, 10, 160 };
	struct rtp_hdr		h;
	struct addr		aa;
	struct media_action	a;
	uint8_t			pkt[64], pay[4];
	const char		*why;
	char			digits[8] = "";
	size_t			len;
	unsigned		i;

	rng_xoshiro_seed(&xs, 4);
	addr_parse("127.0.0.1:4000", 0, &aa);
	ck_assert_int_eq(media_session_new(&b, &sb, NULL, &rng, NULL, 0, &why), 0);
	memset(&h, 0, sizeof h);
	h.pt = 101;
	h.ssrc = 77;
	h.ts = 8000;
	for (i = 0; i < 3; i++) {	/* one event, three packets */
		h.seq = (uint16_t)i;
		d.end = i == 2;
		rtp_dtmf_write(pay, &d);
		len = rtp_write(pkt, &h, pay, 4);
		media_session_input(b, 100 + i, false, &aa, pkt, len);
	}
	h.ts = 9000;			/* a second event */
	d.event = 11;
	h.seq = 3;
	rtp_dtmf_write(pay, &d);
	len = rtp_write(pkt, &h, pay, 4);
	media_session_input(b, 200, false, &aa, pkt, len);
	while (media_session_next_action(b, &a))
		if (a.type == MEDIA_DTMF)
			strncat(digits, &a.digit, 1);
	ck_assert_str_eq(digits, "5#");
	media_session_free(b);

	/* with SDES keys, a plain packet fails authentication */
	sb = stream_to(4000, SDP_KEYING_SDES, k, k);
	ck_assert_int_eq(media_session_new(&b, &sb, NULL, &rng, NULL, 0, &why), 0);
	h.pt = 8;
	len = rtp_write(pkt, &h, pay, 4);
	media_session_input(b, 300, false, &aa, pkt, len);
	ck_assert_uint_eq(media_session_stats(b)->auth_failed, 1);
	ck_assert_uint_eq(media_session_stats(b)->received, 0);
	media_session_free(b);
	/* a peer address that is no IP */
	snprintf(sb.addr, sizeof sb.addr, "host.example");
	ck_assert_int_eq(media_session_new(&b, &sb, NULL, &rng, NULL, 0, &why), EINVAL);
}
END_TEST

/* One RTP packet a sent, as sent (plain). */
struct sent_pkt {
	struct rtp_hdr	 h;
	struct rtp_dtmf	 d;		/* h.pt 101 */
};

/*
 * a sends digits (each dur_ms) to b, keyed k, for as long as they take
 * and a while after: what b heard, a's reports, and (plain) a's RTP
 * packets in order, at most max into p (*np).
 */
static void
dtmf_pair(enum sdp_keying k, const char *digits, unsigned dur_ms,
    struct heard *ha, struct heard *hb, struct sent_pkt *p, size_t max,
    size_t *np)
{
	static const uint8_t	ka[30] = { 1, 2, 3 }, kb[30] = { 4, 5, 6 };
	struct rng_xoshiro	xs;
	struct rng		rng = { rng_xoshiro_fill, &xs };
	struct media_session	*a, *b;
	struct sdp_stream	sa, sb;
	struct media_action	act;
	struct addr		aa, ab;
	const char		*why;
	uint64_t		now = 1000;
	unsigned		i;

	memset(ha, 0, sizeof *ha);
	memset(hb, 0, sizeof *hb);
	*np = 0;
	rng_xoshiro_seed(&xs, 5);
	addr_parse("127.0.0.1:4000", 0, &aa);
	addr_parse("127.0.0.1:5000", 0, &ab);
	sa = stream_to(5000, k, ka, kb);
	sb = stream_to(4000, k, kb, ka);
	ck_assert_int_eq(media_session_new(&a, &sa, NULL, &rng, NULL, now, &why), 0);
	ck_assert_int_eq(media_session_new(&b, &sb, NULL, &rng, NULL, now, &why), 0);
	/* a second of audio first */
	for (i = 0; i < 50; i++, now += 20) {
		media_session_tick(a, now);
		media_session_tick(b, now);
		(void)carry(a, b, now, &aa, ha);
		(void)carry(b, a, now, &ab, hb);
	}
	ck_assert_int_eq(media_session_dtmf(a, digits, dur_ms, &why), 0);
	ck_assert_uint_eq(media_session_dtmf_pending(a), strlen(digits));
	for (i = 0; i < 50 * 20; i++, now += 20) {
		media_session_tick(a, now);
		media_session_tick(b, now);
		while (media_session_next_action(a, &act)) {
			if (act.type == MEDIA_SEND && !act.rtcp &&
			    k == SDP_KEYING_NONE && *np < max) {
				ck_assert_int_eq(rtp_parse(&p[*np].h, act.data,
				    act.len), 0);
				if (p[*np].h.pt == 101)
					ck_assert_int_eq(rtp_dtmf_parse(
					    &p[*np].d, p[*np].h.payload,
					    p[*np].h.len), 0);
				(*np)++;
			}
			if (act.type == MEDIA_SEND)
				media_session_input(b, now, act.rtcp, &aa, act.data,
				    act.len);
			else if (act.type == MEDIA_DTMF_SENT)
				strncat(ha->sent, &act.digit, 1);
		}
		(void)carry(b, a, now, &ab, hb);
	}
	ck_assert_uint_eq(media_session_dtmf_pending(a), 0);
	ck_assert_uint_eq(media_session_stats(b)->auth_failed, 0);
	ck_assert_int_eq(media_session_stats(b)->lost, 0);
	media_session_free(a);
	media_session_free(b);
}

/* §2.5.1: each event's packets carry its start as timestamp (the audio
 * clock's at the time), the first marked, the duration growing a ptime
 * a packet up to the tone's, the last three with the end bit; every
 * packet has the next sequence number; audio between events. */
START_TEST(session_dtmf_send)
{
	static struct sent_pkt	 p[2000];
	struct heard		 ha, hb;
	size_t			 n, i;
	unsigned		 events = 0, k = 0, ends = 0, audio_since = 99;
	uint32_t		 start = 0;
	const char		*digits = "159#*0AD";

	dtmf_pair(SDP_KEYING_NONE, digits, 100, &ha, &hb, p, 2000, &n);
	ck_assert_str_eq(hb.digits, digits);
	ck_assert_str_eq(ha.sent, digits);
	ck_assert_uint_ge(n, 8 * (5 + 2 + 5));
	for (i = 0; i < n; i++) {
		if (i > 0)
			ck_assert_uint_eq(p[i].h.seq,
			    (uint16_t)(p[i - 1].h.seq + 1));
		if (p[i].h.pt == 8) {
			/* the audio clock ran on under the events */
			ck_assert_uint_eq(p[i].h.ts, p[0].h.ts + 160 * i);
			ck_assert(!p[i].h.marker);
			if (ends > 0)
				ck_assert_uint_eq(ends, 3);
			ends = 0;
			audio_since++;
			continue;
		}
		ck_assert_uint_eq(p[i].h.pt, 101);
		ck_assert_uint_eq(p[i].d.volume, 10);
		if (p[i].h.marker) {		/* a new event */
			ck_assert_uint_ge(audio_since, 5);	/* 100 ms */
			ck_assert_int_eq(p[i].d.event,
			    rtp_dtmf_event(digits[events]));
			start = p[i].h.ts;
			ck_assert_uint_eq(start, p[0].h.ts + 160 * i);
			events++;
			k = 0;
			audio_since = 0;
		}
		ck_assert_uint_eq(p[i].h.ts, start);
		ck_assert_int_eq(p[i].d.event, rtp_dtmf_event(digits[events -
		    1]));
		k++;
		if (k <= 5) {
			ck_assert_uint_eq(p[i].d.duration, 160 * k);
			ck_assert(p[i].d.end == (k == 5));
		} else {
			ck_assert_uint_eq(p[i].d.duration, 800);
			ck_assert(p[i].d.end);
			ck_assert(!p[i].h.marker);
		}
		if (p[i].d.end)
			ends++;
		ck_assert_uint_le(ends, 3);
	}
	ck_assert_uint_eq(events, 8);

	/* 45 ms: the first packet 160, the end one 360 */
	dtmf_pair(SDP_KEYING_NONE, "7", 45, &ha, &hb, p, 2000, &n);
	ck_assert_str_eq(hb.digits, "7");
	for (i = 0; i < n && p[i].h.pt != 101; i++)
		;
	ck_assert_uint_lt(i + 4, n);
	ck_assert(p[i].h.marker && !p[i].d.end && p[i].d.duration == 160);
	ck_assert(!p[i + 1].d.end && p[i + 1].d.duration == 320);
	ck_assert(p[i + 2].d.end && p[i + 2].d.duration == 360);
	ck_assert(p[i + 4].d.end && p[i + 4].d.duration == 360);
	ck_assert_uint_eq(p[i + 5].h.pt, 8);
}
END_TEST

/* With SRTP the events are protected like the audio, and heard. */
START_TEST(session_dtmf_srtp)
{
	struct sent_pkt	 p[1];
	struct heard	 ha, hb;
	size_t		 n;

	dtmf_pair(SDP_KEYING_SDES, "0123456789*#ABCD", 60, &ha, &hb, p, 1,
	    &n);
	ck_assert_str_eq(hb.digits, "0123456789*#ABCD");
	ck_assert_str_eq(ha.sent, "0123456789*#ABCD");
	/* the same digit twice is two events */
	dtmf_pair(SDP_KEYING_SDES, "55", 100, &ha, &hb, p, 1, &n);
	ck_assert_str_eq(hb.digits, "55");
}
END_TEST

/* What cannot be sent is refused whole, before anything is queued. */
START_TEST(session_dtmf_refused)
{
	static const uint8_t	k[30] = { 9 };
	struct rng_xoshiro	xs;
	struct rng		rng = { rng_xoshiro_fill, &xs };
	struct media_session	*a;
	struct sdp_stream	st = stream_to(4000, SDP_KEYING_NONE, k, k);
	const char		*why;
	char			many[MEDIA_DTMF_QUEUE + 1];

	rng_xoshiro_seed(&xs, 6);
	st.te_events = 0x0fff;		/* 0-11: no A-D */
	ck_assert_int_eq(media_session_new(&a, &st, NULL, &rng, NULL, 0, &why), 0);
	ck_assert_int_eq(media_session_dtmf(a, "12x", 100, &why), EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "not a DTMF digit"));
	ck_assert_int_eq(media_session_dtmf(a, "", 100, &why), EINVAL);
	ck_assert_int_eq(media_session_dtmf(a, "1", 39, &why), EINVAL);
	ck_assert_int_eq(media_session_dtmf(a, "1", 8001, &why), EINVAL);
	ck_assert_int_eq(media_session_dtmf(a, "1A", 100, &why), ENOTSUP);
	ck_assert_uint_eq(media_session_dtmf_pending(a), 0);
	memset(many, '1', MEDIA_DTMF_QUEUE);
	many[MEDIA_DTMF_QUEUE] = '\0';
	ck_assert_int_eq(media_session_dtmf(a, many, 40, &why), 0);
	ck_assert_int_eq(media_session_dtmf(a, "2", 40, &why), ENOSPC);
	ck_assert_uint_eq(media_session_dtmf_pending(a), MEDIA_DTMF_QUEUE);
	/* on hold: what was queued goes, and nothing more is taken */
	st.dir = SDP_RECVONLY;
	ck_assert_int_eq(media_session_update(a, &st, 0, &why), 0);
	ck_assert_uint_eq(media_session_dtmf_pending(a), 0);
	ck_assert_int_eq(media_session_dtmf(a, "1", 100, &why), EPERM);
	/* a peer that takes no telephone-event */
	st.dir = SDP_SENDRECV;
	st.te_pt = -1;
	ck_assert_int_eq(media_session_update(a, &st, 0, &why), 0);
	ck_assert_int_eq(media_session_dtmf(a, "1", 100, &why), ENOTSUP);
	ck_assert_str_eq(why, "the peer takes no telephone-events");
	media_session_free(a);
}
END_TEST

/* Two ends of DTLS associations for an application's messages, each's
 * datagrams queued for the other. */
struct app_end {
	struct media_dtls	*d;
	uint8_t			 q[16][MEDIA_DTLS_APP_MTU];
	size_t			 qlen[16];
	unsigned		 nq;
	char			 got[4][MEDIA_DTLS_APP_MAX + 1];
	unsigned		 ngot;
};

static void
app_out(void *arg, const uint8_t *p, size_t n)
{
	struct app_end	*e = arg;

	ck_assert_uint_lt(e->nq, 16);
	ck_assert_uint_le(n, MEDIA_DTLS_APP_MTU);
	memcpy(e->q[e->nq], p, n);
	e->qlen[e->nq++] = n;
}

static void
app_in(void *arg, const uint8_t *p, size_t n)
{
	struct app_end	*e = arg;

	ck_assert_uint_lt(e->ngot, 4);
	memcpy(e->got[e->ngot], p, n);
	e->got[e->ngot++][n] = '\0';
}

/* Hand each end's queued datagrams to the other until none are left. */
static void
app_pump(struct app_end *a, struct app_end *b, uint64_t now)
{
	struct app_end	*from, *to;
	unsigned	 i, n, rounds;

	for (rounds = 0; rounds < 20 && (a->nq > 0 || b->nq > 0); rounds++)
		for (i = 0; i < 2; i++) {
			from = i == 0 ? a : b;
			to = i == 0 ? b : a;
			n = from->nq;
			from->nq = 0;
			for (unsigned j = 0; j < n; j++)
				media_dtls_input(to->d, now, from->q[j],
				    from->qlen[j]);
		}
}

/* DTLS for SIP's direct flows (ICE for SIP): the handshake with the
 * fingerprints each side was given, messages both ways, one record
 * each; too big, or before the handshake: refused; a wrong
 * fingerprint: failed. */
START_TEST(dtls_app_messages)
{
	static struct app_end	 a, b;
	static char		 big[MEDIA_DTLS_APP_MAX + 1];
	uint8_t			 fa[32], fb[32], wrong[32];
	SSL_CTX			*ca = test_dtls_ctx_of(fa, true);
	SSL_CTX			*cb = test_dtls_ctx_of(fb, true);
	const char		*inv = "INVITE sip:a@b SIP/2.0\r\n\r\n";

	ck_assert_ptr_nonnull(ca);
	ck_assert_ptr_nonnull(cb);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	b.d = media_dtls_new_app(cb, false, fa, 0, app_out, app_in, &b);
	ck_assert_int_eq(media_dtls_write(b.d, inv, strlen(inv)), ENOTCONN);
	a.d = media_dtls_new_app(ca, true, fb, 0, app_out, app_in, &a);
	app_pump(&a, &b, 1);
	ck_assert_int_eq(media_dtls_state(a.d), MEDIA_DTLS_KEYED);
	ck_assert_int_eq(media_dtls_state(b.d), MEDIA_DTLS_KEYED);
	ck_assert_int_eq(media_dtls_write(a.d, inv, strlen(inv)), 0);
	ck_assert_uint_eq(a.nq, 1);		/* one record, one datagram */
	memset(big, 'x', MEDIA_DTLS_APP_MAX);
	ck_assert_int_eq(media_dtls_write(b.d, big, MEDIA_DTLS_APP_MAX), 0);
	ck_assert_int_eq(media_dtls_write(b.d, big, MEDIA_DTLS_APP_MAX + 1),
	    EMSGSIZE);
	app_pump(&a, &b, 2);
	ck_assert_uint_eq(b.ngot, 1);
	ck_assert_str_eq(b.got[0], inv);
	ck_assert_uint_eq(a.ngot, 1);
	ck_assert_uint_eq(strlen(a.got[0]), MEDIA_DTLS_APP_MAX);
	media_dtls_free(a.d);
	media_dtls_free(b.d);
	/* the server expects another certificate: it fails, and takes no
	 * message */
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(wrong, 7, sizeof wrong);
	b.d = media_dtls_new_app(cb, false, wrong, 0, app_out, app_in, &b);
	a.d = media_dtls_new_app(ca, true, fb, 0, app_out, app_in, &a);
	app_pump(&a, &b, 1);
	ck_assert_int_eq(media_dtls_state(b.d), MEDIA_DTLS_FAILED);
	ck_assert_int_eq(media_dtls_write(b.d, inv, strlen(inv)), ENOTCONN);
	media_dtls_free(a.d);
	media_dtls_free(b.d);
	SSL_CTX_free(ca);
	SSL_CTX_free(cb);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("media");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, g711_values);
	tcase_add_test(tc, wav_read_and_convert);
	tcase_add_test(tc, wav_refusals);
	tcase_add_test(tc, rtp_packets);
	tcase_add_test(tc, rtp_loss_and_jitter);
	tcase_add_test(tc, rtcp_packets);
	tcase_add_test(tc, dtmf_events);
	tcase_add_test(tc, session_plain);
	tcase_add_test(tc, latching);
	tcase_add_test(tc, session_srtp);
	tcase_add_test(tc, session_srtp_bad_key);
	tcase_add_test(tc, session_dtls_srtp);
	tcase_add_test(tc, dtls_app_messages);
	tcase_add_test(tc, session_dtls_wrong_fingerprint);
	tcase_add_test(tc, session_dtmf_and_plain_refused);
	tcase_add_test(tc, session_dtmf_send);
	tcase_add_test(tc, session_dtmf_srtp);
	tcase_add_test(tc, session_dtmf_refused);
	suite_add_tcase(s, tc);
	return s;
}
