/*
 * srv_overlay.h - the libevent driver of the overlay core (ov_node).
 *
 * Owns the overlay's sockets: a TLS listener, outgoing TLS connections
 * (mutual certificate authentication; the peer's Node-ID comes from its
 * certificate), one timer at the core's deadline.  It feeds the core and
 * carries out its actions; core events go to the daemon through
 * d_overlay_event.  No protocol logic here.
 */
#ifndef SRV_OVERLAY_H
#define SRV_OVERLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ov_node.h"

struct cfg;
struct d;
struct event_base;
struct identity;
struct srv_overlay;

/* Output queued on one link past which the peer counts as not reading. */
#define SRV_LINK_OUTPUT_MAX	(4 * 1024 * 1024)

/* Bind the listener and start the node (join or alone). */
int	 srv_overlay_new(struct srv_overlay **, struct d *, struct event_base *,
	    const struct cfg *, struct identity *, char **cause);
void	 srv_overlay_free(struct srv_overlay *);

struct ov_node *srv_overlay_node(struct srv_overlay *);
const struct addr *srv_overlay_listen_addr(const struct srv_overlay *);
uint64_t srv_overlay_now(const struct srv_overlay *);

/* After calling into the core from outside a callback: act on it. */
void	 srv_overlay_kick(struct srv_overlay *);

/* Start or stop tracing frames into a pcap file (trace.h). */
int	 srv_overlay_trace_start(struct srv_overlay *, const char *path,
	    char **cause);
/* The frames written, or -1 if no trace was running. */
long long srv_overlay_trace_stop(struct srv_overlay *);
const char *srv_overlay_trace_path(const struct srv_overlay *);

#endif
