/*
 * hex.c - lowercase hex, both ways.
 */
#include "hex.h"

char *
hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
	return out;
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *s, size_t n, uint8_t *out)
{
	size_t	i;
	int	h, l;

	for (i = 0; i < n; i++) {
		if ((h = hex_val(s[2 * i])) < 0 ||
		    (l = hex_val(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(h << 4 | l);
	}
	return 0;
}
