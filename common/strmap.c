/*
 * strmap.c - a hash of entries by string key (strmap.h), FNV-1a hashed,
 * chained.
 */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xmalloc.h"

static uint32_t
strmap_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

void
strmap_clear(struct strmap *m)
{
	free(m->b);
	memset(m, 0, sizeof *m);
}

struct strmap_entry *
strmap_find(const struct strmap *m, const char *key)
{
	uint32_t		 h;
	struct strmap_entry	*e;

	if (m->n == 0)
		return NULL;
	h = strmap_hash(key);
	for (e = m->b[h & (m->nb - 1)]; e != NULL; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
strmap_grow(struct strmap *m)
{
	unsigned		  nb = m->nb != 0 ? m->nb * 2 : 64, i;
	struct strmap_entry	**b = xcalloc(nb, sizeof *b), *e, *next;

	for (i = 0; i < m->nb; i++)
		for (e = m->b[i]; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

void
strmap_add(struct strmap *m, struct strmap_entry *e, const char *key)
{
	struct strmap_entry	**head;

	if (m->n >= m->nb)
		strmap_grow(m);
	e->key = key;
	e->hash = strmap_hash(key);
	head = &m->b[e->hash & (m->nb - 1)];
	e->next = *head;
	*head = e;
	m->n++;
}

void
strmap_del(struct strmap *m, struct strmap_entry *e)
{
	struct strmap_entry	**pp = &m->b[e->hash & (m->nb - 1)];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	m->n--;
}
