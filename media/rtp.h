/*
 * rtp.h - RTP and RTCP packets (RFC 3550), the receiver statistics of
 * Appendix A (sequence tracking, loss, interarrival jitter),
 * telephone-event payloads (RFC 4733) and the RTP/RTCP demultiplexing
 * of RFC 5761 §4.  Parsers are strict and bounded; nothing here does
 * I/O or reads a clock.
 */
#ifndef RTP_H
#define RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_HDR_LEN	12
#define RTP_MAX_PKT	1500

struct rtp_hdr {
	bool		 marker;
	uint8_t		 pt;
	uint16_t	 seq;
	uint32_t	 ts;
	uint32_t	 ssrc;
	const uint8_t	*payload;	/* into the packet parsed */
	size_t		 len;		/* payload bytes, padding removed */
};

/*
 * An RTP packet (§5.1): version 2, CSRCs and a header extension
 * skipped, padding removed.  0, or EBADMSG.
 */
int	rtp_parse(struct rtp_hdr *, const uint8_t *, size_t);
/* A packet of header h (no CSRC, extension or padding) and the payload
 * into out (at least RTP_HDR_LEN + len bytes); its length. */
size_t	rtp_write(uint8_t *out, const struct rtp_hdr *h, const void *payload,
	    size_t len);
/* RFC 5761 §4: on a muxed port, RTCP has packet types 192-223 where RTP
 * has its marker and payload type. */
bool	rtp_is_rtcp(const uint8_t *, size_t);

/*
 * Receiver statistics for one source (RFC 3550 A.1, A.3, A.8).  A new
 * source is valid after two packets in sequence (MIN_SEQUENTIAL).
 */
struct rtp_source {
	uint32_t	 ssrc;
	bool		 probation_done;
	unsigned	 probation;
	uint16_t	 max_seq;
	uint32_t	 cycles;
	uint32_t	 base_seq;
	uint32_t	 bad_seq;
	uint32_t	 received;
	uint32_t	 expected_prior;
	uint32_t	 received_prior;
	int64_t		 transit;	/* in timestamp units */
	double		 jitter;	/* in timestamp units */
	bool		 have_transit;
};

/*
 * A packet of this source arrived at arrival (in timestamp units of the
 * payload's clock).  false: not counted (probation, or a jump the source
 * must confirm, A.1).
 */
bool	rtp_source_update(struct rtp_source *, const struct rtp_hdr *,
	    uint32_t arrival);
void	rtp_source_init(struct rtp_source *, const struct rtp_hdr *);
/* Packets expected and lost so far (A.3; lost may be negative with
 * duplicates). */
uint32_t rtp_source_expected(const struct rtp_source *);
int32_t	rtp_source_lost(const struct rtp_source *);

/*
 * RTCP (§6.4): a compound packet of SR (or RR when we sent nothing) with
 * one report block, and SDES CNAME (§6.5); a BYE (§6.6) appended when
 * bye is true.
 */
struct rtcp_report {
	uint32_t	 ssrc;		/* ours */
	bool		 sender;	/* an SR: we sent since the last */
	uint64_t	 ntp;		/* NTP time of the report */
	uint32_t	 rtp_ts;	/* the same instant in RTP units */
	uint32_t	 packets_sent;
	uint32_t	 octets_sent;
	bool		 have_block;	/* we heard the source below */
	uint32_t	 src_ssrc;
	uint8_t		 fraction_lost;
	int32_t		 cum_lost;	/* 24 bits signed on the wire */
	uint32_t	 ext_max_seq;
	uint32_t	 jitter;
	uint32_t	 lsr;		/* middle 32 bits of the last SR's
					   NTP time heard */
	uint32_t	 dlsr;		/* since then, 1/65536 s */
};

/* The compound packet into out (RTP_MAX_PKT bytes); its length. */
size_t	rtp_rtcp_write(uint8_t *out, const struct rtcp_report *,
	    const char *cname, bool bye);

/* What a received compound packet says: its sender's SR, if any, its
 * report block about us, if any, and whether it said BYE. */
struct rtcp_info {
	uint32_t	 ssrc;		/* of the first packet */
	bool		 sr;
	uint64_t	 ntp;
	bool		 have_block;
	uint8_t		 fraction_lost;
	int32_t		 cum_lost;
	uint32_t	 jitter;
	bool		 bye;
};

/* A compound RTCP packet (§6.1: version 2, the first an SR or RR, the
 * lengths adding up).  0, or EBADMSG.  Report blocks about other
 * sources than ours are skipped. */
int	rtp_rtcp_parse(struct rtcp_info *, const uint8_t *, size_t,
	    uint32_t our_ssrc);

/* A telephone-event payload (RFC 4733 §2.3). */
struct rtp_dtmf {
	uint8_t		 event;		/* 0-9, 10 '*', 11 '#', 12-15 A-D */
	bool		 end;
	uint8_t		 volume;	/* 0..63, -dBm0 */
	uint16_t	 duration;	/* in timestamp units */
};

int	rtp_dtmf_parse(struct rtp_dtmf *, const uint8_t *, size_t);
void	rtp_dtmf_write(uint8_t out[4], const struct rtp_dtmf *);
/* '0'-'9', '*', '#', 'A'-'D' and back; -1 / '\0' for others. */
int	rtp_dtmf_event(char);
char	rtp_dtmf_char(uint8_t event);

#endif
