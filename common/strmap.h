/*
 * strmap.h - a hash of entries by string key, intrusive: the entry sits
 * in the caller's struct, next to the key it points at, and the map only
 * links them.  Buckets double when there are more entries than buckets.
 */
#ifndef STRMAP_H
#define STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_entry {
	struct strmap_entry	*next;
	const char		*key;	/* the caller's, as long as it is in */
	uint32_t		 hash;
};

struct strmap {
	struct strmap_entry	**b;
	unsigned		  nb;	/* a power of 2, or 0 before the first */
	unsigned		  n;
};

/* The struct that holds entry e as member m. */
#define STRMAP_ITEM(e, type, m) \
	((type *)(void *)((char *)(e) - offsetof(type, m)))

/* Frees the buckets; the entries are the caller's. */
void	strmap_clear(struct strmap *);
struct strmap_entry *strmap_find(const struct strmap *, const char *key);
/* Key must not be in the map already. */
void	strmap_add(struct strmap *, struct strmap_entry *, const char *key);
void	strmap_del(struct strmap *, struct strmap_entry *);

#endif
