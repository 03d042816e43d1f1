/*
 * cfg.c - configuration: defaults table, INI through inih, -o overrides.
 *
 * Parsing runs in passes over one buffer:
 *
 *  1. A scan splits the text into lines and marks the ones inih cannot take
 *     whole (longer than its fixed line buffer, or holding a NUL byte).
 *  2. Syntax passes: inih reports only the first malformed line, so each
 *     pass records that line, blanks it and runs again, until the text is
 *     clean or CFG_ERRORS_MAX is reached.  A reader callback hands inih one
 *     line at a time, which is how the handler learns line numbers (Debian's
 *     inih is built without INI_HANDLER_LINENO).
 *  3. The value pass calls the setter for every key, recording unknown
 *     keys, bad values and duplicates with their line.
 *  4. Overrides go through the same setter; then computed defaults are
 *     filled in and cross-key checks run.
 */
#define _DEFAULT_SOURCE		/* explicit_bzero */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ini.h>

#include "cfg.h"
#include "xmalloc.h"

/* The longest line inih's compiled-in buffer holds (see ini.h). */
#if CFG_LINE_MAX != INI_MAX_LINE - 3
#error "CFG_LINE_MAX must match inih's INI_MAX_LINE"
#endif

enum cfg_type {
	CFG_PATH,		/* a file name, made absolute */
	CFG_LOGLEVEL,		/* enum log_level by name */
	CFG_INT,		/* an int within [min, max] */
	CFG_FQDN,		/* a DNS name (RFC 1035 §2.3.1) */
	CFG_ADDR,		/* IP:port; the port may default */
	CFG_ADDRLIST,		/* comma-separated IP:port; lines append */
	CFG_BOOL,		/* yes or no, as an int */
	CFG_IP,			/* an IP address, no port; "": none */
	CFG_AORLIST,		/* comma-separated AORs; lines append */
	CFG_CHOICE,		/* one of choices, as its index (an int) */
	CFG_PORTS,		/* LO-HI: an even range of UDP ports (two
				   ints: the field and the next) */
};

#define CFG_F_LIVE	0x1	/* SIGHUP applies it without a restart */
#define CFG_F_OFF	0x2	/* CFG_ADDR: "" turns it off (family 0) */
#define CFG_F_PORT0	0x4	/* CFG_ADDR: port 0: a free one, picked */

struct cfg_key {
	const char	*section;
	const char	*name;
	enum cfg_type	 type;
	size_t		 off;	/* offset of the field in struct cfg */
	const char	*def;	/* default as text; "" for a computed one */
	unsigned	 flags;
	long		 min, max;	/* CFG_INT */
	const char *const *choices;	/* CFG_CHOICE, NULL-terminated */
};

/* In the order of enum sip_ua_answer and enum sdp_srtp_policy. */
static const char *const cfg_answers[] = { "ring", "auto", "reject", NULL };
static const char *const cfg_srtp[] = { "off", "offer", "require", NULL };

#define NODE(f)	offsetof(struct cfg, node.f)
#define OV(f)	offsetof(struct cfg, overlay.f)
#define OV_INT(k, d, lo, hi) \
	{ "overlay", #k, CFG_INT, OV(k), d, 0, lo, hi, NULL }
#define SIP_INT(k, d, lo, hi) \
	{ "sip", #k, CFG_INT, offsetof(struct cfg, sip.k), d, 0, lo, hi, NULL }
#define ST_INT(k, d, lo, hi) \
	{ "storage", #k, CFG_INT, offsetof(struct cfg, storage.k), d, 0, \
	    lo, hi, NULL }

/*
 * Every key, with its default.  conf/p2psipd.conf and p2psipd.conf(5)
 * document the same keys; tests/unit/check_cfg.c checks the example file
 * against this table.
 */
static const struct cfg_key cfg_keys[] = {
	{ "node", "data_dir",		CFG_PATH,	NODE(data_dir),	"", 0,
	    0, 0, NULL },
	{ "node", "control_socket",	CFG_PATH,	NODE(control_socket),
	    "", 0, 0, 0, NULL },
	{ "node", "pidfile",		CFG_PATH,	NODE(pidfile),	"", 0,
	    0, 0, NULL },
	{ "node", "log_level",		CFG_LOGLEVEL,	NODE(log_level),
	    "info", CFG_F_LIVE, 0, 0, NULL },
	{ "overlay", "name",		CFG_FQDN,	OV(name),
	    "p2psipd.localhost", 0, 0, 0, NULL },
	/* for addresses, min is the port a bare address gets */
	{ "overlay", "listen",		CFG_ADDR,	OV(listen),
	    "127.0.0.1:6084", 0, CFG_OVERLAY_PORT, 0, NULL },
	{ "overlay", "bootstrap",	CFG_ADDRLIST,	OV(bootstrap), "", 0,
	    CFG_OVERLAY_PORT, 0, NULL },
	{ "overlay", "root_cert",	CFG_PATH,	OV(root_cert), "", 0,
	    0, 0, NULL },
	OV_INT(successors, "3", 1, 16),
	OV_INT(predecessors, "3", 1, 16),
	OV_INT(fingers, "16", 1, 128),
	OV_INT(max_message_size, "5000", 1024, 16777215),
	OV_INT(initial_ttl, "100", 1, 255),
	OV_INT(reliability_timer, "3000", 200, 60000),
	OV_INT(update_interval, "600", 10, 86400),
	OV_INT(finger_interval, "3600", 10, 86400),
	OV_INT(probe_interval, "60", 1, 3600),
	OV_INT(partition_check, "600", 0, 86400),
	OV_INT(link_timeout, "30", 2, 3600),
	OV_INT(max_links, "128", 4, 4096),
	OV_INT(max_pending, "512", 8, 65536),
	ST_INT(replicas, "3", 1, 17),
	ST_INT(replica_holddown, "30", 0, 3600),
	ST_INT(max_lifetime, "86400", 60, 31536000),
	ST_INT(quota, "64", 1, 65536),
	ST_INT(peer_store_rate, "100", 1, 1000000),
	ST_INT(peer_store_burst, "1000", 1, 1000000),
	ST_INT(registration_expires, "3600", 60, 31536000),
	ST_INT(sip_registration_max_count, "10", 1, 1024),
	ST_INT(sip_registration_max_size, "1000", 64, 65535),
	ST_INT(turn_service_max_count, "1", 1, 1024),
	ST_INT(turn_service_max_size, "100", 16, 65535),
	ST_INT(certificate_max_count, "4", 1, 1024),
	ST_INT(certificate_max_size, "2048", 256, 65535),
	{ "sip", "listen",		CFG_ADDR,
	    offsetof(struct cfg, sip.listen), "127.0.0.1:5060", CFG_F_PORT0,
	    CFG_SIP_PORT, 0, NULL },
	{ "sip", "tls_listen",		CFG_ADDR,
	    offsetof(struct cfg, sip.tls_listen), "127.0.0.1:5061",
	    CFG_F_OFF | CFG_F_PORT0, CFG_SIPS_PORT, 0, NULL },
	SIP_INT(max_message_size, "65535", 1500, 65535),
	SIP_INT(max_headers, "128", 16, 1024),
	SIP_INT(stream_timeout, "30", 1, 3600),
	SIP_INT(max_transactions, "65536", 64, 4194304),
	SIP_INT(lookup_cache, "30", 0, 3600),
	{ "sip", "advertise",		CFG_IP,
	    offsetof(struct cfg, sip.advertise), "", 0, 0, 0, NULL },
	{ "sip", "auth_local",		CFG_BOOL,
	    offsetof(struct cfg, sip.auth_local), "no", 0, 0, 0, NULL },
	{ "ua", "aor",			CFG_AORLIST,
	    offsetof(struct cfg, ua.aor), "", 0, 0, 0, NULL },
	{ "ua", "answer",		CFG_CHOICE,
	    offsetof(struct cfg, ua.answer), "ring", 0, 0, 0, cfg_answers },
	{ "media", "srtp",		CFG_CHOICE,
	    offsetof(struct cfg, media.srtp), "offer", 0, 0, 0, cfg_srtp },
	{ "media", "rtp_ports",		CFG_PORTS,
	    offsetof(struct cfg, media.rtp_port_min), "16384-32767", 0, 0,
	    0, NULL },
};
#define CFG_NKEYS	(sizeof cfg_keys / sizeof cfg_keys[0])

/* Errors collected while parsing, reported sorted by line. */
struct cfg_err {
	unsigned	 line;		/* sort key: 0 file, UINT_MAX after */
	char		*text;
};

struct cfg_errs {
	struct cfg_err	*v;
	size_t		 n;
	unsigned	 count;		/* all errors, also those dropped */
};

/* Where the parser is: the text, its lines, and what is known of them. */
struct cfg_parse {
	struct cfg	*cfg;
	const char	*name;		/* file name for messages */
	const char	*buf;
	size_t		 len;
	size_t		 nlines;
	size_t		*start;		/* [line] offset of line (1-based) */
	uint8_t		*blank;		/* [line] hand inih an empty line */
	unsigned	 line;		/* reader: line last handed out */
	unsigned	 set_line[CFG_NKEYS];	/* line that set each key */
	bool		 overridden[CFG_NKEYS];	/* an -o set it already */
	const char	*last_bad_section;
	struct cfg_errs	 errs;
};

static void __attribute__((__format__(__printf__, 4, 5)))
cfg_err(struct cfg_errs *e, unsigned line, const char *where,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (e->count++ == CFG_ERRORS_MAX) {
		msg = xstrdup("too many errors, giving up");
		line = UINT_MAX;
		where = NULL;
	} else if (e->count > CFG_ERRORS_MAX)
		return;
	else {
		va_start(ap, fmt);
		msg = xvasprintf(fmt, ap);
		va_end(ap);
	}
	e->v = xreallocarray(e->v, e->n + 1, sizeof *e->v);
	e->v[e->n].line = line;
	e->v[e->n].text = where != NULL ? xasprintf("%s: %s", where, msg) :
	    xstrdup(msg);
	e->n++;
	free(msg);
}

/* All errors, by line (stable), one per line of the allocated text. */
static char *
cfg_errs_text(struct cfg_errs *e)
{
	struct cfg_err	 t;
	size_t		 i, j, len = 0;
	char		*text;

	for (i = 1; i < e->n; i++) {
		t = e->v[i];
		for (j = i; j > 0 && e->v[j - 1].line > t.line; j--)
			e->v[j] = e->v[j - 1];
		e->v[j] = t;
	}
	for (i = 0; i < e->n; i++)
		len += strlen(e->v[i].text) + 1;
	text = xmalloc(len + 1);
	text[0] = '\0';
	for (i = 0; i < e->n; i++) {
		if (i != 0)
			strcat(text, "\n");
		strcat(text, e->v[i].text);
		free(e->v[i].text);
	}
	free(e->v);
	return text;
}

static void __attribute__((__format__(__printf__, 3, 4)))
cfg_err_line(struct cfg_parse *p, unsigned line, const char *fmt, ...)
{
	va_list	 ap;
	char	*where, *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	where = xasprintf("%s:%u", p->name, line);
	cfg_err(&p->errs, line, where, "%s", msg);
	free(where);
	free(msg);
}

static const struct cfg_key *
cfg_find(const char *section, const char *name, size_t *idx)
{
	size_t	i;

	for (i = 0; i < CFG_NKEYS; i++) {
		if (strcmp(cfg_keys[i].section, section) == 0 &&
		    strcmp(cfg_keys[i].name, name) == 0) {
			*idx = i;
			return &cfg_keys[i];
		}
	}
	return NULL;
}

static bool
cfg_section_known(const char *section)
{
	size_t	i;

	for (i = 0; i < CFG_NKEYS; i++)
		if (strcmp(cfg_keys[i].section, section) == 0)
			return true;
	return false;
}

/* An absolute copy of path: relative ones are taken from the cwd. */
static char *
cfg_abspath(const char *path)
{
	char	cwd[PATH_MAX];

	if (path[0] == '/' || path[0] == '\0')
		return xstrdup(path);
	if (getcwd(cwd, sizeof cwd) == NULL)
		return xstrdup(path);	/* checked later: must be absolute */
	if (strcmp(path, ".") == 0)
		return xstrdup(cwd);
	if (strncmp(path, "./", 2) == 0)
		path += 2;
	return xasprintf("%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
}

/* RFC 1035 §2.3.1 (with RFC 1123's leading digits): labels of letters,
 * digits and hyphens, 63 bytes each, 253 in all. */
static bool
cfg_fqdn_ok(const char *s)
{
	size_t	label = 0, n = strlen(s), i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i <= n; i++) {
		if (s[i] == '.' || s[i] == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] == '-' && label > 0))
			label++;
		else
			return false;
	}
	return true;
}

static int
cfg_set_int(int *field, const struct cfg_key *k, const char *value,
    char **why)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || errno != 0 || v < k->min ||
	    v > k->max) {
		*why = xasprintf("bad value '%s' (expected an integer from %ld "
		    "to %ld)", value, k->min, k->max);
		return EINVAL;
	}
	*field = (int)v;
	return 0;
}

static int
cfg_parse_addr(const char *s, long port, struct addr *a, char **why)
{
	if (addr_parse(s, (uint16_t)port, a) != 0) {
		*why = xasprintf("bad address '%s' (expected IP:port or "
		    "[IPv6]:port; host names are not resolved)", s);
		return EINVAL;
	}
	return 0;
}

/* The same, where port 0 asks for a free one ("127.0.0.1:0"). */
static int
cfg_parse_listen(const char *s, long port, struct addr *a, char **why)
{
	size_t	 len = strlen(s);
	char	*ip;
	int	 rc;

	if (len < 3 || strcmp(s + len - 2, ":0") != 0)
		return cfg_parse_addr(s, port, a, why);
	ip = xstrndup(s, len - 2);
	if ((rc = cfg_parse_addr(ip, 1, a, why)) == 0)
		a->port = 0;
	else {
		free(*why);
		*why = xasprintf("bad address '%s' (expected IP:port or "
		    "[IPv6]:port, port 0 for a free one)", s);
	}
	free(ip);
	return rc;
}

/*
 * A [users] line: NAME = PASSWORD, for Digest authentication (RFC 3261
 * §22).  The name is the user part of the AOR it may register.
 */
static int
cfg_add_user(struct cfg *c, const char *name, const char *password,
    char **why)
{
	size_t	i;

	if (*name == '\0' || strlen(name) > 64 || strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-._~+") != strlen(name)) {
		*why = xstrdup("bad user name (1 to 64 letters, digits and "
		    "-._~+, the user part of an AOR)");
		return EINVAL;
	}
	if (*password == '\0' || strlen(password) > 128) {
		*why = xstrdup("the password must be 1 to 128 characters");
		return EINVAL;
	}
	for (i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, name) == 0) {
			*why = xstrdup("set twice");
			return EINVAL;
		}
	c->users = xreallocarray(c->users, c->nusers + 1,
	    sizeof c->users[0]);
	c->users[c->nusers].name = xstrdup(name);
	c->users[c->nusers].password = xstrdup(password);
	c->nusers++;
	return 0;
}

/* Append a comma-separated list of addresses; replace: drop the old. */
static int
cfg_set_list(struct cfg_addrlist *l, const struct cfg_key *k,
    const char *value, bool replace, char **why)
{
	char	*copy = xstrdup(value), *tok, *save = NULL, *e;
	int	 rc = 0;

	if (replace) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		e = tok + strlen(tok);
		while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*tok == '\0')
			continue;
		if (l->n == CFG_LIST_MAX) {
			*why = xasprintf("more than %d addresses", CFG_LIST_MAX);
			rc = EINVAL;
			break;
		}
		l->v = xreallocarray(l->v, (size_t)l->n + 1, sizeof *l->v);
		rc = cfg_parse_addr(tok, k->min, &l->v[l->n], why);
		l->n += rc == 0;
	}
	free(copy);
	return rc;
}

/* "user" or "user@domain": characters of a SIP URI's user part
 * (RFC 3261 §25.1), then a domain name. */
static bool
cfg_aor_ok(const char *s)
{
	const char	*at = strchr(s, '@');
	size_t		 n = at != NULL ? (size_t)(at - s) : strlen(s), i;

	if (n == 0 || n > 128)
		return false;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_.!~*'()&=+$;?/%", s[i]) == NULL)
			return false;
	return at == NULL || cfg_fqdn_ok(at + 1);
}

/* Append comma-separated AORs; replace: drop the old. */
static int
cfg_set_aors(struct cfg_strlist *l, const char *value, bool replace,
    char **why)
{
	char	*copy = xstrdup(value), *tok, *save = NULL, *e;
	int	 rc = 0, i;

	if (replace) {
		for (i = 0; i < l->n; i++)
			free(l->v[i]);
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " \t");
		e = tok + strlen(tok);
		while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*tok == '\0')
			continue;
		if (!cfg_aor_ok(tok)) {
			*why = xasprintf("bad AOR '%s' (expected user or "
			    "user@OVERLAY)", tok);
			rc = EINVAL;
			break;
		}
		if (l->n == CFG_LIST_MAX) {
			*why = xasprintf("more than %d AORs", CFG_LIST_MAX);
			rc = EINVAL;
			break;
		}
		l->v = xreallocarray(l->v, (size_t)l->n + 1, sizeof *l->v);
		l->v[l->n++] = xstrdup(tok);
	}
	free(copy);
	return rc;
}

static int
cfg_set_choice(int *field, const struct cfg_key *k, const char *value,
    char **why)
{
	char	*list = xstrdup("");
	int	 i;

	for (i = 0; k->choices[i] != NULL; i++)
		if (strcmp(value, k->choices[i]) == 0) {
			free(list);
			*field = i;
			return 0;
		}
	for (i = 0; k->choices[i] != NULL; i++) {
		char	*next = xasprintf("%s%s%s", list, i == 0 ? "" :
			    k->choices[i + 1] == NULL ? " or " : ", ",
			    k->choices[i]);

		free(list);
		list = next;
	}
	*why = xasprintf("bad value '%s' (expected %s)", value, list);
	free(list);
	return EINVAL;
}

/* LO-HI, even LO, at least one RTP/RTCP pair (RFC 3550 §11). */
static int
cfg_set_ports(int *field, const char *value, char **why)
{
	unsigned	lo, hi;
	int		n = -1;

	if (sscanf(value, "%5u-%5u%n", &lo, &hi, &n) != 2 ||
	    n != (int)strlen(value) || lo < 1024 || hi > 65535 ||
	    lo % 2 != 0 || hi < lo + 1) {
		*why = xasprintf("bad value '%s' (expected LO-HI: an even "
		    "LO from 1024, HI above it, up to 65535)", value);
		return EINVAL;
	}
	field[0] = (int)lo;
	field[1] = (int)hi;
	return 0;
}

/*
 * Set one key from its text form; a list appends unless replace.  Returns
 * 0, or EINVAL with *why set to an allocated explanation.
 */
static int
cfg_set(struct cfg *c, const struct cfg_key *k, const char *value,
    bool replace, char **why)
{
	void		*field = (char *)c + k->off;
	enum log_level	 level;

	switch (k->type) {
	case CFG_PATH:
		if (strlen(value) >= PATH_MAX) {
			*why = xasprintf("path too long (at most %d bytes)",
			    PATH_MAX - 1);
			return EINVAL;
		}
		free(*(char **)field);
		*(char **)field = cfg_abspath(value);
		return 0;
	case CFG_LOGLEVEL:
		if (log_level_parse(value, &level) != 0) {
			*why = xasprintf("bad value '%s' (expected error, "
			    "warn, info or debug)", value);
			return EINVAL;
		}
		*(enum log_level *)field = level;
		return 0;
	case CFG_INT:
		return cfg_set_int(field, k, value, why);
	case CFG_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 ||
		    strcmp(value, "on") == 0 || strcmp(value, "1") == 0)
			*(int *)field = 1;
		else if (strcmp(value, "no") == 0 ||
		    strcmp(value, "false") == 0 || strcmp(value, "off") == 0 ||
		    strcmp(value, "0") == 0)
			*(int *)field = 0;
		else {
			*why = xasprintf("bad value '%s' (expected yes or "
			    "no)", value);
			return EINVAL;
		}
		return 0;
	case CFG_FQDN:
		if (!cfg_fqdn_ok(value)) {
			*why = xasprintf("bad value '%s' (expected a domain "
			    "name such as overlay.example.org)", value);
			return EINVAL;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 0;
	case CFG_ADDR:
		if (*value == '\0' && (k->flags & CFG_F_OFF)) {
			memset(field, 0, sizeof(struct addr));
			return 0;
		}
		return (k->flags & CFG_F_PORT0) ? cfg_parse_listen(value,
		    k->min, field, why) : cfg_parse_addr(value, k->min, field,
		    why);
	case CFG_ADDRLIST:
		return cfg_set_list(field, k, value, replace, why);
	case CFG_AORLIST:
		return cfg_set_aors(field, value, replace, why);
	case CFG_CHOICE:
		return cfg_set_choice(field, k, value, why);
	case CFG_PORTS:
		return cfg_set_ports(field, value, why);
	case CFG_IP:
		if (*value == '\0') {
			memset(field, 0, sizeof(struct addr));
			return 0;
		}
		if (addr_parse_ip(value, field) != 0) {
			*why = xasprintf("bad IP address '%s' (expected an IPv4 "
			    "or IPv6 address, without a port)", value);
			return EINVAL;
		}
		return 0;
	}
	*why = xstrdup("unhandled key type");
	return EINVAL;
}

static int
cfg_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct cfg_parse	*p = arg;
	const struct cfg_key	*k;
	size_t			 idx;
	char			*why = NULL;

	if (*section == '\0') {
		cfg_err_line(p, p->line, "key '%s' outside any section", name);
		return 1;
	}
	if (strcmp(section, "users") == 0) {
		if (cfg_add_user(p->cfg, name, value, &why) != 0) {
			cfg_err_line(p, p->line, "[users] %s: %s", name, why);
			free(why);
		}
		return 1;
	}
	if ((k = cfg_find(section, name, &idx)) == NULL) {
		if (cfg_section_known(section))
			cfg_err_line(p, p->line,
			    "unknown key '%s' in section [%s]", name, section);
		else if (p->last_bad_section == NULL ||
		    strcmp(p->last_bad_section, section) != 0) {
			cfg_err_line(p, p->line, "unknown section [%s]",
			    section);
			free((char *)p->last_bad_section);
			p->last_bad_section = xstrdup(section);
		}
		return 1;
	}
	if (p->set_line[idx] != 0 && k->type != CFG_ADDRLIST &&
	    k->type != CFG_AORLIST) {
		cfg_err_line(p, p->line, "[%s] %s: set twice (first on "
		    "line %u)", section, name, p->set_line[idx]);
		return 1;
	}
	p->set_line[idx] = p->line;
	if (cfg_set(p->cfg, k, value, false, &why) != 0) {
		cfg_err_line(p, p->line, "[%s] %s: %s", section, name, why);
		free(why);
	}
	return 1;	/* keep going: errors are collected, not fatal */
}

static int
cfg_null_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	(void)arg;
	(void)section;
	(void)name;
	(void)value;
	return 1;
}

/* inih's reader: one line per call, blanked lines as empty ones. */
static char *
cfg_reader(char *str, int num, void *arg)
{
	struct cfg_parse	*p = arg;
	size_t			 n;

	if (p->line >= p->nlines)
		return NULL;
	p->line++;
	n = (p->line < p->nlines ? p->start[p->line + 1] : p->len) -
	    p->start[p->line];
	if (p->blank[p->line] || num < 2 || n > (size_t)num - 1) {
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	memcpy(str, p->buf + p->start[p->line], n);
	str[n] = '\0';
	return str;
}

/* Split into lines; mark and report the ones inih can't read whole. */
static void
cfg_scan(struct cfg_parse *p)
{
	size_t		 i, n, end;
	const char	*nl;

	p->nlines = 0;
	for (i = 0; i < p->len; i = end) {
		nl = memchr(p->buf + i, '\n', p->len - i);
		end = nl != NULL ? (size_t)(nl - p->buf) + 1 : p->len;
		p->nlines++;
	}
	p->start = xcalloc(p->nlines + 2, sizeof *p->start);
	p->blank = xcalloc(p->nlines + 2, 1);
	n = 0;
	for (i = 0; i < p->len; i = end) {
		nl = memchr(p->buf + i, '\n', p->len - i);
		end = nl != NULL ? (size_t)(nl - p->buf) + 1 : p->len;
		p->start[++n] = i;
		if (memchr(p->buf + i, '\0', end - i) != NULL) {
			cfg_err_line(p, (unsigned)n, "NUL byte in line");
			p->blank[n] = 1;
		} else if (end - i - (nl != NULL) > CFG_LINE_MAX) {
			cfg_err_line(p, (unsigned)n, "line too long (at most "
			    "%d characters)", CFG_LINE_MAX);
			p->blank[n] = 1;
		}
	}
}

static void
cfg_parse_text(struct cfg_parse *p)
{
	int	rc;

	/* inih's default continuation lines would hide indentation typos. */
	ini_allow_multiline = false;
	cfg_scan(p);
	while (p->errs.count <= CFG_ERRORS_MAX) {
		p->line = 0;
		rc = ini_parse_stream(cfg_reader, p, cfg_null_handler, NULL);
		if (rc == 0)
			break;
		if (rc < 0 || (size_t)rc > p->nlines || p->blank[rc]) {
			cfg_err(&p->errs, 0, p->name, "cannot parse");
			return;
		}
		cfg_err_line(p, (unsigned)rc, "syntax error: expected "
		    "'[section]' or 'key = value'");
		p->blank[rc] = 1;
	}
	if (p->errs.count > CFG_ERRORS_MAX)
		return;
	p->line = 0;
	ini_parse_stream(cfg_reader, p, cfg_handler, p);
}

/* Apply one "section.key=value" override. */
static void
cfg_override(struct cfg_parse *p, const char *spec)
{
	const struct cfg_key	*k;
	const char		*dot, *eq;
	char			*section, *key, *where, *why = NULL;
	size_t			 idx;

	where = xasprintf("-o %s", spec);
	dot = strchr(spec, '.');
	eq = strchr(spec, '=');
	if (dot == NULL || eq == NULL || dot > eq || dot == spec ||
	    eq == dot + 1) {
		cfg_err(&p->errs, UINT_MAX, where,
		    "expected SECTION.KEY=VALUE");
		free(where);
		return;
	}
	section = xstrndup(spec, (size_t)(dot - spec));
	key = xstrndup(dot + 1, (size_t)(eq - dot - 1));
	if (strcmp(section, "users") == 0) {
		if (cfg_add_user(p->cfg, key, eq + 1, &why) != 0) {
			cfg_err(&p->errs, UINT_MAX, where, "[users] %s: %s",
			    key, why);
			free(why);
		}
	} else if ((k = cfg_find(section, key, &idx)) == NULL)
		cfg_err(&p->errs, UINT_MAX, where, cfg_section_known(section) ?
		    "unknown key '%s' in section [%s]" :
		    "unknown key '%s' in unknown section [%s]", key, section);
	else if (cfg_set(p->cfg, k, eq + 1, !p->overridden[idx], &why) != 0) {
		cfg_err(&p->errs, UINT_MAX, where, "[%s] %s: %s", section, key,
		    why);
		free(why);
	} else
		p->overridden[idx] = true;
	free(section);
	free(key);
	free(where);
}

char *
cfg_default_control_socket(void)
{
	const char	*rt = getenv("XDG_RUNTIME_DIR");

	if (rt != NULL && rt[0] == '/')
		return xasprintf("%s/p2psipd.sock", rt);
	return xstrdup("/run/p2psipd/p2psipd.sock");
}

/* Computed defaults and checks that involve more than one key. */
static void
cfg_finish(struct cfg_parse *p)
{
	struct cfg		*c = p->cfg;
	const char		*xdg;
	struct sockaddr_un	 sun;

	if (c->node.data_dir[0] == '\0') {
		free(c->node.data_dir);
		xdg = getenv("XDG_DATA_HOME");
		if (xdg != NULL && xdg[0] == '/')
			c->node.data_dir = xasprintf("%s/p2psipd", xdg);
		else
			c->node.data_dir = cfg_abspath("var");
	}
	if (c->node.control_socket[0] == '\0') {
		free(c->node.control_socket);
		c->node.control_socket = cfg_default_control_socket();
	}
	if (c->node.pidfile[0] == '\0') {
		free(c->node.pidfile);
		c->node.pidfile = xasprintf("%s/p2psipd.pid",
		    c->node.data_dir);
	}
	if (strlen(c->node.control_socket) >= sizeof sun.sun_path)
		cfg_err(&p->errs, UINT_MAX, p->name, "[node] control_socket: "
		    "path too long for a Unix socket (at most %zu bytes)",
		    sizeof sun.sun_path - 1);
	if (c->node.data_dir[0] != '/')
		cfg_err(&p->errs, UINT_MAX, p->name, "[node] data_dir: cannot "
		    "make '%s' absolute", c->node.data_dir);
	/* §10.4: the copies go to successors this node knows */
	if (c->storage.replicas > c->overlay.successors + 1)
		cfg_err(&p->errs, UINT_MAX, p->name, "[storage] replicas: %d "
		    "copies need at least %d successors ([overlay] successors "
		    "is %d)", c->storage.replicas, c->storage.replicas - 1,
		    c->overlay.successors);
	if (c->storage.registration_expires > c->storage.max_lifetime)
		cfg_err(&p->errs, UINT_MAX, p->name, "[storage] "
		    "registration_expires: %d is beyond max_lifetime (%d)",
		    c->storage.registration_expires, c->storage.max_lifetime);
}

static struct cfg *
cfg_defaults(void)
{
	struct cfg	*c;
	char		*why = NULL;
	size_t		 i;

	c = xcalloc(1, sizeof *c);
	for (i = 0; i < CFG_NKEYS; i++) {
		if (cfg_set(c, &cfg_keys[i], cfg_keys[i].def, true, &why) != 0)
			abort();	/* the table itself is wrong */
	}
	return c;
}

int
cfg_parse_buf(struct cfg **out, const char *name, const char *buf,
    size_t len, const char *const *overrides, size_t noverrides, char **cause)
{
	struct cfg_parse	 p;
	size_t			 i;
	int			 rc = 0;

	memset(&p, 0, sizeof p);
	p.cfg = cfg_defaults();
	p.name = name != NULL ? name : "(config)";
	if (buf != NULL) {
		if (name != NULL)
			p.cfg->file = xstrdup(name);
		p.buf = buf;
		p.len = len;
		cfg_parse_text(&p);
	}
	for (i = 0; i < noverrides; i++)
		cfg_override(&p, overrides[i]);
	if (p.errs.count == 0)
		cfg_finish(&p);
	if (p.errs.count != 0) {
		*cause = cfg_errs_text(&p.errs);
		cfg_free(p.cfg);
		rc = EINVAL;
	} else
		*out = p.cfg;
	free(p.start);
	free(p.blank);
	free((char *)p.last_bad_section);
	return rc;
}

int
cfg_read_file(const char *file, size_t max, char **buf, size_t *len,
    char **cause)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd, rc = 0;

	*buf = NULL;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = errno;
		*cause = xasprintf("%s: cannot open: %s", file, strerror(rc));
		return rc;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		rc = EINVAL;
		*cause = xasprintf("%s: not a regular file", file);
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		rc = EFBIG;
		*cause = xasprintf("%s: too large (at most %zu bytes)", file,
		    max);
		goto out;
	}
	*buf = xmalloc((size_t)st.st_size + 1);
	*len = 0;
	while (*len < (size_t)st.st_size &&
	    (n = read(fd, *buf + *len, (size_t)st.st_size - *len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = errno;
			*cause = xasprintf("%s: cannot read: %s", file,
			    strerror(rc));
			free(*buf);
			*buf = NULL;
			goto out;
		}
		*len += (size_t)n;
	}
out:
	close(fd);
	return rc;
}

int
cfg_load(struct cfg **out, const char *file, const char *const *overrides,
    size_t noverrides, char **cause)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 rc;

	if (file != NULL &&
	    (rc = cfg_read_file(file, CFG_FILE_MAX, &buf, &len, cause)) != 0)
		return rc;
	rc = cfg_parse_buf(out, file, buf, len, overrides, noverrides, cause);
	free(buf);
	return rc;
}

void
cfg_free(struct cfg *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < CFG_NKEYS; i++) {
		if (cfg_keys[i].type == CFG_PATH || cfg_keys[i].type == CFG_FQDN)
			free(*(char **)((char *)c + cfg_keys[i].off));
		else if (cfg_keys[i].type == CFG_ADDRLIST)
			free(((struct cfg_addrlist *)((char *)c +
			    cfg_keys[i].off))->v);
		else if (cfg_keys[i].type == CFG_AORLIST) {
			struct cfg_strlist *l = (struct cfg_strlist *)
			    ((char *)c + cfg_keys[i].off);
			int		    j;

			for (j = 0; j < l->n; j++)
				free(l->v[j]);
			free(l->v);
		}
	}
	for (i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		explicit_bzero(c->users[i].password,
		    strlen(c->users[i].password));
		free(c->users[i].password);
	}
	free(c->users);
	free(c->file);
	free(c);
}

const char *
cfg_user_password(const struct cfg *c, const char *aor)
{
	size_t	i, l = strcspn(aor, "@");

	for (i = 0; i < c->nusers; i++)
		if (strlen(c->users[i].name) == l &&
		    strncmp(c->users[i].name, aor, l) == 0)
			return c->users[i].password;
	return NULL;
}

static bool
cfg_equal(const struct cfg *a, const struct cfg *b, const struct cfg_key *k)
{
	const void	*fa = (const char *)a + k->off;
	const void	*fb = (const char *)b + k->off;

	const struct cfg_addrlist *la = fa, *lb = fb;
	const struct cfg_strlist *sa = fa, *sb = fb;
	int			 i;

	switch (k->type) {
	case CFG_PATH:
	case CFG_FQDN:
		return strcmp(*(char *const *)fa, *(char *const *)fb) == 0;
	case CFG_LOGLEVEL:
		return *(const enum log_level *)fa ==
		    *(const enum log_level *)fb;
	case CFG_INT:
	case CFG_BOOL:
	case CFG_CHOICE:
		return *(const int *)fa == *(const int *)fb;
	case CFG_PORTS:
		return memcmp(fa, fb, 2 * sizeof(int)) == 0;
	case CFG_AORLIST:
		if (sa->n != sb->n)
			return false;
		for (i = 0; i < sa->n; i++)
			if (strcmp(sa->v[i], sb->v[i]) != 0)
				return false;
		return true;
	case CFG_ADDR:
	case CFG_IP:
		return addr_eq(fa, fb);
	case CFG_ADDRLIST:
		if (la->n != lb->n)
			return false;
		for (i = 0; i < la->n; i++)
			if (!addr_eq(&la->v[i], &lb->v[i]))
				return false;
		return true;
	}
	return false;
}

size_t
cfg_diff(const struct cfg *old, const struct cfg *new,
    struct cfg_change *out, size_t max)
{
	size_t	i, n = 0;

	for (i = 0; i < CFG_NKEYS; i++) {
		if (cfg_equal(old, new, &cfg_keys[i]))
			continue;
		if (n < max) {
			out[n].section = cfg_keys[i].section;
			out[n].key = cfg_keys[i].name;
			out[n].live = (cfg_keys[i].flags & CFG_F_LIVE) != 0;
		}
		n++;
	}
	return n;
}

/* The value of key k in c as config text; caller frees. */
static char *
cfg_list_text(const struct cfg_addrlist *l, const char *key)
{
	char	*out = xstrdup(""), *next, a[ADDR_STRLEN];
	int	 i;

	for (i = 0; i < l->n; i++) {
		/* four to a line keeps lines under CFG_LINE_MAX */
		if (i != 0 && i % 4 == 0)
			next = xasprintf("%s\n%s = %s", out, key,
			    addr_str(&l->v[i], a));
		else
			next = xasprintf("%s%s%s", out, i == 0 ? "" : ",",
			    addr_str(&l->v[i], a));
		free(out);
		out = next;
	}
	return out;
}

/* One AOR to a line, the lines after the first with their key. */
static char *
cfg_aors_text(const struct cfg_strlist *l, const char *key)
{
	char	*out = xstrdup(""), *next;
	int	 i;

	for (i = 0; i < l->n; i++) {
		next = xasprintf("%s%s%s%s", out, i == 0 ? "" : "\n",
		    i == 0 ? "" : key, "");
		free(out);
		out = i == 0 ? xasprintf("%s%s", next, l->v[i]) :
		    xasprintf("%s = %s", next, l->v[i]);
		free(next);
	}
	return out;
}

static char *
cfg_value_text(const struct cfg *c, const struct cfg_key *k)
{
	const void	*field = (const char *)c + k->off;
	char		 a[ADDR_STRLEN];

	switch (k->type) {
	case CFG_PATH:
	case CFG_FQDN:
		return xstrdup(*(char *const *)field);
	case CFG_LOGLEVEL:
		return xstrdup(log_level_name(*(const enum log_level *)field));
	case CFG_INT:
		return xasprintf("%d", *(const int *)field);
	case CFG_BOOL:
		return xstrdup(*(const int *)field ? "yes" : "no");
	case CFG_ADDR:
		if (((const struct addr *)field)->family == 0)
			return xstrdup("");
		return xstrdup(addr_str(field, a));
	case CFG_ADDRLIST:
		return cfg_list_text(field, k->name);
	case CFG_AORLIST:
		return cfg_aors_text(field, k->name);
	case CFG_CHOICE:
		return xstrdup(k->choices[*(const int *)field]);
	case CFG_PORTS:
		return xasprintf("%d-%d", ((const int *)field)[0],
		    ((const int *)field)[1]);
	case CFG_IP:
		if (((const struct addr *)field)->family == 0)
			return xstrdup("");
		return xstrdup(addr_ip_str(field, a));
	}
	return xstrdup("");
}

char *
cfg_dump(const struct cfg *c)
{
	const struct cfg_key	*k;
	const char		*section = NULL;
	char			*out = xstrdup(""), *v, *next;
	bool			 head;
	size_t			 i;

	for (i = 0; i < CFG_NKEYS; i++) {
		k = &cfg_keys[i];
		head = section == NULL || strcmp(section, k->section) != 0;
		v = cfg_value_text(c, k);
		next = xasprintf("%s%s%s%s%s%s = %s\n", out,
		    head && section != NULL ? "\n" : "", head ? "[" : "",
		    head ? k->section : "", head ? "]\n" : "", k->name, v);
		free(out);
		free(v);
		out = next;
		section = k->section;
	}
	if (c->nusers != 0) {
		next = xasprintf("%s\n[users]\n; %zu, passwords not shown:",
		    out, c->nusers);
		free(out);
		out = next;
		for (i = 0; i < c->nusers; i++) {
			next = xasprintf("%s %s", out, c->users[i].name);
			free(out);
			out = next;
		}
		next = xasprintf("%s\n", out);
		free(out);
		out = next;
	}
	return out;
}

const char *
cfg_key_at(size_t i, const char **section, const char **def)
{
	if (i >= CFG_NKEYS)
		return NULL;
	*section = cfg_keys[i].section;
	*def = cfg_keys[i].def;
	return cfg_keys[i].name;
}
