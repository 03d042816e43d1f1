/*
 * cfg_key.c - the configuration's keys: each with its section, type,
 * default and bounds in one table, and the setter that checks a value
 * in text form and stores it in struct cfg.  The INI parser, the -o
 * overrides and the defaults all set keys through it.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_int.h"
#include "xmalloc.h"

/* In the order of enum sip_ua_answer and enum sdp_srtp_policy. */
static const char *const cfg_answers[] = { "ring", "auto", "reject", NULL };
static const char *const cfg_srtp[] = { "off", "offer", "require", NULL };
static const char *const cfg_nat_modes[] = { "auto", "peer", "client", NULL };
/* [media] anchor, [ua] direct: enum cfg_anchor, enum sip_ua_direct_mode */
static const char *const cfg_auto_on_off[] = { "auto", "on", "off", NULL };
/* [overlay] finger_density: the index is log2 (ov_chord.h) */
static const char *const cfg_density[] = { "1", "2", "4", "8", "16", NULL };

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
	{ "overlay", "finger_density",	CFG_CHOICE,	OV(finger_density),
	    "1", 0, 0, 0, cfg_density },
	{ "overlay", "pns",		CFG_BOOL,	OV(pns), "no", 0, 0, 0,
	    NULL },
	OV_INT(location_cache, "64", 0, 1024),
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
	ST_INT(peer_store_rate, "1000", 1, 1000000),
	ST_INT(peer_store_burst, "2000", 1, 1000000),
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
	SIP_INT(max_transactions, "262144", 64, 4194304),
	SIP_INT(lookup_cache, "30", 0, 3600),
	SIP_INT(flow_timer_udp, "29", 10, 3600),
	SIP_INT(flow_timer_stream, "120", 10, 3600),
	SIP_INT(udp_buffer, "4096", 0, 262144),
	{ "sip", "advertise",		CFG_IP,
	    offsetof(struct cfg, sip.advertise), "", 0, 0, 0, NULL },
	{ "sip", "auth_local",		CFG_BOOL,
	    offsetof(struct cfg, sip.auth_local), "no", 0, 0, 0, NULL },
	{ "ua", "aor",			CFG_AORLIST,
	    offsetof(struct cfg, ua.aor), "", 0, 0, 0, NULL },
	{ "ua", "answer",		CFG_CHOICE,
	    offsetof(struct cfg, ua.answer), "ring", 0, 0, 0, cfg_answers },
	{ "ua", "direct",		CFG_CHOICE,
	    offsetof(struct cfg, ua.direct), "auto", 0, 0, 0,
	    cfg_auto_on_off },
	{ "media", "srtp",		CFG_CHOICE,
	    offsetof(struct cfg, media.srtp), "offer", 0, 0, 0, cfg_srtp },
	{ "media", "rtp_ports",		CFG_PORTS,
	    offsetof(struct cfg, media.rtp_port_min), "16384-32767", 0, 0,
	    0, NULL },
	{ "media", "ice",		CFG_BOOL,
	    offsetof(struct cfg, media.ice), "yes", 0, 0, 0, NULL },
	{ "media", "anchor",		CFG_CHOICE,
	    offsetof(struct cfg, media.anchor), "auto", 0, 0, 0,
	    cfg_auto_on_off },
	/* "": computed (cfg_finish), unless set */
	{ "nat", "stun_listen",		CFG_ADDR,
	    offsetof(struct cfg, nat.stun_listen), "", CFG_F_OFF | CFG_F_PORT0,
	    CFG_STUN_PORT,
	    0, NULL },
	{ "nat", "stun_servers",	CFG_ADDRLIST,
	    offsetof(struct cfg, nat.stun_servers), "", 0, CFG_STUN_PORT, 0,
	    NULL },
	{ "nat", "stun_rate",		CFG_INT,
	    offsetof(struct cfg, nat.stun_rate), "100", 0, 1, 100000, NULL },
	{ "nat", "probe_interval",	CFG_INT,
	    offsetof(struct cfg, nat.probe_interval), "600", 0, 10, 86400,
	    NULL },
	{ "nat", "relay",		CFG_ADDR,
	    offsetof(struct cfg, nat.relay), "", CFG_F_OFF, CFG_STUN_PORT, 0,
	    NULL },
	{ "nat", "relay_user",		CFG_TEXT,
	    offsetof(struct cfg, nat.relay_user), "", 0, 0, 127, NULL },
	{ "nat", "relay_password",	CFG_TEXT,
	    offsetof(struct cfg, nat.relay_password), "", CFG_F_SECRET, 0, 127,
	    NULL },
	{ "nat", "turn_density",	CFG_INT,
	    offsetof(struct cfg, nat.turn_density), "10", 0, 1, 20, NULL },
	{ "nat", "mode",		CFG_CHOICE,
	    offsetof(struct cfg, nat.mode), "auto", 0, 0, 0, cfg_nat_modes },
	{ "interwork", "dns_server",	CFG_ADDR,
	    offsetof(struct cfg, interwork.dns_server), "", CFG_F_OFF, 53, 0,
	    NULL },
	{ "interwork", "proxy_peer",	CFG_BOOL,
	    offsetof(struct cfg, interwork.proxy_peer), "no", 0, 0, 0, NULL },
};

_Static_assert(sizeof cfg_keys / sizeof cfg_keys[0] == CFG_NKEYS,
    "CFG_NKEYS (cfg_int.h) must count cfg_keys");

const struct cfg_key *const cfg_key_table = cfg_keys;

const struct cfg_key *
cfg_key_find(const char *section, const char *name, size_t *idx)
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

bool
cfg_key_section_known(const char *section)
{
	size_t	i;

	for (i = 0; i < CFG_NKEYS; i++)
		if (strcmp(cfg_keys[i].section, section) == 0)
			return true;
	return false;
}

/* An absolute copy of path: relative ones are taken from the cwd. */
char *
cfg_key_abspath(const char *path)
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
int
cfg_key_set(struct cfg *c, const struct cfg_key *k, const char *value,
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
		*(char **)field = cfg_key_abspath(value);
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
	case CFG_TEXT:
		if (strlen(value) > (size_t)k->max ||
		    strspn(value, "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJ"
		    "KLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") !=
		    strlen(value)) {
			*why = xasprintf("bad value (expected at most %ld "
			    "printable characters, no blanks)", k->max);
			return EINVAL;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(value);
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
		if ((k->flags & CFG_F_OFF) && (*value == '\0' ||
		    strcmp(value, "off") == 0)) {
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

struct cfg *
cfg_key_defaults(void)
{
	struct cfg	*c;
	char		*why = NULL;
	size_t		 i;

	c = xcalloc(1, sizeof *c);
	for (i = 0; i < CFG_NKEYS; i++) {
		if (cfg_key_set(c, &cfg_keys[i], cfg_keys[i].def, true,
		    &why) != 0)
			abort();	/* the table itself is wrong */
	}
	return c;
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
