/*
 * xmalloc.h - allocation that never fails.
 *
 * Running out of memory aborts the process with a message (STYLE.md §5):
 * ENOMEM paths that never run are untested code.  Sizes that come from the
 * network must be bounded by the caller before they get here.
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

/* Each returns memory the caller owns and frees with free(3). */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
/* realloc(ptr, n * size), aborting when the product overflows. */
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* A newly allocated formatted string. */
char	*xasprintf(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
char	*xvasprintf(const char *, va_list)
	    __attribute__((__format__(__printf__, 1, 0)));

#endif
