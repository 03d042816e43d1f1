/*
 * sip_resolve.h - RFC 3263 §4: the servers a SIP URI's requests go to,
 * in the order to try them (§4.3: the next on a 503, a transport error
 * or Timer B/F), sans I/O.
 *
 * The resolver asks for one DNS query at a time (NAPTR, SRV, A, AAAA);
 * the caller makes it (c-ares, in the daemon), hands back its records or
 * its failure, and asks for the next, until there is none: then
 * sip_res_status says how it ended and sip_res_targets lists the
 * servers.  It reads no socket and no clock; its random source orders
 * SRV records of equal priority by weight (RFC 2782).
 *
 *   - a numeric host: that address, the URI's port or the transport's
 *     default (§4.2), no query;
 *   - a port, or a transport parameter: A/AAAA, or the transport's SRV
 *     first (§4.1, §4.2);
 *   - else NAPTR (§4.1): the records whose service we support
 *     (SIP+D2U, SIP+D2T, SIPS+D2T with TLS; a sips: URI only SIPS), by
 *     order and preference, each one's SRV in turn until one has
 *     servers; non-terminal records (empty flags, RFC 2915 §4) are
 *     followed to another NAPTR query;
 *   - no NAPTR: SRV for each transport we support (_sip._udp, _sip._tcp,
 *     _sips._tcp), the first that answers taken;
 *   - no SRV: A/AAAA with the default port (UDP; TLS for sips:).
 *
 * Bounds: SIP_RES_QUERIES_MAX queries, a name asked twice for the same
 * type (a NAPTR loop) and SIP_RES_DEPTH_MAX non-terminal NAPTRs end it
 * with ELOOP; an answer of more than SIP_RES_RECORDS_MAX records with
 * EMSGSIZE; names longer than SIP_RES_NAME_MAX are not followed.
 */
#ifndef SIP_RESOLVE_H
#define SIP_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "sip_txn.h"

struct rng;
struct sip_uri;

#define SIP_RES_QUERIES_MAX	24
#define SIP_RES_DEPTH_MAX	4	/* non-terminal NAPTRs followed */
#define SIP_RES_RECORDS_MAX	32	/* one answer's records, at most */
#define SIP_RES_TARGETS_MAX	16	/* servers kept */
#define SIP_RES_NAME_MAX	256	/* a domain name, NUL included */

enum sip_res_qtype {
	SIP_RES_NAPTR,
	SIP_RES_SRV,
	SIP_RES_A,
	SIP_RES_AAAA,
};

struct sip_res_query {
	enum sip_res_qtype type;
	char		 name[SIP_RES_NAME_MAX];
};

/* RFC 2915 §2 (the regexp field is not used by SIP, RFC 3263 §4.1) */
struct sip_res_naptr {
	uint16_t	 order;
	uint16_t	 pref;
	char		 flags[16];
	char		 service[32];
	char		 replacement[SIP_RES_NAME_MAX];
};

/* RFC 2782 */
struct sip_res_srv {
	uint16_t	 prio;
	uint16_t	 weight;
	uint16_t	 port;
	char		 target[SIP_RES_NAME_MAX];
};

struct sip_res_target {
	enum sip_tp	 tp;
	struct addr	 addr;
	/* TLS to a peer of the overlay (a proxy peer): the Node-ID its
	 * certificate must bind (sip_txn.h's flow pinning) */
	bool		 pinned;
	uint8_t		 node[SIP_NODE_LEN];
};

struct sip_res_cfg {
	bool		 tls;		/* we can use TLS (SIPS+D2T, _sips) */
	bool		 ipv6;		/* AAAA too */
};

struct sip_res;

/* Resolve uri.  0, or EINVAL (a transport we do not have, or a sips:
 * URI without TLS). */
int	sip_res_new(struct sip_res **, const struct sip_uri *,
	    const struct sip_res_cfg *, struct rng *);
void	sip_res_free(struct sip_res *);

/* The query to make next: true and *q; false: none (done). */
bool	sip_res_next_query(struct sip_res *, struct sip_res_query *);
/*
 * The answer to the query asked: its records (n of them, more than
 * SIP_RES_RECORDS_MAX ends it), or its failure (ENOENT: the name or the
 * type does not exist; ETIMEDOUT: no answer; another errno: the server
 * failed).  An answer to a query not asked is ignored.
 */
void	sip_res_naptr(struct sip_res *, const struct sip_res_naptr *,
	    unsigned n);
void	sip_res_srv(struct sip_res *, const struct sip_res_srv *, unsigned n);
void	sip_res_addrs(struct sip_res *, const struct addr *, unsigned n);
void	sip_res_failed(struct sip_res *, int err);

/*
 * How it stands: EINPROGRESS (a query to make or answer), 0 (servers
 * found), ENOENT (none), ETIMEDOUT (none, the DNS not answering), ELOOP,
 * EMSGSIZE; *why says it in words (for a 503's or 408's reason).
 */
int	sip_res_status(const struct sip_res *, const char **why);
/* The servers in the order to try them; how many (at most max). */
unsigned sip_res_targets(const struct sip_res *, struct sip_res_target *,
	    unsigned max);
const char *sip_res_qtype_name(enum sip_res_qtype);

#endif
