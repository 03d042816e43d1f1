/*
 * sip_pl.c - views of text (sip_pl.h): compared with a string or each
 * other, exactly or regardless of ASCII case, searched, and read as a
 * decimal number.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sip_pl.h"

bool
sip_pl_eq(const struct sip_pl *pl, const char *s)
{
	size_t	n = strlen(s);

	return pl->l == n && (n == 0 || memcmp(pl->p, s, n) == 0);
}

bool
sip_pl_caseeq(const struct sip_pl *pl, const char *s)
{
	size_t	n = strlen(s);

	return pl->l == n && (n == 0 || strncasecmp(pl->p, s, n) == 0);
}

bool
sip_pl_caseeq_pl(const struct sip_pl *a, const struct sip_pl *b)
{
	return a->l == b->l && (a->l == 0 || strncasecmp(a->p, b->p,
	    a->l) == 0);
}

bool
sip_pl_contains(const struct sip_pl *pl, const char *s)
{
	size_t	n = strlen(s), i;

	for (i = 0; n <= pl->l && i <= pl->l - n; i++)
		if (strncasecmp(pl->p + i, s, n) == 0)
			return true;
	return false;
}

int
sip_pl_u32(const struct sip_pl *pl, uint32_t max, uint32_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (pl->l == 0 || pl->l > 10)
		return EBADMSG;
	for (i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return EBADMSG;
		v = v * 10 + (uint64_t)(pl->p[i] - '0');
	}
	if (v > max)
		return EBADMSG;
	*out = (uint32_t)v;
	return 0;
}
