/*
 * sip_cache.c - the overlay's answers for AORs, kept ttl_ms (sip_cache.h).
 * By AOR in a hash; in order of insertion in a queue, which is also the
 * order of expiry (every entry lives as long).  A dropped entry leaves
 * the hash at once and the queue when it reaches its head.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sip_cache.h"
#include "strmap.h"
#include "xmalloc.h"

#define SIP_CACHE_CONTACTS	8

struct sip_cached {
	char			*aor;
	struct strmap_entry	 h;
	bool			 in_map;
	uint64_t		 until;
	unsigned		 n;
	char			*contacts[SIP_CACHE_CONTACTS];
	uint8_t			 node[SIP_CACHE_CONTACTS][SIP_NODE_LEN];
	bool			 has_node[SIP_CACHE_CONTACTS];
	struct sip_cached	*next;		/* younger */
};

struct sip_cache {
	uint32_t		 ttl_ms;
	unsigned		 max;
	struct strmap		 map;
	struct sip_cached	*head, *tail;
	unsigned		 queued;	/* in the queue, dropped or not */
};

struct sip_cache *
sip_cache_new(uint32_t ttl_ms, unsigned max)
{
	struct sip_cache	*c = xcalloc(1, sizeof *c);

	c->ttl_ms = ttl_ms;
	c->max = max;
	return c;
}

static void
sip_cached_free(struct sip_cached *e)
{
	unsigned	i;

	for (i = 0; i < e->n; i++)
		free(e->contacts[i]);
	free(e->aor);
	free(e);
}

/* The queue's head goes. */
static void
sip_cache_pop(struct sip_cache *c)
{
	struct sip_cached	*e = c->head;

	if ((c->head = e->next) == NULL)
		c->tail = NULL;
	if (e->in_map)
		strmap_del(&c->map, &e->h);
	c->queued--;
	sip_cached_free(e);
}

/* Expired (and dropped) entries at the head go. */
void
sip_cache_expire(struct sip_cache *c, uint64_t now)
{
	while (c->head != NULL && (!c->head->in_map || c->head->until <= now))
		sip_cache_pop(c);
}

uint64_t
sip_cache_deadline(const struct sip_cache *c)
{
	if (c->head == NULL)
		return UINT64_MAX;
	return c->head->in_map ? c->head->until : 0;
}

void
sip_cache_free(struct sip_cache *c)
{
	if (c == NULL)
		return;
	while (c->head != NULL)
		sip_cache_pop(c);
	strmap_clear(&c->map);
	free(c);
}

void
sip_cache_drop(struct sip_cache *c, const char *aor)
{
	struct strmap_entry	*h = strmap_find(&c->map, aor);
	struct sip_cached	*e;

	if (h == NULL)
		return;
	e = STRMAP_ITEM(h, struct sip_cached, h);
	strmap_del(&c->map, &e->h);
	e->in_map = false;
}

void
sip_cache_put(struct sip_cache *c, uint64_t now, const char *aor,
    const char *const *contacts, const uint8_t *const *nodes, unsigned n)
{
	struct sip_cached	*e;
	unsigned		 i;

	sip_cache_drop(c, aor);
	sip_cache_expire(c, now);
	if (n == 0 || c->ttl_ms == 0 || c->max == 0)
		return;
	while (c->queued >= c->max)
		sip_cache_pop(c);
	e = xcalloc(1, sizeof *e);
	e->aor = xstrdup(aor);
	e->until = now + c->ttl_ms;
	for (i = 0; i < n && e->n < SIP_CACHE_CONTACTS; i++, e->n++) {
		e->contacts[e->n] = xstrdup(contacts[i]);
		if ((e->has_node[e->n] = nodes != NULL && nodes[i] != NULL))
			memcpy(e->node[e->n], nodes[i], SIP_NODE_LEN);
	}
	strmap_add(&c->map, &e->h, e->aor);
	e->in_map = true;
	if (c->tail != NULL)
		c->tail->next = e;
	else
		c->head = e;
	c->tail = e;
	c->queued++;
}

unsigned
sip_cache_get(struct sip_cache *c, uint64_t now, const char *aor,
    const char **contacts, const uint8_t **nodes, unsigned max)
{
	struct strmap_entry	*h;
	struct sip_cached	*e;
	unsigned		 i;

	sip_cache_expire(c, now);
	if ((h = strmap_find(&c->map, aor)) == NULL)
		return 0;
	e = STRMAP_ITEM(h, struct sip_cached, h);
	if (e->until <= now)
		return 0;
	for (i = 0; i < e->n && i < max; i++) {
		contacts[i] = e->contacts[i];
		nodes[i] = e->has_node[i] ? e->node[i] : NULL;
	}
	return i;
}

unsigned
sip_cache_size(const struct sip_cache *c)
{
	return c->map.n;
}
