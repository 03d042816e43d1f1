/*
 * rtp.c - RTP/RTCP packets and receiver statistics (RFC 3550),
 * telephone-events (RFC 4733).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtp.h"
#include "wire.h"

#define RTP_VERSION	2
#define RTP_SEQ_MOD	(1u << 16)
#define MAX_DROPOUT	3000	/* A.1 */
#define MAX_MISORDER	100
#define MIN_SEQUENTIAL	2

#define RTCP_SR		200
#define RTCP_RR		201
#define RTCP_SDES	202
#define RTCP_BYE	203

int
rtp_parse(struct rtp_hdr *h, const uint8_t *p, size_t len)
{
	size_t	off = RTP_HDR_LEN, pad = 0;

	if (len < RTP_HDR_LEN || p[0] >> 6 != RTP_VERSION)
		return EBADMSG;
	off += (size_t)(p[0] & 0x0f) * 4;		/* CSRCs */
	if (p[0] & 0x10) {				/* extension */
		if (len < off + 4)
			return EBADMSG;
		off += 4 + (size_t)wire_be16(p + off + 2) * 4;
	}
	if (p[0] & 0x20) {				/* padding */
		pad = p[len - 1];
		if (pad == 0)
			return EBADMSG;
	}
	if (len < off + pad)
		return EBADMSG;
	h->marker = (p[1] & 0x80) != 0;
	h->pt = p[1] & 0x7f;
	h->seq = wire_be16(p + 2);
	h->ts = wire_be32(p + 4);
	h->ssrc = wire_be32(p + 8);
	h->payload = p + off;
	h->len = len - off - pad;
	return 0;
}

size_t
rtp_write(uint8_t *out, const struct rtp_hdr *h, const void *payload,
    size_t len)
{
	out[0] = RTP_VERSION << 6;
	out[1] = (uint8_t)((h->marker ? 0x80 : 0) | (h->pt & 0x7f));
	out[2] = (uint8_t)(h->seq >> 8);
	out[3] = (uint8_t)h->seq;
	out[4] = (uint8_t)(h->ts >> 24);
	out[5] = (uint8_t)(h->ts >> 16);
	out[6] = (uint8_t)(h->ts >> 8);
	out[7] = (uint8_t)h->ts;
	out[8] = (uint8_t)(h->ssrc >> 24);
	out[9] = (uint8_t)(h->ssrc >> 16);
	out[10] = (uint8_t)(h->ssrc >> 8);
	out[11] = (uint8_t)h->ssrc;
	if (len > 0)
		memcpy(out + RTP_HDR_LEN, payload, len);
	return RTP_HDR_LEN + len;
}

bool
rtp_is_rtcp(const uint8_t *p, size_t len)
{
	return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

/* A.1 init_seq */
static void
rtp_source_seq(struct rtp_source *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTP_SEQ_MOD + 1;
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
}

void
rtp_source_init(struct rtp_source *s, const struct rtp_hdr *h)
{
	memset(s, 0, sizeof *s);
	s->ssrc = h->ssrc;
	rtp_source_seq(s, h->seq);
	s->max_seq = (uint16_t)(h->seq - 1);
	s->probation = MIN_SEQUENTIAL;
}

/* A.1 update_seq */
static bool
rtp_source_seq_ok(struct rtp_source *s, uint16_t seq)
{
	uint16_t	udelta = (uint16_t)(seq - s->max_seq);

	if (s->probation > 0) {
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				rtp_source_seq(s, seq);
				s->received++;
				s->probation_done = true;
				return true;
			}
		} else {
			s->probation = MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return false;
	}
	if (udelta < MAX_DROPOUT) {
		if (seq < s->max_seq)
			s->cycles += RTP_SEQ_MOD;	/* wrapped */
		s->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		if (seq != s->bad_seq) {
			/* a jump: believed on the next packet after it */
			s->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
			return false;
		}
		rtp_source_seq(s, seq);		/* the source restarted */
	}
	/* else a duplicate or a packet out of order: counted */
	s->received++;
	return true;
}

bool
rtp_source_update(struct rtp_source *s, const struct rtp_hdr *h,
    uint32_t arrival)
{
	int64_t	transit, d;

	if (!rtp_source_seq_ok(s, h->seq))
		return false;
	/* A.8: interarrival jitter */
	transit = (int32_t)(arrival - h->ts);
	if (s->have_transit) {
		d = transit - s->transit;
		if (d < 0)
			d = -d;
		s->jitter += ((double)d - s->jitter) / 16.0;
	}
	s->transit = transit;
	s->have_transit = true;
	return true;
}

uint32_t
rtp_source_expected(const struct rtp_source *s)
{
	if (!s->probation_done)
		return 0;
	return s->cycles + s->max_seq - s->base_seq + 1;
}

int32_t
rtp_source_lost(const struct rtp_source *s)
{
	int64_t	lost = (int64_t)rtp_source_expected(s) - s->received;

	/* A.3: clamped to 24 bits, signed */
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	return (int32_t)lost;
}

static void
rtcp_hdr(struct wbuf *w, unsigned count, unsigned pt, unsigned words)
{
	wbuf_u8(w, (uint8_t)(RTP_VERSION << 6 | count));
	wbuf_u8(w, (uint8_t)pt);
	wbuf_u16(w, (uint16_t)words);
}

size_t
rtp_rtcp_write(uint8_t *out, const struct rtcp_report *r, const char *cname,
    bool bye)
{
	struct wbuf	 w;
	uint8_t		*p;
	size_t		 n, clen = strlen(cname), words;

	if (clen > 255)
		clen = 255;
	wbuf_init(&w, RTP_MAX_PKT);
	/* §6.4.1 SR or §6.4.2 RR, with at most one report block */
	rtcp_hdr(&w, r->have_block ? 1 : 0, r->sender ? RTCP_SR : RTCP_RR,
	    1 + (r->sender ? 5 : 0) + (r->have_block ? 6 : 0));
	wbuf_u32(&w, r->ssrc);
	if (r->sender) {
		wbuf_u64(&w, r->ntp);
		wbuf_u32(&w, r->rtp_ts);
		wbuf_u32(&w, r->packets_sent);
		wbuf_u32(&w, r->octets_sent);
	}
	if (r->have_block) {
		wbuf_u32(&w, r->src_ssrc);
		wbuf_u32(&w, (uint32_t)r->fraction_lost << 24 |
		    ((uint32_t)r->cum_lost & 0xffffff));
		wbuf_u32(&w, r->ext_max_seq);
		wbuf_u32(&w, r->jitter);
		wbuf_u32(&w, r->lsr);
		wbuf_u32(&w, r->dlsr);
	}
	/* §6.5: SDES with one chunk: CNAME, then END and padding to a
	 * 32-bit boundary */
	words = (4 + 2 + clen + 1 + 3) / 4;
	rtcp_hdr(&w, 1, RTCP_SDES, words);
	wbuf_u32(&w, r->ssrc);
	wbuf_u8(&w, 1);
	wbuf_u8(&w, (uint8_t)clen);
	wbuf_bytes(&w, cname, clen);
	for (n = 4 + 2 + clen; n < words * 4; n++)
		wbuf_u8(&w, 0);
	if (bye) {				/* §6.6 */
		rtcp_hdr(&w, 1, RTCP_BYE, 1);
		wbuf_u32(&w, r->ssrc);
	}
	p = wbuf_take(&w, &n);
	memcpy(out, p, n);
	free(p);
	return n;
}

int
rtp_rtcp_parse(struct rtcp_info *ri, const uint8_t *p, size_t len,
    uint32_t our_ssrc)
{
	size_t	off = 0;
	bool	first = true;

	memset(ri, 0, sizeof *ri);
	while (off < len) {
		const uint8_t	*q = p + off;
		size_t		 plen, body;
		unsigned	 count, pt, i;

		if (len - off < 4 || q[0] >> 6 != RTP_VERSION)
			return EBADMSG;
		plen = ((size_t)wire_be16(q + 2) + 1) * 4;
		if (plen > len - off)
			return EBADMSG;
		count = q[0] & 0x1f;
		pt = q[1];
		body = plen - 4;
		if (first && pt != RTCP_SR && pt != RTCP_RR)
			return EBADMSG;		/* §6.1 */
		if (pt == RTCP_SR || pt == RTCP_RR) {
			size_t	 info = pt == RTCP_SR ? 20 : 0;
			const uint8_t *b;
			uint32_t lost;

			if (body < 4 + info + (size_t)count * 24)
				return EBADMSG;
			if (first)
				ri->ssrc = wire_be32(q + 4);
			if (pt == RTCP_SR && first) {
				ri->sr = true;
				ri->ntp = (uint64_t)wire_be32(q + 8) << 32 |
				    wire_be32(q + 12);
			}
			for (i = 0; i < count; i++) {
				b = q + 8 + info + (size_t)i * 24;
				if (wire_be32(b) != our_ssrc)
					continue;
				ri->have_block = true;
				ri->fraction_lost = b[4];
				lost = wire_be32(b + 4) & 0xffffff;
				/* 24 bits, two's complement */
				ri->cum_lost = lost & 0x800000 ?
				    (int32_t)lost - 0x1000000 : (int32_t)lost;
				ri->jitter = wire_be32(b + 12);
			}
		} else if (pt == RTCP_BYE)
			ri->bye = true;
		first = false;
		off += plen;
	}
	return first ? EBADMSG : 0;
}

int
rtp_dtmf_parse(struct rtp_dtmf *d, const uint8_t *p, size_t len)
{
	if (len < 4)
		return EBADMSG;
	d->event = p[0];
	d->end = (p[1] & 0x80) != 0;
	d->volume = p[1] & 0x3f;
	d->duration = wire_be16(p + 2);
	return 0;
}

void
rtp_dtmf_write(uint8_t out[4], const struct rtp_dtmf *d)
{
	out[0] = d->event;
	out[1] = (uint8_t)((d->end ? 0x80 : 0) | (d->volume & 0x3f));
	out[2] = (uint8_t)(d->duration >> 8);
	out[3] = (uint8_t)d->duration;
}

static const char DTMF_CHARS[] = "0123456789*#ABCD";

int
rtp_dtmf_event(char c)
{
	const char *x;

	if (c >= 'a' && c <= 'd')
		c = (char)(c - 'a' + 'A');
	if (c == '\0' || (x = strchr(DTMF_CHARS, c)) == NULL)
		return -1;
	return (int)(x - DTMF_CHARS);
}

char
rtp_dtmf_char(uint8_t event)
{
	return event < 16 ? DTMF_CHARS[event] : '\0';
}
