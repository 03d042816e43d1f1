/*
 * srv_nat.h - the libevent driver of the NAT core (nat.h).
 *
 * Owns one UDP socket: [nat] stun_listen, where the Binding server
 * answers and from which discovery asks; with the server off, a socket
 * on the overlay's address and a free port, for discovery alone.  One
 * timer at the core's deadline.  No protocol logic here.
 */
#ifndef SRV_NAT_H
#define SRV_NAT_H

#include <stdbool.h>

#include "addr.h"

struct cfg;
struct event_base;
struct nat_report;
struct srv_nat;

/* What the driver tells: a discovery finished (nat_report). */
struct srv_nat_ops {
	void	(*report)(const struct nat_report *, void *arg);
	void	*arg;
};

/* Bind the socket and start: 0, or an errno with *cause. */
int	 srv_nat_new(struct srv_nat **, struct event_base *,
	    const struct cfg *, const struct srv_nat_ops *, char **cause);
void	 srv_nat_free(struct srv_nat *);
/*
 * The hosts of the overlay's peers: their STUN servers are taken to be
 * at the port this one's is (an overlay's peers share one, [nat]
 * stun_listen), used when [nat] stun_servers names none.
 */
void	 srv_nat_set_peers(struct srv_nat *, const struct addr *, unsigned n);
/*
 * Discover again now (unless under way); cb(report, arg) when it ends,
 * or cb(NULL, arg) when the driver is freed first.  cb may be NULL.
 */
typedef void (*srv_nat_done_cb)(const struct nat_report *, void *arg);
void	 srv_nat_probe(struct srv_nat *, srv_nat_done_cb cb, void *arg);
const struct nat_report *srv_nat_report(const struct srv_nat *);
/* The socket's address; the Binding server's when on. */
const struct addr *srv_nat_addr(const struct srv_nat *);
bool	 srv_nat_serving(const struct srv_nat *);

#endif
