/*
 * slab.h - memory for the state a load holds by the thousand (SIP
 * transactions and proxy records, their keys and kept answers).
 *
 * Such state is made and freed at thousands a second and lives up to
 * 32 s (RFC 3261 Timers J and K, a 2xx resent).  In malloc's heap it
 * grows the heap by the load's size, and whatever longer-lived the
 * daemon allocates meanwhile lands among it: when the load ends those
 * few allocations keep the pages around them, and the daemon's memory
 * does not come back.  Here it lives in slabs of its own (16 KiB, one
 * size class each, in a reserved stretch of address space, away from the
 * heap); a slab whose objects are all freed goes back to the system
 * whole at the next slab_trim.
 *
 * One thread, as the daemon's cores.  Never fails (xmalloc.h).  Sizes
 * above SLAB_MAX, and everything when the stretch is used up, come from
 * malloc; slab_free tells them apart.  Built with AddressSanitizer, all
 * of it comes from malloc, so that the sanitizer sees each object.
 */
#ifndef SLAB_H
#define SLAB_H

#include <stdarg.h>
#include <stddef.h>

#define SLAB_MAX	2048	/* the largest size served from a slab */

void	*slab_alloc(size_t);
void	*slab_calloc(size_t, size_t);
void	*slab_memdup(const void *, size_t);
/* A formatted string, freed with slab_free. */
char	*slab_printf(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
/* p (slab_alloc'd, holding old bytes, or NULL) grown or shrunk to n. */
void	*slab_realloc(void *p, size_t old, size_t n);
void	 slab_free(void *);
/* The pages of slabs left empty go back to the system. */
void	 slab_trim(void);

struct slab_stats {
	size_t	slabs;		/* holding objects */
	size_t	empty;		/* empty, pages still held */
	size_t	bytes;		/* in objects, by their size class */
};
void	 slab_stats(struct slab_stats *);

#endif
