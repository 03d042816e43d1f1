/*
 * slab.c - slabs of one size class each, in a stretch of address space
 * reserved once (slab.h).
 *
 * A slab is SLAB_PAGE bytes, aligned, so an object's slab is its address
 * rounded down; its header is its first bytes.  Objects are handed out
 * from the slab's freed ones, then from its untouched end.  Each class
 * keeps a list of its slabs with room; a full slab is on no list; an
 * empty one goes to the list of empties, whose pages slab_trim gives
 * back (madvise), marking them in a bitmap of trimmed slabs.  A new slab
 * is an empty one still held, else the lowest trimmed one (so what is
 * in use stays at the stretch's start), else the next never used.
 */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS, MAP_NORESERVE, madvise */

#include <sys/mman.h>
#include <sys/queue.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slab.h"
#include "xmalloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_OFF	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_OFF	1
#endif
#endif
#ifndef SLAB_OFF
#define SLAB_OFF	0
#endif

#ifdef HAVE_VALGRIND_H		/* the Makefile's, when the header is there */
#include <valgrind/valgrind.h>
#define SLAB_VALGRIND	RUNNING_ON_VALGRIND
#else
#define SLAB_VALGRIND	0
#endif

#define SLAB_PAGE	(16 * 1024)
#define SLAB_COUNT	32768			/* 512 MiB of address space */
#define SLAB_HDR	64			/* objects start here */

struct slab {
	LIST_ENTRY(slab) entry;		/* in its class's room list, or empties */
	void		*free;		/* freed objects, through their 1st bytes */
	uint32_t	 bump;		/* the first offset never handed out */
	uint16_t	 used;
	uint16_t	 cls;
};

static const uint16_t slab_size[] = {
	16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448,
	512, 640, 768, 896, 1024, 1280, 1536, 2048
};
#define SLAB_NCLS	(sizeof slab_size / sizeof slab_size[0])

static struct {
	int		 state;		/* 0 not yet, 1 on, -1 off (malloc) */
	char		*base;		/* the stretch */
	unsigned	 high;		/* slabs ever used */
	LIST_HEAD(, slab) room[SLAB_NCLS];
	LIST_HEAD(, slab) empties;
	uint64_t	 trimmed[SLAB_COUNT / 64];
	uint8_t		 cls_of[SLAB_MAX / 16 + 1];
	size_t		 slabs, nempty, bytes;
} S;

static bool
slab_on(void)
{
	unsigned	i, c;
	void		*m;

	if (S.state != 0)
		return S.state > 0;
	S.state = -1;
	if (SLAB_OFF || SLAB_VALGRIND)
		return false;	/* the tools see malloc's objects, not ours */
	/* reserved, not committed: PROT_NONE until a slab is used */
	m = mmap(NULL, (size_t)SLAB_COUNT * SLAB_PAGE + SLAB_PAGE, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return false;
	/* aligned to SLAB_PAGE: the extra page's head and tail go back */
	S.base = (char *)(((uintptr_t)m + SLAB_PAGE - 1) &
	    ~(uintptr_t)(SLAB_PAGE - 1));
	if (S.base > (char *)m)
		munmap(m, (size_t)(S.base - (char *)m));
	munmap(S.base + (size_t)SLAB_COUNT * SLAB_PAGE,
	    (size_t)((char *)m + SLAB_PAGE - S.base));
	for (i = 0, c = 0; i <= SLAB_MAX / 16; i++) {
		while (slab_size[c] < i * 16)
			c++;
		S.cls_of[i] = (uint8_t)c;
	}
	S.state = 1;
	return true;
}

static bool
slab_ours(const void *p)
{
	return S.state > 0 && (uintptr_t)p - (uintptr_t)S.base <
	    (uintptr_t)SLAB_COUNT * SLAB_PAGE;
}

/* No object left to hand out? */
static bool
slab_full(const struct slab *s)
{
	return s->free == NULL && s->bump + slab_size[s->cls] > SLAB_PAGE;
}

/* A slab for class cls, on its room list; NULL when none is left. */
static struct slab *
slab_new(unsigned cls)
{
	struct slab	*s;
	unsigned	 i, w;

	if ((s = LIST_FIRST(&S.empties)) != NULL) {
		LIST_REMOVE(s, entry);
		S.nempty--;
	} else {
		for (w = 0; w < SLAB_COUNT / 64 && S.trimmed[w] == 0; w++)
			;
		if (w < SLAB_COUNT / 64) {
			i = w * 64 + (unsigned)__builtin_ctzll(S.trimmed[w]);
			S.trimmed[w] &= S.trimmed[w] - 1;
		} else if (S.high < SLAB_COUNT) {
			i = S.high;
			if (mprotect(S.base + (size_t)i * SLAB_PAGE, SLAB_PAGE,
			    PROT_READ | PROT_WRITE) == -1)
				return NULL;
			S.high++;
		} else
			return NULL;
		s = (struct slab *)(void *)(S.base + (size_t)i * SLAB_PAGE);
	}
	s->free = NULL;
	s->bump = SLAB_HDR;
	s->used = 0;
	s->cls = (uint16_t)cls;
	LIST_INSERT_HEAD(&S.room[cls], s, entry);
	S.slabs++;
	return s;
}

void *
slab_alloc(size_t n)
{
	struct slab	*s;
	unsigned	 cls, size;
	void		*p;

	if (n == 0)
		n = 1;
	if (n > SLAB_MAX || !slab_on())
		return xmalloc(n);
	cls = S.cls_of[(n + 15) / 16];
	size = slab_size[cls];
	if ((s = LIST_FIRST(&S.room[cls])) == NULL &&
	    (s = slab_new(cls)) == NULL)
		return xmalloc(n);
	if ((p = s->free) != NULL)
		memcpy(&s->free, p, sizeof s->free);
	else {
		p = (char *)s + s->bump;
		s->bump += size;
	}
	s->used++;
	S.bytes += size;
	if (slab_full(s))
		LIST_REMOVE(s, entry);		/* on no list till one is freed */
	return p;
}

void *
slab_calloc(size_t n, size_t size)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		return xcalloc(n, size);	/* which aborts */
	p = slab_alloc(n * size);
	memset(p, 0, n * size);
	return p;
}

void *
slab_memdup(const void *src, size_t n)
{
	void	*p = slab_alloc(n);

	memcpy(p, src, n);
	return p;
}

char *
slab_printf(const char *fmt, ...)
{
	char	 buf[256], *p;
	va_list	 ap;
	int	 n;

	/* most are short: formatted once, on the stack, then copied */
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return slab_memdup("", 1);
	if ((size_t)n < sizeof buf)
		return slab_memdup(buf, (size_t)n + 1);
	p = slab_alloc((size_t)n + 1);
	va_start(ap, fmt);
	(void)vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void *
slab_realloc(void *p, size_t old, size_t n)
{
	struct slab	*s;
	void		*q;

	if (p != NULL && slab_ours(p)) {
		s = (struct slab *)((uintptr_t)p &
		    ~(uintptr_t)(SLAB_PAGE - 1));
		if (n <= slab_size[s->cls] &&
		    (s->cls == 0 || n > slab_size[s->cls - 1]))
			return p;			/* the same class */
	}
	q = slab_alloc(n);
	if (p != NULL) {
		memcpy(q, p, old < n ? old : n);
		slab_free(p);
	}
	return q;
}

void
slab_free(void *p)
{
	struct slab	*s;
	bool		 full;

	if (p == NULL)
		return;
	if (!slab_ours(p)) {
		free(p);
		return;
	}
	s = (struct slab *)((uintptr_t)p & ~(uintptr_t)(SLAB_PAGE - 1));
	full = slab_full(s);
	memcpy(p, &s->free, sizeof s->free);
	s->free = p;
	s->used--;
	S.bytes -= slab_size[s->cls];
	if (s->used == 0) {
		if (!full)
			LIST_REMOVE(s, entry);
		LIST_INSERT_HEAD(&S.empties, s, entry);
		S.slabs--;
		S.nempty++;
	} else if (full)
		LIST_INSERT_HEAD(&S.room[s->cls], s, entry);
}

void
slab_trim(void)
{
	struct slab	*s;
	size_t		 i;

	while ((s = LIST_FIRST(&S.empties)) != NULL) {
		LIST_REMOVE(s, entry);
		S.nempty--;
		i = (size_t)((char *)s - S.base) / SLAB_PAGE;
		S.trimmed[i / 64] |= (uint64_t)1 << (i % 64);
		/* the pages are the system's again; zeros when touched */
		madvise(s, SLAB_PAGE, MADV_DONTNEED);
	}
}

void
slab_stats(struct slab_stats *st)
{
	st->slabs = S.slabs;
	st->empty = S.nempty;
	st->bytes = S.bytes;
}
