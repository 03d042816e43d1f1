/*
 * srv_dns.h - the DNS driver of RFC 3263 server selection (sip_resolve.h):
 * c-ares on the daemon's libevent loop, asking [interwork] dns_server or,
 * without one, the system's resolvers (/etc/resolv.conf).
 */
#ifndef SRV_DNS_H
#define SRV_DNS_H

#include <stdbool.h>
#include <stdint.h>

struct addr;
struct event_base;
struct sip_res_target;
struct srv_dns;

/*
 * What a resolution came to (sip_res_status: 0, ENOENT, ETIMEDOUT,
 * ELOOP, EMSGSIZE, EIO; ECANCELED when the driver goes first), in words,
 * and the servers in the order to try them.
 */
typedef void (*srv_dns_cb)(int status, const char *why,
	    const struct sip_res_target *, unsigned n, void *arg);

/* DNS through server (family 0: the system's).  0, or an errno with
 * *cause. */
int	srv_dns_new(struct srv_dns **, struct event_base *,
	    const struct addr *server, char **cause);
/* Resolutions under way end with ECANCELED. */
void	srv_dns_free(struct srv_dns *);
/*
 * Resolve the SIP URI uri (tls: we may use TLS); cb once, never from
 * within this call.  0, or EINVAL (not a SIP URI, or a transport we do
 * not have).
 */
int	srv_dns_resolve(struct srv_dns *, const char *uri, bool tls,
	    srv_dns_cb cb, void *arg);
/* DNS queries made, answered, failed and timed out, and resolutions. */
struct srv_dns_stats {
	uint64_t	 queries, answers, failures, timeouts, resolutions;
};
const struct srv_dns_stats *srv_dns_stats(const struct srv_dns *);

#endif
