/*
 * ov_fh.h - the framing header on a TLS/TCP link (RFC 6940 §6.6.2,
 * §6.6.5).
 *
 * Every RELOAD message on a link travels in a data frame with a sequence
 * number; the receiver answers each with an ack frame.  From the acks the
 * sender measures the RTT and keeps an RTO as in RFC 6298 §2; an
 * unacknowledged frame older than the RTO makes the link suspect (it
 * leaves the routing table until acks resume), and one older than
 * OV_FH_DEAD_RTOS RTOs (or the link timeout, if sooner) makes it dead:
 * "the failure of some request" by which RFC 6940 §10.7.1 has a neighbor
 * found lost.  Five RTOs is longer than TCP's own first three
 * retransmissions take (1 + 2 + 4 RTOs, RFC 6298 §5.5), so a live link
 * with a lost segment is not taken for dead; a host that has gone is
 * found in seconds, not at the link timeout, and its range passes to its
 * successor while lookups can still be retried.  Frames are cut out of the
 * TCP byte stream here too.  No I/O.
 */
#ifndef OV_FH_H
#define OV_FH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wbuf;

#define OV_FH_DATA		128
#define OV_FH_ACK		129
#define OV_FH_DATA_HDR		8	/* type(1) sequence(4) length(3) */
#define OV_FH_ACK_LEN		9	/* type(1) ack_sequence(4) received(4) */
#define OV_FH_TRACK		32	/* sent frames remembered for RTT */
#define OV_FH_RTO_MIN_MS	1000	/* RFC 6298 §2.4 */
#define OV_FH_RTO_MAX_MS	60000	/* RFC 6298 §2.5 */
#define OV_FH_DEAD_RTOS		5	/* unacked this many RTOs: dead */

struct ov_fh {
	uint32_t	 tx_seq;	/* next sequence number to send */
	uint32_t	 acked;		/* highest sequence acknowledged */
	bool		 any_acked;
	uint64_t	 unacked_since;	/* oldest unacknowledged send, or 0 */
	struct {
		uint32_t	seq;
		uint64_t	at;
	}		 sent[OV_FH_TRACK];
	/* received sequence numbers, for the ack bitmask */
	uint32_t	 rx_high;
	uint64_t	 rx_bits;	/* bit i: rx_high - i was received */
	bool		 rx_any;
	/* RFC 6298 estimator, in 1/8 ms */
	uint32_t	 srtt8;
	uint32_t	 rttvar8;
	uint32_t	 rto_ms;
	bool		 have_rtt;
	/* the incoming byte stream, until frames are whole */
	uint8_t		*in;
	size_t		 in_len, in_off, in_cap;
};

void	ov_fh_init(struct ov_fh *);
void	ov_fh_clear(struct ov_fh *);

/* Append a data frame carrying msg; its send time is remembered. */
void	ov_fh_data(struct ov_fh *, uint64_t now, struct wbuf *,
	    const uint8_t *msg, size_t len);

/* Feed bytes from the stream. */
void	ov_fh_input(struct ov_fh *, const uint8_t *, size_t);

struct ov_fh_frame {
	uint8_t		 type;		/* OV_FH_DATA or OV_FH_ACK */
	uint32_t	 seq;		/* sequence, or ack_sequence */
	const uint8_t	*msg;		/* data: the message */
	size_t		 len;
	const uint8_t	*raw;		/* the whole frame, header and all */
	size_t		 raw_len;	/* (valid until the next call) */
};

/*
 * The next whole frame.  An ack frame has already updated the RTT when
 * it is returned; the caller only needs it for the trace.  0 and *f set;
 * ENODATA when more bytes are needed; EMSGSIZE when a frame announces
 * more than max bytes (seen from its header, before the body arrives);
 * EBADMSG for an unknown frame type.  After EMSGSIZE or EBADMSG the
 * stream cannot be resynchronised: close the link.
 */
int	ov_fh_next(struct ov_fh *, uint64_t now, size_t max,
	    struct ov_fh_frame *f);

/* The length of the whole frame starting at p, or 0 if avail is short. */
size_t	ov_fh_frame_len(const uint8_t *p, size_t avail);

/* Append the ack frame for a data frame just received. */
void	ov_fh_ack(struct ov_fh *, struct wbuf *, uint32_t seq);

/* The peer has acknowledged the frame with sequence number seq. */
bool	ov_fh_acked(const struct ov_fh *, uint32_t seq);
/* An unacknowledged frame is older than the RTO. */
bool	ov_fh_suspect(const struct ov_fh *, uint64_t now);
/* The oldest unacknowledged frame is older than OV_FH_DEAD_RTOS RTOs or
 * timeout_ms, whichever is less; and when that will be (UINT64_MAX: no
 * frame unacknowledged). */
bool	ov_fh_dead(const struct ov_fh *, uint64_t now, uint64_t timeout_ms);
uint64_t ov_fh_dead_deadline(const struct ov_fh *, uint64_t timeout_ms);
/* Smoothed RTT in ms (0 before any sample) and the current RTO. */
uint32_t ov_fh_srtt_ms(const struct ov_fh *);
uint32_t ov_fh_rto_ms(const struct ov_fh *);
/* When ov_fh_suspect would turn true, or UINT64_MAX. */
uint64_t ov_fh_deadline(const struct ov_fh *);

#endif
