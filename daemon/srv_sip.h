/*
 * srv_sip.h - the libevent driver of the SIP core: UDP and TCP on
 * [sip] listen, for the phones of this host.
 */
#ifndef SRV_SIP_H
#define SRV_SIP_H

#include "addr.h"

struct cfg;
struct d;
struct event_base;
struct sip_core;
struct srv_sip;

/* Bind [sip] listen (UDP and TCP).  0, or an errno with *cause. */
int	srv_sip_new(struct srv_sip **, struct d *, struct event_base *,
	    const struct cfg *, char **cause);
void	srv_sip_free(struct srv_sip *);

const struct sip_core *srv_sip_core(const struct srv_sip *);
const struct addr *srv_sip_listen_addr(const struct srv_sip *);
unsigned srv_sip_connections(const struct srv_sip *);

#endif
