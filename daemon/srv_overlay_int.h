/*
 * srv_overlay_int.h - what the files of the overlay driver share:
 * srv_overlay.c (the node, its actions, timer, requests and rows) and
 * srv_overlay_link.c (the TLS links).
 */
#ifndef SRV_OVERLAY_INT_H
#define SRV_OVERLAY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/util.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "log_ctx.h"
#include "ov_node.h"
#include "rng.h"
#include "srv_overlay.h"

struct bufferevent;
struct db;
struct event;
struct evconnlistener;
struct identity;
struct sockaddr;
struct trace;

/* One TLS link (the core's link id). */
struct so_link {
	uint32_t		 id;
	struct srv_overlay	*so;
	struct bufferevent	*bev;
	bool			 passive;
	bool			 dead;
	bool			 closing;	/* the core is done with it:
						   flush, then close */
	bool			 up;		/* TLS done, Node-ID bound */
	struct ov_id		 peer;		/* ... this one */
	struct addr		 local, remote;
};

/* A request whose answer someone waits for. */
struct so_wait {
	struct so_wait		*next;
	uint64_t		 cookie;	/* a query's; 0: the leave */
	srv_overlay_route_cb	 route;
	srv_overlay_left_cb	 left;
	void			*arg;
};

struct srv_overlay {
	struct srv_overlay_ops	 ops;
	struct event_base	*base;
	struct ov_node		*ov;
	struct identity		*ident;
	struct db		*db;
	SSL_CTX			*ctx;
	struct evconnlistener	*listener;
	struct event		*timer, *reap;
	struct so_link		**links;
	unsigned		 nlinks, cap;
	uint64_t		 bad_log_ms;	/* the rate limit of the log
						   of links that never came
						   up */
	unsigned		 bad_unlogged;
	struct trace		*trace;
	struct addr		 listen;
	bool			 addr_known;	/* advertised address set */
	uint64_t		 timer_at;
	int			 link_timeout_s;
	struct so_wait		*waits;
	uint64_t		 next_cookie;
	struct rng		 rng;
	struct log_ctx		 lc;
};

/* srv_overlay_link.c */
/* The live link the core calls id, or NULL. */
struct so_link *srv_overlay_link_get(struct srv_overlay *, uint32_t id);
/* The listener's callback: a TCP connection came in. */
void	 srv_overlay_link_accept(struct evconnlistener *, evutil_socket_t,
	    struct sockaddr *, int salen, void *arg);
/* The core's CONNECT, SEND and CLOSE actions. */
void	 srv_overlay_link_connect(struct srv_overlay *,
	    const struct ov_action *);
void	 srv_overlay_link_send(struct srv_overlay *, const struct ov_action *);
void	 srv_overlay_link_close(struct so_link *);
/* The reap event: free the records of links closed since. */
void	 srv_overlay_link_reap(evutil_socket_t, short, void *arg);
/* Close and free every link (srv_overlay_free). */
void	 srv_overlay_link_free_all(struct srv_overlay *);

#endif
