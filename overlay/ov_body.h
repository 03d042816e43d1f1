/*
 * ov_body.h - message bodies of the topology and link methods.
 *
 * Join, Leave (with ChordLeaveData), Update (ChordUpdate), RouteQuery
 * (with ChordRouteQueryAns), Probe, Attach (AttachReqAns), AppAttach,
 * Ping and ErrorResponse: RFC 6940 §6.3.3.1, §6.4.2, §6.5.1, §6.5.2,
 * §6.5.3, §10.7-10.9.
 * Decoders are strict (the whole body must be consumed) and bounded by
 * the array sizes below; they return 0 or EBADMSG.
 */
#ifndef OV_BODY_H
#define OV_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "ov_id.h"
#include "ov_msg.h"

struct wbuf;

#define OV_UPD_NEIGH_MAX	32	/* predecessors or successors */
#define OV_UPD_FINGER_MAX	128

/* ChordUpdateType (§10.7). */
#define OV_UPD_PEER_READY	1
#define OV_UPD_NEIGHBORS	2
#define OV_UPD_FULL		3

struct ov_update {
	uint32_t	uptime;
	uint8_t		type;
	unsigned	npred, nsucc, nfinger;
	struct ov_id	pred[OV_UPD_NEIGH_MAX];
	struct ov_id	succ[OV_UPD_NEIGH_MAX];
	struct ov_id	finger[OV_UPD_FINGER_MAX];
};

void	ov_body_update_encode(struct wbuf *, const struct ov_update *);
int	ov_body_update_decode(const uint8_t *, size_t, struct ov_update *);

/* JoinReq: the joining Node-ID; no overlay-specific data for Chord. */
void	ov_body_join_req_encode(struct wbuf *, const struct ov_id *);
int	ov_body_join_req_decode(const uint8_t *, size_t, struct ov_id *);
/* JoinAns: empty overlay_specific_data. */
void	ov_body_join_ans_encode(struct wbuf *);

/* ChordLeaveType (§10.9). */
#define OV_LEAVE_FROM_SUCC	1
#define OV_LEAVE_FROM_PRED	2

struct ov_leave {
	struct ov_id	id;
	uint8_t		type;
	unsigned	n;
	struct ov_id	ids[OV_UPD_NEIGH_MAX];
};

void	ov_body_leave_encode(struct wbuf *, const struct ov_leave *);
int	ov_body_leave_decode(const uint8_t *, size_t, struct ov_leave *);

struct ov_route_query {
	bool		send_update;
	struct ov_dest	dest;		/* points into the message */
};

void	ov_body_route_query_encode(struct wbuf *,
	    const struct ov_route_query *);
int	ov_body_route_query_decode(const uint8_t *, size_t,
	    struct ov_route_query *);
/* ChordRouteQueryAns: the next peer. */
void	ov_body_route_query_ans_encode(struct wbuf *, const struct ov_id *);
int	ov_body_route_query_ans_decode(const uint8_t *, size_t, struct ov_id *);

/* ProbeInformationType (§6.4.2.5). */
#define OV_PROBE_RESPONSIBLE_SET	1
#define OV_PROBE_NUM_RESOURCES		2
#define OV_PROBE_UPTIME			3
#define OV_PROBE_MAX			16

struct ov_probe {
	unsigned	n;
	uint8_t		type[OV_PROBE_MAX];
	uint32_t	value[OV_PROBE_MAX];	/* answers only */
};

void	ov_body_probe_req_encode(struct wbuf *, const struct ov_probe *);
int	ov_body_probe_req_decode(const uint8_t *, size_t, struct ov_probe *);
void	ov_body_probe_ans_encode(struct wbuf *, const struct ov_probe *);
int	ov_body_probe_ans_decode(const uint8_t *, size_t, struct ov_probe *);

/* OverlayLinkType and CandType (§6.5.1.1). */
#define OV_LINK_TLS_TCP_FH_NO_ICE	4
#define OV_CAND_HOST			1
#define OV_CAND_RELAY			4
#define OV_CAND_MAX			8

struct ov_candidate {
	struct addr	addr;
	struct addr	rel;		/* RELAY: rel_addr_port */
	uint8_t		link_type;
	uint8_t		cand_type;
	uint32_t	priority;
};

struct ov_attach {
	char		ufrag[32];	/* No-ICE: informative only */
	char		password[32];
	char		role[16];	/* "passive" offer, "active" answer */
	unsigned	ncand;
	struct ov_candidate cand[OV_CAND_MAX];
	bool		send_update;
};

void	ov_body_attach_encode(struct wbuf *, const struct ov_attach *);
/* Candidates of unknown link or address types are skipped, not errors. */
int	ov_body_attach_decode(const uint8_t *, size_t, struct ov_attach *);

/* Application-IDs (§14.5); RFC 7904 §5: SIP's AppAttach uses 5060. */
#define OV_APP_SIP		5060

/*
 * AppAttachReq and AppAttachAns (§6.5.2.1, §6.5.2.2), one structure.
 * Candidates as in Attach: only TLS-TCP-FH-NO-ICE host candidates are
 * kept (the overlay is No-ICE, §6.5.1.5), and relay ones (a client's,
 * ov_app.c); nskipped counts the others, which are understood but not
 * usable here.
 */
struct ov_app_attach {
	char		ufrag[32];	/* No-ICE: informative only */
	char		password[32];
	uint16_t	application;	/* Application-ID */
	char		role[16];	/* RFC 4145: active, passive */
	unsigned	ncand;
	struct ov_candidate cand[OV_CAND_MAX];
	unsigned	nskipped;	/* decoding: candidates not kept */
};

void	ov_body_app_attach_encode(struct wbuf *, const struct ov_app_attach *);
int	ov_body_app_attach_decode(const uint8_t *, size_t,
	    struct ov_app_attach *);

/* PingReq: padding only.  PingAns: response_id, time (ms since 1970). */
void	ov_body_ping_req_encode(struct wbuf *, size_t padding);
int	ov_body_ping_req_decode(const uint8_t *, size_t);
void	ov_body_ping_ans_encode(struct wbuf *, uint64_t response_id,
	    uint64_t time);
int	ov_body_ping_ans_decode(const uint8_t *, size_t, uint64_t *response_id,
	    uint64_t *time);

/* ErrorResponse; info points into the message, length in *info_len. */
void	ov_body_error_encode(struct wbuf *, uint16_t code, const char *info);
int	ov_body_error_decode(const uint8_t *, size_t, uint16_t *code,
	    const uint8_t **info, size_t *info_len);
/*
 * An Error's error_info as words for a user, into out (max bytes): "" if
 * it is not printable text (some codes carry binary: Error_Unknown_Kind
 * its Kinds, §7.4.1.2).
 */
void	ov_body_error_why(char *out, size_t max, const uint8_t *info,
	    size_t len);

/* An empty body must be empty (UpdateAns, LeaveAns). */
int	ov_body_empty_decode(const uint8_t *, size_t);

/* IpAddressPort (§6.3.1.1). */
void	ov_body_addr_encode(struct wbuf *, const struct addr *);
int	ov_body_addr_decode(struct rbuf *, struct addr *);

#endif
