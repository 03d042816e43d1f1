/*
 * sip_txn.h - the RFC 3261 transaction layer (§17), sans I/O.
 *
 * Four state machines: INVITE client (§17.1.1), non-INVITE client
 * (§17.1.2), INVITE server (§17.2.1) and non-INVITE server (§17.2.2),
 * with timers A to K (§17, Table 4 of Appendix A), matching of
 * responses and requests to transactions (§17.1.3, §17.2.3), the ACK a
 * client transaction sends for a non-2xx final response (§17.1.1.3),
 * and where a response goes (§18.2.2, RFC 3581 rport).
 *
 * The transaction user (the registrar, the proxy, the UA core) builds
 * requests and responses as bytes; the layer parses what it needs of
 * them, retransmits, times out and absorbs retransmissions, and tells
 * the user what arrives.  It reads no socket and no clock: the driver
 * gives it parsed messages with the flow they came on and the time, and
 * drains its actions.
 */
#ifndef SIP_TXN_H
#define SIP_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct log_ctx;
struct sip_msg;
struct sip_pl;

/*
 * DTLS: a direct flow between two daemons (ICE for SIP), SIP over DTLS
 * on the pair ICE found: bound to its association (conn) like a stream,
 * but datagrams, one message each, timed as over UDP.  Its Via names it
 * DTLS-UDP (the name draft-jennings-sip-dtls gave it; no RFC defines
 * SIP over DTLS).
 */
enum sip_tp {
	SIP_TP_UDP,
	SIP_TP_TCP,
	SIP_TP_TLS,
	SIP_TP_DTLS,
};

#define SIP_NODE_LEN	16	/* a RELOAD Node-ID (RFC 6940 §3.1) */

/*
 * Where a message came from or goes: a transport, an address and, on a
 * stream, the driver's connection (0: none yet, connect).  A TLS flow to
 * a peer the overlay named is pinned to its Node-ID: the driver sends
 * only on a connection whose certificate binds that Node-ID.  A message
 * that came on a TLS connection whose certificate binds a Node-ID (RFC
 * 6940 §11.3: another daemon of the overlay) has peer set and that
 * Node-ID in node.
 */
struct sip_flow {
	enum sip_tp	 tp;
	struct addr	 remote;
	uint32_t	 conn;
	bool		 pinned;
	bool		 peer;
	uint8_t		 node[SIP_NODE_LEN];
};

/* Does it retransmit nothing (§17: TCP, TLS)?  Is it bound to a
 * connection or association (conn), where responses go back (§18.2.2)? */
bool	sip_txn_tp_reliable(enum sip_tp);
bool	sip_txn_tp_bound(enum sip_tp);
const char *sip_txn_tp_name(enum sip_tp);

struct sip_txn_layer_cfg {
	uint32_t	 t1_ms;		/* RTT estimate [500] */
	uint32_t	 t2_ms;		/* longest non-INVITE retransmit
					   interval [4000] */
	uint32_t	 t4_ms;		/* how long a message stays in the
					   network [5000] */
	unsigned	 max_txns;	/* open at once; beyond, new server
					   transactions get 503 [65536] */
};

enum sip_act_type {
	SIP_ACT_SEND,		/* flow, data: the driver sends and frees */
	SIP_ACT_REQUEST,	/* flow, msg; txn: its server transaction,
				   or 0 for an ACK no transaction takes
				   (one for a 2xx, §17.2.1) */
	SIP_ACT_RESPONSE,	/* txn, cookie, msg; txn 0: no client
				   transaction took it (a 2xx resent) */
	SIP_ACT_TIMEOUT,	/* txn, cookie: Timer B or F fired (408) */
	SIP_ACT_TRANSPORT_ERROR, /* txn, cookie: the request could not be
				   sent (§8.1.3.1, §17.1.4) */
};

struct sip_action {
	enum sip_act_type type;
	struct sip_flow	 flow;
	uint8_t		*data;
	size_t		 len;
	uint64_t	 txn;
	uint64_t	 cookie;
	struct sip_msg	*msg;	/* the driver frees it (sip_msg_free) */
};

struct sip_txn_layer;

struct sip_txn_layer *sip_txn_layer_new(const struct sip_txn_layer_cfg *,
	    struct log_ctx *);
void	sip_txn_layer_free(struct sip_txn_layer *);

/*
 * A message from the transport, parsed (heap-allocated; the layer takes
 * it).  A request starts a server transaction or is a retransmission it
 * absorbs; a response goes to its client transaction.
 */
void	sip_txn_layer_input(struct sip_txn_layer *, uint64_t now,
	    const struct sip_flow *, struct sip_msg *);

/*
 * Send a request in a new client transaction (INVITE or not, from its
 * method; not ACK, which has none).  Its top Via must carry a branch
 * starting with z9hG4bK.  0 and *txn, or EINVAL (not a request the layer
 * can parse), EEXIST (the branch is in use) or EBUSY (max_txns).
 */
int	sip_txn_layer_request(struct sip_txn_layer *, uint64_t now,
	    const struct sip_flow *, const uint8_t *, size_t, uint64_t cookie,
	    uint64_t *txn);
/*
 * The same for a request whose writer knows its top Via's branch, its
 * method and its CSeq method (a proxy's forwarded request), which are
 * then not parsed again: the writer vouches that they are the bytes'.
 */
int	sip_txn_layer_request_known(struct sip_txn_layer *, uint64_t now,
	    const struct sip_flow *, const uint8_t *, size_t,
	    const char *branch, const struct sip_pl *method,
	    const struct sip_pl *cseq_method, uint64_t cookie, uint64_t *txn);

/*
 * Respond in server transaction txn with the response's bytes.  0,
 * ENOENT (no such transaction, or it is done) or EINVAL (not a response
 * or the status goes backwards).
 */
int	sip_txn_layer_respond(struct sip_txn_layer *, uint64_t now,
	    uint64_t txn, const uint8_t *, size_t);

/*
 * Respond in txn to its request req with a bare status: To gets to_tag
 * (NULL: none), and hname: hvalue is added if hname is not NULL.  As
 * sip_txn_layer_respond.
 */
int	sip_txn_layer_respond_status(struct sip_txn_layer *, uint64_t now,
	    uint64_t txn, const struct sip_msg *req, unsigned status,
	    const char *reason, const char *to_tag, const char *hname,
	    const char *hvalue);

/* The INVITE server transaction a CANCEL is for (§9.2: matched as
 * §17.2.3, with the method INVITE), or 0. */
uint64_t sip_txn_layer_find_invite(const struct sip_txn_layer *,
	    const struct sip_msg *cancel);

/* The flow a response to a request that came on flow with this top Via
 * goes to (§18.2.2, RFC 3581). */
void	sip_txn_layer_response_flow(const struct sip_flow *from,
	    const struct sip_msg *req, struct sip_flow *to);

/*
 * The transport could not carry messages on flow: a connection to its
 * address (f->conn 0) or that connection failed.  Every client
 * transaction on it still waiting for a final response ends with a
 * TRANSPORT_ERROR (§17.1.4).
 */
void	sip_txn_layer_transport_error(struct sip_txn_layer *, uint64_t now,
	    const struct sip_flow *);

void	sip_txn_layer_tick(struct sip_txn_layer *, uint64_t now);
/* UINT64_MAX: no timer running. */
uint64_t sip_txn_layer_deadline(const struct sip_txn_layer *);
bool	sip_txn_layer_next_action(struct sip_txn_layer *, struct sip_action *);
/* Transactions open now. */
unsigned sip_txn_layer_count(const struct sip_txn_layer *);

#endif
