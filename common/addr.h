/*
 * addr.h - an IPv4 or IPv6 address with a port, as plain data.
 *
 * Cores pass addresses around without sockets; the daemon converts to and
 * from struct sockaddr.  Parsing "host:port" and "[v6]:port" is here too.
 */
#ifndef ADDR_H
#define ADDR_H

#include <stdbool.h>
#include <stdint.h>

#define ADDR_STRLEN	64	/* "[v6]:port" with room to spare */

struct addr {
	uint8_t		family;		/* 4, 6, or 0: none */
	uint8_t		ip[16];		/* network order; v4 in ip[0..3] */
	uint16_t	port;		/* host order */
};

/*
 * Parse "1.2.3.4:5", "[::1]:5" or, with defport, also a bare address.
 * 0, or EINVAL.  Host names are not resolved here.
 */
int	addr_parse(const char *, uint16_t defport, struct addr *);
/* "1.2.3.4:5" or "[::1]:5" into buf (ADDR_STRLEN bytes). */
char	*addr_str(const struct addr *, char *buf);
/* A bare "1.2.3.4" or "::1" (no port): 0, or EINVAL. */
int	addr_parse_ip(const char *, struct addr *);
/* "1.2.3.4" or "::1" into buf (ADDR_STRLEN bytes). */
char	*addr_ip_str(const struct addr *, char *buf);
bool	addr_eq(const struct addr *, const struct addr *);
/* 0.0.0.0 or :: */
bool	addr_is_any(const struct addr *);
/* The same IP address, ports aside. */
bool	addr_ip_eq(const struct addr *, const struct addr *);
/* 127.0.0.0/8 or ::1 */
bool	addr_is_loopback(const struct addr *);
/*
 * Not reachable from the Internet: loopback, private (RFC 1918), shared
 * (RFC 6598), link-local (RFC 3927, RFC 4291), unique local (RFC 4193).
 */
bool	addr_is_private(const struct addr *);
/* Loopback, or the IP of one of the n addresses (ports aside). */
bool	addr_is_among(const struct addr *, const struct addr *, unsigned n);

#endif
