/*
 * addr.c - parse and print addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static int
addr_port(const char *s, uint16_t *port)
{
	char	*end;
	long	 v;

	if (*s == '\0')
		return EINVAL;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535 || s[0] == '+' || s[0] == '-')
		return EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int
addr_parse(const char *s, uint16_t defport, struct addr *a)
{
	char		 host[INET6_ADDRSTRLEN + 1];
	const char	*colon, *end, *port = NULL;
	size_t		 n;

	memset(a, 0, sizeof *a);
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return EINVAL;
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return EINVAL;
		s++;
	} else {
		colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return EINVAL;	/* bare v6 needs brackets */
		n = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (colon != NULL)
			port = colon + 1;
	}
	if (n == 0 || n >= sizeof host)
		return EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (addr_parse_ip(host, a) != 0)
		return EINVAL;
	if (port != NULL)
		return addr_port(port, &a->port);
	if (defport == 0)
		return EINVAL;
	a->port = defport;
	return 0;
}

int
addr_parse_ip(const char *s, struct addr *a)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, s, a->ip) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, s, a->ip) == 1)
		a->family = 6;
	else
		return EINVAL;
	return 0;
}

char *
addr_ip_str(const struct addr *a, char *buf)
{
	if (a->family == 0 || inet_ntop(a->family == 4 ? AF_INET : AF_INET6,
	    a->ip, buf, ADDR_STRLEN) == NULL)
		snprintf(buf, ADDR_STRLEN, "-");
	return buf;
}

char *
addr_str(const struct addr *a, char *buf)
{
	char	ip[INET6_ADDRSTRLEN];

	if (a->family == 4) {
		inet_ntop(AF_INET, a->ip, ip, sizeof ip);
		snprintf(buf, ADDR_STRLEN, "%s:%u", ip, a->port);
	} else if (a->family == 6) {
		inet_ntop(AF_INET6, a->ip, ip, sizeof ip);
		snprintf(buf, ADDR_STRLEN, "[%s]:%u", ip, a->port);
	} else
		snprintf(buf, ADDR_STRLEN, "-");
	return buf;
}

bool
addr_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

bool
addr_is_any(const struct addr *a)
{
	static const uint8_t	zero[16];

	return memcmp(a->ip, zero, a->family == 4 ? 4 : 16) == 0;
}

bool
addr_ip_eq(const struct addr *a, const struct addr *b)
{
	return a->family == b->family &&
	    memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

bool
addr_is_loopback(const struct addr *a)
{
	static const uint8_t	v6lo[16] = { [15] = 1 };

	return (a->family == 4 && a->ip[0] == 127) ||
	    (a->family == 6 && memcmp(a->ip, v6lo, 16) == 0);
}

bool
addr_is_private(const struct addr *a)
{
	const uint8_t	*p = a->ip;

	if (addr_is_loopback(a))
		return true;
	if (a->family == 4)
		return p[0] == 10 || (p[0] == 172 && (p[1] & 0xf0) == 16) ||
		    (p[0] == 192 && p[1] == 168) ||
		    (p[0] == 100 && (p[1] & 0xc0) == 64) ||
		    (p[0] == 169 && p[1] == 254);
	return a->family == 6 && ((p[0] & 0xfe) == 0xfc ||
	    (p[0] == 0xfe && (p[1] & 0xc0) == 0x80));
}

bool
addr_is_among(const struct addr *a, const struct addr *v, unsigned n)
{
	unsigned	i;

	if (addr_is_loopback(a))
		return true;
	for (i = 0; i < n; i++)
		if (addr_ip_eq(a, &v[i]))
			return true;
	return false;
}
