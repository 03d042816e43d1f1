/*
 * sip_pl.c - views of text (sip_pl.h): compared with a string, exactly
 * or regardless of ASCII case, and read as a decimal number.
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
