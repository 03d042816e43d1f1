/*
 * sip_cache.h - what the overlay answered for AORs, kept a while, so
 * that calls to an AOR called a moment ago go straight to its peers.
 *
 * Sans I/O: the caller gives the time.  An entry lives ttl_ms from when
 * it was put, unless dropped first (the proxy drops an AOR whose peers
 * failed it: a registration moved or gone).  At most max entries; the
 * oldest goes first.
 */
#ifndef SIP_CACHE_H
#define SIP_CACHE_H

#include <stdint.h>

#include "sip_txn.h"		/* SIP_NODE_LEN */

struct sip_cache;

struct sip_cache *sip_cache_new(uint32_t ttl_ms, unsigned max);
void	sip_cache_free(struct sip_cache *);
/* The AOR's contacts and the Node-IDs of their peers (nodes NULL, or
 * nodes[i] NULL: unknown); n 0 keeps nothing. */
void	sip_cache_put(struct sip_cache *, uint64_t now, const char *aor,
	    const char *const *contacts, const uint8_t *const *nodes,
	    unsigned n);
/* The AOR's entry: up to max contacts and nodes, valid until the next
 * call into the cache; 0: none (or expired). */
unsigned sip_cache_get(struct sip_cache *, uint64_t now, const char *aor,
	    const char **contacts, const uint8_t **nodes, unsigned max);
void	sip_cache_drop(struct sip_cache *, const char *aor);
/* Entries expired (or dropped) by now go, and what they hold; when the
 * next must go (UINT64_MAX: none), so that a cache nobody asks empties
 * on time. */
void	sip_cache_expire(struct sip_cache *, uint64_t now);
uint64_t sip_cache_deadline(const struct sip_cache *);
unsigned sip_cache_size(const struct sip_cache *);

#endif
