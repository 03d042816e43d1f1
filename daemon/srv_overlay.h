/*
 * srv_overlay.h - the libevent driver of the overlay core (ov_node).
 *
 * Owns the overlay's sockets: a TLS listener, outgoing TLS connections
 * (mutual certificate authentication; the peer's Node-ID comes from its
 * certificate), one timer at the core's deadline.  It feeds the core,
 * carries out its actions, keeps what the node stores in the database,
 * answers the requests made through it, and hands the core's other
 * events to the daemon (srv_overlay_ops).  No protocol logic here.
 */
#ifndef SRV_OVERLAY_H
#define SRV_OVERLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ov_node.h"

struct cfg;
struct db;
struct event_base;
struct identity;
struct srv_overlay;

/* Output queued on one link past which the peer counts as not reading. */
#define SRV_LINK_OUTPUT_MAX	(4 * 1024 * 1024)

/* What the driver tells the rest of the daemon. */
struct srv_overlay_ops {
	/* an event of the node that no request made here waits for (not
	 * OV_EV_ROUTE nor OV_EV_LEFT); its fetched and statted are freed
	 * after the call unless taken */
	void	(*event)(struct ov_event *, void *arg);
	void	*arg;
};

/*
 * Bind the listener and start the node (join or alone), with what db
 * (borrowed) kept from the last run; [nat] mode client makes it a
 * client.  ident is borrowed.  0, or an errno with *cause.
 */
int	 srv_overlay_new(struct srv_overlay **, struct event_base *,
	    const struct cfg *, struct identity *, struct db *,
	    const struct srv_overlay_ops *, char **cause);
/* Requests still waiting are abandoned (their callbacks told so). */
void	 srv_overlay_free(struct srv_overlay *);

struct ov_node *srv_overlay_node(struct srv_overlay *);
const struct addr *srv_overlay_listen_addr(const struct srv_overlay *);
/* Does an overlay link that is up, its Node-ID checked (RFC 6940
 * §11.3), lead to a's host? */
bool	 srv_overlay_peer_host(struct srv_overlay *, const struct addr *a);

/* After calling into the core from outside a callback: act on it. */
void	 srv_overlay_kick(struct srv_overlay *);

/*
 * Send query q toward target (ov_node_query); cb(the OV_EV_ROUTE event,
 * borrowed, arg) once it has answered, or cb(NULL, arg) if abandoned.
 * 0, or EBUSY / ENOTCONN (and no callback).
 */
typedef void (*srv_overlay_route_cb)(const struct ov_event *, void *arg);
int	 srv_overlay_query(struct srv_overlay *, enum ov_query q,
	    const struct ov_id *target, bool to_node, srv_overlay_route_cb cb,
	    void *arg);
/*
 * Leave the overlay (RFC 6940 §10.9); cb(true, arg) once the neighbors
 * know (OV_EV_LEFT), cb(false, arg) if abandoned.  0, or ENOTCONN when
 * the node is neither joined nor joining (and no callback).
 */
typedef void (*srv_overlay_left_cb)(bool left, void *arg);
int	 srv_overlay_leave(struct srv_overlay *, srv_overlay_left_cb cb,
	    void *arg);

/* Start or stop tracing frames into a pcap file (trace.h). */
int	 srv_overlay_trace_start(struct srv_overlay *, const char *path,
	    char **cause);
/* The frames written, or -1 if no trace was running. */
long long srv_overlay_trace_stop(struct srv_overlay *);
const char *srv_overlay_trace_path(const struct srv_overlay *);

#endif
