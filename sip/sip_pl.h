/*
 * sip_pl.h - views of text: a pointer and a length into what a parser
 * was given (a message, a header value), never copied, so the text must
 * outlive them.  No I/O.
 */
#ifndef SIP_PL_H
#define SIP_PL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A view of text: p[0..l), not NUL-terminated; l == 0: empty. */
struct sip_pl {
	const char	*p;
	size_t		 l;
};

#define SIP_PL(s)	((struct sip_pl){ (s), sizeof(s) - 1 })

/* Exactly s; regardless of ASCII case. */
bool	sip_pl_eq(const struct sip_pl *, const char *s);
bool	sip_pl_caseeq(const struct sip_pl *, const char *s);
/* Two views alike regardless of case; s found in a view, likewise. */
bool	sip_pl_caseeq_pl(const struct sip_pl *, const struct sip_pl *);
bool	sip_pl_contains(const struct sip_pl *, const char *s);
/* A decimal number of at most max (no sign, no leading junk).  0 or
 * EBADMSG. */
int	sip_pl_u32(const struct sip_pl *, uint32_t max, uint32_t *out);

#endif
