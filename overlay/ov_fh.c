/*
 * ov_fh.c - framing header, acks and the RFC 6298 RTO estimator.
 *
 *   FramedMessage  type(1) = data(128): sequence(4) message<0..2^24-1>
 *                  type(1) = ack(129):  ack_sequence(4) received(4)
 *
 * Sequence numbers start at 0 and grow by one per frame (§6.6.2).  The
 * "received" bitmask of an ack for N has bit (N - M) set for each of the
 * previous 32 frames M received; bit 0 would be N itself and stays 0 in
 * this encoding, so bit i (1..31) stands for N - i.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ov_fh.h"
#include "wire.h"
#include "xmalloc.h"

void
ov_fh_init(struct ov_fh *fh)
{
	memset(fh, 0, sizeof *fh);
	fh->rto_ms = OV_FH_RTO_MIN_MS;		/* RFC 6298 §2.1: 1 s */
}

void
ov_fh_clear(struct ov_fh *fh)
{
	free(fh->in);
	ov_fh_init(fh);
}

void
ov_fh_data(struct ov_fh *fh, uint64_t now, struct wbuf *w,
    const uint8_t *msg, size_t len)
{
	uint32_t	seq = fh->tx_seq++;

	wbuf_u8(w, OV_FH_DATA);
	wbuf_u32(w, seq);
	wbuf_u24(w, (uint32_t)len);
	wbuf_bytes(w, msg, len);
	fh->sent[seq % OV_FH_TRACK].seq = seq;
	fh->sent[seq % OV_FH_TRACK].at = now != 0 ? now : 1;
	if (fh->unacked_since == 0)
		fh->unacked_since = now != 0 ? now : 1;
}

void
ov_fh_input(struct ov_fh *fh, const uint8_t *p, size_t n)
{
	size_t	cap;

	if (n == 0)
		return;		/* and fh->in may be NULL: no arithmetic on it */
	if (fh->in_off > 0 && fh->in_off == fh->in_len)
		fh->in_off = fh->in_len = 0;
	if (fh->in_len + n > fh->in_cap) {
		if (fh->in_off > 0) {
			memmove(fh->in, fh->in + fh->in_off,
			    fh->in_len - fh->in_off);
			fh->in_len -= fh->in_off;
			fh->in_off = 0;
		}
		cap = fh->in_cap != 0 ? fh->in_cap : 4096;
		while (cap < fh->in_len + n)
			cap *= 2;
		if (cap != fh->in_cap) {
			fh->in = xrealloc(fh->in, cap);
			fh->in_cap = cap;
		}
	}
	memcpy(fh->in + fh->in_len, p, n);
	fh->in_len += n;
}

/* RFC 6298 §2.2-2.3 with R in ms; state kept in 1/8 ms. */
static void
ov_fh_rtt_sample(struct ov_fh *fh, uint64_t r_ms)
{
	uint32_t	r8 = (uint32_t)(r_ms > 600000 ? 600000 : r_ms) * 8;
	uint32_t	diff, rto;

	if (!fh->have_rtt) {
		fh->srtt8 = r8;
		fh->rttvar8 = r8 / 2;
		fh->have_rtt = true;
	} else {
		diff = fh->srtt8 > r8 ? fh->srtt8 - r8 : r8 - fh->srtt8;
		fh->rttvar8 = fh->rttvar8 - fh->rttvar8 / 4 + diff / 4;
		fh->srtt8 = fh->srtt8 - fh->srtt8 / 8 + r8 / 8;
	}
	/* RTO = SRTT + max(G, 4 * RTTVAR), G = 1 ms */
	rto = (fh->srtt8 + (fh->rttvar8 * 4 > 8 ? fh->rttvar8 * 4 : 8)) / 8;
	if (rto < OV_FH_RTO_MIN_MS)
		rto = OV_FH_RTO_MIN_MS;
	if (rto > OV_FH_RTO_MAX_MS)
		rto = OV_FH_RTO_MAX_MS;
	fh->rto_ms = rto;
}

static void
ov_fh_got_ack(struct ov_fh *fh, uint64_t now, uint32_t seq)
{
	unsigned	slot = seq % OV_FH_TRACK;
	uint32_t	next;

	if ((int32_t)(seq - fh->tx_seq) >= 0)
		return;			/* acks a frame never sent: ignore */
	if (fh->sent[slot].seq == seq && fh->sent[slot].at != 0) {
		ov_fh_rtt_sample(fh, now - fh->sent[slot].at);
		fh->sent[slot].at = 0;
	}
	if (fh->any_acked && (int32_t)(seq - fh->acked) <= 0)
		return;
	fh->acked = seq;
	fh->any_acked = true;
	/* TCP delivers in order: everything up to seq has arrived. */
	next = seq + 1;
	if (next == fh->tx_seq)
		fh->unacked_since = 0;
	else if (fh->sent[next % OV_FH_TRACK].seq == next &&
	    fh->sent[next % OV_FH_TRACK].at != 0)
		fh->unacked_since = fh->sent[next % OV_FH_TRACK].at;
	else
		/* more than OV_FH_TRACK in flight: next's send time is no
		 * longer known, but the link answers now (before, the old
		 * time stayed and a busy link looked dead) */
		fh->unacked_since = now != 0 ? now : 1;
}

static void
ov_fh_got_data(struct ov_fh *fh, uint32_t seq)
{
	uint32_t	d;

	if (!fh->rx_any) {
		fh->rx_any = true;
		fh->rx_high = seq;
		fh->rx_bits = 1;
		return;
	}
	d = seq - fh->rx_high;
	if ((int32_t)d > 0) {
		fh->rx_bits = d >= 64 ? 0 : fh->rx_bits << d;
		fh->rx_bits |= 1;
		fh->rx_high = seq;
	} else if (fh->rx_high - seq < 64)
		fh->rx_bits |= (uint64_t)1 << (fh->rx_high - seq);
}

size_t
ov_fh_frame_len(const uint8_t *p, size_t avail)
{
	size_t	len;

	if (avail >= OV_FH_ACK_LEN && p[0] == OV_FH_ACK)
		return OV_FH_ACK_LEN;
	if (avail < OV_FH_DATA_HDR || p[0] != OV_FH_DATA)
		return 0;
	len = OV_FH_DATA_HDR + ((size_t)p[5] << 16 | (size_t)p[6] << 8 | p[7]);
	return len <= avail ? len : 0;
}

static uint32_t
ov_fh_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
ov_fh_next(struct ov_fh *fh, uint64_t now, size_t max, struct ov_fh_frame *f)
{
	const uint8_t	*p;
	size_t		 avail, len;

	avail = fh->in_len - fh->in_off;
	if (avail < 1) {
		/* Drained: give the buffer back (many idle links). */
		free(fh->in);
		fh->in = NULL;
		fh->in_len = fh->in_off = fh->in_cap = 0;
		return ENODATA;
	}
	p = fh->in + fh->in_off;
	memset(f, 0, sizeof *f);
	f->raw = p;
	f->type = p[0];
	if (p[0] == OV_FH_ACK) {
		if (avail < OV_FH_ACK_LEN)
			return ENODATA;
		f->seq = ov_fh_u32(p + 1);
		f->raw_len = OV_FH_ACK_LEN;
		ov_fh_got_ack(fh, now, f->seq);
		fh->in_off += OV_FH_ACK_LEN;
		return 0;
	}
	if (p[0] != OV_FH_DATA)
		return EBADMSG;
	if (avail < OV_FH_DATA_HDR)
		return ENODATA;
	len = (size_t)p[5] << 16 | (size_t)p[6] << 8 | p[7];
	if (len > max)
		return EMSGSIZE;
	if (avail < OV_FH_DATA_HDR + len)
		return ENODATA;
	f->seq = ov_fh_u32(p + 1);
	f->msg = p + OV_FH_DATA_HDR;
	f->len = len;
	f->raw_len = OV_FH_DATA_HDR + len;
	fh->in_off += OV_FH_DATA_HDR + len;
	ov_fh_got_data(fh, f->seq);
	return 0;
}

void
ov_fh_ack(struct ov_fh *fh, struct wbuf *w, uint32_t seq)
{
	uint32_t	mask = 0, i, d;

	/*
	 * §6.6.4.1: "the N-M bit" is set for each frame M received of the
	 * previous 32.  Bits count from 1 at the least significant end, so
	 * all 32 cover N-1 .. N-32; Wireshark's dissector reads them so.
	 */
	for (i = 1; i <= 32; i++) {
		d = fh->rx_high - (seq - i);
		if (d < 64 && (fh->rx_bits >> d & 1))
			mask |= (uint32_t)1 << (i - 1);
	}
	wbuf_u8(w, OV_FH_ACK);
	wbuf_u32(w, seq);
	wbuf_u32(w, mask);
}

bool
ov_fh_acked(const struct ov_fh *fh, uint32_t seq)
{
	return fh->any_acked && (int32_t)(seq - fh->acked) <= 0;
}

bool
ov_fh_suspect(const struct ov_fh *fh, uint64_t now)
{
	return fh->unacked_since != 0 && now - fh->unacked_since > fh->rto_ms;
}

/* How long a frame may wait for its ack before the link is dead. */
static uint64_t
ov_fh_dead_after(const struct ov_fh *fh, uint64_t timeout_ms)
{
	uint64_t	rtos = (uint64_t)OV_FH_DEAD_RTOS * fh->rto_ms;

	return rtos < timeout_ms ? rtos : timeout_ms;
}

bool
ov_fh_dead(const struct ov_fh *fh, uint64_t now, uint64_t timeout_ms)
{
	return fh->unacked_since != 0 &&
	    now - fh->unacked_since > ov_fh_dead_after(fh, timeout_ms);
}

uint64_t
ov_fh_dead_deadline(const struct ov_fh *fh, uint64_t timeout_ms)
{
	return fh->unacked_since != 0 ? fh->unacked_since +
	    ov_fh_dead_after(fh, timeout_ms) + 1 : UINT64_MAX;
}

uint32_t
ov_fh_srtt_ms(const struct ov_fh *fh)
{
	return fh->have_rtt ? (fh->srtt8 + 4) / 8 : 0;
}

uint32_t
ov_fh_rto_ms(const struct ov_fh *fh)
{
	return fh->rto_ms;
}

uint64_t
ov_fh_deadline(const struct ov_fh *fh)
{
	return fh->unacked_since != 0 ? fh->unacked_since + fh->rto_ms + 1 :
	    UINT64_MAX;
}
