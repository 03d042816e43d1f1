/*
 * srv_relay.h - the libevent driver of the relay allocation (nat_relay.h):
 * its own UDP socket on the overlay's address, one timer.  The relays
 * come from the location service's search (relay agent peers, RFC 6940
 * §9); the driver keeps who advertised each, for p2psipctl relays.  No
 * protocol logic here.
 */
#ifndef SRV_RELAY_H
#define SRV_RELAY_H

#include "addr.h"

struct cfg;
struct event_base;
struct loc_relay;
struct nat_relay;
struct srv_relay;

/* NULL when [nat] relay_user is not set: no relays are used. */
int	 srv_relay_new(struct srv_relay **, struct event_base *,
	    const struct cfg *, char **cause);
void	 srv_relay_free(struct srv_relay *);
/* The relays found, in the order to try them (the first n kept). */
void	 srv_relay_set(struct srv_relay *, const struct loc_relay *,
	    unsigned n);
const struct nat_relay *srv_relay_core(const struct srv_relay *);
/* Who advertised relay i (NULL: not known). */
const struct loc_relay *srv_relay_found(const struct srv_relay *,
	    unsigned i);
/* The allocation's relayed address; NULL: none. */
const struct addr *srv_relay_relayed(const struct srv_relay *);
/* The server of the allocation (a relay that works); NULL: none. */
const struct addr *srv_relay_server(const struct srv_relay *);

#endif
