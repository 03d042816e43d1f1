/*
 * srv_sip_int.h - what the files of the SIP driver share: srv_sip.c
 * (sockets, the core, the daemon), srv_sip_conn.c (streams) and
 * srv_sip_direct.c (ICE for SIP's direct flows).
 */
#ifndef SRV_SIP_INT_H
#define SRV_SIP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "log_ctx.h"
#include "rng.h"
#include "sip_core.h"
#include "srv_sip.h"

#define SS_UDP_BATCH	64		/* datagrams per readiness */
#define SS_UDP_DRAIN	1024		/* the SIP port's, read until empty */
#define SS_CONN_MAX	1024

struct bufferevent;
struct event;
struct evconnlistener;
struct sockaddr;

struct ss_conn {
	uint32_t		 id;
	enum sip_tp		 tp;		/* TCP or TLS */
	struct bufferevent	*bev;
	struct addr		 remote;
	bool			 outgoing;	/* we connected */
	bool			 has_node;	/* node: the peer's, verified */
	bool			 checked;	/* an accepted TLS one's
						   certificate looked at */
	uint8_t			 node[SIP_NODE_LEN];
	bool			 pinned;	/* must be node (outgoing) */
	struct srv_sip		*ss;
	struct ss_conn		*next;
};

/* A lookup for the proxy, out in the location service. */
struct ss_lookup {
	struct srv_sip		*ss;
	uint64_t		 cookie;	/* the proxy's */
};

struct srv_sip {
	struct identity		*ident;
	struct srv_sip_ops	 ops;
	struct event_base	*base;
	struct sip_core		*core;
	struct rng		 rng;
	struct log_ctx		 lc;
	struct addr		 listen;
	int			 udp;
	struct event		*ev_udp;
	int			 udp_rcvbuf;	/* bytes, as the kernel says */
	struct evconnlistener	*tcp;
	struct addr		 tls_listen;	/* family 0: none */
	struct addr		 pub;		/* listen, as peers reach it */
	struct addr		 tls_pub;	/* tls_listen, likewise */
	struct evconnlistener	*tls;
	SSL_CTX			*ctx;
	struct event		*timer;
	uint64_t		 timer_at;
	struct ss_conn		*conns;
	unsigned		 nconns;
	uint32_t		 next_conn;
	int			 stream_timeout;
	size_t			 max_len;
	/* a client's connection to its gateway (srv_sip_keep) */
	struct {
		struct addr	 to;		/* family 0: none */
		uint8_t		 node[SIP_NODE_LEN];
		uint32_t	 conn;		/* 0: not open */
		struct event	*timer;
	}			 keep;
	/* ICE for SIP's direct flows (srv_sip_direct.c) */
	struct ss_direct	*directs;
	struct srv_sip_direct_ops dops;
	SSL_CTX			*dctx;		/* DTLS, the node's cert */
	struct event		*dreap;		/* the closed ones go */
};

/* srv_sip.c: carry out the core's actions, re-arm the timer. */
void	 srv_sip_drain(struct srv_sip *);

/* srv_sip_conn.c */
struct ss_conn *srv_sip_conn_get(struct srv_sip *, uint32_t id);
void	 srv_sip_conn_free(struct srv_sip *, struct ss_conn *);
/* Close c once what is queued for it has gone out. */
void	 srv_sip_conn_finish(struct srv_sip *, struct ss_conn *);
/* The listeners' callback: a TCP or TLS connection came in. */
void	 srv_sip_conn_accept(struct evconnlistener *, evutil_socket_t fd,
	    struct sockaddr *, int salen, void *arg);
/* A message for a stream flow: on its connection, or one to its
 * address, or a new one. */
void	 srv_sip_conn_send(struct srv_sip *, const struct sip_core_action *);
void	 srv_sip_keep_free(struct srv_sip *);

/* srv_sip_direct.c */
struct ss_direct;
void	 srv_sip_direct_init(struct srv_sip *);
void	 srv_sip_direct_free(struct srv_sip *);
/* A message for a direct flow: one DTLS record on it, if it is up. */
void	 srv_sip_direct_send(struct srv_sip *, const struct sip_core_action *);

#endif
