/*
 * check_cfg.c - config parsing: defaults, values, every error with its
 * file and line, overrides, reload diffs, and the example config file.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "cfg.h"
#include "check_main.h"
#include "xmalloc.h"

static char	 cwd[PATH_MAX];

static void
setup(void)
{
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
}

/* Parse text; expect success. */
static struct cfg *
parse_ok(const char *text, const char *const *ov, size_t nov)
{
	struct cfg	*c = NULL;
	char		*cause = NULL;
	int		 rc;

	rc = cfg_parse_buf(&c, "t.conf", text, text ? strlen(text) : 0, ov,
	    nov, &cause);
	ck_assert_msg(rc == 0, "unexpected error: %s", cause);
	return c;
}

/* Parse text; expect failure and return the messages. */
static char *
parse_err(const char *text, size_t len, const char *const *ov, size_t nov)
{
	struct cfg	*c = NULL;
	char		*cause = NULL;

	ck_assert_int_eq(cfg_parse_buf(&c, "t.conf", text, len, ov, nov,
	    &cause), EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(cause);
	return cause;
}

static char *
parse_text_err(const char *text)
{
	return parse_err(text, strlen(text), NULL, 0);
}

static unsigned
count_lines(const char *s)
{
	unsigned	n = 1;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

START_TEST(defaults)
{
	struct cfg	*c = parse_ok(NULL, NULL, 0);
	char		*want;

	want = xasprintf("%s/var", cwd);
	ck_assert_str_eq(c->node.data_dir, want);
	free(want);
	want = xasprintf("%s/var/p2psipd.pid", cwd);
	ck_assert_str_eq(c->node.pidfile, want);
	free(want);
	ck_assert_str_eq(c->node.control_socket, "/run/p2psipd/p2psipd.sock");
	ck_assert_int_eq(c->node.log_level, LOG_LEVEL_INFO);
	ck_assert_ptr_null(c->file);
	cfg_free(c);
}
END_TEST

START_TEST(defaults_xdg)
{
	struct cfg	*c;
	char		*s;

	setenv("XDG_DATA_HOME", "/home/u/.local/share", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	c = parse_ok(NULL, NULL, 0);
	ck_assert_str_eq(c->node.data_dir, "/home/u/.local/share/p2psipd");
	ck_assert_str_eq(c->node.control_socket, "/run/user/1000/p2psipd.sock");
	s = cfg_default_control_socket();
	ck_assert_str_eq(s, "/run/user/1000/p2psipd.sock");
	free(s);
	cfg_free(c);
	/* Relative values are not XDG paths (XDG Base Directory spec). */
	setenv("XDG_DATA_HOME", "relative", 1);
	c = parse_ok(NULL, NULL, 0);
	ck_assert(strncmp(c->node.data_dir, cwd, strlen(cwd)) == 0);
	cfg_free(c);
}
END_TEST

START_TEST(values)
{
	struct cfg	*c;

	c = parse_ok("# comment\n; another\n\n[node]\n"
	    "data_dir = /srv/p2p   ; inline comment\n"
	    "control_socket=/tmp/x.sock\r\n"
	    "  log_level   =   debug  \n"
	    "pidfile = run/p.pid\n", NULL, 0);
	ck_assert_str_eq(c->node.data_dir, "/srv/p2p");
	ck_assert_str_eq(c->node.control_socket, "/tmp/x.sock");
	ck_assert_int_eq(c->node.log_level, LOG_LEVEL_DEBUG);
	ck_assert_str_eq(c->file, "t.conf");
	ck_assert(strncmp(c->node.pidfile, cwd, strlen(cwd)) == 0);
	ck_assert(strcmp(c->node.pidfile + strlen(cwd), "/run/p.pid") == 0);
	cfg_free(c);
}
END_TEST

START_TEST(unknown_key)
{
	char	*e = parse_text_err("[node]\nlog_level = info\nfoo = 1\n");

	ck_assert_str_eq(e, "t.conf:3: unknown key 'foo' in section [node]");
	free(e);
}
END_TEST

START_TEST(unknown_section_once)
{
	char	*e = parse_text_err("[nod]\nlog_level = info\ndata_dir = /x\n");

	ck_assert_str_eq(e, "t.conf:2: unknown section [nod]");
	free(e);
}
END_TEST

START_TEST(bad_value_names_key)
{
	char	*e = parse_text_err("[node]\nlog_level = loud\n");

	ck_assert_str_eq(e, "t.conf:2: [node] log_level: bad value 'loud' "
	    "(expected error, warn, info or debug)");
	free(e);
}
END_TEST

START_TEST(duplicate_key)
{
	const char	*t = "[node]\nlog_level = info\n\nlog_level = warn\n";
	char		*e = parse_text_err(t);

	ck_assert_str_eq(e, "t.conf:4: [node] log_level: set twice (first on "
	    "line 2)");
	free(e);
}
END_TEST

START_TEST(outside_section)
{
	char	*e = parse_text_err("log_level = info\n");

	ck_assert_str_eq(e, "t.conf:1: key 'log_level' outside any section");
	free(e);
}
END_TEST

/* Every syntax error is reported, in order, and value errors after. */
START_TEST(all_errors_reported)
{
	const char	*t = "[node\n"		/* 1: no ] */
			     "log_level info\n"	/* 2: no = */
			     "[node]\n"
			     "  continued\n"	/* 4: not a continuation */
			     "log_level = x\n"	/* 5: bad value */
			     "bogus = 1\n";	/* 6: unknown key */
	char		*e = parse_text_err(t);

	ck_assert_str_eq(e,
	    "t.conf:1: syntax error: expected '[section]' or 'key = value'\n"
	    "t.conf:2: syntax error: expected '[section]' or 'key = value'\n"
	    "t.conf:4: syntax error: expected '[section]' or 'key = value'\n"
	    "t.conf:5: [node] log_level: bad value 'x' (expected error, "
	    "warn, info or debug)\n"
	    "t.conf:6: unknown key 'bogus' in section [node]");
	free(e);
}
END_TEST

START_TEST(long_line)
{
	char	 t[400];
	char	*e;
	int	 n;

	/* Exactly CFG_LINE_MAX characters is fine ... */
	n = snprintf(t, sizeof t, "[node]\ndata_dir = /");
	memset(t + n, 'a', CFG_LINE_MAX - 12);
	strcpy(t + n + CFG_LINE_MAX - 12, "\n");
	cfg_free(parse_ok(t, NULL, 0));
	/* ... one more is an error, not a silent truncation. */
	strcpy(t + n + CFG_LINE_MAX - 12, "a\nlog_level = x\n");
	e = parse_text_err(t);
	ck_assert_str_eq(e, "t.conf:2: line too long (at most 197 characters)\n"
	    "t.conf:3: [node] log_level: bad value 'x' (expected error, warn, "
	    "info or debug)");
	free(e);
}
END_TEST

START_TEST(nul_byte)
{
	const char	 t[] = "[node]\nlog_level = in\0fo\n";
	char		*e = parse_err(t, sizeof t - 1, NULL, 0);

	ck_assert_str_eq(e, "t.conf:2: NUL byte in line");
	free(e);
}
END_TEST

START_TEST(too_many_errors)
{
	char	*t = xstrdup("[node]\n"), *n, *e;
	int	 i;

	for (i = 0; i < 40; i++) {
		n = xasprintf("%sjunk%d\n", t, i);
		free(t);
		t = n;
	}
	e = parse_text_err(t);
	ck_assert_uint_eq(count_lines(e), CFG_ERRORS_MAX + 1);
	ck_assert_ptr_nonnull(strstr(e, "t.conf:21: syntax error"));
	ck_assert_ptr_null(strstr(e, "t.conf:22:"));
	ck_assert_ptr_nonnull(strstr(e, "\ntoo many errors, giving up"));
	free(e);
	free(t);
}
END_TEST

START_TEST(overrides)
{
	const char	*ov[] = { "node.log_level=debug", "node.data_dir=/d" };
	struct cfg	*c;

	c = parse_ok("[node]\nlog_level = warn\ndata_dir = /x\n", ov, 2);
	ck_assert_int_eq(c->node.log_level, LOG_LEVEL_DEBUG);
	ck_assert_str_eq(c->node.data_dir, "/d");
	ck_assert_str_eq(c->node.pidfile, "/d/p2psipd.pid");
	cfg_free(c);
}
END_TEST

START_TEST(bad_overrides)
{
	const char	*ov[] = { "node.log_level", "nodelog_level=x", ".x=1",
	    "node.=1", "node.nope=1", "zz.nope=1", "node.log_level=LOUD" };
	char	*e = parse_err(NULL, 0, ov, 7);

	ck_assert_str_eq(e,
	    "-o node.log_level: expected SECTION.KEY=VALUE\n"
	    "-o nodelog_level=x: expected SECTION.KEY=VALUE\n"
	    "-o .x=1: expected SECTION.KEY=VALUE\n"
	    "-o node.=1: expected SECTION.KEY=VALUE\n"
	    "-o node.nope=1: unknown key 'nope' in section [node]\n"
	    "-o zz.nope=1: unknown key 'nope' in unknown section [zz]\n"
	    "-o node.log_level=LOUD: [node] log_level: bad value 'LOUD' "
	    "(expected error, warn, info or debug)");
	free(e);
}
END_TEST

START_TEST(socket_path_too_long)
{
	char	 ov[200], *e;
	const char	*ovp[] = { ov };

	snprintf(ov, sizeof ov, "node.control_socket=/%0120d", 0);
	e = parse_err(NULL, 0, ovp, 1);
	ck_assert_str_eq(e, "t.conf: [node] control_socket: path too long "
	    "for a Unix socket (at most 107 bytes)");
	free(e);
}
END_TEST

START_TEST(load_file_errors)
{
	struct cfg	*c = NULL;
	char		*cause = NULL;

	ck_assert_int_eq(cfg_load(&c, "/nonexistent/p.conf", NULL, 0, &cause),
	    ENOENT);
	ck_assert_str_eq(cause, "/nonexistent/p.conf: cannot open: No such "
	    "file or directory");
	free(cause);
	ck_assert_int_eq(cfg_load(&c, "/", NULL, 0, &cause), EINVAL);
	ck_assert_str_eq(cause, "/: not a regular file");
	free(cause);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(diff)
{
	const char		*ov[] = { "node.log_level=debug",
				    "node.data_dir=/elsewhere" };
	struct cfg		*a = parse_ok(NULL, NULL, 0);
	struct cfg		*b = parse_ok(NULL, ov, 2);
	struct cfg_change	 ch[8];
	size_t			 n;

	ck_assert_uint_eq(cfg_diff(a, a, ch, 8), 0);
	n = cfg_diff(a, b, ch, 8);
	/* data_dir, and pidfile which follows it; log_level is live. */
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(ch[0].key, "data_dir");
	ck_assert(!ch[0].live);
	ck_assert_str_eq(ch[1].key, "pidfile");
	ck_assert_str_eq(ch[2].key, "log_level");
	ck_assert(ch[2].live);
	ck_assert_uint_eq(cfg_diff(a, b, ch, 1), 3);
	cfg_free(a);
	cfg_free(b);
}
END_TEST

/* cfg_dump's text parses back into the same configuration. */
START_TEST(dump_round_trip)
{
	const char	*ov[] = { "node.log_level=warn", "node.pidfile=/p" };
	struct cfg	*a = parse_ok(NULL, ov, 2), *b;
	struct cfg_change ch[8];
	char		*text;

	text = cfg_dump(a);
	ck_assert_ptr_nonnull(strstr(text, "[node]\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nlog_level = warn\n"));
	b = parse_ok(text, NULL, 0);
	ck_assert_uint_eq(cfg_diff(a, b, ch, 8), 0);
	free(text);
	cfg_free(a);
	cfg_free(b);
}
END_TEST

/*
 * conf/p2psipd.conf documents every key with its default: uncommented, it
 * parses, and it names each key in the table with the table's default.
 */
START_TEST(example_documents_every_key)
{
	struct cfg	*c;
	char		*text, *p, *cause = NULL, *want;
	const char	*section, *def, *name;
	size_t		 i;
	FILE		*f;
	long		 len;

	f = fopen("conf/p2psipd.conf", "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = xcalloc(1, (size_t)len + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	ck_assert_int_eq(cfg_parse_buf(&c, "example", text, (size_t)len, NULL,
	    0, &cause), 0);
	cfg_free(c);
	/* ";key = value" lines are the documented defaults: uncomment. */
	for (p = text; (p = strstr(p, "\n;")) != NULL; p++)
		p[1] = ' ';
	ck_assert_int_eq(cfg_parse_buf(&c, "example", text, (size_t)len, NULL,
	    0, &cause), 0);
	cfg_free(c);
	for (i = 0; (name = cfg_key_at(i, &section, &def)) != NULL; i++) {
		want = xasprintf("\n %s = %s", name, def);
		ck_assert_msg(strstr(text, want) != NULL || *def == '\0',
		    "example lacks \"%s = %s\" in [%s]", name, def, section);
		free(want);
		want = xasprintf("\n %s =", name);
		ck_assert_msg(strstr(text, want) != NULL,
		    "example does not document %s.%s", section, name);
		free(want);
	}
	free(text);
}
END_TEST

/* [sip] tls_listen may be off; advertise is an IP without a port;
 * [users] lines, from the file and -o; the dump names the users, never
 * their passwords. */
START_TEST(sip_users)
{
	const char	*ov[] = { "users.carol=c4rol", "sip.tls_listen=" };
	struct cfg	*c;
	char		*d, *e;

	c = parse_ok("[sip]\nauth_local = yes\n[users]\nalice = wonder land\n"
	    "bob = b\n", ov, 2);
	ck_assert_int_eq(c->sip.auth_local, 1);
	ck_assert_int_eq(c->sip.tls_listen.family, 0);
	ck_assert_uint_eq(c->nusers, 3);
	ck_assert_str_eq(c->users[0].name, "alice");
	ck_assert_str_eq(c->users[0].password, "wonder land");
	ck_assert_str_eq(c->users[2].name, "carol");
	d = cfg_dump(c);
	ck_assert_ptr_nonnull(strstr(d, "tls_listen = \n"));
	ck_assert_ptr_nonnull(strstr(d, "alice bob carol"));
	ck_assert_ptr_null(strstr(d, "wonder"));
	free(d);
	cfg_free(c);
	/* port 0: a free one, for SIP (a second daemon on a host), not
	 * for the overlay, whose port others bootstrap to */
	c = parse_ok("[sip]\nlisten = 127.0.0.1:0\ntls_listen = [::1]:0\n",
	    NULL, 0);
	ck_assert_int_eq(c->sip.listen.port, 0);
	ck_assert_int_eq(c->sip.listen.family, 4);
	ck_assert_int_eq(c->sip.tls_listen.port, 0);
	ck_assert_int_eq(c->sip.tls_listen.family, 6);
	cfg_free(c);
	e = parse_text_err("[overlay]\nlisten = 127.0.0.1:0\n[sip]\n"
	    "listen = 127.0.0.1:x:0\n");
	ck_assert_ptr_nonnull(strstr(e, "t.conf:2: [overlay] listen: bad "
	    "address '127.0.0.1:0'"));
	ck_assert_ptr_nonnull(strstr(e, "t.conf:4: [sip] listen: bad address "
	    "'127.0.0.1:x:0' (expected IP:port or [IPv6]:port, port 0 for a "
	    "free one)"));
	free(e);
	c = parse_ok("[sip]\nadvertise = 2001:db8::7\n", NULL, 0);
	ck_assert_int_eq(c->sip.advertise.family, 6);
	d = cfg_dump(c);
	ck_assert_ptr_nonnull(strstr(d, "advertise = 2001:db8::7\n"));
	free(d);
	cfg_free(c);
	e = parse_text_err("[users]\nal!ce = x\nbob = b\nbob = c\n"
	    "[sip]\nauth_local = maybe\nadvertise = 192.0.2.1:5060\n");
	ck_assert_ptr_nonnull(strstr(e, "t.conf:2: [users] al!ce: bad user name"));
	ck_assert_ptr_nonnull(strstr(e, "t.conf:4: [users] bob: set twice"));
	ck_assert_ptr_nonnull(strstr(e, "t.conf:6: [sip] auth_local: bad value "
	    "'maybe' (expected yes or no)"));
	ck_assert_ptr_nonnull(strstr(e, "t.conf:7: [sip] advertise: bad IP "
	    "address '192.0.2.1:5060' (expected an IPv4 or IPv6 address, "
	    "without a port)"));
	free(e);
}
END_TEST

START_TEST(overlay_values)
{
	const char	*ov[] = { "overlay.bootstrap=10.0.0.9" };
	struct cfg	*c;
	char		 a[ADDR_STRLEN];

	c = parse_ok("[overlay]\nname = Overlay.Example.org\n"
	    "listen = [::1]:7000\nbootstrap = 127.0.0.1:7001, 127.0.0.2\n"
	    "bootstrap = 127.0.0.3:7003\nsuccessors = 5\n"
	    "partition_check = 0\n", NULL, 0);
	ck_assert_str_eq(c->overlay.name, "Overlay.Example.org");
	ck_assert_str_eq(addr_str(&c->overlay.listen, a), "[::1]:7000");
	/* a repeated list key appends; a bare address gets port 6084 */
	ck_assert_int_eq(c->overlay.bootstrap.n, 3);
	ck_assert_str_eq(addr_str(&c->overlay.bootstrap.v[1], a),
	    "127.0.0.2:6084");
	ck_assert_int_eq(c->overlay.successors, 5);
	ck_assert_int_eq(c->overlay.predecessors, 3);
	ck_assert_int_eq(c->overlay.partition_check, 0);
	/* the routing choices' defaults */
	ck_assert_int_eq(c->overlay.finger_density, 0);
	ck_assert_int_eq(c->overlay.pns, 0);
	ck_assert_int_eq(c->overlay.location_cache, 64);
	cfg_free(c);
	c = parse_ok("[overlay]\nfingers = 32\nfinger_density = 4\n"
	    "pns = yes\nlocation_cache = 0\n", NULL, 0);
	ck_assert_int_eq(c->overlay.fingers, 32);
	ck_assert_int_eq(c->overlay.finger_density, 2);	/* log2 */
	ck_assert_int_eq(c->overlay.pns, 1);
	ck_assert_int_eq(c->overlay.location_cache, 0);
	cfg_free(c);
	/* -o replaces the file's list */
	c = parse_ok("[overlay]\nbootstrap = 127.0.0.1:7001\n", ov, 1);
	ck_assert_int_eq(c->overlay.bootstrap.n, 1);
	ck_assert_str_eq(addr_str(&c->overlay.bootstrap.v[0], a),
	    "10.0.0.9:6084");
	cfg_free(c);
}
END_TEST

START_TEST(overlay_errors)
{
	const char	*t = "[overlay]\n"
	    "name = bad_name.org\n"
	    "listen = localhost:6084\n"
	    "bootstrap = 127.0.0.1:99999\n"
	    "successors = 0\n"
	    "fingers = many\n"
	    "initial_ttl = 256\n";
	char		*e = parse_text_err(t);

	ck_assert_str_eq(e,
	    "t.conf:2: [overlay] name: bad value 'bad_name.org' (expected a "
	    "domain name such as overlay.example.org)\n"
	    "t.conf:3: [overlay] listen: bad address 'localhost:6084' "
	    "(expected IP:port or [IPv6]:port; host names are not resolved)\n"
	    "t.conf:4: [overlay] bootstrap: bad address '127.0.0.1:99999' "
	    "(expected IP:port or [IPv6]:port; host names are not resolved)\n"
	    "t.conf:5: [overlay] successors: bad value '0' (expected an "
	    "integer from 1 to 16)\n"
	    "t.conf:6: [overlay] fingers: bad value 'many' (expected an "
	    "integer from 1 to 128)\n"
	    "t.conf:7: [overlay] initial_ttl: bad value '256' (expected an "
	    "integer from 1 to 255)");
	free(e);
	e = parse_text_err("[overlay]\nfinger_density = 3\n");
	ck_assert_str_eq(e, "t.conf:2: [overlay] finger_density: bad value "
	    "'3' (expected 1, 2, 4, 8 or 16)");
	free(e);
	/* 17 octaves of 16: past the table */
	e = parse_text_err("[overlay]\nfingers = 17\nfinger_density = 16\n");
	ck_assert_str_eq(e, "t.conf: [overlay] fingers: 17 octaves of 16 "
	    "slots are 272 slots, more than 256");
	free(e);
}
END_TEST

START_TEST(overlay_list_round_trip)
{
	const char	*ov[] = { "overlay.bootstrap=10.0.0.1,10.0.0.2,"
			    "10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.6" };
	struct cfg	*a = parse_ok(NULL, ov, 1), *b;
	struct cfg_change ch[8];
	char		*text = cfg_dump(a);

	/* long lists are split over repeated keys, each line short */
	ck_assert_ptr_nonnull(strstr(text, "\nbootstrap = 10.0.0.5:6084,"));
	b = parse_ok(text, NULL, 0);
	ck_assert_uint_eq(cfg_diff(a, b, ch, 8), 0);
	free(text);
	cfg_free(a);
	cfg_free(b);
}
END_TEST

START_TEST(ua_media_values)
{
	const char	*t = "[ua]\naor = alice, bob@p2psipd.localhost\n"
	    "aor = carol\nanswer = auto\n[media]\nsrtp = require\n"
	    "rtp_ports = 20000-20099\n";
	const char	*ov[] = { "ua.aor=dave" };
	struct cfg	*c = parse_ok(t, NULL, 0), *b;
	struct cfg_change ch[8];
	char		*text, *e;

	ck_assert_int_eq(c->ua.aor.n, 3);
	ck_assert_str_eq(c->ua.aor.v[1], "bob@p2psipd.localhost");
	ck_assert_str_eq(c->ua.aor.v[2], "carol");
	ck_assert_int_eq(c->ua.answer, 1);
	ck_assert_int_eq(c->media.srtp, 2);
	ck_assert_int_eq(c->media.rtp_port_min, 20000);
	ck_assert_int_eq(c->media.rtp_port_max, 20099);
	/* the dump reads back the same */
	text = cfg_dump(c);
	b = parse_ok(text, NULL, 0);
	ck_assert_uint_eq(cfg_diff(c, b, ch, 8), 0);
	free(text);
	cfg_free(b);
	/* an override replaces the file's list */
	b = parse_ok(t, ov, 1);
	ck_assert_int_eq(b->ua.aor.n, 1);
	ck_assert_str_eq(b->ua.aor.v[0], "dave");
	ck_assert_uint_eq(cfg_diff(c, b, ch, 8), 1);
	ck_assert_str_eq(ch[0].key, "aor");
	cfg_free(b);
	cfg_free(c);

	e = parse_text_err("[ua]\naor = al ice\nanswer = maybe\n[media]\n"
	    "srtp = always\nrtp_ports = 20001-20099\n");
	ck_assert_str_eq(e,
	    "t.conf:2: [ua] aor: bad AOR 'al ice' (expected user or "
	    "user@OVERLAY)\n"
	    "t.conf:3: [ua] answer: bad value 'maybe' (expected ring, auto or "
	    "reject)\n"
	    "t.conf:5: [media] srtp: bad value 'always' (expected off, offer "
	    "or require)\n"
	    "t.conf:6: [media] rtp_ports: bad value '20001-20099' (expected "
	    "LO-HI: an even LO from 1024, HI above it, up to 65535)");
	free(e);
}
END_TEST

START_TEST(log_levels)
{
	enum log_level	l;

	ck_assert_int_eq(log_level_parse("warn", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_WARN);
	ck_assert_str_eq(log_level_name(LOG_LEVEL_DEBUG), "debug");
	ck_assert_int_eq(log_level_parse("WARN", &l), EINVAL);
	ck_assert_int_eq(log_level_parse("", &l), EINVAL);
}
END_TEST

Suite *
check_suite(void)
{
	Suite	*s = suite_create("cfg");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, defaults_xdg);
	tcase_add_test(tc, values);
	tcase_add_test(tc, unknown_key);
	tcase_add_test(tc, unknown_section_once);
	tcase_add_test(tc, bad_value_names_key);
	tcase_add_test(tc, duplicate_key);
	tcase_add_test(tc, outside_section);
	tcase_add_test(tc, all_errors_reported);
	tcase_add_test(tc, long_line);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, too_many_errors);
	tcase_add_test(tc, overrides);
	tcase_add_test(tc, bad_overrides);
	tcase_add_test(tc, socket_path_too_long);
	tcase_add_test(tc, load_file_errors);
	tcase_add_test(tc, diff);
	tcase_add_test(tc, dump_round_trip);
	tcase_add_test(tc, example_documents_every_key);
	tcase_add_test(tc, overlay_values);
	tcase_add_test(tc, sip_users);
	tcase_add_test(tc, overlay_errors);
	tcase_add_test(tc, overlay_list_round_trip);
	tcase_add_test(tc, ua_media_values);
	tcase_add_test(tc, log_levels);
	suite_add_tcase(s, tc);
	return s;
}
