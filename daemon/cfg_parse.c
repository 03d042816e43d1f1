/*
 * cfg_parse.c - the INI text and -o overrides into a struct cfg
 * (inih reads the syntax; the keys are cfg_key.c's).
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
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <ini.h>

#include "cfg.h"
#include "cfg_int.h"
#include "ov_chord.h"
#include "xmalloc.h"

/* The longest line inih's compiled-in buffer holds (see ini.h). */
#if CFG_LINE_MAX != INI_MAX_LINE - 3
#error "CFG_LINE_MAX must match inih's INI_MAX_LINE"
#endif

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
	if ((k = cfg_key_find(section, name, &idx)) == NULL) {
		if (cfg_key_section_known(section))
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
	if (cfg_key_set(p->cfg, k, value, false, &why) != 0) {
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
	} else if ((k = cfg_key_find(section, key, &idx)) == NULL)
		cfg_err(&p->errs, UINT_MAX, where,
		    cfg_key_section_known(section) ?
		    "unknown key '%s' in section [%s]" :
		    "unknown key '%s' in unknown section [%s]", key, section);
	else if (cfg_key_set(p->cfg, k, eq + 1, !p->overridden[idx],
	    &why) != 0) {
		cfg_err(&p->errs, UINT_MAX, where, "[%s] %s: %s", section, key,
		    why);
		free(why);
	} else
		p->overridden[idx] = true;
	free(section);
	free(key);
	free(where);
}

/* Computed defaults and checks that involve more than one key. */
static void
cfg_finish(struct cfg_parse *p)
{
	struct cfg		*c = p->cfg;
	const char		*xdg;
	struct sockaddr_un	 sun;
	size_t			 idx;

	if (c->node.data_dir[0] == '\0') {
		free(c->node.data_dir);
		xdg = getenv("XDG_DATA_HOME");
		if (xdg != NULL && xdg[0] == '/')
			c->node.data_dir = xasprintf("%s/p2psipd", xdg);
		else
			c->node.data_dir = cfg_key_abspath("var");
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
	/* [nat] stun_listen left unset: the overlay's address, port 3478 */
	if (cfg_key_find("nat", "stun_listen", &idx) != NULL &&
	    p->set_line[idx] == 0 && !p->overridden[idx]) {
		c->nat.stun_listen = c->overlay.listen;
		c->nat.stun_listen.port = CFG_STUN_PORT;
		c->nat.stun_derived = true;
	}
	if ((c->nat.relay_user[0] == '\0') != (c->nat.relay_password[0] ==
	    '\0'))
		cfg_err(&p->errs, UINT_MAX, p->name, "[nat] relay_user and "
		    "relay_password: give both or neither");
	if (strlen(c->node.control_socket) >= sizeof sun.sun_path)
		cfg_err(&p->errs, UINT_MAX, p->name, "[node] control_socket: "
		    "path too long for a Unix socket (at most %zu bytes)",
		    sizeof sun.sun_path - 1);
	if (c->node.data_dir[0] != '/')
		cfg_err(&p->errs, UINT_MAX, p->name, "[node] data_dir: cannot "
		    "make '%s' absolute", c->node.data_dir);
	if (c->overlay.fingers << c->overlay.finger_density > OV_FINGER_MAX)
		cfg_err(&p->errs, UINT_MAX, p->name, "[overlay] fingers: %d "
		    "octaves of %d slots are %d slots, more than %d",
		    c->overlay.fingers, 1 << c->overlay.finger_density,
		    c->overlay.fingers << c->overlay.finger_density,
		    OV_FINGER_MAX);
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

int
cfg_parse_buf(struct cfg **out, const char *name, const char *buf,
    size_t len, const char *const *overrides, size_t noverrides, char **cause)
{
	struct cfg_parse	 p;
	size_t			 i;
	int			 rc = 0;

	memset(&p, 0, sizeof p);
	p.cfg = cfg_key_defaults();
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
