/*
 * sip_uri.h - SIP and SIPS URIs (RFC 3261 §19.1), name-addr / addr-spec
 * values with their header parameters (§20.10, §25.1), as views of the
 * text (sip_pl.h).
 *
 * Parsers never copy: every field is a view (struct sip_pl) into the
 * text given, which must outlive them.  They are strict (the §25 ABNF,
 * with its character sets) and bounded by the text's length.  No I/O.
 */
#ifndef SIP_URI_H
#define SIP_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_pl.h"

struct sip_uri {
	bool		 sips;
	struct sip_pl	 user;		/* as written (escapes kept); empty:
					   none */
	struct sip_pl	 password;
	struct sip_pl	 host;		/* an IPv6 reference without [] */
	bool		 ipv6;
	uint16_t	 port;		/* 0: not given */
	struct sip_pl	 params;	/* ";a=b;c", or empty */
	struct sip_pl	 headers;	/* "?h=v&...", or empty */
};

/* A sip: or sips: URI filling all of s.  0 or EBADMSG. */
int	sip_uri_parse(struct sip_uri *, const char *s, size_t len);
struct addr;
/* The URI's host:port as an address, an IP literal's only (no DNS
 * here), the port 5060 (sips: 5061) if none is given.  0 or EINVAL. */
int	sip_uri_addr(const struct sip_uri *, struct addr *);
/* Any absolute URI, loosely: scheme ":" and visible characters other
 * than <, > and " (a tel: or mailto: Request-URI or Contact). */
bool	sip_uri_absolute(const char *s, size_t len);

/*
 * The value of parameter name (case-insensitive) in a ";a=b;c" list:
 * true and *value (empty for a bare "c"), or false.
 */
bool	sip_uri_param(const struct sip_pl *params, const char *name,
	    struct sip_pl *value);

/*
 * The next parameter of a ";a=b;c" list that *rest views (a checked one:
 * sip_uri_addr_parse's params, a URI's): its name and value (empty for a
 * bare "c"; a quoted-string with its quotes), and, if whole is not NULL,
 * all of its text with the ';' before it; *rest moves past it.  false
 * at the end.
 */
bool	sip_uri_param_next(struct sip_pl *rest, struct sip_pl *name,
	    struct sip_pl *value, struct sip_pl *whole);

/*
 * From, To, Contact, Route, Record-Route: [display-name] <URI>, or a
 * bare addr-spec, then header parameters.  With <>, the URI may be any
 * absolute URI: uri_sip says whether it was a sip/sips one (and uri is
 * filled).  Without <>, what follows the first ';' is header parameters
 * (§20.10).  Contact: "*" sets star.
 */
struct sip_addr {
	struct sip_pl	 display;	/* without quotes, escapes kept */
	struct sip_pl	 uri_str;
	bool		 uri_sip;
	struct sip_uri	 uri;
	struct sip_pl	 params;	/* ";tag=...", or empty */
	bool		 star;
};

int	sip_uri_addr_parse(struct sip_addr *, const struct sip_pl *value,
	    bool star_ok);

/* RFC 3261 §25.1 character classes, for the message parser too. */
bool	sip_uri_is_token(int c);
bool	sip_uri_token(const struct sip_pl *);

#endif
